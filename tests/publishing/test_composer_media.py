"""The composer's media: chosen library items in the person's order (moved with buttons — also
without JavaScript — or dragged), uploads that go to the library at once, and previews that
show the network's first image."""

import re

import pytest

from library.models import MediaAsset
from library.services import asset_upload
from publishing.models import Post
from tests.factories import MembershipFactory, ProfileFactory, UserFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ig(account):
    return ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")


@pytest.fixture
def images(account):
    return [asset_upload(account=account, upload=upload(f"{n}.jpg", image_bytes()))
            for n in ("first", "second", "third")]  # fmt: skip


def choices(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="library_media" value="(\d+)" checked', page)


def test_move_up_without_javascript_reorders_and_saves_nothing(owner_client, account, ig, images):
    a, b, c = (str(x.pk) for x in images)
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Three", "post_type": "carousel", "profiles": [ig.pk], "when": "draft",
        "library_media": [a, b, c], "move": f"{c}:up",
    })  # fmt: skip
    assert response.status_code == 200 and not Post.objects.exists()
    page = response.content.decode()
    assert choices(page) == [a, c, b]
    assert "errorlist" not in page  # reordering is not a save


def test_the_post_keeps_the_chosen_order(owner_client, account, ig, images):
    a, b, c = (str(x.pk) for x in images)
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Three", "post_type": "carousel", "profiles": [ig.pk], "when": "draft",
        "library_media": [c, a, b],
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-1500:]
    media = Post.objects.get().media.order_by("position")
    assert [m.asset_id for m in media] == [int(c), int(a), int(b)]


def test_an_upload_goes_to_the_library_at_once_and_comes_back_chosen(owner_client, account):
    response = owner_client.post(
        f"/a/{account.slug}/posts/media/",
        {"media": [upload("new.png", image_bytes("PNG")), upload("x.jpg", b"not an image")]},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    (asset,) = MediaAsset.objects.filter(account=account)
    assert asset.original_name == "new.png" and asset.mime_type == "image/png"
    assert re.search(r'name="library_media" value="\d+" checked', page)
    assert "new.png" in page and "x.jpg is not an image or video we accept" in page
    assert 'aria-label="Move new.png up"' in page


def test_a_reviewer_may_upload_while_composing_and_an_outsider_gets_a_404(
    client, account, outsider_client
):
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client.force_login(reviewer)
    url = f"/a/{account.slug}/posts/media/"
    assert client.post(url, {"media": upload("a.jpg", image_bytes())}).status_code == 200
    assert outsider_client.post(url, {"media": upload("b.jpg", image_bytes())}).status_code == 404


def test_previews_show_each_networks_first_image(owner_client, account, ig, images):
    a, b, c = images
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    response = owner_client.post(
        f"/a/{account.slug}/posts/check/",
        {"caption": "Hi", "post_type": "feed", "profiles": [ig.pk, fb.pk],
         "library_media": [b.pk, a.pk], "facebook_customise": "on", "facebook_caption": "Hi",
         "facebook_media": "2"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = response.content.decode()
    ig_card = page[page.index('data-network="instagram"') :]
    fb_card = page[page.index('data-network="facebook"') : page.index('data-network="instagram"')]
    assert b.preview_path.split("?")[0] in ig_card.split("</div>\n  </div>")[0]
    assert a.preview_path.split("?")[0] in fb_card
