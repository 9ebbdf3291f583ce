from django.contrib import admin

from library.models import MediaAsset
from library.services import asset_delete, asset_delete_refusal


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

    def has_delete_permission(self, request, obj=None) -> bool:
        """Not while a post still to go out uses it (the same rule as the library page)."""
        if obj is not None and asset_delete_refusal(asset=obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        asset_delete(asset=obj)  # its files too

    def delete_queryset(self, request, queryset) -> None:
        for asset in queryset:  # the bulk action was already refused if one is in use
            asset_delete(asset=asset)
