"""The media library's writes: probe, poster, thumbnail, JPEG rendition, alt text, delete."""

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from library.models import MediaAsset
from library.services import (
    AssetInUse,
    asset_delete,
    asset_jpeg_rendition,
    asset_update_alt,
    asset_upload,
)
from publishing.models import PostMedia, TargetStatus
from publishing.requests import publish_content
from publishing.services import media_item, post_content
from tests.factories import PostFactory, ProfileFactory, TargetFactory
from tests.library.helpers import video_upload
from tests.media_files import image_bytes, upload, video_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_format(field) -> str:
    with field.open("rb") as f, Image.open(f) as image:
        return image.format


def test_a_video_is_probed_from_its_bytes_with_a_jpeg_poster_and_thumbnail(account, owner):
    asset = asset_upload(
        account=account, user=owner, upload=video_upload(seconds=2, fps=25, size=(64, 112))
    )
    asset.refresh_from_db()
    assert (asset.kind, asset.mime_type, asset.video_codec) == ("video", "video/mp4", "h264")
    assert asset.duration_s == pytest.approx(2.0, abs=0.1)
    assert asset.frame_rate == pytest.approx(25)
    assert (asset.width, asset.height) == (64, 112)
    assert asset.original_name == "clip.mp4" and asset.created_by == owner
    assert asset.file.name.startswith(f"library/{account.pk}/") and "clip" not in asset.file.name
    assert jpeg_format(asset.poster) == "JPEG" and jpeg_format(asset.thumbnail) == "JPEG"


def test_an_image_gets_a_small_jpeg_thumbnail(account):
    asset = asset_upload(
        account=account, upload=upload("big.png", image_bytes("PNG", (2000, 1000)), "image/png")
    )
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == (
        "image",
        "image/png",
        2000,
        1000,
    )
    with asset.thumbnail.open("rb") as f, Image.open(f) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    assert not asset.poster and not asset.jpeg_rendition  # made only when a platform needs it


def test_bytes_that_are_not_media_are_refused_naming_the_file(account):
    with pytest.raises(ValidationError, match="notes.txt is not an image or video"):
        asset_upload(account=account, upload=upload("notes.txt", b"hello", "video/mp4"))
    assert not MediaAsset.objects.exists()


def test_alt_text_is_kept_tidy_and_bounded(account):
    asset = asset_upload(account=account, upload=upload("a.jpg", image_bytes()))
    asset_update_alt(asset=asset, alt_text="  A cup \n of coffee ")
    assert MediaAsset.objects.get().alt_text == "A cup of coffee"
    with pytest.raises(ValidationError, match="at most 1000"):
        asset_update_alt(asset=asset, alt_text="x" * 1001)


def test_a_duration_rule_now_fires_for_an_uploaded_too_long_video(account):
    asset = asset_upload(account=account, upload=video_upload(seconds=4, fps=24))
    post = PostFactory(account=account, post_type="story")
    PostMedia.objects.create(post=post, kind="video", asset=asset, file=asset.file.name)
    item = media_item(post.media.get())
    assert (item.duration_s, item.codec, item.fps) == (pytest.approx(4, abs=0.1), "h264", 24)
    profile = ProfileFactory(connection__account=account)  # Instagram: stories take 3–60 s
    from channels.providers import get_provider

    story = get_provider("instagram")
    assert story.validate(post_content(post)) == []
    long_asset = asset_upload(account=account, upload=video_upload(seconds=62, fps=24))
    post.media.update(asset=long_asset, file=long_asset.file.name)
    problems = story.validate(post_content(post))
    assert [p.code for p in problems] == ["video_duration"], problems
    assert "runs 62 s" in problems[0].message and profile


def test_a_codec_rule_fires_for_an_uploaded_mpeg4_reel(account):
    asset = asset_upload(account=account, upload=upload("old.mp4", video_bytes(frames=40)))
    assert asset.video_codec == "mpeg4"
    post = PostFactory(account=account, post_type="reel")
    PostMedia.objects.create(post=post, kind="video", asset=asset, file=asset.file.name)
    from channels.providers import get_provider

    codes = {p.code for p in get_provider("instagram").validate(post_content(post))}
    assert {"video_codec", "video_frame_rate"} <= codes


