"""YouTube: Google OAuth (offline access) and the YouTube Data API v3 (PLATFORMS.md §7).

Every channel the grant can upload to is a profile. A post is one resumable upload
(`videos.insert`): the video exists on YouTube only once its last byte arrives, so the whole
upload is the final call (`finish`), resumed from YouTube's confirmed byte after any failure,
then processing is followed on later ticks. Shorts have no API flag: a Short is a video of at most
3 minutes that is vertical or square, checked from the probed media. Calls are counted against
the Google project's daily quota before they are made (quota.py).
"""

import base64
import json
import os
from datetime import timedelta
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from channels.http import PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.limits import GB, PlatformLimits, TypeLimits
from channels.providers.base import (
    Content,
    MediaItem,
    NotReady,
    OAuthResult,
    OptionField,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
)
from channels.providers.youtube import quota, upload
from channels.providers.youtube.errors import classify
from channels.providers.youtube.metrics import YouTubeMetrics
from channels.providers.youtube.quota import UNITS, UPLOADS
from channels.providers.youtube.rules import (
    DESCRIPTION_MAX_BYTES,
    SHORT_MAX_S,
    TAGS_MAX,
    TITLE_MAX,
    media_order,
    short_shape,
    tag_problems,
    video_title,
)

AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN = "https://oauth2.googleapis.com/token"
API = "https://www.googleapis.com/youtube/v3"
UPLOAD = "https://www.googleapis.com/upload/youtube/v3"
SCOPE = "https://www.googleapis.com/auth/"
POLL_SECONDS = 60

PRIVACY_CHOICES = (("public", "Public"), ("unlisted", "Unlisted"), ("private", "Private"))
KIDS_CHOICES = (
    ("no", "No, it's not made for kids"),
    ("yes", "Yes, it's made for kids"),
)
# The YouTube Data API's assignable categories (videoCategories.list, region US).
CATEGORY_CHOICES = (
    ("1", "Film & Animation"), ("2", "Autos & Vehicles"), ("10", "Music"),
    ("15", "Pets & Animals"), ("17", "Sports"), ("19", "Travel & Events"), ("20", "Gaming"),
    ("22", "People & Blogs"), ("23", "Comedy"), ("24", "Entertainment"),
    ("25", "News & Politics"), ("26", "Howto & Style"), ("27", "Education"),
    ("28", "Science & Technology"), ("29", "Nonprofits & Activism"),
)  # fmt: skip
DEFAULT_CATEGORY = "22"

OPTIONS = (
    OptionField(
        "made_for_kids",
        "Made for kids",
        kind="choice",
        choices=KIDS_CHOICES,
        prompt="Is this video made for kids? Choose…",
        default_prompt="Choose whether videos are made for kids…",
        default_label="Made for kids",
        help="Required by YouTube for every upload (COPPA); it is never assumed.",
        profile_default=True,
    ),
    OptionField(
        "privacy_status",
        "Visibility",
        kind="choice",
        choices=PRIVACY_CHOICES,
        prompt="Public (unless chosen)",
        default_prompt="Public (unless chosen)",
        default_label="Visibility",
        profile_default=True,
    ),
    OptionField(
        "category_id",
        "Category",
        kind="choice",
        choices=CATEGORY_CHOICES,
        prompt="People & Blogs (unless chosen)",
        default_prompt="People & Blogs (unless chosen)",
        default_label="Category",
        profile_default=True,
    ),
    OptionField(
        "tags",
        "Tags",
        kind="tags",
        help="Up to 500 characters in all, counted as YouTube does (a tag with a space counts "
        "its quotes).",
        max_length=TAGS_MAX,
    ),
    OptionField(
        "contains_synthetic_media",
        "Contains realistic altered or synthetic (AI-made) content",
        help="YouTube asks creators to disclose realistic content made or changed with AI.",
    ),
)

LIMITS = PlatformLimits(
    caption_max=DESCRIPTION_MAX_BYTES,  # the description; its bytes are checked in validate
    post_types={
        # A video, and optionally a custom thumbnail image after it (verified channels).
        "video": TypeLimits(
            1, 2, frozenset({"video", "image"}), video_max_bytes=256 * GB, video_min_s=1,
            video_max_s=12 * 3600, title_max=TITLE_MAX,
        ),
        # Custom Shorts thumbnails cannot be set through the API (§7.2).
        "short": TypeLimits(
            1, 1, frozenset({"video"}), video_max_bytes=256 * GB, video_min_s=1,
            video_max_s=SHORT_MAX_S, title_max=TITLE_MAX,
        ),
    },
)  # fmt: skip


