"""Pinterest's access tier (PINTEREST_ACCESS_TIER) and the trial's daily request budget: every
call counted per UTC day in the shared cache, and none sent once the day's 1,000 are spent
(PLATFORMS.md §8.3)."""

import os
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from channels.http import RATE_LIMITED, PlatformError

TRIAL_REQUESTS_PER_DAY = 1000  # §8.3: trial access, all API requests, per app per day


def access_tier() -> str:
    """trial (default) or standard: PINTEREST_ACCESS_TIER, a setting winning over the env."""
    tier = getattr(settings, "PINTEREST_ACCESS_TIER", None) or os.environ.get(
        "PINTEREST_ACCESS_TIER", "trial"
    )
    return "standard" if str(tier).strip().lower() == "standard" else "trial"


def budget_key(day=None) -> str:
    day = day or timezone.now().astimezone(UTC).date()
    return f"pinterest:requests:{day.isoformat()}"


def requests_used_today() -> int:
    return int(cache.get(budget_key()) or 0)


def spend_request() -> None:
    """One call out of the trial's daily budget (per app, UTC day, shared by every process);
    refuse before calling once it is spent, so the post slips to tomorrow with a reason."""
    if access_tier() != "trial":
        return
    now = timezone.now().astimezone(UTC)
    key = budget_key(now.date())
    cache.add(key, 0, timeout=2 * 86400)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * 86400)
        used = 1
    if used > TRIAL_REQUESTS_PER_DAY:
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        raise PlatformError(
            RATE_LIMITED,
            "daily_request_budget",
            f"This app's Pinterest trial access allows {TRIAL_REQUESTS_PER_DAY} requests a "
            "day and today's are used up, so the pin waits until the budget resets at "
            "midnight UTC. Apply for standard access to lift the limit.",
            retry_after=max(60.0, (midnight - now).total_seconds()),
        )
