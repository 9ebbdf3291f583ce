"""Ghost: the Admin API token (JWT), a bad key, a skewed clock, articles with SEO fields and
images, the newsletter switch (off unless chosen), drafts, a lost answer, email metrics."""

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.utils import timezone

from channels.models import Profile
from channels.providers import get_provider
from channels.providers.base import MetricsRequest
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory

pytestmark = pytest.mark.django_db

BODY = "Read [our menu](https://shop.example.com/menu).\n\n![Latte art](https://cdn.example.com/latte.png)\n"


def connect(api, fake, **changes):
    values = {"admin_url": fake.url, "admin_api_key": fake.admin_api_key, **changes}
    return api.post("/connections/ghost/credentials", values)


@pytest.fixture
def profile(api, fake_ghost, settings, tmp_path) -> Profile:
    settings.MEDIA_ROOT = tmp_path
    assert connect(api, fake_ghost).status_code == 200
    profile = Profile.objects.get(platform="ghost")
    profile.posting_mode = "automatic"
    profile.save(update_fields=["posting_mode"])
    return profile


def article(profile, *, mode="automatic", options=None):
    post = PostFactory(account=profile.account, post_type="article", title="Latte season",
                       caption=BODY, options=options or {})  # fmt: skip
    MediaFactory(post=post, kind="image", url="https://cdn.example.com/cover.png", position=0)
    return PostTarget.objects.create(post=post, profile=profile, status="scheduled",
                                     scheduled_at=timezone.now(), posting_mode=mode)  # fmt: skip


def test_each_request_carries_a_fresh_admin_token(profile, fake_ghost):
    (call,) = fake_ghost.calls("GET", "/ghost/api/admin/site/")
    token = call.headers["authorization"].removeprefix("Ghost ")
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("HS256", fake_ghost.key_id)
    claims = jwt.decode(token, bytes.fromhex(fake_ghost.secret), algorithms=["HS256"],
                        audience="/admin/")  # fmt: skip
    assert claims["exp"] - claims["iat"] == 300
    assert call.headers["accept-version"] == "v6.0"
    # Ten minutes on, a token made once would have expired: each request signs its own.
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert settle(article(profile)).status == "published"


def test_a_wrong_key_is_refused_in_words(api, fake_ghost):
    wrong = fake_ghost.key_id + ":" + "b2" * 32
    refused = connect(api, fake_ghost, admin_api_key=wrong)
    assert refused.status_code == 400
    assert "the key was revoked or is wrong — paste a new one" in refused.json()["detail"]


def test_a_malformed_key_is_refused_before_any_call(api, fake_ghost):
    refused = connect(api, fake_ghost, admin_api_key="not-a-key")
    assert "must look like id:secret" in refused.json()["detail"]
    assert not fake_ghost.requests


def test_a_clock_behind_by_minutes_is_named_as_the_cause(api, fake_ghost):
    fake_ghost.real_clock = True
    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        refused = connect(api, fake_ghost)
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "clock is off" in detail and "the key itself is fine" in detail


def test_an_article_goes_in_as_html_with_its_images_and_seo_fields(profile, fake_ghost):
    options = {"tags": ["Coffee"], "excerpt": "Short.", "seo_title": "Latte season | Acme",
               "seo_description": "Our autumn drinks.", "visibility": "members",
               "canonical_url": "https://acme.example.com/latte", "featured_alt": "A latte"}  # fmt: skip
    target = settle(article(profile, options=options))
    assert target.status == "published", target.error_message
    (post,) = fake_ghost.published()
    assert target.permalink == post["url"] and post["source"] == "html"
    assert len(fake_ghost.images) == 2  # inline and featured, once each
    inline, featured = (i["url"] for i in fake_ghost.images)
    assert inline in post["html"] and "cdn.example.com" not in post["html"]
    assert (post["feature_image"], post["feature_image_alt"]) == (featured, "A latte")
    assert (post["meta_title"], post["meta_description"]) == ("Latte season | Acme",
                                                              "Our autumn drinks.")  # fmt: skip
    assert post["canonical_url"] == "https://acme.example.com/latte"
    assert (post["visibility"], post["custom_excerpt"]) == ("members", "Short.")
    assert post["tags"] == [{"name": "Coffee"}] and post["slug"] == "latte-season"


def test_the_newsletter_is_emailed_only_when_chosen(profile, fake_ghost):
    settle(article(profile))
    assert fake_ghost.emails == []
    target = settle(article(profile, options={"newsletter": True}))
    assert fake_ghost.emails == [target.platform_post_id]
    (call,) = [c for c in fake_ghost.calls("POST", "/ghost/api/admin/posts/")
               if c.query.get("newsletter")]  # fmt: skip
    assert (call.query["newsletter"], call.query["email_segment"]) == ("default-newsletter", "all")
    request = MetricsRequest(key=1, platform_post_id=target.platform_post_id, access_token="",
                             credentials=profile.api_credentials)  # fmt: skip
    (metrics,) = get_provider("ghost").fetch_metrics([request])
    assert (metrics.reach, metrics.views) == (118, 64)


def test_manual_mode_makes_a_draft_and_follows_it(profile, fake_ghost):
    target = article(profile, mode="manual", options={"newsletter": True})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        assert PostTarget.objects.get(pk=target.pk).status == "sent_to_drafts"
        (draft,) = fake_ghost.posts.values()
        assert draft["status"] == "draft" and not fake_ghost.emails  # the editor sends it
        fake_ghost.editor_publishes(draft["id"])
        clock.shift(timedelta(minutes=30))
        dispatch_due()
    target.refresh_from_db()
    assert target.status == "published" and target.permalink == draft["url"]


def test_a_lost_answer_is_found_by_slug_not_posted_again(profile, fake_ghost):
    fake_ghost.drop(path="/ghost/api/admin/posts/", method="POST")
    target = settle(article(profile))
    assert target.status == "published" and len(fake_ghost.posts) == 1
    assert len(fake_ghost.calls("GET", "/ghost/api/admin/posts/slug/latte-season/")) == 2


def test_a_revoked_key_disconnects_and_holds_the_post(profile, fake_ghost):
    fake_ghost.revoke()
    target = settle(article(profile))
    profile.connection.refresh_from_db()
    assert (target.status, profile.connection.status) == ("pending", "disconnected")
    assert "paste a new one" in profile.connection.disconnected_reason


def test_a_stored_address_is_checked_again_before_publishing(profile, fake_ghost, settings):
    """Like webhooks: an address allowed at connect that may no longer be used (here: private
    addresses no longer allowed) is refused before any call carries the key there."""
    settings.CONNECT_ALLOW_PRIVATE = False
    before = len(fake_ghost.requests)
    target = settle(article(profile))
    assert (target.status, target.error_code) == ("failed", "unsafe_site_url")
    assert "a loopback address" in target.error_message
    assert len(fake_ghost.requests) == before
