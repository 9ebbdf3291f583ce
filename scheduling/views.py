import zoneinfo
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import account_member_required
from accounts.models import Role
from accounts.permissions import Can, role_may
from accounts.selectors import timezone_names
from analytics.selectors import temperature_suggestion
from channels.providers import platform_choices
from channels.selectors import profiles_for_account
from publishing.filters import STATUS_CHOICES
from publishing.selectors import target_for_account
from publishing.services import Actor, InvalidTransition
from scheduling.calendar import calendar_build
from scheduling.forms import WEEKDAY_NAMES, WEEKDAYS, MoveForm, ScheduleSettingsForm
from scheduling.services import (
    mode_in_effect,
    profile_schedule_clean,
    schedule_save,
    schedule_settings,
    target_move_local,
)
from scheduling.windows import parse_hhmm
from socialdist.validators import MAX_YEAR, MIN_YEAR, parse_id


@account_member_required
@require_http_methods(["GET", "POST"])
def schedule_settings_view(request, account):
    settings_ = schedule_settings(account)
    is_admin = request.role == Role.ADMIN
    profiles = list(profiles_for_account(account=account).select_related("schedule"))
    form = ScheduleSettingsForm(request.POST or None, instance=settings_, account=account)
    if not is_admin:  # read-only for the others: the page says only admins can change it
        for field in form.fields.values():
            field.disabled = True
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
                values=form.settings_values(),
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
            "timezone_names": timezone_names(),
        },
    )


def _profile_row(profile) -> dict:
    schedule = getattr(profile, "schedule", None)
    times = schedule.custom_times if schedule else {}
    return {
        "profile": profile,
        "days": [(d, WEEKDAY_NAMES[d], ", ".join(times.get(str(d), []))) for d in range(7)],
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
            "can_move": role_may(request.role, Can.MANAGE_POSTS),
            "move_prefix": reverse("scheduling:reschedule", args=[account.slug, 0])[:-2],
            "here": request.get_full_path(),
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
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
        at = parse_hhmm(request.POST.get("time", ""))
    except ValueError:
        return HttpResponse("Drop it on a day of the calendar.", status=400)
    try:
        when = target_move_local(target=target, actor=Actor(user=request.user), day=day, at=at)
    except (ValueError, InvalidTransition, ValidationError) as exc:
        return HttpResponse(_error_text(exc), status=400)
    return HttpResponse(
        f"Moved to {when.astimezone(account.zone):%a %d %b %H:%M} ({account.timezone})."
    )


@account_member_required
@require_http_methods(["GET", "POST"])
def calendar_reschedule(request, account, target_id: int):
    """The keyboard way to move a post (the calendar's Move… dialog, or this page without
    JavaScript): a new local date and time, then back to the calendar on that date."""
    target = target_for_account(account=account, target_id=target_id)
    if target is None:
        raise Http404("No such post.")
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden(
            "Reviewers cannot reschedule posts; ask a marketer or an admin."
        )
    local = target.scheduled_at.astimezone(account.zone) if target.scheduled_at else None
    initial = (
        {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
        if local
        else {}
    )
    form = MoveForm(request.POST or None, initial=initial)
    name = _post_name(target)
    if request.method == "POST" and form.is_valid():
        try:
            when = target_move_local(
                target=target,
                actor=Actor(user=request.user),
                day=form.cleaned_data["date"],
                at=form.cleaned_data["time"],
            )
        except (ValueError, InvalidTransition, ValidationError) as exc:
            form.add_error(None, f"{name} was not moved: {_error_text(exc)}")
        else:
            local_when = when.astimezone(account.zone)
            messages.success(
                request,
                f"{name} now goes out {local_when:%a %d %b %Y at %H:%M} ({account.timezone}).",
            )
            return redirect(_calendar_back(request, account, local_when.date()))
    return render(
        request,
        "scheduling/move.html",
        {
            "account": account,
            "target": target,
            "name": name,
            "local": local,
            "form": form,
            "next": _calendar_back(request, account, None),
        },
        status=400 if request.method == "POST" else 200,
    )


def _post_name(target) -> str:
    caption = " ".join((target.post.caption or "").split())
    what = f"“{caption[:40]}{'…' if len(caption) > 40 else ''}”" if caption else "The post"
    return f"{what} on {target.profile.name}"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _calendar_back(request, account, day: date | None) -> str:
    """The calendar page the user came from (`next`, same site only), showing `day` if given."""
    calendar_url = reverse("scheduling:calendar", args=[account.slug])
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    parts = urlsplit(wanted)
    query = dict(parse_qsl(parts.query)) if ok and parts.path == calendar_url else {}
    if day is not None:
        query["date"] = day.isoformat()
    return f"{calendar_url}?{urlencode(query)}" if query else calendar_url


def _int(value) -> int:
    return parse_id(value) or 0
