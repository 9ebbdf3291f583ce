"""Slots and attach-to-schedule.

compute_slots (daily) plans each profile's publishing times `horizon_days` ahead from the account's
mode; attach_to_schedule (every few minutes, and at once when a post is approved) gives each pending
target the earliest free slot of its profile within the day budgets. A slot holds at most one
target (a one-to-one column), and recomputing never moves a target that holds a slot unless that
slot disappears.
"""

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount
from accounts.services import timezone_name_clean
from analytics.selectors import engagement_by_hour_of_week
from channels.models import ConnectionStatus, Profile
from publishing.events import event_emit
from publishing.models import EventType, PostStatus, PostTarget, TargetStatus
from publishing.targets import target_reschedule
from publishing.transitions import (
    Actor,
    InvalidTransition,
    target_transition,
    targets_transition_bulk,
)
from scheduling.models import SLOTS_PER_DAY, Mode, ProfileSchedule, ScheduleSettings, Slot
from scheduling.selectors import COUNTED, slots_not_hand_timed
from scheduling.timeutils import local_to_utc
from scheduling.windows import best_times, parse_hhmm, platform_daily_cap
from socialdist.leases import locked, row_claim

T = TargetStatus
SCHEDULER = Actor(label="scheduler")
# A slot this close to now is left alone: the dispatcher may already be publishing it.
LEAD = timedelta(minutes=2)
CONTENT_NEEDED_WITHIN = timedelta(hours=48)
ADAPTIVE_MIN_DAYS = 14


@dataclass
class EffectiveMode:
    mode: str
    reason: str = ""


def schedule_settings(account: ClientAccount) -> ScheduleSettings:
    return ScheduleSettings.objects.get_or_create(account=account)[0]


def mode_in_effect(settings_: ScheduleSettings, profiles=None) -> EffectiveMode:
    """Which mode actually plans the slots, and why when it differs from the chosen one."""
    if settings_.mode != Mode.ADAPTIVE:
        return EffectiveMode(settings_.mode)
    profiles = list(profiles or [])
    learned = [p for p in profiles if _adaptive_ready(p)]
    if profiles and len(learned) == len(profiles):
        return EffectiveMode(Mode.ADAPTIVE, "Every profile has 14+ days of engagement data.")
    waiting = [p.name for p in profiles if p not in learned]
    return EffectiveMode(
        Mode.ADAPTIVE if learned else Mode.AUTOMATIC,
        f"Adaptive needs {ADAPTIVE_MIN_DAYS} days of measured posts per profile; until then "
        "the automatic windows are used"
        + (f" for: {', '.join(waiting)}." if waiting and learned else "."),
    )


def _adaptive_ready(profile: Profile) -> bool:
    schedule = getattr(profile, "schedule", None)
    return bool(schedule and schedule.adaptive_times)


