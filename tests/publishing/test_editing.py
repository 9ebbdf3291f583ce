"""Editing everything of a post before it goes out (issue 15 part 5): content, media and their
order, profiles, versions — through the composer and the service; a change is a new version;
a post that may be live is locked."""

import re

import pytest

from library.services import asset_upload
from publishing.editing import PostChanges, post_update
from publishing.lifecycle import PostLocked
from publishing.models import Post, PostTarget
from publishing.services import Actor, MediaInput, post_create
from tests.factories import MembershipFactory, ProfileFactory, UserFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
ME = Actor(label="me", key="user:1")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(account):
    ig = ProfileFactory(connection__account=account, platform="instagram", name="Acme IG")
    fb = ProfileFactory(connection__account=account, platform="facebook", name="Acme Page")
    a, b = (asset_upload(account=account, upload=upload(f"{n}.jpg", image_bytes()))
            for n in ("a", "b"))  # fmt: skip
    post = post_create(
        account=account, actor=ME, caption="Before", post_type="feed",
        media=[MediaInput(asset=a)], profile_ids=[ig.pk], submit=False,
    )  # fmt: skip
    return post, ig, fb, a, b


def changes(**overrides) -> PostChanges:
    base = dict(caption="After", title="", first_comment="", post_type="carousel", bucket="",
                link="", media=[], profile_ids=[], options={}, versions={})  # fmt: skip
    return PostChanges(**{**base, **overrides})


def test_everything_changes_in_one_edit(world):
    post, ig, fb, a, b = world
    post_update(post=post, actor=ME, changes=changes(
        media=[MediaInput(asset=b), MediaInput(asset=a)], profile_ids=[ig.pk, fb.pk],
        versions={"facebook": {"caption": "For the Page", "post_type": "feed", "media": [0]}},
    ))  # fmt: skip
    post.refresh_from_db()
    assert (post.caption, post.post_type, post.version) == ("After", "carousel", 2)
    assert [m.asset_id for m in post.media.order_by("position")] == [b.pk, a.pk]
    assert dict(post.targets.values_list("profile__platform", "post_type")) == {
        "instagram": "carousel", "facebook": "feed",
    }  # fmt: skip
    assert post.versions.get().caption == "For the Page"


def test_taking_a_profile_off_cancels_its_target_and_putting_it_back_restores_it(world):
    post, ig, fb, a, _ = world
    post_update(post=post, actor=ME, changes=changes(media=[MediaInput(asset=a)], post_type="feed",
                                                     profile_ids=[fb.pk]))  # fmt: skip
    assert dict(post.targets.values_list("profile__platform", "status")) == {
        "instagram": "cancelled", "facebook": "pending",
    }  # fmt: skip
    post_update(post=post, actor=ME, changes=changes(media=[MediaInput(asset=a)], post_type="feed",
                                                     profile_ids=[ig.pk, fb.pk]))  # fmt: skip
    assert set(post.targets.values_list("status", flat=True)) == {"pending"}


def test_an_unchanged_edit_is_not_a_new_version(world):
    post, ig, _, a, _ = world
    post_update(post=post, actor=ME, changes=changes(
        caption="Before", post_type="feed", media=[MediaInput(asset=a)], profile_ids=[ig.pk]
    ))  # fmt: skip
    post.refresh_from_db()
    assert post.version == 1


def test_an_approved_post_is_checked_and_goes_back_for_approval(world, account):
    post, ig, _, a, _ = world
    account.approval_required = True
    account.save()
    Post.objects.filter(pk=post.pk).update(status="approved")
    post.refresh_from_db()
    with pytest.raises(Exception) as refused:
        post_update(post=post, actor=ME, changes=changes(
            caption="x" * 2201, post_type="feed", media=[MediaInput(asset=a)], profile_ids=[ig.pk]
        ))  # fmt: skip
    assert "Instagram allows 2200" in str(refused.value)
    post_update(post=post, actor=ME, changes=changes(
        caption="Fine", post_type="feed", media=[MediaInput(asset=a)], profile_ids=[ig.pk]
    ))  # fmt: skip
    post.refresh_from_db()
    assert (post.status, post.caption) == ("awaiting_approval", "Fine")


def test_a_post_that_may_be_live_is_locked(world):
    post, ig, _, a, _ = world
    PostTarget.objects.filter(post=post).update(status="published")
    with pytest.raises(PostLocked):
        post_update(post=post, actor=ME, changes=changes(media=[MediaInput(asset=a)],
                                                         profile_ids=[ig.pk]))  # fmt: skip
    post.refresh_from_db()
    assert post.caption == "Before"


def test_the_composer_edits_a_post_starting_from_what_it_is(world, owner_client, account):
    post, ig, fb, a, b = world
    page = owner_client.get(f"/a/{account.slug}/posts/{post.pk}/compose/").content.decode()
    assert "Edit post" in page and ">\nBefore</textarea>" in page
    assert re.search(rf'name="library_media" value="{a.pk}" checked', page)
    assert 'name="when"' not in page  # its time changes by rescheduling
    response = owner_client.post(f"/a/{account.slug}/posts/{post.pk}/compose/", {
        "caption": "Edited in the composer", "post_type": "feed", "profiles": [ig.pk, fb.pk],
        "library_media": [b.pk, a.pk], "facebook_customise": "on",
        "facebook_caption": "Page words",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-1500:]
    post.refresh_from_db()
    assert post.caption == "Edited in the composer"
    assert [m.asset_id for m in post.media.order_by("position")] == [b.pk, a.pk]
    assert post.versions.get().caption == "Page words"


def test_the_edit_page_is_404_for_an_outsider_and_open_to_each_role(
    world, account, outsider_client, client
):
    post = world[0]
    url = f"/a/{account.slug}/posts/{post.pk}/compose/"
    assert outsider_client.get(url).status_code == 404
    for role in ("admin", "marketer", "reviewer"):  # composing and editing are for every role
        user = UserFactory()
        MembershipFactory(user=user, account=account, role=role)
        client.force_login(user)
        assert client.get(url).status_code == 200, role
