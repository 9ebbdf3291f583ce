"""Approval with email links: digests per cadence, GET shows / POST acts, single use, expiry,
tampering, superseded versions, other accounts, external reviewers, roles and the audit trail."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client

from accounts.models import ExternalReviewer
from publishing.approval import Reviewer, post_edit, review_link_create
from publishing.models import AuditEntry, Post, ReviewLink
from publishing.services import Actor
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    PostFactory,
    ProfileFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reviewer(account):
    user = UserFactory(email="reviewer@client.example")
    MembershipFactory(user=user, account=account, role="reviewer")
    return user


@pytest.fixture
def awaiting(account, owner):
    account.approval_required = True
    account.save()
    post = PostFactory(
        account=account, status="awaiting_approval", created_by=owner, caption="Launch day!"
    )
    TargetFactory(post=post, status="pending", scheduled_at=NOW + timedelta(days=1),
                  profile=ProfileFactory(connection__account=account, name="Acme IG"))  # fmt: skip
    AuditEntry.objects.create(
        post=post, from_status="draft", to_status="awaiting_approval", actor_label="owner"
    )
    return post


def digests() -> str:
    out = StringIO()
    call_command("send_digests", stdout=out)
    return out.getvalue().strip()


def link_from(message) -> str:
    return re.search(r"http://testserver(/review/[^\s]+/)", message.body).group(1)


def test_digest_lists_the_post_and_the_link_approves_without_login(awaiting, reviewer, owner):
    assert digests() == "sent 1 digest(s)"
    (message,) = mail.outbox
    assert message.to == ["reviewer@client.example"]
    assert "Launch day!" in message.body and "Acme IG" in message.body
    assert "text/html" in message.alternatives[0][1]
    url = link_from(message)
    browser = Client()  # not logged in
    page = browser.get(url)
    assert page.status_code == 200 and b"Approve" in page.content
    assert Post.objects.get(pk=awaiting.pk).status == "awaiting_approval"  # GET changes nothing

    response = browser.post(url, {"action": "approve"})
    assert response.status_code == 200 and b"approved" in response.content
    post = Post.objects.get(pk=awaiting.pk)
    assert post.status == "approved"
    assert post.targets.get().status == "scheduled"  # keeps the requested time
    entry = post.audit.filter(to_status="approved").get()
    assert entry.actor_id == reviewer.pk
    assert entry.actor_label == "reviewer@client.example via email link"
    assert entry.reason == "approved version 1 via email link"

    again = browser.post(url, {"action": "approve"})
    assert again.status_code == 410 and b"already used to approve" in again.content
    assert digests() == "sent 0 digest(s)"


def test_reject_needs_a_comment_and_emails_the_author(awaiting, reviewer, owner):
    digests()
    url = link_from(mail.outbox[0])
    browser = Client()
    missing = browser.post(url, {"action": "reject", "comment": "  "})
    assert missing.status_code == 400 and b"say what should change" in missing.content
    assert ReviewLink.objects.get().used_at is None  # not spent by the failed attempt

    browser.post(url, {"action": "reject", "comment": "Use the new logo"})
    post = Post.objects.get(pk=awaiting.pk)
    assert post.status == "draft"
    (comment,) = post.comments.all()
    assert (comment.body, comment.is_rejection, comment.author_id) == (
        "Use the new logo",
        True,
        reviewer.pk,
    )
    rejection = mail.outbox[-1]
    assert rejection.to == [owner.email] and "Use the new logo" in rejection.body


def test_expired_link_changes_nothing(awaiting, reviewer, frozen):
    digests()
    url = link_from(mail.outbox[0])
    frozen.shift(timedelta(days=7, seconds=1))
    response = Client().post(url, {"action": "approve"})
    assert response.status_code == 410 and b"expired" in response.content
    assert Post.objects.get(pk=awaiting.pk).status == "awaiting_approval"


def test_tampered_link_changes_nothing(awaiting, reviewer):
    digests()
    url = link_from(mail.outbox[0])
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    response = Client().post(tampered, {"action": "approve"})
    assert response.status_code == 410 and b"not valid" in response.content
    forged = signing.dumps({"l": ReviewLink.objects.get().pk}, salt="another-salt")
    assert Client().post(f"/review/{forged}/", {"action": "approve"}).status_code == 410
    assert Post.objects.get(pk=awaiting.pk).status == "awaiting_approval"


def test_superseded_version_link_changes_nothing_and_the_new_version_is_sent(
    awaiting, reviewer, owner
):
    digests()
    old_url = link_from(mail.outbox[0])
    post_edit(
        post=Post.objects.get(pk=awaiting.pk), actor=Actor(user=owner), caption="Launch day, v2"
    )
    response = Client().post(old_url, {"action": "approve"})
    assert response.status_code == 410 and b"edited after this link was sent" in response.content
    assert digests() == "sent 1 digest(s)"
    new_url = link_from(mail.outbox[-1])
    assert "Launch day, v2" in mail.outbox[-1].body
    Client().post(new_url, {"action": "approve"})
    post = Post.objects.get(pk=awaiting.pk)
    assert (post.status, post.version) == ("approved", 2)


def test_editing_an_approved_post_sends_it_back_for_approval(awaiting, reviewer, owner):
    post = Post.objects.get(pk=awaiting.pk)
    from publishing.services import post_approve

    post_approve(post=post, actor=Actor(user=reviewer))
    assert post.targets.get().status == "scheduled"
    post_edit(post=post, actor=Actor(user=owner), caption="Changed after approval")
    post = Post.objects.get(pk=awaiting.pk)
    assert (post.status, post.version) == ("awaiting_approval", 2)
    assert post.targets.get().status == "pending"


def test_a_link_for_another_accounts_post_does_not_work_for_an_outsider(awaiting, reviewer):
    other_post = PostFactory(
        account=AccountFactory(approval_required=True), status="awaiting_approval"
    )
    _, token = review_link_create(post=other_post, reviewer=Reviewer(reviewer.email, reviewer))
    response = Client().post(f"/review/{token}/", {"action": "approve"})
    assert response.status_code == 410 and b"no longer a reviewer" in response.content
    assert Post.objects.get(pk=other_post.pk).status == "awaiting_approval"


def test_external_reviewer_without_an_account_approves_from_the_link(awaiting, account):
    ExternalReviewer.objects.create(account=account, email="boss@client.example")
    assert digests() == "sent 1 digest(s)"
    (message,) = mail.outbox
    assert message.to == ["boss@client.example"]
    Client().post(link_from(message), {"action": "approve"})
    entry = Post.objects.get(pk=awaiting.pk).audit.get(to_status="approved")
    assert (entry.actor_id, entry.actor_label) == (None, "boss@client.example via email link")


def test_hourly_cadence(awaiting, reviewer, account, owner, frozen):
    account.approval_digest = "hourly"
    account.save()
    assert digests() == "sent 1 digest(s)"
    second = PostFactory(account=account, status="awaiting_approval", created_by=owner)
    frozen.shift(timedelta(minutes=59))
    assert digests() == "sent 0 digest(s)"
    frozen.shift(timedelta(minutes=1))
    assert digests() == "sent 1 digest(s)"
    assert ReviewLink.objects.filter(post=second).count() == 1


def test_daily_cadence_at_the_local_hour(awaiting, reviewer, account, frozen):
    account.approval_digest, account.approval_digest_hour = "daily", 9
    account.timezone = "Europe/Paris"  # 08:00 UTC = 09:00 in Paris
    account.save()
    frozen.move_to(datetime(2026, 11, 23, 7, 59, tzinfo=UTC))
    assert digests() == "sent 0 digest(s)"
    frozen.move_to(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert digests() == "sent 1 digest(s)"
    PostFactory(account=account, status="awaiting_approval")
    frozen.move_to(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert digests() == "sent 0 digest(s)"  # once a day
    frozen.move_to(datetime(2026, 11, 24, 8, 5, tzinfo=UTC))
    assert digests() == "sent 1 digest(s)"


def test_in_app_queue_bulk_approve_and_roles(
    client, outsider_client, awaiting, reviewer, account, owner
):
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client.force_login(marketer)
    page = client.get(f"/a/{account.slug}/approvals/").content.decode()
    assert "Launch day!" in page and "reviewer@client.example" in page
    assert client.post(f"/a/{account.slug}/approvals/", {"post": [awaiting.pk]}).status_code == 403
    assert outsider_client.get(f"/a/{account.slug}/approvals/").status_code == 404

    client.force_login(reviewer)
    client.post(f"/a/{account.slug}/approvals/", {"post": [awaiting.pk]})
    assert Post.objects.get(pk=awaiting.pk).status == "approved"
    entry = Post.objects.get(pk=awaiting.pk).audit.get(to_status="approved")
    assert entry.actor_label == "reviewer@client.example in app"


def test_reject_and_thread_from_the_post_page(client, awaiting, reviewer, account, owner):
    client.force_login(reviewer)
    base = f"/a/{account.slug}/posts/{awaiting.pk}"
    client.post(f"{base}/reject/", {"comment": "Shorter caption please"})
    client.force_login(owner)
    client.post(f"{base}/comment/", {"body": "Done, see v2"})
    page = client.get(f"{base}/").content.decode()
    assert "Shorter caption please" in page and "Done, see v2" in page
    assert [c.author_label for c in Post.objects.get(pk=awaiting.pk).comments.all()] == [
        "reviewer@client.example in app", "owner@example.com in app",
    ]  # fmt: skip


def test_api_approve_and_reject_respect_the_token_role(account, awaiting):
    from accounts.services import api_token_create

    marketer = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account)[1]}")
    denied = marketer.post(f"/api/v1/posts/{awaiting.pk}/approve")
    assert denied.status_code == 403 and "--role reviewer" in denied.json()["detail"]
    reviewer = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role='reviewer')[1]}"
    )
    empty = reviewer.post(
        f"/api/v1/posts/{awaiting.pk}/reject", {"comment": ""}, content_type="application/json"
    )
    assert empty.status_code == 400 and "comment" in empty.json()["detail"]
    body = reviewer.post(
        f"/api/v1/posts/{awaiting.pk}/reject", {"comment": "No"}, content_type="application/json"
    ).json()
    assert body["status"] == "draft"
    assert reviewer.post(f"/api/v1/posts/{awaiting.pk}/approve").status_code == 409


def test_approval_settings_validate_and_add_external_reviewers(owner_client, account):
    url = f"/a/{account.slug}/settings/"
    bad = owner_client.post(url, {"action": "approval", "approval_digest": "daily", "approval_digest_hour": "25",
                                  "approval_link_days": "7"}, follow=True)  # fmt: skip
    assert b"digest hour: use 0 to 23" in bad.content
    owner_client.post(url, {"action": "approval", "approval_required": "on", "approval_digest": "hourly",
                            "approval_digest_hour": "9", "approval_link_days": "3",
                            "add_reviewer": "Client@Example.com"})  # fmt: skip
    account.refresh_from_db()
    assert (account.approval_required, account.approval_digest, account.approval_link_days) == (
        True,
        "hourly",
        3,
    )
    assert list(account.external_reviewers.values_list("email", flat=True)) == [
        "client@example.com"
    ]


def test_an_edit_keeps_a_hand_chosen_time_and_hands_back_a_scheduler_slot(
    awaiting, reviewer, owner
):
    from publishing.services import post_approve
    from scheduling.models import Slot
    from scheduling.services import slots_compute

    chosen_at = datetime(2026, 11, 24, 14, 37, tzinfo=UTC)  # a person's exact time, no slot's
    by_hand = awaiting.targets.get()
    by_hand.scheduled_at = chosen_at
    by_hand.save()
    by_slot = TargetFactory(post=awaiting, status="pending", scheduled_at=None,
                            profile=ProfileFactory(connection__account=awaiting.account))  # fmt: skip
    slots_compute(now=NOW)
    assert Slot.objects.filter(profile=by_hand.profile).exists()  # free slots it could be moved to

    post = Post.objects.get(pk=awaiting.pk)
    post_approve(post=post, actor=Actor(user=reviewer))
    by_slot.refresh_from_db()
    first_slot = Slot.objects.get(target=by_slot)
    assert by_slot.scheduled_at == first_slot.starts_at

    post_edit(post=post, actor=Actor(user=owner), caption="Launch day, edited")
    by_hand.refresh_from_db()
    by_slot.refresh_from_db()
    assert (by_hand.status, by_hand.scheduled_at) == ("pending", chosen_at)  # kept
    assert (by_slot.status, by_slot.scheduled_at) == ("pending", None)  # handed back
    assert not Slot.objects.filter(target__isnull=False).exists()

    post_approve(post=Post.objects.get(pk=post.pk), actor=Actor(user=reviewer))
    by_hand.refresh_from_db()
    by_slot.refresh_from_db()
    assert (by_hand.status, by_hand.scheduled_at) == ("scheduled", chosen_at)
    assert not Slot.objects.filter(target=by_hand).exists()  # not moved to a free slot
    assert by_slot.status == "scheduled"
    assert by_slot.scheduled_at == Slot.objects.get(target=by_slot).starts_at
