"""Forms built from what a provider declares: its connect fields and its profile defaults."""

from django import forms

from channels.providers.base import ConnectField, OptionField, Provider

PARTS_SEPARATOR = "---"


def option_form_field(
    spec: OptionField,
    *,
    initial=None,
    label: str = "",
    prompt: str = "",
    help_text: str | None = None,
    profile_choices: list[tuple[str, str]] | None = None,
) -> forms.Field:
    """One declared option as a form field: a select with an empty first choice (never a
    preselected value), a checkbox (shown the other way round where `invert` says so), or text.
    A text option listed by the profile (`profile_choices`, e.g. its boards) is a select of those
    by name where the profiles have them."""
    if spec.profile_choices and profile_choices:
        return forms.ChoiceField(
            choices=[("", prompt or spec.prompt or "Choose…"), *profile_choices],
            required=False,
            label=label or spec.label,
            help_text=spec.help if help_text is None else help_text,
            initial=initial,
        )
    if spec.is_text or spec.is_list:
        textarea = spec.kind in ("textarea", "parts")
        hint = {
            "tags": "Separate them with commas.",
            "parts": f"Separate the parts with a line of three dashes ({PARTS_SEPARATOR}).",
        }.get(spec.kind, "")
        return forms.CharField(
            required=False,
            # Lists are checked per item by the provider (a tag, a thread part); text as a whole.
            max_length=None if spec.is_list else spec.max_length,
            widget=forms.Textarea(attrs={"rows": 4 if spec.kind == "parts" else 3})
            if textarea
            else forms.TextInput,
            label=label or spec.label,
            help_text=" ".join(
                t for t in (spec.help if help_text is None else help_text, hint) if t
            ),
            initial=initial,
        )
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


def profile_choices(spec: OptionField, profiles: list) -> list[tuple[str, str]]:
    """(id, name) of what the profiles list for `spec` in Profile.extra (e.g. their boards);
    with several profiles each name says whose it is."""
    if not spec.profile_choices:
        return []
    choices: dict[str, str] = {}
    for profile in profiles:
        for item in profile.extra.get(spec.profile_choices) or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            name = str(item.get("name") or item["id"])
            choices[str(item["id"])] = f"{name} ({profile.name})" if len(profiles) > 1 else name
    return list(choices.items())


def option_field_value(spec: OptionField, stored):
    """What the form shows for a stored option value (and back: the mapping is symmetric)."""
    if spec.is_list:
        return _list_text(spec, stored) if isinstance(stored, list) else _text_list(spec, stored)
    if spec.kind == "choice" or spec.is_text:
        return stored or ""
    return not stored if spec.invert else bool(stored)


def options_from_form(provider: type[Provider], data) -> dict:
    """The platform's options as typed in the composer (fields `<slug>_<field>`), for its live
    check; empty text and choices are left out."""
    options = {}
    for spec in provider.options:
        value = option_field_value(spec, data.get(f"{provider.slug}_{spec.form_field}") or "")
        if value != "":
            options[spec.key] = value
    return options


def _list_text(spec: OptionField, items: list) -> str:
    joiner = f"\n{PARTS_SEPARATOR}\n" if spec.kind == "parts" else ", "
    return joiner.join(str(item) for item in items)


def _text_list(spec: OptionField, text) -> list[str] | str:
    """Typed text back to the stored list; empty text is no choice ("")."""
    text = (text or "").strip()
    if not text:
        return ""
    if spec.kind == "parts":
        blocks, current = [], []
        for line in text.splitlines():
            if line.strip() == PARTS_SEPARATOR:
                blocks.append("\n".join(current))
                current = []
            else:
                current.append(line)
        blocks.append("\n".join(current))
        return [b.strip() for b in blocks if b.strip()]
    return [t.strip() for t in text.split(",") if t.strip()]


class ProfileOptionsForm(forms.Form):
    """A profile's posting defaults, on the Channels page (a privacy level, switches)."""

    def __init__(self, *args, profile, provider: type[Provider], **kwargs):
        kwargs.setdefault("prefix", f"{profile.platform}-{profile.pk}")
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.specs = [spec for spec in provider.options if spec.profile_default]
        # What the profile lists for its options (e.g. "boards"), refreshable from the platform.
        self.lists = " and ".join(sorted({s.profile_choices for s in self.specs} - {""}))
        for spec in self.specs:
            stored = profile.extra.get(spec.key)
            self.fields[spec.form_field] = option_form_field(
                spec,
                label=spec.default_label,
                initial=option_field_value(spec, stored),
                prompt=spec.default_prompt,
                help_text="Used when a post does not choose its own; leave empty to choose "
                "per post."
                if spec.kind == "choice" or spec.profile_choices
                else "",
                profile_choices=profile_choices(spec, [profile]),
            )

    def summary(self) -> list[tuple[str, str]]:
        """(label, what is set) for people who may only read the settings; a select shows the
        chosen item's name (a board's name, not its id)."""
        rows = []
        for field in self:
            value = field.value()
            if isinstance(field.field, forms.BooleanField):
                shown = "yes" if value else "no"
            elif isinstance(field.field, forms.ChoiceField):
                shown = str(dict(field.field.choices).get(value, value)) if value else ""
            else:
                shown = str(value or "")
            rows.append((field.label, shown or "chosen per post"))
        return rows

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
