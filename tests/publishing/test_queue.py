from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.services import asset_upload
from publishing.models import PostMedia, PostTarget
from tests.factories import PostFactory, ProfileFactory, TargetFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def test_lists_targets_with_errors_and_filters(owner_client, account, profile):
    TargetFactory(
        post__account=account, post__caption="Went out", profile=profile, status="published"
    )
    TargetFactory(post__account=account, post__caption="Broke", post__bucket="tips", profile=profile,
                  status="failed", error_code="36003/2207009", error_message="Aspect ratio")  # fmt: skip
    url = f"/a/{account.slug}/queue/"
    page = owner_client.get(url).content.decode()
    assert "Went out" in page and "36003/2207009: Aspect ratio" in page and "Retry" in page
    failed = owner_client.get(url, {"status": "failed"}).content.decode()
    assert "Broke" in failed and "Went out" not in failed
    assert "Went out" not in owner_client.get(url, {"bucket": "tips"}).content.decode()
    assert owner_client.get(url, {"status": "nonsense", "start": "x"}).status_code == 200


def test_bulk_cancel_retry_and_reschedule(owner_client, account, profile):
    a, b = (TargetFactory(post__account=account, profile=profile,
                          scheduled_at=NOW + timedelta(days=1)) for _ in range(2))  # fmt: skip
    failed = TargetFactory(post__account=account, profile=profile, status="failed", error_code="2")
    url = f"/a/{account.slug}/queue/"
    owner_client.post(url, {"action": "cancel", "target": [a.pk, b.pk], "confirmed": "1"})
    assert set(PostTarget.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "cancelled"
    }
    owner_client.post(url, {"retry_one": failed.pk})
    assert PostTarget.objects.get(pk=failed.pk).status == "scheduled"
    owner_client.post(
        url, {"action": "reschedule", "target": [failed.pk], "when": "2026-12-01T10:00"}
    )
    assert PostTarget.objects.get(pk=failed.pk).scheduled_at == datetime(
        2026, 12, 1, 10, tzinfo=UTC
    )
    past = owner_client.post(
        url,
        {"action": "reschedule", "target": [failed.pk], "when": "2020-01-01T10:00"},
        follow=True,
    )
    assert "give a date and time in the future" in past.content.decode()


def test_more_than_50_is_refused(owner_client, account, profile):
    targets = [TargetFactory(post__account=account, profile=profile) for _ in range(51)]
    response = owner_client.post(f"/a/{account.slug}/queue/",
                                 {"action": "cancel", "target": [t.pk for t in targets]}, follow=True)  # fmt: skip
    assert "Select at most 50 posts at once; you selected 51." in response.content.decode()
    assert not PostTarget.objects.filter(status="cancelled").exists()


def test_other_accounts_targets_are_untouched(owner_client, outsider_client, account, profile):
    mine = TargetFactory(post__account=account, profile=profile)
    assert outsider_client.get(f"/a/{account.slug}/queue/").status_code == 404
    foreign = TargetFactory()
    owner_client.post(
        f"/a/{account.slug}/queue/",
        {"action": "cancel", "target": [foreign.pk], "confirmed": "1"},
    )
    assert PostTarget.objects.get(pk=foreign.pk).status == "scheduled"
    assert PostTarget.objects.get(pk=mine.pk).status == "scheduled"


