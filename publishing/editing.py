"""Editing a post before it goes out: everything (content, media and their order, profiles,
versions, options) in one change, checked as a new post would be. A change is a new version of
the post; an approved post goes back for approval where the account requires it. Once any
target may be live the post is locked (publishing/lifecycle.py)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from channels.models import Profile
from publishing.approval import post_new_version
from publishing.lifecycle import post_assert_editable
from publishing.models import Post, PostMedia, PostStatus, PostTarget, PostType, PostVersion
from publishing.services import (
    MediaInput,
    asset_row,
    options_problems,
    post_problems,
)
from publishing.transitions import Actor, TargetStatus, target_transition
from publishing.versions import effective_post_type, version_for, versions_as_dict, versions_clean
from socialdist.validators import validate_http_url

T = TargetStatus


@dataclass
class PostChanges:
    caption: str
    title: str
    first_comment: str
    post_type: str
    bucket: str
    link: str
    media: list[MediaInput]  # library items, in order (the post's URL media are kept after)
    profile_ids: list[int]
    options: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)


def post_update(*, post: Post, actor: Actor, changes: PostChanges) -> Post:
    """Apply `changes` to a post nobody can see yet. Raises PostLocked when a target may be live,
    ValidationError naming the field (nothing changes then)."""
    post_assert_editable(post)
    account = post.account
    if changes.post_type not in PostType.values:
        raise ValidationError({"post_type": [f"Use one of: {', '.join(PostType.values)}."]})
    if not changes.profile_ids:
        raise ValidationError({"targets": ["Choose at least one profile to publish to."]})
    if changes.link:
        validate_http_url(changes.link, field="link")
    profiles = list(Profile.objects.filter(account=account, pk__in=set(changes.profile_ids)))
    if len(profiles) != len(set(changes.profile_ids)):
        raise ValidationError({"targets": ["Choose profiles of this account."]})
    kept_urls = [m for m in post.media.all() if m.asset_id is None]
    rows = [PostMedia(post=post, **asset_row(item, account)) for item in changes.media]
    rows += [
        PostMedia(post=post, kind=m.kind, url=m.url, file=m.file.name if m.file else "",
                  mime_type=m.mime_type, width=m.width, height=m.height,
                  size_bytes=m.size_bytes, duration_s=m.duration_s)
        for m in kept_urls
    ]  # fmt: skip
    for position, row in enumerate(rows):
        row.position = position
    version_rows = versions_clean(
        versions=changes.versions, profiles=profiles, media_count=len(rows)
    )
    draft = Post(
        pk=post.pk, account=account, caption=changes.caption, title=changes.title,
        first_comment=changes.first_comment, post_type=changes.post_type, link=changes.link,
        options=changes.options,
    )  # fmt: skip
    targets = {t.profile_id: t for t in post.targets.select_related("profile")}
    if post.status != PostStatus.DRAFT:  # a draft may stay incomplete, as when it was saved
        modes = [(p, targets[p.pk].posting_mode if p.pk in targets else p.posting_mode)
                 for p in profiles]  # fmt: skip
        problems = post_problems(post=draft, media=rows, versions=version_rows, profiles=profiles)
        problems.update(options_problems(post=draft, versions=version_rows, targets=modes))
        if problems:
            raise ValidationError(problems)

    before = _snapshot(post)
    with transaction.atomic():
        _store(post, changes, rows, version_rows)
        post.post_type = changes.post_type  # what the targets' own types follow
        _retarget(post, actor, targets, profiles, version_rows)
        if _snapshot(post) != before:
            post_new_version(post, actor, "the edit")
    post.refresh_from_db()
    return post


def _store(post: Post, changes: PostChanges, rows: list[PostMedia], versions) -> None:
    Post.objects.filter(pk=post.pk).update(
        caption=changes.caption, title=changes.title, first_comment=changes.first_comment, post_type=changes.post_type,
        bucket=changes.bucket.strip(), link=changes.link, options=changes.options,
    )  # fmt: skip
    post.media.all().delete()  # rows only: the files belong to the library (or stay shared)
    PostMedia.objects.bulk_create(rows)
    post.versions.all().delete()
    for row in versions:
        row.post = post
    PostVersion.objects.bulk_create(versions)


def _retarget(post, actor, targets: dict[int, PostTarget], profiles, versions) -> None:
    """Profiles taken off the post cancel their targets (audited); new ones get a target that
    waits like the others; every target publishes as its (new) version says."""
    chosen = {p.pk: p for p in profiles}
    for profile_id, target in targets.items():
        if profile_id not in chosen and target.status in (T.PENDING, T.SCHEDULED):
            target_transition(target=target, to=T.CANCELLED, actor=actor,
                              reason="profile taken off the post while editing")  # fmt: skip
    for profile in profiles:
        post_type = effective_post_type(post, version_for(versions, profile))
        target = targets.get(profile.pk)
        if target is not None and target.status == T.CANCELLED:  # put back on the post
            target_transition(target=target, to=T.PENDING, actor=actor,
                              reason="profile put back on the post while editing")  # fmt: skip
        if target is None:
            PostTarget.objects.create(post=post, profile=profile, post_type=post_type,
                                      posting_mode=profile.posting_mode)  # fmt: skip
        elif target.post_type != post_type:
            PostTarget.objects.filter(pk=target.pk).update(post_type=post_type)


def _snapshot(post: Post) -> tuple:
    """What a reviewer approved: content, media and their order, versions, profiles."""
    fresh = Post.objects.get(pk=post.pk)
    return (
        fresh.caption, fresh.title, fresh.first_comment, fresh.post_type, fresh.link,
        fresh.options, list(fresh.media.values_list("asset_id", "url", "position")),
        versions_as_dict(fresh),
        sorted(fresh.targets.exclude(status=T.CANCELLED).values_list("profile_id", flat=True)),
    )  # fmt: skip
