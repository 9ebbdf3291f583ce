"""Edit lock, duplicate, delete and restore (issue 15, part 5).

Before any target may be live, a post can be edited, deleted or duplicated; once one may be live
(published, publishing, sent to drafts, or failed `unconfirmed`) its content is locked: what is
live cannot be changed here, so a changed version is a duplicate. Status changes still go through
publishing.transitions, and slots are released through the target_slot_released signal.
"""

from django.db import transaction
from django.db.models import Q, QuerySet

from publishing.models import (
    Post,
    PostDeletion,
    PostMedia,
    PostStatus,
    PostTarget,
    PostVersion,
    TargetStatus,
)
from publishing.services import Actor, InvalidTransition, audit_entry, target_transition
from publishing.targets import UNCONFIRMED, target_slot_release
from socialdist.leases import locked

T = TargetStatus
# Targets in these states may be live on the platform (or about to be).
MAYBE_LIVE = (T.PUBLISHED, T.PUBLISHING, T.SENT_TO_DRAFTS)
_LIVE_WORDS = {
    T.PUBLISHED: "already published on",
    T.PUBLISHING: "being published on",
    T.SENT_TO_DRAFTS: "already sent to the drafts of",
    T.FAILED: "possibly live (unconfirmed) on",
}


class PostLocked(InvalidTransition):
    """The post may be live somewhere: its content cannot change and it cannot be deleted."""


def live_targets(post: Post) -> QuerySet[PostTarget]:
    """The post's targets that may be live: published, publishing, sent to drafts, unconfirmed."""
    maybe_live = Q(status__in=MAYBE_LIVE) | Q(status=T.FAILED, error_code=UNCONFIRMED)
    return post.targets.filter(maybe_live).select_related("profile").order_by("pk")


def _where(target: PostTarget) -> str:
    return f"{target.profile.get_platform_display()} · {target.profile.name}"


def _live_phrase(post: Post) -> str:
    """The live part of a refusal ("already published on <network> · Acme"); "" if none."""
    found = list(live_targets(post))
    if not found:
        return ""
    first = found[0]
    phrase = f"{_LIVE_WORDS[first.status]} {_where(first)}"
    if len(found) > 1:
        phrase += f" (and {len(found) - 1} more)"
    return phrase


def post_lock_reason(post: Post) -> str:
    """Why the post's content cannot be edited, with the way out; "" when it can be."""
    phrase = _live_phrase(post)
    if not phrase:
        return ""
    return (
        f"Post {post.pk} is {phrase}, so its content is locked; "
        "duplicate it to post a changed version."
    )


def post_assert_editable(post: Post) -> None:
    """Every door that changes a post's content (page, API, admin) calls this first."""
    reason = post_lock_reason(post)
    if reason:
        raise PostLocked(reason)


def post_delete_refusal(post: Post) -> str:
    """Why the post cannot be deleted; "" when it can be."""
    phrase = _live_phrase(post)
    if not phrase:
        return ""
    return (
        f"Post {post.pk} is {phrase}, so it cannot be deleted here; "
        "remove it on the platform, or cancel the targets that are not live yet."
    )


# Duplicate --------------------------------------------------------------------------------------


