"""A lost answer never becomes a second post: a person settles an `unconfirmed` target."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget, PublishEvent
from tests.factories import (
    MediaFactory,
    MembershipFactory,
    ProfileFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUESTION = (
    "We could not confirm whether this went out on Instagram (Acme IG). "
    "Check the profile, then tell us:"
)


def wait_for(condition, seconds: float = 10.0) -> bool:
    """Wait for the fake server's thread to finish a call (not a stand-in for simulated time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def reload(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


@pytest.fixture
def profile(account, fake_instagram):
    fake_instagram.tokens.add("live-token")
    return ProfileFactory(
        connection__account=account,
        connection__access_token="live-token",
        external_id="1784140001",
        name="Acme IG",
    )


@pytest.fixture
def due(account, owner, profile):
    target = TargetFactory(post__account=account, post__created_by=owner, profile=profile)
    MediaFactory(post=target.post)
    return target


def make_unconfirmed(target, fake, *, went_out: bool) -> PostTarget:
    """Drive `target` through the dispatcher until Instagram cannot confirm it.

    The answer to media_publish is lost (it went out, or it failed before posting); the worker
    that retries dies mid-publish; and when its lease ends Instagram cannot answer the check.
    """
    if went_out:
        fake.hang(2.5, path="/media_publish")  # past the 2 s read timeout; Instagram still posts
    else:
        fake.fail_500(times=1, path="/media_publish")
    dispatch_due()
    assert wait_for(lambda: fake.in_flight == 0)
    assert fake.published_count() == (1 if went_out else 0)
    PostTarget.objects.filter(pk=target.pk).update(
        status="publishing",
        claim_token="dead-worker",
        claimed_at=timezone.now() - timedelta(minutes=30),
    )
    fake.fail_500(times=1)  # the reconcile check gets no answer either
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "unconfirmed"), target.error_message
    return target


@pytest.fixture
def unconfirmed(account, profile):
    """An unconfirmed target as the dispatcher leaves it, without the platform round trips."""
    return TargetFactory(
        post__account=account,
        profile=profile,
        status="failed",
        error_code="unconfirmed",
        error_message="The worker stopped mid-publish and Instagram could not confirm the post.",
    )


def settle_url(target) -> str:
    return f"/a/{target.post.account.slug}/targets/{target.pk}/settle/"


