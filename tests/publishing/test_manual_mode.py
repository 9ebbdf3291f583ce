import pytest
from django.core import mail

from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import MediaFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_target(account, owner, fake_instagram):
    profile = ProfileFactory(connection__account=account, posting_mode="manual", name="Acme IG")
    target = TargetFactory(
        post__account=account,
        post__created_by=owner,
        post__caption="Hand-made #latte",
        profile=profile,
        posting_mode="manual",
    )
    MediaFactory(post=target.post, url="https://cdn.example.com/latte.jpg")
    return target


def test_due_manual_target_waits_for_a_person_and_emails_the_author(
    manual_target, owner, fake_instagram
):
    result = dispatch_due()
    assert result.manual == 1
    assert PostTarget.objects.get(pk=manual_target.pk).status == "manual"
    assert fake_instagram.requests == []  # nothing is sent to Instagram
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "Time to post on Instagram: Acme IG"
    assert "Hand-made #latte" in message.body
    assert "https://cdn.example.com/latte.jpg" in message.body
    assert f"/posts/{manual_target.post_id}/" in message.body
    assert "text/html" in message.alternatives[0][1]


def test_manual_queue_and_mark_as_posted(owner_client, outsider_client, account, manual_target):
    dispatch_due()
    queue = owner_client.get(f"/a/{account.slug}/manual/")
    assert queue.status_code == 200 and b"Hand-made #latte" in queue.content
    assert outsider_client.get(f"/a/{account.slug}/manual/").status_code == 404

    url = f"/a/{account.slug}/targets/{manual_target.pk}/mark-posted/"
    assert (
        outsider_client.post(url, {"permalink": "https://www.instagram.com/p/x/"}).status_code
        == 404
    )
    bad = owner_client.post(url, {"permalink": "javascript:alert(1)"}, follow=True)
    assert b"permalink: paste the post" in bad.content
    assert PostTarget.objects.get(pk=manual_target.pk).status == "manual"

    done = owner_client.post(
        url, {"permalink": "https://www.instagram.com/p/abc/", "from": "queue"}
    )
    assert done.status_code == 302 and done["Location"] == f"/a/{account.slug}/manual/"
    target = PostTarget.objects.get(pk=manual_target.pk)
    assert (target.status, target.permalink) == ("published", "https://www.instagram.com/p/abc/")
    assert target.published_at is not None
    assert target.audit.last().actor_label == "owner@example.com"


def test_mark_posted_via_api(api, manual_target):
    dispatch_due()
    body = api.post(f"/targets/{manual_target.pk}/mark-posted", {}).json()
    assert (body["status"], body["permalink"]) == ("published", "")
    again = api.post(f"/targets/{manual_target.pk}/mark-posted", {})
    assert again.status_code == 409


def test_posting_mode_comes_from_the_profile_or_the_request(api, account):
    manual = ProfileFactory(connection__account=account, posting_mode="manual")
    auto = ProfileFactory(connection__account=account)
    media = [{"url": "https://cdn.example.com/a.jpg", "kind": "image"}]
    body = api.post(
        "/posts", {"caption": "x", "media": media, "targets": [manual.pk, auto.pk]}
    ).json()
    modes = {t["profile_id"]: t["posting_mode"] for t in body["targets"]}
    assert modes == {manual.pk: "manual", auto.pk: "automatic"}
    body = api.post(
        "/posts", {"caption": "y", "media": media, "targets": [auto.pk], "posting_mode": "manual"}
    ).json()
    assert body["targets"][0]["posting_mode"] == "manual"
