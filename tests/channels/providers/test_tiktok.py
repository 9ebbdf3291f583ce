"""TikTok end to end against the fake: connect, drafts (manual) and Direct Post, chunked upload,
photo slideshows, status polling, token refresh with rotation, revocation and reconnect."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from channels.models import ChannelConnection, Profile
from publishing.dispatch import dispatch_due
from publishing.models import PostMedia, PostTarget
from tests.factories import MediaFactory, PostFactory
from tests.helpers import connect

pytestmark = pytest.mark.django_db
VIDEO = "https://cdn.example.com/clip.mp4"


@pytest.fixture
def creator(owner_client, account, fake_tiktok) -> Profile:
    response = connect(platform="tiktok", account=account, client=owner_client)
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(platform="tiktok")
    # Direct Post needs a privacy level the creator chose (TikTok allows no default).
    profile.extra = {**profile.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
    profile.save(update_fields=["extra"])
    return profile


def make_target(account, profile, *, post_type="video", media=(("video", VIDEO),), mode=None,
                caption="Watch this #fyp", title=""):  # fmt: skip
    post = PostFactory(account=account, post_type=post_type, caption=caption, title=title)
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
        posting_mode=mode or profile.posting_mode,
    )  # fmt: skip


def reload(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def test_connect_uses_pkce_and_keeps_both_tokens(creator, fake_tiktok):
    authorize = next(r for r in fake_tiktok.requests if r.path == "/v2/auth/authorize/")
    assert authorize.query["code_challenge_method"] == "S256"
    token_call = next(r for r in fake_tiktok.requests if r.path == "/v2/oauth/token/")
    assert len(token_call.form["code_verifier"]) >= 43
    connection = creator.connection
    assert connection.refresh_token in fake_tiktok.refresh_tokens
    assert (connection.token_expires_at - timezone.now()) > timedelta(hours=23)
    assert (creator.name, creator.username, creator.posting_mode) == (
        "Brand Tok", "brandtok", "manual",
    )  # fmt: skip


def test_manual_mode_sends_to_drafts_then_follows_the_creator(creator, account, fake_tiktok):
    target = make_target(account, creator)
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        dispatch_due()
        target = reload(target)
        assert target.status == "sent_to_drafts"
        publish_id = target.platform_state["publish_id"]
        assert fake_tiktok.publishes[publish_id].mode == "inbox"
        clock.shift(timedelta(minutes=15))
        dispatch_due()
        assert reload(target).status == "sent_to_drafts"  # the creator has not posted yet
        fake_tiktok.user_posts_draft(publish_id)
        clock.shift(timedelta(minutes=15))
        dispatch_due()
    target = reload(target)
    assert target.status == "published"
    post_id = fake_tiktok.publishes[publish_id].post_id
    assert target.permalink == f"https://www.tiktok.com/@brandtok/video/{post_id}"


def test_direct_post_from_url_with_the_profiles_privacy(creator, account, fake_tiktok):
    creator.extra = {"privacy_level": "MUTUAL_FOLLOW_FRIENDS"}
    creator.save()
    fake_tiktok.processing_polls = 1
    target = make_target(account, creator, mode="automatic")
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        dispatch_due()
        target = reload(target)
        assert (target.status, target.attempts) == ("publishing", 0)  # processing, polled later
        clock.shift(30)
        dispatch_due()
    target = reload(target)
    assert target.status == "published"
    (publish,) = fake_tiktok.publishes.values()
    assert (publish.mode, publish.source, publish.privacy) == (
        "direct", "PULL_FROM_URL", "MUTUAL_FOLLOW_FRIENDS",
    )  # fmt: skip
    assert publish.title == "Watch this #fyp"
    init = next(r for r in fake_tiktok.requests if r.path == "/v2/post/publish/video/init/")
    assert init.form["post_info"]["disable_duet"] is True  # the creator turned duets off


def test_hosted_video_is_uploaded_in_chunks(creator, account, fake_tiktok, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    target = make_target(account, creator, mode="automatic", media=())
    media = PostMedia(post=target.post, kind="video", mime_type="video/mp4")
    media.file.save("clip.mp4", ContentFile(b"\0" * (25 * 1024 * 1024)), save=True)
    dispatch_due()
    assert reload(target).status == "published"
    (publish,) = fake_tiktok.publishes.values()
    assert publish.source == "FILE_UPLOAD"
    assert publish.chunks == [
        f"bytes 0-{10 * 1024 * 1024 - 1}/{25 * 1024 * 1024}",
        f"bytes {10 * 1024 * 1024}-{25 * 1024 * 1024 - 1}/{25 * 1024 * 1024}",
    ]


def test_photo_slideshow(creator, account, fake_tiktok):
    images = [("image", f"https://cdn.example.com/{n}.jpg") for n in range(3)]
    target = make_target(account, creator, post_type="photo_slideshow", media=images,
                         mode="automatic", title="Three looks")  # fmt: skip
    dispatch_due()
    assert reload(target).status == "published"
    init = next(r for r in fake_tiktok.requests if r.path == "/v2/post/publish/content/init/")
    assert init.form["post_info"]["title"] == "Three looks"
    assert init.form["source_info"]["photo_images"] == [url for _, url in images]
    assert init.form["post_mode"] == "DIRECT_POST"


def test_privacy_the_creator_cannot_use_fails_clearly(creator, account, fake_tiktok):
    fake_tiktok.privacy_options = ["SELF_ONLY"]
    target = make_target(account, creator, mode="automatic")
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "privacy_level_option_mismatch")
    assert "SELF_ONLY" in target.error_message


def test_too_long_for_this_creator(creator, account, fake_tiktok):
    fake_tiktok.max_duration = 60
    target = make_target(account, creator, mode="automatic")
    target.post.media.update(duration_s=90)
    dispatch_due()
    assert reload(target).error_code == "duration_check_failed"


def test_rate_limit_and_5xx_follow_the_retry_policy(creator, account, fake_tiktok):
    fake_tiktok.fail_rate_limit(path="/creator_info")
    target = make_target(account, creator, mode="automatic")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        dispatch_due()
    target = reload(target)
    assert (target.status, target.attempts, target.next_attempt_at) == (
        "scheduled", 0, now + timedelta(seconds=60),
    )  # fmt: skip
    fake_tiktok.fail_500(path="/creator_info")
    with time_machine.travel(now + timedelta(seconds=60), tick=False):
        dispatch_due()
    target = reload(target)
    assert (target.status, target.attempts, target.error_code) == ("scheduled", 1, "internal_error")


def test_expired_access_token_is_refreshed_inline_with_rotation(creator, account, fake_tiktok):
    old_refresh = creator.connection.refresh_token
    fake_tiktok.expire_access_tokens()
    target = make_target(account, creator, mode="automatic")
    dispatch_due()  # access_token_invalid → refresh → rescheduled now
    dispatch_due()
    assert reload(target).status == "published"
    connection = ChannelConnection.objects.get(pk=creator.connection_id)
    assert connection.refresh_token != old_refresh
    assert connection.refresh_token in fake_tiktok.refresh_tokens
    assert old_refresh not in fake_tiktok.refresh_tokens


def test_revoked_grant_holds_posts_until_reconnect(creator, account, fake_tiktok, owner_client):
    fake_tiktok.revoke()
    target = make_target(account, creator, mode="automatic")
    later = make_target(account, creator, mode="automatic")
    PostTarget.objects.filter(pk=later.pk).update(scheduled_at=timezone.now() + timedelta(days=1))
    dispatch_due()
    assert reload(target).status == "pending"
    assert reload(later).status == "pending"  # held as well, not failed
    connection = ChannelConnection.objects.get(pk=creator.connection_id)
    assert connection.status == "disconnected"
    assert (
        "Reconnect to release 2 posts" in owner_client.get(f"/a/{account.slug}/").content.decode()
    )

    connect(platform="tiktok", account=account, client=owner_client)
    assert ChannelConnection.objects.get(pk=connection.pk).status == "active"
    assert reload(target).status == "scheduled" and reload(later).status == "scheduled"
    dispatch_due()
    assert reload(target).status == "published"


def test_verified_prefixes_come_from_the_environment(settings, monkeypatch):
    from channels.providers.tiktok.media import verified_prefixes

    if hasattr(settings, "TIKTOK_VERIFIED_URL_PREFIXES"):
        del settings.TIKTOK_VERIFIED_URL_PREFIXES
    monkeypatch.setenv("TIKTOK_VERIFIED_URL_PREFIXES", " https://cdn.example.com/v/ ,,")
    assert verified_prefixes() == ["https://cdn.example.com/v/"]
    monkeypatch.delenv("TIKTOK_VERIFIED_URL_PREFIXES")
    assert verified_prefixes() == []