def member_client(account, role: str) -> Client:
    user = UserFactory(email=f"{role}@example.com")
    MembershipFactory(user=user, account=account, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_the_post_page_asks_whether_it_went_out(owner_client, account, due, fake_instagram):
    target = make_unconfirmed(due, fake_instagram, went_out=False)
    page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/")
    html = page.content.decode()
    assert QUESTION in html
    assert ">It was posted</button>" in html
    assert ">It was not posted — publish it now</button>" in html
    assert 'name="permalink"' in html
    assert html.count(f'action="{settle_url(target)}"') == 2
    assert html.count('name="csrfmiddlewaretoken"') >= 2


def test_it_was_posted_records_it_without_calling_the_platform(
    owner_client, account, due, fake_instagram
):
    target = make_unconfirmed(due, fake_instagram, went_out=True)
    calls = len(fake_instagram.requests)

    response = owner_client.post(
        settle_url(target),
        {"posted": "yes", "permalink": " https://www.instagram.com/p/abc/ "},
        follow=True,
    )
    assert "Recorded as posted on Instagram (Acme IG); nothing was sent again." in (
        response.content.decode()
    )
    target = reload(target)
    assert (target.status, target.permalink) == ("published", "https://www.instagram.com/p/abc/")
    assert target.published_at is not None
    assert (target.error_code, target.error_message) == ("", "")
    entry = target.audit.order_by("pk").last()
    assert (entry.from_status, entry.to_status) == ("failed", "published")
    assert (entry.reason, entry.actor_label) == (
        "a person confirmed it was posted",
        "owner@example.com",
    )
    event = PublishEvent.objects.get(target=target, event="target.published")
    assert event.payload["permalink"] == "https://www.instagram.com/p/abc/"

    dispatch_due()  # and the dispatcher leaves it alone
    assert len(fake_instagram.requests) == calls  # nothing was sent to Instagram
    assert fake_instagram.published_count() == 1
    assert reload(target).status == "published"


def test_it_was_posted_refuses_a_link_that_is_not_https(owner_client, unconfirmed):
    response = owner_client.post(
        settle_url(unconfirmed), {"posted": "yes", "permalink": "javascript:alert(1)"}, follow=True
    )
    assert "permalink: paste the post&#x27;s https:// link" in response.content.decode()
    assert reload(unconfirmed).status == "failed"
    assert not PublishEvent.objects.filter(target=unconfirmed).exists()


def test_it_was_not_posted_publishes_it_exactly_once(owner_client, account, due, fake_instagram):
    target = make_unconfirmed(due, fake_instagram, went_out=False)

    response = owner_client.post(settle_url(target), {"posted": "no"}, follow=True)
    assert "Publishing it on Instagram (Acme IG) now." in response.content.decode()
    target = reload(target)
    assert (target.status, target.attempts, target.error_code) == ("scheduled", 0, "")
    assert target.audit.order_by("pk").last().reason == (
        "a person confirmed it was not posted; publishing again"
    )

    assert dispatch_due().published == 1
    assert dispatch_due().claimed == 0
    assert reload(target).status == "published"
    assert fake_instagram.published_count() == 1
    assert len(fake_instagram.media) == 1


def test_unconfirmed_rows_cannot_be_retried_blindly(owner_client, account, profile, unconfirmed):
    plain = TargetFactory(post__account=account, profile=profile, status="failed", error_code="x")
    queue = owner_client.get(f"/a/{account.slug}/queue/").content.decode()
    assert f'name="retry_one" value="{plain.pk}"' in queue
    assert f'name="retry_one" value="{unconfirmed.pk}"' not in queue
    assert f'/posts/{unconfirmed.post_id}/#settle-{unconfirmed.pk}"' in queue

    for form in ({"retry_one": unconfirmed.pk}, {"target": unconfirmed.pk, "action": "retry"}):
        response = owner_client.post(f"/a/{account.slug}/queue/", form, follow=True)
        assert (
            f"Post {unconfirmed.post_id} on Instagram · Acme IG was skipped: we could not "
            "confirm whether it went out, so it cannot be retried blindly: check Acme IG, then"
        ) in response.content.decode()
        assert reload(unconfirmed).status == "failed"


def test_the_api_refuses_to_retry_or_reschedule_an_unconfirmed_target(api, unconfirmed):
    retry = api.post(f"/targets/{unconfirmed.pk}/retry")
    assert retry.status_code == 409
    assert (
        "could not confirm whether this went out on Instagram (Acme IG)" in (retry.json()["detail"])
    )
    assert f"/api/v1/targets/{unconfirmed.pk}/settle" in retry.json()["detail"]
    later = (timezone.now() + timedelta(days=1)).isoformat()
    moved = api.post(f"/targets/{unconfirmed.pk}/reschedule", {"scheduled_at": later})
    assert moved.status_code == 409
    assert reload(unconfirmed).status == "failed"


def test_only_people_who_manage_posts_settle(account, unconfirmed, outsider_client):
    assert outsider_client.post(settle_url(unconfirmed), {"posted": "no"}).status_code == 404
    reviewer = member_client(account, "reviewer")
    assert reviewer.post(settle_url(unconfirmed), {"posted": "no"}).status_code == 403
    assert reviewer.get(settle_url(unconfirmed)).status_code == 405  # POST only
    assert reload(unconfirmed).status == "failed"

    marketer = member_client(account, "marketer")
    response = marketer.post(settle_url(unconfirmed), {"posted": "no"})
    assert response.status_code == 302
    assert response["Location"] == f"/a/{account.slug}/posts/{unconfirmed.post_id}/"
    assert reload(unconfirmed).status == "scheduled"


def test_api_settles_both_ways(api, account, profile, unconfirmed):
    posted = api.post(
        f"/targets/{unconfirmed.pk}/settle",
        {"posted": True, "permalink": "https://www.instagram.com/p/xyz/"},
    )
    assert posted.status_code == 200, posted.json()
    body = posted.json()
    assert (body["status"], body["permalink"], body["error_code"]) == (
        "published",
        "https://www.instagram.com/p/xyz/",
        "",
    )
    assert PublishEvent.objects.filter(target=unconfirmed, event="target.published").count() == 1
    again = api.post(f"/targets/{unconfirmed.pk}/settle", {"posted": False})
    assert again.status_code == 409
    assert "could not be confirmed" in again.json()["detail"]

    other = TargetFactory(
        post__account=account, profile=profile, status="failed", error_code="unconfirmed"
    )
    body = api.post(f"/targets/{other.pk}/settle", {"posted": False}).json()
    assert (body["status"], body["attempts"], body["error_code"]) == ("scheduled", 0, "")


def test_api_settle_refuses_bad_input_and_other_callers(api, account, unconfirmed):
    url = f"/targets/{unconfirmed.pk}/settle"
    assert api.post(url, {}).status_code == 422  # the choice is required
    assert api.post(url, {"posted": "no"}).status_code == 422  # true or false, nothing else
    insecure = api.post(url, {"posted": True, "permalink": "http://www.instagram.com/p/x/"})
    assert insecure.status_code == 400 and "permalink" in insecure.json()["detail"]
    assert api.post("/targets/0/settle", {"posted": True}).status_code == 422
    elsewhere = TargetFactory(status="failed", error_code="unconfirmed")  # another account
    assert api.post(f"/targets/{elsewhere.pk}/settle", {"posted": True}).status_code == 404

    reviewer = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role='reviewer')[1]}"
    )
    denied = reviewer.post(f"/api/v1{url}", {"posted": True}, content_type="application/json")
    assert denied.status_code == 403
    assert reload(unconfirmed).status == "failed"
    assert reload(elsewhere).status == "failed"
