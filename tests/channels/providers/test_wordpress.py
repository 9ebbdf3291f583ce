"""WordPress: what the contract does not cover — the server that strips the Authorization header,
a Contributor, articles (Markdown, images uploaded once, tags, UTM), drafts, slugs, metrics."""

import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analytics.services import metrics_collect
from channels.models import Profile
from channels.providers import get_provider
from channels.providers.article import body_html
from channels.providers.base import MetricsRequest
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory
from tests.fakes.server import Response
from tests.media_files import image_bytes

pytestmark = pytest.mark.django_db

BODY = """Intro with a [link](https://shop.example.com/beans).

![Roaster at work](https://cdn.example.com/inline.png)

<script>alert("x")</script>
"""


def connect(api, fake, **changes):
    values = {"site_url": fake.url, "username": fake.username,
              "application_password": fake.password, **changes}  # fmt: skip
    return api.post("/connections/wordpress/credentials", values)


@pytest.fixture
def profile(api, fake_wordpress, settings, tmp_path) -> Profile:
    settings.MEDIA_ROOT = tmp_path
    assert connect(api, fake_wordpress).status_code == 200
    return Profile.objects.get(platform="wordpress")


def article(profile, *, mode="automatic", title="Fresh roast", caption=BODY, options=None):
    post = PostFactory(account=profile.account, post_type="article", title=title,
                       caption=caption, options=options or {})  # fmt: skip
    MediaFactory(post=post, kind="image", url="https://cdn.example.com/cover.png", position=0)
    return PostTarget.objects.create(post=post, profile=profile, status="scheduled",
                                     scheduled_at=timezone.now(), posting_mode=mode)  # fmt: skip


def test_a_stripped_authorization_header_says_what_to_fix_on_the_server(api, fake_wordpress):
    fake_wordpress.strip_authorization = True
    refused = connect(api, fake_wordpress)
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "never received the Authorization header" in detail and "CGIPassAuth On" in detail
    assert ".htaccess" in detail
    (call,) = fake_wordpress.calls("GET", "/wp-json/wp/v2/users/me")
    assert call.headers["authorization"].startswith("Basic ")  # we did send it


def test_a_wrong_password_is_refused_in_words(api, fake_wordpress):
    refused = connect(api, fake_wordpress, application_password="wrong pass word")
    assert refused.status_code == 400
    assert "the key was revoked or is wrong — paste a new one" in refused.json()["detail"]


def test_plain_http_to_a_public_site_is_refused_before_any_call(api, fake_wordpress, settings):
    refused = connect(api, fake_wordpress, site_url="http://8.8.8.8/")
    assert "must start with https://" in refused.json()["detail"]["site_url"][0]
    assert not fake_wordpress.calls("GET", "/wp-json/wp/v2/users/me")


def test_connect_stores_the_site_without_expiry(profile, owner_client, account):
    connection = profile.connection
    assert connection.renewable_until is None and connection.health == "active"
    assert profile.posting_mode == "automatic"  # a scheduled article goes live; drafts by choice
    assert profile.name == "Acme Journal" and profile.username == "editor"
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "no expiry" in page and "Expiring soon" not in page


def test_a_markdown_article_uploads_its_images_once_and_links_them(profile, fake_wordpress):
    target = settle(article(profile, options={"tags": ["Coffee", "News"], "excerpt": "Short."}))
    assert target.status == "published", target.error_message
    (post,) = fake_wordpress.published()
    assert target.permalink == post["link"] and target.platform_post_id == str(post["id"])
    assert post["slug"] == "fresh-roast" and post["excerpt"]["raw"] == "Short."
    html = post["content"]["raw"]
    assert "<script" not in html and "<h" not in html  # sanitised
    media = sorted(fake_wordpress.media.values(), key=lambda m: m["id"])
    assert len(media) == 2  # the inline image and the featured one, each once
    assert media[0]["source_url"] in html and "cdn.example.com" not in html
    assert post["featured_media"] == media[1]["id"]
    tags = {v: k for k, v in fake_wordpress.terms["tags"].items()}
    assert post["tags"] == [tags["Coffee"], tags["News"]]


