"""Platform hard limits as data, shared by every provider's validate() (source: PLATFORMS.md)."""

import re
from dataclasses import dataclass, field

from channels.providers.base import Content, Problem

HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w.])@[\w.]+")
MB = 1024 * 1024


@dataclass(frozen=True)
class TypeLimits:
    media_min: int
    media_max: int
    kinds: frozenset[str]
    caption_allowed: bool = True
    image_mime: frozenset[str] = frozenset()
    image_max_bytes: int | None = None
    aspect_min: float | None = None
    aspect_max: float | None = None
    video_max_bytes: int | None = None
    video_min_s: float | None = None
    video_max_s: float | None = None
    caption_max: int | None = None  # where a post type has its own text limit
    title_max: int | None = None


@dataclass(frozen=True)
class PlatformLimits:
    caption_max: int
    hashtags_max: int | None = None
    mentions_max: int | None = None
    post_types: dict[str, TypeLimits] = field(default_factory=dict)


_IG_IMAGE = dict(image_mime=frozenset({"image/jpeg"}), image_max_bytes=8 * MB)

GB = 1024 * MB

LIMITS: dict[str, PlatformLimits] = {
    # PLATFORMS.md §2.2–2.3: caption 2200 / 30 hashtags / 20 mentions; JPEG ≤ 8 MB, feed 4:5–1.91:1;
    # reels 3 s–15 min ≤ 300 MB; story video 3–60 s ≤ 100 MB; carousel 2–10 items.
    "instagram": PlatformLimits(
        caption_max=2200,
        hashtags_max=30,
        mentions_max=20,
        post_types={
            "feed": TypeLimits(
                1, 1, frozenset({"image"}), aspect_min=0.8, aspect_max=1.91, **_IG_IMAGE
            ),
            "carousel": TypeLimits(
                2,
                10,
                frozenset({"image", "video"}),
                aspect_min=0.8,
                aspect_max=1.91,
                video_max_bytes=300 * MB,
                video_min_s=3,
                video_max_s=900,
                **_IG_IMAGE,
            ),
            "reel": TypeLimits(
                1,
                1,
                frozenset({"video"}),
                aspect_min=0.01,
                aspect_max=10,
                video_max_bytes=300 * MB,
                video_min_s=3,
                video_max_s=900,
            ),
            "story": TypeLimits(
                1,
                1,
                frozenset({"image", "video"}),
                caption_allowed=False,
                video_max_bytes=100 * MB,
                video_min_s=3,
                video_max_s=60,
                **_IG_IMAGE,
            ),
        },
    ),
    # PLATFORMS.md §3.3: no API text cap (the UI's 63,206 is used); photos ≤ 10 MB; up to 10 photos
    # in a multi-photo post (our choice, as Meta documents none); reels 3–90 s.
    "facebook": PlatformLimits(
        caption_max=63206,
        post_types={
            "feed": TypeLimits(
                0,
                10,
                frozenset({"image"}),
                image_mime=frozenset(
                    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}
                ),
                image_max_bytes=10 * MB,
            ),
            "reel": TypeLimits(1, 1, frozenset({"video"}), video_min_s=3, video_max_s=90),
        },
    ),
    # PLATFORMS.md §4.3: video title ≤ 2200, ≤ 4 GB, ≤ 10 min (the creator's own cap is checked
    # from creator_info at publish); photos 1–35 JPEG/WebP ≤ 20 MB, title ≤ 90, description ≤ 4000.
    "tiktok": PlatformLimits(
        caption_max=2200,
        post_types={
            "video": TypeLimits(
                1, 1, frozenset({"video"}), video_max_bytes=4 * GB, video_min_s=1, video_max_s=600
            ),
            "photo_slideshow": TypeLimits(
                1,
                35,
                frozenset({"image"}),
                image_mime=frozenset({"image/jpeg", "image/webp"}),
                image_max_bytes=20 * MB,
                caption_max=4000,
                title_max=90,
            ),
        },
    ),
}


