"""Library media through the dispatcher against the fake Graph API: a PNG goes to Instagram as its
JPEG rendition, with its alt text; the original is kept."""

import pytest

from library.services import asset_upload
from publishing.dispatch import dispatch_due
from publishing.models import PostMedia, PostTarget
from tests.factories import TargetFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_png_is_published_to_instagram_as_a_jpeg_with_its_alt_text(
    account, fake_instagram, media_root
):
    fake_instagram.tokens.add("live-token")
    asset = asset_upload(
        account=account,
        upload=upload("logo.png", image_bytes("PNG"), "image/png"),
        alt_text="Our logo on a cup",
    )
    target = TargetFactory(
        post__account=account,
        profile__connection__account=account,
        profile__external_id="1784140001",
        profile__connection__access_token="live-token",
    )
    PostMedia.objects.create(post=target.post, kind="image", asset=asset, file=asset.file.name)

    dispatch_due()

    assert PostTarget.objects.get(pk=target.pk).status == "published"
    (container,) = fake_instagram.containers.values()
    asset.refresh_from_db()
    assert asset.jpeg_rendition.name.endswith(".jpg")
    assert f"/media/{asset.jpeg_rendition.name}?" in container.params["image_url"]
    assert container.params["alt_text"] == "Our logo on a cup"
    assert (media_root / asset.file.name).exists()  # the original PNG is kept
