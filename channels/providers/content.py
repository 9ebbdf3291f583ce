"""What a post is, as the platform rules see it (validate's input and output)."""

from dataclasses import dataclass


@dataclass
class MediaItem:
    url: str
    kind: str  # image | video
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    mime_type: str = ""
    # Probed from the bytes (library assets): FFmpeg's codec name ("h264", "hevc", "vp9"…) and
    # frames per second; empty/None when unknown (external URLs), so no rule fires on a guess.
    codec: str = ""
    fps: float | None = None
    # A PNG/WebP we hold can be sent as a JPEG rendition (made at publish time; original kept),
    # so a JPEG-only platform does not refuse it.
    jpeg_convertible: bool = False
    # The library item's description for screen readers; providers send it where taken.
    alt_text: str = ""
    # A file we hold (uploaded, not an external URL): served from PUBLIC_BASE_URL/media/ and sent
    # as bytes where the platform takes them. Also true while an upload awaits its first save.
    hosted: bool = False
    # Its name in default_storage once saved; providers that upload bytes (TikTok FILE_UPLOAD)
    # open it through the storage, so a non-filesystem storage works too.
    storage_name: str = ""


@dataclass
class Content:
    """What validate() looks at: the creative as one platform will receive it."""

    post_type: str
    caption: str
    media: list[MediaItem]
    link: str = ""
    title: str = ""
    # Posted as the first comment right after the post (providers that take one).
    first_comment: str = ""


@dataclass
class Problem:
    code: str
    message: str
    field: str = "caption"
