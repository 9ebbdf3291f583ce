"""Pinterest against the fake API v5: connect (Basic client auth, continuous refresh), boards and
the board checks, image / carousel / video pins, the failures peers' users hit most, the trial's
daily request budget, lost answers and analytics."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from analytics.models import MetricSnapshot
from analytics.services import metrics_collect
from channels.models import Profile
from channels.providers import get_provider
from channels.providers.base import Content, MediaItem
from channels.providers.pinterest import TRIAL_REQUESTS_PER_DAY, budget_key
from channels.services import connection_profiles_refresh, connection_refresh
from publishing.dispatch import dispatch_due
from publishing.models import PostMedia, PostTarget
from publishing.notifications import targets_precheck
from publishing.services import post_create
from publishing.targets import target_retry
from publishing.transitions import Actor
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory
from tests.helpers import connect
from tests.library.helpers import h264_bytes
from tests.media_files import image_bytes

pytestmark = pytest.mark.django_db
IMAGE = "https://cdn.example.com/pin.jpg"
RECIPES = "549755885176"


@pytest.fixture
def pinner(owner_client, account, fake_pinterest, settings, tmp_path) -> Profile:
    settings.MEDIA_ROOT = tmp_path
    response = connect(platform="pinterest", account=account, client=owner_client)
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(platform="pinterest")
    profile.posting_mode = "automatic"
    profile.extra = {**profile.extra, "board_id": RECIPES}
    profile.save(update_fields=["posting_mode", "extra"])
    return profile


def make_target(profile, *, post_type="pin", media=(("image", IMAGE),), link="", title="",
                caption="Cold brew, three ways", options=None) -> PostTarget:  # fmt: skip
    post = PostFactory(account=profile.account, post_type=post_type, caption=caption, title=title,
                       link=link, options=options or {})  # fmt: skip
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip


def hold(row: PostMedia, name: str, data: bytes, mime: str, size=(None, None)) -> None:
    row.url, row.mime_type = "", mime
    row.width, row.height = size
    row.file.save(name, ContentFile(data), save=True)


def video_target(profile, *, cover=True) -> PostTarget:
    media = [("video", "https://x.example/v.mp4")] + ([("image", IMAGE)] if cover else [])
    target = make_target(profile, post_type="video", media=media, title="Pour-over")
    hold(target.post.media.get(position=0), "clip.mp4", h264_bytes(seconds=1), "video/mp4")
    return target


# Connect and stay connected --------------------------------------------------------------------
def test_connect_uses_basic_client_auth_and_lists_the_boards(pinner, fake_pinterest):
    token_call = next(r for r in fake_pinterest.requests if r.path == "/v5/oauth/token")
    assert token_call.headers["authorization"].startswith("Basic ")
    assert "client_secret" not in token_call.form  # never in the body
    assert pinner.name == "Acme Coffee" and pinner.username == "acmecoffee"
    assert [b["name"] for b in pinner.extra["boards"]] == ["Recipes", "Coffee gear", "Drafts"]
    assert pinner.connection.refresh_expires_at > timezone.now() + timedelta(days=360)


def test_continuous_refresh_stores_the_new_refresh_token_and_its_expiry(pinner, fake_pinterest):
    connection = pinner.connection
    old = connection.refresh_token
    connection.refresh_expires_at = timezone.now() + timedelta(days=3)
    connection.save()
    assert connection_refresh(connection=connection)
    connection.refresh_from_db()
    assert fake_pinterest.refresh_calls[-1]["refresh_on"] == "true"
    assert (
        connection.refresh_token != old
        and connection.refresh_token in fake_pinterest.refresh_tokens
    )
    assert old not in fake_pinterest.refresh_tokens  # the fake retired it: only the new one works
    assert connection.refresh_expires_at > timezone.now() + timedelta(days=360)


def test_boards_are_paged_by_bookmark(pinner, fake_pinterest):
    fake_pinterest.boards = [
        {"id": str(900000 + n), "name": f"Board {n}", "privacy": "PUBLIC"} for n in range(260)
    ]
    boards = get_provider("pinterest").list_boards(access_token=pinner.api_token)
    assert len(boards) == 260 and boards[-1]["name"] == "Board 259"
    pages = fake_pinterest.calls("GET", "/v5/boards")[-2:]
    assert "bookmark" not in pages[0].query and pages[1].query["bookmark"] == "250"


def test_refreshing_the_profile_reads_new_boards_and_keeps_the_default(pinner, fake_pinterest):
    fake_pinterest.boards.append({"id": "549755885199", "name": "Latte art", "privacy": "PUBLIC"})
    connection_profiles_refresh(connection=pinner.connection)
    pinner.refresh_from_db()
    assert "Latte art" in [b["name"] for b in pinner.extra["boards"]]
    assert pinner.extra["board_id"] == RECIPES


# The board -------------------------------------------------------------------------------------
def test_a_board_name_instead_of_its_id_is_refused_when_scheduled(pinner, account):
    with pytest.raises(ValidationError) as caught:
        post_create(
            account=account, actor=Actor(user=None), caption="Cold brew", post_type="pin",
            media=[], profile_ids=[pinner.pk], options={"board_id": "Recipes"},
        )  # fmt: skip
    errors = caught.value.message_dict
    (message,) = errors["options.board_id"]
    assert message.startswith("Choose a board by its name from the list, not “Recipes”")
    assert RECIPES in message


def test_a_board_not_among_the_profiles_boards_is_refused_when_scheduled(pinner):
    problems = get_provider("pinterest").validate_options(
        {**pinner.extra, "board_id": "123456"}, "automatic", pinner.name
    )
    assert [p.code for p in problems] == ["board_unknown"]
    assert "not one of this profile's Pinterest boards" in problems[0].message


def test_no_board_at_all_is_refused(pinner):
    extra = {k: v for k, v in pinner.extra.items() if k != "board_id"}
    (problem,) = get_provider("pinterest").validate_options(extra, "automatic", "Acme Coffee")
    assert problem.code == "board_not_chosen" and "Channels page" in problem.message


def test_the_fake_refuses_a_board_name_like_pinterest(pinner, fake_pinterest):
    response = requests.post(
        f"{fake_pinterest.url}/v5/pins", timeout=5,
        headers={"Authorization": f"Bearer {pinner.api_token}"},
        json={"board_id": "Recipes", "media_source": {"source_type": "image_url", "url": IMAGE}},
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == 1
    assert not fake_pinterest.pins


def test_the_precheck_is_quiet_while_the_board_exists(pinner, owner):
    target = make_target(pinner)
    post = target.post
    post.created_by, post.status = owner, "approved"
    post.save()
    PostTarget.objects.filter(pk=target.pk).update(
        scheduled_at=timezone.now() + timedelta(hours=20)
    )
    targets_precheck()
    assert mail.outbox == []
    assert PostTarget.objects.get(pk=target.pk).precheck_24h_at is not None


def test_the_precheck_names_a_board_that_no_longer_exists(pinner, owner, fake_pinterest):
    target = make_target(pinner)
    post = target.post
    post.created_by, post.status = owner, "approved"
    post.save()
    PostTarget.objects.filter(pk=target.pk).update(
        scheduled_at=timezone.now() + timedelta(hours=20)
    )
    fake_pinterest.delete_board("Recipes")
    targets_precheck()
    (message,) = mail.outbox
    assert (
        "The board “Recipes” no longer exists on Pinterest; choose another board for this pin."
        in message.body
    )


def test_a_board_deleted_at_publish_time_fails_with_its_name(pinner, fake_pinterest):
    fake_pinterest.delete_board("Recipes")
    target = settle(make_target(pinner))
    assert (target.status, target.error_code) == ("failed", "board_not_found")
    assert "“Recipes” no longer exists" in target.error_message


# Pins -----------------------------------------------------------------------------------------
def test_an_image_pin_carries_title_description_link_and_alt_text(pinner, fake_pinterest):
    target = make_target(pinner, title="Cold brew", link="https://acme.example/cold-brew",
                         options={"alt_text": "A jar of cold brew"})  # fmt: skip
    target = settle(target)
    assert target.status == "published", target.error_message
    pin = fake_pinterest.pins[target.platform_post_id]
    assert (pin.board_id, pin.title, pin.description) == (
        RECIPES,
        "Cold brew",
        "Cold brew, three ways",
    )
    assert pin.link.startswith("https://acme.example/cold-brew")
    assert pin.alt_text == "A jar of cold brew" and pin.source_type == "image_url"
    assert target.permalink == f"https://www.pinterest.com/pin/{pin.id}/"
    assert "only the creator can see this pin" in target.platform_state["note"]


def test_a_file_we_hold_goes_as_base64(pinner, fake_pinterest):
    target = make_target(pinner)
    hold(target.post.media.get(), "pin.jpg", image_bytes(), "image/jpeg")
    target = settle(target)
    assert target.status == "published", target.error_message
    assert fake_pinterest.pins[target.platform_post_id].source_type == "image_base64"


def test_an_unreachable_image_url_fails_with_a_clear_fix(pinner, fake_pinterest):
    fake_pinterest.unreachable = True
    target = settle(make_target(pinner))
    assert (target.status, target.error_code) == ("failed", "image_unreachable")
    assert "the image URL must be public" in target.error_message


def test_a_carousel_takes_2_to_5_images_of_one_size(pinner, fake_pinterest):
    provider = get_provider("pinterest")
    same = [MediaItem(url=IMAGE, kind="image", width=1000, height=1500) for _ in range(3)]
    assert provider.validate(Content("carousel", "x", same)) == []
    mixed = [*same[:2], MediaItem(url=IMAGE, kind="image", width=1080, height=1080)]
    (problem,) = provider.validate(Content("carousel", "x", mixed))
    assert problem.code == "carousel_sizes_differ" and "1000×1500, 1080×1080" in problem.message
    assert provider.validate(Content("carousel", "x", same * 2))[0].code == "media_count"
    target = settle(make_target(pinner, post_type="carousel", media=[("image", IMAGE)] * 3))
    assert target.status == "published", target.error_message
    assert fake_pinterest.pins[target.platform_post_id].source_type == "multiple_image_urls"


def test_a_video_pin_uploads_waits_for_processing_and_uses_the_cover(pinner, fake_pinterest):
    fake_pinterest.processing_polls = 2
    target = settle(video_target(pinner))
    assert target.status == "published", target.error_message
    pin = fake_pinterest.pins[target.platform_post_id]
    assert pin.source_type == "video_id" and pin.title == "Pour-over"
    (fields,) = fake_pinterest.uploads
    assert fields[-1] == "file" and "policy" in fields and "x-amz-signature" in fields
    waits = target.attempt_log.filter(outcome="not_ready").count()
    assert waits == 2  # followed on later ticks, not in a loop
    assert "x-amz" not in str(target.platform_state)  # the S3 credentials are never stored


def test_a_video_pin_without_a_cover_is_refused_before_and_by_the_fake(pinner, fake_pinterest):
    content = Content("video", "x", [MediaItem(url="v", kind="video", hosted=True)])
    (problem,) = get_provider("pinterest").validate(content)
    assert (
        problem.code == "video_cover_missing" and "add an image after the video" in problem.message
    )
    target = settle(video_target(pinner, cover=False))
    assert (target.status, target.error_code) == ("failed", "video_cover_missing")
    answer = requests.post(
        f"{fake_pinterest.url}/v5/pins", timeout=5,
        headers={"Authorization": f"Bearer {pinner.api_token}"},
        json={"board_id": RECIPES, "media_source": {"source_type": "video_id", "media_id": "1"}},
    )  # fmt: skip
    assert answer.status_code == 400


def test_video_processing_that_fails_fails_the_pin(pinner, fake_pinterest, owner):
    fake_pinterest.video_fails = True
    target = settle(video_target(pinner))
    assert (target.status, target.error_code) == ("failed", "video_processing_failed")
    assert not fake_pinterest.pins
    # Retried after a fix, the video is uploaded again (not the failed media asked about again).
    fake_pinterest.video_fails = False
    target_retry(target=target, actor=Actor(user=owner))
    target = settle(target)
    assert target.status == "published", target.error_message
    assert len(fake_pinterest.uploads) == 2


# Failures ------------------------------------------------------------------------------------
def test_a_429_waits_as_long_as_pinterests_reset_header_says(pinner, fake_pinterest):
    fake_pinterest.fail_rate_limit(path="/v5/pins", reset=120)
    target = make_target(pinner)
    with time_machine.travel(timezone.now(), tick=False):
        dispatch_due()
        waiting = PostTarget.objects.get(pk=target.pk)
        assert (waiting.status, waiting.attempts, waiting.error_code) == ("scheduled", 0, "8")
        assert waiting.next_attempt_at == timezone.now() + timedelta(seconds=120)


def test_a_hang_on_the_pin_call_is_reconciled_to_one_pin(pinner, fake_pinterest):
    fake_pinterest.hang(3, path="/v5/pins")  # longer than the 2 s read timeout in tests
    target = make_target(pinner, link="https://acme.example/x")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()  # we give up; Pinterest is still making the pin
        waiting = PostTarget.objects.get(pk=target.pk)
        assert (waiting.status, waiting.error_code) == ("scheduled", "timeout")
        assert waiting.platform_state["lost_answer"]  # next time: look before posting
        assert wait_for(lambda: fake_pinterest.in_flight == 0)
        clock.shift(timedelta(minutes=3))
        dispatch_due()
    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == "published", target.error_message
    assert len(fake_pinterest.pins) == 1 and target.platform_post_id in fake_pinterest.pins
    assert len(fake_pinterest.calls("POST", "/v5/pins")) == 1


def test_a_pin_not_yet_on_the_board_is_looked_for_again_before_posting(pinner, fake_pinterest):
    fake_pinterest.fail_500(path="/v5/pins")  # no pin made, but we cannot know that at once
    target = make_target(pinner)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        clock.shift(timedelta(minutes=1))
        dispatch_due()  # 60 s: a call could still be running at Pinterest; still no post
        assert len(fake_pinterest.calls("POST", "/v5/pins")) == 1
        clock.shift(timedelta(minutes=5))
        dispatch_due()  # long enough: the pin certainly was not made, so it is made now
    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == "published" and len(fake_pinterest.pins) == 1


def wait_for(condition, seconds: float = 10.0) -> bool:
    """Wait for the fake server's thread to finish a call (not a stand-in for simulated time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_dropped_answer_is_found_by_its_link_on_the_board(pinner, fake_pinterest):
    fake_pinterest.drop(path="/v5/pins")
    target = settle(make_target(pinner, link="https://acme.example/y", caption="Same text"))
    assert target.status == "published"
    assert len(fake_pinterest.pins) == 1
    assert fake_pinterest.calls("GET", f"/v5/boards/{RECIPES}/pins")


