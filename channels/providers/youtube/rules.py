"""YouTube's content rules (PLATFORMS.md §7.2–7.3): the title, tags as YouTube counts them, a
video post's media order, and what makes a Short."""

from channels.providers.base import Content, Problem

SHORT_MAX_S = 180  # ≤ 3 minutes since 2024-10-15
TITLE_MAX, DESCRIPTION_MAX_BYTES, TAGS_MAX = 100, 5000, 500


def tags_length(tags: list[str]) -> int:
    """Tags as YouTube counts them against 500: a comma between tags, quotes around a tag with a
    space."""
    if not tags:
        return 0
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1


def video_title(content: Content) -> str:
    """The version's title; without one, the description's first line (shortened to 100)."""
    title = (content.title or "").strip()
    if title:
        return title
    first = next(
        (line.strip() for line in (content.caption or "").splitlines() if line.strip()), ""
    )
    if len(first) <= TITLE_MAX:
        return first
    return first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip() + "…"


def media_order(content: Content) -> list[Problem]:
    media = content.media
    if not media:
        return []  # the media count says what is missing
    if media[0].kind != "video":
        return [Problem("video_first", "A YouTube post is a video: put the video first (a "
                        "video post may add one image after it as its thumbnail).", "media")]  # fmt: skip
    if len(media) > 1 and media[1].kind != "image":
        return [Problem("one_video", "A YouTube post takes one video; the second file can only "
                        "be an image for the thumbnail.", "media")]  # fmt: skip
    return []


def short_shape(content: Content) -> list[Problem]:
    """A Short is ≤ 3 minutes and vertical or square (§7.2), read from the probed media: YouTube
    files anything else as a regular video."""
    if not content.media:
        return []  # the media count says what is missing
    item = content.media[0]
    if item.width and item.height and item.width > item.height:
        return [Problem(
            "short_not_vertical",
            f"Media 1 is {item.width}×{item.height} (landscape); a YouTube Short must be vertical "
            "or square. Crop it to 9:16, or post it as a video.",
            "media",
        )]  # fmt: skip
    return []


def tag_problems(tags) -> list[Problem]:
    if not tags:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return [Problem("tags_invalid", "YouTube tags are a list of words or phrases.",
                        "options.tags")]  # fmt: skip
    if any("<" in t or ">" in t for t in tags):
        return [Problem("tags_angle_brackets", "YouTube tags cannot contain < or >; remove "
                        "them.", "options.tags")]  # fmt: skip
    total = tags_length(tags)
    if total > TAGS_MAX:
        return [Problem(
            "tags_too_long",
            f"The tags come to {total} characters as YouTube counts them (commas between tags, "
            f"quotes around tags with spaces); YouTube allows {TAGS_MAX}. Remove some tags.",
            "options.tags",
        )]  # fmt: skip
    return []
