from django import forms

from library.models import AssetKind
from library.services import ALT_TEXT_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data] if data else single(None, initial)
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        widget=MultipleFileInput(attrs={"accept": "image/*,video/*", "multiple": True}),
        help_text="JPEG, PNG, WebP, GIF, MP4, MOV or WebM.",
    )
    alt_text = forms.CharField(
        label="Alt text (for every file in this upload)",
        required=False,
        max_length=ALT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AltTextForm(forms.Form):
    alt_text = forms.CharField(
        label="Alt text",
        required=False,
        max_length=ALT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All"), *AssetKind.choices]
    )
    q = forms.CharField(label="Search name or alt text", required=False, max_length=200)