def test_a_lost_answer_with_no_pin_on_the_board_tries_again_once(pinner, fake_pinterest):
    fake_pinterest.fail_500(path="/v5/pins")
    target = settle(make_target(pinner, link="https://acme.example/z"))
    assert target.status == "published" and len(fake_pinterest.pins) == 1


# The trial ------------------------------------------------------------------------------------
def test_a_spent_trial_budget_slips_the_pin_to_midnight_utc_without_calling(pinner, fake_pinterest):
    before = len(fake_pinterest.requests)
    day = timezone.now().astimezone(UTC).date() + timedelta(days=1)
    with time_machine.travel(
        datetime(day.year, day.month, day.day, 18, 30, tzinfo=UTC), tick=False
    ):
        cache.set(budget_key(), TRIAL_REQUESTS_PER_DAY, timeout=86400)
        target = make_target(pinner)
        dispatch_due()
        waiting = PostTarget.objects.get(pk=target.pk)
    assert (waiting.status, waiting.attempts) == ("scheduled", 0)
    assert waiting.error_code == "daily_request_budget"
    assert "1000 requests a day" in waiting.error_message
    assert waiting.next_attempt_at == datetime(
        day.year, day.month, day.day, tzinfo=UTC
    ) + timedelta(days=1)
    assert len(fake_pinterest.requests) == before  # nothing was sent


