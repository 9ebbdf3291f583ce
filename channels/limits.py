"""Hard limits as data, and the one check every provider's validate() runs over them.

Each provider declares its own PlatformLimits (source: PLATFORMS.md); nothing here names a
platform. Messages use the provider's proper name and say how to fix the content.
"""

import re
from dataclasses import dataclass, field

from channels.providers.content import Content, Problem

# FFmpeg's codec names as people know them.
CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC (H.265)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "prores": "ProRes",
}
HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w.])@[\w.]+")
MB = 1024 * 1024
GB = 1024 * MB


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
    # FFmpeg codec names the post type takes ("h264", "hevc", "vp8", "vp9", "av1"); empty = any.
    video_codecs: frozenset[str] = frozenset()
    video_fps_min: float | None = None
    video_fps_max: float | None = None
    caption_max: int | None = None  # where a post type has its own text limit
    title_max: int | None = None


@dataclass(frozen=True)
class PlatformLimits:
    caption_max: int
    hashtags_max: int | None = None
    mentions_max: int | None = None
    post_types: dict[str, TypeLimits] = field(default_factory=dict)


def limit_problems(limits: PlatformLimits, platform: str, content: Content) -> list[Problem]:
    """Every hard limit the content breaks on `platform` (its proper name), each with a fix."""
    problems: list[Problem] = []
    type_limits = limits.post_types.get(content.post_type)
    if type_limits is None:
        supported = ", ".join(limits.post_types)
        return [
            Problem(
                "unsupported_post_type",
                f"{platform} does not take {content.post_type} posts; use one of: {supported}.",
                "post_type",
            )
        ]

    caption = content.caption or ""
    caption_max = type_limits.caption_max or limits.caption_max
    if len(caption) > caption_max:
        problems.append(
            Problem(
                "caption_too_long",
                f"Caption is {len(caption)} characters; {platform} allows {caption_max} — "
                f"shorten it by {len(caption) - caption_max}.",
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
        problems.append(
            Problem(
                "media_count",
                f"{platform} {_type_name(content.post_type)} posts "
                f"{_media_wanted(type_limits)}; this one has {count}."
                + _other_type_hint(limits, content, count),
                "media",
            )
        )
    for index, item in enumerate(content.media, start=1):
        problems.extend(_media_problems(platform, content.post_type, type_limits, index, item))
    return problems


def _other_type_hint(limits: PlatformLimits, content: Content, count: int) -> str:
    """Name the post type that takes this many media of these kinds (feed → carousel)."""
    kinds = {item.kind for item in content.media}
    for post_type, other in limits.post_types.items():
        if (
            post_type != content.post_type
            and other.media_min <= count <= other.media_max
            and kinds <= other.kinds
            and count
        ):
            return f" Choose {_type_name(post_type)} as the post type for {count} media items."
    return ""


def codec_name(codec: str) -> str:
    return CODEC_NAMES.get(codec, codec.upper())


def _first(limits: TypeLimits) -> str:
    """The codec to suggest: H.264 where taken (every platform plays it), else the first."""
    return "h264" if "h264" in limits.video_codecs else sorted(limits.video_codecs)[0]


NUMBERS = {1: "one", 2: "two", 3: "three"}


def _media_wanted(limits: TypeLimits) -> str:
    """ "need one image", "need 2–10 images or videos", "take at most 10 images"."""
    low, high = limits.media_min, limits.media_max
    kinds = " or ".join(sorted(limits.kinds))
    plural = " or ".join(f"{kind}s" for kind in sorted(limits.kinds))
    if low == high:
        return f"need {NUMBERS.get(low, low)} {kinds if low == 1 else plural}"
    if low == 0:
        return f"take at most {high} {plural}"
    return f"need {low}–{high} {plural}"


def _type_name(post_type: str) -> str:
    return post_type.replace("_", " ")


def _media_problems(platform, post_type, limits: TypeLimits, index, item) -> list[Problem]:
    label = f"Media {index}"
    if item.kind not in limits.kinds:
        kinds = " or ".join(sorted(limits.kinds))
        return [
            Problem(
                "media_kind",
                f"{label} is {'an' if item.kind == 'image' else 'a'} {item.kind}; {platform} "
                f"{_type_name(post_type)} posts take {kinds} only.",
                "media",
            )
        ]
    problems = []
    if item.kind == "image":
        convertible = item.jpeg_convertible and "image/jpeg" in limits.image_mime
        if (
            limits.image_mime
            and item.mime_type
            and item.mime_type not in limits.image_mime
            and not convertible  # sent as its JPEG rendition at publish time
        ):
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
        if limits.video_codecs and item.codec and item.codec not in limits.video_codecs:
            takes = " or ".join(sorted(codec_name(c) for c in limits.video_codecs))
            problems.append(
                Problem(
                    "video_codec",
                    f"{label} is {codec_name(item.codec)}; {platform} {_type_name(post_type)} "
                    f"posts take {takes}. Export it again as {codec_name(_first(limits))}.",
                    "media",
                )
            )
        fps = item.fps
        if fps and (
            (limits.video_fps_min and fps < limits.video_fps_min)
            or (limits.video_fps_max and fps > limits.video_fps_max)
        ):
            problems.append(
                Problem(
                    "video_frame_rate",
                    f"{label} runs at {fps:g} frames per second; {platform} "
                    f"{_type_name(post_type)} posts take {limits.video_fps_min or 0:g}–"
                    f"{limits.video_fps_max or fps:g} fps.",
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
                    f"{label} runs {duration:.0f} s; {platform} {_type_name(post_type)} posts take "
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
                    f"{platform} {_type_name(post_type)} posts take {limits.aspect_min}–{limits.aspect_max}.",
                    "media",
                )
            )
    return problems
