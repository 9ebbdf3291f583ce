"""attach_to_schedule: earliest free slot, one target per slot, budgets, fallback, holds."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from publishing.models import PostTarget, PublishEvent
from scheduling.models import ProfileSchedule, ScheduleSettings, Slot
from scheduling.services import slots_compute, targets_attach
from tests.factories import ProfileFactory, TargetFactory
from tests.helpers import database_url

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 06:00 UTC


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, platform="instagram")


def waiting(account, profile, n=1):
    return [
        TargetFactory(post__account=account, profile=profile, status="pending", scheduled_at=None)
        for _ in range(n)
    ]


def when(target) -> str:
    t = PostTarget.objects.get(pk=target.pk)
    return f"{t.status} {t.scheduled_at:%a %H:%M}" if t.scheduled_at else f"{t.status} -"


def test_targets_take_the_earliest_free_slots_in_order(account, profile):
    ScheduleSettings.objects.create(account=account, temperature="warm")
    slots_compute()
    first, second, third = waiting(account, profile, 3)
    assert targets_attach().attached == 3
    assert [when(t) for t in (first, second, third)] == [
        "scheduled Mon 11:00", "scheduled Mon 15:00", "scheduled Tue 11:00",
    ]  # fmt: skip
    assert (
        Slot.objects.get(target=first).starts_at == PostTarget.objects.get(pk=first.pk).scheduled_at
    )
    assert PostTarget.objects.get(pk=first.pk).audit.last().actor_label == "scheduler"


def test_a_daily_cap_pushes_posts_to_the_next_day(account, profile):
    ScheduleSettings.objects.create(account=account, temperature="hot")
    ProfileSchedule.objects.create(profile=profile, daily_cap=1)
    slots_compute()
    TargetFactory(post__account=account, profile=profile, scheduled_at=NOW + timedelta(hours=1))
    target = waiting(account, profile)[0]
    targets_attach()
    assert when(target) == "scheduled Tue 11:00"  # Monday already has its one post


def test_budgets_are_per_profile(account, profile):
    other = ProfileFactory(connection__account=account, platform="instagram")
    ScheduleSettings.objects.create(account=account)
    for p in (profile, other):
        ProfileSchedule.objects.create(profile=p, daily_cap=1)
    slots_compute()
    a, b = waiting(account, profile)[0], waiting(account, other)[0]
    targets_attach()
    assert when(a) == when(b) == "scheduled Mon 11:00"


def test_custom_mode_falls_back_within_the_same_day_then_waits_with_the_reason(account, profile):
    ScheduleSettings.objects.create(account=account, mode="custom")
    ProfileSchedule.objects.create(
        profile=profile, custom_times={"0": ["09:00", "17:00"], "1": ["09:00"]}, daily_cap=1
    )
    slots_compute()
    TargetFactory(post__account=account, profile=profile, scheduled_at=NOW + timedelta(minutes=30))
    target = waiting(account, profile)[0]
    result = targets_attach()
    assert when(target) == "pending -"
    assert result.waiting == 1
    t = PostTarget.objects.get(pk=target.pk)
    assert t.error_code == "no_slot" and "same day" in t.error_message


def test_custom_mode_uses_a_later_slot_of_the_same_day(account, profile):
    ScheduleSettings.objects.create(account=account, mode="custom")
    ProfileSchedule.objects.create(profile=profile, custom_times={"0": ["09:00", "17:00"]})
    slots_compute()
    first, second = waiting(account, profile, 2)
    targets_attach()
    assert [when(first), when(second)] == ["scheduled Mon 09:00", "scheduled Mon 17:00"]


def test_disconnected_channels_and_manual_mode_get_no_slot(account, profile):
    slots_compute()
    profile.connection.status = "disconnected"
    profile.connection.save()
    held = waiting(account, profile)[0]
    assert targets_attach().attached == 0
    assert when(held) == "pending -"
    profile.connection.status = "active"
    profile.connection.save()
    ScheduleSettings.objects.create(account=account, mode="manual")
    assert targets_attach().attached == 0


def test_api_post_without_a_time_gets_the_next_free_slot_at_once(api, account, profile):
    slots_compute()
    body = api.post("/posts", {
        "caption": "Slot me", "targets": [profile.pk],
        "media": [{"url": "https://cdn.example.com/a.jpg", "kind": "image"}],
    }).json()  # fmt: skip
    assert body["targets"][0]["status"] == "scheduled"
    assert body["targets"][0]["scheduled_at"] == "2026-11-23T11:00:00Z"
    slots = api.get("/slots", profile=profile.pk).json()
    assert slots[0]["filled"] and slots[0]["target_id"] == body["targets"][0]["id"]
    assert not slots[1]["filled"] and slots[1]["platform"] == "instagram"
    assert (
        len(
            api.get(
                "/slots", **{"from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"}
            ).json()
        )
        == 1
    )


def test_cancelling_frees_the_slot(api, account, profile):
    slots_compute()
    target = waiting(account, profile)[0]
    targets_attach()
    api.post(f"/targets/{target.pk}/cancel")
    assert not Slot.objects.filter(target__isnull=False).exists()
    other = waiting(account, profile)[0]
    targets_attach()
    assert when(other) == "scheduled Mon 11:00"


def test_content_needed_is_emitted_once_per_empty_slot_in_48_hours(account, profile):
    ScheduleSettings.objects.create(account=account, generation_mode="automatic")
    slots_compute()
    out = StringIO()
    call_command("attach_to_schedule", stdout=out)
    assert out.getvalue().strip() == "attached 0, waiting 0, content needed 2"
    call_command("attach_to_schedule", stdout=StringIO())
    events = PublishEvent.objects.filter(event="content.needed")
    assert events.count() == 2
    assert {e.payload["profile_id"] for e in events} == {profile.pk}


@pytest.mark.django_db(transaction=True)
def test_concurrent_attach_runs_never_give_a_slot_twice(account, profile):
    ScheduleSettings.objects.create(account=account, temperature="hot")
    slots_compute()
    targets = waiting(account, profile, 40)
    # The worker processes run at this test's (frozen) time, not the machine's: slots planned
    # at NOW must still be ahead of them whatever the real date is.
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'socialdist.settings');"
        "django.setup(); from datetime import datetime;"
        "from scheduling.services import targets_attach;"
        f"targets_attach(now=datetime.fromisoformat('{NOW.isoformat()}'))"
    )
    env = {**__import__("os").environ, "DATABASE_URL": database_url()}
    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", script], cwd=root, env=env) for _ in range(3)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    filled = list(Slot.objects.filter(target__isnull=False).values_list("target_id", flat=True))
    assert sorted(filled) == sorted(t.pk for t in targets)  # each target once, each slot once
    scheduled = PostTarget.objects.filter(status="scheduled")
    assert scheduled.count() == 40
    assert len(set(scheduled.values_list("scheduled_at", flat=True))) == 40


def hand_timed(account, profile, at):
    return TargetFactory(post__account=account, profile=profile, scheduled_at=at)


def test_a_slot_within_60_minutes_of_a_hand_timed_post_is_taken_by_it(account, profile):
    # Warm: Mon 11:00 and 15:00, two posts a day, so only the slot rule keeps 11:00 empty.
    ScheduleSettings.objects.create(account=account, temperature="warm")
    slots_compute()
    hand_timed(account, profile, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # 11:00 + 60 min
    target = waiting(account, profile)[0]
    targets_attach()
    assert when(target) == "scheduled Mon 15:00"
    assert Slot.objects.get(starts_at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC)).target is None


def test_a_hand_timed_post_more_than_60_minutes_away_leaves_the_slot_free(account, profile):
    ScheduleSettings.objects.create(account=account, temperature="warm")
    slots_compute()
    hand_timed(account, profile, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    other = ProfileFactory(connection__account=account, platform="instagram")
    hand_timed(account, other, datetime(2026, 11, 23, 11, 0, tzinfo=UTC))  # another profile
    target = waiting(account, profile)[0]
    targets_attach()
    assert when(target) == "scheduled Mon 11:00"


def test_a_hand_timed_post_fills_a_cold_profiles_day(account, profile):
    # Cold: one post a day. Monday's 11:00 slot is hours away from the 07:00 post, yet Monday's
    # budget is spent, so the waiting post goes on Tuesday.
    ScheduleSettings.objects.create(account=account, temperature="cold")
    slots_compute()
    hand_timed(account, profile, datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    target = waiting(account, profile)[0]
    result = targets_attach()
    assert result.attached == 1
    assert when(target) == "scheduled Tue 11:00"
    assert PostTarget.objects.filter(profile=profile, scheduled_at__date=NOW.date()).count() == 1


def test_a_post_in_a_slot_does_not_take_the_slots_near_it(account, profile):
    # Only hand-timed posts (no slot) take nearby slots; custom times may be 30 minutes apart.
    ScheduleSettings.objects.create(account=account, mode="custom")
    ProfileSchedule.objects.create(profile=profile, custom_times={"0": ["09:00", "09:30"]})
    slots_compute()
    first = waiting(account, profile)[0]
    targets_attach()
    second = waiting(account, profile)[0]
    targets_attach()
    assert [when(first), when(second)] == ["scheduled Mon 09:00", "scheduled Mon 09:30"]


def test_no_content_is_asked_for_a_slot_a_hand_timed_post_takes(account, profile):
    """NOW is Mon 06:00 UTC: the next 48 h hold two slots (Mon and Tue 11:00); a post a person
    timed at Mon 11:30 takes Monday's, so content is asked for Tuesday's only."""
    ScheduleSettings.objects.create(account=account, generation_mode="automatic")
    slots_compute()
    TargetFactory(
        post__account=account, profile=profile, scheduled_at=NOW + timedelta(hours=5, minutes=30)
    )
    out = StringIO()
    call_command("attach_to_schedule", stdout=out)
    assert out.getvalue().strip() == "attached 0, waiting 0, content needed 1"
