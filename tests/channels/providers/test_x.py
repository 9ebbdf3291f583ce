"""X against the fake API v2: rotating refresh tokens, weighted text, v2 chunked media, threads
that resume after a crash without repeating a part, rate limits and usage caps, duplicate
content, and metrics."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from channels.models import ChannelConnection, Profile
from channels.providers import get_provider
from channels.providers.base import Content, MediaItem, MetricsRequest, PublishRequest
from channels.providers.x.provider import XProvider
from channels.services import connection_refresh
from publishing.dispatch import dispatch_due, targets_reconcile_stuck
from publishing.models import PostTarget
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory
from tests.helpers import connect

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def profile(owner_client, account, fake_x, settings, tmp_path) -> Profile:
    settings.MEDIA_ROOT = tmp_path
    response = connect(platform="x", account=account, client=owner_client)
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(platform="x")
    profile.posting_mode = "automatic"
    profile.save(update_fields=["posting_mode"])
    return profile


def make_target(profile, *, caption="Hello from the fake", post_type="feed", media=(),
                thread=None, options=None) -> PostTarget:  # fmt: skip
    post_options = {**(options or {}), **({"thread": thread} if thread else {})}
    post = PostFactory(account=profile.account, post_type=post_type, caption=caption,
                       options=post_options)  # fmt: skip
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip


def reload(target: PostTarget) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


# Connect and tokens ------------------------------------------------------------------------------
def test_connect_uses_pkce_offline_access_and_basic_auth(profile, fake_x):
    authorize = next(r for r in fake_x.requests if r.path == "/i/oauth2/authorize")
    assert authorize.query["code_challenge_method"] == "S256"
    assert "offline.access" in authorize.query["scope"].split()
    assert "media.write" in authorize.query["scope"].split()
    token = next(r for r in fake_x.requests if r.path == "/2/oauth2/token")
    assert token.headers["authorization"].startswith("Basic ")
    connection = profile.connection
    assert connection.refresh_token in fake_x.refresh_tokens
    assert timedelta(hours=1) < connection.token_expires_at - timezone.now() <= timedelta(hours=2)
    assert (profile.name, profile.username) == ("Brand X", "brandx")


def test_the_hourly_check_renews_a_two_hour_token_before_it_lapses(profile, fake_x):
    from channels.lifecycle import tokens_check

    issued = profile.connection.token_expires_at - timedelta(hours=2)
    # Hourly runs at +14 min, +74 min, +134 min: the run at +74 min must renew it, as the next
    # one comes after the token expired.
    with time_machine.travel(issued + timedelta(minutes=14), tick=False) as clock:
        assert tokens_check().refreshed == 0  # not yet: a rotation per hour is enough
        clock.shift(timedelta(hours=1))
        assert tokens_check().refreshed == 1
    connection = ChannelConnection.objects.get(pk=profile.connection.pk)
    assert connection.token_expires_at > issued + timedelta(hours=3)
    assert connection.status == "active"


def test_a_lapsed_token_with_a_live_refresh_token_is_not_disconnected(profile, fake_x):
    from channels.lifecycle import tokens_check

    expires = profile.connection.token_expires_at
    fake_x.fail_500(path="/2/oauth2/token", times=3)  # X's token endpoint is down for a while
    with time_machine.travel(expires + timedelta(minutes=5), tick=False) as clock:
        result = tokens_check()
        assert (result.refresh_failed, result.expired) == (1, 0)
        assert ChannelConnection.objects.get(pk=profile.connection.pk).status == "active"
        fake_x.faults.clear()
        clock.shift(timedelta(hours=1))
        assert tokens_check().refreshed == 1
    assert ChannelConnection.objects.get(pk=profile.connection.pk).status == "active"


def test_a_rotated_refresh_token_is_stored_and_the_next_refresh_uses_it(profile, fake_x):
    connection = profile.connection
    first = connection.refresh_token
    assert connection_refresh(connection=connection)
    connection.refresh_from_db()
    assert first in fake_x.used_refresh_tokens  # single use: X killed it
    assert connection.refresh_token in fake_x.refresh_tokens
    assert connection.access_token in fake_x.access_tokens
    # The stored successor works for the next refresh.
    assert connection_refresh(connection=ChannelConnection.objects.get(pk=connection.pk))
    connection.refresh_from_db()
    assert connection.refresh_token in fake_x.refresh_tokens and connection.status == "active"


def test_an_outdated_copy_never_spends_a_dead_refresh_token(profile, fake_x):
    """Two workers: one refreshed; the other still holds the old (now dead) refresh token."""
    stale = ChannelConnection.objects.get(pk=profile.connection.pk)
    assert connection_refresh(connection=ChannelConnection.objects.get(pk=stale.pk))
    calls = len(fake_x.calls("POST", "/2/oauth2/token"))
    assert connection_refresh(connection=stale)  # takes the renewed token, sends nothing
    assert len(fake_x.calls("POST", "/2/oauth2/token")) == calls
    assert stale.access_token in fake_x.access_tokens


def test_a_crash_right_after_the_refresh_keeps_the_grant(profile, fake_x):
    """The new refresh token is stored in the same write as the access token, before anything
    uses it: a worker dying on its next call leaves a connection that refreshes again."""
    first_refresh = profile.connection.refresh_token
    fake_x.expire_access_tokens()
    target = make_target(profile)
    real_finish = XProvider.finish
    calls = {"n": 0}

    def finish_then_die(self, request):
        calls["n"] += 1
        if calls["n"] == 1:
            return real_finish(self, request)  # 401: the dispatcher refreshes
        raise SystemExit("worker killed before using the new access token")

    with mock.patch.object(XProvider, "finish", finish_then_die):
        dispatch_due()
        assert reload(target).status == "scheduled"  # refreshed, to go again now
        with pytest.raises(SystemExit):
            dispatch_due()
    assert first_refresh in fake_x.used_refresh_tokens
    connection = ChannelConnection.objects.get(pk=profile.connection.pk)
    assert connection.refresh_token in fake_x.refresh_tokens  # the live successor is stored
    assert connection.access_token in fake_x.access_tokens
    fake_x.expire_access_tokens()
    assert connection_refresh(connection=connection)
    assert connection.access_token in fake_x.access_tokens and connection.status == "active"


def test_a_token_endpoint_outage_is_not_a_refused_grant(profile, fake_x):
    from channels.http import PlatformError
    from tests.fakes.server import Response

    fake_x.fail(Response(503, {"error": "server_error"}), path="/2/oauth2/token")
    with pytest.raises(PlatformError) as outage:
        connection_refresh(connection=profile.connection)
    assert outage.value.kind == "transient"
    assert ChannelConnection.objects.get(pk=profile.connection.pk).refresh_token in (
        fake_x.refresh_tokens
    )


def test_a_refused_refresh_token_disconnects_with_a_reason(profile, fake_x):
    fake_x.revoke()
    from channels.http import PlatformError

    with pytest.raises(PlatformError) as refused:
        connection_refresh(connection=profile.connection)
    assert refused.value.kind == "auth" and "reconnect X" in refused.value.message


# Text -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("hello", 5),
        ("read https://example.com/a/very/long/path/that/is/long?x=1", 28),  # any URL = 23
        ("日本語", 6),  # CJK = 2
        ("👍🏽", 2),  # an emoji sequence = 2
        ("café", 4),
    ],
)
def test_text_is_counted_the_twitter_text_way(text, count):
    assert XProvider.count_text(text) == count


def test_the_composer_counts_the_x_way_against_280(account, profile):
    from publishing.services import composer_rows

    rows = composer_rows(account=account, caption="日本" * 100, post_type="feed", title="",
                         profile_ids=[profile.pk])  # fmt: skip
    row = rows[0]
    assert (row["count"], row["limit"]) == (400, 280)


def test_280_by_default_and_25000_with_the_premium_switch():
    provider = get_provider("x")
    content = Content(post_type="feed", caption="a" * 281, media=[])
    problems = provider.validate_with_options(content, {})
    assert problems and "281" in problems[0].message and "Long posts allowed" in problems[0].message
    assert provider.validate_with_options(content, {"long_posts": True}) == []
    huge = Content(post_type="feed", caption="a" * 25_001, media=[])
    assert provider.validate_with_options(huge, {"long_posts": True})
    assert [p.code for p in provider.validate(huge)] == ["caption_too_long"]


def test_each_thread_part_is_checked_and_named():
    provider = get_provider("x")
    content = Content(post_type="thread", caption="Part one", media=[])
    problems = provider.validate_with_options(content, {"thread": ["fine", "b" * 300]})
    assert len(problems) == 1
    assert problems[0].field == "options.thread"
    assert problems[0].message.startswith("Thread part 3 of 3 counts 300 characters")


def test_the_api_refuses_a_long_post_unless_the_profile_has_premium(api, profile):
    body = {"caption": "x" * 300, "post_type": "feed", "targets": [profile.pk],
            "scheduled_at": "2026-01-01T09:00:00+00:00"}  # fmt: skip
    refused = api.post("/posts", body)
    assert refused.status_code == 400, refused.content
    assert "X allows 280" in refused.content.decode()
    profile.extra = {**profile.extra, "long_posts": True}
    profile.save(update_fields=["extra"])
    assert api.post("/posts", body).status_code == 201


def test_media_rules():
    provider = get_provider("x")
    video = MediaItem(url="https://cdn.example.com/v.mp4", kind="video")
    image = MediaItem(url="https://cdn.example.com/p.jpg", kind="image")
    mixed = provider.validate(Content(post_type="feed", caption="hi", media=[video, image]))
    assert [p.code for p in mixed] == ["media_mix"]
    five = provider.validate(Content(post_type="feed", caption="hi", media=[image] * 5))
    assert "media_count" in [p.code for p in five]
    big = MediaItem(url="https://cdn.example.com/p.png", kind="image", size_bytes=6 * MB,
                    mime_type="image/png")  # fmt: skip
    assert [p.code for p in provider.validate(Content("feed", "hi", [big]))] == ["image_too_large"]


def test_the_composer_names_what_a_thread_costs():
    note = XProvider.cost_note(Content("thread", "one", []), {"thread": ["two", "three"]})
    assert note == (
        "Each post costs about $0.015 on X's pay-per-use API ($0.20 with a link); this thread "
        "is 3 posts, about $0.045."
    )


# Media ------------------------------------------------------------------------------------------
def test_a_video_goes_up_in_v2_segments_of_at_most_5_mb_and_waits_for_processing(profile, fake_x):
    post = PostFactory(account=profile.account, post_type="video", caption="Clip")
    MediaFactory(post=post, kind="video", url="", mime_type="video/mp4", position=0,
                 file=ContentFile(b"v" * (9 * MB), name="clip.mp4"))  # fmt: skip
    target = PostTarget.objects.create(post=post, profile=profile, status="scheduled",
                                       scheduled_at=timezone.now(), posting_mode="automatic")  # fmt: skip
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        waiting = reload(target)
        assert waiting.status == "publishing" and waiting.platform_state["processing"]
        assert waiting.next_attempt_at == timezone.now() + timedelta(seconds=5)
        media_id = waiting.platform_state["media"][0]["id"]  # checkpointed
        clock.shift(timedelta(seconds=6))
        dispatch_due()
        clock.shift(timedelta(seconds=11))
        dispatch_due()
    done = reload(target)
    assert done.status == "published", done.error_message
    media = fake_x.media[media_id]
    assert media.category == "tweet_video" and media.total == 9 * MB
    assert media.segments == [4 * MB, 4 * MB, 1 * MB]
    assert len(fake_x.calls("POST", "/initialize")) == 1  # never uploaded twice
    assert fake_x.posts[done.platform_post_id].media_ids == [media_id]


def test_the_fake_refuses_segments_over_5_mb_with_413(profile, fake_x):
    import requests

    media = fake_x._initialize(type("R", (), {"form": {"total_bytes": 6 * MB,
                                                       "media_type": "video/mp4"}})())  # fmt: skip
    media_id = media.body["data"]["id"]
    answer = requests.post(
        f"{fake_x.url}/2/media/upload/{media_id}/append",
        files={"media": ("c", b"v" * (6 * MB))}, data={"segment_index": "0"},
        headers={"Authorization": f"Bearer {profile.connection.access_token}"}, timeout=10,
    )  # fmt: skip
    assert answer.status_code == 413
    error = get_provider("x").classify_error(answer)
    assert error.code == "payload_too_large" and "5 MB" in error.message


def test_alt_text_goes_as_media_metadata(profile, fake_x):
    provider = get_provider("x")
    state: dict = {}
    image = MediaItem(url="https://cdn.example.com/photo.jpg", kind="image",
                      alt_text="A cup of coffee on a wooden table")  # fmt: skip
    request = PublishRequest(
        target_id=0, content=Content("feed", "Coffee", [image]),
        profile_external_id=profile.external_id, access_token=profile.connection.access_token,
        state=state, checkpoint=state.update,
    )  # fmt: skip
    provider.prepare(request)
    media_id = state["media_ids"][0]
    assert fake_x.media[media_id].alt_text == "A cup of coffee on a wooden table"
    assert fake_x.media[media_id].category == "tweet_image"


def test_only_the_v2_media_endpoints_exist(fake_x, profile):
    import requests

    legacy = requests.post(
        f"{fake_x.url}/1.1/media/upload.json", data={"command": "INIT"},
        headers={"Authorization": f"Bearer {profile.connection.access_token}"}, timeout=5,
    )  # fmt: skip
    assert legacy.status_code == 404


def test_a_retry_after_a_5xx_on_the_post_reuses_the_uploaded_media(profile, fake_x):
    fake_x.fail_500(path="/2/tweets")
    target = make_target(profile, media=[("image", "https://cdn.example.com/photo.jpg")])
    fake_x.fail_500(path="/2/users/")  # and the look-up cannot tell either: retry later
    target = settle(target)
    assert target.status == "published", target.error_message
    assert len(fake_x.calls("POST", "/initialize")) == 1
    assert len(fake_x.roots()) == 1


# Threads ----------------------------------------------------------------------------------------
def test_a_thread_goes_out_as_a_chain_of_replies(profile, fake_x):
    target = settle(make_target(profile, post_type="thread", caption="1. Why",
                                thread=["2. How", "3. What next"],
                                media=[("image", "https://cdn.example.com/photo.jpg")]))  # fmt: skip
    assert target.status == "published", target.error_message
    chain = fake_x.chain(target.platform_post_id)
    assert [p.text for p in chain] == ["1. Why", "2. How", "3. What next"]
    assert chain[0].media_ids and not chain[1].media_ids
    assert target.platform_state["thread_ids"] == [p.id for p in chain]
    assert target.permalink == f"https://x.com/brandx/status/{chain[0].id}"


def test_a_lost_answer_mid_thread_resumes_without_repeating_a_part(profile, fake_x):
    target = make_target(profile, post_type="thread", caption="A", thread=["B", "C"])
    # X posts part 2, and its answer is lost on the way back.
    original = fake_x._create
    seen = {"n": 0}

    def create(request):
        seen["n"] += 1
        if seen["n"] == 2:
            fake_x.drop(path="/2/tweets", method="POST")
        return original(request)

    fake_x._create = create
    target = settle(target)
    assert target.status == "published", target.error_message
    texts = [p.text for p in fake_x.posts.values()]
    assert sorted(texts) == ["A", "B", "C"]  # nothing twice
    assert [p.text for p in fake_x.chain(target.platform_post_id)] == ["A", "B", "C"]


def test_a_worker_killed_mid_thread_is_reconciled_and_finishes(profile, fake_x):
    target = make_target(profile, post_type="thread", caption="One", thread=["Two", "Three"])
    original = XProvider._post

    def die_after_part_two(self, request, parts, index, ids):
        post_id = original(self, request, parts, index, ids)
        if index == 1:
            raise SystemExit("worker killed")  # the reply is on X; its id never checkpointed
        return post_id

    with (
        mock.patch.object(XProvider, "_post", die_after_part_two),
        pytest.raises(SystemExit),
    ):
        dispatch_due()
    assert reload(target).status == "publishing"
    with time_machine.travel(timezone.now() + timedelta(minutes=15), tick=False):
        targets_reconcile_stuck()
        resumed = reload(target)
        assert resumed.status == "scheduled"  # part 2 found and kept; part 3 still to go
        assert len(resumed.platform_state["post_ids"]) == 2
        dispatch_due()
    done = reload(target)
    assert done.status == "published", done.error_message
    assert sorted(p.text for p in fake_x.posts.values()) == ["One", "Three", "Two"]
    assert [p.text for p in fake_x.chain(done.platform_post_id)] == ["One", "Two", "Three"]


def test_a_resent_part_that_x_calls_a_duplicate_is_the_lost_one(profile, fake_x):
    """X lists the post late: the look-up misses it, the resend is refused as a duplicate, and
    that refusal means the lost one is there: found, recorded, and the thread goes on."""
    fake_x.drop(path="/2/tweets", method="POST")
    fake_x.timeline_lag = 2
    target = settle(make_target(profile, post_type="thread", caption="Only once", thread=["Next"]))
    assert target.status == "published", target.error_message
    assert [p.text for p in fake_x.chain(target.platform_post_id)] == ["Only once", "Next"]
    assert len(fake_x.posts) == 2
    assert len(fake_x.calls("POST", "/2/tweets")) == 3  # lost, refused as duplicate, part 2


def test_a_reply_answered_without_an_id_is_never_reported_published(profile, fake_x):
    fake_x.replies_without_id = 1
    target = make_target(profile, post_type="thread", caption="First", thread=["Second"])
    with time_machine.travel(timezone.now(), tick=False):
        dispatch_due()
        waiting = reload(target)
        assert waiting.status == "scheduled" and waiting.error_code == "no_post_id"
        assert "Part 2 of 2" in waiting.error_message
    target = settle(target)
    assert target.status == "published"
    assert [p.text for p in fake_x.chain(target.platform_post_id)] == ["First", "Second"]


def test_a_reply_whose_parent_vanished_fails_naming_the_part(profile, fake_x):
    target = make_target(profile, post_type="thread", caption="P1", thread=["P2", "P3", "P4"])
    original = fake_x._create

    def create(request):
        answer = original(request)
        if answer.status == 201 and answer.body["data"]["text"] == "P2":
            fake_x.delete_post(answer.body["data"]["id"])  # deleted on X in between
        return answer

    fake_x._create = create
    target = settle(target)
    assert target.status == "failed"
    assert target.error_message.startswith("Part 3 of 4 of the thread did not go out")
    assert "parts 1–2 are on X" in target.error_message
    assert len(target.platform_state["post_ids"]) == 2


# Errors and limits ------------------------------------------------------------------------------
def test_a_rate_limit_waits_until_x_rate_limit_reset(profile, fake_x):
    target = make_target(profile)
    with time_machine.travel(timezone.now(), tick=False):
        fake_x.fail_rate_limit(path="/2/tweets", reset_in=420)
        dispatch_due()
        waiting = reload(target)
        assert (waiting.status, waiting.attempts, waiting.error_code) == ("scheduled", 0,
                                                                          "rate_limit")  # fmt: skip
        wait = (waiting.next_attempt_at - timezone.now()).total_seconds()
        assert 418 <= wait <= 422


def test_the_24_hour_cap_waits_for_its_own_reset(profile, fake_x):
    target = make_target(profile)
    with time_machine.travel(timezone.now(), tick=False):
        fake_x.fail_daily_cap(reset_in=7200)
        dispatch_due()
        waiting = reload(target)
        assert waiting.error_code == "daily_limit" and waiting.attempts == 0
        assert 7190 <= (waiting.next_attempt_at - timezone.now()).total_seconds() <= 7210


def test_a_usage_cap_is_a_clear_wait(profile, fake_x):
    target = make_target(profile)
    fake_x.fail_usage_capped()
    with time_machine.travel(timezone.now(), tick=False):
        dispatch_due()
    waiting = reload(target)
    assert (waiting.status, waiting.error_code) == ("scheduled", "usage_capped")
    assert "usage cap" in waiting.error_message and "developer console" in waiting.error_message


def test_duplicate_content_fails_at_once_and_says_to_change_the_text(profile, fake_x):
    assert settle(make_target(profile, caption="Same words")).status == "published"
    again = settle(make_target(profile, caption="Same words"))
    assert (again.status, again.error_code, again.attempts) == ("failed", "duplicate_content", 1)
    assert "Change the text" in again.error_message
    assert len(fake_x.roots()) == 1


def test_a_hang_on_the_post_is_reconciled_not_reposted(profile, fake_x, settings):
    settings.PLATFORM_HTTP_TIMEOUT = (2, 0.5)
    fake_x.hang(1.5, path="/2/tweets", method="POST")
    target = make_target(profile, caption="Slow answer")
    with time_machine.travel(timezone.now(), tick=False):
        dispatch_due()
        waiting = reload(target)
    # Timed out, and X does not show it yet: it waits to look again instead of posting again.
    assert (waiting.status, waiting.error_code) == ("scheduled", "timeout")
    assert waiting.platform_state["lost_answer"] is True
    fake_x.wait_idle()  # the slow request lands on X meanwhile
    target = settle(target)
    assert target.status == "published", target.error_message
    assert len(fake_x.roots()) == 1


# Metrics ----------------------------------------------------------------------------------------
def test_metrics_batch_up_to_100_and_accept_repost_count(profile, fake_x):
    fake_x.repost_key = "repost_count"
    ids = []
    for n in range(3):
        target = settle(make_target(profile, caption=f"Measured {n}"))
        ids.append(target.platform_post_id)
    provider = get_provider("x")
    token = profile.connection.access_token
    requests = [MetricsRequest(key=n, platform_post_id=i, access_token=token)
                for n, i in enumerate([*ids, str(int(ids[0]) + 12345)])]  # fmt: skip
    results = provider.fetch_metrics(requests)
    assert len(fake_x.metrics_calls) == 1 and len(fake_x.metrics_calls[0]) == 4
    assert all(r.shares is not None and r.likes and r.views and r.clicks == 7 for r in results[:3])
    assert results[3].error is not None and results[3].error.code == "not_found"
    assert XProvider.metrics_batch_size == 100


def test_posts_older_than_30_days_get_public_metrics_only(profile, fake_x):
    target = settle(make_target(profile, caption="Old news"))
    provider = get_provider("x")
    request = MetricsRequest(key=1, platform_post_id=target.platform_post_id,
                             access_token=profile.connection.access_token)  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        fake_x.access_tokens.add(request.access_token)
        [result] = provider.fetch_metrics([request])
    assert result.error is None and result.likes and result.clicks is None
    assert result.views == result.raw["public_metrics"]["impression_count"]


def test_the_composer_card_checks_each_part_and_shows_the_cost(owner_client, account, profile):
    from django.http import QueryDict

    from channels.forms import options_from_form
    from channels.providers import PROVIDERS
    from publishing.services import composer_rows

    data = QueryDict(mutable=True)
    data.update({"x_thread": "Part two\n---\n" + "y" * 281})
    options = {slug: options_from_form(cls, data) for slug, cls in PROVIDERS.items()}
    assert options["x"]["thread"] == ["Part two", "y" * 281]
    assert options["x"]["long_posts"] is False
    [row] = composer_rows(account=account, caption="Part one", post_type="thread", title="",
                          profile_ids=[profile.pk], options=options)  # fmt: skip
    assert [p.code for p in row["problems"]] == ["thread_part_too_long"]
    assert "this thread is 3 posts" in row["cost_note"]
    data["x_long_posts"] = "on"
    options = {"x": options_from_form(PROVIDERS["x"], data)}
    [row] = composer_rows(account=account, caption="Part one", post_type="thread", title="",
                          profile_ids=[profile.pk], options=options)  # fmt: skip
    assert row["problems"] == [] and row["limit"] == 25_000  # the counter follows the switch


def test_the_composer_check_page_shows_the_x_cost_line(owner_client, account, profile):
    response = owner_client.post(
        f"/a/{account.slug}/posts/check/",
        {"caption": "Hello", "post_type": "thread", "profiles": [profile.pk],
         "x_thread": "Two\n---\nThree"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "this thread is 3 posts, about $0.045." in response.content.decode()


def test_the_composer_has_the_thread_box_and_the_premium_switch(owner_client, account, profile):
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    assert "Thread (add a part after a line of ---)" in page
    assert 'name="x_thread"' in page
    assert "Long posts allowed (X Premium)" in page


def test_the_channels_page_offers_the_premium_switch_per_profile(owner_client, account, profile):
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Long posts allowed (X Premium)" in page


def test_auto_split_cuts_long_text_at_sentence_ends_and_numbers_the_parts():
    from channels.providers.x.text import thread_parts

    sentences = [f"Sentence number {n} says something useful about coffee." for n in range(12)]
    content = Content(post_type="feed", caption=" ".join(sentences), media=[])
    assert thread_parts(content, {}) == [content.caption]  # off: one (too long) post
    parts = thread_parts(content, {"auto_split": True})
    assert len(parts) == 3
    assert [p.rsplit(" ", 1)[1] for p in parts] == ["1/3", "2/3", "3/3"]
    assert all(XProvider.count_text(p) <= 280 for p in parts)
    assert all(p.rsplit(" ", 1)[0].endswith("coffee.") for p in parts)  # whole sentences
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts) == content.caption
    assert get_provider("x").validate_with_options(content, {"auto_split": True}) == []
    one_word = Content(post_type="feed", caption="z" * 600, media=[])
    assert all(XProvider.count_text(p) <= 280 for p in thread_parts(one_word,
                                                                     {"auto_split": True}))  # fmt: skip


def test_an_auto_split_post_goes_out_as_a_numbered_thread(profile, fake_x):
    caption = " ".join(f"Line {n} of a long announcement about our new beans." for n in range(10))
    target = settle(make_target(profile, caption=caption, options={"auto_split": True}))
    assert target.status == "published", target.error_message
    chain = fake_x.chain(target.platform_post_id)
    assert len(chain) == 2 and chain[0].text.endswith(" 1/2") and chain[1].text.endswith(" 2/2")


def test_gifs_and_videos_use_their_own_media_categories():
    from channels.providers.x.media import category

    assert category(MediaItem(url="https://c.example/a.gif", kind="image")) == "tweet_gif"
    assert category(MediaItem(url="https://c.example/a.png", kind="image")) == "tweet_image"
    assert category(MediaItem(url="https://c.example/a.mp4", kind="video")) == "tweet_video"


def test_failed_processing_fails_the_post_with_x_reason(profile, fake_x):
    fake_x.processing_fails = True
    target = settle(make_target(profile, post_type="video",
                                media=[("video", "https://cdn.example.com/clip.mp4")]))  # fmt: skip
    assert (target.status, target.error_code) == ("failed", "media_processing_failed")
    assert "Unsupported video format" in target.error_message
    assert fake_x.posts == {}
