"""The bytes LinkedIn is sent: read from our storage or fetched from the post's URL, and images
in a format LinkedIn reliably processes (PLATFORMS.md §5.2–5.3).

LinkedIn only takes uploaded bytes (it never pulls from a URL). Images go as JPEG or GIF: a PNG
or WebP is sent as a JPEG rendition, because PNG uploads are what users most often see fail with
"corrupt header" in LinkedIn's processing, and the bytes are checked so an HTML error page or a
mislabelled file never goes out as an image. Large files are never held in memory whole: a file
we hold is read part by part from storage, a URL is streamed to a temporary file first.
"""

import hashlib
import io
import ipaddress
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from channels.http import PERMANENT, TRANSIENT, PlatformError, PlatformHTTP, rewrite_url
from channels.limits import MB
from channels.providers.content import Content

# Fetching external media: never more than LinkedIn would take (video 500 MB).
MAX_FETCH_BYTES = 500 * MB
JPEG, GIF, PNG, WEBP = "image/jpeg", "image/gif", "image/png", "image/webp"


@contextmanager
def media_file(http: PlatformHTTP, item, label: str) -> Iterator[tuple[IO[bytes], int]]:
    """(an open binary file, its size) of a media item or linked file: ours from storage, an
    external one fetched over HTTPS from a public address (no token is ever sent there)."""
    if getattr(item, "storage_name", ""):
        name = item.storage_name
        if not default_storage.exists(name):
            raise PlatformError(
                PERMANENT, "media_missing",
                f"{label} is no longer in storage; upload it again and retry.",
            )  # fmt: skip
        with default_storage.open(name, "rb") as handle:
            yield handle, default_storage.size(name)
        return
    with tempfile.TemporaryFile() as handle:
        size = _fetch(http, item.url, label, handle)
        handle.seek(0)
        yield handle, size


class MediaLink:
    """A linked file (a document post's PDF) read like a media item."""

    def __init__(self, url: str):
        self.url = url
        self.storage_name = ""


# What prepare checkpoints about the media; cleared together when the media change or fail.
MEDIA_STATE = (
    "images", "image_upload", "video", "video_parts", "etags", "upload_token", "video_finalized",
    "document", "document_url", "document_uploaded", "media_ready",
)  # fmt: skip


def media_key(content: Content) -> str:
    """What the uploads were made from: stable names (never signed, expiring URLs)."""
    sources = [m.storage_name or m.url.split("?", 1)[0] for m in content.media]
    raw = "|".join([content.post_type, content.link, *sources])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def media_bytes(http: PlatformHTTP, item, label: str) -> bytes:
    with media_file(http, item, label) as (handle, _size):
        return handle.read()


def read_range(handle: IO[bytes], first: int, last: int) -> bytes:
    """Bytes first..last (inclusive): a storage file may return fewer per read than asked."""
    handle.seek(first)
    parts, missing = [], last - first + 1
    while missing:
        part = handle.read(missing)
        if not part:
            raise PlatformError(
                TRANSIENT, "media_changed", "The video got shorter while it was sent to LinkedIn."
            )
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def _fetch(http: PlatformHTTP, url: str, label: str, out: IO[bytes]) -> int:
    host = _public_https_host(url, label)
    try:
        response = http.request("GET", url, expect_json=False, allow_redirects=False, stream=True)
    except PlatformError as exc:
        if exc.http_status in (None, 429) or exc.http_status >= 500:
            raise PlatformError(
                TRANSIENT, "media_unreachable",
                f"{label} could not be fetched from {host} ({exc.code}); trying again later.",
            ) from exc  # fmt: skip
        raise _unavailable(label, host, exc.http_status) from exc
    if response.status_code != 200:  # a redirect, or an answer with no body for us
        raise _unavailable(label, host, response.status_code)
    size = 0
    for part in response.iter_content(1024 * 1024):
        size += len(part)
        if size > MAX_FETCH_BYTES:
            response.close()
            raise PlatformError(
                PERMANENT, "media_too_large",
                f"{label} is larger than {MAX_FETCH_BYTES // MB} MB, more than LinkedIn takes.",
            )  # fmt: skip
        out.write(part)
    return size


def _unavailable(label: str, host: str, status: int | None) -> PlatformError:
    return PlatformError(
        PERMANENT,
        "media_unavailable",
        f"{label} could not be fetched from {host} (HTTP {status}); check the link, or upload "
        "the file instead.",
    )


def _public_https_host(url: str, label: str) -> str:
    """Only https:// URLs on public addresses are fetched (no requests into our own network).
    URLs an operator rewrote (SOCIALDIST_URL_REWRITES: demos, tests) are theirs to trust."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
    except ValueError:
        host, port, parts = "", 443, None
    if parts is None or parts.scheme != "https" or not host:
        raise PlatformError(
            PERMANENT, "media_url_insecure",
            f"{label} must be an https:// link for LinkedIn to receive it; upload the file or "
            "use an https link.",
        )  # fmt: skip
    if rewrite_url(url) != url:
        return host
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port)}
    except (OSError, UnicodeError) as exc:
        raise PlatformError(
            TRANSIENT, "media_unreachable", f"{label}: the host {host} could not be found."
        ) from exc
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise PlatformError(
                PERMANENT, "media_url_private",
                f"{label} points at {host}, which is not a public internet address; upload the "
                "file instead.",
            )  # fmt: skip
    return host


def image_for_linkedin(data: bytes, label: str) -> tuple[bytes, str]:
    """(bytes, mime type) LinkedIn processes: JPEG and GIF as they are, PNG/WebP as JPEG."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = Image.MIME.get(image.format or "", "")
            if kind in (JPEG, GIF):
                image.verify()  # a truncated or forged body fails here, not at LinkedIn
                return data, kind
            if kind in (PNG, WEBP):
                return _as_jpeg(image), JPEG
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        pass
    raise PlatformError(
        PERMANENT,
        "image_corrupt",
        f"{label} is not a readable JPEG, PNG or GIF image, so LinkedIn would refuse it as "
        "corrupt; replace it with a JPEG and retry.",
    )


def _as_jpeg(image: Image.Image) -> bytes:
    """Transparent parts on white, as LinkedIn's feed shows them."""
    image.load()
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = image.convert("RGB")
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=90)
    return out.getvalue()


def check_pdf(head: bytes) -> None:
    if not head.startswith(b"%PDF-"):
        raise PlatformError(
            PERMANENT,
            "document_not_pdf",
            "The document link does not lead to a PDF file; LinkedIn document posts need a PDF. "
            "Link the PDF itself and retry.",
        )
