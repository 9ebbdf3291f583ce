"""The one interface every platform module implements (see DESIGN.md, "Providers")."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, Literal

import requests
from django.conf import settings

from channels.http import PlatformError, PlatformHTTP
from channels.limits import PlatformLimits, limit_problems
from channels.providers.content import Content, MediaItem, Problem

__all__ = ["Content", "MediaItem", "Problem"]  # re-exported: every provider imports them here

# Metric reads after publishing (analytics' windows): 1 hour, 24 hours, 7 days.
ALL_METRIC_WINDOWS = ("1h", "24h", "7d")
# Best-practice local posting times when a platform declares none (blogs: early on weekdays
# for email/search pick-up), in order of preference.
DEFAULT_WINDOWS = {
    "weekday": ("09:00", "14:00", "17:00"),
    "weekend": ("10:00", "15:00", "18:00"),
}


@dataclass(frozen=True)
class ConnectField:
    """One field of a credentials connect form (a blog's site URL, an Admin API key, …)."""

    name: str
    label: str
    kind: Literal["url", "text", "secret"] = "text"
    required: bool = True
    help: str = ""
    max_length: int = 500


@dataclass(frozen=True)
class OptionField:
    """A per-post choice the platform takes (TikTok's privacy level, YouTube's category, …).

    `key` is its name in post options (API and storage); `field` its form field name (prefixed
    with the platform slug in the composer). A bool with `invert` is shown the other way round
    ("Allow comments" stores disable_comment). With `profile_default`, a person can also set it
    per profile on the Channels page; a post's own choice wins.
    """

    key: str
    label: str
    # choice: a select; bool: a checkbox; text / textarea: free text up to max_length;
    # tags: a list of short strings (typed comma-separated); parts: a list of texts (a thread's
    # posts, typed as blocks separated by a line of three dashes).
    kind: Literal["choice", "bool", "text", "textarea", "tags", "parts"] = "bool"
    field: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    prompt: str = ""  # the empty first choice of a select (no preselected value)
    default_prompt: str = ""  # the same, for the profile's default on the Channels page
    default_label: str = ""  # its label there, where it reads differently
    help: str = ""
    invert: bool = False
    profile_default: bool = False
    # False: a profile setting only (set on the Channels page, e.g. which CMS field takes the
    # body), never offered per post in the composer or the API.
    per_post: bool = True
    max_length: int = 500  # text kinds: per text (a tag, a part)
    # A text option whose values the profile lists: the key in Profile.extra of a list of
    # {"id", "name"} (e.g. its boards). Forms offer them by name as a select and store the id;
    # the API takes the id as text.
    profile_choices: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind in ("tags", "parts")

    @property
    def is_text(self) -> bool:
        return self.kind in ("text", "textarea")

    @property
    def form_field(self) -> str:
        return self.field or self.key


@dataclass
class OAuthResult:
    external_user_id: str
    display_name: str
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)


@dataclass
class ProfileInfo:
    external_id: str
    name: str
    username: str = ""
    picture_url: str = ""
    extra: dict = field(default_factory=dict)
    # A profile-level token where the platform has one (a Facebook Page token).
    access_token: str = ""


@dataclass
class PublishRequest:
    target_id: int
    content: Content
    profile_external_id: str
    access_token: str
    # Intermediate platform ids saved by earlier calls/ticks (container id, publish id, …).
    state: dict
    # Persist intermediate ids *before* the next call, so a crash never causes a second post.
    checkpoint: Callable[[dict], None]
    # automatic = publish; drafts = deliver to the creator's drafts inbox (TikTok manual mode).
    mode: str = "automatic"
    profile_username: str = ""
    # The post's options over the profile's defaults in Profile.extra (e.g. TikTok privacy).
    options: dict = field(default_factory=dict)
    # Call during long steps (chunked uploads): renews the worker's claim on the target, and
    # raises ClaimLost if another worker took it over meanwhile, so this one stops.
    keep_alive: Callable[[], None] = lambda: None
    # Credentials platforms (blogs): the stored connect fields instead of an OAuth token.
    credentials: dict[str, str] = field(default_factory=dict)


