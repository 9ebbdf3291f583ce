import zoneinfo

from django import forms
from django.utils import timezone

from channels.forms import option_field_value, option_form_field, profile_choices
from channels.models import Profile
from channels.providers import PROVIDERS
from library.models import MediaAsset
from library.selectors import assets_for_account
from publishing.articles import OPTION as WAIT_FOR_ARTICLE
from publishing.articles import PLACEHOLDER, publishes_articles
from publishing.media import MEDIA_TYPES
from publishing.models import PostType
from socialdist.validators import MAX_YEAR, MIN_YEAR, parse_id, parse_ids

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


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Ids out of a primary key's range are invalid choices, not a database error."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(pk)[:30]},
                )  # fmt: skip
        return super()._check_values(value)


class PostForm(forms.Form):
    WHEN = [("slot", "Next free slot"), ("time", "At an exact time"), ("draft", "Save as draft")]

    caption = forms.CharField(widget=forms.Textarea, required=False, max_length=10000)
    title = forms.CharField(required=False, max_length=300, help_text="Used by photo posts.")
    link = forms.URLField(
        required=False, max_length=2000, assume_scheme="https",
        help_text="Where the post leads (e.g. a pin's destination); UTM tags are added when "
        "the account has them on.",
    )  # fmt: skip
    first_comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10000,
        help_text="Posted as the first comment right after the post, where the network "
        "takes one.",
    )  # fmt: skip
    post_type = forms.ChoiceField(choices=PostType.choices, initial=PostType.FEED)
    media = MultipleFileField(
        required=False,
        label="Media",
        help_text="Images (JPEG, PNG, WebP, GIF) or videos (MP4, MOV, WebM), in the order they "
        "should appear.",
    )
    library_media = BoundedModelMultipleChoiceField(
        queryset=MediaAsset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Media in this post",
        help_text="Tick what the post uses; move items up or down (or drag them) to set the "
        "order. New uploads join the library and come after these.",
    )
    profiles = BoundedModelMultipleChoiceField(
        queryset=Profile.objects.none(), widget=forms.CheckboxSelectMultiple, label="Publish to"
    )
    wait_for_article = forms.ChoiceField(
        choices=[
            ("", f"Wait for the article when a caption uses {PLACEHOLDER}"),
            ("wait", "Always wait for the article to go live"),
            ("no", "Go at their own times"),
        ],
        required=False,
        label="Social posts and the blog article",
        help_text=f"When the post goes to a blog and to social profiles: the social posts can "
        f"wait until the article is live, with {PLACEHOLDER} in their caption or first comment "
        "replaced by the article's link.",
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

    def __init__(self, *args, account, post=None, **kwargs):
        if post is not None:  # editing: start from the post as it is
            kwargs["initial"] = {**post_initial(post), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.account = account
        self.editing = post
        profiles = list(Profile.objects.filter(account=account))
        self.fields["profiles"].queryset = Profile.objects.filter(account=account)
        self.fields["library_media"].queryset = assets_for_account(account=account)
        self.fields["post_type"].choices = _post_type_choices({p.platform for p in profiles})
        self.fields["scheduled_at"].help_text = f"In {account.timezone}."
        if account.approval_required:
            self.fields["when"].help_text = "The post goes to the reviewers first."
        if post is not None:  # its time is changed by rescheduling its targets, not here
            del self.fields["when"], self.fields["scheduled_at"]
        if not any(publishes_articles(p.platform) for p in profiles):
            del self.fields["wait_for_article"]  # no blog here: nothing to wait for
        # One card per network of this account: its version (customised or not) and options.
        self.option_groups: list[NetworkGroup] = []
        for slug, provider in PROVIDERS.items():
            mine = [p for p in profiles if p.platform == slug]
            if mine:
                self.option_groups.append(NetworkGroup(self, provider, mine))

    def main_fields(self) -> list:
        grouped = {name for group in self.option_groups for name in group.names}
        return [f for f in self if f.name not in grouped]

    def error_field(self, key: str) -> str | None:
        """The form field for an error key from post_create (None: shown above the form):
        `options.<key>` and `versions.<platform>[.<field>]` go to that network's card."""
        for group in self.option_groups:
            name = group.field_for(key)
            if name:
                return name
        return key if key in self.fields else None

    CHOICES_SHOWN = 60  # the library's most recent items offered beside the chosen ones

    def chosen_media_ids(self) -> list[int]:
        """The library items chosen for this post, in the order the person put them (the order
        of the checkboxes in the page: moving a row moves its checkbox)."""
        if not self.is_bound:
            return list(self.initial.get("library_media", []))
        return list(dict.fromkeys(parse_ids(self.data.getlist("library_media"))))

    def media_choices(self) -> list[dict]:
        """The chosen items first, in their order, then the rest of the recent library."""
        chosen = self.chosen_media_ids()
        queryset = self.fields["library_media"].queryset
        recent = list(queryset[: self.CHOICES_SHOWN])
        by_id = {a.pk: a for a in [*queryset.filter(pk__in=chosen), *recent]}
        ordered = [by_id[i] for i in chosen if i in by_id]
        ordered += [a for a in recent if a.pk not in chosen]
        return [
            {"asset": a, "checked": a.pk in chosen, "position": n + 1, "thumb": a.preview_path}
            for n, a in enumerate(ordered)
        ]

    def ordered_library_media(self) -> list:
        """The cleaned choice in the person's order."""
        by_id = {a.pk: a for a in self.cleaned_data.get("library_media") or []}
        return [by_id[i] for i in self.chosen_media_ids() if i in by_id]

    def versions(self) -> dict:
        """post_create's `versions`: one per customised network among the chosen profiles."""
        chosen = {p.platform for p in self.cleaned_data.get("profiles") or []}
        return {
            group.provider.slug: group.version()
            for group in self.option_groups
            if group.provider.slug in chosen and group.customised
        }

    def post_options(self) -> dict:
        """post.options from the fieldsets of the platforms chosen for this post."""
        chosen = {p.platform for p in self.cleaned_data.get("profiles") or []}
        options: dict = {}
        for group in self.option_groups:
            if group.provider.slug in chosen:
                options.update(group.values())
        wait = self.cleaned_data.get("wait_for_article")
        if wait:  # "" = automatic: the key stays out
            options[WAIT_FOR_ARTICLE] = wait == "wait"
        return options

    def clean_scheduled_at(self):
        value = self.cleaned_data.get("scheduled_at")
        return local_aware(value, self.account) if value else None

    def clean(self):
        data = super().clean()
        if self.editing is not None:
            return data
        data["when"] = data.get("when") or "slot"
        if data["when"] == "time":
            if not data.get("scheduled_at"):
                self.add_error("scheduled_at", "Give the date and time to publish at.")
            elif data["scheduled_at"] <= timezone.now():
                self.add_error("scheduled_at", "Pick a time in the future.")
        return data


def post_initial(post) -> dict:
    """The composer's fields for an existing post: its base, its media in order, its profiles
    and each network's version in that network's card."""
    initial = {
        "caption": post.caption, "title": post.title, "first_comment": post.first_comment,
        "link": post.link,
        "post_type": post.post_type, "bucket": post.bucket,
        "library_media": [m.asset_id for m in post.media.all() if m.asset_id],
        "profiles": [t.profile_id for t in post.targets.all() if t.status != "cancelled"],
        "wait_for_article": {True: "wait", False: "no"}.get(post.options.get(WAIT_FOR_ARTICLE), ""),
    }  # fmt: skip
    for version in post.versions.all():
        if version.profile_id:
            continue  # a single profile's version (API) is kept as it is
        slug = version.platform
        initial[f"{slug}_customise"] = True
        initial[f"{slug}_caption"] = post.caption if version.caption is None else version.caption
        initial[f"{slug}_title"] = version.title or ""
        initial[f"{slug}_post_type"] = version.post_type
        initial[f"{slug}_first_comment"] = version.first_comment or ""
        if version.media is not None:
            initial[f"{slug}_media"] = ", ".join(str(i + 1) for i in version.media)
    return initial


class NetworkGroup:
    """One network's card in the composer: "Customise for <network>" with its own caption,
    title, post type, media choice and first comment (its version), and the options the platform
    declares. Fields are named `<slug>_<field>`; option switches start from what its profiles
    stored (a switch one profile turned off starts off)."""

    VERSION_FIELDS = ("caption", "title", "post_type", "media", "first_comment")

    def __init__(self, form: forms.Form, provider, profiles: list[Profile]):
        self.provider, self.profiles, self.form = provider, profiles, form
        slug, name = provider.slug, provider.name
        self.names: list[str] = []
        self._by_key: dict[str, str] = {}
        self._add("customise", forms.BooleanField(required=False, label=f"Customise for {name}"))
        self._by_key[""] = f"{slug}_customise"
        self._add("caption", forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000,
            label=f"{name} caption",
        ))  # fmt: skip
        if any(t.title_max for t in provider.limits.post_types.values()):
            self._add("title", forms.CharField(required=False, max_length=300, label="Title"))
        types = [(v, label) for v, label in PostType.choices if v in provider.post_types()]
        self._add("post_type", forms.ChoiceField(
            choices=[("", "Same as the post"), *types], required=False, label="Post type",
        ))  # fmt: skip
        self._add("media", forms.CharField(
            required=False, max_length=200, label="Media to use, in order",
            help_text="The numbers of the files above, e.g. 2, 1; empty uses them all.",
        ))  # fmt: skip
        if provider.takes_first_comment:
            self._add("first_comment", forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10000,
                label="First comment",
            ))  # fmt: skip
        self.version_names = list(self.names[1:])
        for spec in provider.options:
            if not spec.per_post:
                continue
            initial = None
            editing = getattr(form, "editing", None)
            if editing is not None and spec.key in editing.options:
                initial = option_field_value(spec, editing.options[spec.key])
            elif spec.kind == "bool" and spec.profile_default:
                initial = option_field_value(spec, any(p.extra.get(spec.key) for p in profiles))
            choices = profile_choices(spec, profiles)
            self._add(spec.form_field, option_form_field(
                spec, initial=initial, profile_choices=choices,
                help_text=_default_hint(spec, profiles, dict(choices)),
            ))  # fmt: skip
            self._by_key[f"options.{spec.key}"] = f"{slug}_{spec.form_field}"
        self.option_names = [n for n in self.names if n not in self.version_names][1:]

    def _add(self, field: str, form_field: forms.Field) -> None:
        name = f"{self.provider.slug}_{field}"
        # Typing or ticking here refreshes the live previews (the form's hx-trigger).
        form_field.widget.attrs["class"] = "live-check"
        self.form.fields[name] = form_field
        self.names.append(name)
        self._by_key.setdefault(field, name)

    @property
    def legend(self) -> str:
        return self.provider.name

    @property
    def notice(self) -> str:
        """The platform's own word on how posts will go out (Provider.composer_notice)."""
        return self.provider.composer_notice()

    @property
    def profile_names(self) -> str:
        return ", ".join(p.name for p in self.profiles)

    @property
    def customise_field(self):
        return self.form[f"{self.provider.slug}_customise"]

    def version_fields(self) -> list:
        return [self.form[name] for name in self.version_names]

    def fields(self) -> list:
        """The platform's declared options."""
        return [self.form[name] for name in self.option_names]

    @property
    def customised(self) -> bool:
        return bool(self.form.cleaned_data.get(f"{self.provider.slug}_customise"))

    def field_for(self, key: str) -> str | None:
        prefix = f"versions.{self.provider.slug}"
        if key == prefix or key.startswith(prefix + "."):
            rest = key[len(prefix) :].lstrip(".")
            return self._by_key.get(rest) or self._by_key[""]
        return self._by_key.get(key) if key.startswith("options.") else None

    def version(self) -> dict:
        """This network's overrides: its own caption (even empty), and whatever else was set."""
        data, slug = self.form.cleaned_data, self.provider.slug
        version: dict = {"caption": data.get(f"{slug}_caption", "")}
        for field in ("title", "post_type", "first_comment"):
            if data.get(f"{slug}_{field}"):
                version[field] = data[f"{slug}_{field}"]
        positions = media_positions(data.get(f"{slug}_media", ""))
        if positions is not None:
            version["media"] = positions
        return version

    def values(self) -> dict:
        data = self.form.cleaned_data
        values = {}
        for spec in self.provider.options:
            if not spec.per_post:
                continue
            value = option_field_value(spec, data[self._by_key[f"options.{spec.key}"]])
            if value != "":  # an empty choice is no choice (the profile's default may apply)
                values[spec.key] = value
        return values


def _default_hint(spec, profiles: list[Profile], names: dict[str, str]) -> str | None:
    """A listed option's help, with each profile's default named (None: the declared help)."""
    if not spec.profile_choices:
        return None
    defaults = [
        f"{p.name}: {names.get(str(p.extra[spec.key]), p.extra[spec.key])}"
        for p in profiles
        if p.extra.get(spec.key)
    ]
    if not defaults:
        return spec.help
    return f"{spec.help} Empty uses the profile's default ({'; '.join(defaults)})."


def media_positions(text: str) -> list[int] | list[str] | None:
    """ "2, 1" → [1, 0] (the numbers people see are 1-based); None when empty. Anything that is
    not a number is passed on as is, so post_create names the field."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    return [int(p) - 1 if p.isdigit() and len(p) < 5 else p for p in parts]


def _post_type_choices(platforms: set[str]) -> list[tuple[str, str]]:
    """The post types the account's platforms take (any registered platform's before one is
    connected): the composer never offers a type nobody here can publish."""
    providers = [PROVIDERS[s] for s in platforms if s in PROVIDERS] or list(PROVIDERS.values())
    taken = {t for provider in providers for t in provider.post_types()}
    return [(value, label) for value, label in PostType.choices if value in taken]


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
