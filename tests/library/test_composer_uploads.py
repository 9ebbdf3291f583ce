"""Composer uploads go to the media library first: a refused post never loses a file, and library
items are reused in posts (issue 15 parts 2 and 3)."""

import pytest

from library.models import MediaAsset
from library.services import asset_upload
from publishing.models import Post
from tests.factories import ProfileFactory
from tests.library.helpers import video_upload
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")  # Instagram


def compose(client, account, profile, **fields):
    data = {"caption": "Launch", "post_type": "feed", "profiles": [profile.pk], "when": "slot"}
    return client.post(f"/a/{account.slug}/posts/new/", {**data, **fields})


def test_a_refused_post_keeps_its_upload_in_the_library_ticked_for_the_next_try(
    owner_client, account, profile
):
    refused = compose(
        owner_client, account, profile, caption="x" * 2201, media=[upload("a.jpg", image_bytes())]
    )
    assert refused.status_code == 200 and not Post.objects.exists()
    asset = MediaAsset.objects.get()
    assert asset.original_name == "a.jpg" and asset.created_by is not None
    page = refused.content.decode()
    assert "Your uploads are kept in the media library" in page
    box = page.split('name="library_media"')[1].split(">")[0]
    assert f'value="{asset.pk}"' in box and "checked" in box

    again = compose(owner_client, account, profile, library_media=[asset.pk])  # no re-upload
    assert again.status_code == 302
    (media,) = Post.objects.get().media.all()
    assert media.asset == asset and media.file.name == asset.file.name


def test_library_items_come_first_then_new_uploads(owner_client, account, profile):
    first = asset_upload(account=account, upload=upload("first.jpg", image_bytes()))
    response = compose(
        owner_client,
        account,
        profile,
        post_type="carousel",
        library_media=[first.pk],
        media=[upload("second.jpg", image_bytes())],
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    names = [m.asset.original_name for m in Post.objects.get().media.all()]
    assert names == ["first.jpg", "second.jpg"]


def test_the_probed_duration_now_refuses_a_too_short_reel(owner_client, account, profile):
    response = compose(
        owner_client, account, profile, post_type="reel", media=[video_upload(seconds=1, fps=30)]
    )
    assert response.status_code == 200 and not Post.objects.exists()
    assert "Media 1 runs 1 s; Instagram reel posts take 3–900 s." in response.content.decode()
    assert MediaAsset.objects.count() == 1  # kept for the next try


def test_another_accounts_asset_cannot_be_picked(owner_client, account, profile, outsider):
    theirs = asset_upload(
        account=outsider.memberships.get().account, upload=upload("t.jpg", image_bytes())
    )
    response = compose(owner_client, account, profile, library_media=[theirs.pk])
    assert response.status_code == 200 and not Post.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_the_post_page_shows_a_videos_poster_frame(owner_client, account, profile):
    clip = asset_upload(account=account, upload=video_upload(seconds=3, fps=30))
    response = compose(owner_client, account, profile, post_type="reel", library_media=[clip.pk])
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = owner_client.get(response["Location"]).content.decode()
    assert f"/media/{clip.thumbnail.name}?e=" in page and "(poster frame)" in page
