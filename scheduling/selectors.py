from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ClientAccount
from scheduling.models import Slot

MAX_RANGE = timedelta(days=62)


def slots_for_account(
    *,
    account: ClientAccount,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    profile: int | None = None,
) -> QuerySet[Slot]:
    date_from = date_from or timezone.now()
    date_to = min(date_to or date_from + timedelta(days=14), date_from + MAX_RANGE)
    slots = Slot.objects.filter(
        profile__account=account, starts_at__gte=date_from, starts_at__lt=date_to
    ).select_related("profile")
    if profile is not None:
        slots = slots.filter(profile_id=profile)
    return slots.order_by("starts_at", "profile_id")
