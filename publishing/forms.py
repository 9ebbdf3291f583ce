import zoneinfo

from django import forms
from django.utils import timezone

from channels.models import Profile
from publishing.models import PostType


class PostForm(forms.Form):
    caption = forms.CharField(widget=forms.Textarea, required=False, max_length=10000)
    post_type = forms.ChoiceField(choices=PostType.choices, initial=PostType.FEED)
    image = forms.ImageField(
        required=False, help_text="JPEG; Instagram feed images take a 4:5 to 1.91:1 ratio."
    )
    profiles = forms.ModelMultipleChoiceField(
        queryset=Profile.objects.none(), widget=forms.CheckboxSelectMultiple, label="Publish to"
    )
    scheduled_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        label="Publish at",
        required=False,
        help_text="In the account's time zone. Leave empty to keep it pending for the next slot.",
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["profiles"].queryset = Profile.objects.filter(account=account)
        self.fields[
            "scheduled_at"
        ].help_text = (
            f"In {account.timezone}. Leave empty to keep it pending for the next free slot."
        )

    def clean_scheduled_at(self):
        value = self.cleaned_data.get("scheduled_at")
        if value is None:
            return None
        # The form field made it aware in the server zone; reinterpret the wall time locally.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive, zoneinfo.ZoneInfo(self.account.timezone))
