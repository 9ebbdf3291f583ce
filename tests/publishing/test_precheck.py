"""24 h and 1 h before a post is due: warn the author when it would not go out."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from publishing.models import PostTarget
from publishing.notifications import targets_precheck
from tests.factories import MediaFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(account, owner):
    profile = ProfileFactory(connection__account=account, name="Acme IG")
    target = TargetFactory(post__account=account, post__created_by=owner, profile=profile,
                           scheduled_at=timezone.now() + timedelta(hours=30))  # fmt: skip
    MediaFactory(post=target.post)
    return target


def test_healthy_post_is_checked_twice_and_nobody_is_emailed(target):
    due = target.scheduled_at
    for hours_before in (23, 22, 0.5):
        with time_machine.travel(due - timedelta(hours=hours_before), tick=False):
            targets_precheck()
    target = PostTarget.objects.get(pk=target.pk)
    assert target.precheck_24h_at and target.precheck_1h_at
    assert mail.outbox == []


def test_invalid_content_is_reported_once_per_window(target, owner):
    target.post.caption = "x" * 2300
    target.post.save()
    due = target.scheduled_at
    for hours_before in (23, 20, 0.9, 0.5):
        with time_machine.travel(due - timedelta(hours=hours_before), tick=False):
            targets_precheck()
    assert [m.subject for m in mail.outbox] == [
        "Post due in 24 h needs attention: Acme IG",
        "Post due in 1 h needs attention: Acme IG",
    ]
    assert mail.outbox[0].to == [owner.email]
    assert "2300 characters" in mail.outbox[0].body


def test_channel_access_ending_before_the_due_time_is_reported(target):
    connection = target.profile.connection
    connection.token_expires_at = target.scheduled_at - timedelta(hours=2)
    connection.save()
    with time_machine.travel(target.scheduled_at - timedelta(hours=23), tick=False):
        targets_precheck()
    (message,) = mail.outbox
    assert "before this post is due: reconnect it" in message.body
