"""Writes for posts and targets. Every status change goes through publishing.transitions."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount
from channels.models import Profile
from channels.providers import get_provider
from channels.providers.base import Content, MediaItem, Problem
from channels.selectors import profiles_for_account
from library.models import MediaAsset
from library.services import CONVERTIBLE_TO_JPEG
from publishing.events import target_event
from publishing.media import MediaRejected, media_signed_url, media_sniff
from publishing.models import (
    EventType,
    MediaKind,
    Post,
    PostingMode,
    PostMedia,
    PostStatus,
    PostTarget,
    PostType,
    TargetStatus,
)
from publishing.signals import post_approved, target_published, target_slot_released
from publishing.transitions import (  # noqa: F401  (re-exported: the transition API callers know)
    SYSTEM,
    TARGET_TRANSITIONS,
    Actor,
    InvalidTransition,
    audit_entry,
    post_transition,
    target_transition,
)
from socialdist.validators import validate_http_url, validate_year

T = TargetStatus


@dataclass
class MediaInput:
    kind: str = ""  # for uploads, read from the bytes
    url: str = ""
    upload: UploadedFile | None = None
    asset: MediaAsset | None = None  # a media library item of the post's account


def media_item(media: PostMedia) -> MediaItem:
    asset = media.asset if media.asset_id else None
    if asset is not None:  # the library's probed facts: every size, ratio and codec rule fires
        return MediaItem(
            url=media_signed_url(asset.file.name),
            kind=asset.kind,
            width=asset.width,
            height=asset.height,
            size_bytes=asset.size_bytes,
            duration_s=asset.duration_s,
            mime_type=asset.mime_type,
            codec=asset.video_codec,
            fps=asset.frame_rate,
            jpeg_convertible=asset.mime_type in CONVERTIBLE_TO_JPEG,
            alt_text=asset.alt_text,
            hosted=True,
            storage_name=asset.file.name,
        )
    return MediaItem(
        url=media.public_url,
        kind=media.kind,
        width=media.width,
        height=media.height,
        size_bytes=media.size_bytes,
        duration_s=media.duration_s,
        mime_type=media.mime_type,
        # An upload is validated before its file is written: it has neither file nor URL yet.
        hosted=bool(media.file) or not media.url,
        storage_name=media.file.name if media.file else "",
    )


def _asset_row(item: "MediaInput", account: ClientAccount) -> dict:
    """A library item as a post's media row: it shares the asset's stored original."""
    asset = item.asset
    if asset.account_id != account.pk:
        raise ValidationError({"media": ["No such media in this account's library."]})
    item.kind = asset.kind
    return {
        "asset": asset,
        "file": asset.file.name,
        "kind": asset.kind,
        "size_bytes": asset.size_bytes,
        "mime_type": asset.mime_type,
        "width": asset.width,
        "height": asset.height,
        "duration_s": asset.duration_s,
    }


def post_content(post: Post, media: list[PostMedia] | None = None) -> Content:
    media = list(post.media.all()) if media is None else media
    return Content(
        post_type=post.post_type,
        caption=post.caption,
        media=[media_item(m) for m in media],
        link=post.link,
        title=post.title,
        first_comment=post.first_comment,
    )


def content_problems(*, content: Content, profiles: list[Profile]) -> dict[str, list[Problem]]:
    """Problems per platform (each platform checked once, however many profiles it has)."""
    problems: dict[str, list[Problem]] = {}
    for platform in sorted({p.platform for p in profiles}):
        found = get_provider(platform).validate(content)
        if found:
            problems[platform] = found
    return problems


def composer_rows(
    *, account: ClientAccount, caption: str, post_type: str, title: str, profile_ids: list[int]
) -> list[dict]:
    """The composer's live check, per platform: the character count against its limit (the post
    type's own limit first), problems (media are checked on save), and a preview."""
    ids = profile_ids
    profiles = list(profiles_for_account(account=account).filter(pk__in=ids))
    content = Content(post_type=post_type, caption=caption, media=[], title=title)
    rows = []
    for platform in sorted({p.platform for p in profiles}):
        provider = get_provider(platform)
        limit = provider.caption_limit(post_type)
        problems = [p for p in provider.validate(content) if p.code != "media_count"]
        rows.append({
            "platform": provider.name, "count": len(caption), "limit": limit,
            "problems": problems, "preview": caption[:limit] if limit else caption,
            "profiles": [p.name for p in profiles if p.platform == platform],
        })  # fmt: skip
    return rows