def audited() -> bool:
    """YOUTUBE_PROJECT_AUDITED: the Google project passed YouTube's API compliance audit (until
    then every upload stays private, §7.3). A setting wins (tests), else the environment."""
    value = getattr(settings, "YOUTUBE_PROJECT_AUDITED", None)
    if value is None:
        value = os.environ.get("YOUTUBE_PROJECT_AUDITED", "")
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


UNAUDITED = (
    "YouTube keeps every video uploaded through this app private until the app's Google project "
    "passes YouTube's API compliance audit; once it has, set YOUTUBE_PROJECT_AUDITED=true. Until "
    "then, make videos public yourself in YouTube Studio."
)


class YouTubeProvider(YouTubeMetrics, Provider):
    slug = "youtube"
    name = "YouTube"
    has_refresh = True  # 1 h access tokens; a long-lived refresh token (access_type=offline)
    # Tokens live an hour: renewed on every hourly check_tokens run, so one is always fresh.
    refresh_margin = timedelta(minutes=70)
    scopes = [
        "openid",  # an id_token whose `sub` names the Google account (the connection's owner)
        f"{SCOPE}youtube.upload",
        f"{SCOPE}youtube",  # channels, thumbnails, processing status and statistics
        f"{SCOPE}yt-analytics.readonly",  # watch time; optional for the person granting
    ]
    no_profiles_hint = (
        "YouTube lists only channels of the Google account or Brand Account chosen on Google's "
        "screen: a channel owned by a Brand Account appears only when you pick that Brand "
        "Account there. Connect YouTube again and choose the account that owns the channel."
    )
    limits = LIMITS
    # Channels have upload caps of their own (uploadLimitExceeded); the project's 100 uploads a
    # day are shared by every channel, so a few a day per channel.
    daily_cap = 10
    # Afternoons on weekdays, late mornings at weekends (Sprout Social / Hootsuite 2025).
    windows = {"weekday": ("15:00", "12:00", "17:00"), "weekend": ("10:00", "14:00", "16:00")}
    preview_fold = 150  # the description shows about two lines under the video
    preview_aspects = {"video": 16 / 9, "short": 9 / 16}
    options = OPTIONS
    chunk_size = upload.CHUNK

    @classmethod
    def count_text(cls, text: str) -> int:
        return len(text.encode())  # the description's limit is in bytes

    @classmethod
    def composer_notice(cls) -> str:
        return "" if audited() else UNAUDITED

    @property
    def project(self) -> str:
        return self.client_id or "default"

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        return classify(response, self.project)

    # OAuth ------------------------------------------------------------------------------------
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        # offline + consent: Google sends a refresh token on every grant, reconnects included.
        query = urlencode({
            "client_id": self.client_id, "redirect_uri": redirect_uri, "response_type": "code",
            "scope": " ".join(self.scopes), "access_type": "offline", "prompt": "consent",
            "include_granted_scopes": "true", "state": state,
        })  # fmt: skip
        return f"{AUTHORIZE}?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        tokens = self.http.post(TOKEN, data={
            "code": code, "client_id": self.client_id, "client_secret": self.client_secret,
            "redirect_uri": redirect_uri, "grant_type": "authorization_code",
        })  # fmt: skip
        channels = self._channels(tokens["access_token"])
        first = channels[0] if channels else {}
        result = self._result(tokens, refresh_token="")
        result.external_user_id = _google_subject(tokens) or str(first.get("id", ""))
        result.display_name = (first.get("snippet") or {}).get("title", "")
        return result

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        tokens = self.http.post(TOKEN, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": self.client_id, "client_secret": self.client_secret,
        })  # fmt: skip
        # Google normally sends no new refresh token: the old one stays valid, so keep it.
        return self._result(tokens, refresh_token=refresh_token)

    def _result(self, tokens: dict, *, refresh_token: str) -> OAuthResult:
        return OAuthResult(
            external_user_id=_google_subject(tokens),
            display_name="",
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token") or refresh_token,
            expires_at=timezone.now() + timedelta(seconds=int(tokens.get("expires_in", 3599))),
            scopes=[s for s in str(tokens.get("scope", "")).split() if s],
        )

    def _channels(self, token: str) -> list[dict]:
        quota.spend(self.project, UNITS, quota.COST["channels.list"], "connecting", refuse=False)
        body = self.http.get(
            f"{API}/channels", params={"part": "snippet,status", "mine": "true"},
            headers=_bearer(token),
        )  # fmt: skip
        return list(body.get("items") or [])

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        return [
            ProfileInfo(
                external_id=str(item["id"]),
                name=(item.get("snippet") or {}).get("title") or item["id"],
                username=(item.get("snippet") or {}).get("customUrl", ""),
                picture_url=(
                    ((item.get("snippet") or {}).get("thumbnails") or {}).get("default") or {}
                ).get("url", ""),
            )  # fmt: skip
            for item in self._channels(access_token)
        ]

    # Validation -------------------------------------------------------------------------------
    def validate(self, content: Content) -> list[Problem]:
        problems = super().validate(content)
        if content.post_type not in self.limits.post_types:
            return problems
        title = video_title(content)
        if not title:
            problems.append(Problem("title_missing", "YouTube needs a title for every video: "
                                    "give the YouTube version a title (up to 100 characters).",
                                    "title"))  # fmt: skip
        elif "<" in title or ">" in title:
            problems.append(Problem("title_angle_brackets", "YouTube titles cannot contain < or "
                                    ">; remove them from the title.", "title"))  # fmt: skip
        description = content.caption or ""
        size = len(description.encode())
        if size > DESCRIPTION_MAX_BYTES and len(description) <= DESCRIPTION_MAX_BYTES:
            problems.append(Problem(
                "description_too_long", f"The description is {size:,} bytes (accents, emoji "
                f"and other non-ASCII characters count 2–4); YouTube allows 5,000. Shorten it.",
            ))  # fmt: skip
        if "<" in description or ">" in description:
            problems.append(Problem("description_angle_brackets", "YouTube descriptions cannot "
                                    "contain < or >; remove them from the caption."))  # fmt: skip
        problems.extend(media_order(content))
        if content.post_type == "short":
            problems.extend(short_shape(content))
        return problems

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        problems = []
        kids = options.get("made_for_kids") or ""
        on = f" on {profile_name}" if profile_name else ""
        if kids not in ("yes", "no"):
            problems.append(Problem(
                "made_for_kids_not_chosen",
                f"Say whether this video{on} is made for kids: YouTube requires every upload to "
                "declare it, and we never assume an answer. Choose Yes or No for the post, or "
                "as the profile's default on the Channels page.",
                "options.made_for_kids",
            ))  # fmt: skip
        for key, choices, what in (
            ("privacy_status", PRIVACY_CHOICES, "visibility"),
            ("category_id", CATEGORY_CHOICES, "category"),
        ):
            value = options.get(key) or ""
            allowed = [v for v, _ in choices]
            if value and value not in allowed:
                problems.append(Problem(f"{key}_invalid", f"{value!r} is not a YouTube {what}; "
                                        f"use one of {', '.join(allowed)}.", f"options.{key}"))  # fmt: skip
        problems.extend(tag_problems(options.get("tags")))
        return problems

    # Publishing -------------------------------------------------------------------------------
    def finish(self, request: PublishRequest) -> Published:
        """The upload is the call that creates the video, so it all happens here: resumed from
        the stored session, then processing followed on later ticks (NotReady)."""
        if not request.state.get("video_id"):
            video = self._upload(request)
            self._uploaded(request, video)
        if request.state.get("thumbnail") is None:
            self._thumbnail(request)
        return self._follow(request)

    def _uploaded(self, request: PublishRequest, video: dict) -> None:
        privacy = (video.get("status") or {}).get("privacyStatus", "")
        request.checkpoint({"video_id": str(video["id"]), "privacy": privacy})

    def _headers(self, request: PublishRequest) -> dict:
        return _bearer(request.access_token)

    def _upload(self, request: PublishRequest) -> dict:
        item = request.content.media[0]
        headers = self._headers(request)
        with upload.media_source(self.http, item) as (source, size):
            session, start = request.state.get("session_url"), 0
            if session and request.state.get("upload_size") == size:
                try:
                    progress = upload.probe(self.http, session, size, headers)
                except upload.SessionGone:
                    session = None  # expired with no video: a new session cannot duplicate it
                else:
                    if isinstance(progress, dict):
                        return progress  # every byte had arrived; only the answer was lost
                    start = progress
            else:
                session = None
            for _ in range(2):
                if not session:
                    session, start = self._start_session(request, item, size), 0
                try:
                    return upload.send(self.http, session, source, size, start, headers,
                                       request.keep_alive, self.chunk_size)  # fmt: skip
                except upload.SessionGone:
                    session = None  # expired mid-upload (seen by a probe): start over, once
                except PlatformError as exc:
                    if exc.http_status not in (404, 410) or request.state.get("video_id"):
                        raise
                    session = None  # the session expired mid-upload: start over, once
        raise PlatformError(TRANSIENT, "upload_session_expired", "YouTube's upload session "
                            "expired twice; the upload starts again on the next try.")  # fmt: skip

    def _start_session(self, request: PublishRequest, item: MediaItem, size: int) -> str:
        quota.spend(self.project, UPLOADS, 1, "this video")
        response = self.http.request(
            "POST", f"{UPLOAD}/videos", expect_json=False,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=self._metadata(request),
            headers={**self._headers(request), "X-Upload-Content-Length": str(size),
                     "X-Upload-Content-Type": _video_type(item)},
        )  # fmt: skip
        location = response.headers.get("Location", "")
        if not location:
            raise PlatformError(TRANSIENT, "no_upload_session", "YouTube opened no upload "
                                "session (no Location header); trying again later.")  # fmt: skip
        # Before the first byte: a crash from here on resumes this session, never a new video.
        request.checkpoint({"session_url": location, "upload_size": size})
        return location

    def _metadata(self, request: PublishRequest) -> dict:
        content, options = request.content, request.options
        privacy = options.get("privacy_status") or "public"
        if not audited():
            privacy = "private"  # YouTube would lock it private anyway (§7.3)
        tags = options.get("tags") or []
        snippet = {
            "title": video_title(content),
            "description": content.caption or "",
            "categoryId": options.get("category_id") or DEFAULT_CATEGORY,
            **({"tags": list(tags)} if isinstance(tags, list) and tags else {}),
        }
        if options.get("made_for_kids") not in ("yes", "no"):
            raise PlatformError(PERMANENT, "made_for_kids_not_chosen", "Nobody said whether this "
                                "video is made for kids, and YouTube requires it: choose Yes or "
                                "No for the post or the profile, then retry.")  # fmt: skip
        status = {
            "privacyStatus": privacy,
            "selfDeclaredMadeForKids": options.get("made_for_kids") == "yes",
            "containsSyntheticMedia": options.get("contains_synthetic_media") is True,
            "embeddable": True,
            "license": "youtube",
        }
        return {"snippet": snippet, "status": status}

    def _thumbnail(self, request: PublishRequest) -> None:
        """A custom thumbnail (a video post's image after the video). YouTube takes them only
        from verified channels: a refusal is a note on the published video, never a failure."""
        images = [m for m in request.content.media if m.kind == "image"]
        if request.content.post_type != "video" or not images:
            request.checkpoint({"thumbnail": ""})
            return
        image = images[0]
        try:
            quota.spend(self.project, UNITS, quota.COST["thumbnails.set"], "the thumbnail")
        except PlatformError:
            # The video is up: a spent quota costs it its thumbnail, never a day's wait.
            request.checkpoint({"thumbnail": "skipped", "thumbnail_note": "The custom "
                                "thumbnail was not set: the app's YouTube quota for today was "
                                "used up; set it in YouTube Studio."})  # fmt: skip
            return
        try:
            data = _image_bytes(self.http, image)
            self.http.request(
                "POST", f"{UPLOAD}/thumbnails/set", params={"videoId": request.state["video_id"]},
                data=data, headers={**self._headers(request),
                                    "Content-Type": image.mime_type or "image/jpeg"},
            )  # fmt: skip
        except PlatformError as exc:
            if exc.kind in (TRANSIENT, RATE_LIMITED):
                raise  # try again on the next tick; the video is safe (its id is stored)
            why = (
                "YouTube takes custom thumbnails only from verified channels; verify the "
                "channel at youtube.com/verify and set it in YouTube Studio"
                if exc.http_status == 403
                else f"YouTube refused it ({exc.code}: {exc.message})"
            )
            request.checkpoint({"thumbnail": "refused", "thumbnail_note":
                                f"The custom thumbnail was not set: {why}."})  # fmt: skip
            return
        request.checkpoint({"thumbnail": "set"})

    def _video(self, request: PublishRequest, video_id: str) -> dict | None:
        quota.spend(
            self.project, UNITS, quota.COST["videos.list"], "the check on the video's processing"
        )
        body = self.http.get(
            f"{API}/videos", params={"part": "status,processingDetails", "id": video_id},
            headers=self._headers(request),
        )  # fmt: skip
        items = body.get("items") or []
        return items[0] if items else None

    def _follow(self, request: PublishRequest) -> Published:
        video_id = request.state["video_id"]
        video = self._video(request, video_id)
        if video is None:
            raise NotReady(POLL_SECONDS, "YouTube does not list the new video yet.")
        status = video.get("status") or {}
        upload_status = status.get("uploadStatus", "")
        if upload_status in ("failed", "rejected", "deleted"):
            reason = status.get("failureReason") or status.get("rejectionReason") or "unknown"
            verb = {"failed": "failed", "rejected": "rejected", "deleted": "deleted"}[upload_status]
            raise PlatformError(
                PERMANENT, f"video_{upload_status}",
                f"YouTube {verb} the uploaded video ({reason}); fix the video file and post it "
                "again.",
                post_failed=True,
            )  # fmt: skip
        processing = (video.get("processingDetails") or {}).get("processingStatus", "")
        if processing in ("failed", "terminated"):
            raise PlatformError(PERMANENT, "processing_failed", f"YouTube could not process the "
                                f"video ({processing}); check the file and post it again.",
                                post_failed=True)  # fmt: skip
        if upload_status != "processed" and processing != "succeeded":
            raise NotReady(POLL_SECONDS, f"YouTube is processing the video "
                           f"({processing or upload_status or 'no status yet'}).")  # fmt: skip
        return self._published(request, video)

    def _published(self, request: PublishRequest, video: dict) -> Published:
        video_id = str(video["id"])
        short = request.content.post_type == "short"
        permalink = (
            f"https://www.youtube.com/shorts/{video_id}" if short
            else f"https://www.youtube.com/watch?v={video_id}"
        )  # fmt: skip
        notes = []
        privacy = (video.get("status") or {}).get("privacyStatus") or request.state.get("privacy")
        wanted = request.options.get("privacy_status") or "public"
        if privacy == "private" and wanted != "private":
            notes.append(
                "YouTube keeps this video private: videos uploaded through an app whose Google "
                "project has not passed YouTube's API compliance audit stay private. Make it "
                f"{wanted} in YouTube Studio"
                + ("." if not audited() else "; YOUTUBE_PROJECT_AUDITED says the project passed, "
                   "so check the audit with Google.")
            )  # fmt: skip
        if request.state.get("thumbnail_note"):
            notes.append(request.state["thumbnail_note"])
        return Published(
            platform_post_id=video_id, permalink=permalink, note=" ".join(notes),
            extra={"video_id": video_id},
        )  # fmt: skip

    def reconcile(self, request: PublishRequest) -> Published | None:
        """After a lost answer or worker: the stored video id says; else the stored session is
        probed — complete → that video; incomplete or expired → no video exists yet (the next
        try resumes it). Without a session, nothing can have become a video."""
        state = request.state
        if state.get("video_id"):
            if state.get("thumbnail") is None:
                self._thumbnail(request)  # setting it again is harmless; skipping it is not
            return self._follow(request)
        session, size = state.get("session_url"), state.get("upload_size")
        if not session or not size:
            return None
        try:
            progress = upload.probe(self.http, session, int(size), self._headers(request))
        except upload.SessionGone:
            return None
        if isinstance(progress, dict):
            self._uploaded(request, progress)
            self._thumbnail(request)
            return self._follow(request)
        return None


# Helpers ---------------------------------------------------------------------------------------
def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _google_subject(tokens: dict) -> str:
    """The Google account id (`sub`) from the id_token Google returns with the tokens (read
    from our own token exchange over TLS, so its signature needs no check here)."""
    id_token = tokens.get("id_token") or ""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims.get("sub", ""))
    except (IndexError, ValueError, TypeError):
        return ""


def _video_type(item: MediaItem) -> str:
    mime = item.mime_type or ""
    return mime if mime.startswith("video/") else "application/octet-stream"


def _image_bytes(http, item: MediaItem) -> bytes:
    if item.hosted and item.storage_name and default_storage.exists(item.storage_name):
        with default_storage.open(item.storage_name, "rb") as handle:
            return handle.read()
    return http.request("GET", item.url, expect_json=False).content
