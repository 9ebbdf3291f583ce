"""Pinterest pin media: the checks a carousel and a video pin need beyond the declared limits,
and the `media_source` forms (URL, or the bytes of a file we hold) (PLATFORMS.md §8.2–8.3)."""

import base64

from django.core.files.storage import default_storage

from channels.http import PERMANENT, PlatformError
from channels.providers.base import MediaItem, Problem

BASE64_TYPES = ("image/jpeg", "image/png")  # §8.2: image_base64 content types


def carousel_problems(media: list[MediaItem]) -> list[Problem]:
    sizes = {(m.width, m.height) for m in media if m.width and m.height}
    if len(sizes) > 1:
        listed = ", ".join(f"{w}×{h}" for w, h in sorted(sizes))
        return [Problem(
            "carousel_sizes_differ",
            f"Pinterest carousel images must all be the same size; these are {listed}. Crop "
            "them to one size.",
            "media",
        )]  # fmt: skip
    return []


def video_problems(media: list[MediaItem]) -> list[Problem]:
    if not media or media[0].kind != "video":
        return [Problem(
            "video_first", "A Pinterest video pin starts with the video; put it first.", "media"
        )]  # fmt: skip
    problems = []
    if len(media) < 2 or media[1].kind != "image":
        problems.append(Problem(
            "video_cover_missing",
            "Pinterest video pins need a cover image: add an image after the video in the "
            "media (it becomes the pin's cover).",
            "media",
        ))  # fmt: skip
    if media[0].width and media[0].height:
        ratio = media[0].width / media[0].height
        if not 0.5 <= ratio <= 1.91:
            problems.append(Problem(
                "aspect_ratio",
                f"The video is {media[0].width}×{media[0].height}; Pinterest video pins take "
                "1:2 (tall) to 1.91:1 (wide).",
                "media",
            ))  # fmt: skip
    if not media[0].hosted:
        problems.append(Problem(
            "video_not_uploaded",
            "Pinterest takes a video pin's file, not its address: upload the video to the "
            "media library and use that.",
            "media",
        ))  # fmt: skip
    return problems


def as_base64(item: MediaItem) -> bool:
    """Files we hold go as bytes (Pinterest need not reach our server) where it takes them."""
    return bool(item.hosted and item.storage_name and item.mime_type in BASE64_TYPES)


def check_stored(item: MediaItem, what: str) -> None:
    if not item.storage_name or not default_storage.exists(item.storage_name):
        raise PlatformError(
            PERMANENT, "media_missing",
            f"The uploaded {what} is no longer in storage; upload it again and retry.",
        )  # fmt: skip


def stored_bytes(item: MediaItem, what: str) -> bytes:
    check_stored(item, what)
    with default_storage.open(item.storage_name, "rb") as handle:
        return handle.read()


def base64_item(item: MediaItem) -> dict:
    data = base64.b64encode(stored_bytes(item, "image")).decode()
    return {"content_type": item.mime_type, "data": data}


def cover(item: MediaItem) -> dict:
    if as_base64(item):
        found = base64_item(item)
        return {"cover_image_content_type": found["content_type"],
                "cover_image_data": found["data"]}  # fmt: skip
    return {"cover_image_url": item.url}
