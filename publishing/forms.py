import zoneinfo

from django import forms
from django.utils import timezone

from channels.models import Profile
from channels.providers.tiktok import PRIVACY_CHOICES
from publishing.media import MEDIA_TYPES
from publishing.models import PostType
from socialdist.validators import MAX_YEAR, MIN_YEAR

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
# The composer's TikTok interaction switches: option suffix → checkbox label.
SWITCHES = {"comment": "Allow comments", "duet": "Allow duets", "stitch": "Allow stitches"}


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

    # Post options (post.options) the TikTok fieldset sets, and which form field shows an error
    # post_create reports for each option.
    OPTION_FIELDS = {
        "options.privacy_level": "tiktok_privacy_level",
        "options.brand_content_toggle": "tiktok_brand_content",
    }

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["profiles"].queryset = Profile.objects.filter(account=account)
        self.fields["scheduled_at"].help_text = f"In {account.timezone}."
        if account.approval_required:
            self.fields["when"].help_text = "The post goes to the reviewers first."
        self.tiktok_profiles = list(Profile.objects.filter(account=account, platform="tiktok"))
        if self.tiktok_profiles:
            self._add_tiktok_fields()

    def _add_tiktok_fields(self) -> None:
        """TikTok's guidelines: the creator picks the privacy level (no default) and sees whose
        account it posts to; switches the profiles turned off start off."""
        extras = [p.extra for p in self.tiktok_profiles]
        allowed = {name: not any(e.get(f"disable_{name}") for e in extras) for name in SWITCHES}
        self.fields["tiktok_privacy_level"] = forms.ChoiceField(
            choices=[("", "Choose who can see this post…"), *PRIVACY_CHOICES],
            required=False,
            label="Who can see this post",
            help_text="Needed to publish directly, unless the profile has a default on the "
            "Channels page; drafts sent to the TikTok app ask there.",
        )
        for name, label in SWITCHES.items():
            self.fields[f"tiktok_allow_{name}"] = forms.BooleanField(
                required=False, initial=allowed[name], label=label
            )
        self.fields["tiktok_brand_content"] = forms.BooleanField(
            required=False,
            label="This is branded content",
            help_text="Paid or sponsored: promotes a third party. It cannot be private.",
        )
        self.fields["tiktok_brand_organic"] = forms.BooleanField(
            required=False, label="This promotes my own brand"
        )

    @property
    def tiktok_names(self) -> str:
        return ", ".join(p.name for p in self.tiktok_profiles)

    def main_fields(self) -> list:
        return [f for f in self if not f.name.startswith("tiktok_")]

    def tiktok_fields(self) -> list:
        return [f for f in self if f.name.startswith("tiktok_")]

    def error_field(self, key: str) -> str | None:
        """The form field for an error key from post_create (None: shown above the form)."""
        key = self.OPTION_FIELDS.get(key, key)
        return key if key in self.fields else None

    def post_options(self) -> dict:
        """post.options from the TikTok fieldset, when a TikTok profile was chosen."""
        data = self.cleaned_data
        chosen = [p for p in data.get("profiles") or [] if p.platform == "tiktok"]
        if not self.tiktok_profiles or not chosen:
            return {}
        options = {f"disable_{name}": not data[f"tiktok_allow_{name}"] for name in SWITCHES}
        options["brand_content_toggle"] = data["tiktok_brand_content"]
        options["brand_organic_toggle"] = data["tiktok_brand_organic"]
        if data["tiktok_privacy_level"]:
            options["privacy_level"] = data["tiktok_privacy_level"]
        return options

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
        privacy = data.get("tiktok_privacy_level") or "tiktok_privacy_level" in self.errors
        if data["when"] != "draft" and self.tiktok_profiles and not privacy:
            # Direct Post (automatic mode) needs the creator's choice; drafts ask in the app.
            direct = [
                p.name
                for p in data.get("profiles") or []
                if p.platform == "tiktok"
                and p.posting_mode == "automatic"
                and not p.extra.get("privacy_level")
            ]
            if direct:
                self.add_error(
                    "tiktok_privacy_level",
                    f"Choose who can see this post: TikTok publishes to {', '.join(direct)} "
                    "directly and needs your choice (it allows no default), or set one for the "
                    "profile on the Channels page.",
                )
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
