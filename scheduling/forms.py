from django import forms

from accounts.services import timezone_name_clean
from scheduling.models import Mode, ScheduleSettings, Temperature

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TIMEZONE_HELP = "Type to search the IANA zones, e.g. Europe/London or America/New_York."


def timezone_widget(*, suggest_browser: bool) -> forms.TextInput:
    """A text box searching the zone list (the page includes scheduling/_timezone_list.html);
    `suggest_browser` lets static/js/app.js fill in the browser's own zone."""
    attrs = {"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
    if suggest_browser:
        attrs["data-timezone-browser"] = ""
    return forms.TextInput(attrs=attrs)


class ScheduleSettingsForm(forms.ModelForm):
    timezone = forms.CharField(label="Time zone", max_length=64, help_text=TIMEZONE_HELP)
    # generation_mode is a yes/no, not a second "mode": one mode control on the page.
    ask_for_content = forms.BooleanField(
        required=False,
        label="Ask for content when a slot within 48 hours is still empty",
        help_text="Sends a content.needed event (webhooks, API) for each empty slot.",
    )

    class Meta:
        model = ScheduleSettings
        fields = ["mode", "temperature", "horizon_days"]
        labels = {"mode": "Scheduling mode"}
        widgets = {"mode": forms.RadioSelect, "temperature": forms.RadioSelect}
        help_texts = {"horizon_days": "How many days ahead slots are planned (1–60)."}

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = account.timezone
        # UTC is the default of a new account: offer the browser's zone instead.
        self.fields["timezone"].widget = timezone_widget(suggest_browser=account.timezone == "UTC")
        self.fields["mode"].choices = Mode.choices
        self.fields["temperature"].choices = Temperature.choices
        self.fields["ask_for_content"].initial = self.instance.generation_mode == "automatic"

    def clean_timezone(self):
        try:
            return timezone_name_clean(self.cleaned_data["timezone"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_horizon_days(self):
        value = self.cleaned_data["horizon_days"]
        if not 1 <= value <= 60:
            raise forms.ValidationError("Plan between 1 and 60 days ahead.")
        return value

    def settings_values(self) -> dict:
        """What settings_save stores (cleaned data only)."""
        values = {f: self.cleaned_data[f] for f in self.Meta.fields}
        values["generation_mode"] = (
            "automatic" if self.cleaned_data["ask_for_content"] else "manual"
        )
        return values


class MoveForm(forms.Form):
    """The calendar's Move… form: a new local date and time (the account's zone, named)."""

    date = forms.DateField(
        label="New date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Choose the new date.",
            "invalid": "Give the date as YYYY-MM-DD.",
        },
    )
    time = forms.TimeField(
        label="New time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Choose the new time.", "invalid": "Give the time as HH:MM."},
    )