class ClaimLost(Exception):
    """The target was claimed again by another worker; this one must stop without posting."""


@dataclass
class Published:
    platform_post_id: str
    permalink: str = ""
    extra: dict = field(default_factory=dict)
    # Live on the platform, but its public id comes later (TikTok, after moderation): the
    # dispatcher keeps asking `public_id` until it arrives.
    id_pending: bool = False
    # A sentence for people about what the post has and lacks (e.g. no link for private posts).
    note: str = ""


@dataclass
class MetricsRequest:
    """One published post to measure (fetch_metrics takes a batch of these)."""

    key: int  # the caller's id for this item (the target id)
    platform_post_id: str
    access_token: str
    post_type: str = ""
    credentials: dict[str, str] = field(default_factory=dict)
    # Who posted it and what the grant allows, for platforms whose statistics differ by author
    # (a member or a page) or by granted scope.
    profile_external_id: str = ""
    scopes: list[str] = field(default_factory=list)


@dataclass
class Metrics:
    """Numbers under PLATFORMS.md's names mapped to ours; None = the platform does not report it."""

    key: int
    reach: int | None = None
    views: int | None = None  # Instagram `views` (replacing impressions/plays), TikTok view_count
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    clicks: int | None = None
    raw: dict = field(default_factory=dict)
    error: "PlatformError | None" = None  # this item failed; the others in the batch did not


class NotReady(Exception):
    """The platform is still processing; check again on a later tick (no attempt used)."""

    def __init__(self, retry_in: float, message: str = "Media is still processing."):
        super().__init__(message)
        self.retry_in = retry_in


class SentToDrafts(Exception):
    """Delivered to the creator's drafts inbox; they finish posting in the platform's app."""


@dataclass
class Verified:
    """What `verify(credentials)` proved: who the credentials belong to and what they reach."""

    external_user_id: str
    display_name: str
    profiles: list[ProfileInfo]


