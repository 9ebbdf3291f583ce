import zoneinfo
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import account_member_required
from accounts.models import Role
from accounts.permissions import Can, role_may
from analytics.selectors import temperature_suggestion
from channels.providers import platform_choices
from channels.selectors import profiles_for_account
from publishing.filters import STATUS_CHOICES
from publishing.selectors import target_for_account
from publishing.services import Actor, InvalidTransition
from publishing.targets import target_reschedule
from scheduling.calendar import calendar_build
from scheduling.forms import WEEKDAYS, ScheduleSettingsForm
from scheduling.services import (
    mode_in_effect,
    profile_schedule_clean,
    schedule_save,
    schedule_settings,
)
from scheduling.timeutils import local_to_utc
from scheduling.windows import parse_hhmm
from socialdist.validators import MAX_YEAR, MIN_YEAR, parse_id


@account_member_required
@require_http_methods(["GET", "POST"])
def schedule_settings_view(request, account):
    settings_ = schedule_settings(account)
    is_admin = request.role == Role.ADMIN
    profiles = list(profiles_for_account(account=account).select_related("schedule"))
    form = ScheduleSettingsForm(request.POST or None, instance=settings_, account=account)
    errors: list[str] = []
    if request.method == "POST":
        if not is_admin:
            return HttpResponseForbidden("Only account admins can change the schedule.")
        per_profile = {}
        for profile in profiles:
            raw = {str(d): request.POST.get(f"times-{profile.pk}-{d}", "") for d in range(7)}
            try:
                per_profile[profile.pk] = profile_schedule_clean(
                    times=raw, cap=request.POST.get(f"cap-{profile.pk}", "")
                )
            except ValueError as exc:
                errors.append(f"{profile.name}: {exc}")
        if form.is_valid() and not errors:
            schedule_save(
                account=account,
                timezone_name=form.cleaned_data["timezone"],
                values={f: form.cleaned_data[f] for f in ScheduleSettingsForm.Meta.fields},
                per_profile=per_profile,
            )
            messages.success(request, "Schedule saved; slots were planned again.")
            return redirect("scheduling:settings", account.slug)
    rows = [_profile_row(p) for p in profiles]
    return render(
        request,
        "scheduling/settings.html",
        {
            "account": account,
            "form": form,
            "rows": rows,
            "errors": errors,
            "effective": mode_in_effect(settings_, profiles),
            "temperature_hint": temperature_suggestion(
                account=account, since=timezone.now() - timedelta(days=30)
            ),
            "is_admin": is_admin,
        },
    )


def _profile_row(profile) -> dict:
    schedule = getattr(profile, "schedule", None)
    times = schedule.custom_times if schedule else {}
    return {
        "profile": profile,
        "days": [(d, WEEKDAYS[d], ", ".join(times.get(str(d), []))) for d in range(7)],
        "cap": (schedule.daily_cap if schedule else None) or "",
    }


CALENDAR_FILTERS = ("profile", "platform", "status", "bucket")


@account_member_required
def calendar_view(request, account):
    tz = zoneinfo.ZoneInfo(account.timezone)
    view = "week" if request.GET.get("view") == "week" else "month"
    today = timezone.now().astimezone(tz).date()
    try:
        anchor = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        anchor = today
    if not MIN_YEAR <= anchor.year <= MAX_YEAR:  # 9999-12-31 would overflow a week later
        anchor = today
    filters = {k: request.GET.get(k, "").strip() for k in CALENDAR_FILTERS}
    if filters["profile"] and not parse_id(filters["profile"]):
        filters["profile"] = ""
    show_slots = request.GET.get("slots") != "0"
    cal = calendar_build(
        account=account,
        view=view,
        anchor=anchor,
        filters=filters,
        today=today,
        show_slots=show_slots,
    )
    keep = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "scheduling/calendar.html",
        {
            "account": account,
            "cal": cal,
            "colours": cal.colours,
            "filters": filters,
            "keep": urlencode({**keep, **({} if show_slots else {"slots": "0"})}),
            # The "Show/Hide free slots" toggle: the same page with the other setting.
            "slots_toggle": urlencode(
                {"view": view, "date": anchor.isoformat(), **keep, "slots": int(not show_slots)}
            ),
            "weekdays": WEEKDAYS,
            "hours": range(24),
            "platforms": platform_choices(),
            "statuses": STATUS_CHOICES,  # the queue's: Draft and Awaiting approval too
            # Reversed once, not once per card: the month view can hold thousands.
            "post_prefix": reverse("publishing:detail", args=[account.slug, 0])[:-2],
            "new_url": reverse("publishing:new", args=[account.slug]),
        },
    )


@require_POST
@account_member_required
def calendar_move(request, account):
    """Drag and drop: the same local time on another day (month) or another hour (week)."""
    target = target_for_account(account=account, target_id=_int(request.POST.get("target")))
    if target is None:
        raise Http404("No such post.")
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponse("Reviewers cannot reschedule posts.", status=403)
    tz = zoneinfo.ZoneInfo(account.timezone)
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
        at = parse_hhmm(request.POST.get("time", ""))
    except ValueError:
        return HttpResponse("Drop it on a day of the calendar.", status=400)
    when = local_to_utc(day, at, tz)
    if when <= timezone.now():
        return HttpResponse("That time has passed; pick a later day.", status=400)
    try:
        target_reschedule(target=target, actor=Actor(user=request.user), scheduled_at=when)
    except (InvalidTransition, ValidationError) as exc:
        return HttpResponse(str(exc), status=400)
    return HttpResponse(f"Moved to {when.astimezone(tz):%a %d %b %H:%M} ({account.timezone}).")


def _int(value) -> int:
    return parse_id(value) or 0
