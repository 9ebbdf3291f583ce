from django.contrib import admin

from library.models import MediaAsset


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "account", "kind", "mime_type", "width", "height", "created_at"]
    list_filter = ["kind", "mime_type"]
    search_fields = ["original_name", "alt_text", "account__name"]
    readonly_fields = [
        "file",
        "kind",
        "mime_type",
        "width",
        "height",
        "size_bytes",
        "duration_s",
        "video_codec",
        "frame_rate",
        "poster",
        "thumbnail",
        "jpeg_rendition",
        "created_by",
        "created_at",
    ]
    raw_id_fields = ["account"]
