import zoneinfo

from django import forms
from django.utils import timezone

from channels.models import Profile
from publishing.media import MEDIA_TYPES
from publishing.models import PostType
from socialdist.validators import MAX_YEAR, MIN_YEAR

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def local_aware(value, account):
    """The form field made the wall time aware in the server zone; read it in the account's."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # 9999-12-31 overflows once a zone is applied
        raise forms.ValidationError(f"Pick a date between {MIN_YEAR} and {MAX_YEAR}.")
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return timezone.make_aware(naive, zoneinfo.ZoneInfo(account.timezone))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in the order chosen (a carousel's order)."""

    def __init__(self, *args, **kwargs):
        accept = ",".join(MEDIA_TYPES)  # a hint for the file picker; the bytes decide on save
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PostForm(forms.Form):
    WHEN = [("slot", "Next free slot"), ("time", "At an exact time"), ("draft", "Save as draft")]

    caption = forms.CharField(widget=forms.Textarea, required=False, max_length=10000)
    title = forms.CharField(required=False, max_length=300, help_text="Used by TikTok photo posts.")
    post_type = forms.ChoiceField(choices=PostType.choices, initial=PostType.FEED)
    media = MultipleFileField(
        required=False,
        label="Media",
        help_text="Images (JPEG, PNG, WebP, GIF) or videos (MP4, MOV, WebM), in the order they "
        "should appear.",
    )
    profiles = forms.ModelMultipleChoiceField(
        queryset=Profile.objects.none(), widget=forms.CheckboxSelectMultiple, label="Publish to"
    )
    bucket = forms.CharField(required=False, max_length=100, label="Content bucket")
    when = forms.ChoiceField(
        choices=WHEN, initial="slot", widget=forms.RadioSelect, label="When", required=False
    )
    scheduled_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
        label="Exact time",
        required=False,
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["profiles"].queryset = Profile.objects.filter(account=account)
        self.fields["scheduled_at"].help_text = f"In {account.timezone}."
        if account.approval_required:
            self.fields["when"].help_text = "The post goes to the reviewers first."

    def clean_scheduled_at(self):
        value = self.cleaned_data.get("scheduled_at")
        return local_aware(value, self.account) if value else None

    def clean(self):
        data = super().clean()
        data["when"] = data.get("when") or "slot"
        if data["when"] == "time":
            if not data.get("scheduled_at"):
                self.add_error("scheduled_at", "Give the date and time to publish at.")
            elif data["scheduled_at"] <= timezone.now():
                self.add_error("scheduled_at", "Pick a time in the future.")
        return data


class EditForm(forms.Form):
    caption = forms.CharField(widget=forms.Textarea, required=False, max_length=10000)


class RescheduleForm(forms.Form):
    when = forms.DateTimeField(
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_when(self):
        aware = local_aware(self.cleaned_data["when"], self.account)
        if aware <= timezone.now():
            raise forms.ValidationError("Pick a time in the future.")
        return aware
