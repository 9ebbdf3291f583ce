"""Uploaded media: what a file really is (read from its bytes), and how it is served.

A file's name and declared type are the uploader's word; only the bytes count. Images are read by
Pillow, videos by PyAV (FFmpeg's demuxers), and only the types the platforms take are accepted.
Files are served only through signed, expiring URLs (`media_signed_url`): drafts stay private, and
platforms can still fetch the media of a post at publish time.
"""

import time
from dataclasses import dataclass
from typing import IO

import av
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

# Sniffed type -> file extension. Nothing else is ever stored or served as media.
IMAGE_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
}
VIDEO_TYPES = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm"}
MEDIA_TYPES = {**IMAGE_TYPES, **VIDEO_TYPES}
ACCEPTED = "JPEG, PNG, WebP, GIF, MP4, MOV or WebM"
_PILLOW_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}

SIGNING_SALT = "socialdist.media"


class MediaRejected(ValueError):
    """The bytes are not media we accept; the message names the file and what to use."""


@dataclass(frozen=True)
class SniffedMedia:
    kind: str  # image | video
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    codec: str = ""  # FFmpeg's name for the video codec: h264, hevc, vp9…
    fps: float | None = None

    @property
    def extension(self) -> str:
        return MEDIA_TYPES[self.mime_type]


def media_sniff(upload: UploadedFile) -> SniffedMedia:
    """Identify an upload from its bytes; raise MediaRejected for anything we do not publish."""
    name = upload.name or "The file"
    found = _sniff_image(upload) or _sniff_video(upload, name)
    upload.seek(0)
    if found is None:
        raise MediaRejected(f"{name} is not an image or video we accept: use {ACCEPTED}.")
    return found


def _sniff_image(upload: UploadedFile) -> SniffedMedia | None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            mime = _PILLOW_FORMATS.get(image.format or "")
            width, height = image.size
            image.verify()  # walks the data: a truncated or forged body fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    if mime is None:
        return None
    return SniffedMedia(kind="image", mime_type=mime, width=width, height=height)


def _sniff_video(upload: UploadedFile, name: str) -> SniffedMedia | None:
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    source: str | IO[bytes] = (
        upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload.file
    )
    try:
        with av.open(source, mode="r") as container:
            mime = _video_mime(set(container.format.name.split(",")), head)
            if mime is None:
                return None  # FFmpeg reads many formats (SVG, HTML-ish text…); we take three
            stream = container.streams.video[0] if container.streams.video else None
            context = stream.codec_context if stream is not None else None
            if context is None:
                raise MediaRejected(f"{name} has no video track: use {ACCEPTED}.")
            width, height = context.width or None, context.height or None
            duration = container.duration / av.time_base if container.duration else None
            if duration is None and stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            codec = context.name or ""
            rate = stream.average_rate or stream.guessed_rate
            fps = round(float(rate), 3) if rate else None
    except MediaRejected:
        raise
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError, IndexError):
        return None
    return SniffedMedia(
        kind="video",
        mime_type=mime,
        width=width,
        height=height,
        duration_s=duration,
        codec=codec,
        fps=fps,
    )


def _video_mime(formats: set[str], head: bytes) -> str | None:
    """FFmpeg names one demuxer for MP4 and MOV, and one for WebM and Matroska: the header tells."""
    if "mp4" in formats or "mov" in formats:
        brand = head[8:12] if head[4:8] == b"ftyp" else b""
        return "video/quicktime" if brand == b"qt  " or not brand else "video/mp4"
    if "webm" in formats and b"webm" in head:  # EBML DocType "webm", not any Matroska file
        return "video/webm"
    return None


# Serving ----------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=SIGNING_SALT)


def media_signed_path(name: str, *, ttl_s: int | None = None, now: float | None = None) -> str:
    """`/media/<name>?e=<expiry>&s=<signature>`; the expiry is rounded up to the hour so a page
    shows the same URL for a while (browsers cache it) and it always lasts at least `ttl_s`."""
    ttl_s = settings.MEDIA_URL_TTL_SECONDS if ttl_s is None else ttl_s
    now = time.time() if now is None else now
    expires = (int(now + ttl_s) // 3600 + 1) * 3600
    signature = _signer().signature(f"{name}:{expires}")
    return f"{settings.MEDIA_URL}{name}?e={expires}&s={signature}"


def media_signed_url(name: str, *, ttl_s: int | None = None) -> str:
    """The absolute URL platforms fetch at publish time; the app's pages use the same one."""
    return settings.PUBLIC_BASE_URL + media_signed_path(name, ttl_s=ttl_s)


def media_signature_valid(name: str, *, expires: str, signature: str) -> bool:
    if not expires.isdigit() or len(expires) > 12 or int(expires) < time.time():
        return False
    expected = _signer().signature(f"{name}:{expires}")
    return signing.constant_time_compare(expected, signature)
