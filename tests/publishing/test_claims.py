"""A publish is settled only by the worker holding its claim, and a long publish keeps its claim
(issue 11, item 13)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection as db
from django.utils import timezone

from channels.models import Profile
from publishing.dispatch import claims_take, target_publish, targets_reconcile_stuck
from publishing.models import PostMedia, PostTarget
from tests.channels.providers.test_tiktok import make_target, reload
from tests.helpers import connect

MB = 1024 * 1024


@pytest.fixture
def creator(owner_client, account, fake_tiktok) -> Profile:
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform="tiktok")
    profile.extra = {**profile.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}  # Direct Post needs it
    profile.save(update_fields=["extra"])
    return profile


def hosted_video_target(account, creator, settings, tmp_path) -> PostTarget:
    settings.MEDIA_ROOT = tmp_path
    target = make_target(account, creator, mode="automatic", media=())
    media = PostMedia(post=target.post, kind="video", mime_type="video/mp4")
    media.file.save("clip.mp4", ContentFile(b"\0" * (25 * MB)), save=True)
    return target


@pytest.mark.django_db
def test_a_redelivered_task_cannot_publish_a_target_claimed_again(creator, account, fake_tiktok):
    target = make_target(account, creator, mode="automatic")
    old_token, ids = claims_take()
    assert ids == [target.pk]
    # The first worker was lost; the lease ran out, the target was settled and claimed again.
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert targets_reconcile_stuck() == 1
        assert reload(target).status == "scheduled"
        new_token, ids = claims_take()
    assert ids == [target.pk] and new_token != old_token

    # The first task is delivered again: it must not publish the target claimed by another.
    assert target_publish(target_id=target.pk, claim_token=old_token) == "publishing"
    assert fake_tiktok.publishes == {}
    assert target_publish(target_id=target.pk, claim_token=new_token) == "published"
    assert len(fake_tiktok.publishes) == 1


@pytest.mark.django_db
def test_the_task_with_the_live_claim_publishes(creator, account, fake_tiktok):
    target = make_target(account, creator, mode="automatic")
    token, _ = claims_take()
    assert target_publish(target_id=target.pk, claim_token=token) == "published"
    assert len(fake_tiktok.publishes) == 1


@pytest.mark.django_db
def test_a_publish_longer_than_the_lease_renews_it(
    creator, account, fake_tiktok, settings, tmp_path
):
    target = hosted_video_target(account, creator, settings, tmp_path)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        started = timezone.now()
        handle = fake_tiktok.handle

        def slow_upload(request):  # each 10 MB chunk takes 8 minutes of a 10-minute lease
            if request.method == "PUT":
                clock.shift(timedelta(minutes=8))
            return handle(request)

        fake_tiktok.handle = slow_upload
        token, _ = claims_take()
        assert target_publish(target_id=target.pk, claim_token=token) == "published"
        # The claim was renewed along the way, so no dispatcher took it for a lost worker.
        assert reload(target).claimed_at >= started + timedelta(minutes=8)
        assert targets_reconcile_stuck() == 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_claim_was_taken_stops_before_posting(
    creator, account, fake_tiktok, settings, tmp_path
):
    target = hosted_video_target(account, creator, settings, tmp_path)
    handle = fake_tiktok.handle

    def taken_over(request):  # meanwhile another dispatcher claims the target afresh
        if request.method == "PUT":
            PostTarget.objects.filter(pk=target.pk).update(claim_token="another-worker")
            db.close()  # this runs in the fake server's thread
        return handle(request)

    fake_tiktok.handle = taken_over
    token, _ = claims_take()
    assert target_publish(target_id=target.pk, claim_token=token) == "publishing"
    (publish,) = fake_tiktok.publishes.values()
    assert len(publish.chunks) == 1  # stopped before the next chunk: nothing was posted
    assert (reload(target).status, reload(target).claim_token) == ("publishing", "another-worker")
