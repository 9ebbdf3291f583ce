"""The dispatcher against the fake Graph API: claims, retry classes, holds, processing waits."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channels.models import ChannelConnection
from publishing.dispatch import dispatch_due, targets_claim_due
from publishing.models import PostTarget, PublishAttempt
from tests.factories import MediaFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(fake_instagram):
    fake_instagram.tokens.add("live-token")
    target = TargetFactory(
        profile__external_id="1784140001",
        profile__connection__access_token="live-token",
    )
    MediaFactory(post=target.post)
    return target


def reload(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def test_due_target_is_published_once(target, fake_instagram):
    result = dispatch_due()
    assert (result.claimed, result.published) == (1, 1)
    target = reload(target)
    assert target.status == "published"
    assert target.attempts == 1
    assert target.platform_state["container_id"] in fake_instagram.containers
    assert dispatch_due().claimed == 0
    assert fake_instagram.published_count() == 1
    assert list(target.audit.values_list("to_status", flat=True)) == ["publishing", "published"]


def test_future_and_unapproved_targets_are_not_claimed(target):
    TargetFactory(scheduled_at=timezone.now() + timedelta(hours=1))
    TargetFactory(post__status="draft")
    TargetFactory(status="pending")
    assert targets_claim_due() == [target.pk]


def test_a_target_is_never_claimed_twice(target):
    first = targets_claim_due()
    second = targets_claim_due()
    assert first == [target.pk] and second == []


def test_transient_errors_retry_after_1_5_25_minutes_then_fail(target, fake_instagram):
    fake_instagram.fail_500(times=4, path="/media")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for expected_wait, attempts in ((1, 1), (5, 2), (25, 3)):
            dispatch_due()
            t = reload(target)
            assert (t.status, t.attempts, t.error_code) == ("scheduled", attempts, "2")
            assert t.next_attempt_at == timezone.now() + timedelta(minutes=expected_wait)
            clock.shift(timedelta(minutes=expected_wait) - timedelta(seconds=1))
            assert dispatch_due().claimed == 0  # not a second early
            clock.shift(timedelta(seconds=1))
        dispatch_due()
    t = reload(target)
    assert (t.status, t.attempts, t.error_code) == ("failed", 4, "2")
    assert "temporarily unavailable" in t.error_message
    assert PublishAttempt.objects.filter(target=t, outcome="transient").count() == 4
    assert fake_instagram.published_count() == 0


def test_rate_limit_waits_for_the_platform_hint_without_using_an_attempt(target, fake_instagram):
    fake_instagram.fail_rate_limit(minutes=7, path="/media")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        dispatch_due()
        t = reload(target)
    assert (t.status, t.attempts, t.error_code) == ("scheduled", 0, "80002")
    assert t.next_attempt_at == now + timedelta(minutes=7)
    with time_machine.travel(now + timedelta(minutes=7), tick=False):
        dispatch_due()
    assert reload(target).status == "published"


def test_http_429_honours_retry_after(target, fake_instagram):
    fake_instagram.fail_http_429(retry_after=90, path="/media")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        dispatch_due()
    t = reload(target)
    assert (t.status, t.attempts, t.next_attempt_at) == (
        "scheduled",
        0,
        now + timedelta(seconds=90),
    )


def test_permanent_error_fails_at_once_with_the_platform_code(target, fake_instagram):
    from tests.fakes.instagram import meta_error

    fake_instagram.fail(
        meta_error(36003, "Aspect ratio not supported", subcode=2207009), path="/media"
    )
    dispatch_due()
    t = reload(target)
    assert (t.status, t.error_code, t.error_message) == (
        "failed",
        "36003/2207009",
        "Aspect ratio not supported",
    )


def test_expired_token_disconnects_and_holds_the_target(target, fake_instagram):
    fake_instagram.expire_tokens()
    dispatch_due()
    t = reload(target)
    assert (t.status, t.error_code) == ("pending", "190/463")
    connection = ChannelConnection.objects.get(pk=t.profile.connection_id)
    assert connection.status == "disconnected"
    assert "190/463" in connection.disconnected_reason
    # Other targets on the disconnected channel are held without calling the platform.
    other = TargetFactory(profile=t.profile, post__account=t.post.account)
    MediaFactory(post=other.post)
    calls = len(fake_instagram.requests)
    dispatch_due()
    assert reload(other).status == "pending"
    assert len(fake_instagram.requests) == calls


def test_processing_media_is_checked_again_on_a_later_tick(target, fake_instagram):
    post = target.post
    post.post_type = "reel"
    post.save()
    post.media.update(kind="video", url="https://cdn.example.com/clip.mp4")
    fake_instagram.processing_polls = 2
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        dispatch_due()
        t = reload(target)
        assert (t.status, t.attempts) == ("publishing", 0)
        assert t.next_attempt_at == now + timedelta(seconds=60)
        clock.shift(60)
        dispatch_due()
        clock.shift(60)
        dispatch_due()
    t = reload(target)
    assert t.status == "published"
    containers = [r for r in fake_instagram.calls("POST", "/media") if r.path.endswith("/media")]
    assert len(containers) == 1  # the same container was polled, never re-created
    assert t.permalink.startswith("https://www.instagram.com/reel/")


def test_lost_publish_answer_is_recovered_without_a_second_post(target, fake_instagram, settings):
    fake_instagram.hang(3, path="/media_publish")  # longer than the 2 s read timeout
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        dispatch_due()
        assert reload(target).status == "scheduled"
        clock.shift(61)
        dispatch_due()
    t = reload(target)
    assert t.status == "published"
    assert fake_instagram.published_count() == 1
    assert len(fake_instagram.media) == 1


def test_invalid_content_fails_before_any_call(target, fake_instagram):
    post = target.post
    post.caption = "x" * 2300
    post.save()
    dispatch_due()
    t = reload(target)
    assert (t.status, t.error_code) == ("failed", "caption_too_long")
    assert fake_instagram.requests == []


def test_process_due_command_reports_counts(target, fake_instagram):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("process_due", stdout=out)
    assert out.getvalue().strip() == "claimed 1: published 1, retrying 0, failed 0, held 0"


def test_reconnecting_releases_held_targets(
    target, fake_instagram, owner_client, account, django_capture_on_commit_callbacks
):
    from tests.helpers import connect_instagram

    # Put the target and its channel in `account`, then let the token die.
    target.post.account = account
    target.post.save()
    profile = target.profile
    profile.account = account
    profile.external_id = "1784140001"
    profile.save()
    connection = profile.connection
    connection.account = account
    connection.external_user_id = fake_instagram.user_id
    connection.save()
    fake_instagram.expire_tokens()
    dispatch_due()
    assert reload(target).status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        connect_instagram(fake=fake_instagram, account=account, client=owner_client)
    t = reload(target)
    assert (t.status, t.error_code) == ("scheduled", "")
    assert ChannelConnection.objects.get(pk=connection.pk).status == "active"
    dispatch_due()
    assert reload(target).status == "published"
    assert fake_instagram.published_count() == 1
