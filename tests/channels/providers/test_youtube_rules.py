"""YouTube's content rules and quota clock, without a server: titles, descriptions in bytes,
tags counted as YouTube counts them, the made-for-kids declaration, Shorts from probed media."""

from datetime import UTC, datetime

import pytest
import time_machine

from channels.providers.base import Content, MediaItem
from channels.providers.youtube import provider as yt
from channels.providers.youtube import quota
from channels.providers.youtube.provider import YouTubeProvider
from channels.providers.youtube.rules import tags_length, video_title

CLIP = "https://cdn.example.com/clip.mp4"


def video(**facts) -> MediaItem:
    return MediaItem(url=CLIP, kind="video", **facts)


def codes(content: Content) -> list[str]:
    return [p.code for p in YouTubeProvider().validate(content)]


def test_a_short_must_be_vertical_or_square_from_the_probed_media():
    landscape = Content("short", "Quick tip", [video(width=1920, height=1080, duration_s=30)])
    problems = YouTubeProvider().validate(landscape)
    assert [p.code for p in problems] == ["short_not_vertical"]
    assert "1920×1080" in problems[0].message and "post it as a video" in problems[0].message
    assert codes(Content("short", "Tip", [video(width=1080, height=1920, duration_s=60)])) == []
    assert codes(Content("short", "Tip", [video(width=1080, height=1080, duration_s=179)])) == []
    # The same landscape clip is a fine regular video.
    assert codes(Content("video", "Tip", [video(width=1920, height=1080, duration_s=30)])) == []


def test_a_short_runs_at_most_three_minutes():
    long = Content("short", "Tip", [video(width=1080, height=1920, duration_s=181)])
    assert codes(long) == ["video_duration"]


def test_title_up_to_100_characters_without_angle_brackets():
    assert codes(Content("video", "x", [video()], title="T" * 101)) == ["title_too_long"]
    assert codes(Content("video", "x", [video()], title="Best <3 coffee")) == [
        "title_angle_brackets"
    ]
    # Without a title of its own, the description's first line is the title.
    assert codes(Content("video", "", [video()], title="")) == ["title_missing"]
    content = Content("video", "First line\nmore", [video()])
    assert video_title(content) == "First line"
    assert len(video_title(Content("video", "word " * 40, [video()]))) <= 100


def test_description_limit_is_5000_bytes_not_characters():
    assert codes(Content("video", "é" * 2500, [video()], title="T")) == []  # 5,000 bytes
    problems = YouTubeProvider().validate(Content("video", "é" * 2501, [video()], title="T"))
    assert [p.code for p in problems] == ["description_too_long"]
    assert "5,002 bytes" in problems[0].message
    assert YouTubeProvider.count_text("é") == 2
    assert codes(Content("video", "a <b> c", [video()], title="T")) == [
        "description_angle_brackets"
    ]


def test_a_video_post_is_one_video_then_an_optional_thumbnail():
    image = MediaItem(url="https://cdn.example.com/t.jpg", kind="image")
    assert codes(Content("video", "x", [video(), image], title="T")) == []
    assert codes(Content("video", "x", [image, video()], title="T")) == ["video_first"]
    assert codes(Content("video", "x", [video(), video()], title="T")) == ["one_video"]
    assert "media_count" in codes(Content("short", "x", [video(), image], title="T"))


def test_tags_are_counted_as_youtube_counts_them():
    assert tags_length(["coffee", "latte art"]) == 6 + 1 + 9 + 2  # comma, quotes
    provider = YouTubeProvider()
    ok = {"made_for_kids": "no", "tags": ["t" * 99] * 5}  # 495 + 4 commas = 499
    assert provider.validate_options(ok, "automatic") == []
    spaced = {"made_for_kids": "no", "tags": ["a b" * 33] * 5}  # quotes push it over
    (problem,) = provider.validate_options(spaced, "automatic")
    assert problem.code == "tags_too_long" and problem.field == "options.tags"
    assert "quotes around tags with spaces" in problem.message
    (bad,) = provider.validate_options({"made_for_kids": "no", "tags": ["<b>"]}, "automatic")
    assert bad.code == "tags_angle_brackets"


