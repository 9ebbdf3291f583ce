"""Local time everywhere: every time a person reads (digests, the review page reached without
logging in, other emails, the composer) is in the account's zone, with the zone named; and the
"Immediately" digest goes out when the submission commits, not on the next periodic run."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from channels.lifecycle import _email_expiry
from publishing.approval import digests_send, post_comment_add
from publishing.models import Post, PostTarget
from publishing.notifications import _email_problems
from publishing.services import Actor, post_submit
from tests.factories import (
    ConnectionFactory,
    MembershipFactory,
    PostFactory,
    ProfileFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=1)  # 08:00 UTC = 03:00 in New York (EST, UTC-5, in November)
NY_DUE = "Tue 24 Nov 03:00 EST"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def new_york(account):
    account.timezone = "America/New_York"
    account.approval_required = True
    account.approval_digest = "hourly"  # the periodic run sends; "immediate" is tested apart
    account.save()
    MembershipFactory(user=UserFactory(email="reviewer@client.example"), account=account,
                      role="reviewer")  # fmt: skip
    return account


def draft(account, owner) -> Post:
    post = PostFactory(account=account, status="draft", created_by=owner, caption="Launch day!")
    TargetFactory(post=post, status="pending", scheduled_at=DUE,
                  profile=ProfileFactory(connection__account=account, name="Acme IG"))  # fmt: skip
    return post


def link_from(message) -> str:
    return re.search(r"http://testserver(/review/[^\s]+/)", message.body).group(1)


def test_digest_and_review_page_read_in_the_accounts_zone(
    new_york, owner, django_capture_on_commit_callbacks
):
    post = draft(new_york, owner)
    post_submit(post=post, actor=Actor(user=owner))
    post_comment_add(post=post, actor=Actor(user=owner), body="Check the price")
    assert digests_send() == 1
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert f"Proposed{'' if body is html else ' time'}: {NY_DUE}" in body
        assert "08:00" not in body

    url = link_from(message)
    page = Client().get(url).content.decode()  # not logged in: no account page set the zone
    assert f"Acme IG (Instagram) at {NY_DUE}" in page
    assert "23 Nov 03:00 EST" in page  # the comment's time
    assert "08:00" not in page

    Client().post(url, {"action": "reject", "comment": "Too early"})
    used = Client().get(url)
    assert used.status_code == 410
    assert "already used to reject the post on 23 Nov 2026 at 03:00 EST" in used.content.decode()


def test_the_immediate_digest_goes_out_when_the_submission_commits(
    new_york, owner, django_capture_on_commit_callbacks
):
    new_york.approval_digest = "immediate"
    new_york.save()
    post = draft(new_york, owner)
    with django_capture_on_commit_callbacks(execute=True):
        post_submit(post=post, actor=Actor(user=owner))
    (message,) = mail.outbox
    assert message.to == ["reviewer@client.example"] and NY_DUE in message.body
    assert digests_send() == 0  # the periodic run does not send it again


def test_other_cadences_wait_for_the_periodic_run(
    new_york, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_submit(post=draft(new_york, owner), actor=Actor(user=owner))
    assert mail.outbox == []
    assert digests_send() == 1


def test_a_failed_immediate_digest_does_not_break_the_submission_and_is_retried(
    new_york, owner, django_capture_on_commit_callbacks, monkeypatch
):
    new_york.approval_digest = "immediate"
    new_york.save()
    post = draft(new_york, owner)

    def refuse(*args, **kwargs):
        raise ConnectionError("SMTP down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            post_submit(post=post, actor=Actor(user=owner))
    assert Post.objects.get(pk=post.pk).status == "awaiting_approval"
    assert digests_send() == 1  # no link was kept for the failed email


def test_the_precheck_and_expiry_emails_read_in_the_accounts_zone(new_york, owner):
    post = draft(new_york, owner)
    target = PostTarget.objects.select_related("post__account", "profile").get(post=post)
    _email_problems(target, ["Something is wrong."], timedelta(hours=24))
    connection = ConnectionFactory(account=new_york, token_expires_at=DUE)
    _email_expiry(connection)
    problems, expiry = mail.outbox
    assert "at 24 Nov 03:00 EST" in problems.body
    assert "stops working on 24 November 2026, 03:00 EST" in expiry.body


def test_the_composer_names_the_zone_and_reads_the_exact_time_in_it(owner_client, new_york, owner):
    new_york.approval_required = False
    new_york.save()
    profile = ProfileFactory(connection__account=new_york, platform="facebook", name="Acme")
    url = f"/a/{new_york.slug}/posts/new/"
    assert "In America/New_York." in owner_client.get(url).content.decode()
    response = owner_client.post(url, {
        "caption": "Hello", "post_type": "feed", "profiles": [profile.pk], "when": "time",
        "scheduled_at": "2026-11-24T03:00",
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    assert PostTarget.objects.get().scheduled_at == DUE
