"""The admin keeps the library's delete rule: media a post still needs is not deleted there."""

import pytest
from django.test import Client

from library.models import MediaAsset
from library.services import asset_upload
from publishing.models import PostMedia
from tests.factories import TargetFactory, UserFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_cannot_delete_media_a_scheduled_post_uses(admin_client, account, media_root):
    used = asset_upload(account=account, upload=upload("used.jpg", image_bytes()))
    free = asset_upload(account=account, upload=upload("free.jpg", image_bytes()))
    target = TargetFactory(post__account=account, status="scheduled")
    PostMedia.objects.create(post=target.post, kind="image", asset=used, file=used.file.name)

    url = f"/admin/library/mediaasset/{used.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 403

    def bulk_delete(*assets):
        return admin_client.post(
            "/admin/library/mediaasset/",
            {
                "action": "delete_selected",
                "_selected_action": [a.pk for a in assets],
                "post": "yes",
            },
        )

    bulk_delete(used, free)  # refused as a whole: one of them is in use
    assert MediaAsset.objects.count() == 2
    bulk_delete(free)
    assert list(MediaAsset.objects.values_list("original_name", flat=True)) == ["used.jpg"]
    assert not (media_root / free.file.name).exists()  # its files went with it
