"""publishing/lifecycle.py and its doors: the edit lock, duplicate, delete, restore (issue 15
part 5), and the confirmation step of bulk cancel."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from publishing.approval import post_edit
from publishing.lifecycle import (
    PostLocked,
    post_delete,
    post_duplicate,
    post_lock_reason,
    post_versions_copy,
    target_restore,
)
from publishing.models import AuditEntry, Post, PostDeletion, PostMedia, PostTarget
from publishing.services import Actor, InvalidTransition
from publishing.signals import target_slot_released
from scheduling.models import Slot
from tests.factories import MediaFactory, PostFactory, ProfileFactory, TargetFactory
from tests.media_files import image_bytes

pytestmark = pytest.mark.django_db
SOON = datetime(2030, 3, 1, 17, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme")


@pytest.fixture
def actor(owner):
    return Actor(user=owner, label="owner in test")


def post_on(account, profile, status, **fields):
    post = PostFactory(account=account, caption="Old caption")
    TargetFactory(post=post, profile=profile, status=status, scheduled_at=SOON, **fields)
    return post


# The lock ---------------------------------------------------------------------------------------

LIVE = [
    ("published", {}, "already published on Instagram · Acme"),
    ("publishing", {}, "being published on Instagram · Acme"),
    ("sent_to_drafts", {}, "already sent to the drafts of Instagram · Acme"),
    ("failed", {"error_code": "unconfirmed"}, "possibly live (unconfirmed) on Instagram · Acme"),
]


@pytest.mark.parametrize(("status", "fields", "phrase"), LIVE)
def test_a_post_that_may_be_live_cannot_be_edited(account, profile, actor, status, fields, phrase):
    post = post_on(account, profile, status, **fields)
    TargetFactory(post=post, status="scheduled")  # another target, not live yet: still locked

    with pytest.raises(PostLocked) as refused:
        post_edit(post=post, actor=actor, caption="New caption")

    assert str(refused.value) == (
        f"Post {post.pk} is {phrase}, so its content is locked; "
        "duplicate it to post a changed version."
    )
    post.refresh_from_db()
    assert (post.caption, post.version, post.status) == ("Old caption", 1, "approved")
    assert not AuditEntry.objects.filter(post=post).exists()


@pytest.mark.parametrize(
    ("status", "fields"),
    [("pending", {}), ("scheduled", {}), ("failed", {"error_code": "36003"}), ("cancelled", {}),
     ("manual", {})],
)  # fmt: skip
def test_before_anything_is_live_everything_can_be_edited(account, profile, actor, status, fields):
    post = post_on(account, profile, status, **fields)
    assert post_lock_reason(post) == ""
    post_edit(post=post, actor=actor, caption="New caption")
    post.refresh_from_db()
    assert (post.caption, post.version) == ("New caption", 2)


def test_the_edit_page_refuses_a_published_post_and_says_why(owner_client, account, profile):
    post = post_on(account, profile, "published")
    url = f"/a/{account.slug}/posts/{post.pk}/edit/"

    for response in (owner_client.get(url, follow=True),
                     owner_client.post(url, {"caption": "New"}, follow=True)):  # fmt: skip
        page = response.content.decode()
        assert f"Post {post.pk} is already published on Instagram · Acme" in page
        assert "duplicate it to post a changed version" in page
    post.refresh_from_db()
    assert (post.caption, post.version) == ("Old caption", 1)
    detail = owner_client.get(f"/a/{account.slug}/posts/{post.pk}/").content.decode()
    assert f"/posts/{post.pk}/edit/" not in detail and "Duplicate" in detail
    assert f"/posts/{post.pk}/delete/" not in detail


def test_the_admin_shows_a_published_post_read_only_and_will_not_delete_it(
    client, account, profile
):
    admin_user = get_user_model().objects.create_superuser(
        email="root@example.com", password="correct horse battery"
    )
    client.force_login(admin_user)
    post = post_on(account, profile, "published")
    MediaFactory(post=post)
    url = f"/admin/publishing/post/{post.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="caption"' not in page and "Old caption" in page
    assert "so its content is locked" in page
    client.post(url, {"caption": "Changed in admin", "post_type": "feed"})
    assert Post.objects.get(pk=post.pk).caption == "Old caption"
    assert (
        client.post(f"/admin/publishing/post/{post.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Post.objects.filter(pk=post.pk).exists()

    draft = post_on(account, profile, "pending")
    assert (
        'name="caption"'
        in client.get(f"/admin/publishing/post/{draft.pk}/change/").content.decode()
    )
    client.post(f"/admin/publishing/post/{draft.pk}/delete/", {"post": "yes"})
    assert not Post.objects.filter(pk=draft.pk).exists()
    assert PostDeletion.objects.get(post_ref=draft.pk).actor_label == "root@example.com in admin"


# Duplicate --------------------------------------------------------------------------------------


def stored_media(post, name="a") -> PostMedia:
    media = PostMedia(post=post, kind="image", mime_type="image/jpeg", position=0)
    media.file.save(name, ContentFile(image_bytes()), save=True)
    return media


def test_duplicate_makes_a_draft_with_the_same_content_and_profiles(account, profile, owner):
    other = ProfileFactory(connection__account=account, name="Acme FB")
    post = PostFactory(account=account, caption="Launch", post_type="feed", bucket="promo",
                       link="https://example.com/x", title="T", first_comment="First!",
                       options={"privacy_level": "SELF_ONLY"})  # fmt: skip
    TargetFactory(post=post, profile=profile, status="published", scheduled_at=SOON)
    TargetFactory(post=post, profile=other, status="cancelled", posting_mode="manual")
    original = stored_media(post)
    MediaFactory(post=post, position=1, url="https://cdn.example.com/b.jpg")
    actor = Actor(user=get_user_model().objects.create_user(email="m@example.com", password="x"))

    copy = post_duplicate(post=post, actor=actor)

    assert copy.pk != post.pk and copy.status == "draft" and copy.version == 1
    assert (copy.account, copy.created_by, copy.changed_by_key) == (account, actor.user,
                                                                    actor.identity)  # fmt: skip
    fields = ["caption", "post_type", "bucket", "link", "title", "first_comment", "options"]
    assert {f: getattr(copy, f) for f in fields} == {f: getattr(post, f) for f in fields}
    media = list(copy.media.all())
    assert [m.file.name for m in media] == [original.file.name, ""]  # the same stored file
    assert [m.url for m in media] == ["", "https://cdn.example.com/b.jpg"]
    targets = {t.profile_id: t for t in copy.targets.all()}
    assert set(targets) == {profile.pk, other.pk}
    assert {(t.status, t.scheduled_at) for t in targets.values()} == {("pending", None)}
    assert targets[other.pk].posting_mode == "manual"
    assert copy.audit.get().reason == f"duplicated from post {post.pk}"
    assert post.targets.get(profile=profile).status == "published"  # the original is untouched


def test_the_versions_hook_copies_nothing_while_post_has_no_versions(account):
    post = PostFactory(account=account)
    copy = PostFactory(account=account)
    expected = 0 if not hasattr(post, "versions") else post.versions.count()
    assert post_versions_copy(source=post, copy=copy) == expected


def test_duplicate_from_the_post_page_opens_the_new_draft(client, account, profile):
    from tests.factories import MembershipFactory, UserFactory

    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")  # duplicating is composing
    client.force_login(reviewer)
    post = post_on(account, profile, "published")
    response = client.post(f"/a/{account.slug}/posts/{post.pk}/duplicate/")
    copy = Post.objects.exclude(pk=post.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{account.slug}/posts/{copy.pk}/"
    assert (copy.status, copy.created_by, copy.caption) == ("draft", reviewer, "Old caption")
    assert client.get(f"/a/{account.slug}/posts/{post.pk}/duplicate/").status_code == 405


def test_duplicate_through_the_api(api, account, profile):
    post = post_on(account, profile, "published")
    response = api.post(f"/posts/{post.pk}/duplicate")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["caption"] == "Old caption"
    assert [(t["profile_id"], t["status"]) for t in body["targets"]] == [(profile.pk, "pending")]
    assert api.post("/posts/999999/duplicate").status_code == 404


# Delete -----------------------------------------------------------------------------------------


def test_delete_cancels_through_the_transitions_frees_slots_and_records_who(
    account, profile, actor
):
    post = post_on(account, profile, "scheduled")
    post_id, target = post.pk, post.targets.get()
    slot = Slot.objects.create(profile=profile, starts_at=SOON, local_date=SOON.date(),
                               source="automatic", target=target)  # fmt: skip
    TargetFactory(post=post, status="cancelled", scheduled_at=None)
    released = []
    target_slot_released.connect(
        receiver := lambda sender, target, **kw: released.append(target.pk)
    )
    try:
        record = post_delete(post=post, actor=actor)
    finally:
        target_slot_released.disconnect(receiver)

    assert not Post.objects.filter(pk=post_id).exists()
    assert not PostTarget.objects.filter(post_id=post_id).exists()
    slot.refresh_from_db()
    assert slot.target is None  # the time goes back to the schedule
    assert released == [target.pk]  # only the target that was waiting, through the signal
    assert (record.post_ref, record.account, record.caption) == (post_id, account, "Old caption")
    assert (record.actor, record.actor_label) == (actor.user, "owner in test")
    assert [(t["target"], t["status"]) for t in record.targets] == [
        (target.pk, "scheduled"),
        (record.targets[1]["target"], "cancelled"),
    ]


@pytest.mark.parametrize(("status", "fields", "phrase"), LIVE)
def test_a_post_that_may_be_live_is_not_deleted(account, profile, actor, status, fields, phrase):
    post = post_on(account, profile, status, **fields)
    waiting = TargetFactory(post=post, status="scheduled")
    expected = re.escape(f"Post {post.pk} is {phrase}, so it cannot be deleted here;")
    with pytest.raises(PostLocked, match=expected):
        post_delete(post=post, actor=actor)
    assert Post.objects.filter(pk=post.pk).exists()
    assert PostTarget.objects.get(pk=waiting.pk).status == "scheduled"
    assert not PostDeletion.objects.exists()


def test_deleting_a_post_keeps_files_its_duplicate_still_uses(
    account, profile, actor, media_root, django_capture_on_commit_callbacks
):
    post = post_on(account, profile, "pending")
    name = stored_media(post).file.name
    own = stored_media(post, "b").file.name
    copy = post_duplicate(post=post, actor=actor)
    PostMedia.objects.filter(post=copy, file=own).delete()  # the copy dropped one of them

    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete commits
        post_delete(post=post, actor=actor)
    assert (media_root / name).exists()  # the duplicate still shows it
    assert not (media_root / own).exists()  # nobody uses it any more

    with django_capture_on_commit_callbacks(execute=True):
        post_delete(post=Post.objects.get(pk=copy.pk), actor=actor)
    assert not (media_root / name).exists()


def test_the_delete_page_asks_first_with_times_in_the_account_zone(owner_client, account, profile):
    account.timezone = "America/New_York"
    account.save()
    post = post_on(account, profile, "scheduled")
    url = f"/a/{account.slug}/posts/{post.pk}/delete/"
    detail = owner_client.get(f"/a/{account.slug}/posts/{post.pk}/").content.decode()
    assert f'href="{url}"' in detail

    page = owner_client.get(url).content.decode()
    assert f"Delete post {post.pk}?" in page and "Acme" in page and "Old caption" in page
    assert "Scheduled (America/New_York)" in page
    assert "Fri 1 Mar 2030 12:30 EST" in page  # 17:30 UTC
    assert "csrfmiddlewaretoken" in page
    assert Post.objects.filter(pk=post.pk).exists()

    response = owner_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/a/{account.slug}/queue/"
    assert f"Post {post.pk} was deleted." in response.content.decode()
    assert not Post.objects.filter(pk=post.pk).exists()


def test_the_delete_page_refuses_a_published_post(owner_client, account, profile):
    post = post_on(account, profile, "published")
    url = f"/a/{account.slug}/posts/{post.pk}/delete/"
    for response in (owner_client.get(url), owner_client.post(url)):
        assert response.status_code == 409
        assert "already published on Instagram · Acme, so it cannot be deleted" in (
            response.content.decode()
        )
    assert Post.objects.filter(pk=post.pk).exists()


def test_delete_needs_the_csrf_token(owner, account, profile):
    post = post_on(account, profile, "scheduled")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(f"/a/{account.slug}/posts/{post.pk}/delete/").status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


def test_delete_through_the_api(api, account, profile):
    post = post_on(account, profile, "scheduled")
    live = post_on(account, profile, "published")
    deleted = api.client.delete(f"/api/v1/posts/{post.pk}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert not Post.objects.filter(pk=post.pk).exists()
    refused = api.client.delete(f"/api/v1/posts/{live.pk}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"Post {live.pk} is already published on Instagram · Acme, so it cannot be deleted "
        "here; remove it on the platform, or cancel the targets that are not live yet."
    )
    assert api.client.delete(f"/api/v1/posts/{post.pk}").status_code == 404


# Restore ----------------------------------------------------------------------------------------


def test_restore_puts_a_cancelled_target_back_to_pending(account, profile, actor):
    target = TargetFactory(post__account=account, profile=profile, status="cancelled",
                           attempts=2, error_code="x", error_message="y")  # fmt: skip
    target_restore(target=target, actor=actor)
    target.refresh_from_db()
    assert (target.status, target.scheduled_at, target.attempts, target.error_code) == (
        "pending", None, 0, "")  # fmt: skip
    entry = AuditEntry.objects.get(target=target)
    assert (entry.from_status, entry.to_status, entry.reason) == (
        "cancelled",
        "pending",
        "restored",
    )

    with pytest.raises(InvalidTransition, match="Only cancelled targets can be restored"):
        target_restore(target=target, actor=actor)


def test_a_restored_target_is_attached_by_the_scheduler_as_usual(account, profile, actor):
    from scheduling.services import slots_compute, targets_attach

    target = TargetFactory(post__account=account, profile=profile, status="cancelled",
                           scheduled_at=None)  # fmt: skip
    slots_compute(accounts=[account])
    target_restore(target=target, actor=actor)
    targets_attach(account=account)
    target.refresh_from_db()
    assert target.status == "scheduled"
    assert target.scheduled_at == Slot.objects.get(target=target).starts_at


def test_restore_from_the_post_page_and_the_api(owner_client, api, account, profile):
    first = TargetFactory(post__account=account, profile=profile, status="cancelled")
    second = TargetFactory(post__account=account, profile=profile, status="cancelled")
    detail = owner_client.get(f"/a/{account.slug}/posts/{first.post_id}/").content.decode()
    assert f"/targets/{first.pk}/restore/" in detail

    response = owner_client.post(f"/a/{account.slug}/targets/{first.pk}/restore/", follow=True)
    assert "Restored on Acme" in response.content.decode()
    assert PostTarget.objects.get(pk=first.pk).status == "pending"

    body = api.post(f"/targets/{second.pk}/restore").json()
    assert (body["id"], body["status"]) == (second.pk, "pending")
    again = api.post(f"/targets/{second.pk}/restore")
    assert again.status_code == 409 and "Only cancelled targets" in again.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["posts/{post}/duplicate/", "posts/{post}/delete/", "targets/{target}/restore/"],
)
def test_outsiders_get_404(outsider_client, account, profile, path):
    target = TargetFactory(post__account=account, profile=profile, status="cancelled")
    url = f"/a/{account.slug}/" + path.format(post=target.post_id, target=target.pk)
    assert outsider_client.post(url).status_code == 404
    assert Post.objects.count() == 1
    assert PostTarget.objects.get(pk=target.pk).status == "cancelled"


# Bulk cancel asks first -------------------------------------------------------------------------


def test_bulk_cancel_shows_what_will_be_cancelled_before_cancelling(owner_client, account, profile):
    targets = [TargetFactory(post__account=account, post__caption=f"Queued {n}", profile=profile,
                             scheduled_at=timezone.now() + timedelta(days=n + 1))
               for n in range(2)]  # fmt: skip
    ids = [t.pk for t in targets]
    url = f"/a/{account.slug}/queue/"
    page = owner_client.post(url, {"action": "cancel", "target": ids})
    html = page.content.decode()
    assert page.status_code == 200 and "Cancel 2 posts?" in html
    assert "Queued 0" in html and "Queued 1" in html and 'name="confirmed" value="1"' in html
    assert all(f'name="target" value="{pk}"' in html for pk in ids)
    assert set(PostTarget.objects.values_list("status", flat=True)) == {"scheduled"}

    queue = owner_client.get(url).content.decode()
    assert 'value="cancel" class="btn secondary" data-confirm=' in queue

    done = owner_client.post(
        url, {"action": "cancel", "target": ids, "confirmed": "1"}, follow=True
    )
    assert "Cancelled 2 posts." in done.content.decode()
    assert set(PostTarget.objects.values_list("status", flat=True)) == {"cancelled"}


def test_bulk_cancel_confirmation_needs_the_csrf_token(owner, account, profile):
    target = TargetFactory(post__account=account, profile=profile)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        f"/a/{account.slug}/queue/", {"action": "cancel", "target": [target.pk], "confirmed": "1"}
    )
    assert response.status_code == 403
    assert PostTarget.objects.get(pk=target.pk).status == "scheduled"
