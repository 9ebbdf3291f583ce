"""Real media for library tests: H.264/VP9 videos of a chosen length and frame rate."""

import io

import av

from tests.media_files import upload


def h264_bytes(seconds: float = 1.0, fps: int = 30, codec: str = "libx264", size=(64, 64)):
    buffer = io.BytesIO()
    buffer.name = "clip.mp4"
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for n in range(int(seconds * fps)):
            frame = av.VideoFrame(size[0], size[1], "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([n * 7 % 256]) * plane.buffer_size)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def video_upload(name="clip.mp4", **kwargs):
    return upload(name, h264_bytes(**kwargs), "video/mp4")
