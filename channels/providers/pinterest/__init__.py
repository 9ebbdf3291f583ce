from channels.providers.pinterest.access import (
    TRIAL_REQUESTS_PER_DAY,
    access_tier,
    budget_key,
    requests_used_today,
)
from channels.providers.pinterest.provider import PinterestProvider

__all__ = [
    "TRIAL_REQUESTS_PER_DAY",
    "PinterestProvider",
    "access_tier",
    "budget_key",
    "requests_used_today",
]
