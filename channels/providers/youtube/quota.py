"""YouTube Data API quota as a budget (PLATFORMS.md §7.3), counted before each call.

Since 2026-06-01 a Google project has its own bucket of `videos.insert` calls per day (default
100) and 10,000 units per day for every other method; both reset at midnight Pacific time. The
counters live in the Django cache (Redis in production and CI, so every worker shares them; the
embedded default is the database cache). When a bucket is spent the call is not made: a
rate_limited PlatformError with retry_after = the time to the next Pacific midnight makes the
dispatcher move the target to the next Pacific day without using an attempt.
"""

import hashlib
import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from channels.http import RATE_LIMITED, PlatformError

PACIFIC = ZoneInfo("America/Los_Angeles")
UPLOADS, UNITS = "uploads", "units"
DEFAULTS = {UPLOADS: 100, UNITS: 10_000}
SETTINGS = {UPLOADS: "YOUTUBE_DAILY_UPLOADS", UNITS: "YOUTUBE_DAILY_UNITS"}
# Units per method in the general bucket (§7.3); an invalid request still costs one.
COST = {"videos.list": 1, "channels.list": 1, "thumbnails.set": 50, "videos.update": 50}


def budget(bucket: str) -> int:
    """The project's daily allowance: a setting wins (tests), else the environment, else §7.3."""
    name = SETTINGS[bucket]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[bucket]
    return int(value)


def pacific_day(now: datetime | None = None) -> str:
    return (now or timezone.now()).astimezone(PACIFIC).date().isoformat()


def seconds_to_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight in Pacific time (DST-correct), when Google resets quotas."""
    now = now or timezone.now()
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return max(60.0, (midnight - now).total_seconds())


def _key(project: str, bucket: str, day: str) -> str:
    # One counter per Google project (its OAuth client id) and Pacific day.
    digest = hashlib.sha256(project.encode()).hexdigest()[:16]
    return f"youtube-quota:{digest}:{bucket}:{day}"


def used(project: str, bucket: str) -> int:
    return int(cache.get(_key(project, bucket, pacific_day())) or 0)


def spend(project: str, bucket: str, cost: int, what: str, *, refuse: bool = True) -> None:
    """Count `cost` against today's bucket before the call, or refuse the call when the bucket
    cannot take it (the target then slips to the next Pacific day). `refuse=False` only counts
    (connecting a channel costs a unit, but a person waiting on it is never turned away)."""
    limit = budget(bucket)
    key = _key(project, bucket, pacific_day())
    cache.add(key, 0, timeout=int(seconds_to_reset()) + 3600)
    if refuse and int(cache.get(key) or 0) + cost > limit:
        raise exhausted(bucket, what)
    try:
        cache.incr(key, cost)
    except ValueError:  # expired between add and incr (just past midnight): a fresh day
        cache.set(key, cost, timeout=int(seconds_to_reset()) + 3600)


def mark_spent(project: str, bucket: str) -> None:
    """YouTube said quotaExceeded: our count was behind (another app on the project, a restart
    with a local cache), so stop calling until the reset."""
    cache.set(_key(project, bucket, pacific_day()), budget(bucket), timeout=int(seconds_to_reset()))


def exhausted(bucket: str, what: str) -> PlatformError:
    wait = seconds_to_reset()
    reset_utc = (timezone.now() + timedelta(seconds=wait)).strftime("%H:%M UTC")
    if bucket == UPLOADS:
        quota, spent = "upload", f"its {budget(UPLOADS)} video uploads"
    else:
        quota, spent = "API", f"its {budget(UNITS):,} API units"
    return PlatformError(
        RATE_LIMITED,
        "quota_exceeded",
        f"YouTube's daily {quota} quota is used up: {what} waits until it resets at midnight "
        f"Pacific time ({reset_utc}). This app's Google project has used {spent} for today; "
        "to do more per day, ask Google for a higher YouTube Data API quota and raise "
        f"{SETTINGS[bucket]}.",
        retry_after=wait,
    )
