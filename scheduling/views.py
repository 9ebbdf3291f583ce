from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.decorators import account_member_required
from accounts.models import Role
from analytics.selectors import temperature_suggestion
from channels.selectors import profiles_for_account
from scheduling.forms import WEEKDAYS, ScheduleSettingsForm
from scheduling.models import ProfileSchedule
from scheduling.services import custom_times_clean, mode_in_effect, schedule_settings, settings_save


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
            cap = request.POST.get(f"cap-{profile.pk}", "").strip()
            try:
                times = custom_times_clean(raw)
                cap_value = int(cap) if cap else None
                if cap_value is not None and cap_value < 1:
                    raise ValueError("the daily cap must be 1 or more, or empty")
            except ValueError as exc:
                errors.append(f"{profile.name}: {exc}")
                continue
            per_profile[profile.pk] = (times, cap_value)
        if form.is_valid() and not errors:
            with transaction.atomic():
                account.timezone = form.cleaned_data["timezone"]
                account.save(update_fields=["timezone"])
                for profile in profiles:
                    times, cap_value = per_profile[profile.pk]
                    ProfileSchedule.objects.update_or_create(
                        profile=profile, defaults={"custom_times": times, "daily_cap": cap_value}
                    )
                settings_save(
                    account=account,
                    **{f: form.cleaned_data[f] for f in ScheduleSettingsForm.Meta.fields},
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
