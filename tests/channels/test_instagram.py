"""Instagram's container status rules, through the dispatcher against the fake Graph API.

A container whose status_code is ERROR or EXPIRED can never be published: the provider turns it
into a permanent PlatformError with its own code, and the dispatcher fails the target at once with
that code (no retry, no media_publish call). PLATFORMS.md §2.2.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from publishing.dispatch import dispatch_due
from publishing.models import PostTarget, PublishAttempt
from tests.factories import MediaFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_target(fake_instagram):
    fake_instagram.tokens.add("live-token")

    def make(post_type: str = "feed", kind: str = "image", url="https://cdn.example.com/a.jpg"):
        target = TargetFactory(
            profile__external_id="1784140001",
            profile__connection__access_token="live-token",
            post__post_type=post_type,
            post__caption="A post #tag",
        )
        MediaFactory(post=target.post, kind=kind, url=url)
        return target

    return make


def test_a_container_in_error_fails_the_target_with_meta_s_subcode(make_target, fake_instagram):
    fake_instagram.fail_containers("ERROR", "2207026")
    target = make_target()

    result = dispatch_due()

    target = PostTarget.objects.get(pk=target.pk)
    assert (result.failed, result.retrying) == (1, 0)
    assert (target.status, target.error_code) == ("failed", "container_error/2207026")
    assert "could not process the media (2207026)" in target.error_message
    assert (target.attempts, target.next_attempt_at) == (1, None)  # permanent: no retry planned
    attempt = PublishAttempt.objects.get(target=target)
    assert (attempt.outcome, attempt.error_code) == ("permanent", "container_error/2207026")
    assert fake_instagram.published_count() == 0  # media_publish was never called


def test_a_container_that_errors_while_processing_fails_on_the_next_check(
    make_target, fake_instagram
):
    fake_instagram.processing_polls = 1
    fake_instagram.fail_containers("ERROR", "2207026")
    target = make_target("reel", "video", "https://cdn.example.com/r.mp4")
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        dispatch_due()
    assert PostTarget.objects.get(pk=target.pk).status == "publishing"  # still processing
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        dispatch_due()

    target = PostTarget.objects.get(pk=target.pk)
    assert (target.status, target.error_code) == ("failed", "container_error/2207026")
    assert fake_instagram.published_count() == 0


def test_an_expired_container_fails_the_target_as_container_expired(make_target, fake_instagram):
    fake_instagram.processing_polls = 1
    target = make_target("reel", "video", "https://cdn.example.com/r.mp4")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        dispatch_due()
    (container_id,) = fake_instagram.containers
    assert PostTarget.objects.get(pk=target.pk).platform_state["container_id"] == container_id
    # Not published within 24 h: Meta expires the container.
    fake_instagram.containers[container_id].status = "EXPIRED"

    with time_machine.travel(start + timedelta(hours=25), tick=False):
        result = dispatch_due()

    target = PostTarget.objects.get(pk=target.pk)
    assert (result.failed, result.retrying) == (1, 0)
    assert (target.status, target.error_code) == ("failed", "container_expired")
    assert "expired before publishing" in target.error_message
    assert target.next_attempt_at is None
    last = PublishAttempt.objects.filter(target=target).latest("pk")
    assert (last.outcome, last.error_code) == ("permanent", "container_expired")
    assert fake_instagram.published_count() == 0
