import zoneinfo

from django import forms

from scheduling.models import Mode, ScheduleSettings, Temperature

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class ScheduleSettingsForm(forms.ModelForm):
    timezone = forms.CharField(
        max_length=64, help_text="IANA time zone name, e.g. Europe/London or America/New_York."
    )

    class Meta:
        model = ScheduleSettings
        fields = ["mode", "temperature", "horizon_days", "generation_mode"]
        widgets = {"mode": forms.RadioSelect, "temperature": forms.RadioSelect}
        help_texts = {"horizon_days": "How many days ahead slots are planned (1–60)."}

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = account.timezone
        self.fields["mode"].choices = Mode.choices
        self.fields["temperature"].choices = Temperature.choices

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                f"{value!r} is not an IANA time zone name; try Europe/London or America/New_York."
            )
        return value

    def clean_horizon_days(self):
        value = self.cleaned_data["horizon_days"]
        if not 1 <= value <= 60:
            raise forms.ValidationError("Plan between 1 and 60 days ahead.")
        return value
