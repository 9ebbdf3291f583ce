"""Blogs end to end against each CMS's fake: Settings → Integrations → CMS, a credentials
connect through the API, a Markdown article with a featured and an inline image posted through
the API and published by `process_due`, and a worker killed right after the create call
leaving one article, not two."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from channels.providers import PROVIDERS
from channels.providers.base import ClaimLost
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.helpers import connect

pytestmark = pytest.mark.django_db

BODY = """Our **autumn** roast is here. Read [the tasting notes](https://shop.example.com/notes).

![The roaster at work](https://cdn.example.com/roaster.png)

- Dark chocolate
- Cherry
"""


def wordpress(fake):
    return {"site_url": fake.url, "username": fake.username,
            "application_password": fake.password}  # fmt: skip


def ghost(fake):
    return {"admin_url": fake.url, "admin_api_key": fake.admin_api_key}


def webflow(fake):
    return {"site_token": fake.token, "collection_id": "col-blog"}


def wordpress_article(fake) -> tuple[str, str, str]:
    """(the published article's HTML, its featured image URL, its permalink) on the CMS."""
    (post,) = fake.published()
    featured = fake.media[post["featured_media"]]["source_url"]
    return post["content"]["raw"], featured, post["link"]


def ghost_article(fake):
    (post,) = fake.published()
    return post["html"], post["feature_image"], post["url"]


def webflow_article(fake):
    (item,) = fake.published()
    data = item["fieldData"]
    return data["post-body"], data["main-image"]["url"], "/blog/" + data["slug"]


def uploaded(fake) -> list[str]:
    """The URLs of the images the CMS received, in order."""
    if hasattr(fake, "media"):
        return [m["source_url"] for m in sorted(fake.media.values(), key=lambda m: m["id"])]
    if hasattr(fake, "images"):
        return [i["url"] for i in fake.images]
    return [a["hostedUrl"] for a in fake.assets]


BLOGS = {
    "wordpress": ("fake_wordpress", wordpress, wordpress_article),
    "ghost": ("fake_ghost", ghost, ghost_article),
    "webflow": ("fake_webflow", webflow, webflow_article),
}


@pytest.fixture(params=list(BLOGS))
def blog(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fixture, values, read = BLOGS[request.param]
    return request.param, request.getfixturevalue(fixture), values, read


def test_settings_lead_to_the_cms_connect_forms(owner_client, account):
    page = owner_client.get(f"/a/{account.slug}/settings/").content.decode()
    assert "Integrations" in page and "CMS" in page
    for slug, cls in PROVIDERS.items():
        if cls.auth == "credentials":
            assert f"/a/{account.slug}/channels/#connect-{slug}" in page
            assert f"Connect {cls.name}" in page
    channels = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert 'id="connect-wordpress"' in channels


def test_a_markdown_article_with_images_is_published(blog, api, account, owner_client):
    platform, fake, values, read = blog
    connected = api.post(f"/connections/{platform}/credentials", values(fake))
    assert connected.status_code == 200, connected.content
    profile_id = connected.json()["profiles"][0]["id"]
    settings_page = owner_client.get(f"/a/{account.slug}/settings/").content.decode()
    assert "connected" in settings_page

    created = api.post("/posts", {
        "caption": BODY, "title": "Autumn roast", "post_type": "article",
        "media": [{"url": "https://cdn.example.com/cover.png", "kind": "image"}],
        "targets": [profile_id], "scheduled_at": "2026-01-01T09:00:00+00:00",
        "posting_mode": "automatic",
        "versions": {platform: {"options": {"excerpt": "Dark chocolate and cherry.",
                                            "tags": ["Coffee"]}}},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    post = created.json()

    out = StringIO()
    call_command("process_due", stdout=out)
    assert "published 1" in out.getvalue()

    target = api.get(f"/posts/{post['id']}").json()["targets"][0]
    assert target["status"] == "published", target["error_message"]
    html, featured, permalink = read(fake)
    inline, cover = uploaded(fake)  # the inline image first, then the featured one: once each
    assert "<strong>autumn</strong>" in html and "<li>Cherry</li>" in html
    assert inline in html and "cdn.example.com" not in html
    assert featured == cover
    assert target["permalink"].endswith(permalink)


def test_a_worker_killed_after_the_create_call_leaves_one_article(blog, api, monkeypatch):
    platform, fake, values, read = blog
    connected = api.post(f"/connections/{platform}/credentials", values(fake))
    profile_id = connected.json()["profiles"][0]["id"]
    provider = PROVIDERS[platform]
    real_create = provider.create_post

    def create_then_die(self, request, article, *, draft):
        real_create(self, request, article, draft=draft)  # the CMS has it now
        raise ClaimLost("the worker was killed")  # …and nothing after this ran

    monkeypatch.setattr(provider, "create_post", create_then_die)
    created = api.post("/posts", {
        "caption": BODY, "title": "Killed worker", "post_type": "article",
        "media": [{"url": "https://cdn.example.com/cover.png", "kind": "image"}],
        "targets": [profile_id], "scheduled_at": "2026-01-01T09:00:00+00:00",
        "posting_mode": "automatic",
    })  # fmt: skip
    target_id = created.json()["targets"][0]["id"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        assert PostTarget.objects.get(pk=target_id).status == "publishing"  # left behind
        monkeypatch.setattr(provider, "create_post", real_create)
        for _ in range(3):  # past the lease: reconciled by slug, then settled
            clock.shift(timedelta(minutes=15))
            dispatch_due()
    target = PostTarget.objects.get(pk=target_id)
    assert target.status == "published", target.error_message
    assert len(fake.published()) == 1
    html, _, permalink = read(fake)
    assert target.permalink.endswith(permalink) and target.platform_state["slug"] == "killed-worker"


def test_a_blog_channel_reconnects_through_its_form(blog, api, owner_client, account):
    platform, fake, values, _ = blog
    api.post(f"/connections/{platform}/credentials", values(fake))
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert f'href="#connect-{platform}">Reconnect</a>' in page
    assert f"/channels/connect/{platform}/" not in page  # no OAuth sign-in for a blog
    assert "no expiry" in page


def test_the_composer_offers_each_blogs_article_fields(
    api, owner_client, account, fake_wordpress, fake_ghost, fake_webflow
):
    for platform, fake, values in (("wordpress", fake_wordpress, wordpress(fake_wordpress)),
                                   ("ghost", fake_ghost, ghost(fake_ghost)),
                                   ("webflow", fake_webflow, webflow(fake_webflow))):  # fmt: skip
        assert api.post(f"/connections/{platform}/credentials", values).status_code == 200
    page = owner_client.get(f"/a/{account.slug}/posts/new/")
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Body format", "Excerpt", "Slug", "Featured image", "Categories", "SEO title",
                  "Who can read it", "Also email it to newsletter subscribers"):  # fmt: skip
        assert label in html, label
    assert "Collection field for" not in html  # a profile setting, never per post


def test_a_social_post_waits_for_the_article_and_links_to_it(
    api, account, owner_client, fake_wordpress, fake_instagram, settings, tmp_path
):
    """Blog then social (publishing/articles.py) with a real blog: the Instagram post goes
    out after the WordPress article is live, its caption carrying the article's link."""
    settings.MEDIA_ROOT = tmp_path
    blog = api.post("/connections/wordpress/credentials", wordpress(fake_wordpress))
    blog_id = blog.json()["profiles"][0]["id"]
    assert connect(platform="instagram", account=account, client=owner_client).status_code == 302
    social_id = next(p["id"] for p in api.get("/profiles").json() if p["platform"] == "instagram")
    created = api.post("/posts", {
        "caption": "Our autumn roast is out: {article_url}", "post_type": "feed",
        "media": [{"url": "https://cdn.example.com/cover.png", "kind": "image"}],
        "targets": [blog_id, social_id], "scheduled_at": "2026-01-01T09:00:00+00:00",
        "posting_mode": "automatic",
        "versions": {"wordpress": {"caption": BODY, "title": "Autumn roast",
                                   "post_type": "article"}},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            dispatch_due()
            clock.shift(timedelta(minutes=2))
    targets = {
        t["platform"]: t for t in api.get(f"/posts/{created.json()['id']}").json()["targets"]
    }
    assert targets["wordpress"]["status"] == "published", targets["wordpress"]["error_message"]
    assert targets["instagram"]["status"] == "published", targets["instagram"]["error_message"]
    link = fake_wordpress.published()[0]["link"]
    media = fake_instagram.media[targets["instagram"]["platform_post_id"]]
    assert media.caption.startswith(f"Our autumn roast is out: {link}?utm_source=instagram&")
