"""TikTok posts end with the real video id, however late it arrives, and say what TikTok is doing
meanwhile (issue 12, items 1 and 4)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from analytics.models import MetricCollection, MetricSnapshot
from analytics.services import metrics_collect
from channels.models import Profile
from publishing.dispatch import dispatch_due, targets_follow_ids, targets_reconcile_stuck
from publishing.models import PublishEvent
from tests.channels.providers.test_tiktok import make_target, reload
from tests.helpers import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(owner_client, account, fake_tiktok) -> Profile:
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform="tiktok")
    profile.extra = {**profile.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
    profile.save()
    return profile


def published_events(target) -> int:
    return PublishEvent.objects.filter(target=target, event="target.published").count()


def follow_until_the_id(clock, target, owner_client, account, tick=None):
    """Published at once, then the id after three more status checks at 30 s, 1 min, 2 min."""
    target = reload(target)
    assert (target.status, target.platform_post_id, target.permalink) == ("published", "", "")
    assert target.status_label == "Published — waiting for TikTok's video id"
    assert target.publish_id and not MetricCollection.objects.filter(target=target).exists()
    assert published_events(target) == 0  # fires once, with the id
    page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/").content.decode()
    assert "Published — waiting for TikTok&#x27;s video id" in page
    for wait in (30, 60):
        clock.shift(wait)
        assert tick() if tick else targets_follow_ids() == 1
        assert reload(target).platform_post_id == ""
    assert tick() if tick else targets_follow_ids() == 0  # the next check is 2 minutes out
    clock.shift(120)
    tick() if tick else targets_follow_ids()
    target = reload(target)
    assert target.platform_post_id.startswith("73") and target.status_label == "Published"
    assert target.permalink == f"https://www.tiktok.com/@brandtok/video/{target.platform_post_id}"
    assert published_events(target) == 1
    return target


def test_a_video_gets_its_id_and_metrics_after_publish_complete(
    creator, account, fake_tiktok, owner_client, api_token
):
    fake_tiktok.id_delay_polls = 3
    target = make_target(account, creator, mode="automatic")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
        body = api.get(f"/api/v1/posts/{target.post_id}").json()["targets"][0]
        assert body["status"] == "published" and body["platform_post_id"] == ""
        assert body["publish_id"] == reload(target).publish_id != ""
        assert body["status_detail"] == "Published — waiting for TikTok's video id"

        target = follow_until_the_id(clock, target, owner_client, account)
        arrived = timezone.now()
        due = dict(MetricCollection.objects.filter(target=target).values_list("window", "due_at"))
        assert due["1h"] == arrived + timedelta(hours=1)  # measured from the id, not the post
        clock.shift(3601)
        assert metrics_collect().collected == 1
        assert MetricSnapshot.objects.get(target=target, window="1h").views is not None
        body = api.get(f"/api/v1/posts/{target.post_id}").json()["targets"][0]
        assert body["platform_post_id"] == target.platform_post_id != body["publish_id"]


def test_a_draft_the_creator_posts_gets_its_id(creator, account, fake_tiktok, owner_client):
    fake_tiktok.id_delay_polls = 3
    target = make_target(account, creator, mode="manual")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        assert reload(target).status == "sent_to_drafts"
        fake_tiktok.user_posts_draft(reload(target).publish_id)
        clock.shift(timedelta(minutes=15))
        dispatch_due()
        follow_until_the_id(clock, target, owner_client, account)


def test_a_photo_post_gets_its_id(creator, account, fake_tiktok, owner_client):
    fake_tiktok.id_delay_polls = 3
    images = [("image", f"https://cdn.example.com/{n}.jpg") for n in range(2)]
    target = make_target(account, creator, post_type="photo_slideshow", media=images,
                         mode="automatic", title="Two looks")  # fmt: skip
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        # The dispatcher's every-minute run does the following.
        follow_until_the_id(clock, target, owner_client, account, tick=lambda: dispatch_due() or 1)


def test_a_private_post_is_published_without_a_link_and_says_why(
    creator, account, fake_tiktok, owner_client
):
    creator.extra = {**creator.extra, "privacy_level": "SELF_ONLY"}
    creator.save()
    target = make_target(account, creator, mode="automatic")
    dispatch_due()
    target = reload(target)
    assert (target.status, target.platform_post_id, target.permalink) == ("published", "", "")
    assert target.next_attempt_at is None and target.status_label == "Published"
    assert "gives it no public link" in target.status_note
    assert published_events(target) == 1
    page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/").content.decode()
    assert "gives it no public link" in page


def test_following_stops_after_72_hours_without_an_id(creator, account, fake_tiktok):
    fake_tiktok.id_delay_polls = 10**6
    target = make_target(account, creator, mode="automatic")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        started = reload(target).published_at
        waits = []
        for _ in range(8):
            due = reload(target).next_attempt_at
            waits.append(due - timezone.now())
            clock.move_to(due)
            targets_follow_ids()
        assert [int(w.total_seconds()) for w in waits] == [30, 60, 120, 300, 600, 1800, 3600, 3600]
        clock.move_to(started + timedelta(hours=72))
        targets_follow_ids()
    target = reload(target)
    assert target.next_attempt_at is None and target.status_label == "Published"
    assert "no public video id within 72 hours" in target.status_note
    assert published_events(target) == 1


def test_while_tiktok_processes_the_target_is_publishing(
    creator, account, fake_tiktok, owner_client, settings
):
    fake_tiktok.processing_polls = 2
    target = make_target(account, creator, mode="automatic")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        target = reload(target)
        assert (target.status, target.status_label) == ("publishing", "TikTok is processing")
        queue = owner_client.get(f"/a/{account.slug}/queue/").content.decode()
        assert "TikTok is processing" in queue
        # Processing is not a lost worker, however long the dispatcher is away.
        clock.shift(settings.PUBLISH_LEASE_SECONDS * 3)
        assert targets_reconcile_stuck() == 0
        dispatch_due()
        assert reload(target).status == "publishing"
        clock.shift(30)
        dispatch_due()
    target = reload(target)
    assert target.status == "published" and target.platform_post_id
    assert len(fake_tiktok.publishes) == 1  # one init, polled; never re-initialised
    assert target.audit.filter(to_status="publishing").count() == 1
