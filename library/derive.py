"""Files made from an asset's bytes: a video's poster frame, small thumbnails, a JPEG rendition.

All JPEG, all from the real bytes (PyAV decodes the first video frame; Pillow does the rest), so
pages, the calendar and JPEG-only platforms never need the original format.
"""

import io
from typing import IO

import av
from PIL import Image, ImageOps

THUMBNAIL_BOX = (320, 320)
JPEG_QUALITY = 90


def _rgb(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: transparent pixels become white, not black."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def jpeg_rendition(source: IO[bytes]) -> bytes:
    """The whole image as a JPEG, same size (PNG/WebP → JPEG for JPEG-only platforms)."""
    with Image.open(source) as image:
        image.seek(0)  # an animated WebP: its first frame
        return _jpeg(_rgb(image))


def image_thumbnail(source: IO[bytes]) -> bytes:
    with Image.open(source) as image:
        image.draft("RGB", THUMBNAIL_BOX)  # JPEG decodes at a fraction of its size: fast, small
        image = _rgb(image)
        image.thumbnail(THUMBNAIL_BOX)
        return _jpeg(image, quality=80)


def video_poster(source: str | IO[bytes]) -> bytes | None:
    """The first decodable frame of the video as a full-size JPEG; None if none decodes."""
    try:
        with av.open(source, mode="r") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                return _jpeg(frame.to_image())
    except (av.FFmpegError, OSError, ValueError, IndexError):
        return None
    return None


def poster_thumbnail(poster: bytes) -> bytes:
    return image_thumbnail(io.BytesIO(poster))