def test_every_call_counts_against_the_trial_budget(pinner, fake_pinterest, settings):
    used = cache.get(budget_key())
    assert used >= 3  # token, user_account, boards at connect
    settle(make_target(pinner))
    assert cache.get(budget_key()) == used + 1
    settings.PINTEREST_ACCESS_TIER = "standard"
    settle(make_target(pinner))
    assert cache.get(budget_key()) == used + 1  # standard access has no daily budget


def test_the_composer_notice_follows_the_access_tier(settings):
    provider = get_provider("pinterest")
    settings.PINTEREST_ACCESS_TIER = "trial"
    assert "visible only to the creator" in provider.composer_notice()
    settings.PINTEREST_ACCESS_TIER = "standard"
    assert provider.composer_notice() == ""


# Metrics ------------------------------------------------------------------------------------
def test_pin_analytics_map_to_our_metrics(pinner, fake_pinterest):
    target = settle(make_target(pinner))
    fake_pinterest.metrics[target.platform_post_id] = {
        "IMPRESSION": 240, "SAVE": 20, "PIN_CLICK": 37, "OUTBOUND_CLICK": 20,
        "TOTAL_COMMENTS": 10, "TOTAL_REACTIONS": 12,
    }  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        metrics_collect()
    snapshot = MetricSnapshot.objects.get(target=target, window="1h")
    assert (snapshot.views, snapshot.saves, snapshot.clicks) == (240, 20, 37)
    assert (snapshot.comments, snapshot.likes) == (10, 12)
    call = fake_pinterest.calls("GET", "/analytics")[-1]
    assert set(call.query["metric_types"].split(",")) >= {"IMPRESSION", "SAVE", "PIN_CLICK",
                                                          "OUTBOUND_CLICK"}  # fmt: skip


