"""Every Instagram format through the dispatcher against the fake Graph API."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import MediaFactory, TargetFactory

pytestmark = pytest.mark.django_db

IMG = "https://cdn.example.com/{}.jpg"
VID = "https://cdn.example.com/{}.mp4"


@pytest.fixture
def make_target(fake_instagram):
    fake_instagram.tokens.add("live-token")

    def make(post_type: str, media: list[tuple[str, str]], caption="A post #tag"):
        target = TargetFactory(
            profile__external_id="1784140001",
            profile__connection__access_token="live-token",
            post__post_type=post_type,
            post__caption=caption,
        )
        for position, (kind, url) in enumerate(media):
            MediaFactory(post=target.post, kind=kind, url=url, position=position)
        return target

    return make


def created(fake, **params) -> list[dict]:
    return [
        r.form
        for r in fake.requests
        if r.method == "POST"
        and r.path.endswith("/media")
        and all(r.form.get(k) == v for k, v in params.items())
    ]


def test_single_image_feed_post(make_target, fake_instagram):
    target = make_target("feed", [("image", IMG.format("a"))])
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    (container,) = created(fake_instagram)
    assert container == {"image_url": IMG.format("a"), "caption": "A post #tag"}
    assert "/p/" in target.permalink


def test_carousel_of_images_and_video(make_target, fake_instagram):
    target = make_target(
        "carousel", [("image", IMG.format(1)), ("video", VID.format(2)), ("image", IMG.format(3))]
    )
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    children = created(fake_instagram, is_carousel_item="true")
    assert [c.get("image_url") or c.get("video_url") for c in children] == [
        IMG.format(1),
        VID.format(2),
        IMG.format(3),
    ]
    assert children[1]["media_type"] == "VIDEO"
    assert all("caption" not in c for c in children)
    (parent,) = created(fake_instagram, media_type="CAROUSEL")
    assert parent["children"] == ",".join(target.platform_state["children"])
    assert parent["caption"] == "A post #tag"
    assert fake_instagram.published_count() == 1


def test_carousel_waits_for_video_children_without_recreating_them(make_target, fake_instagram):
    fake_instagram.processing_polls = 1
    target = make_target("carousel", [("image", IMG.format(1)), ("video", VID.format(2))])
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        dispatch_due()
        target.refresh_from_db()
        assert (target.status, target.attempts) == ("publishing", 0)
        clock.shift(60)
        dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    assert len(created(fake_instagram, is_carousel_item="true")) == 2


def test_story_has_no_caption(make_target, fake_instagram):
    target = make_target("story", [("image", IMG.format("s"))], caption="")
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    (container,) = created(fake_instagram)
    assert container == {"image_url": IMG.format("s"), "media_type": "STORIES"}


def test_reel_shares_to_feed(make_target, fake_instagram):
    target = make_target("reel", [("video", VID.format("r"))])
    dispatch_due()
    target.refresh_from_db()
    (container,) = created(fake_instagram)
    assert container["media_type"] == "REELS" and container["share_to_feed"] == "true"
    assert "/reel/" in target.permalink


def test_spent_publishing_limit_moves_the_target_to_the_next_day(make_target, fake_instagram):
    fake_instagram.quota_total = 0
    target = make_target("feed", [("image", IMG.format("q"))])
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        dispatch_due()
    target = PostTarget.objects.get(pk=target.pk)
    assert (target.status, target.attempts, target.error_code) == (
        "scheduled",
        0,
        "publishing_limit",
    )
    assert target.next_attempt_at == now + timedelta(days=1)
    assert "0/0" in target.error_message
    assert created(fake_instagram) == []  # nothing was uploaded


@pytest.mark.parametrize(
    ("post_type", "media", "code"),
    [
        ("carousel", [("image", IMG.format(1))], "media_count"),
        ("carousel", [("image", IMG.format(n)) for n in range(11)], "media_count"),
        ("story", [("image", IMG.format(1)), ("image", IMG.format(2))], "media_count"),
        ("article", [("image", IMG.format(1))], "unsupported_post_type"),
        ("feed", [("video", VID.format(1))], "media_kind"),
    ],
)
def test_content_that_breaks_a_limit_fails_with_a_clear_code(
    make_target, fake_instagram, post_type, media, code
):
    target = make_target(post_type, media)
    dispatch_due()
    target.refresh_from_db()
    assert (target.status, target.error_code) == ("failed", code)
    assert fake_instagram.requests == []
