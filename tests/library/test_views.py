"""The media library pages: who may see and change what, uploads, alt text, delete, serving."""

from urllib.parse import urlparse

import pytest
from django.test import Client

from library.models import MediaAsset
from library.services import asset_upload
from publishing.models import PostMedia
from tests.factories import MembershipFactory, TargetFactory, UserFactory
from tests.library.helpers import video_upload
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def member_client(account, role: str, enforce_csrf: bool = False) -> Client:
    user = UserFactory(email=f"{role}@example.com")
    MembershipFactory(user=user, account=account, role=role)
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


@pytest.fixture
def asset(account):
    return asset_upload(account=account, upload=upload("latte art.jpg", image_bytes()))


def urls(account, asset):
    base = f"/a/{account.slug}/media/"
    return [base, f"{base}{asset.pk}/", f"{base}{asset.pk}/delete/"]


def test_outsiders_get_404_for_every_page_and_action(outsider_client, account, asset):
    for url in urls(account, asset):
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"alt_text": "x"}).status_code == 404
    assert MediaAsset.objects.get().alt_text == ""


def test_another_accounts_asset_is_404_to_a_member(owner_client, account, outsider):
    other = outsider.memberships.get().account
    theirs = asset_upload(account=other, upload=upload("x.jpg", image_bytes()))
    for url in urls(account, theirs)[1:]:
        assert owner_client.get(url).status_code == 404
    assert owner_client.get(f"/a/{account.slug}/media/999999999999999999999/").status_code == 404


def test_reviewers_may_look_but_not_upload_edit_or_delete(account, asset):
    reviewer = member_client(account, "reviewer")
    page = reviewer.get(f"/a/{account.slug}/media/")
    assert page.status_code == 200 and b"latte art.jpg" in page.content
    assert b'enctype="multipart/form-data"' not in page.content
    assert reviewer.get(f"/a/{account.slug}/media/{asset.pk}/").status_code == 200
    files = {"files": upload("b.jpg", image_bytes())}
    assert reviewer.post(f"/a/{account.slug}/media/", files).status_code == 403
    assert (
        reviewer.post(f"/a/{account.slug}/media/{asset.pk}/", {"alt_text": "x"}).status_code == 403
    )
    for method in (reviewer.get, reviewer.post):
        assert method(f"/a/{account.slug}/media/{asset.pk}/delete/").status_code == 403
    assert MediaAsset.objects.count() == 1 and MediaAsset.objects.get().alt_text == ""


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_and_admins_upload_several_files_without_javascript(account, role):
    client = member_client(account, role)
    response = client.post(
        f"/a/{account.slug}/media/",
        {
            "files": [upload("a.png", image_bytes("PNG"), "image/png"), video_upload("c.mp4")],
            "alt_text": "Our shop",
        },
    )
    assert response.status_code == 302
    assert sorted(MediaAsset.objects.values_list("original_name", "alt_text")) == [
        ("a.png", "Our shop"),
        ("c.mp4", "Our shop"),
    ]
    page = client.get(response["Location"])
    assert b"2 files added." in page.content and page.content.count(b'class="card" data-asset') == 2


def test_a_refused_file_is_named_and_the_good_ones_are_kept(owner_client, account):
    response = owner_client.post(
        f"/a/{account.slug}/media/",
        {
            "files": [
                upload("evil.svg", b"<svg/>", "image/svg+xml"),
                upload("ok.jpg", image_bytes()),
            ]
        },
    )
    assert response.status_code == 400
    assert b"evil.svg is not an image or video we accept" in response.content
    assert list(MediaAsset.objects.values_list("original_name", flat=True)) == ["ok.jpg"]


def test_upload_with_javascript_answers_json(owner_client, account):
    xhr = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    ok = owner_client.post(
        f"/a/{account.slug}/media/", {"files": upload("a.jpg", image_bytes())}, **xhr
    )
    assert ok.json() == {"redirect": f"/a/{account.slug}/media/"}
    bad = owner_client.post(f"/a/{account.slug}/media/", {"files": upload("a.txt", b"hi")}, **xhr)
    assert bad.status_code == 400 and "a.txt is not an image" in bad.json()["errors"][0]


