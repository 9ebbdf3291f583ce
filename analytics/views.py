import csv
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import account_member_required
from analytics.selectors import NUMBERS, report
from socialdist.validators import MAX_YEAR, MIN_YEAR

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class RangeForm(forms.Form):
    start = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    end = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To"
    )

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not MIN_YEAR <= data[name].year <= MAX_YEAR:
                self.add_error(name, f"Pick a date between {MIN_YEAR} and {MAX_YEAR}.")
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("To must be on or after From.")
        return data


def _range(request, account) -> tuple[RangeForm, datetime, datetime]:
    """The chosen local dates as UTC bounds; default the last 30 days."""
    tz = ZoneInfo(account.timezone)
    today = timezone.now().astimezone(tz).date()
    form = RangeForm(request.GET or None)
    start, end = today - timedelta(days=29), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    return (
        form,
        datetime.combine(start, time.min, tz),
        datetime.combine(end + timedelta(days=1), time.min, tz),
    )


@account_member_required
def reports(request, account):
    form, date_from, date_to = _range(request, account)
    data = report(account=account, date_from=date_from, date_to=date_to)
    peak = max((v for row in data.heatmap for v in row if v is not None), default=0) or 1
    heatmap = [
        (WEEKDAYS[d], [(v, round(v / peak, 2) if v is not None else 0) for v in row])
        for d, row in enumerate(data.heatmap)
    ]
    measured = {name: t for name, t in data.by_platform.items() if t.measurable}  # no zeros
    chart = {
        "platforms": {
            "labels": list(measured),
            "engagements": [t.values["engagements"] for t in measured.values()],
            "reach": [t.values["reach"] for t in measured.values()],
        },
        "buckets": {
            "labels": list(data.by_bucket),
            "rates": [round((t.engagement_rate or 0) * 100, 1) for t in data.by_bucket.values()],
        },
    }
    return render(
        request,
        "analytics/reports.html",
        {
            "account": account,
            "form": form,
            "data": data,
            "heatmap": heatmap,
            "hours": range(24),
            "chart": chart,  # json_script encodes it (encoding it here too gave a string)
            "groups": [
                ("Profile", data.by_profile),
                ("Platform", data.by_platform),
                ("Content bucket", data.by_bucket),
                ("Post type", data.by_type),
            ],
            "query": request.GET.urlencode(),
        },
    )


class _Echo:
    def write(self, value):
        return value


@account_member_required
def reports_csv(request, account):
    """Per-post metrics (latest window per target) for the chosen range. Times are the account's
    local time (ISO 8601 with its offset, to the second; the zone's name in `timezone`); the
    caption is what that target published; the rate is a percentage (9.5 = 9.5%)."""
    _, date_from, date_to = _range(request, account)
    targets = report(account=account, date_from=date_from, date_to=date_to).targets
    tz = ZoneInfo(account.timezone)
    writer = csv.writer(_Echo())
    header = ["post_id", "target_id", "profile", "platform", "post_type", "bucket", "published_at",
              "timezone", "caption", "permalink", "window", *NUMBERS, "engagement_rate_percent"]  # fmt: skip

    def rows():
        yield writer.writerow(header)
        for t in targets:
            s = t.latest
            numbers = [getattr(s, n) if s else "" for n in NUMBERS]
            rate = s.engagement_rate if s else None
            published = t.published_at.astimezone(tz).isoformat(timespec="seconds")
            yield writer.writerow([
                t.post_id, t.pk, t.profile.name, t.profile.platform, t.post_type,
                t.post.bucket, published, account.timezone, t.caption, t.permalink,
                s.window if s else "", *["" if v is None else v for v in numbers],
                "" if rate is None else f"{rate * 100:.3f}",
            ])  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{account.slug}-metrics.csv"'
    return response