def test_png_goes_to_instagram_as_its_stored_jpeg_rendition_and_the_original_is_kept(account):
    asset = asset_upload(account=account, upload=upload("a.png", image_bytes("PNG"), "image/png"))
    target = TargetFactory(post__account=account, profile__connection__account=account)
    PostMedia.objects.create(post=target.post, kind="image", asset=asset, file=asset.file.name)
    from channels.providers import get_provider

    assert get_provider("instagram").validate(post_content(target.post)) == []  # we convert
    content = publish_content(target)
    asset.refresh_from_db()
    assert asset.jpeg_rendition and asset.file.name.endswith(".png")
    item = content.media[0]
    assert item.mime_type == "image/jpeg" and asset.jpeg_rendition.name in item.url
    assert jpeg_format(asset.jpeg_rendition) == "JPEG"
    first = asset.jpeg_rendition.name
    asset_jpeg_rendition(asset=asset)  # made once
    assert MediaAsset.objects.get().jpeg_rendition.name == first


def test_a_platform_that_takes_png_gets_the_original(account):
    asset = asset_upload(account=account, upload=upload("a.png", image_bytes("PNG"), "image/png"))
    target = TargetFactory(
        post__account=account,
        profile__connection__account=account,
        profile__connection__platform="facebook",
    )
    PostMedia.objects.create(post=target.post, kind="image", asset=asset, file=asset.file.name)
    assert publish_content(target).media[0].mime_type == "image/png"
    asset.refresh_from_db()
    assert not asset.jpeg_rendition


@pytest.mark.parametrize("status", ["scheduled", "pending", "publishing", "manual"])
def test_delete_is_refused_while_a_post_still_to_go_out_uses_it(account, status):
    asset = asset_upload(account=account, upload=upload("a.jpg", image_bytes()))
    target = TargetFactory(post__account=account, status=status)
    PostMedia.objects.create(post=target.post, kind="image", asset=asset, file=asset.file.name)
    with pytest.raises(AssetInUse, match=rf"a.jpg cannot be deleted: post #{target.post_id} "):
        asset_delete(asset=asset)
    assert MediaAsset.objects.filter(pk=asset.pk).exists()


def test_unused_media_is_deleted_with_its_files(account, media_root):
    asset = asset_upload(account=account, upload=video_upload())
    names = [asset.file.name, asset.poster.name, asset.thumbnail.name]
    asset_delete(asset=asset)
    assert not MediaAsset.objects.exists()
    assert not any((media_root / n).exists() for n in names)


def test_media_of_a_published_post_may_be_deleted_but_the_post_keeps_its_file(account, media_root):
    asset = asset_upload(account=account, upload=upload("a.jpg", image_bytes()))
    target = TargetFactory(post__account=account, status=TargetStatus.PUBLISHED)
    row = PostMedia.objects.create(
        post=target.post, kind="image", asset=asset, file=asset.file.name
    )
    thumb = asset.thumbnail.name
    asset_delete(asset=asset)
    row.refresh_from_db()
    assert row.asset is None and (media_root / row.file.name).exists()
    assert not (media_root / thumb).exists()


def test_a_post_cannot_use_another_accounts_asset(account, outsider):
    from publishing.services import SYSTEM, MediaInput, post_create

    theirs = asset_upload(
        account=outsider.memberships.get().account, upload=upload("t.jpg", image_bytes())
    )
    profile = ProfileFactory(connection__account=account)
    with pytest.raises(ValidationError, match="No such media in this account's library"):
        post_create(
            account=account,
            actor=SYSTEM,
            caption="Hi",
            post_type="feed",
            media=[MediaInput(asset=theirs)],
            profile_ids=[profile.pk],
        )


def test_tiktok_takes_h264_but_not_mpeg4_part_2(account):
    from channels.providers import get_provider

    tiktok = get_provider("tiktok")
    post = PostFactory(account=account, post_type="video")
    old = asset_upload(
        account=account, upload=upload("o.mp4", video_bytes(frames=30, rate=30, codec="mpeg4"))
    )
    PostMedia.objects.create(post=post, kind="video", asset=old, file=old.file.name)
    problems = tiktok.validate(post_content(post))
    assert [p.code for p in problems] == ["video_codec"]
    assert problems[0].message.startswith("Media 1 is MPEG-4 Part 2; TikTok video posts take H.264")
    good = asset_upload(account=account, upload=video_upload(seconds=1, fps=30))
    post.media.update(asset=good, file=good.file.name)
    assert tiktok.validate(post_content(post)) == []


def test_facebook_reels_refuse_mpeg4_part_2(account):
    from channels.providers import get_provider

    post = PostFactory(account=account, post_type="reel")
    old = asset_upload(
        account=account, upload=upload("o.mp4", video_bytes(frames=120, rate=30, codec="mpeg4"))
    )
    PostMedia.objects.create(post=post, kind="video", asset=old, file=old.file.name)
    problems = get_provider("facebook").validate(post_content(post))
    assert [p.code for p in problems] == ["video_codec"]
    assert "Facebook Pages reel posts take AV1 or H.264 or HEVC (H.265) or VP9" in (
        problems[0].message
    )
