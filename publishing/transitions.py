"""The one owner of Post and PostTarget status: every status write goes through here.

The transition table is the only source of truth for which target moves are legal, and every move
writes its audit row (who/what, from, to, when, why) in the same transaction. Each write is a
conditional UPDATE on the status the caller saw, so of two concurrent moves exactly one wins.
`targets_transition_bulk` is the same for many targets at once (the dispatcher's claim, slot attach).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from publishing.models import AuditEntry, Post, PostStatus, PostTarget, TargetStatus
from socialdist.leases import locked

T = TargetStatus
# Which target transitions are legal (DESIGN.md "Post lifecycle").
TARGET_TRANSITIONS: dict[str, set[str]] = {
    T.PENDING: {T.SCHEDULED, T.MANUAL, T.CANCELLED},
    T.SCHEDULED: {T.PUBLISHING, T.PENDING, T.CANCELLED, T.SCHEDULED},
    T.PUBLISHING: {T.PUBLISHED, T.FAILED, T.SCHEDULED, T.PENDING, T.MANUAL, T.SENT_TO_DRAFTS},
    # FAILED → PUBLISHED only for an `unconfirmed` target a person confirms went out
    # (target_settle_unconfirmed): the platform could not tell us, so nothing else may claim it.
    T.FAILED: {T.SCHEDULED, T.PENDING, T.CANCELLED, T.PUBLISHED},
    T.MANUAL: {T.PUBLISHED, T.CANCELLED},
    T.SENT_TO_DRAFTS: {T.PUBLISHED, T.FAILED, T.CANCELLED},
    T.PUBLISHED: set(),
    T.CANCELLED: {T.PENDING},  # restored by a person (publishing/lifecycle.py target_restore)
}


class InvalidTransition(Exception):
    pass


@dataclass
class Actor:
    """Who made a change: a person, or a labelled system/API caller."""

    user: User | None = None
    label: str = ""
    key: str = ""  # who, for four eyes, when there is no user (e.g. "token:12")

    @property
    def text(self) -> str:
        return self.label or (self.user.email if self.user else "system")

    @property
    def identity(self) -> str:
        """The same person (or API token) through any door: app, admin, email link or API."""
        if self.user is not None:
            return f"user:{self.user.pk}"
        return self.key or f"label:{self.label}"


SYSTEM = Actor(label="system")


def audit_entry(*, post_id: int, target_id: int | None, frm: str, to: str, actor: Actor, reason=""):
    return AuditEntry(
        post_id=post_id,
        target_id=target_id,
        from_status=frm,
        to_status=to,
        actor=actor.user,
        actor_label=actor.text[:100],
        reason=reason[:500],
    )


def target_transition(
    *, target: PostTarget, to: str, actor: Actor, reason: str = "", **fields
) -> bool:
    """Move a target from its current status to `to`, only if nobody moved it meanwhile.

    A conditional UPDATE (WHERE status = current) makes concurrent transitions safe: exactly one
    wins; the loser gets False and changes nothing.
    """
    frm = target.status
    if to not in TARGET_TRANSITIONS[frm]:
        raise InvalidTransition(f"A {frm} target cannot become {to}.")
    now = timezone.now()
    match: dict = {"pk": target.pk, "status": frm}
    if frm == T.PUBLISHING and target.claim_token:
        match["claim_token"] = target.claim_token  # only the worker holding the claim settles it
    with transaction.atomic():
        updated = PostTarget.objects.filter(**match).update(status=to, updated_at=now, **fields)
        if not updated:
            return False
        audit_entry(
            post_id=target.post_id, target_id=target.pk, frm=frm, to=to, actor=actor, reason=reason
        ).save()
    target.status = to
    for name, value in fields.items():
        setattr(target, name, value)
    return True


def post_transition(
    *, post: Post, to: str, actor: Actor, reason: str = "", version: int | None = None, **fields
) -> None:
    """Conditional on the status (and version) the caller saw: a concurrent change wins."""
    frm = post.status
    match = {"pk": post.pk, "status": frm}
    if version is not None:
        match["version"] = version
    with transaction.atomic():
        if not Post.objects.filter(**match).update(status=to, updated_at=timezone.now(), **fields):
            raise InvalidTransition("The post changed meanwhile; reload it and try again.")
        audit_entry(
            post_id=post.pk, target_id=None, frm=frm, to=to, actor=actor, reason=reason
        ).save()
        if to == PostStatus.AWAITING_APPROVAL:
            transaction.on_commit(partial(_digest_immediately, post.account_id))
    post.status = to
    for name, value in fields.items():
        setattr(post, name, value)


def _digest_immediately(account_id: int) -> None:
    # Imported here: approval builds on this module.
    from publishing.approval import digest_send_immediate

    digest_send_immediate(account_id)


def targets_transition_bulk(
    *,
    target_ids: Iterable[int],
    frm: str,
    to: str,
    actor: Actor,
    reason: str = "",
    reasons: Mapping[int, str] | None = None,
    per_target: Mapping[int, Mapping[str, Any]] | None = None,
    **fields,
) -> list[int]:
    """Move every listed target that is still `frm` to `to`; returns the ids moved.

    `fields` are written on every moved target, `per_target` (id → {field: value}, the same fields
    for each) per target; `reasons` (id → reason) overrides `reason`. One audit row per moved target.
    Targets no longer `frm` (another worker moved them) are left alone and not returned.
    """
    if to not in TARGET_TRANSITIONS[frm]:
        raise InvalidTransition(f"A {frm} target cannot become {to}.")
    ids = list(target_ids)
    if not ids:
        return []
    reasons = reasons or {}
    shared = {"status": to, "updated_at": timezone.now(), **fields}
    with transaction.atomic():
        rows = PostTarget.objects.filter(pk__in=ids, status=frm)
        # Locked (or, on SQLite, one writer at a time): the rows read are the rows updated.
        moving = dict(locked(rows).order_by("pk").values_list("pk", "post_id"))
        if not moving:
            return []
        if per_target:
            names = sorted({name for values in per_target.values() for name in values})
            objs = [PostTarget(pk=pk, **shared, **per_target[pk]) for pk in moving]
            updated = rows.filter(pk__in=moving).bulk_update(objs, [*shared, *names])
        else:
            updated = rows.filter(pk__in=moving).update(**shared)
        if updated != len(moving):  # cannot happen under the lock; never audit a move not made
            raise InvalidTransition("Targets changed during a bulk transition; nothing was moved.")
        AuditEntry.objects.bulk_create(
            audit_entry(
                post_id=post_id,
                target_id=pk,
                frm=frm,
                to=to,
                actor=actor,
                reason=reasons.get(pk, reason),
            )
            for pk, post_id in moving.items()
        )
    return list(moving)
