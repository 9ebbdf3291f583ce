"""Best-practice posting times, read from each provider's declared `windows`.

A profile with N slots a day takes the first N of its platform's preferred local times (weekday or
weekend) that keep MIN_GAP apart.
"""

from datetime import time, timedelta

from channels.providers import provider_class
from channels.providers.base import DEFAULT_WINDOWS

MIN_GAP = timedelta(hours=2)

WEEKDAY, WEEKEND = "weekday", "weekend"


def parse_hhmm(value: str) -> time:
    """'09:30' → time(9, 30); ValueError with the fix otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(f"{value!r} is not a time; use HH:MM, e.g. 09:30.") from None


def best_times(platform: str, weekday: int, count: int) -> list[time]:
    """The first `count` preferred times of that day that keep MIN_GAP apart, in time order."""
    cls = provider_class(platform)
    table = (cls.windows if cls else DEFAULT_WINDOWS)[WEEKEND if weekday >= 5 else WEEKDAY]
    chosen: list[time] = []
    for value in table:
        candidate = parse_hhmm(value)
        minutes = candidate.hour * 60 + candidate.minute
        if all(abs(minutes - (t.hour * 60 + t.minute)) >= MIN_GAP.seconds // 60 for t in chosen):
            chosen.append(candidate)
        if len(chosen) == count:
            break
    return sorted(chosen)


def platform_daily_cap(platform: str) -> int | None:
    """Posts per profile per day the platform allows through its API (None: no cap)."""
    cls = provider_class(platform)
    return cls.daily_cap if cls else None
