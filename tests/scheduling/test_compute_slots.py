"""compute_slots: every mode, temperatures, horizon, recompute rules and DST."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from channels.providers.instagram import InstagramProvider
from publishing.models import PostTarget
from scheduling.models import ProfileSchedule, ScheduleSettings, Slot
from scheduling.services import slots_compute
from tests.factories import ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday, before the day's first window


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, platform="instagram")


def local_times(profile, tz="UTC"):
    zone = ZoneInfo(tz)
    return [
        s.starts_at.astimezone(zone).strftime("%a %H:%M")
        for s in Slot.objects.filter(profile=profile)
    ]


@pytest.mark.parametrize(("temperature", "per_day"), [("cold", 1), ("warm", 2), ("hot", 3)])
def test_automatic_slots_follow_the_temperature(account, profile, temperature, per_day):
    ScheduleSettings.objects.create(account=account, temperature=temperature)
    with time_machine.travel(NOW, tick=False):
        slots_compute()
    per_date = Counter(s.local_date for s in Slot.objects.filter(profile=profile))
    assert len(per_date) == 14 and set(per_date.values()) == {per_day}
    monday = [s.starts_at for s in Slot.objects.filter(profile=profile, local_date=NOW.date())]
    assert all(b - a >= timedelta(hours=2) for a, b in zip(monday, monday[1:], strict=False))


def test_automatic_windows_differ_by_platform(account, profile):
    """Each provider declares its own windows; a platform without any gets the default."""
    tiktok = ProfileFactory(connection__account=account, platform="tiktok")
    unknown = ProfileFactory(connection__account=account, platform="someblog")
    with time_machine.travel(NOW, tick=False):
        slots_compute()
    assert local_times(profile)[0] == "Mon 11:00"  # Instagram: late morning
    assert local_times(tiktok)[0] == "Mon 19:00"  # evenings
    assert local_times(unknown)[0] == "Mon 09:00"  # the default: early on weekdays


def test_custom_times_per_weekday_in_the_account_zone(account, profile):
    account.timezone = "America/New_York"
    account.save()
    ScheduleSettings.objects.create(account=account, mode="custom", horizon_days=7)
    ProfileSchedule.objects.create(
        profile=profile, custom_times={"0": ["09:15", "18:00"], "2": ["12:00"]}
    )
    with time_machine.travel(NOW, tick=False):
        slots_compute()
    assert local_times(profile, "America/New_York") == ["Mon 09:15", "Mon 18:00", "Wed 12:00"]


def test_adaptive_without_data_behaves_as_automatic(account, profile):
    ScheduleSettings.objects.create(account=account, mode="adaptive")
    with time_machine.travel(NOW, tick=False):
        slots_compute()
    assert {s.source for s in Slot.objects.all()} == {"automatic"}


def test_manual_mode_generates_nothing_and_removes_free_slots(account, profile):
    with time_machine.travel(NOW, tick=False):
        slots_compute()
        assert Slot.objects.count() == 14
        ScheduleSettings.objects.create(account=account, mode="manual")
        slots_compute()
    assert Slot.objects.count() == 0


def test_recompute_keeps_filled_slots_and_releases_targets_whose_slot_disappears(account, profile):
    settings_ = ScheduleSettings.objects.create(account=account, mode="custom", horizon_days=3)
    schedule = ProfileSchedule.objects.create(
        profile=profile, custom_times={"0": ["09:00"], "1": ["09:00"]}
    )
    with time_machine.travel(NOW, tick=False):
        slots_compute()
        monday, tuesday = Slot.objects.order_by("starts_at")
        kept = TargetFactory(post__account=account, profile=profile, scheduled_at=monday.starts_at)
        moved = TargetFactory(
            post__account=account, profile=profile, scheduled_at=tuesday.starts_at
        )
        Slot.objects.filter(pk=monday.pk).update(target=kept)
        Slot.objects.filter(pk=tuesday.pk).update(target=moved)
        schedule.custom_times = {"0": ["09:00"], "1": ["10:00"]}
        schedule.save()
        settings_.save()
        result = slots_compute()
    assert result.released == 1
    assert Slot.objects.get(target=kept).pk == monday.pk  # never moved
    moved = PostTarget.objects.get(pk=moved.pk)
    assert (moved.status, moved.scheduled_at) == ("pending", None)
    assert local_times(profile) == ["Mon 09:00", "Tue 10:00"]


def test_slots_stay_at_local_time_across_dst(account, profile):
    account.timezone = "Europe/London"
    account.save()
    ScheduleSettings.objects.create(account=account, mode="custom", horizon_days=4)
    ProfileSchedule.objects.create(
        profile=profile, custom_times={str(d): ["09:00", "01:30"] for d in range(7)}
    )
    with time_machine.travel(datetime(2027, 3, 26, 0, 0, tzinfo=UTC), tick=False):
        slots_compute()
    utc = [s.starts_at for s in Slot.objects.filter(profile=profile)]
    assert datetime(2027, 3, 27, 9, tzinfo=UTC) in utc  # GMT
    assert datetime(2027, 3, 29, 8, tzinfo=UTC) in utc  # BST: still 09:00 local
    assert datetime(2027, 3, 28, 1, tzinfo=UTC) in utc  # 01:30 did not exist → 02:00 local


def test_command_output(account, profile):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("compute_slots", stdout=out)
    assert out.getvalue().strip() == "created 14, removed 0, released 0"


def test_command_rejects_an_unknown_account():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No client account with slug 'nope'"):
        call_command("compute_slots", "--account", "nope")


def _measured(profile, when, rate):
    from analytics.models import MetricSnapshot

    target = TargetFactory(post__account=profile.account, profile=profile, status="published",
                           published_at=when, platform_post_id=f"m{when:%j%H}")  # fmt: skip
    MetricSnapshot.objects.create(target=target, window="7d", collected_at=when, reach=1000,
                                  engagements=int(rate * 1000))  # fmt: skip


def test_adaptive_learns_each_profiles_best_hours_after_14_days(account, profile):
    ScheduleSettings.objects.create(account=account, mode="adaptive", temperature="warm")
    newcomer = ProfileFactory(connection__account=account, platform="instagram")
    for week in range(3):  # Mondays: 18:00 beats 09:00 beats 13:00
        monday = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(weeks=week)
        _measured(profile, monday.replace(hour=18), 0.09)
        _measured(profile, monday.replace(hour=9), 0.05)
        _measured(profile, monday.replace(hour=13), 0.01)
    with time_machine.travel(NOW, tick=False):
        slots_compute()
    assert local_times(profile)[:2] == ["Mon 09:00", "Mon 18:00"]
    assert {s.source for s in Slot.objects.filter(profile=profile)} == {"adaptive"}
    assert {s.source for s in Slot.objects.filter(profile=newcomer)} == {"automatic"}
    schedule = ProfileSchedule.objects.get(profile=profile)
    assert schedule.adaptive_times["0"] == ["09:00", "18:00"]
    _measured(profile, datetime(2026, 11, 22, 7, tzinfo=UTC), 0.5)  # new data
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        slots_compute()
    assert ProfileSchedule.objects.get(profile=profile).adaptive_times == schedule.adaptive_times


def test_hot_automatic_slots_may_sit_exactly_two_hours_apart(account, profile, monkeypatch):
    """Windows of 08:00, 12:00, then 10:00: 2 h from each is enough."""
    table = ("08:00", "12:00", "10:00")
    monkeypatch.setattr(InstagramProvider, "windows", {"weekday": table, "weekend": table})
    ScheduleSettings.objects.create(account=account, temperature="hot", horizon_days=1)
    with time_machine.travel(NOW, tick=False):
        call_command("compute_slots", stdout=StringIO())
    assert local_times(profile)[:3] == ["Mon 08:00", "Mon 10:00", "Mon 12:00"]


def test_automatic_slots_skip_preferred_times_closer_than_two_hours(account, profile, monkeypatch):
    """A window table whose favourite times crowd together: the next preferred time that keeps
    2 h from every chosen one is taken instead, so a hot day is still spread out."""
    crowded = ("11:00", "12:00", "12:30", "09:30", "13:00", "14:00", "15:00", "19:00")
    monkeypatch.setattr(InstagramProvider, "windows", {"weekday": crowded, "weekend": crowded})
    ScheduleSettings.objects.create(account=account, temperature="hot", horizon_days=2)
    with time_machine.travel(NOW, tick=False):
        call_command("compute_slots", stdout=StringIO())

    assert local_times(profile) == [
        "Mon 11:00", "Mon 13:00", "Mon 15:00", "Tue 11:00", "Tue 13:00", "Tue 15:00",
    ]  # fmt: skip
