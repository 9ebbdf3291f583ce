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
from publishing.articles import OPTION as WAIT_FOR_ARTICLE
from publishing.articles import (
    PLACEHOLDER,
    article_link,
    article_problems,
    fill_article_url,
    publishes_articles,
)
from publishing.media import MediaRejected, media_signed_url, media_sniff
from publishing.models import (
    MediaKind,
    Post,
    PostingMode,
    PostMedia,
    PostStatus,
    PostTarget,
    PostType,
    PostVersion,
    TargetStatus,
)
from publishing.signals import post_approved
from publishing.transitions import (  # noqa: F401  (re-exported: the transition API callers know)
    SYSTEM,
    TARGET_TRANSITIONS,
    Actor,
    InvalidTransition,
    audit_entry,
    post_transition,
    target_transition,
)
from publishing.versions import (
    effective,
    effective_options,
    effective_post_type,
    target_version,
    version_for,
    versions_clean,
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


def asset_row(item: "MediaInput", account: ClientAccount) -> dict:
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


def post_content(
    post: Post, media: list[PostMedia] | None = None, version: PostVersion | None = None
) -> Content:
    """The post as one network receives it: the base, with its version's overrides (the media
    subset and order, caption, title, post type, first comment) where it has one."""
    media = list(post.media.all()) if media is None else media
    if version is not None and version.media is not None:
        media = [media[i] for i in version.media if i < len(media)]
    return Content(
        post_type=effective_post_type(post, version),
        caption=effective(post, version, "caption"),
        media=[media_item(m) for m in media],
        link=post.link,
        title=effective(post, version, "title"),
        first_comment=effective(post, version, "first_comment"),
    )


def target_content(target: PostTarget) -> Content:
    """What this target publishes: its post as its network's (or profile's) version has it,
    with `{article_url}` as the post's live article's link once there is one."""
    content = post_content(target.post, version=target_version(target))
    uses = PLACEHOLDER in content.caption or PLACEHOLDER in content.first_comment
    if uses and not publishes_articles(target.profile.platform):
        link = article_link(target.post) or None  # None: not known yet, left as written
        content.caption = fill_article_url(content.caption, link)
        content.first_comment = fill_article_url(content.first_comment, link)
    return content


def content_problems(*, content: Content, profiles: list[Profile]) -> dict[str, list[Problem]]:
    """Problems per platform (each platform checked once, however many profiles it has)."""
    problems: dict[str, list[Problem]] = {}
    for platform in sorted({p.platform for p in profiles}):
        found = get_provider(platform).validate(content)
        if found:
            problems[platform] = found
    return problems


def composer_rows(
    *,
    account: ClientAccount,
    caption: str,
    post_type: str,
    title: str,
    profile_ids: list[int],
    overrides: dict[str, dict] | None = None,
    media_ids: list[int] | None = None,
    options: dict[str, dict] | None = None,
) -> list[dict]:
    """The composer's live check, per network: the caption it will get (its customised one or
    the base), counted the platform's way against its limit (the post type's own first), the
    problems (media are checked on save) and a preview card in the network's shape."""
    profiles = list(profiles_for_account(account=account).filter(pk__in=profile_ids))
    found = MediaAsset.objects.filter(account=account, pk__in=media_ids or []).in_bulk()
    media = [found[i] for i in media_ids or [] if i in found]
    rows = []
    for platform in sorted({p.platform for p in profiles}):
        provider = get_provider(platform)
        mine = overrides.get(platform) if overrides else None
        text = mine["caption"] if mine else caption
        kind = (mine and mine.get("post_type")) or post_type
        content = Content(
            post_type=kind, caption=text, media=[], title=(mine and mine.get("title")) or title
        )
        typed = (options or {}).get(platform, {})
        limit = provider.text_limit(kind, typed)
        problems = [p for p in provider.validate(content) if p.code != "media_count"]
        problems += provider.validate_with_options(content, typed)
        fold = provider.preview_fold
        rows.append({
            "slug": platform, "platform": provider.name, "customised": bool(mine),
            "post_type": PostType(kind).label if kind in PostType.values else kind,
            "count": provider.count_text(text), "limit": limit, "problems": problems,
            "preview": text[:fold] if fold else text[:limit],
            "folded": bool(fold) and len(text) > fold,
            # A CSS class per shape (no inline styles: the CSP forbids them).
            "ratio": round(provider.preview_aspect(kind) * 100),
            "thumb": _first_thumb(media, mine.get("media", "") if mine else ""),
            "profiles": [p for p in profiles if p.platform == platform],
            "cost_note": provider.cost_note(content, typed),
        })  # fmt: skip
    return rows


def _first_thumb(media: list, positions: str) -> str:
    """The preview's image: the first item this network shows (its own choice of positions,
    as typed in its card, else the post's first)."""
    for part in positions.replace(";", ",").split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= len(media):
            return media[int(part) - 1].preview_path
    return media[0].preview_path if media else ""


def caption_problems(*, post: Post, caption: str) -> list[Problem]:
    """An edit changes only the caption: its problems on the post's platforms (media problems
    are the composer's to report)."""
    content = post_content(post)
    content.caption = caption
    profiles = [t.profile for t in post.targets.all()]
    edited = Post(caption=caption, first_comment=post.first_comment, options=post.options)
    linked = article_problems(post=edited, versions=[], profiles=profiles)
    return [
        p
        for found in content_problems(content=content, profiles=profiles).values()
        for p in found
        if p.field == "caption"
    ] + [Problem("article_url", message) for message in linked.get("caption", [])]


def post_problems(
    *, post: Post, media: list[PostMedia], versions: list[PostVersion], profiles: list[Profile]
) -> dict[str, list[str]]:
    """Each network's hard limits over the content it would receive (its version over the base),
    keyed by the field to fix: `versions.<key>.<field>` where that version changed the field.
    Each message names its platform by its proper name."""
    errors: dict[str, list[str]] = {}
    checked: set[tuple[str, str]] = set()
    for profile in profiles:
        version = version_for(versions, profile)
        if (profile.platform, version.key if version else "") in checked:
            continue  # one check per platform and version, however many profiles share them
        checked.add((profile.platform, version.key if version else ""))
        content = post_content(post, media, version)
        for problem in get_provider(profile.platform).validate(content):
            _add(errors, _version_field(problem.field, version), problem.message)
    for field, messages in article_problems(
        post=post, versions=versions, profiles=profiles
    ).items():
        for message in messages:
            _add(errors, field, message)
    return errors


def _version_field(field: str, version: PostVersion | None) -> str:
    """A problem in something a version changed is that version's to fix."""
    if version is None:
        return field
    name, _, option = field.partition(".")
    changed = {
        "caption": version.caption is not None,
        "title": version.title is not None,
        "first_comment": version.first_comment is not None,
        "media": version.media is not None,
        "post_type": bool(version.post_type),
        "options": option in version.options,
    }
    return f"versions.{version.key}.{field}" if changed.get(name) else field


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    messages = errors.setdefault(field, [])
    if message not in messages:
        messages.append(message)


def options_problems(
    *, post: Post, versions: list[PostVersion], targets: list[tuple[Profile, str]]
) -> dict[str, list[str]]:
    """Each (profile, posting mode)'s provider checks the options it would publish with (its
    version's over the post's over the profile's defaults) in that mode; hand-posted targets
    need none."""
    errors: dict[str, list[str]] = {}
    for profile, posting_mode in targets:
        provider = get_provider(profile.platform)
        manual = posting_mode == PostingMode.MANUAL
        if manual and not provider.supports_drafts:
            continue  # a person posts it by hand: no options go to the platform
        version = version_for(versions, profile)
        options = effective_options(post, profile, version)
        mode = "drafts" if manual else "automatic"
        # Limits an option changes (a text limit, thread parts) look at the text too.
        content = post_content(post, media=[], version=version)
        for problem in [
            *provider.validate_options(options, mode, profile.name),
            *provider.validate_with_options(content, options),
        ]:
            _add(errors, _version_field(problem.field, version), problem.message)
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
    first_comment: str = "",
    versions: dict | None = None,
    wait_for_article: bool | None = None,
) -> Post:
    """Create a post and one target per profile; submitting it also approves or queues it.

    `wait_for_article`: whether the social targets wait for the post's blog article (None:
    when a caption uses `{article_url}`; publishing/articles.py).

    `options` are per-platform choices for this post (e.g. a privacy_level); they win
    over each profile's defaults and are checked by the profile's provider. `versions` adapt
    the post per network: {platform slug or profile id: {caption?, title?, post_type?,
    media?: [positions], first_comment?, options?}} (see publishing/versions.py).

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
    if wait_for_article is not None:
        options[WAIT_FOR_ARTICLE] = wait_for_article
    version_rows = versions_clean(
        versions=versions or {}, profiles=profiles, media_count=len(media)
    )
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
        first_comment=first_comment,
        options=options,
        changed_by_key=actor.identity,
    )
    post.full_clean()
    if submit:
        pairs = [(p, posting_mode or p.posting_mode) for p in profiles]
        errors = options_problems(post=post, versions=version_rows, targets=pairs)
        if errors:
            raise ValidationError(errors)
    post.save()
    rows = [
        PostMedia(
            post=post,
            position=position,
            url=item.url,
            **(
                _inspect_upload(item)
                if item.upload
                else asset_row(item, account)
                if item.asset
                else {"kind": item.kind}
            ),
        )
        for position, item in enumerate(media)
    ]
    # Validate before any file is written: a rejected post leaves nothing behind.
    problems = post_problems(post=post, media=rows, versions=version_rows, profiles=profiles)
    if submit and problems:
        raise ValidationError(problems)
    for row, item in zip(rows, media, strict=True):
        if item.upload:
            row.file.save("upload", item.upload, save=False)  # upload_to picks a random name
    PostMedia.objects.bulk_create(rows)
    for row in version_rows:
        row.post = post
    PostVersion.objects.bulk_create(version_rows)
    PostTarget.objects.bulk_create(
        PostTarget(
            post=post,
            profile=p,
            post_type=effective_post_type(post, version_for(version_rows, p)),
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
    errors = options_problems(post=post, versions=list(post.versions.all()), targets=targets)
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
