"""Real media bytes for tests: images by Pillow, videos encoded by PyAV (no ffmpeg binary)."""

import io

import av
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (1080, 1080)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, fmt)
    return buffer.getvalue()


def video_bytes(
    container: str = "mp4", codec: str = "mpeg4", frames: int = 10, rate: int = 10
) -> bytes:
    """A tiny real video: 64×64 at `rate` fps (10 unless told)."""
    buffer = io.BytesIO()
    buffer.name = f"clip.{container}"
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for n in range(frames):
            frame = av.VideoFrame(64, 64, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([n * 20 % 256]) * plane.buffer_size)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
