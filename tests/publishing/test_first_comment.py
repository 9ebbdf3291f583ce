"""The first comment through the dispatcher: posted once right after the post, its own attempt,
and a failed comment never re-posts the post (it warns on the target instead)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channels.models import Profile
from channels.providers.base import Provider
from channels.providers.instagram import InstagramProvider
from publishing.dispatch import dispatch_due
from publishing.first_comment import first_comment_send
from publishing.models import PostTarget
from tests.channels.providers.test_tiktok import make_target as tiktok_target
from tests.factories import MediaFactory, PostFactory
from tests.fakes.instagram import meta_error
from tests.helpers import connect

pytestmark = pytest.mark.django_db
COMMENT = "Link in bio: https://shop.example/new"


@pytest.fixture
def ig(owner_client, account, fake_meta) -> Profile:
    assert connect(platform="instagram", account=account, client=owner_client).status_code == 302
    return Profile.objects.get(platform="instagram")


def make_target(account, profile, *, first_comment=COMMENT) -> PostTarget:
    post = PostFactory(account=account, caption="New drop", first_comment=first_comment)
    MediaFactory(post=post, kind="image", url="https://cdn.example.com/1.jpg")
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now()
    )


def reload(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def outcomes(target) -> list[str]:
    return list(target.attempt_log.order_by("started_at", "pk").values_list("outcome", flat=True))


def comment_posts(fake) -> list:
    return fake.calls("POST", "/comments")


def posts_on_platform(fake) -> int:
    return fake.published_count() + len(fake.fb_posts)


@pytest.mark.parametrize("platform", ["instagram", "facebook"])
def test_posted_right_after_the_post_with_its_message_and_token(
    platform, owner_client, account, fake_meta
):
    assert connect(platform=platform, account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform=platform)
    target = make_target(account, profile)
    dispatch_due()
    target = reload(target)
    assert target.status == "published", target.error_message
    assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]
    [call] = comment_posts(fake_meta)
    assert call.path.endswith(f"/{target.platform_post_id}/comments")
    assert call.bearer == profile.api_token  # Facebook: the Page token
    # Right after the post's final call, in the same tick.
    final = [r.path for r in fake_meta.requests if r.method == "POST"]
    assert final[-1] == call.path and len(final) >= 2
    assert outcomes(target) == ["published", "first_comment"]
    assert target.platform_state["first_comment_id"]
    assert (target.status_note, target.next_attempt_at) == ("", None)
    dispatch_due()  # later ticks leave it alone
    assert len(comment_posts(fake_meta)) == 1


def test_no_first_comment_means_no_call(ig, account, fake_meta):
    target = make_target(account, ig, first_comment="  ")
    dispatch_due()
    assert reload(target).status == "published"
    assert fake_meta.calls("POST", "/comments") == fake_meta.calls("GET", "/comments") == []
    assert outcomes(target) == ["published"]


def test_a_500_warns_keeps_the_post_and_retries_later_without_posting_again(
    ig, account, fake_meta, owner_client, api
):
    fake_meta.fail_500(path="/comments")
    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        target = reload(target)
        assert (target.status, target.attempts, target.error_code) == ("published", 1, "")
        assert fake_meta.comments_on(target.platform_post_id) == []
        warning = target.first_comment_warning
        assert warning.startswith("Published, but Instagram did not take the first comment yet")
        assert target.next_attempt_at == timezone.now() + timedelta(minutes=1)
        assert outcomes(target) == ["published", "first_comment_failed"]
        failed = target.attempt_log.get(outcome="first_comment_failed")
        assert (failed.http_status, failed.error_code) == (500, "2")
        # The warning a person reads: the post page, the queue row, the API target.
        page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/").content.decode()
        assert "banner warn" in page and "did not take the first comment yet" in page
        queue = owner_client.get(f"/a/{account.slug}/queue/").content.decode()
        assert "did not take the first comment yet" in queue
        [api_target] = api.get(f"/posts/{target.post_id}").json()["targets"]
        assert api_target["note"] == warning and api_target["status"] == "published"

        dispatch_due()  # not due yet
        assert len(comment_posts(fake_meta)) == 1
        clock.shift(timedelta(minutes=1))
        dispatch_due()
    target = reload(target)
    assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]
    assert fake_meta.published_count() == 1 and target.attempts == 1
    assert target.status == "published" and target.first_comment_warning == ""
    assert target.next_attempt_at is None
    assert outcomes(target) == ["published", "first_comment_failed", "first_comment"]
    # A 5xx may have gone through: the retry looked before posting again.
    assert fake_meta.calls("GET", "/comments")


def test_a_lost_answer_is_found_not_posted_twice(ig, account, fake_meta):
    fake_meta.drop(path="/comments", method="POST")
    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        target = reload(target)
        assert target.status == "published"
        assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]  # it did go out
        assert target.platform_state["first_comment_sent"] is True
        clock.shift(timedelta(minutes=1))
        dispatch_due()
        clock.shift(timedelta(hours=1))
        dispatch_due()
    target = reload(target)
    assert len(comment_posts(fake_meta)) == 1
    assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]
    assert target.platform_state["first_comment_id"] and not target.first_comment_warning
    assert outcomes(target) == ["published", "first_comment_failed", "first_comment"]
    assert fake_meta.published_count() == 1


def test_a_worker_lost_mid_comment_is_looked_for_then_posted_once(ig, account, fake_meta):
    target = make_target(account, ig, first_comment="")
    dispatch_due()
    target = reload(target)
    # As a worker that died right after the checkpoint, before its call, leaves it.
    PostTarget.objects.filter(pk=target.pk).update(
        platform_state={**target.platform_state, "first_comment_sent": True,
                        "first_comment_due": True, "first_comment_tries": 1},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    target.post.first_comment = COMMENT
    target.post.save()
    dispatch_due()
    target = reload(target)
    assert fake_meta.calls("GET", "/comments")  # looked first
    assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]
    assert target.platform_state["first_comment_id"] and target.next_attempt_at is None


def test_a_worker_dying_in_the_call_leaves_it_due_after_the_lease(
    ig, account, fake_meta, monkeypatch
):
    def die(self, request, published):
        raise SystemExit("worker killed mid-call")

    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with monkeypatch.context() as patched:
            patched.setattr(InstagramProvider, "post_first_comment", die)
            with pytest.raises(SystemExit):
                dispatch_due()
        assert reload(target).status == "published"
        clock.shift(timedelta(minutes=9))
        dispatch_due()
        assert comment_posts(fake_meta) == []  # the lease still runs
        clock.shift(timedelta(minutes=1))
        dispatch_due()
    target = reload(target)
    assert fake_meta.comments_on(target.platform_post_id) == [COMMENT]
    assert fake_meta.calls("GET", "/comments")  # it looked before posting
    assert fake_meta.published_count() == 1


def test_when_the_platform_cannot_tell_it_warns_instead_of_repeating(
    ig, account, fake_meta, monkeypatch
):
    monkeypatch.setattr(
        InstagramProvider, "find_first_comment", Provider.find_first_comment, raising=True
    )
    fake_meta.drop(path="/comments", method="POST")
    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        for _ in range(4):
            clock.shift(timedelta(minutes=30))
            dispatch_due()
    target = reload(target)
    assert len(comment_posts(fake_meta)) == 1
    assert target.status == "published" and target.next_attempt_at is None
    assert "Instagram may not have taken the first comment" in target.first_comment_warning
    assert "not sent again" in target.status_note


def test_a_refusal_warns_once_with_the_platforms_reason(ig, account, fake_meta):
    fake_meta.fail(meta_error(10, "(#10) Comments are turned off"), path="/comments")
    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        clock.shift(timedelta(hours=1))
        dispatch_due()
    target = reload(target)
    assert target.status == "published" and target.next_attempt_at is None
    assert target.first_comment_warning == (
        "Published, but Instagram refused the first comment: (#10) Comments are turned off"
    )
    assert len(comment_posts(fake_meta)) == 1 and fake_meta.published_count() == 1


def test_transient_failures_are_retried_1_5_25_minutes_then_warn(ig, account, fake_meta):
    fake_meta.fail(
        meta_error(2, "Service temporarily unavailable", status=500, transient=True),
        path="/comments", method="POST", times=10,
    )  # fmt: skip
    target = make_target(account, ig)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        for minutes in (1, 5, 25):
            assert reload(target).next_attempt_at == timezone.now() + timedelta(minutes=minutes)
            clock.shift(timedelta(minutes=minutes))
            dispatch_due()
        clock.shift(timedelta(hours=2))
        dispatch_due()
    target = reload(target)
    assert len(comment_posts(fake_meta)) == 4 and fake_meta.published_count() == 1
    assert target.status == "published" and target.next_attempt_at is None
    assert target.first_comment_warning.startswith(
        "Published, but Instagram did not take the first comment after 4 tries"
    )


def test_platforms_without_first_comments_skip_it_and_say_so(owner_client, account, fake_tiktok):
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    creator = Profile.objects.get(platform="tiktok")
    creator.extra = {**creator.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
    creator.save(update_fields=["extra"])
    target = tiktok_target(account, creator, mode="automatic")
    target.post.first_comment = COMMENT
    target.post.save()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            dispatch_due()
            clock.shift(timedelta(minutes=1))
    target = reload(target)
    assert target.status == "published" and not target.first_comment_warning
    assert "first_comment" not in " ".join(outcomes(target))
    page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/").content.decode()
    assert "TikTok takes no first comment; it is not sent here." in page


def test_a_post_whose_id_comes_later_is_skipped(ig, account, fake_meta):
    target = make_target(account, ig, first_comment="")
    dispatch_due()
    target = reload(target)
    target.post.first_comment = COMMENT
    target.post.save()
    target.platform_state = {**target.platform_state, "id_pending": True}
    assert first_comment_send(target) == "skipped"
    assert comment_posts(fake_meta) == []
