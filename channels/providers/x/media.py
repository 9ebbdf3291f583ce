"""X media: the v2 chunked upload (initialize → append ≤ 5 MB segments → finalize → STATUS on
later ticks) for images, GIFs and videos alike, and alt text via media metadata (PLATFORMS.md
§6.2). Each media id is checkpointed, so a crash never uploads a finished item twice."""

import mimetypes
from collections.abc import Iterator

from django.core.files.storage import default_storage

from channels.http import PERMANENT, TRANSIENT, PlatformError
from channels.providers.base import MediaItem, NotReady, PublishRequest

API = "https://api.x.com/2"
MB = 1024 * 1024
# §6.2: one chunk per append, ≤ 5 MB recommended (X answers 413 to larger ones).
CHUNK = 4 * MB
ALT_MAX = 1000  # X's alt text limit
DEFAULT_CHECK_AFTER = 5


def category(item: MediaItem) -> str:
    if item.kind == "video":
        return "tweet_video"
    return "tweet_gif" if media_type(item) == "image/gif" else "tweet_image"


def media_type(item: MediaItem) -> str:
    if item.mime_type:
        return item.mime_type
    guessed = mimetypes.guess_type(item.url.split("?", 1)[0])[0]
    return guessed or ("video/mp4" if item.kind == "video" else "image/jpeg")


def prepare_media(http, request: PublishRequest, headers: dict[str, str]) -> list[str]:
    """Every item uploaded and processed, in order; their media ids. Raises NotReady while X
    processes a video or GIF (polled on a later tick, as its check_after_secs asks)."""
    saved: list[dict] = list(request.state.get("media") or [])
    waits: list[int] = []
    for index, item in enumerate(request.content.media):
        entry = saved[index] if index < len(saved) else {}
        if not entry.get("finalized"):  # never sent, or cut off mid-append: start it afresh
            entry = _upload(http, request, index, item, headers)
        elif entry.get("state") not in ("succeeded", ""):
            entry = _status(http, entry, headers)
        if entry.get("state") in ("pending", "in_progress"):
            waits.append(int(entry.get("check_after_secs") or DEFAULT_CHECK_AFTER))
        elif entry.get("state") == "failed":
            raise PlatformError(
                PERMANENT,
                "media_processing_failed",
                f"X could not process media {index + 1} ({entry.get('error') or 'no reason given'});"
                " export it again (H.264 + AAC for video) and retry.",
                post_failed=True,
            )
        saved = _put(saved, index, entry)
        request.checkpoint({"media": saved})
    if waits:
        raise NotReady(max(waits), "X is still processing the media.")
    for index, item in enumerate(request.content.media):
        entry = saved[index]
        if item.alt_text and not entry.get("alt_done"):
            _alt_text(http, entry["id"], item.alt_text, headers)
            saved = _put(saved, index, {**entry, "alt_done": True})
            request.checkpoint({"media": saved})
    return [entry["id"] for entry in saved[: len(request.content.media)]]


def _put(saved: list[dict], index: int, entry: dict) -> list[dict]:
    saved = list(saved)
    while len(saved) <= index:
        saved.append({})
    saved[index] = entry
    return saved


def _upload(
    http, request: PublishRequest, position: int, item: MediaItem, headers: dict[str, str]
) -> dict:
    size, chunks = _source(http, item)
    data = http.post(
        f"{API}/media/upload/initialize",
        json={"media_type": media_type(item), "total_bytes": size,
              "media_category": category(item)},
        headers=headers,
    )["data"]  # fmt: skip
    media_id = str(data["id"])
    # Checkpointed before the bytes: a crash mid-append restarts this item (the id expires).
    entry = {"id": media_id, "finalized": False}
    saved = _put(list(request.state.get("media") or []), position, entry)
    request.checkpoint({"media": saved})
    for index, chunk in enumerate(chunks):
        request.keep_alive()  # a long video can take longer than the publish lease
        http.request(
            "POST",
            f"{API}/media/upload/{media_id}/append",
            expect_json=False,
            files={"media": ("chunk", chunk, "application/octet-stream")},
            data={"segment_index": str(index)},
            headers=headers,
        )
    final = http.post(f"{API}/media/upload/{media_id}/finalize", headers=headers)["data"]
    info = final.get("processing_info") or {}
    return {
        "id": media_id,
        "finalized": True,
        "state": info.get("state", ""),
        "check_after_secs": info.get("check_after_secs", 0),
    }


def _status(http, entry: dict, headers: dict[str, str]) -> dict:
    data = http.get(
        f"{API}/media/upload",
        params={"media_id": entry["id"], "command": "STATUS"},
        headers=headers,
    )["data"]
    info = data.get("processing_info") or {"state": "succeeded"}
    return {
        **entry,
        "state": info.get("state", "succeeded"),
        "check_after_secs": info.get("check_after_secs", 0),
        "error": (info.get("error") or {}).get("message", ""),
    }


def _alt_text(http, media_id: str, alt: str, headers: dict[str, str]) -> None:
    http.request(
        "POST",
        f"{API}/media/metadata",
        expect_json=False,
        json={"id": media_id, "metadata": {"alt_text": {"text": alt[:ALT_MAX]}}},
        headers=headers,
    )


def _source(http, item: MediaItem) -> tuple[int, Iterator[bytes]]:
    """(size, chunks) from our storage, else from the media's URL."""
    if item.hosted:
        if not item.storage_name or not default_storage.exists(item.storage_name):
            raise PlatformError(
                PERMANENT, "media_missing",
                "An uploaded file of this post is no longer in storage; upload it again and retry.",
            )  # fmt: skip
        return default_storage.size(item.storage_name), _stored_chunks(item.storage_name)
    response = http.request("GET", item.url, expect_json=False, stream=True)
    body = response.content  # bounded by the post type's size limits checked at validation
    if not body:
        raise PlatformError(
            TRANSIENT, "media_empty", f"The media at {item.url[:200]} came back empty."
        )
    return len(body), (body[i : i + CHUNK] for i in range(0, len(body), CHUNK))


def _stored_chunks(name: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