def test_rows_show_a_library_thumbnail_in_constant_queries(
    owner_client, account, profile, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    photo = asset_upload(account=account, upload=upload("latte.jpg", image_bytes()))

    def add(n):
        posts = PostFactory.create_batch(n, account=account)
        PostMedia.objects.bulk_create(
            PostMedia(post=p, kind="image", asset=photo, file=photo.file.name) for p in posts
        )
        PostTarget.objects.bulk_create(
            PostTarget(post=p, profile=profile, status="scheduled",
                       scheduled_at=NOW + timedelta(hours=i + 1))
            for i, p in enumerate(posts)
        )  # fmt: skip

    url = f"/a/{account.slug}/queue/"
    add(2)
    with CaptureQueriesContext(connection) as small:
        page = owner_client.get(url).content.decode()
    assert page.count('class="queue-thumb"') == 2
    assert f"/media/{photo.thumbnail.name}?e=" in page
    add(60)
    with CaptureQueriesContext(connection) as large:
        page = owner_client.get(url).content.decode()
    assert page.count('class="queue-thumb"') == 50  # one page
    assert len(large) == len(small)


def _rows(page, *captions):
    """The captions in the order the page shows them."""
    return sorted(captions, key=page.index)


def test_oldest_due_first_without_a_time_last_unless_sorted_otherwise(
    owner_client, account, profile
):
    for caption, hours in (("Later", 5), ("Unset", None), ("Sooner", 1), ("Past", -2)):
        at = None if hours is None else NOW + timedelta(hours=hours)
        TargetFactory(post__account=account, post__caption=caption, profile=profile,
                      status="pending" if at is None else "scheduled", scheduled_at=at)  # fmt: skip
    url = f"/a/{account.slug}/queue/"
    page = owner_client.get(url).content.decode()
    assert _rows(page, "Later", "Unset", "Sooner", "Past") == ["Past", "Sooner", "Later", "Unset"]
    latest = owner_client.get(url, {"sort": "latest"}).content.decode()
    assert _rows(latest, "Later", "Unset", "Sooner", "Past") == ["Later", "Sooner", "Past", "Unset"]


def test_a_draft_or_unapproved_posts_targets_show_as_such(owner_client, account, profile):
    TargetFactory(post__account=account, post__caption="Half written", post__status="draft",
                  profile=profile, status="pending", scheduled_at=None)  # fmt: skip
    TargetFactory(post__account=account, post__caption="Needs a yes",
                  post__status="awaiting_approval", profile=profile, status="pending")  # fmt: skip
    TargetFactory(post__account=account, post__caption="Held", profile=profile, status="pending")
    url = f"/a/{account.slug}/queue/"
    page = owner_client.get(url).content.decode()
    assert '<span class="badge draft">Draft</span>' in page
    assert '<span class="badge awaiting_approval">Awaiting approval</span>' in page
    assert '<span class="badge pending">Pending</span>' in page  # an approved post's held target
    drafts = owner_client.get(url, {"status": "draft"}).content.decode()
    assert "Half written" in drafts and "Needs a yes" not in drafts and "Held" not in drafts
    pending = owner_client.get(url, {"status": "pending"}).content.decode()
    assert "Held" in pending and "Half written" not in pending and "Needs a yes" not in pending


def test_filters_say_what_no_choice_means(owner_client, account, profile):
    page = owner_client.get(f"/a/{account.slug}/queue/").content.decode()
    assert "---------" not in page
    for label in ("Any status", "Any channel", "Any profile", "Oldest due first"):
        assert f'<option value="" selected>{label}</option>' in page


def test_bulk_messages_are_sentences_about_the_posts(owner_client, account, profile):
    out = TargetFactory(post__account=account, profile=profile, status="published")
    gone = TargetFactory(post__account=account, profile=profile, status="cancelled")
    waiting = TargetFactory(post__account=account, profile=profile,
                            scheduled_at=NOW + timedelta(days=1))  # fmt: skip
    url = f"/a/{account.slug}/queue/"
    page = owner_client.post(
        url, {"action": "cancel", "target": [out.pk, gone.pk, waiting.pk], "confirmed": "1"},
        follow=True,
    ).content.decode()  # fmt: skip
    where = f"on {profile.get_platform_display()} · Acme IG"
    assert "Cancelled 1 post." in page
    assert f"Post {out.post_id} {where} was skipped: it is already published." in page
    assert f"Post {gone.post_id} {where} was skipped: it is already cancelled." in page
    retried = owner_client.post(url, {"retry_one": waiting.pk}, follow=True).content.decode()
    assert (f"Post {waiting.post_id} {where} was skipped: only failed posts can be retried, "
            "and this one is cancelled.") in retried  # fmt: skip
    for text in (page, retried):
        said = text.split('<ul class="messages"')[1].split("</ul>")[0]
        assert "target" not in said.lower() and "#" not in said and "done." not in said