def validate_content(platform: str, content: Content) -> list[Problem]:
    """Every hard limit the content breaks on `platform`, each with a code and a fix."""
    limits = LIMITS[platform]
    problems: list[Problem] = []
    type_limits = limits.post_types.get(content.post_type)
    if type_limits is None:
        supported = ", ".join(limits.post_types)
        return [
            Problem(
                "unsupported_post_type",
                f"{platform} does not take '{content.post_type}' posts; use one of: {supported}.",
                "post_type",
            )
        ]

    caption = content.caption or ""
    caption_max = type_limits.caption_max or limits.caption_max
    if len(caption) > caption_max:
        problems.append(
            Problem(
                "caption_too_long",
                f"Caption is {len(caption)} characters; {platform} allows {caption_max}.",
            )
        )
    if type_limits.title_max is not None and len(content.title or "") > type_limits.title_max:
        problems.append(
            Problem(
                "title_too_long",
                f"Title is {len(content.title)} characters; {platform} allows "
                f"{type_limits.title_max}.",
                "title",
            )
        )
    if limits.hashtags_max is not None and len(HASHTAG.findall(caption)) > limits.hashtags_max:
        problems.append(
            Problem(
                "too_many_hashtags",
                f"Caption has {len(HASHTAG.findall(caption))} hashtags; "
                f"{platform} allows {limits.hashtags_max}.",
            )
        )
    if limits.mentions_max is not None and len(MENTION.findall(caption)) > limits.mentions_max:
        problems.append(
            Problem(
                "too_many_mentions",
                f"Caption has {len(MENTION.findall(caption))} @-mentions; "
                f"{platform} allows {limits.mentions_max}.",
            )
        )

    count = len(content.media)
    if count < type_limits.media_min or count > type_limits.media_max:
        wanted = (
            str(type_limits.media_min)
            if type_limits.media_min == type_limits.media_max
            else f"{type_limits.media_min}–{type_limits.media_max}"
        )
        problems.append(
            Problem(
                "media_count",
                f"A {platform} {content.post_type} needs {wanted} media item(s); it has {count}.",
                "media",
            )
        )
    for index, item in enumerate(content.media, start=1):
        problems.extend(_media_problems(platform, content.post_type, type_limits, index, item))
    return problems


def _media_problems(platform, post_type, limits: TypeLimits, index, item) -> list[Problem]:
    label = f"Media {index}"
    if item.kind not in limits.kinds:
        kinds = " or ".join(sorted(limits.kinds))
        return [
            Problem(
                "media_kind",
                f"{label} is {item.kind}; a {platform} {post_type} takes {kinds}.",
                "media",
            )
        ]
    problems = []
    if item.kind == "image":
        if limits.image_mime and item.mime_type and item.mime_type not in limits.image_mime:
            problems.append(
                Problem(
                    "image_format",
                    f"{label} is {item.mime_type}; {platform} takes "
                    f"{', '.join(sorted(limits.image_mime))} only.",
                    "media",
                )
            )
        if limits.image_max_bytes and (item.size_bytes or 0) > limits.image_max_bytes:
            problems.append(
                Problem(
                    "image_too_large",
                    f"{label} is {item.size_bytes / MB:.1f} MB; "
                    f"{platform} allows {limits.image_max_bytes // MB} MB.",
                    "media",
                )
            )
    if item.kind == "video":
        if limits.video_max_bytes and (item.size_bytes or 0) > limits.video_max_bytes:
            problems.append(
                Problem(
                    "video_too_large",
                    f"{label} is {item.size_bytes / MB:.0f} MB; "
                    f"{platform} allows {limits.video_max_bytes // MB} MB.",
                    "media",
                )
            )
        duration = item.duration_s
        if duration is not None and (
            (limits.video_min_s and duration < limits.video_min_s)
            or (limits.video_max_s and duration > limits.video_max_s)
        ):
            problems.append(
                Problem(
                    "video_duration",
                    f"{label} runs {duration:.0f} s; a {platform} {post_type} takes "
                    f"{limits.video_min_s:.0f}–{limits.video_max_s:.0f} s.",
                    "media",
                )
            )
    if item.width and item.height and limits.aspect_min is not None:
        ratio = item.width / item.height
        if not (limits.aspect_min <= ratio <= limits.aspect_max):
            problems.append(
                Problem(
                    "aspect_ratio",
                    f"{label} is {item.width}×{item.height} (ratio {ratio:.2f}); "
                    f"{platform} {post_type} takes {limits.aspect_min}–{limits.aspect_max}.",
                    "media",
                )
            )
    return problems


# Posts per profile per day that the platforms allow through the API (PLATFORMS.md §2.3, §4.3,
# §5.3, §7.3). None = no documented cap. The scheduler never plans more than this on one day.
DAILY_POST_CAPS: dict[str, int | None] = {
    "instagram": 50,  # content_publishing_limit quota_total ("currently 50"; read at publish too)
    "facebook": None,  # no numeric cap for feed posts (Reels: 30 per 24 h)
    "tiktok": 15,  # Direct Post: ~15 a day per creator
    "linkedin": 100,  # ~100 a day per organisation
    "youtube": 6,  # 10,000 quota units a day / 1,600 per upload
    "x": None,
    "pinterest": None,
}
