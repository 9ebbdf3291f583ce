"""What people (and the API) do to one target or many: retry, cancel, reschedule, mark as
posted, settle an unconfirmed one; and what a connection's state does to its targets."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import ClientAccount
from publishing.events import target_event
from publishing.models import (
    EventType,
    PostStatus,
    PostTarget,
    TargetStatus,
)
from publishing.signals import target_published, target_slot_released
from publishing.transitions import (
    SYSTEM,
    TARGET_TRANSITIONS,
    Actor,
    InvalidTransition,
    target_transition,
)
from socialdist.validators import validate_http_url, validate_year

T = TargetStatus


UNCONFIRMED = "unconfirmed"  # the dispatcher's error_code when the platform cannot confirm a post


def _is_unconfirmed(target: PostTarget) -> bool:
    return target.status == T.FAILED and target.error_code == UNCONFIRMED


def _unconfirmed_refusal(target: PostTarget, doing: str) -> InvalidTransition:
    return InvalidTransition(
        f"We could not confirm whether this went out on {target.profile.get_platform_display()} "
        f"({target.profile.name}), so it cannot be {doing}: check the profile, then choose "
        '"It was posted" or "It was not posted" on the post\'s page (API: POST '
        f"/api/v1/targets/{target.pk}/settle)."
    )


def target_retry(*, target: PostTarget, actor: Actor) -> PostTarget:
    """A person fixed the cause: try again now with a fresh attempt budget."""
    if target.status != T.FAILED:
        raise InvalidTransition(f"Only failed targets can be retried; this one is {target.status}.")
    if _is_unconfirmed(target):
        raise _unconfirmed_refusal(target, "retried")  # a blind retry may post a second time
    _publish_again_now(target=target, actor=actor, reason="retry requested")
    return target


def _publish_again_now(*, target: PostTarget, actor: Actor, reason: str) -> bool:
    """Failed → scheduled now with a fresh attempt budget (a retry, or "it was not posted")."""
    return target_transition(
        target=target,
        to=T.SCHEDULED,
        actor=actor,
        reason=reason,
        attempts=0,
        next_attempt_at=timezone.now(),
        error_code="",
        error_message="",
    )


def target_cancel(*, target: PostTarget, actor: Actor) -> PostTarget:
    if T.CANCELLED not in TARGET_TRANSITIONS[target.status]:
        raise InvalidTransition(f"A {target.status} target cannot be cancelled.")
    target_transition(target=target, to=T.CANCELLED, actor=actor, reason="cancelled")
    target_slot_release(target)
    return target


def target_slot_release(target: PostTarget) -> bool:
    """The target gives up its slot, if it had one (scheduling listens); True if it had one."""
    replies = target_slot_released.send(sender=PostTarget, target=target)
    return any(bool(reply) for _, reply in replies)


def target_reschedule(*, target: PostTarget, actor: Actor, scheduled_at: datetime) -> PostTarget:
    if timezone.is_naive(scheduled_at):
        raise ValidationError({"scheduled_at": ["Give a time zone offset, e.g. +00:00."]})
    validate_year(scheduled_at, field="scheduled_at")
    if target.status not in (T.PENDING, T.SCHEDULED, T.FAILED):
        raise InvalidTransition(f"A {target.status} target cannot be rescheduled.")
    if _is_unconfirmed(target):
        raise _unconfirmed_refusal(target, "rescheduled")  # as blind as a retry
    if target.post.status != PostStatus.APPROVED:
        PostTarget.objects.filter(pk=target.pk).update(scheduled_at=scheduled_at)
        target.scheduled_at = scheduled_at
        return target
    target_slot_release(target)  # a hand-picked time leaves the slot for another post
    target_transition(
        target=target,
        to=T.SCHEDULED,
        actor=actor,
        reason=f"rescheduled to {scheduled_at.isoformat()}",
        scheduled_at=scheduled_at,
        next_attempt_at=None,
        attempts=0 if target.status == T.FAILED else target.attempts,
    )
    return target


def _clean_permalink(permalink: str) -> str:
    """A person's link to the live post: empty, or https:// (it is shown as a link)."""
    permalink = permalink.strip()
    if permalink:
        validate_http_url(permalink, field="permalink", max_length=1000)
        if not permalink.lower().startswith("https://"):
            raise ValidationError({"permalink": ["Use the post's https:// link."]})
    return permalink


def target_mark_posted(*, target: PostTarget, actor: Actor, permalink: str = "") -> PostTarget:
    """A person posted a `manual` target by hand: record it as published."""
    if target.status != T.MANUAL:
        raise InvalidTransition(
            f"Only targets waiting to be posted by hand can be marked; this one is {target.status}."
        )
    permalink = _clean_permalink(permalink)
    target_transition(
        target=target,
        to=T.PUBLISHED,
        actor=actor,
        reason="posted by hand",
        permalink=permalink,
        published_at=timezone.now(),
        error_code="",
        error_message="",
    )
    target_published.send(sender=PostTarget, target=target)
    return target