def post_versions_copy(*, source: Post, copy: Post) -> int:
    """The per-network versions of `source`, for `copy`. Versions name media by position, and
    the copy keeps the media order, so they apply unchanged. Returns how many were copied."""
    rows = [
        PostVersion(
            post=copy, platform=v.platform, profile_id=v.profile_id, caption=v.caption,
            title=v.title, post_type=v.post_type, media=v.media, first_comment=v.first_comment,
            options=v.options,
        )
        for v in source.versions.all()
    ]  # fmt: skip
    PostVersion.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def post_duplicate(*, post: Post, actor: Actor) -> Post:
    """A new draft in the same account with the same content, media and profiles.

    Media rows point at the same stored files (nothing is copied); deleting either post keeps a
    file another post still uses (see post_delete). The draft's targets wait, unscheduled, for it
    to be submitted, as a draft's do.
    """
    copy = Post.objects.create(
        account=post.account,
        created_by=actor.user,
        caption=post.caption,
        post_type=post.post_type,
        bucket=post.bucket,
        link=post.link,
        title=post.title,
        first_comment=post.first_comment,
        options=dict(post.options),  # status: a new post is a draft
        changed_by_key=actor.identity,
    )
    PostMedia.objects.bulk_create(
        PostMedia(
            post=copy,
            position=m.position,
            kind=m.kind,
            url=m.url,
            file=m.file.name if m.file else "",
            mime_type=m.mime_type,
            width=m.width,
            height=m.height,
            size_bytes=m.size_bytes,
            duration_s=m.duration_s,
        )
        for m in post.media.all()
    )
    PostTarget.objects.bulk_create(
        PostTarget(
            post=copy,
            profile_id=t.profile_id,
            posting_mode=t.posting_mode,
            post_type=t.post_type or post.post_type,
        )
        for t in post.targets.all()
    )
    post_versions_copy(source=post, copy=copy)
    audit_entry(
        post_id=copy.pk,
        target_id=None,
        frm="",
        to=PostStatus.DRAFT,
        actor=actor,
        reason=f"duplicated from post {post.pk}",
    ).save()
    return copy


# Delete -----------------------------------------------------------------------------------------


def post_delete(*, post: Post, actor: Actor) -> PostDeletion:
    """Delete a post none of whose targets may be live.

    Its waiting targets are cancelled first (audited, slots released), a PostDeletion records who
    deleted what, and its uploaded files are removed unless another post still uses them.
    """
    with transaction.atomic():
        # Lock the post's targets so a worker cannot claim one between the check and the delete.
        targets = list(
            locked(PostTarget.objects.filter(post=post)).select_related("profile").order_by("pk")
        )
        refusal = post_delete_refusal(post)
        if refusal:
            raise PostLocked(refusal)
        summary = [
            {
                "target": t.pk,
                "profile_id": t.profile_id,
                "profile": t.profile.name,
                "platform": t.profile.platform,
                "status": t.status,
                "scheduled_at": t.scheduled_at.isoformat() if t.scheduled_at else None,
            }
            for t in targets
        ]
        for target in targets:
            if target.status == T.CANCELLED:
                continue
            if not target_transition(
                target=target, to=T.CANCELLED, actor=actor, reason="post deleted"
            ):
                raise InvalidTransition(
                    f"The post on {target.profile.name} changed meanwhile; reload the post and try again."
                )
            target_slot_release(target)
        files = {m.file.name for m in post.media.all() if m.file}
        record = PostDeletion.objects.create(
            account=post.account,
            post_ref=post.pk,
            caption=post.caption,
            targets=summary,
            actor=actor.user,
            actor_label=actor.text[:100],
        )
        post.delete()
        transaction.on_commit(lambda: _files_delete_unused(files))
    return record


def _files_delete_unused(names: set[str]) -> None:
    """Remove stored files that no remaining post uses (a duplicate may share them)."""
    if not names:
        return
    still_used = set(
        PostMedia.objects.filter(file__in=names).values_list("file", flat=True).distinct()
    )
    storage = PostMedia._meta.get_field("file").storage
    for name in sorted(names - still_used):
        storage.delete(name)


# Restore ----------------------------------------------------------------------------------------


def target_restore(*, target: PostTarget, actor: Actor) -> PostTarget:
    """A cancelled target goes back to pending: it waits for approval or for the next free slot
    (the scheduler attaches it as usual)."""
    if target.status != T.CANCELLED:
        raise InvalidTransition(
            f"Only cancelled targets can be restored; this one is {target.get_status_display()}."
        )
    if not target_transition(
        target=target,
        to=T.PENDING,
        actor=actor,
        reason="restored",
        scheduled_at=None,
        next_attempt_at=None,
        attempts=0,
        error_code="",
        error_message="",
    ):
        raise InvalidTransition("Someone changed this target meanwhile; reload the page.")
    return target