# Hard limits ------------------------------------------------------------------------------------
def test_the_pin_limits(settings):
    provider = get_provider("pinterest")
    image = [MediaItem(url=IMAGE, kind="image")]
    codes = lambda content: [p.code for p in provider.validate(content)]  # noqa: E731
    assert codes(Content("pin", "x" * 800, image, title="t" * 100)) == []
    assert codes(Content("pin", "x" * 801, image)) == ["caption_too_long"]
    assert codes(Content("pin", "x", image, title="t" * 101)) == ["title_too_long"]
    assert codes(Content("pin", "x", image, link="https://a.example/" + "x" * 2040)) == [
        "link_too_long"
    ]
    video = MediaItem(url="v", kind="video", hosted=True, storage_name="v.mp4")
    assert codes(Content("video", "x", [video, image[0]])) == []
    assert codes(Content("video", "x", [image[0], video])) == ["video_first"]
    wide = MediaItem(url="v", kind="video", hosted=True, width=1920, height=800)
    assert codes(Content("video", "x", [wide, image[0]])) == ["aspect_ratio"]
    linked = MediaItem(url="https://cdn.example.com/v.mp4", kind="video")
    assert codes(Content("video", "x", [linked, image[0]])) == ["video_not_uploaded"]
    short = MediaItem(url="v", kind="video", hosted=True, duration_s=2)
    assert codes(Content("video", "x", [short, image[0]])) == ["video_duration"]


