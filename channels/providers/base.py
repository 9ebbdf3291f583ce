"""The one interface every platform module implements (see DESIGN.md, "Providers")."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import requests
from django.conf import settings

from channels.http import PlatformError, PlatformHTTP


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
class MediaItem:
    url: str
    kind: str  # image | video
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    mime_type: str = ""
    # A file we hold (uploaded, not an external URL): served from PUBLIC_BASE_URL/media/ and sent
    # as bytes where the platform takes them. Also true while an upload awaits its first save.
    hosted: bool = False
    # Its name in default_storage once saved; providers that upload bytes (TikTok FILE_UPLOAD)
    # open it through the storage, so a non-filesystem storage works too.
    storage_name: str = ""


@dataclass
class Content:
    """What validate() looks at: the creative as one platform will receive it."""

    post_type: str
    caption: str
    media: list[MediaItem]
    link: str = ""
    title: str = ""


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


@dataclass
class Problem:
    code: str
    message: str
    field: str = "caption"


class NotReady(Exception):
    """The platform is still processing; check again on a later tick (no attempt used)."""

    def __init__(self, retry_in: float, message: str = "Media is still processing."):
        super().__init__(message)
        self.retry_in = retry_in


class SentToDrafts(Exception):
    """Delivered to the creator's drafts inbox; they finish posting in the platform's app."""


class Provider(ABC):
    slug: str
    name: str
    uses_pkce: bool = False
    scopes: list[str] = []
    # Meta platforms share one grant per Facebook user: revoking it kills them all at once.
    grant_family: str = ""
    # Manual posting mode delivers to the creator's drafts instead of a hand-posting queue.
    supports_drafts: bool = False

    def __init__(self) -> None:
        self.http = PlatformHTTP(self.slug, self.classify_error)

    @property
    def client_id(self) -> str:
        return settings.PLATFORM_CREDENTIALS[self.slug]["client_id"]

    @property
    def client_secret(self) -> str:
        return settings.PLATFORM_CREDENTIALS[self.slug]["client_secret"]

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        """Refine the generic status-code classification from the platform's error body."""
        return None

    @abstractmethod
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str: ...

    @abstractmethod
    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult: ...

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        """A fresh token, or None where the platform has no refresh (re-login instead)."""
        return None

    @abstractmethod
    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]: ...

    @abstractmethod
    def validate(self, content: Content) -> list[Problem]: ...

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        """Problems with the post's effective options (post over profile) before it is scheduled.

        `mode` is how it will go out: automatic (published by us) or drafts (the creator finishes
        in the app). Problem.field names the option as `options.<key>`. Most platforms have none.
        """
        return []

    @abstractmethod
    def publish(self, request: PublishRequest) -> Published: ...

    # How many posts one metrics call can cover (TikTok's video/query takes 20 ids).
    metrics_batch_size: int = 1

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        """Metrics for each request (same order); a failed item carries `error`, never raises
        for one bad item. Raises PlatformError only when the whole batch failed."""
        raise NotImplementedError

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
        for a person to check. The default knows nothing, so it raises.
        """
        raise PlatformError(
            "permanent", "unconfirmed", f"{self.name} cannot tell whether the post went out."
        )
