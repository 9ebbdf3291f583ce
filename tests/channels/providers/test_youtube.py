"""YouTube against the fake: Google OAuth (offline, consent, refresh tokens kept), channels as
profiles, the resumable upload and its recovery, processing, thumbnails, the quota budget, the
private lock of unaudited projects, and metrics."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from channels.http import PlatformHTTP
from channels.models import ChannelConnection, Profile
from channels.providers import get_provider
from channels.providers.base import MetricsRequest
from channels.providers.youtube import YouTubeProvider
from channels.services import connection_refresh
from publishing.dispatch import dispatch_due, targets_reconcile_stuck
from publishing.models import PostMedia, PostTarget
from tests.factories import MediaFactory, PostFactory
from tests.fakes.youtube import google_error
from tests.helpers import connect

pytestmark = pytest.mark.django_db
CLIP = "https://cdn.example.com/clip.mp4"
KiB = 1024
UPLOADS = "/upload/youtube/v3/videos"
THUMB = "https://cdn.example.com/t.jpg"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(YouTubeProvider, "chunk_size", 256 * KiB)


@pytest.fixture
def channel(owner_client, account, fake_youtube) -> Profile:
    response = connect(platform="youtube", account=account, client=owner_client)
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(platform="youtube")
    profile.extra = {**profile.extra, "made_for_kids": "no"}
    profile.posting_mode = "automatic"
    profile.save(update_fields=["extra", "posting_mode"])
    return profile


def make_target(profile, *, post_type="video", media=(("video", CLIP),), title="Roast day",
                caption="How we roast #coffee", options=None) -> PostTarget:  # fmt: skip
    post = PostFactory(account=profile.account, post_type=post_type, caption=caption,
                       title=title, options=options or {})  # fmt: skip
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip


def reload(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def settle(target, ticks: int = 8) -> PostTarget:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(ticks):
            dispatch_due()
            current = reload(target)
            if current.status in ("published", "failed", "pending"):
                return current
            clock.shift(timedelta(minutes=5))
    return reload(target)


def probes(fake) -> list:
    return [
        r for r in fake.calls("PUT", UPLOADS) if r.headers["content-range"].startswith("bytes */")
    ]


# Connect ----------------------------------------------------------------------------------------
def test_connect_asks_for_offline_access_with_consent(channel, fake_youtube):
    authorize = next(r for r in fake_youtube.requests if r.path == "/o/oauth2/v2/auth")
    assert authorize.query["access_type"] == "offline"
    assert authorize.query["prompt"] == "consent"
    assert "youtube.upload" in authorize.query["scope"]
    connection = channel.connection
    assert connection.refresh_token in fake_youtube.refresh_tokens
    assert connection.external_user_id == fake_youtube.subject
    assert (channel.name, channel.username, channel.external_id) == (
        "Acme Coffee TV", "@acmecoffee", "UCfakeChannel000000000001",
    )  # fmt: skip


def test_every_channel_of_the_grant_is_a_profile(owner_client, account, fake_youtube):
    fake_youtube.channels.append({"id": "UCsecond", "title": "Acme Roastery", "customUrl": "@r"})
    connect(platform="youtube", account=account, client=owner_client)
    assert set(Profile.objects.values_list("name", flat=True)) == {
        "Acme Coffee TV",
        "Acme Roastery",
    }


def test_a_reconnect_without_a_refresh_token_keeps_the_old_one(channel, fake_youtube, owner_client):
    first = channel.connection.refresh_token
    fake_youtube.refresh_token_on_regrant = False  # Google's answer to the reconnect has none
    connect(platform="youtube", account=channel.account, client=owner_client)
    token_answers = [r for r in fake_youtube.requests if r.path == "/token"]
    assert len(token_answers) == 2
    connection = ChannelConnection.objects.get(pk=channel.connection_id)
    assert connection.refresh_token == first and connection.status == "active"
    fake_youtube.expire_access_tokens()
    assert connection_refresh(connection=connection)  # the kept token still refreshes


def test_refresh_keeps_the_refresh_token_when_google_sends_none(channel, fake_youtube):
    old = channel.connection.refresh_token
    result = get_provider("youtube").refresh(refresh_token=old, access_token="")
    assert result.refresh_token == old and result.access_token in fake_youtube.access_tokens
    assert timedelta(minutes=59) < result.expires_at - timezone.now() <= timedelta(hours=1)


def test_a_brand_account_channel_not_found_is_explained(owner_client, account, fake_youtube):
    fake_youtube.brand_account = True
    response = connect(platform="youtube", account=account, client=owner_client)
    page = owner_client.get(response["Location"]).content.decode()
    assert "Brand Account" in page and "Connect YouTube again" in page
    assert not Profile.objects.filter(platform="youtube").exists()


# Publishing -------------------------------------------------------------------------------------
def test_a_video_goes_up_in_256_kib_chunks_with_its_metadata(channel, fake_youtube):
    target = make_target(channel, options={"tags": ["coffee", "latte art"], "category_id": "26",
                                           "privacy_status": "unlisted",
                                           "contains_synthetic_media": True})  # fmt: skip
    target = settle(target)
    assert target.status == "published", target.error_message
    (video,) = fake_youtube.videos.values()
    assert target.platform_post_id == video.id
    assert target.permalink == f"https://www.youtube.com/watch?v={video.id}"
    assert (video.title, video.tags, video.category, video.privacy) == (
        "Roast day", ["coffee", "latte art"], "26", "unlisted",
    )  # fmt: skip
    assert video.made_for_kids is False and video.synthetic is True
    ranges = [r.headers["content-range"] for r in fake_youtube.calls("PUT", UPLOADS)]
    total = fake_youtube.media_size
    assert ranges == [f"bytes 0-262143/{total}", f"bytes 262144-524287/{total}",
                      f"bytes 524288-{total - 1}/{total}"]  # fmt: skip
    start = fake_youtube.calls("POST", UPLOADS)[0]
    assert start.headers["x-upload-content-length"] == str(total)
    assert start.query["uploadType"] == "resumable"


def test_a_short_links_to_shorts(channel, fake_youtube, settings, tmp_path):
    from tests.media_files import video_bytes

    settings.MEDIA_ROOT = tmp_path
    target = make_target(channel, post_type="short", media=())
    media = PostMedia(post=target.post, kind="video", mime_type="video/mp4", width=64, height=64,
                      duration_s=1.0)  # fmt: skip
    media.file.save("short.mp4", ContentFile(video_bytes()), save=True)
    target = settle(target)
    assert target.status == "published", target.error_message
    assert target.permalink.startswith("https://www.youtube.com/shorts/")
    (video,) = fake_youtube.videos.values()
    assert video.size == media.file.size  # the stored file, read through default_storage


def test_a_5xx_mid_upload_is_probed_and_resumed_from_the_confirmed_byte(channel, fake_youtube):
    fake_youtube.fail_chunk(262144)
    target = settle(make_target(channel))
    assert target.status == "published" and target.attempts == 1
    assert len(fake_youtube.videos) == 1 and len(fake_youtube.sessions) == 1
    assert len(probes(fake_youtube)) == 1
    ranges = [r.headers["content-range"] for r in fake_youtube.calls("PUT", UPLOADS)]
    assert ranges.count(f"bytes 0-262143/{fake_youtube.media_size}") == 1  # never re-sent


def test_a_lost_final_answer_finds_the_video_by_probing(channel, fake_youtube):
    fake_youtube.drop_chunk(524288)  # the last chunk arrives; its answer (the video) is lost
    target = settle(make_target(channel))
    assert target.status == "published"
    assert len(fake_youtube.videos) == 1 and len(probes(fake_youtube)) == 1


def kill_worker_after_first_chunk(monkeypatch) -> None:
    original, sent = PlatformHTTP.request, []

    def dies_after_first_chunk(self, method, url, **kwargs):
        if (
            method == "PUT"
            and (kwargs.get("headers") or {}).get("Content-Range", "").startswith("bytes 262144-")
            and not sent
        ):
            sent.append(url)
            raise SystemExit("worker killed")
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(PlatformHTTP, "request", dies_after_first_chunk)


def crash_then_recover(target, *, meanwhile=lambda: None) -> PostTarget:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(SystemExit):
            dispatch_due()
        stuck = reload(target)
        assert stuck.status == "publishing" and stuck.platform_state["session_url"]
        meanwhile()
        clock.shift(timedelta(hours=1))  # past the publish lease
        targets_reconcile_stuck()
        assert reload(target).status == "scheduled"  # no video yet: safe to go on
        for _ in range(3):
            dispatch_due()
            clock.shift(timedelta(minutes=2))
    return reload(target)


def test_a_worker_lost_mid_upload_resumes_the_same_session(channel, fake_youtube, monkeypatch):
    kill_worker_after_first_chunk(monkeypatch)
    assert crash_then_recover(make_target(channel)).status == "published"
    assert len(fake_youtube.sessions) == 1 and len(fake_youtube.videos) == 1
    ranges = [r.headers["content-range"] for r in fake_youtube.calls("PUT", UPLOADS)]
    total = fake_youtube.media_size
    assert ranges.count(f"bytes 0-262143/{total}") == 1  # resumed from the confirmed byte
    assert f"bytes */{total}" in ranges


def test_a_session_expired_while_the_worker_was_lost_starts_over(channel, fake_youtube,
                                                                 monkeypatch):  # fmt: skip
    kill_worker_after_first_chunk(monkeypatch)
    target = crash_then_recover(make_target(channel), meanwhile=fake_youtube.expire_sessions)
    assert target.status == "published"
    assert len(fake_youtube.sessions) == 2 and len(fake_youtube.videos) == 1


def test_an_expired_session_starts_over_only_without_a_video(channel, fake_youtube, monkeypatch):
    original, done = PlatformHTTP.request, []

    def expire_after_first_chunk(self, method, url, **kwargs):
        response = original(self, method, url, **kwargs)
        if method == "PUT" and not done:
            done.append(True)
            fake_youtube.expire_sessions()
        return response

    monkeypatch.setattr(PlatformHTTP, "request", expire_after_first_chunk)
    target = settle(make_target(channel))
    assert target.status == "published"
    assert len(fake_youtube.sessions) == 2 and len(fake_youtube.videos) == 1


def test_with_a_video_id_an_expired_session_never_starts_another(channel, fake_youtube):
    fake_youtube.processing_polls = 5
    target = make_target(channel)
    dispatch_due()
    assert reload(target).platform_state["video_id"]
    fake_youtube.expire_sessions()
    target = settle(target, ticks=12)
    assert target.status == "published"
    assert len(fake_youtube.sessions) == 1 and len(fake_youtube.videos) == 1


def test_slow_processing_waits_on_later_ticks(channel, fake_youtube):
    fake_youtube.processing_polls = 3
    target = make_target(channel)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        waiting = reload(target)
        assert waiting.status == "publishing" and waiting.attempts == 0
        assert "processing" in waiting.platform_state["processing"]
        for _ in range(3):
            clock.shift(timedelta(minutes=2))
            dispatch_due()
        assert reload(target).status == "published"
    assert len(fake_youtube.videos) == 1


@pytest.mark.parametrize(("switch", "code", "words"), [
    ("fail_processing", "video_failed", "YouTube failed the uploaded video (codec)"),
    ("reject", "video_rejected", "YouTube rejected the uploaded video (duplicate)"),
])  # fmt: skip
def test_a_failed_or_rejected_upload_is_a_clear_permanent_error(channel, fake_youtube, switch,
                                                               code, words):  # fmt: skip
    setattr(fake_youtube, switch, True)
    target = settle(make_target(channel))
    assert (target.status, target.error_code) == ("failed", code)
    assert words in target.error_message


def test_invalid_tags_from_youtube_fail_with_a_sentence(channel, fake_youtube):
    fake_youtube.fail(google_error(400, "invalidTags", "invalid video keywords"), path=UPLOADS,
                      method="POST")  # fmt: skip
    target = settle(make_target(channel))
    assert (target.status, target.error_code) == ("failed", "invalidTags")
    assert "at most 500 characters" in target.error_message
    assert "(YouTube: invalid video keywords)" in target.error_message


def test_a_hang_and_a_429_retry_without_a_second_video(channel, fake_youtube, settings):
    settings.PLATFORM_HTTP_TIMEOUT = (2, 0.5)
    fake_youtube.hang(
        1.5, path="/youtube/v3/videos", method="GET"
    )  # the first processing check times out
    fake_youtube.fail_rate_limit(path=UPLOADS)
    target = make_target(channel)
    dispatch_due()
    waiting = reload(target)
    assert (waiting.status, waiting.attempts, waiting.error_code) == ("scheduled", 0,
                                                                      "rateLimitExceeded")  # fmt: skip
    target = settle(target, ticks=12)
    assert target.status == "published" and len(fake_youtube.videos) == 1


def test_thumbnails_are_set_where_the_channel_is_verified(channel, fake_youtube):
    target = settle(make_target(channel, media=(("video", CLIP), ("image", THUMB))))
    assert target.status == "published" and not target.platform_state.get("note")
    (video,) = fake_youtube.videos.values()
    assert video.thumbnail


def test_an_unverified_channel_publishes_with_a_thumbnail_warning(channel, fake_youtube,
                                                                  owner_client):  # fmt: skip
    fake_youtube.channel_verified = False
    target = settle(make_target(channel, media=(("video", CLIP), ("image", THUMB))))
    assert target.status == "published"
    assert "custom thumbnail was not set" in target.platform_state["note"]
    assert "verified channels" in target.platform_state["note"]
    assert channel.connection.status == "active"  # a 403 on thumbnails is no auth failure
    page = owner_client.get(f"/a/{channel.account.slug}/posts/{target.post_id}/").content.decode()
    assert "The custom thumbnail was not set" in page


# Private lock and quota --------------------------------------------------------------------------
def test_an_unaudited_project_uploads_private_and_says_so(channel, fake_youtube, settings):
    settings.YOUTUBE_PROJECT_AUDITED = False
    target = settle(make_target(channel))
    assert target.status == "published"
    start = fake_youtube.calls("POST", UPLOADS)[0]
    assert start.form["status"]["privacyStatus"] == "private"
    assert "YouTube keeps this video private" in target.platform_state["note"]


def test_youtube_locking_an_upload_private_is_noted(channel, fake_youtube):
    fake_youtube.audited = False  # the setting says audited; YouTube disagrees
    target = settle(make_target(channel))
    assert target.status == "published"
    assert "check the audit with Google" in target.platform_state["note"]


def test_a_spent_upload_budget_slips_to_the_next_pacific_day_before_calling(channel, fake_youtube,
                                                                            settings):  # fmt: skip
    settings.YOUTUBE_DAILY_UPLOADS = 1
    # 10:00 PDT on 1 July 2026 = 17:00 UTC; the quota resets at 07:00 UTC on 2 July.
    with time_machine.travel(datetime(2026, 7, 1, 17, 0, tzinfo=UTC), tick=False) as clock:
        first, second = make_target(channel), make_target(channel)
        for _ in range(4):
            dispatch_due()
            clock.shift(timedelta(minutes=2))
        assert reload(first).status == "published"
        waiting = reload(second)
        assert (waiting.status, waiting.attempts, waiting.error_code) == ("scheduled", 0,
                                                                          "quota_exceeded")  # fmt: skip
        assert waiting.next_attempt_at == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
        assert waiting.error_message.startswith(
            "YouTube's daily upload quota is used up: this video waits until it resets at "
            "midnight Pacific time (07:00 UTC)."
        )
        assert "has used its 1 video uploads for today" in waiting.error_message
        assert len(fake_youtube.calls("POST", UPLOADS)) == 1  # refused before calling
        clock.move_to(datetime(2026, 7, 2, 7, 1, tzinfo=UTC))
        for _ in range(3):
            dispatch_due()
            clock.shift(timedelta(minutes=2))
        assert reload(second).status == "published"


def test_quota_exceeded_from_youtube_slips_and_stops_further_calls(channel, fake_youtube):
    fake_youtube.quota_exceeded()
    with time_machine.travel(datetime(2026, 7, 1, 17, 0, tzinfo=UTC), tick=False):
        first = make_target(channel)
        dispatch_due()
        waiting = reload(first)
        assert (waiting.status, waiting.error_code) == ("scheduled", "quota_exceeded")
        assert waiting.next_attempt_at == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
        assert "exceeded your quota" in waiting.error_message
        second = make_target(channel)
        dispatch_due()
        assert reload(second).error_code == "quota_exceeded"
        assert len(fake_youtube.calls("POST", UPLOADS)) == 1  # the second never called


def test_an_expired_token_is_refreshed_and_the_post_goes_out(channel, fake_youtube):
    fake_youtube.expire_access_tokens()
    target = settle(make_target(channel))
    assert target.status == "published"
    assert ChannelConnection.objects.get(pk=channel.connection_id).status == "active"


# Metrics ----------------------------------------------------------------------------------------
def test_metrics_for_many_videos_in_one_call_with_watch_time(channel, fake_youtube):
    targets = [settle(make_target(channel)) for _ in range(3)]
    provider = get_provider("youtube")
    requests = [MetricsRequest(key=t.pk, platform_post_id=t.platform_post_id,
                               access_token=channel.api_token) for t in targets]  # fmt: skip
    requests.append(MetricsRequest(key=0, platform_post_id="gone", access_token=channel.api_token))
    results = provider.fetch_metrics(requests)
    assert fake_youtube.list_calls == [4]
    first = results[0]
    video = fake_youtube.videos[targets[0].platform_post_id]
    assert first.views == 1200 + int(video.id[-4:]) and isinstance(first.likes, int)
    assert first.raw["watch_minutes"] == 321
    assert results[3].error is not None and results[3].error.code == "not_found"
    fake_youtube.analytics_scope = False
    again = provider.fetch_metrics(requests[:1])
    assert again[0].views == first.views and "watch_minutes" not in again[0].raw


def test_metrics_are_read_fifty_at_a_time():
    assert YouTubeProvider.metrics_batch_size == 50


# UI ---------------------------------------------------------------------------------------------
def test_the_composer_shows_the_youtube_card(channel, owner_client, account, settings):
    settings.YOUTUBE_PROJECT_AUDITED = False
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    for field in ("youtube_title", "youtube_caption", "youtube_tags", "youtube_made_for_kids",
                  "youtube_privacy_status", "youtube_category_id"):  # fmt: skip
        assert f'name="{field}"' in page, field
    assert "passes YouTube&#x27;s API compliance audit" in page
    settings.YOUTUBE_PROJECT_AUDITED = True
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    assert "API compliance audit" not in page


def test_the_channels_page_offers_youtube(owner_client, account, fake_youtube):
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "YouTube" in page and f"/a/{account.slug}/channels/connect/youtube/" in page
    start = owner_client.post(f"/a/{account.slug}/channels/connect/youtube/")
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]


def test_a_thumbnail_5xx_is_set_on_a_later_try_without_a_second_video(channel, fake_youtube):
    fake_youtube.fail_500(path="/thumbnails/set")
    target = settle(make_target(channel, media=(("video", CLIP), ("image", THUMB))))
    assert target.status == "published" and not target.platform_state.get("note")
    (video,) = fake_youtube.videos.values()
    assert video.thumbnail and len(fake_youtube.sessions) == 1


def test_a_spent_quota_costs_the_thumbnail_not_a_day(channel, fake_youtube, settings):
    settings.YOUTUBE_DAILY_UNITS = 40  # the status checks fit; a 50-unit thumbnail does not
    target = settle(make_target(channel, media=(("video", CLIP), ("image", THUMB))))
    assert target.status == "published"
    assert "quota for today was used up" in target.platform_state["note"]
    assert not fake_youtube.calls("POST", "/thumbnails/set")


def test_the_composer_saves_the_youtube_version_and_asks_about_kids(owner_client, account,
                                                                    settings, tmp_path):  # fmt: skip
    from publishing.models import Post
    from tests.factories import ProfileFactory
    from tests.media_files import upload, video_bytes

    settings.MEDIA_ROOT = tmp_path
    profile = ProfileFactory(connection__account=account, platform="youtube", name="Acme TV")
    form = {
        "caption": "Base caption", "post_type": "video", "profiles": [profile.pk], "when": "slot",
        "youtube_customise": "on", "youtube_caption": "The long description",
        "youtube_title": "Latte art in a minute", "youtube_post_type": "short",
        "youtube_tags": "coffee, latte art", "youtube_category_id": "26",
    }  # fmt: skip
    refused = owner_client.post(f"/a/{account.slug}/posts/new/",
                                {**form, "media": [upload("s.mp4", video_bytes(), "video/mp4")]})  # fmt: skip
    page = refused.content.decode()
    assert refused.status_code == 200 and not Post.objects.exists()
    assert re.search(r"field-youtube_made_for_kids.*?errorlist.*?made for kids", page, re.S)
    saved = owner_client.post(f"/a/{account.slug}/posts/new/", {
        **form, "youtube_made_for_kids": "no",
        "media": [upload("s.mp4", video_bytes(), "video/mp4")],
    })  # fmt: skip
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    (version,) = Post.objects.get().versions.all()
    assert (version.title, version.post_type, version.caption) == (
        "Latte art in a minute", "short", "The long description",
    )  # fmt: skip
    post = Post.objects.get()
    options = {**post.options, **(version.options or {})}
    assert options["tags"] == ["coffee", "latte art"] and options["made_for_kids"] == "no"


def test_the_hourly_token_check_renews_the_hour_long_token_and_keeps_the_refresh_token(
    channel, fake_youtube
):
    from channels.lifecycle import tokens_check

    before = ChannelConnection.objects.get(pk=channel.connection_id)
    assert tokens_check().refreshed == 1  # a fresh one-hour token is renewed at once
    after = ChannelConnection.objects.get(pk=channel.connection_id)
    assert after.access_token != before.access_token
    assert after.refresh_token == before.refresh_token
    fake_youtube.revoke()
    result = tokens_check()
    assert result.refresh_failed == 1
    connection = ChannelConnection.objects.get(pk=channel.connection_id)
    assert connection.status == "disconnected"
    assert "reconnect YouTube" in connection.disconnected_reason
