"""`manage.py sandbox_metrics`: time passes for sandbox posts, and Reports get figures."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.models import MetricCollection, MetricSnapshot
from channels.models import Profile
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import TargetFactory
from tests.sandbox.fixtures import sandbox_connect


def _connect(owner_client, account, platform: str) -> Profile:
    start = owner_client.post(f"/a/{account.slug}/channels/connect/{platform}/")
    assert sandbox_connect(owner_client, start["Location"]).status_code == 302
    return Profile.objects.get(account=account, platform=platform)


def _post(api, profile: Profile, post_type: str, media: dict) -> int:
    response = api.post("/posts", {
        "caption": f"Sandbox {post_type} #tryit", "post_type": post_type, "media": [media],
        "targets": [profile.pk], "scheduled_at": "2026-01-01T09:00:00+00:00",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()["targets"][0]["id"]


def test_refuses_with_a_sentence_when_sandbox_mode_is_off(settings):
    settings.SOCIALDIST_SANDBOX = False
    with pytest.raises(CommandError, match="^Sandbox mode is off, so there are no sandbox"):
        call_command("sandbox_metrics")


def test_says_how_to_start_the_sandbox_when_it_is_not_running(settings, db):
    settings.SOCIALDIST_SANDBOX = True
    settings.SOCIALDIST_SANDBOX_URLS = {"tests.fakes.tiktok.FakeTikTok": "http://127.0.0.1:9"}
    with pytest.raises(CommandError, match="start them with `make run`"):
        call_command("sandbox_metrics")


def test_posts_sandbox_drafts_and_collects_every_metric_read_now(
    owner_client, account, api, sandbox, settings
):
    settings.TIKTOK_VERIFIED_URL_PREFIXES = ["https://cdn.example.com/"]
    instagram = _connect(owner_client, account, "instagram")
    tiktok = _connect(owner_client, account, "tiktok")
    assert tiktok.posting_mode == "manual"  # TikTok profiles start on the drafts inbox
    image = {"url": "https://cdn.example.com/roast.jpg", "kind": "image"}
    video = {"url": "https://cdn.example.com/clip.mp4", "kind": "video"}
    ig_target = _post(api, instagram, "feed", image)
    tt_target = _post(api, tiktok, "video", video)
    dispatch_due()
    assert PostTarget.objects.get(pk=ig_target).status == "published"
    assert PostTarget.objects.get(pk=tt_target).status == "sent_to_drafts"
    # A real (non-sandbox) profile's reads keep their time.
    other = TargetFactory(post__account=account, status="published", platform_post_id="1")
    MetricCollection.objects.create(target=other, window="24h", due_at="2099-01-01T00:00Z")
    assert not MetricSnapshot.objects.exists()

    out = StringIO()
    call_command("sandbox_metrics", stdout=out)

    assert PostTarget.objects.get(pk=tt_target).status == "published"  # posted from drafts
    assert "1 sandbox draft was posted by its creator." in out.getvalue()
    snapshots = MetricSnapshot.objects.filter(target__profile__extra__sandbox=True)
    assert {s.target_id for s in snapshots} == {ig_target, tt_target}
    assert all(s.reach or s.views for s in snapshots)
    assert f"Collected {snapshots.count()} sandbox metric reads (0 failed)" in out.getvalue()
    assert not MetricCollection.objects.get(target=other).done_at

    reports = owner_client.get(f"/a/{account.slug}/reports/").content.decode()
    assert "Brand 1 (Sandbox)" in reports
