"""Reads for the media library pages, the API and media serving."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile

from accounts.models import ClientAccount
from library.models import AssetKind, MediaAsset


def assets_for_account(
    *, account: ClientAccount, kind: str = "", query: str = ""
) -> QuerySet[MediaAsset]:
    """The account's assets, newest first; `kind` image|video, `query` matches name or alt text."""
    assets = MediaAsset.objects.filter(account=account)
    if kind in AssetKind.values:
        assets = assets.filter(kind=kind)
    query = query.strip()
    if query:
        assets = assets.filter(Q(original_name__icontains=query) | Q(alt_text__icontains=query))
    return assets


def asset_for_account(*, account: ClientAccount, asset_id: int | None) -> MediaAsset | None:
    if asset_id is None:
        return None
    return MediaAsset.objects.filter(account=account, pk=asset_id).first()


@dataclass(frozen=True)
class StoredFile:
    file: FieldFile
    mime_type: str


def asset_file_for_path(path: str) -> StoredFile | None:
    """A library file stored under `path` — the original or a derived JPEG — with its real type."""
    if not path.startswith("library/"):
        return None
    asset = MediaAsset.objects.filter(
        Q(file=path) | Q(poster=path) | Q(thumbnail=path) | Q(jpeg_rendition=path)
    ).first()
    if asset is None:
        return None
    if asset.file.name == path:
        return StoredFile(asset.file, asset.mime_type)
    for derived in (asset.poster, asset.thumbnail, asset.jpeg_rendition):
        if derived.name == path:
            return StoredFile(derived, "image/jpeg")
    return None
