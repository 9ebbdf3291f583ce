from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import ClientAccount
from publishing.models import PostTarget, TargetStatus
from scheduling.models import Slot

MAX_RANGE = timedelta(days=62)
T = TargetStatus
# Targets that take a place on their profile's day: planned, going out, or already out.
COUNTED = (T.SCHEDULED, T.PUBLISHING, T.PUBLISHED, T.MANUAL, T.SENT_TO_DRAFTS)
# A post someone timed by hand (it holds no slot) takes every planned slot of its profile within
# this margin either side of its time: that slot gets no other post, so the two never go out
# together. It also counts against its day's budget (services._used_per_day).
HAND_TIMED_MARGIN = timedelta(minutes=60)


def slots_not_hand_timed(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """`slots` less those taken by a hand-timed post within HAND_TIMED_MARGIN (one subquery)."""
    near = PostTarget.objects.filter(
        profile=OuterRef("profile"),
        status__in=COUNTED,
        slot__isnull=True,
        scheduled_at__gte=OuterRef("starts_at") - HAND_TIMED_MARGIN,
        scheduled_at__lte=OuterRef("starts_at") + HAND_TIMED_MARGIN,
    )
    return slots.exclude(Exists(near))


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
