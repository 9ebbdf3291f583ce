"""Facebook Pages end to end against the fake Graph API, and the Meta grant shared with Instagram."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection as db
from django.utils import timezone

from channels.models import ChannelConnection, Profile
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget, PublishEvent
from tests.factories import MediaFactory, PostFactory
from tests.fakes.server import Response
from tests.helpers import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(owner_client, account, fake_meta) -> Profile:
    response = connect(platform="facebook", account=account, client=owner_client)
    assert response.status_code == 302
    return Profile.objects.get(platform="facebook")


def publish(account, profile, post_type="feed", caption="Hello Facebook", media=(), link=""):
    post = PostFactory(account=account, post_type=post_type, caption=caption, link=link)
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    target = PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now()
    )
    dispatch_due()
    return PostTarget.objects.get(pk=target.pk)


def test_connect_stores_each_page_with_its_encrypted_page_token(page, fake_meta):
    assert (page.name, page.external_id) == ("Brand Page 1", "10001")
    assert page.access_token == "page-token-10001"
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM channels_profile WHERE id = %s", [page.pk])
        assert "page-token" not in cursor.fetchone()[0]
    assert "pages_manage_posts" in page.connection.scopes


def test_text_and_link_post(page, account, fake_meta):
    target = publish(account, page, caption="Read this", link="https://blog.example/post")
    assert target.status == "published", target.error_message
    post = fake_meta.fb_posts[target.platform_post_id]
    assert post["message"] == "Read this"
    assert post["link"].startswith("https://blog.example/post?utm_source=facebook")
    assert target.permalink == f"https://www.facebook.com/{target.platform_post_id}"


def test_single_photo(page, account, fake_meta):
    target = publish(account, page, media=[("image", "https://cdn.example.com/1.jpg")])
    assert target.status == "published"
    (photo,) = fake_meta.fb_photos.values()
    assert photo["published"] and photo["url"] == "https://cdn.example.com/1.jpg"


def test_multi_photo_post_attaches_unpublished_photos(page, account, fake_meta):
    media = [("image", f"https://cdn.example.com/{n}.jpg") for n in range(3)]
    target = publish(account, page, media=media)
    assert target.status == "published"
    post = fake_meta.fb_posts[target.platform_post_id]
    assert post["photos"] == target.platform_state["photos"]
    assert [fake_meta.fb_photos[p]["published"] for p in post["photos"]] == [False] * 3


def test_reel_is_polled_until_ready(page, account, fake_meta):
    fake_meta.video_processing_polls = 1
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        target = publish(account, page, post_type="reel", caption="Reel time",
                         media=[("video", "https://cdn.example.com/r.mp4")])  # fmt: skip
        assert (target.status, target.attempts) == ("publishing", 0)
        clock.shift(60)
        dispatch_due()
    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == "published"
    assert target.permalink.startswith("https://www.facebook.com/reel/")
    assert len(fake_meta.fb_videos) == 1


def test_lost_feed_answer_is_found_instead_of_posting_twice(page, account, fake_meta):
    fake_meta.hang(3, path="/10001/feed", method="POST")  # longer than the 2 s read timeout
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        target = publish(account, page, caption="Only once")
        assert target.status == "scheduled"
        clock.shift(61)
        dispatch_due()
    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == "published"
    assert len(fake_meta.fb_posts) == 1


def sign(payload: dict, secret: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + body


def test_meta_deauthorize_disconnects_facebook_and_instagram(
    owner_client, client, account, page, fake_meta
):
    connect(platform="instagram", account=account, client=owner_client)
    assert ChannelConnection.objects.filter(status="active").count() == 2
    target = PostTarget.objects.create(
        post=PostFactory(account=account), profile=page, status="scheduled",
        scheduled_at=timezone.now() + timedelta(hours=2),
    )  # fmt: skip

    forged = sign({"user_id": fake_meta.user_id, "algorithm": "HMAC-SHA256"}, "wrong-secret")
    response = client.post("/channels/meta/deauthorize/", {"signed_request": forged})
    assert response.status_code == 400
    assert ChannelConnection.objects.filter(status="active").count() == 2

    signed = sign({"user_id": fake_meta.user_id, "algorithm": "HMAC-SHA256",
                   "issued_at": 1}, fake_meta.client_secret)  # fmt: skip
    response = client.post("/channels/meta/deauthorize/", {"signed_request": signed})
    assert response.status_code == 200 and response.json()["disconnected"] == 2
    assert set(ChannelConnection.objects.values_list("status", flat=True)) == {"disconnected"}
    target.refresh_from_db()
    assert (target.status, target.error_code) == ("pending", "disconnected")
    assert PublishEvent.objects.filter(event="connection.disconnected").count() == 2


def test_token_error_on_instagram_disconnects_facebook_too_and_reconnect_restores_both(
    owner_client, account, page, fake_meta
):
    connect(platform="instagram", account=account, client=owner_client)
    ig = Profile.objects.get(platform="instagram")
    fb_target = PostTarget.objects.create(
        post=PostFactory(account=account), profile=page, status="scheduled",
        scheduled_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    fake_meta.expire_tokens()
    ig_target = publish(account, ig, media=[("image", "https://cdn.example.com/i.jpg")])
    assert (ig_target.status, ig_target.error_code) == ("pending", "190/463")
    assert set(ChannelConnection.objects.values_list("status", flat=True)) == {"disconnected"}
    assert PostTarget.objects.get(pk=fb_target.pk).status == "pending"
    page_html = owner_client.get(f"/a/{account.slug}/").content.decode()
    assert "Reconnect to release 1 post" in page_html

    fake_meta.revoked_pages = False
    connect(platform="instagram", account=account, client=owner_client)
    assert set(ChannelConnection.objects.values_list("status", flat=True)) == {"active"}
    assert PostTarget.objects.get(pk=fb_target.pk).status == "scheduled"
    assert PostTarget.objects.get(pk=ig_target.pk).status == "scheduled"
    dispatch_due()
    assert PostTarget.objects.get(pk=ig_target.pk).status == "published"


# Look before posting again (PLATFORMS.md §3): a feed or photo post is not idempotent, so after a
# lost answer the provider reads the Page's recent posts and never sends the post a second time.
LOST_ANSWER_CASES = [
    pytest.param("/10001/feed", (), id="text post"),
    pytest.param("/10001/photos", [("image", "https://cdn.example.com/1.jpg")], id="photo"),
]


@pytest.mark.parametrize(("path", "media"), LOST_ANSWER_CASES)
def test_a_lost_answer_is_looked_up_and_the_post_is_not_sent_twice(
    page, account, fake_meta, path, media
):
    fake_meta.drop(path=path, method="POST")  # Facebook posts it; the answer never arrives
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        target = publish(account, page, caption="Only once", media=media)

        # Settled in the same run: the lookup found the post.
        assert target.status == "published", target.error_message
        (post_id,) = fake_meta.fb_posts
        assert target.platform_post_id == post_id
        assert "shows the post" in target.audit.latest("pk").reason
        assert len(fake_meta.calls("GET", "/10001/feed")) == 1  # it looked

        clock.shift(3600)
        dispatch_due()
    assert len(fake_meta.calls("POST", path)) == 1
    assert len(fake_meta.fb_posts) == 1


@pytest.mark.parametrize(("path", "media"), LOST_ANSWER_CASES)
def test_the_next_try_after_a_lost_answer_looks_before_posting(
    page, account, fake_meta, path, media
):
    fake_meta.drop(path=path, method="POST")
    # The Page's recent posts do not show it yet when the lost answer is first checked.
    fake_meta.fail(Response(200, {"data": []}), path="/10001/feed", method="GET")
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        target = publish(account, page, caption="Only once", media=media)
        assert (target.status, target.attempts) == ("scheduled", 1)  # a normal retry

        clock.shift(61)
        dispatch_due()

    target = PostTarget.objects.get(pk=target.pk)
    (post_id,) = fake_meta.fb_posts
    assert (target.status, target.platform_post_id) == ("published", post_id)
    assert len(fake_meta.calls("POST", path)) == 1  # the retry found it instead of posting
    assert len(fake_meta.calls("GET", "/10001/feed")) == 2
