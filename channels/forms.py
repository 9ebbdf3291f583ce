"""Forms built from what a provider declares: its connect fields and its profile defaults."""

from django import forms

from channels.providers.base import ConnectField, OptionField, Provider


def option_form_field(
    spec: OptionField,
    *,
    initial=None,
    label: str = "",
    prompt: str = "",
    help_text: str | None = None,
) -> forms.Field:
    """One declared option as a form field: a select with an empty first choice (never a
    preselected value) or a checkbox, shown the other way round where `invert` says so."""
    if spec.kind == "choice":
        return forms.ChoiceField(
            choices=[("", prompt or spec.prompt or "Choose…"), *spec.choices],
            required=False,
            label=label or spec.label,
            help_text=spec.help if help_text is None else help_text,
            initial=initial,
        )
    return forms.BooleanField(
        required=False, label=spec.label, help_text=spec.help, initial=initial
    )


def option_field_value(spec: OptionField, stored):
    """What the form shows for a stored option value (and back: the mapping is symmetric)."""
    if spec.kind == "choice":
        return stored or ""
    return not stored if spec.invert else bool(stored)


class ProfileOptionsForm(forms.Form):
    """A profile's posting defaults, on the Channels page (a privacy level, switches)."""

    def __init__(self, *args, profile, provider: type[Provider], **kwargs):
        kwargs.setdefault("prefix", f"{profile.platform}-{profile.pk}")
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.specs = [spec for spec in provider.options if spec.profile_default]
        for spec in self.specs:
            stored = profile.extra.get(spec.key)
            self.fields[spec.form_field] = option_form_field(
                spec,
                label=spec.default_label,
                initial=option_field_value(spec, stored),
                prompt=spec.default_prompt,
                help_text="Used when a post does not choose its own; leave empty to choose "
                "per post."
                if spec.kind == "choice"
                else "",
            )

    def option_values(self) -> dict:
        """The cleaned form as option keys and stored values."""
        return {
            spec.key: option_field_value(spec, self.cleaned_data[spec.form_field])
            for spec in self.specs
        }


class CredentialsForm(forms.Form):
    """A credentials platform's declared connect fields (a blog's URL, user, key …)."""

    def __init__(self, *args, provider: type[Provider], **kwargs):
        kwargs.setdefault("prefix", provider.slug)
        super().__init__(*args, **kwargs)
        self.provider = provider
        for spec in provider.connect_fields:
            self.fields[spec.name] = _connect_field(spec)


def _connect_field(spec: ConnectField) -> forms.Field:
    common = {"label": spec.label, "help_text": spec.help, "required": spec.required}
    if spec.kind == "url":
        return forms.URLField(max_length=spec.max_length, assume_scheme="https", **common)
    widget = forms.PasswordInput(render_value=False) if spec.kind == "secret" else None
    return forms.CharField(max_length=spec.max_length, widget=widget, **common)