def test_the_precheck_says_nothing_when_pinterest_cannot_answer(pinner, owner, fake_pinterest):
    target = make_target(pinner)
    post = target.post
    post.created_by, post.status = owner, "approved"
    post.save()
    PostTarget.objects.filter(pk=target.pk).update(
        scheduled_at=timezone.now() + timedelta(hours=20)
    )
    fake_pinterest.fail_500(path="/v5/boards")
    targets_precheck()
    assert mail.outbox == []


def test_the_precheck_reports_a_board_that_was_never_chosen(pinner, owner):
    pinner.extra = {k: v for k, v in pinner.extra.items() if k != "board_id"}
    pinner.save()
    target = make_target(pinner)
    post = target.post
    post.created_by, post.status = owner, "approved"
    post.save()
    PostTarget.objects.filter(pk=target.pk).update(
        scheduled_at=timezone.now() + timedelta(hours=20)
    )
    targets_precheck()
    (message,) = mail.outbox
    assert "Choose a board for this pin on Acme Coffee" in message.body


def test_a_version_may_choose_its_own_board_and_is_checked_the_same(pinner, api, fake_pinterest):
    media = [{"url": IMAGE, "kind": "image"}]
    refused = api.post("/posts", {
        "caption": "Cold brew", "post_type": "pin", "targets": [pinner.pk], "media": media,
        "versions": {"pinterest": {"options": {"board_id": "Coffee gear"}}},
    })  # fmt: skip
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    (message,) = detail["versions.pinterest.options.board_id"]
    assert "not “Coffee gear”" in message and "549755885177" in message
    made = api.post("/posts", {
        "caption": "Cold brew", "post_type": "pin", "targets": [pinner.pk], "media": media,
        "scheduled_at": "2026-01-01T09:00:00+00:00",
        "versions": {"pinterest": {"options": {"board_id": "549755885177"}}},
    })  # fmt: skip
    assert made.status_code == 201, made.content
    target = settle(PostTarget.objects.get(post_id=made.json()["id"]))
    assert target.status == "published", target.error_message
    assert {p.board_id for p in fake_pinterest.pins.values()} == {"549755885177"}


def test_a_revoked_app_holds_the_pin_and_disconnects(pinner, fake_pinterest):
    fake_pinterest.revoke()  # the user removed the app in Pinterest's settings
    target = settle(make_target(pinner))
    pinner.connection.refresh_from_db()
    assert (target.status, pinner.connection.status) == ("pending", "disconnected")
    assert not fake_pinterest.pins