def caption_problems(*, post: Post, caption: str) -> list[Problem]:
    """An edit changes only the caption: its problems on the post's platforms (media problems
    are the composer's to report)."""
    content = post_content(post)
    content.caption = caption
    profiles = [t.profile for t in post.targets.all()]
    return [
        p
        for found in content_problems(content=content, profiles=profiles).values()
        for p in found
        if p.field == "caption"
    ]


def _describe(problems: dict[str, list[Problem]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for found in problems.values():
        for problem in found:  # each message names its platform by its proper name
            messages = errors.setdefault(problem.field, [])
            if problem.message not in messages:
                messages.append(problem.message)
    return errors


def options_problems(*, options: dict, targets: list[tuple[Profile, str]]) -> dict[str, list[str]]:
    """Each (profile, posting mode)'s provider checks the options it would publish with (the
    post's over the profile's defaults) in that mode; hand-posted targets need none."""
    errors: dict[str, list[str]] = {}
    for profile, posting_mode in targets:
        provider = get_provider(profile.platform)
        manual = posting_mode == PostingMode.MANUAL
        if manual and not provider.supports_drafts:
            continue  # a person posts it by hand: no options go to the platform
        effective = {**profile.extra, **options}
        mode = "drafts" if manual else "automatic"
        for problem in provider.validate_options(effective, mode, profile.name):
            found = errors.setdefault(problem.field, [])
            if problem.message not in found:
                found.append(problem.message)
    return errors


def _inspect_upload(item: "MediaInput") -> dict:
    """What the upload really is, from its bytes; its kind follows the bytes, not the caller."""
    upload = item.upload
    try:
        found = media_sniff(upload)
    except MediaRejected as exc:
        raise ValidationError({"media": [str(exc)]}) from None
    item.kind = found.kind
    return {
        "kind": found.kind,
        "size_bytes": upload.size,
        "mime_type": found.mime_type,
        "width": found.width,
        "height": found.height,
        "duration_s": found.duration_s,
    }


@transaction.atomic
def post_create(
    *,
    account: ClientAccount,
    actor: Actor,
    caption: str,
    post_type: str,
    media: list[MediaInput],
    profile_ids: list[int],
    bucket: str = "",
    link: str = "",
    title: str = "",
    scheduled_at: datetime | None = None,
    submit: bool = True,
    posting_mode: str = "",
    options: dict | None = None,
) -> Post:
    """Create a post and one target per profile; submitting it also approves or queues it.

    `options` are per-platform choices for this post (e.g. a privacy_level); they win
    over each profile's defaults and are checked by the profile's provider.

    Raises ValidationError naming the field; nothing is written in that case.
    """
    if not account.publishing_enabled:
        raise ValidationError(
            {"account": ["The publishing module is off; an account admin can switch it on."]}
        )
    if post_type not in PostType.values:
        raise ValidationError({"post_type": [f"Use one of: {', '.join(PostType.values)}."]})
    if not profile_ids:
        raise ValidationError({"targets": ["Choose at least one profile to publish to."]})
    profiles = list(Profile.objects.filter(account=account, pk__in=set(profile_ids)))
    missing = sorted(set(profile_ids) - {p.pk for p in profiles})
    if missing:
        raise ValidationError(
            {"targets": [f"No profile with id {', '.join(map(str, missing))} in this account."]}
        )
    for index, item in enumerate(media):
        if item.upload is not None or item.asset is not None:
            continue  # an upload's kind is read from its bytes below, an asset's was
        if item.kind not in MediaKind.values:
            raise ValidationError({"media": [f"kind must be image or video, not {item.kind!r}."]})
        if not item.url and not item.upload:
            raise ValidationError({"media": ["Each media item needs a url or an uploaded file."]})
        validate_http_url(item.url, field=f"media[{index}].url")  # it is rendered as a link
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        raise ValidationError({"scheduled_at": ["Give a time zone offset, e.g. +00:00."]})
    if scheduled_at is not None:
        validate_year(scheduled_at, field="scheduled_at")
    if posting_mode and posting_mode not in PostingMode.values:
        raise ValidationError({"posting_mode": ["Use automatic or manual."]})
    options = dict(options or {})
    if submit:
        pairs = [(p, posting_mode or p.posting_mode) for p in profiles]
        errors = options_problems(options=options, targets=pairs)
        if errors:
            raise ValidationError(errors)
    if link:
        validate_http_url(link, field="link")  # URLField alone would also take ftp://

    post = Post(
        account=account,
        created_by=actor.user,
        caption=caption,
        post_type=post_type,
        bucket=bucket.strip(),
        link=link,
        title=title,
        options=options,
        changed_by_key=actor.identity,
    )
    post.full_clean()
    post.save()
    rows = [
        PostMedia(
            post=post,
            position=position,
            url=item.url,
            **(
                _inspect_upload(item)
                if item.upload
                else _asset_row(item, account)
                if item.asset
                else {"kind": item.kind}
            ),
        )
        for position, item in enumerate(media)
    ]
    # Validate before any file is written: a rejected post leaves nothing behind.
    problems = content_problems(content=post_content(post, rows), profiles=profiles)
    if submit and problems:
        raise ValidationError(_describe(problems))
    for row, item in zip(rows, media, strict=True):
        if item.upload:
            row.file.save("upload", item.upload, save=False)  # upload_to picks a random name
    PostMedia.objects.bulk_create(rows)
    PostTarget.objects.bulk_create(
        PostTarget(
            post=post,
            profile=p,
            scheduled_at=scheduled_at,
            posting_mode=posting_mode or p.posting_mode,
        )
        for p in profiles
    )
    audit_entry(post_id=post.pk, target_id=None, frm="", to=PostStatus.DRAFT, actor=actor).save()
    if submit:
        post_submit(post=post, actor=actor)
    return post


def post_submit(*, post: Post, actor: Actor) -> Post:
    """Draft → awaiting approval, or straight to approved when the account needs no approval."""
    if post.status != PostStatus.DRAFT:
        raise InvalidTransition(f"Only drafts can be submitted; this post is {post.status}.")
    # A draft skipped the option checks; they hold before anything can be scheduled.
    targets = [(t.profile, t.posting_mode) for t in post.targets.select_related("profile")]
    errors = options_problems(options=post.options, targets=targets)
    if errors:
        raise InvalidTransition(" ".join(m for found in errors.values() for m in found))
    if post.account.approval_required:
        post_transition(post=post, to=PostStatus.AWAITING_APPROVAL, actor=actor)
    else:
        post_approve(post=post, actor=actor, reason="no approval required")
    return post


def post_approve(*, post: Post, actor: Actor, reason: str = "", version: int | None = None) -> Post:
    """Approved posts release their targets: a requested time schedules them at once.

    `version` (from a review link) makes the approval hold only for the version reviewed.
    """
    if post.status == PostStatus.APPROVED:
        raise InvalidTransition("This post is already approved.")
    if post.status == PostStatus.DRAFT and post.account.approval_required:
        raise InvalidTransition("Submit the draft for approval first.")
    if post.account.approval_required and post.changed_by_key == actor.identity:
        # Four eyes: whoever wrote this version (created or last edited it) cannot approve it.
        raise InvalidTransition(
            f"You made the latest change to this post (version {post.version}), so another "
            "reviewer has to approve it."
        )
    post_transition(
        post=post,
        to=PostStatus.APPROVED,
        actor=actor,
        reason=reason or f"approved version {post.version}",
        version=version,
    )
    for target in post.targets.filter(status=T.PENDING, scheduled_at__isnull=False):
        target_transition(target=target, to=T.SCHEDULED, actor=actor, reason="requested time")
    # The rest take the next free slot now (scheduling listens), so the caller sees their times.
    post_approved.send(sender=Post, post=post)
    return post


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
    `scheduled_at`. Each target on its own; returns how many were done and why others were
    skipped ("#12: …")."""
    actions = {
        "cancel": lambda t: target_cancel(target=t, actor=actor),
        "retry": lambda t: target_retry(target=t, actor=actor),
        "reschedule": lambda t: target_reschedule(target=t, actor=actor, scheduled_at=scheduled_at),
    }
    if action not in actions:
        raise ValueError("Choose cancel, retry or reschedule.")
    done, skipped = 0, []
    targets = PostTarget.objects.filter(post__account=account, pk__in=target_ids)
    for target in targets.select_related("post"):
        try:
            actions[action](target)
            done += 1
        except (InvalidTransition, ValidationError) as exc:
            skipped.append(f"#{target.pk}: {exc}")
    return done, skipped