class Provider(ABC):
    """One platform. Everything platform-specific is declared here or in a subclass, so nothing
    outside channels/providers/ names a platform (DESIGN.md, "Providers")."""

    slug: ClassVar[str]
    name: ClassVar[str]

    # Connect ---------------------------------------------------------------------------------
    # "oauth2" (authorize_url + exchange_code, PKCE and refresh as declared) or "credentials"
    # (connect_fields + verify).
    auth: ClassVar[Literal["oauth2", "credentials"]] = "oauth2"
    uses_pkce: ClassVar[bool] = False
    has_refresh: ClassVar[bool] = False
    scopes: ClassVar[list[str]] = []
    connect_fields: ClassVar[tuple[ConnectField, ...]] = ()
    # Said after a connect that found no profiles: how to make one appear.
    no_profiles_hint: ClassVar[str] = ""
    # Refresh this long before the access token expires (the hourly check_tokens job).
    refresh_margin: ClassVar[timedelta] = timedelta(hours=3)
    # Platforms sharing one grant per user (Meta's Instagram + Facebook Pages): revoking it
    # disconnects them all, reconnecting one restores the others.
    grant_family: ClassVar[str] = ""

    # Content and publishing ------------------------------------------------------------------
    limits: ClassVar[PlatformLimits]
    # Posts per profile per day the platform allows through its API; None = no documented cap.
    daily_cap: ClassVar[int | None] = None
    # Best-practice local posting times, in order of preference, for weekdays and weekends.
    windows: ClassVar[dict[str, tuple[str, ...]]] = DEFAULT_WINDOWS
    # Manual posting mode delivers to the creator's drafts instead of a hand-posting queue.
    supports_drafts: ClassVar[bool] = False
    # How a newly connected profile posts: TikTok starts in its drafts inbox (unaudited apps may
    # not publish publicly); blogs and the rest publish, drafts being a choice per profile.
    default_posting_mode: ClassVar[Literal["automatic", "manual"]] = "automatic"
    options: ClassVar[tuple[OptionField, ...]] = ()
    # Posts the content's first_comment on the post right after publishing (post_first_comment).
    # Platforms without it simply do not send one; that is no validation error.
    takes_first_comment: ClassVar[bool] = False

    # Metrics ----------------------------------------------------------------------------------
    has_metrics: ClassVar[bool] = True
    # How many posts one metrics call can cover (TikTok's video/query takes 20 ids).
    metrics_batch_size: ClassVar[int] = 1

    def __init__(self) -> None:
        self.http = PlatformHTTP(self.slug, self.classify_error)

    @classmethod
    def post_types(cls) -> list[str]:
        return list(cls.limits.post_types)

    @classmethod
    def publishes_articles(cls) -> bool:
        """A blog: its posts are articles with a permalink, which a post's social targets can
        wait for and link to with `{article_url}` (publishing/articles.py)."""
        return "article" in cls.post_types()

    # The composer's preview: where the network folds a caption behind "…more", and the shape
    # it crops media to (width / height) per post type.
    preview_fold: ClassVar[int] = 0
    preview_aspects: ClassVar[dict[str, float]] = {}

    @classmethod
    def composer_notice(cls) -> str:
        """A sentence the composer shows on this platform's card about how posts will go out
        (e.g. kept private until the app passes the platform's review); empty for none."""
        return ""

    @classmethod
    def count_text(cls, text: str) -> int:
        """Characters as the platform counts them against its limit."""
        return len(text)

    @classmethod
    def preview_aspect(cls, post_type: str) -> float:
        return cls.preview_aspects.get(post_type, 1.0)

    @classmethod
    def caption_limit(cls, post_type: str) -> int:
        """The text limit of a post of this type (some types have their own)."""
        type_limits = cls.limits.post_types.get(post_type)
        return (type_limits and type_limits.caption_max) or cls.limits.caption_max

    @classmethod
    def credential_env(cls) -> tuple[str, str]:
        """The environment variables holding the app's OAuth client id and secret."""
        prefix = cls.slug.upper()
        return f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"

    @classmethod
    def metric_windows(cls, post_type: str) -> tuple[str, ...]:
        """Which of the 1 h / 24 h / 7 d reads apply to a post of this type."""
        return ALL_METRIC_WINDOWS if cls.has_metrics else ()

    @property
    def client_id(self) -> str:
        return settings.PLATFORM_CREDENTIALS.get(self.slug, {}).get("client_id", "")

    @property
    def client_secret(self) -> str:
        return settings.PLATFORM_CREDENTIALS.get(self.slug, {}).get("client_secret", "")

    @property
    def configured(self) -> bool:
        """Credentials platforms need nothing on the server; OAuth ones need the app's keys."""
        return self.auth == "credentials" or bool(self.client_id and self.client_secret)

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        """Refine the generic status-code classification from the platform's error body."""
        return None

    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        raise NotImplementedError(f"{self.name} connects with credentials, not OAuth.")

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        raise NotImplementedError(f"{self.name} connects with credentials, not OAuth.")

    def verify(self, credentials: dict[str, str]) -> Verified:
        """Credentials platforms: one real call that proves the credentials work, and the
        profiles (sites, collections) they reach. Raise PlatformError with the platform's own
        reason when they do not."""
        raise NotImplementedError(f"{self.name} connects with OAuth, not credentials.")

    def deauthorize(self, data: dict[str, str]) -> list[str]:
        """The platform's deauthorize callback: verify it and return the external user ids
        whose grant is gone. Raise ValueError (its message shown to the caller) when it is
        not genuine. Platforms without such a callback have none."""
        raise LookupError(f"{self.name} has no deauthorize callback.")

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        """A fresh token, or None where the platform has no refresh (re-login instead)."""
        return None

    @abstractmethod
    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]: ...

    def validate(self, content: Content) -> list[Problem]:
        """Every hard limit the content breaks (the declared `limits`); providers add their own
        rules on top."""
        return limit_problems(self.limits, self.name, content)

    def precheck(self, request: PublishRequest) -> list[Problem]:
        """A live look before the due time (the 24 h / 1 h pre-due checks), for what only the
        platform knows now (e.g. that the chosen board still exists). Raise PlatformError when
        it cannot tell; the check then says nothing. Most platforms have none."""
        return []

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        """Problems with the post's effective options (post over profile) before it is scheduled.

        `mode` is how it will go out: automatic (published by us) or drafts (the creator finishes
        in the app). Problem.field names the option as `options.<key>`. Most platforms have none.
        """
        return []

    def validate_with_options(self, content: Content, options: dict) -> list[Problem]:
        """Limits that depend on the post's effective options (post over profile), e.g. a
        per-profile switch raising the text limit, or each part of a thread. Checked when the
        post is saved (with validate_options); Problem.field is `caption` or `options.<key>`."""
        return []

    @classmethod
    def text_limit(cls, post_type: str, options: dict) -> int:
        """The caption limit given the post's options (a switch may raise it); the composer's
        counter shows it."""
        return cls.caption_limit(post_type)

    @classmethod
    def cost_note(cls, content: Content, options: dict) -> str:
        """A sentence for the composer about what publishing this costs on the platform's API
        (pay-per-use platforms); "" where it costs nothing."""
        return ""

    # Two-phase publish: everything before the final call, then the one call that makes the
    # post public. A dispatcher may run prepare ahead of the due time, so it must never post.

    def prepare(self, request: PublishRequest) -> None:
        """Uploads, containers, processing waits — each intermediate id checkpointed. Safe to
        run again (it resumes from request.state); raises NotReady while the platform works.
        Platforms whose whole post is one call have nothing to prepare."""
        return None

    @abstractmethod
    def finish(self, request: PublishRequest) -> Published:
        """The one call that makes the post public (or, after a lost answer, finds it)."""

    def publish(self, request: PublishRequest) -> Published:
        self.prepare(request)
        return self.finish(request)

    def post_first_comment(self, request: PublishRequest, published: Published) -> str:
        """Post `request.content.first_comment` on the published post as the profile; return the
        comment's id. Raises PlatformError. One call, never repeated by the provider: the
        dispatcher checkpoints before it and decides whether it may run again."""
        raise NotImplementedError(f"{self.name} takes no first comment.")

    def find_first_comment(self, request: PublishRequest, published: Published) -> str | None:
        """After a lost answer: the id of our first comment if the post has it, None if it
        certainly does not. Raise PlatformError when the platform cannot tell (the default), so
        the dispatcher warns instead of commenting twice."""
        raise PlatformError(
            "permanent",
            "unconfirmed",
            f"{self.name} cannot tell whether the first comment went out.",
            maybe_delivered=True,
        )

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        """Metrics for each request (same order); a failed item carries `error`, never raises
        for one bad item. Raises PlatformError only when the whole batch failed. Only called
        when `has_metrics`."""
        raise NotImplementedError(f"{self.name} reports no metrics.")

    def draft_status(self, request: PublishRequest) -> Published | None:
        """For targets sent to drafts: the post once the creator published it, else None."""
        raise NotImplementedError

    def public_id(self, request: PublishRequest) -> Published | None:
        """For a post published with `id_pending`: the post with its public id once the platform
        has one, else None (asked again later). Raise PlatformError when the platform says no."""
        return None

    def reconcile(self, request: PublishRequest) -> Published | None:
        """After a worker died mid-publish: the post if it exists, None if it certainly does not.

        Raise PlatformError when the platform cannot tell; the target then fails as `unconfirmed`
        for a person to check. A `permanent` PlatformError with maybe_delivered=False is the
        platform's own answer that the post failed (e.g. its processing failed): the target
        fails with that code instead. The default knows nothing, so it cannot tell.
        """
        raise PlatformError(
            "permanent",
            "unconfirmed",
            f"{self.name} cannot tell whether the post went out.",
            maybe_delivered=True,
        )