def test_outbound_links_carry_utm_tags(profile, fake_wordpress):
    account = profile.account
    account.utm_enabled = True
    account.save()
    target = settle(article(profile))
    html = fake_wordpress.published()[0]["content"]["raw"]
    assert "https://shop.example.com/beans?utm_source=wordpress" in html
    assert f"utm_content={target.pk}" in html
    assert "utm_" not in fake_wordpress.media[min(fake_wordpress.media)]["source_url"]


def test_a_retry_never_uploads_an_image_twice(profile, fake_wordpress):
    fake_wordpress.fail_500(path="/wp-json/wp/v2/tags")  # after the uploads, before the post
    target = settle(article(profile, options={"tags": ["Coffee"]}))
    assert target.status == "published" and target.attempts == 2
    assert len(fake_wordpress.media) == 2 and len(fake_wordpress.published()) == 1


def test_an_existing_tag_found_by_term_exists_is_used(profile, fake_wordpress):
    fake_wordpress.terms["tags"][55] = "Coffee"
    fake_wordpress.fail(
        Response(200, []),
        path="/wp-json/wp/v2/tags",
        method="GET",
    )  # the search misses it (a term created meanwhile)
    target = settle(article(profile, options={"tags": ["Coffee"]}))
    assert target.status == "published", target.error_message
    assert fake_wordpress.published()[0]["tags"] == [55]
    assert fake_wordpress.terms["tags"] == {55: "Coffee"}


def test_a_contributor_cannot_publish_and_is_told_what_to_change(profile, fake_wordpress):
    fake_wordpress.role = "contributor"
    target = article(profile, caption="No images here.")
    target.post.media.all().delete()
    target = settle(target)
    assert (target.status, target.error_code) == ("failed", "rest_cannot_publish")
    assert "Author or Editor role" in target.error_message
    assert "manual mode" in target.error_message
    # As the message says: in manual mode the article arrives as a draft for an editor.
    drafted = article(profile, mode="manual", caption="No images here.", title="Second try")
    drafted.post.media.all().delete()
    assert settle(drafted).status == "sent_to_drafts"
    assert [p["status"] for p in fake_wordpress.posts.values()] == ["draft"]


def test_a_contributor_cannot_upload_images_either(profile, fake_wordpress):
    fake_wordpress.role = "contributor"
    target = settle(article(profile))
    assert (target.status, target.error_code) == ("failed", "rest_cannot_create")
    assert "Author or Editor role" in target.error_message


def test_a_taken_slug_gets_the_next_one_so_the_lookup_finds_ours(profile, fake_wordpress):
    fake_wordpress.posts[1] = {"id": 1, "slug": "fresh-roast", "status": "publish", "link": "x"}
    target = settle(article(profile))
    assert target.status == "published"
    assert target.platform_state["slug"] == "fresh-roast-2"
    assert fake_wordpress.posts[int(target.platform_post_id)]["slug"] == "fresh-roast-2"


def test_a_lost_answer_is_found_by_slug_not_posted_again(profile, fake_wordpress):
    fake_wordpress.drop(path="/wp-json/wp/v2/posts", method="POST")
    target = settle(article(profile))
    assert target.status == "published", target.error_message
    assert len(fake_wordpress.posts) == 1
    lookups = [c for c in fake_wordpress.calls("GET", "/wp-json/wp/v2/posts")
               if c.query.get("slug") == "fresh-roast"]  # fmt: skip
    assert len(lookups) == 2  # before the first create, and after the lost answer
    assert lookups[-1].query["status"] == "any"


def test_manual_mode_makes_a_draft_and_follows_it_until_published(profile, fake_wordpress):
    target = article(profile, mode="manual")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        target.refresh_from_db()
        assert target.status == "sent_to_drafts"
        (draft,) = fake_wordpress.posts.values()
        assert draft["status"] == "draft"
        clock.shift(timezone.timedelta(minutes=30))
        dispatch_due()
        assert PostTarget.objects.get(pk=target.pk).status == "sent_to_drafts"
        fake_wordpress.editor_publishes(draft["id"])
        clock.shift(timezone.timedelta(minutes=30))
        dispatch_due()
    target.refresh_from_db()
    assert target.status == "published" and target.permalink == draft["link"]


