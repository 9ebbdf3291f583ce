"""The media library in the JSON API: upload (multipart) and list the account's assets."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accounts.permissions import Can, role_may
from library.media import media_signed_url
from library.models import MediaAsset
from library.selectors import assets_for_account
from library.services import asset_upload
from library.uploads import upload_errors
from socialdist.api_types import BoundedLimitOffsetPagination, errors

router = Router(tags=["media"])


class AssetOut(Schema):
    id: int
    kind: str
    name: str
    mime_type: str
    width: int | None
    height: int | None
    size_bytes: int
    duration_s: float | None
    video_codec: str
    frame_rate: float | None
    alt_text: str
    url: str = Field(description="A signed URL of the original; it expires.")
    thumbnail_url: str | None
    poster_url: str | None
    created_at: datetime

    @staticmethod
    def resolve_name(asset: MediaAsset) -> str:
        return asset.original_name

    @staticmethod
    def resolve_url(asset: MediaAsset) -> str:
        return media_signed_url(asset.file.name)

    @staticmethod
    def resolve_thumbnail_url(asset: MediaAsset) -> str | None:
        return media_signed_url(asset.thumbnail.name) if asset.thumbnail else None

    @staticmethod
    def resolve_poster_url(asset: MediaAsset) -> str | None:
        return media_signed_url(asset.poster.name) if asset.poster else None


class AssetFilters(Schema):
    kind: Literal["image", "video"] | None = None
    q: str = Field("", max_length=200, description="Matches the file name or the alt text.")


@router.post("/media", response={201: AssetOut, **errors(403)})
def upload_media(
    request,
    file: File[UploadedFile],
    alt_text: Form[str] = "",  # at most ALT_TEXT_MAX characters (a 400 names the field)
):
    """Add a file (multipart field `file`) to the account's media library; its type, size,
    duration, codec and frame rate are read from the bytes. Use its `id` as a post's
    `media: [{asset_id}]`."""
    if not role_may(request.auth.role, Can.MANAGE_MEDIA):
        raise PermissionDenied(
            "Reviewer tokens cannot upload media; use a marketer or admin token."
        )
    problems = upload_errors(request)
    if problems:
        raise ValidationError({"file": problems})
    asset = asset_upload(account=request.account, upload=file, alt_text=alt_text)
    return Status(201, asset)


@router.get("/media", response={200: list[AssetOut], **errors()})
@paginate(BoundedLimitOffsetPagination)
def list_media(request, filters: Query[AssetFilters]):
    """The account's media library, newest first."""
    return assets_for_account(account=request.account, kind=filters.kind or "", query=filters.q)
