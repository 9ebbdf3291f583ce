import re

import pytest

from publishing.models import Post
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_live_check_counts_characters_per_platform(owner_client, account):
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    response = owner_client.post(f"/a/{account.slug}/posts/check/",
                                 {"caption": "x" * 2300, "post_type": "feed", "profiles": [ig.pk, fb.pk]},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
    page = response.content.decode()
    assert "2300 / 2200 characters" in page and "2300 / 63206 characters" in page
    assert "Caption is 2300 characters; Instagram allows 2200." in page
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
    too_long = f"Caption is {length} characters; TikTok allows {limit}."
    assert (too_long in page) is over
    assert "Caption is" not in page.replace(too_long, "")  # no other caption limit applied
    # The preview folds the way TikTok does: about two lines, then "… more".
    preview = re.search(r'<p class="preview-text pre-wrap">(x*)<span class="muted">… more', page)
    assert len(preview.group(1)) == 100
