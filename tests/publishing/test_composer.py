import re

import pytest

from publishing.models import Post
from tests.factories import ProfileFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


def test_live_check_counts_characters_per_platform(owner_client, account):
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    response = owner_client.post(f"/a/{account.slug}/posts/check/",
                                 {"caption": "x" * 2300, "post_type": "feed", "profiles": [ig.pk, fb.pk]},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
    page = response.content.decode()
    assert "2300 / 2200 characters" in page and "2300 / 63206 characters" in page
    assert "Caption is 2300 characters; Instagram allows 2200 — shorten it by 100." in page
    assert page.count('class="card preview"') == 2


def test_calendar_free_slot_prefills_the_composer(owner_client, account):
    profile = ProfileFactory(connection__account=account)
    page = owner_client.get(
        f"/a/{account.slug}/posts/new/", {"profile": profile.pk, "at": "2030-01-02T10:00"}
    )
    html = page.content.decode()
    assert 'value="2030-01-02T10:00"' in html
    assert re.search(rf'<input[^>]*name="profiles" value="{profile.pk}"[^>]*checked', html)


def test_draft_then_edit_revalidates(owner_client, account):
    profile = ProfileFactory(connection__account=account)
    owner_client.post(f"/a/{account.slug}/posts/new/", {"caption": "first", "post_type": "story",
                                                        "profiles": [profile.pk], "when": "draft"})  # fmt: skip
    post = Post.objects.get()
    assert post.status == "draft"
    url = f"/a/{account.slug}/posts/{post.pk}/edit/"
    bad = owner_client.post(url, {"caption": "#a " * 31})
    assert bad.status_code == 200 and "31 hashtags" in bad.content.decode()
    owner_client.post(url, {"caption": "second"})
    post.refresh_from_db()
    assert (post.caption, post.version) == ("second", 2)


@pytest.mark.parametrize(
    ("post_type", "length", "limit", "over"),
    [
        # TikTok: a photo slideshow's description takes 4000 characters, a video's caption 2200.
        ("photo_slideshow", 3000, 4000, False),
        ("photo_slideshow", 4001, 4000, True),
        ("video", 3000, 2200, True),
        ("video", 2200, 2200, False),
    ],
)
def test_live_check_uses_the_post_type_s_own_caption_limit(
    owner_client, account, post_type, length, limit, over
):
    tiktok = ProfileFactory(
        connection__account=account, connection__platform="tiktok", name="Acme TikTok"
    )
    response = owner_client.post(
        f"/a/{account.slug}/posts/check/",
        {"caption": "x" * length, "post_type": post_type, "profiles": [tiktok.pk]},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert f"{length} / {limit} characters" in page
    too_long = f"Caption is {length} characters; TikTok allows {limit}"
    assert (too_long in page) is over
    assert "Caption is" not in page.replace(too_long, "")  # no other caption limit applied
    # The preview folds the way TikTok does: about two lines, then "… more".
    preview = re.search(r'<p class="preview-text pre-wrap">(x*)<span class="muted">… more', page)
    assert len(preview.group(1)) == 100


def test_a_customised_network_previews_and_counts_its_own_caption(owner_client, account):
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    response = owner_client.post(
        f"/a/{account.slug}/posts/check/",
        {"caption": "x" * 2300, "post_type": "feed", "profiles": [ig.pk, fb.pk],
         "instagram_customise": "on", "instagram_caption": "Short for Instagram " + "y" * 200},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = response.content.decode()
    assert "220 / 2200 characters" in page  # Instagram counts its own caption
    assert "2300 / 63206 characters" in page  # Facebook still gets the base
    assert "Caption is 2300 characters; Instagram allows 2200" not in page
    # Instagram folds after about 125 characters; the words never overflow the card.
    assert re.search(
        r'data-network="instagram".*?Short for Instagram y{105}<span class="muted">… more',
        page,
        re.S,
    )
    assert "Acme IG" in page and "customised" in page


def test_the_composer_saves_each_networks_version(owner_client, account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Base", "post_type": "carousel", "profiles": [ig.pk, fb.pk], "when": "draft",
        "first_comment": "Shop: https://example.com",
        "media": [upload("a.jpg", image_bytes(), "image/jpeg"),
                  upload("b.jpg", image_bytes(), "image/jpeg")],
        "instagram_customise": "",  "instagram_caption": "ignored while off",
        "facebook_customise": "on", "facebook_caption": "Only Facebook", "facebook_post_type": "feed",
        "facebook_media": "2, 1", "facebook_first_comment": "",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    post = Post.objects.get()
    assert post.first_comment == "Shop: https://example.com"
    (version,) = post.versions.all()
    assert (version.platform, version.caption, version.post_type, version.media) == (
        "facebook", "Only Facebook", "feed", [1, 0],
    )  # fmt: skip


def test_a_networks_problem_shows_on_its_own_field_and_saves_nothing(owner_client, account):
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Base", "post_type": "feed", "profiles": [ig.pk], "when": "slot",
        "media": [upload("a.jpg", image_bytes(), "image/jpeg")],
        "instagram_customise": "on", "instagram_caption": "z" * 2201, "instagram_media": "1, 7",
    })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"field-instagram_media.*?errorlist.*?from 0 to 0", page, re.S)
    assert not Post.objects.exists()
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Base", "post_type": "feed", "profiles": [ig.pk], "when": "slot",
        "media": [upload("a.jpg", image_bytes(), "image/jpeg")],
        "instagram_customise": "on", "instagram_caption": "z" * 2201,
    })  # fmt: skip
    page = response.content.decode()
    assert re.search(
        r"field-instagram_caption.*?errorlist.*?Caption is 2201 characters; Instagram allows 2200",
        page, re.S,
    )  # fmt: skip
    assert not Post.objects.exists()