def test_made_for_kids_must_be_declared_never_assumed():
    provider = YouTubeProvider()
    (problem,) = provider.validate_options({}, "automatic", "Acme Coffee TV")
    assert problem.code == "made_for_kids_not_chosen" and problem.field == "options.made_for_kids"
    assert "Acme Coffee TV" in problem.message and "Channels page" in problem.message
    assert provider.validate_options({"made_for_kids": "yes"}, "automatic") == []
    (spec,) = [o for o in YouTubeProvider.options if o.key == "made_for_kids"]
    assert spec.kind == "choice" and spec.prompt  # an empty first choice: nothing preselected


def test_privacy_and_category_must_be_youtube_values():
    provider = YouTubeProvider()
    problems = provider.validate_options(
        {"made_for_kids": "no", "privacy_status": "friends", "category_id": "999"}, "automatic"
    )
    assert [p.code for p in problems] == ["privacy_status_invalid", "category_id_invalid"]


@pytest.mark.parametrize(
    ("utc", "hours"),
    [
        # 23:00 PDT on 30 June = 06:00 UTC on 1 July: one hour to Pacific midnight.
        (datetime(2026, 7, 1, 6, 0, tzinfo=UTC), 1),
        # Winter (PST, UTC-8): 08:00 UTC is midnight; at 09:00 UTC a whole day minus an hour.
        (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), 23),
    ],
)
def test_quota_resets_at_pacific_midnight(utc, hours):
    assert quota.seconds_to_reset(utc) == hours * 3600


@pytest.mark.django_db
def test_the_budget_counts_per_project_and_pacific_day(settings):
    settings.YOUTUBE_DAILY_UNITS = 100
    with time_machine.travel(datetime(2026, 7, 1, 6, 30, tzinfo=UTC), tick=False) as clock:
        quota.spend("project-a", quota.UNITS, 60, "this")
        with pytest.raises(yt.PlatformError) as refused:
            quota.spend("project-a", quota.UNITS, 50, "the thumbnail")
        assert refused.value.kind == "rate_limited" and refused.value.code == "quota_exceeded"
        assert refused.value.retry_after == 30 * 60  # 23:30 PDT: half an hour to the reset
        assert refused.value.message.startswith(
            "YouTube's daily API quota is used up: the thumbnail waits until it resets at "
            "midnight Pacific time (07:00 UTC)."
        )
        quota.spend("project-b", quota.UNITS, 50, "another project")  # its own budget
        clock.shift(3600)  # 00:30 PDT: a new Pacific day
        quota.spend("project-a", quota.UNITS, 90, "this")
        assert quota.used("project-a", quota.UNITS) == 90


def test_budgets_come_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv("YOUTUBE_DAILY_UPLOADS", "7")
    monkeypatch.delattr(settings, "YOUTUBE_DAILY_UPLOADS", raising=False)
    assert quota.budget(quota.UPLOADS) == 7
    assert quota.budget(quota.UNITS) == 10_000


def test_the_audit_setting(settings, monkeypatch):
    monkeypatch.delattr(settings, "YOUTUBE_PROJECT_AUDITED", raising=False)
    monkeypatch.delenv("YOUTUBE_PROJECT_AUDITED", raising=False)
    assert "private" in YouTubeProvider.composer_notice()
    monkeypatch.setenv("YOUTUBE_PROJECT_AUDITED", "true")
    assert YouTubeProvider.composer_notice() == ""


def test_no_media_yet_is_only_a_media_count_problem():
    for post_type in ("video", "short"):
        assert codes(Content(post_type, "Tip", [], title="T")) == ["media_count"]
