"""The media library: each account's uploaded images and videos, probed once, reused by posts."""

import secrets

from django.conf import settings
from django.db import models

from accounts.models import ClientAccount


class AssetKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


def asset_upload_to(instance: "MediaAsset", filename: str) -> str:
    """A random name with the extension of the sniffed type: never the uploader's name.
    Derived files (poster, thumbnail, JPEG rendition) pass their own `.jpg` name."""
    from library.media import MEDIA_TYPES

    extension = ".jpg" if filename.endswith(".jpg") else MEDIA_TYPES.get(instance.mime_type, ".bin")
    return f"library/{instance.account_id}/{secrets.token_hex(16)}{extension}"


class MediaAsset(models.Model):
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="assets")
    file = models.FileField(upload_to=asset_upload_to, max_length=200)
    original_name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=10, choices=AssetKind.choices)
    mime_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    duration_s = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=30, blank=True)  # FFmpeg's name: h264, hevc…
    frame_rate = models.FloatField(null=True, blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    # A video's first frame as JPEG (its cover and preview).
    poster = models.FileField(upload_to=asset_upload_to, max_length=200, blank=True)
    # A small JPEG for the library grid, the calendar and previews.
    thumbnail = models.FileField(upload_to=asset_upload_to, max_length=200, blank=True)
    # PNG/WebP only: a JPEG copy for platforms that take only JPEG, made at first need and kept.
    jpeg_rendition = models.FileField(upload_to=asset_upload_to, max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "kind", "-created_at"])]

    def __str__(self) -> str:
        return self.original_name or f"{self.kind} {self.pk}"

    @property
    def preview_path(self) -> str:
        """A signed URL of its thumbnail (or a video's poster) for pages; "" when it has none."""
        from library.media import media_signed_path

        preview = self.thumbnail or self.poster
        return media_signed_path(preview.name) if preview else ""

    @property
    def aspect_ratio(self) -> float | None:
        return self.width / self.height if self.width and self.height else None