def test_a_revoked_password_disconnects_and_holds_the_post(profile, fake_wordpress):
    fake_wordpress.revoke()
    target = settle(article(profile))
    profile.connection.refresh_from_db()
    assert (target.status, profile.connection.status) == ("pending", "disconnected")
    assert "the key was revoked or is wrong — paste a new one" in (
        profile.connection.disconnected_reason
    )


def test_metrics_count_comments_and_jetpack_views(profile, fake_wordpress):
    target = settle(article(profile))
    post_id = int(target.platform_post_id)
    fake_wordpress.comments[post_id], fake_wordpress.views[post_id] = 3, 250
    provider = get_provider("wordpress")
    request = MetricsRequest(key=1, platform_post_id=str(post_id), access_token="",
                             credentials=profile.api_credentials)  # fmt: skip
    (metrics,) = provider.fetch_metrics([request])
    assert (metrics.comments, metrics.views) == (3, 250)
    fake_wordpress.jetpack = False
    (metrics,) = provider.fetch_metrics([request])
    assert (metrics.comments, metrics.views) == (3, None)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        assert metrics_collect().collected >= 1


def test_pasted_html_is_sanitised_and_markdown_rendered():
    assert body_html("# Hi\n\n*there*") == "<h1>Hi</h1>\n<p><em>there</em></p>"
    pasted = '<p onclick="x()">Hi <a href="javascript:alert(1)">x</a></p><script>1</script>'
    assert body_html(pasted) == '<p>Hi <a rel="noopener noreferrer">x</a></p>'
    assert body_html("<b>raw</b> text", "markdown") == "<p><b>raw</b> text</p>"


def test_a_create_that_hangs_past_the_timeout_and_lands_later_is_not_posted_twice(
    profile, fake_wordpress, settings
):
    """The create times out here but WordPress finishes it later: the retry looks up the slug
    before creating again."""
    settings.PLATFORM_HTTP_TIMEOUT = (2, 0.3)
    fake_wordpress.hang(1.0, path="/wp-json/wp/v2/posts", method="POST")
    target = article(profile)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        first = PostTarget.objects.get(pk=target.pk)
        assert first.status == "scheduled" and first.error_code == "timeout"
        deadline = time.monotonic() + 5
        while not fake_wordpress.posts and time.monotonic() < deadline:
            time.sleep(0.05)  # the hung request completes on the fake meanwhile (a real thread)
        clock.shift(timezone.timedelta(minutes=2))
        dispatch_due()
    target.refresh_from_db()
    assert target.status == "published", target.error_message
    assert len(fake_wordpress.posts) == 1


def test_a_site_url_without_wordpress_says_so(api, fake_wordpress):
    refused = connect(api, fake_wordpress, site_url=fake_wordpress.url + "/shop")
    assert "No WordPress REST API answers at" in refused.json()["detail"]
    assert "/shop/wp-json/" in refused.json()["detail"]


def test_a_library_image_is_sent_from_storage_with_its_alt_text(profile, fake_wordpress, api):
    upload = SimpleUploadedFile("beans.jpg", image_bytes(), content_type="image/jpeg")
    asset = api.client.post("/api/v1/media", {"file": upload, "alt_text": "A bag of beans"})
    assert asset.status_code == 201, asset.content
    created = api.post("/posts", {
        "caption": "Fresh beans.", "title": "Beans", "post_type": "article",
        "media": [{"asset_id": asset.json()["id"]}], "targets": [profile.pk],
        "scheduled_at": "2026-01-01T09:00:00+00:00", "posting_mode": "automatic",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    dispatch_due()
    (media,) = fake_wordpress.media.values()
    assert media["alt_text"] == "A bag of beans" and media["bytes"] == len(image_bytes())
    assert media["mime_type"] == "image/jpeg" and media["source_url"].endswith(".jpg")
    assert not fake_wordpress.calls("GET", "/images/")  # read from storage, not fetched
    assert fake_wordpress.published()[0]["featured_media"] == media["id"]
