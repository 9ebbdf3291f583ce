"""The consolidated calendar: every profile's posts and free slots in the account's time zone.

A fixed number of queries whatever the number of posts: targets, free slots and profiles are each
read once for the visible range (a slot a hand-timed post sits on is not free), and the media (with
their library items) of the posts whose cards are shown, for the thumbnails, in one more.
"""

import calendar as pycalendar
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, prefetch_related_objects

from accounts.models import ClientAccount
from channels.models import Profile
from publishing.articles import article_platforms
from publishing.filters import POST_STATUSES
from publishing.models import PostMedia, PostStatus, PostTarget, TargetStatus
from scheduling.models import Slot
from scheduling.selectors import slots_not_hand_timed

MONTH_CELL_LIMIT = 6
PALETTE = ["#3b5bdb", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700",
           "#5c940d", "#862e9c", "#1864ab"]  # fmt: skip


@dataclass
class Day:
    date: date
    in_month: bool
    items: list = field(default_factory=list)  # targets
    free: list = field(default_factory=list)  # free slots
    by_hour: dict = field(default_factory=dict)  # week view: hour -> (targets, slots)
    more: int = 0  # month view: posts not shown in the cell
    free_more: int = 0  # month view: free slots not shown (posts come first)
    is_today: bool = False


@dataclass
class Calendar:
    view: str
    anchor: date
    start: date
    end: date  # exclusive
    weeks: list[list[Day]]
    profiles: list[Profile]
    colours: dict[int, str]
    tz_name: str
    previous: date
    next: date
    title: str
    today: date | None = None
    show_slots: bool = True
    # Week view, row by row: [(hour, [(day, targets, slots) × 7])] — one grid row per hour shared
    # by every day, so a busy day cannot push its hours out of line with the others.
    hour_rows: list = field(default_factory=list)


def calendar_build(
    *,
    account: ClientAccount,
    view: str,
    anchor: date,
    filters: dict,
    today: date | None = None,
    show_slots: bool = True,
) -> Calendar:
    """`today` is the account's local date (highlighted); `show_slots=False` leaves free slots
    out (and unread)."""
    tz = zoneinfo.ZoneInfo(account.timezone)
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        previous, nxt = start - timedelta(days=7), start + timedelta(days=7)
        title = f"Week of {start:%d %b %Y}"
    else:
        first = anchor.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=7 - last.weekday())
        previous = (first - timedelta(days=1)).replace(day=1)
        nxt = last + timedelta(days=1)
        title = f"{first:%B %Y}"
    lower = datetime.combine(start, time.min, tz)
    upper = datetime.combine(end, time.min, tz)

    profiles = list(Profile.objects.filter(account=account).order_by("platform", "name"))
    colours = {p.pk: PALETTE[i % len(PALETTE)] for i, p in enumerate(profiles)}
    targets = (
        PostTarget.objects.filter(
            post__account=account, scheduled_at__gte=lower, scheduled_at__lt=upper
        )
        .select_related("post", "profile")
        .order_by("scheduled_at", "pk")
    )
    # A slot a hand-timed post sits on (within HAND_TIMED_MARGIN) is not free: same query.
    slots = slots_not_hand_timed(
        Slot.objects.filter(
            profile__account=account, target__isnull=True, starts_at__gte=lower, starts_at__lt=upper
        )
    ).select_related("profile")
    if filters.get("profile"):
        targets = targets.filter(profile_id=filters["profile"])
        slots = slots.filter(profile_id=filters["profile"])
    if filters.get("platform"):
        targets = targets.filter(profile__platform=filters["platform"])
        slots = slots.filter(profile__platform=filters["platform"])
    if status := filters.get("status"):  # as the cards (and the queue) say it
        if status in POST_STATUSES:
            targets = targets.filter(post__status=status)
        elif status == TargetStatus.PENDING:
            targets = targets.filter(status=status, post__status=PostStatus.APPROVED)
        else:
            targets = targets.filter(status=status)
        slots = slots.none()
    if not show_slots:
        slots = slots.none()
    if filters.get("bucket"):
        targets = targets.filter(post__bucket=filters["bucket"])

    days = {
        start + timedelta(days=n): Day(start + timedelta(days=n), True)
        for n in range((end - start).days)
    }
    for day in days.values():
        day.is_today = day.date == today
        if view != "week":
            day.in_month = day.date.month == anchor.month
    for target in targets:
        local = target.scheduled_at.astimezone(tz)
        target.local = local
        target.colour = colours.get(target.profile_id, "")
        day = days[local.date()]
        day.items.append(target)
        day.by_hour.setdefault(local.hour, ([], []))[0].append(target)
    for slot in slots:
        local = slot.starts_at.astimezone(tz)
        slot.local = local
        day = days[local.date()]
        day.free.append(slot)
        day.by_hour.setdefault(local.hour, ([], []))[1].append(slot)
    if view != "week":
        # A month cell shows its first posts and "+N more" (opening that week) so it stays
        # readable, and fast, on busy days. Posts first: free slots only fill what is left.
        for day in days.values():
            day.more = max(0, len(day.items) - MONTH_CELL_LIMIT)
            day.items = day.items[:MONTH_CELL_LIMIT]
            room = MONTH_CELL_LIMIT - len(day.items)
            day.free_more = max(0, len(day.free) - room)
            day.free = day.free[:room]
    # Thumbnails: the media (with library items) of the cards shown only, in one query.
    shown = [target for day in days.values() for target in day.items]
    prefetch_related_objects(
        shown, Prefetch("post__media", queryset=PostMedia.objects.select_related("asset"))
    )
    if article_platforms():  # "Waiting for the article" reads the post's targets and versions
        prefetch_related_objects(
            shown,
            Prefetch("post__targets", queryset=PostTarget.objects.select_related("profile")),
            "post__versions",
        )
    for target in shown:
        target.thumbnail_url = target.post.thumbnail_url
    ordered = list(days.values())
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    hour_rows = []
    if view == "week":
        hour_rows = [
            (h, [(day, *day.by_hour.get(h, ([], []))) for day in ordered]) for h in range(24)
        ]
    return Calendar(view, anchor, start, end, weeks, profiles, colours, account.timezone,
                    previous, nxt, title, today, show_slots, hour_rows)  # fmt: skip