def test_an_oversized_file_is_stopped_while_it_streams(owner_client, account, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    response = owner_client.post(
        f"/a/{account.slug}/media/", {"files": upload("big.jpg", image_bytes(size=(800, 800)))}
    )
    assert response.status_code == 400 and b"big.jpg is larger than" in response.content
    assert not MediaAsset.objects.exists()


def test_filter_by_kind_and_search_by_name_or_alt_text(owner_client, account, asset):
    asset_upload(account=account, upload=video_upload("teaser.mp4"), alt_text="Espresso pour")
    page = lambda **q: owner_client.get(f"/a/{account.slug}/media/", q).content  # noqa: E731
    assert b"teaser.mp4" in page(kind="video") and b"latte art.jpg" not in page(kind="video")
    assert b"latte art.jpg" in page(kind="image") and b"teaser.mp4" not in page(kind="image")
    assert b"teaser.mp4" in page(q="espresso") and b"latte art.jpg" not in page(q="espresso")
    assert b"latte art.jpg" in page(q="LATTE") and b"teaser.mp4" not in page(q="latte")


def test_thumbnails_are_served_as_jpeg_through_signed_urls(owner_client, account, asset):
    page = owner_client.get(f"/a/{account.slug}/media/")
    src = page.content.split(b'<img src="')[1].split(b'"')[0].decode().replace("&amp;", "&")
    parts = urlparse(src)
    served = Client().get(parts.path + "?" + parts.query)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert Client().get(parts.path).status_code == 404  # unsigned: nothing


def test_alt_text_is_edited(owner_client, account, asset):
    response = owner_client.post(
        f"/a/{account.slug}/media/{asset.pk}/", {"alt_text": "A heart in milk foam"}
    )
    assert response.status_code == 302
    assert MediaAsset.objects.get().alt_text == "A heart in milk foam"
    too_long = owner_client.post(f"/a/{account.slug}/media/{asset.pk}/", {"alt_text": "x" * 1001})
    assert too_long.status_code == 400


def test_delete_asks_first_then_deletes(owner_client, account, asset):
    confirm = owner_client.get(f"/a/{account.slug}/media/{asset.pk}/delete/")
    assert confirm.status_code == 200 and b"Delete latte art.jpg?" in confirm.content
    assert MediaAsset.objects.exists()
    done = owner_client.post(f"/a/{account.slug}/media/{asset.pk}/delete/")
    assert done.status_code == 302 and not MediaAsset.objects.exists()


def test_delete_is_refused_with_a_sentence_while_a_scheduled_post_uses_it(
    owner_client, account, asset
):
    target = TargetFactory(post__account=account, status="scheduled")
    PostMedia.objects.create(post=target.post, kind="image", asset=asset, file=asset.file.name)
    confirm = owner_client.get(f"/a/{account.slug}/media/{asset.pk}/delete/")
    assert b"still to be published uses it" in confirm.content and b"<button>Delete" not in (
        confirm.content
    )
    refused = owner_client.post(f"/a/{account.slug}/media/{asset.pk}/delete/")
    assert refused.status_code == 409
    assert f"post #{target.post_id} still to be published uses it".encode() in refused.content
    assert MediaAsset.objects.exists()


def test_posts_without_a_csrf_token_are_refused(account, asset):
    client = member_client(account, "admin", enforce_csrf=True)
    base = f"/a/{account.slug}/media/"
    assert client.post(base, {"files": upload("a.jpg", image_bytes())}).status_code == 403
    assert client.post(f"{base}{asset.pk}/", {"alt_text": "x"}).status_code == 403
    assert client.post(f"{base}{asset.pk}/delete/").status_code == 403
    assert MediaAsset.objects.count() == 1


def test_the_navigation_links_to_the_library(owner_client, account):
    page = owner_client.get(f"/a/{account.slug}/queue/")
    assert f'href="/a/{account.slug}/media/"'.encode() in page.content


def test_a_large_upload_streams_through_a_temporary_file_and_still_gets_a_poster(
    owner_client, account, settings, media_root
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file on disk
    response = owner_client.post(
        f"/a/{account.slug}/media/", {"files": video_upload("big.mp4", seconds=2, fps=24)}
    )
    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert asset.video_codec == "h264" and asset.duration_s == pytest.approx(2, abs=0.1)
    assert asset.poster and (media_root / asset.poster.name).exists()
    assert (media_root / asset.file.name).stat().st_size == asset.size_bytes
