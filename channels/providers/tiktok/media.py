"""TikTok media: FILE_UPLOAD chunks from our storage, and PULL_FROM_URL only from URL prefixes
verified for the app (PLATFORMS.md §4.2–4.3)."""

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage

from channels.http import PERMANENT, TRANSIENT, PlatformError
from channels.providers.base import Content, MediaItem, Problem

MB = 1024 * 1024
CHUNK = 10 * MB  # within TikTok's 5–64 MB; smaller files go in one chunk
MAX_CHUNKS = 1000  # §4.3: 1–1000 chunks per file


def source_info(item: MediaItem) -> tuple[dict, int]:
    """FILE_UPLOAD for files we hold (no URL verification needed), else PULL_FROM_URL (validate
    lets only URLs under a verified prefix this far)."""
    if not item.hosted:
        return {"source": "PULL_FROM_URL", "video_url": item.url}, 0
    size = _stored_size(item)
    chunk, count = _chunking(size)
    return {
        "source": "FILE_UPLOAD",
        "video_size": size,
        "chunk_size": chunk,
        "total_chunk_count": count,
    }, size


def _stored_size(item: MediaItem) -> int:
    # PostMedia.file lives in the default storage, which need not be a local filesystem.
    if not item.storage_name or not default_storage.exists(item.storage_name):
        raise PlatformError(
            PERMANENT,
            "media_missing",
            "The uploaded video is no longer in storage; upload it again and retry.",
        )
    size = default_storage.size(item.storage_name)
    if size <= 0:
        raise PlatformError(
            PERMANENT, "invalid_file_upload", "The uploaded video is empty; upload it again."
        )
    return size


def _chunking(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) by §4.3: chunks of 5–64 MB, a file under one CHUNK goes
    whole (files < 5 MB must), at most 1000 chunks, and total = floor(size / chunk): the
    remainder rides with the last chunk (< 2 chunks, so within the 128 MB it may reach)."""
    chunk = min(size, max(CHUNK, -(-size // MAX_CHUNKS)))
    return chunk, size // chunk


def upload_chunks(http, upload_url: str, item: MediaItem, size: int, keep_alive) -> None:
    """PUT the chunks in order; TikTok answers 206 until the last byte arrived, then 201."""
    chunk, count = _chunking(size)
    with default_storage.open(item.storage_name, "rb") as handle:
        for index in range(count):
            keep_alive()  # a large file can take longer than the publish lease
            first = index * chunk
            last = size - 1 if index == count - 1 else first + chunk - 1
            body = _read_exactly(handle, last - first + 1)
            response = http.request(
                "PUT",
                upload_url,
                expect_json=False,
                allow_redirects=False,  # the upload URL is final; a redirect is an error
                data=body,
                headers={
                    "Content-Type": item.mime_type or "video/mp4",
                    "Content-Length": str(len(body)),
                    "Content-Range": f"bytes {first}-{last}/{size}",
                },
            )
            expected = 201 if index == count - 1 else 206
            if response.status_code != expected:  # 4xx/5xx were raised (and classified) already
                raise PlatformError(
                    PERMANENT,
                    "upload_unexpected_status",
                    f"TikTok answered HTTP {response.status_code} to video bytes {first}-{last} "
                    f"of {size}, not {expected}; the upload did not complete. Retry the post.",
                    http_status=response.status_code,
                )


def _read_exactly(handle, length: int) -> bytes:
    """`length` bytes: a storage's file may return fewer per read than asked for."""
    parts, missing = [], length
    while missing:
        part = handle.read(missing)
        if not part:
            raise PlatformError(
                TRANSIENT,
                "media_changed",
                "The uploaded video got shorter while it was being sent to TikTok.",
            )
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


UNVERIFIED_VIDEO = (
    "TikTok only pulls videos from HTTPS URL prefixes verified for this app, and {prefix} is not "
    "under one; add the prefix to TIKTOK_VERIFIED_URL_PREFIXES or upload the file instead."
)
UNVERIFIED_PHOTOS = (
    "TikTok takes photos only by pulling them from HTTPS URL prefixes verified for this app, and "
    "{prefix} is not under one; verify it with TikTok and add it to "
    "TIKTOK_VERIFIED_URL_PREFIXES, or post a video instead."
)


def pull_problems(content: Content) -> list[Problem]:
    """Refuse at validation what TikTok would refuse at publish with url_ownership_unverified."""
    if content.post_type == "photo_slideshow":
        pulled, message = content.media, UNVERIFIED_PHOTOS
    elif content.post_type == "video":
        # Uploaded videos go as bytes (FILE_UPLOAD); only external URLs are pulled.
        pulled, message = [m for m in content.media if not m.hosted], UNVERIFIED_VIDEO
    else:
        return []
    # Our uploads are pulled from signed PUBLIC_BASE_URL/media/<name> URLs: only a prefix
    # covering every name counts, and the name is unknown before an upload is saved.
    urls = [_media_base() if m.hosted else m.url for m in pulled]
    unverified = sorted({_origin(url) for url in urls if not _verified(url)})
    if not unverified:
        return []
    prefix = ", ".join(unverified[:3])
    return [Problem("url_ownership_unverified", message.format(prefix=prefix), field="media")]


def _media_base() -> str:
    return settings.PUBLIC_BASE_URL + settings.MEDIA_URL


def _origin(url: str) -> str:
    """What to name in a message: our media base as is, else the URL's scheme://host/."""
    if url == _media_base():
        return url
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}/" if parts.hostname else "the URL"
    except ValueError:
        return "the URL"


def _verified(url: str) -> bool:
    return any(_under_prefix(url, p) for p in verified_prefixes())


def verified_prefixes() -> list[str]:
    """URL prefixes verified for the TikTok app (env TIKTOK_VERIFIED_URL_PREFIXES, comma list):
    only these are sent as PULL_FROM_URL. A TIKTOK_VERIFIED_URL_PREFIXES setting wins (tests)."""
    configured = getattr(settings, "TIKTOK_VERIFIED_URL_PREFIXES", None)
    if configured is None:
        configured = os.environ.get("TIKTOK_VERIFIED_URL_PREFIXES", "").split(",")
    return [p.strip() for p in configured if p.strip()]


def _under_prefix(url: str, prefix: str) -> bool:
    """HTTPS, the same host and port (so https://cdn.example.com never covers
    https://cdn.example.com.evil.net/), and the path continues the prefix's at a "/"."""
    try:
        got, want = urlsplit(url), urlsplit(prefix.strip())
        ports = (got.port or 443, want.port or 443)
    except ValueError:  # a malformed port
        return False
    if got.scheme.lower() != "https" or want.scheme.lower() != "https":
        return False  # TikTok pulls over HTTPS only
    if not got.hostname or got.hostname != want.hostname or ports[0] != ports[1]:
        return False
    path, base = got.path or "/", want.path or "/"
    if ".." in path.split("/"):
        return False  # /videos/../private would leave the verified folder
    if base.endswith("/"):
        return path.startswith(base)
    return path == base or path.startswith(base + "/")
