"""One post adapted per network: the base, each platform's (or profile's) version of it, and the
effective content and options a target publishes with.

A version names its network by platform slug or, for one profile only, by the
profile's id as a string ("42"); a profile's version wins over its platform's. Anything a version
leaves empty comes from the base, so a new network starts from the base caption.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from channels.models import Profile
from channels.providers import PROVIDERS, platform_name
from publishing.articles import (
    article_link,
    fill_article_url,
    options_for_platform,
    publishes_articles,
)
from publishing.models import Post, PostTarget, PostType, PostVersion

TEXT_MAX = 10_000  # the composer's own cap; each platform's limit is checked by its provider
TITLE_MAX = 300
OVERRIDES = ("caption", "title", "post_type", "media", "first_comment", "options")


def versions_clean(
    *, versions: dict, profiles: list[Profile], media_count: int
) -> list[PostVersion]:
    """The API's/composer's `versions` as unsaved PostVersion rows, each checked against the
    post's profiles and media. Raises ValidationError keyed `versions.<key>[.<field>]`."""
    errors: dict[str, list[str]] = {}
    rows: list[PostVersion] = []
    by_id = {str(p.pk): p for p in profiles}
    platforms = {p.platform for p in profiles}
    for key, raw in (versions or {}).items():
        key = str(key)
        where = f"versions.{key}"
        profile = by_id.get(key)
        platform = profile.platform if profile else key
        if profile is None and key.isdigit():
            errors[where] = [f"Profile {key[:20]} is not one of this post's profiles."]
            continue
        if profile is None and platform not in PROVIDERS:
            choices = ", ".join(sorted(platforms)) or "a chosen profile's platform"
            errors[where] = [f"{key[:30]!r} is not a network of this post; use {choices}."]
            continue
        if profile is None and platform not in platforms:
            name = platform_name(platform)
            errors[where] = [
                f"{name} is not among this post's profiles: choose a {name} profile or drop "
                "this version."
            ]
            continue
        if not isinstance(raw, dict):
            errors[where] = ["Give the version as an object of the fields it changes."]
            continue
        row, problems = _version_row(raw, platform, profile, media_count)
        for field, messages in problems.items():
            errors.setdefault(f"{where}.{field}", []).extend(messages)
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def _version_row(
    raw: dict, platform: str, profile: Profile | None, media_count: int
) -> tuple[PostVersion, dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - set(OVERRIDES))
    if unknown:
        problems[unknown[0]] = [f"A version may change only {', '.join(OVERRIDES)}."]
    row = PostVersion(platform=platform, profile=profile)
    for field, limit in (("caption", TEXT_MAX), ("title", TITLE_MAX), ("first_comment", TEXT_MAX)):
        value = raw.get(field)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            problems[field] = [f"Use text of at most {limit:,} characters."]
        else:
            setattr(row, field, value)
    post_type = raw.get("post_type") or ""
    if post_type and post_type not in PostType.values:
        problems["post_type"] = [f"Use one of: {', '.join(PostType.values)}."]
    row.post_type = post_type if isinstance(post_type, str) else ""
    media = raw.get("media")
    if media is not None:
        if not isinstance(media, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in media
        ):
            problems["media"] = ["List the media to use by their positions, e.g. [0, 2]."]
        elif any(i < 0 or i >= media_count for i in media) or len(set(media)) != len(media):
            problems["media"] = [
                f"Use each position once, from 0 to {media_count - 1}."
                if media_count
                else "This post has no media to choose from."
            ]
        else:
            row.media = media
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        problems["options"] = ["Give options as an object."]
    else:
        declared = {spec.key for spec in PROVIDERS[platform].options if spec.per_post}
        extra = sorted(set(options) - declared)
        if extra:
            name = platform_name(platform)
            problems["options"] = [
                f"{name} takes no option {extra[0]!r}"
                + (f"; it takes {', '.join(sorted(declared))}." if declared else ".")
            ]
        else:
            row.options = {k: v for k, v in options.items() if v is not None}
    return row, problems


def version_for(versions: Iterable[PostVersion], profile: Profile) -> PostVersion | None:
    """The version a profile publishes: its own, else its platform's, else none (the base)."""
    platform_version = None
    for version in versions:
        if version.profile_id == profile.pk:
            return version
        if version.profile_id is None and version.platform == profile.platform:
            platform_version = version
    return platform_version


def effective_post_type(post: Post, version: PostVersion | None) -> str:
    return (version and version.post_type) or post.post_type


def effective(post: Post, version: PostVersion | None, field: str):
    """A text field as the network receives it: the version's where it has one."""
    value = getattr(version, field, None) if version is not None else None
    return getattr(post, field) if value is None else value


def effective_options(post: Post, profile: Profile, version: PostVersion | None) -> dict:
    """The version's options over the post's over the profile's defaults (without the post's
    own switches that are no platform's, publishing/articles.py)."""
    merged = {**profile.extra, **post.options, **(version.options if version else {})}
    return options_for_platform(merged)


def versions_as_dict(post: Post) -> dict[str, dict]:
    """The API's echo: each version's overrides, by its key."""
    out: dict[str, dict] = {}
    for version in post.versions.all():
        fields = {
            "caption": version.caption,
            "title": version.title,
            "post_type": version.post_type or None,
            "media": version.media,
            "first_comment": version.first_comment,
            "options": version.options or None,
        }
        out[version.key] = {k: v for k, v in fields.items() if v is not None}
    return out


def target_version(target: PostTarget) -> PostVersion | None:
    return version_for(target.post.versions.all(), target.profile)


def versions_display(post: Post) -> list[dict]:
    """What a reviewer reads: each network's version as it will go out (its changes over the
    base), in the platforms' own names."""
    media = list(post.media.all())
    profiles = {t.profile_id: t.profile for t in post.targets.all()}
    link = article_link(post) or None  # `{article_url}` once the article is live
    rows = []
    for version in post.versions.all():
        article = publishes_articles(version.platform)

        def fill(text, article=article):
            return text if article else fill_article_url(text, link)

        profile = profiles.get(version.profile_id)
        label = platform_name(version.platform) + (f" · {profile.name}" if profile else "")
        chosen = media if version.media is None else [media[i] for i in version.media]
        post_type = effective_post_type(post, version)
        rows.append({
            "label": label,
            "post_type": PostType(post_type).label if post_type in PostType.values else post_type,
            "caption": fill(effective(post, version, "caption")),
            "title": effective(post, version, "title"),
            "first_comment": fill(effective(post, version, "first_comment")),
            "media": chosen,
            "media_changed": version.media is not None,
            "options": version.options,
        })  # fmt: skip
    return rows
