"""The bytes LinkedIn is sent: read from our storage or fetched from the post's URL, and images
in a format LinkedIn reliably processes (PLATFORMS.md §5.2–5.3).

LinkedIn only takes uploaded bytes (no pulling from a URL). Images go as JPEG or GIF: a PNG or
WebP is sent as a JPEG rendition, because PNG uploads are what users most often see fail with
"corrupt header" in LinkedIn's processing, and the bytes are checked so an HTML error page or a
mislabelled file never goes out as an image.
"""

import io
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from channels.http import PERMANENT, PlatformError, PlatformHTTP
from channels.limits import MB
from channels.providers.base import MediaItem

# Fetching external media: never more than LinkedIn would take (video 500 MB, documents 100 MB).
MAX_FETCH_BYTES = 500 * MB
JPEG, GIF, PNG, WEBP = "image/jpeg", "image/gif", "image/png", "image/webp"


def media_bytes(http: PlatformHTTP, item: MediaItem, label: str) -> bytes:
    """The item's bytes: a file we hold from storage, else its URL over HTTPS (no token sent)."""
    if item.storage_name:
        if not default_storage.exists(item.storage_name):
            raise PlatformError(
                PERMANENT,
                "media_missing",
                f"{label} is no longer in storage; upload it again and retry.",
            )
        with default_storage.open(item.storage_name, "rb") as handle:
            return handle.read()
    if urlsplit(item.url).scheme != "https":
        raise PlatformError(
            PERMANENT,
            "media_url_insecure",
            f"{label} must be an https:// URL for LinkedIn to receive it; upload the file or "
            "use an https link.",
        )
    response = http.request("GET", item.url, expect_json=False, allow_redirects=False, stream=True)
    if response.status_code != 200:
        raise PlatformError(
            PERMANENT,
            "media_unavailable",
            f"{label} could not be fetched from {urlsplit(item.url).hostname} (HTTP "
            f"{response.status_code}); check the link, or upload the file instead.",
        )
    data = b""
    for part in response.iter_content(1024 * 1024):
        data += part
        if len(data) > MAX_FETCH_BYTES:
            response.close()
            raise PlatformError(
                PERMANENT,
                "media_too_large",
                f"{label} is larger than {MAX_FETCH_BYTES // MB} MB, more than LinkedIn takes.",
            )
    return data


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


def check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise PlatformError(
            PERMANENT,
            "document_not_pdf",
            "The document link does not lead to a PDF file; LinkedIn document posts need a PDF. "
            "Link the PDF itself and retry.",
        )