def adaptive_learn(*, profile: Profile, now: datetime, per_day: int = 3) -> dict | None:
    """Best hours per weekday from the profile's own engagement, once it has 14 days of data.

    Kept for 7 days before learning again, so the schedule does not jitter.
    """
    schedule, _ = ProfileSchedule.objects.get_or_create(profile=profile)
    profile.schedule = schedule
    if schedule.adaptive_computed_at and now - schedule.adaptive_computed_at < timedelta(days=7):
        return schedule.adaptive_times or None
    first = (
        PostTarget.objects.filter(profile=profile, snapshots__isnull=False)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    times: dict = {}
    if first and now - first >= timedelta(days=ADAPTIVE_MIN_DAYS):
        cells = engagement_by_hour_of_week(
            profile_id=profile.pk, tz=zoneinfo.ZoneInfo(profile.account.timezone)
        )
        week = defaultdict(list)
        for (_, hour), rate in cells.items():
            week[hour].append(rate)
        week_rank = sorted(week, key=lambda h: -sum(week[h]) / len(week[h]))
        for weekday in range(7):
            day_rank = sorted(
                (h for d, h in cells if d == weekday), key=lambda h: -cells[(weekday, h)]
            )
            times[str(weekday)] = _spaced([*day_rank, *week_rank], per_day)
    schedule.adaptive_times, schedule.adaptive_computed_at = times, now
    schedule.save(update_fields=["adaptive_times", "adaptive_computed_at"])
    return times or None


def _spaced(hours: list[int], count: int) -> list[str]:
    chosen: list[int] = []
    for hour in hours:
        if hour not in chosen and all(abs(hour - c) >= 2 for c in chosen):
            chosen.append(hour)
        if len(chosen) == count:
            break
    return [f"{h:02d}:00" for h in sorted(chosen)]


def profile_times(
    profile: Profile, schedule: ProfileSchedule | None, weekday: int, mode: str, per_day: int
) -> list[time]:
    if mode == Mode.CUSTOM:
        values = (schedule.custom_times if schedule else {}).get(str(weekday), [])
        return sorted({parse_hhmm(v) for v in values})
    if mode == Mode.ADAPTIVE and schedule and schedule.adaptive_times.get(str(weekday)):
        return [parse_hhmm(v) for v in schedule.adaptive_times[str(weekday)][:per_day]]
    return best_times(profile.platform, weekday, per_day)


def custom_times_clean(raw: dict[str, str]) -> dict[str, list[str]]:
    """{"0": "09:00, 17:30", …} from a form → {"0": ["09:00", "17:30"]}; ValueError names the day."""
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    cleaned: dict[str, list[str]] = {}
    for weekday, text in raw.items():
        values = [v for v in (text or "").replace(";", ",").split(",") if v.strip()]
        try:
            times = sorted({parse_hhmm(v) for v in values})
        except ValueError as exc:
            raise ValueError(f"{days[int(weekday)]}: {exc}") from None
        cleaned[str(weekday)] = [t.strftime("%H:%M") for t in times]
    return cleaned


MAX_DAILY_CAP = 1000  # far above any platform's own cap, and it fits the column


def profile_schedule_clean(
    *, times: dict[str, str], cap: str
) -> tuple[dict[str, list[str]], int | None]:
    """One profile's custom times and daily cap from a form; ValueError says what is wrong."""
    cleaned = custom_times_clean(times)
    cap = cap.strip()
    cap_value = int(cap) if cap else None
    if cap_value is not None and not 1 <= cap_value <= MAX_DAILY_CAP:
        raise ValueError(f"the daily cap must be 1 or more (at most {MAX_DAILY_CAP}), or empty")
    return cleaned, cap_value


@transaction.atomic
def schedule_save(
    *,
    account: ClientAccount,
    timezone_name: str,
    values: dict,
    per_profile: dict[int, tuple[dict[str, list[str]], int | None]],
) -> ScheduleSettings:
    """The schedule page: the account's time zone and mode settings, each profile's custom times
    and daily cap (from `profile_schedule_clean`); then the slots are planned again."""
    account.timezone = timezone_name_clean(timezone_name)
    account.save(update_fields=["timezone"])
    for profile_id, (times, cap_value) in per_profile.items():
        ProfileSchedule.objects.update_or_create(
            profile_id=profile_id, defaults={"custom_times": times, "daily_cap": cap_value}
        )
    return settings_save(account=account, **values)


def schedule_timezone_save(*, account: ClientAccount, name: str) -> str:
    """The account's time zone from the Settings page: any case accepted (ValueError says what
    is wrong); slots are planned in local time, so a new zone plans them again."""
    name = timezone_name_clean(name)
    if name != account.timezone:
        account.timezone = name
        account.save(update_fields=["timezone"])
        slots_compute(accounts=[account])
        targets_attach(account=account)
    return name


def target_move_local(
    *, target: PostTarget, actor: Actor, day: date, at: time, now: datetime | None = None
) -> datetime:
    """The calendar's drag and its Move… form: `target` to a wall time in its account's zone.

    ValueError for a time already past; target_reschedule's own errors pass through."""
    when = local_to_utc(day, at, target.post.account.zone)
    if when <= (now or timezone.now()):
        raise ValueError("That time has passed; pick a later day or time.")
    target_reschedule(target=target, actor=actor, scheduled_at=when)
    return when


# compute_slots ---------------------------------------------------------------------------------


@dataclass
class ComputeResult:
    created: int = 0
    removed: int = 0
    released: int = 0


def slots_compute(*, accounts=None, now: datetime | None = None) -> ComputeResult:
    now = now or timezone.now()
    result = ComputeResult()
    accounts = accounts if accounts is not None else ClientAccount.objects.all()
    settings_by_account = {
        s.account_id: s for s in ScheduleSettings.objects.filter(account__in=accounts)
    }
    for account in accounts:
        settings_ = settings_by_account.get(account.pk) or ScheduleSettings(account=account)
        _compute_account(account, settings_, now, result)
    return result


def _compute_account(account, settings_: ScheduleSettings, now, result: ComputeResult) -> None:
    tz = zoneinfo.ZoneInfo(account.timezone)
    profiles = list(Profile.objects.filter(account=account).select_related("schedule", "account"))
    if settings_.mode == Mode.ADAPTIVE:
        for profile in profiles:
            adaptive_learn(profile=profile, now=now, per_day=SLOTS_PER_DAY[settings_.temperature])
    effective = mode_in_effect(settings_, profiles)
    desired: dict[tuple[int, datetime], tuple[date, str]] = {}
    if effective.mode != Mode.MANUAL:
        today = now.astimezone(tz).date()
        per_day = SLOTS_PER_DAY[settings_.temperature]
        for profile in profiles:
            schedule = getattr(profile, "schedule", None)
            for offset in range(settings_.horizon_days):
                day = today + timedelta(days=offset)
                mode = effective.mode
                if mode == Mode.ADAPTIVE and not _adaptive_ready(profile):
                    mode = Mode.AUTOMATIC
                for at in profile_times(profile, schedule, day.weekday(), mode, per_day):
                    starts_at = local_to_utc(day, at, tz)
                    if starts_at > now + LEAD:
                        desired[(profile.pk, starts_at)] = (day, mode)

    existing = {
        (slot.profile_id, slot.starts_at): slot
        for slot in Slot.objects.filter(profile__in=profiles, starts_at__gt=now + LEAD)
    }
    new = [
        Slot(profile_id=pid, starts_at=starts_at, local_date=day, source=source)
        for (pid, starts_at), (day, source) in desired.items()
        if (pid, starts_at) not in existing
    ]
    Slot.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    result.created += len(new)

    gone = [slot for key, slot in existing.items() if key not in desired]
    filled = [slot for slot in gone if slot.target_id]
    if filled and effective.mode != Mode.MANUAL:
        # Their slot disappeared: back to pending so attach gives them a new one.
        result.released += _release_slot_targets(filled)
    Slot.objects.filter(pk__in=[s.pk for s in gone]).delete()
    result.removed += len(gone)


def _release_slot_targets(slots: list[Slot]) -> int:
    targets = PostTarget.objects.filter(pk__in=[s.target_id for s in slots], status=T.SCHEDULED)
    return sum(
        target_transition(
            target=target,
            to=T.PENDING,
            actor=SCHEDULER,
            reason="its slot was removed by a schedule change",
            scheduled_at=None,
            next_attempt_at=None,
        )
        for target in targets
    )


# attach_to_schedule ----------------------------------------------------------------------------


@dataclass
class AttachResult:
    attached: int = 0
    waiting: int = 0
    content_needed: int = 0
    reasons: dict[int, str] = field(default_factory=dict)


def _waiting_targets():
    return PostTarget.objects.filter(
        status=T.PENDING,
        scheduled_at__isnull=True,
        post__status=PostStatus.APPROVED,
        profile__connection__status=ConnectionStatus.ACTIVE,
    ).exclude(post__account__schedule_settings__mode=Mode.MANUAL)


def targets_attach(
    *, target_ids=None, account: ClientAccount | None = None, now: datetime | None = None
) -> AttachResult:
    """Give waiting targets the earliest free slot of their profile, within the day budgets."""
    now = now or timezone.now()
    result = AttachResult()
    waiting = _waiting_targets()
    if target_ids is not None:
        waiting = waiting.filter(pk__in=target_ids)
    if account is not None:
        waiting = waiting.filter(post__account=account)
    profile_ids = sorted(set(waiting.values_list("profile_id", flat=True)))
    profiles = Profile.objects.select_related("account", "schedule").in_bulk(profile_ids)
    settings_by_account = {
        s.account_id: s
        for s in ScheduleSettings.objects.filter(
            account__in={p.account_id for p in profiles.values()}
        )
    }
    for profile_id in profile_ids:
        profile = profiles[profile_id]
        settings_ = settings_by_account.get(profile.account_id) or ScheduleSettings()
        _attach_profile(profile, settings_, waiting, now, result)
    return result


def _attach_profile(profile: Profile, settings_, waiting, now, result: AttachResult) -> None:
    tz = zoneinfo.ZoneInfo(profile.account.timezone)
    with transaction.atomic():
        # Row locks make concurrent attach runs take turns per profile (SQLite: one writer).
        targets = locked(waiting.filter(profile=profile)).order_by("post__created_at", "pk")
        targets = list(targets)
        if not targets:
            return
        # A slot within HAND_TIMED_MARGIN of a hand-timed post on this profile is taken by it.
        free = list(
            locked(
                slots_not_hand_timed(
                    Slot.objects.filter(
                        profile=profile, target__isnull=True, starts_at__gt=now + LEAD
                    )
                )
            ).order_by("starts_at")
        )
        custom = mode_in_effect(settings_).mode == Mode.CUSTOM
        cap = _daily_cap(profile, None if custom else settings_)
        used = _used_per_day(profile, tz, now) if cap is not None else Counter()
        first_day = free[0].local_date if free else None
        if custom:  # custom mode falls back to later slots of the same local day only
            free = [slot for slot in free if slot.local_date == first_day]
        assignments: list[tuple[PostTarget, Slot]] = []
        slots = iter(free)
        for target in targets:
            slot = None
            for candidate in slots:
                if cap is None or used[candidate.local_date] < cap:
                    slot = candidate
                    break
            if slot is None:
                result.waiting += 1
                result.reasons[target.pk] = _why_waiting(free, cap, custom, first_day)
                continue
            used[slot.local_date] += 1
            assignments.append((target, slot))
        _apply(assignments, now)
        result.attached += len(assignments)
        waiting_ids = [t.pk for t in targets if t.pk in result.reasons]
        for target_id in waiting_ids:
            PostTarget.objects.filter(pk=target_id).update(
                error_code="no_slot", error_message=result.reasons[target_id]
            )


def _why_waiting(free, cap, custom, first_day) -> str:
    if not free:
        return "No free slot in the planning horizon; add times or raise the temperature."
    if custom:
        return (
            f"The slots of {first_day:%a %d %b} are full or over the daily budget ({cap}); "
            "custom mode only falls back within the same day."
        )
    return f"Every free slot in the horizon is on a day whose budget ({cap}) is spent."


def _daily_cap(profile: Profile, settings_: ScheduleSettings | None = None) -> int | None:
    """Posts a day the profile may take: the platform's cap, the profile's own cap and, when
    `settings_` is given (automatic and adaptive modes), the temperature's posts a day (cold 1),
    so a hand-timed post on a cold profile fills its day."""
    caps = [platform_daily_cap(profile.platform)]
    if settings_ is not None:
        caps.append(SLOTS_PER_DAY[settings_.temperature])
    schedule = getattr(profile, "schedule", None)
    if schedule and schedule.daily_cap:
        caps.append(schedule.daily_cap)
    caps = [c for c in caps if c is not None]
    return min(caps) if caps else None


def _used_per_day(profile: Profile, tz, now) -> Counter:
    """Posts already planned or out per local day: slotted and hand-timed alike."""
    times = PostTarget.objects.filter(
        profile=profile, status__in=COUNTED, scheduled_at__gte=now - timedelta(days=1)
    ).values_list("scheduled_at", flat=True)
    return Counter(t.astimezone(tz).date() for t in times)


def _apply(assignments: list[tuple[PostTarget, Slot]], now) -> None:
    if not assignments:
        return
    for target, slot in assignments:
        slot.target = target
    Slot.objects.bulk_update([s for _, s in assignments], ["target"])
    moved = targets_transition_bulk(
        target_ids=[t.pk for t, _ in assignments],
        frm=T.PENDING,
        to=T.SCHEDULED,
        actor=SCHEDULER,
        per_target={t.pk: {"scheduled_at": s.starts_at} for t, s in assignments},
        reasons={t.pk: f"next free slot {s.starts_at:%Y-%m-%d %H:%M} UTC" for t, s in assignments},
        error_code="",
        error_message="",
        updated_at=now,
    )
    if len(moved) != len(assignments):  # the targets are locked: nobody else can move them
        raise InvalidTransition("A target changed while it was being given a slot.")


def slots_content_needed(*, now: datetime | None = None) -> int:
    """generation_mode=automatic: one content.needed event per unfilled slot in the next 48 h."""
    now = now or timezone.now()
    # A slot a hand-timed post already takes needs no content (scheduling.selectors).
    slots = slots_not_hand_timed(Slot.objects.filter(
        target__isnull=True,
        content_needed_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + CONTENT_NEEDED_WITHIN,
        profile__account__schedule_settings__generation_mode="automatic",
    )).select_related("profile__account")  # fmt: skip
    emitted = 0
    for slot in slots:
        # Mark first: the event is never repeated for the same slot, even if two runs overlap.
        if not row_claim(
            Slot.objects.filter(content_needed_at__isnull=True),
            pk=slot.pk,
            write={"content_needed_at": now},
        ):
            continue
        event_emit(
            account=slot.profile.account,
            event=EventType.CONTENT_NEEDED,
            payload={
                "slot_id": slot.pk,
                "profile_id": slot.profile_id,
                "platform": slot.profile.platform,
                "starts_at": slot.starts_at,
            },
        )
        emitted += 1
    return emitted


def schedule_tick(*, now: datetime | None = None) -> AttachResult:
    """What attach_to_schedule runs: attach, then ask for content for empty slots."""
    result = targets_attach(now=now)
    result.content_needed = slots_content_needed(now=now)
    return result


def slot_free(*, target: PostTarget) -> bool:
    """A target left its slot (cancelled, rescheduled by hand): the slot is free again.

    True when the target held a slot."""
    return Slot.objects.filter(target=target).update(target=None) > 0


def settings_save(*, account: ClientAccount, **values) -> ScheduleSettings:
    settings_ = schedule_settings(account)
    for name, value in values.items():
        setattr(settings_, name, value)
    settings_.full_clean()
    settings_.save()
    slots_compute(accounts=[account])
    targets_attach(account=account)
    return settings_