def target_settle_unconfirmed(
    *, target: PostTarget, actor: Actor, posted: bool, permalink: str = ""
) -> PostTarget:
    """A person checked the profile of an `unconfirmed` target and says whether it went out.

    posted → published, with nothing sent to the platform; not posted → scheduled now, the only
    way such a target is published again.
    """
    if not _is_unconfirmed(target):
        raise InvalidTransition(
            "Only targets whose publishing could not be confirmed can be settled this way; this "
            f"one is {target.status}" + (f" ({target.error_code})." if target.error_code else ".")
        )
    changed = InvalidTransition("Someone settled this target meanwhile; reload the page.")
    if not posted:
        if not _publish_again_now(
            target=target,
            actor=actor,
            reason="a person confirmed it was not posted; publishing again",
        ):
            raise changed
        return target
    if not target_transition(
        target=target,
        to=T.PUBLISHED,
        actor=actor,
        reason="a person confirmed it was posted",
        permalink=_clean_permalink(permalink),
        published_at=timezone.now(),
        next_attempt_at=None,
        error_code="",
        error_message="",
    ):
        raise changed
    # The same event and metric reads as a post the dispatcher published.
    target_announce_published(target)
    return target


def target_announce_published(target: PostTarget, *, measured_from=None) -> None:
    """Once the post is settled with its id (or certainly without one): the event, the metric reads."""
    target_event(target=target, event=EventType.TARGET_PUBLISHED)
    target_published.send(sender=PostTarget, target=target, since=measured_from)


def targets_release_held(*, connection, actor: Actor = SYSTEM) -> int:
    """A channel is back: targets held while it was disconnected are scheduled again."""
    held = PostTarget.objects.filter(
        profile__connection=connection, status=T.PENDING, post__status=PostStatus.APPROVED
    ).exclude(error_code="")
    released = 0
    for target in held:
        if target.scheduled_at is None:  # waits for a slot as before, without the stale error
            PostTarget.objects.filter(pk=target.pk).update(error_code="", error_message="")
            continue
        released += target_transition(
            target=target,
            to=T.SCHEDULED,
            actor=actor,
            reason="channel reconnected",
            next_attempt_at=None,
            error_code="",
            error_message="",
        )
    return released


def targets_hold_for_connection(*, connection) -> int:
    """A channel went away: its scheduled targets wait as `pending` (held), never failed."""
    held = 0
    scheduled = PostTarget.objects.filter(profile__connection=connection, status=T.SCHEDULED)
    for target in scheduled:
        held += target_transition(
            target=target,
            to=T.PENDING,
            actor=SYSTEM,
            reason="held: the channel is disconnected",
            error_code="disconnected",
            error_message=f"{connection} is disconnected; reconnect it to release this post.",
        )
    return held


BULK_ACTIONS = ("cancel", "retry", "reschedule")


def targets_bulk_act(
    *,
    account: ClientAccount,
    actor: Actor,
    action: str,
    target_ids: list[int],
    scheduled_at: datetime | None = None,
) -> tuple[int, list[str]]:
    """The queue's bulk actions on this account's targets: cancel, retry, or reschedule to
    `scheduled_at`. Each target on its own; returns how many were done and, for each skipped
    one, a sentence saying which post on which profile and why ("Post 3 on <network> · Acme
    was skipped: it is already published.")."""
    actions = {
        "cancel": lambda t: target_cancel(target=t, actor=actor),
        "retry": lambda t: target_retry(target=t, actor=actor),
        "reschedule": lambda t: target_reschedule(target=t, actor=actor, scheduled_at=scheduled_at),
    }
    if action not in actions:
        raise ValueError("Choose cancel, retry or reschedule.")
    done, skipped = 0, []
    targets = PostTarget.objects.filter(post__account=account, pk__in=target_ids)
    for target in targets.select_related("post", "profile").order_by("pk"):
        try:
            actions[action](target)
            done += 1
        except (InvalidTransition, ValidationError) as exc:
            where = f"{target.profile.get_platform_display()} · {target.profile.name}"
            why = _why_skipped(target, action, exc).rstrip(".")
            skipped.append(f"Post {target.post_id} on {where} was skipped: {why}.")
    return done, skipped


_DONE = {"cancel": "cancelled", "retry": "retried", "reschedule": "rescheduled"}
_ALREADY = {
    T.PUBLISHED: "it is already published",
    T.CANCELLED: "it is already cancelled",
    T.PUBLISHING: "it is being published right now",
    T.SENT_TO_DRAFTS: "it was already sent to the app's drafts",
    T.MANUAL: "it is waiting to be posted by hand",
}


def _why_skipped(target: PostTarget, action: str, exc: Exception) -> str:
    """Why a bulk action left this target alone, in words about the user's post."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if _is_unconfirmed(target):
        return (
            f"we could not confirm whether it went out, so it cannot be {_DONE[action]} blindly: "
            f'check {target.profile.name}, then choose "It was posted" or "It was not posted" '
            "on the post's page"
        )
    if action == "retry" and target.status != T.FAILED:
        return f"only failed posts can be retried, and this one is {target.status_label.lower()}"
    if target.status in _ALREADY:
        return _ALREADY[target.status]
    return "it changed meanwhile; reload the page and try again"
