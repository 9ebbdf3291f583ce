"""Writes for the media library: upload (probe + poster + thumbnail), alt text, JPEG rendition,
delete. Keyword-only, named <thing>_<verb> (DESIGN.md)."""

import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import ClientAccount
from library import derive
from library.media import MediaRejected, media_sniff
from library.models import AssetKind, MediaAsset
from library.signals import asset_delete_check, asset_file_kept

log = logging.getLogger(__name__)

ALT_TEXT_MAX = 1000
# Formats a JPEG-only platform cannot take but that we convert (the original is kept).
CONVERTIBLE_TO_JPEG = frozenset({"image/png", "image/webp"})


class AssetInUse(ValidationError):
    """The asset may not be deleted; the message says which posts use it and what to do."""


def _clean_alt(alt_text: str) -> str:
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > ALT_TEXT_MAX:
        raise ValidationError(
            {"alt_text": [f"Alt text is {len(alt_text)} characters; at most {ALT_TEXT_MAX}."]}
        )
    return alt_text


def asset_upload(
    *, account: ClientAccount, upload: UploadedFile, user=None, alt_text: str = ""
) -> MediaAsset:
    """Store an upload in the account's library: identified and probed from its bytes (never its
    name), with a poster frame (video) and a thumbnail. The file streams from the upload handler's
    temporary file to storage in chunks; it is never read into memory whole.

    Raises ValidationError naming the file when it is not media we accept."""
    alt_text = _clean_alt(alt_text)
    try:
        found = media_sniff(upload)
    except MediaRejected as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    asset = MediaAsset(
        account=account,
        original_name=(upload.name or "")[-255:],
        kind=found.kind,
        mime_type=found.mime_type,
        width=found.width,
        height=found.height,
        size_bytes=upload.size,
        duration_s=found.duration_s,
        video_codec=found.codec if found.kind == AssetKind.VIDEO else "",
        frame_rate=found.fps if found.kind == AssetKind.VIDEO else None,
        alt_text=alt_text,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    # Previews first: saving a large upload moves its temporary file into storage.
    try:
        _derive(asset, upload)
    except Exception:  # a preview is a nicety: the upload itself stands
        log.exception("could not make previews for asset of account %s", account.pk)
    asset.file.save("upload", upload, save=False)  # upload_to picks a random name
    asset.save()
    return asset


def _derive(asset: MediaAsset, upload: UploadedFile) -> None:
    upload.seek(0)
    if asset.kind == AssetKind.VIDEO:
        source = (
            upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload.file
        )
        poster = derive.video_poster(source)
        if poster is not None:
            asset.poster.save("poster.jpg", ContentFile(poster), save=False)
            asset.thumbnail.save("thumb.jpg", ContentFile(derive.poster_thumbnail(poster)), False)
    else:
        asset.thumbnail.save("thumb.jpg", ContentFile(derive.image_thumbnail(upload)), save=False)
    upload.seek(0)


def asset_update_alt(*, asset: MediaAsset, alt_text: str) -> MediaAsset:
    asset.alt_text = _clean_alt(alt_text)
    asset.save(update_fields=["alt_text"])
    return asset


def asset_jpeg_rendition(*, asset: MediaAsset) -> MediaAsset:
    """Make (once) and store the JPEG copy of a PNG/WebP asset; the original is kept."""
    if asset.mime_type not in CONVERTIBLE_TO_JPEG or asset.jpeg_rendition:
        return asset
    with asset.file.open("rb") as source:
        data = derive.jpeg_rendition(source)
    asset.jpeg_rendition.save("rendition.jpg", ContentFile(data), save=False)
    # Another worker may have made one meanwhile: keep the first, drop ours.
    updated = MediaAsset.objects.filter(pk=asset.pk, jpeg_rendition="").update(
        jpeg_rendition=asset.jpeg_rendition.name
    )
    if not updated:
        asset.jpeg_rendition.storage.delete(asset.jpeg_rendition.name)
        asset.refresh_from_db(fields=["jpeg_rendition"])
    return asset


def asset_delete_refusal(*, asset: MediaAsset) -> str:
    """Why the asset may not be deleted (the apps above answer), or '' when it may."""
    reasons = [answer for _, answer in asset_delete_check.send(MediaAsset, asset=asset) if answer]
    return " ".join(reasons)


def asset_delete(*, asset: MediaAsset) -> None:
    """Delete an asset and its files. Refused (AssetInUse) while a post still to go out uses it;
    the original file is kept while a published post's record still points at it."""
    with transaction.atomic():
        refusal = asset_delete_refusal(asset=asset)
        if refusal:
            raise AssetInUse(refusal)
        keep_original = any(answer for _, answer in asset_file_kept.send(MediaAsset, asset=asset))
        names = [f.name for f in (asset.poster, asset.thumbnail, asset.jpeg_rendition) if f]
        if not keep_original:
            names.append(asset.file.name)
        storage = asset.file.storage
        asset.delete()
    for name in names:  # after the commit: a rolled-back delete never loses a file
        storage.delete(name)
