"""TikTok: Login Kit v2 OAuth (rotating refresh tokens) and the Content Posting API.

Every post first queries creator_info (privacy options, max duration, interaction switches). Manual
mode uploads to the creator's drafts inbox; automatic mode is Direct Post. Videos come from our
storage in chunks (FILE_UPLOAD) or from a public URL (PULL_FROM_URL); photo slideshows are always
pulled. TikTok pulls only from URL prefixes verified for the app (TIKTOK_VERIFIED_URL_PREFIXES):
anything else is refused at validation. Processing is polled on later ticks (PLATFORMS.md §4).
"""

import base64
import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.limits import GB, MB, PlatformLimits, TypeLimits
from channels.providers.base import (
    Content,
    Metrics,
    MetricsRequest,
    NotReady,
    OAuthResult,
    OptionField,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
    SentToDrafts,
)
from channels.providers.tiktok.media import pull_problems, source_info, upload_chunks

AUTHORIZE = "https://www.tiktok.com/v2/auth/authorize/"
API = "https://open.tiktokapis.com/v2"
POLL_SECONDS = 30

AUTH_CODES = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
DAILY_CAP_CODES = {"spam_risk_too_many_posts", "spam_risk_too_many_pending_share"}
TRANSIENT_CODES = {"internal_error", "internal"}

# Who can see a post (§4.2); the creator must choose one, TikTok forbids a default.
PRIVACY_CHOICES = [
    ("PUBLIC_TO_EVERYONE", "Everyone"),
    ("MUTUAL_FOLLOW_FRIENDS", "Friends (followers you follow back)"),
    ("FOLLOWER_OF_CREATOR", "Followers"),
    ("SELF_ONLY", "Only me (private)"),
]
PRIVACY_LEVELS = tuple(value for value, _ in PRIVACY_CHOICES)
# The user's interaction switches, and what creator_info calls the creator's own.
SWITCHES = {
    "disable_comment": "comment_disabled",
    "disable_duet": "duet_disabled",
    "disable_stitch": "stitch_disabled",
}
BRAND_TOGGLES = ("brand_content_toggle", "brand_organic_toggle")
# What prepare keeps of creator_info for finish (the creator's options and own switches).
CREATOR_FIELDS = ("privacy_level_options", "max_video_post_duration_sec", *SWITCHES.values())


def _error(code: str, message: str, status: int | None = None) -> PlatformError:
    message = _explained(code, message)
    if code in AUTH_CODES or code in ("invalid_grant", "auth_removed"):
        return PlatformError(AUTH, code, message, http_status=status)
    if code == "rate_limit_exceeded":
        return PlatformError(RATE_LIMITED, code, message, retry_after=60, http_status=status)
    if code in DAILY_CAP_CODES:
        return PlatformError(RATE_LIMITED, code, message, retry_after=86400, http_status=status)
    if code in TRANSIENT_CODES or (status or 0) >= 500:
        return PlatformError(TRANSIENT, code, message, http_status=status)
    return PlatformError(PERMANENT, code, message, http_status=status)


# PLATFORMS.md §4.3: video title ≤ 2200, ≤ 4 GB, ≤ 10 min (the creator's own cap is checked
# from creator_info at publish); photos 1–35 JPEG/WebP ≤ 20 MB, title ≤ 90, description ≤ 4000.
LIMITS = PlatformLimits(
    caption_max=2200,
    post_types={
        "video": TypeLimits(
            1,
            1,
            frozenset({"video"}),
            video_max_bytes=4 * GB,
            video_min_s=1,
            video_max_s=600,
            # §4.3: H.264 (recommended), H.265, VP8, VP9 at 23–60 fps.
            video_codecs=frozenset({"h264", "hevc", "vp8", "vp9"}),
            video_fps_min=23,
            video_fps_max=60,
        ),
        "photo_slideshow": TypeLimits(
            1,
            35,
            frozenset({"image"}),
            image_mime=frozenset({"image/jpeg", "image/webp"}),
            image_max_bytes=20 * MB,
            caption_max=4000,
            title_max=90,
        ),
    },
)

OPTIONS = (
    OptionField(
        "privacy_level",
        "Who can see this post",
        kind="choice",
        choices=tuple(PRIVACY_CHOICES),
        prompt="Choose who can see this post…",
        default_prompt="Choose who can see posts…",
        default_label="Privacy level",
        help="Needed to publish directly, unless the profile has a default on the Channels "
        "page; drafts sent to the TikTok app ask there.",
        profile_default=True,
    ),
    *(
        OptionField(key, f"Allow {noun}", field=f"allow_{key.removeprefix('disable_')}",
                    invert=True, profile_default=True)
        for key, noun in (
            ("disable_comment", "comments"), ("disable_duet", "duets"), ("disable_stitch", "stitches")
        )
    ),
    OptionField(
        "brand_content_toggle",
        "This is branded content",
        field="brand_content",
        help="Paid or sponsored: promotes a third party. It cannot be private.",
    ),
    OptionField("brand_organic_toggle", "This promotes my own brand", field="brand_organic"),
)  # fmt: skip


class TikTokProvider(Provider):
    slug = "tiktok"
    name = "TikTok"
    uses_pkce = True
    has_refresh = True  # 24 h access tokens, rotating 365-day refresh tokens
    refresh_margin = timedelta(hours=3)  # renewed at ~21 h by the hourly check_tokens
    supports_drafts = True
    default_posting_mode = "manual"
    scopes = ["user.info.basic", "user.info.profile", "video.upload", "video.publish", "video.list"]
    limits = LIMITS
    daily_cap = 15  # Direct Post: ~15 a day per creator
    # Evenings (Sprout Social / Hootsuite 2025, rounded to the hour).
    windows = {"weekday": ("19:00", "21:00", "16:00"), "weekend": ("18:00", "21:00", "12:00")}
    # Captions show about two lines (~100 characters) over a full-screen 9:16 video or photo.
    preview_fold = 100
    preview_aspects = {"video": 9 / 16, "photo_slideshow": 9 / 16}
    options = OPTIONS

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        error = body.get("error")
        if isinstance(error, dict):
            return _error(error.get("code", ""), error.get("message", ""), response.status_code)
        if isinstance(error, str):  # the OAuth endpoints' flat shape
            return _error(error, body.get("error_description", ""), response.status_code)
        return None

    def _call(self, method: str, url: str, **kwargs) -> dict:
        """TikTok answers HTTP 200 with an error inside: check error.code on every response."""
        body = self.http.request(method, url, **kwargs).json()
        error = body.get("error")
        if isinstance(error, dict) and error.get("code", "ok") != "ok":
            raise _error(error["code"], error.get("message", ""))
        if isinstance(error, str):
            raise _error(error, body.get("error_description", ""))
        return body

    # OAuth --------------------------------------------------------------------------------------
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "client_key": self.client_id,
                "scope": ",".join(self.scopes),
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{AUTHORIZE}?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        tokens = self._call(
            "POST",
            f"{API}/oauth/token/",
            data={
                "client_key": self.client_id,
                "client_secret": self.client_secret,
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
        )
        user = self._user(tokens["access_token"])
        return self._result(tokens, user)

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        tokens = self._call(
            "POST",
            f"{API}/oauth/token/",
            data={
                "client_key": self.client_id,
                "client_secret": self.client_secret,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
        )
        # TikTok may rotate the refresh token: keep whichever it returns, else the old one.
        tokens.setdefault("refresh_token", refresh_token)
        return self._result(tokens, {"open_id": tokens.get("open_id", "")})

    def _result(self, tokens: dict, user: dict) -> OAuthResult:
        now = timezone.now()
        return OAuthResult(
            external_user_id=str(user.get("open_id") or tokens.get("open_id", "")),
            display_name=user.get("display_name", ""),
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token") or "",
            expires_at=now + timedelta(seconds=int(tokens.get("expires_in", 86400))),
            refresh_expires_at=(
                now + timedelta(seconds=int(tokens["refresh_expires_in"]))
                if tokens.get("refresh_expires_in")
                else None
            ),
            scopes=[s for s in str(tokens.get("scope", "")).split(",") if s],
        )

    def _user(self, token: str) -> dict:
        body = self._call(
            "GET",
            f"{API}/user/info/",
            params={"fields": "open_id,avatar_url,display_name,username"},
            headers=_bearer(token),
        )
        return body["data"]["user"]

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        user = self._user(access_token)
        return [
            ProfileInfo(
                external_id=str(user["open_id"]),
                name=user.get("display_name") or user.get("username", ""),
                username=user.get("username", ""),
                picture_url=user.get("avatar_url", ""),
            )
        ]

    def validate(self, content: Content) -> list[Problem]:
        return super().validate(content) + pull_problems(content)

    # Publishing ---------------------------------------------------------------------------------
    def prepare(self, request: PublishRequest) -> None:
        """creator_info before every post (§4.2 step 1), and the checks it allows: nothing is
        sent to TikTok that would post. The init is the final call: TikTok publishes from it."""
        if _initiated(request.state):
            return
        creator = self._call(
            "POST", f"{API}/post/publish/creator_info/query/", json={},
            headers=_bearer(request.access_token),
        )["data"]  # fmt: skip
        self._privacy(request, creator)
        self._check_duration(request, creator)
        request.checkpoint({"creator": {k: creator.get(k) for k in CREATOR_FIELDS}})

    def finish(self, request: PublishRequest) -> Published:
        state = request.state
        if not _initiated(state):
            creator = state.get("creator") or {}
            privacy = self._privacy(request, creator)
            if request.content.post_type == "photo_slideshow":
                self._init_photos(request, privacy, creator)
            else:
                self._init_video(request, privacy, creator)
        return self._status(request)

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        """TikTok's guidelines: Direct Posts need the creator's own privacy choice (no default),
        and branded content cannot be private."""
        privacy = options.get("privacy_level") or ""
        field = "options.privacy_level"
        levels = ", ".join(PRIVACY_LEVELS[:-1]) + f" or {PRIVACY_LEVELS[-1]}"
        if privacy and privacy not in PRIVACY_LEVELS:
            return [Problem("privacy_level_invalid", f"Set {field} to {levels}.", field)]
        if mode == "automatic" and not privacy:
            to = f" to {profile_name}" if profile_name else ""
            return [Problem(
                "privacy_level_not_chosen",
                f"Choose who can see this post: TikTok Direct Posts{to} need a privacy level the "
                "creator chose (TikTok allows no default), for the post or as the profile's "
                "default on the Channels page.",
                field,
            )]  # fmt: skip
        if options.get("brand_content_toggle") and privacy == "SELF_ONLY":
            return [Problem(
                "branded_content_private",
                "Branded content cannot be private (SELF_ONLY) on TikTok.",
                field,
            )]  # fmt: skip
        return []

    def _privacy(self, request: PublishRequest, creator: dict) -> str:
        """The creator's explicit choice; never a default (TikTok's guidelines forbid one)."""
        options = creator.get("privacy_level_options") or []
        wanted = request.options.get("privacy_level") or ""
        if request.mode == "drafts":
            return wanted  # may be empty: the creator picks in the app
        if not wanted:
            raise PlatformError(
                PERMANENT,
                "privacy_level_not_chosen",
                "Nobody chose who can see this TikTok post, and TikTok does not allow a default: "
                "choose a privacy level for the post, or for the profile on the Channels page, "
                "then retry.",
            )
        if wanted not in options:
            raise PlatformError(
                PERMANENT,
                "privacy_level_option_mismatch",
                f"This creator can post as {', '.join(options) or 'nothing'}, not {wanted}; "
                "choose one of those for the profile.",
            )
        if request.options.get("brand_content_toggle") and wanted == "SELF_ONLY":
            raise PlatformError(
                PERMANENT,
                "branded_content_private",
                "Branded content cannot be private (SELF_ONLY) on TikTok; choose another "
                "privacy level, then retry.",
            )
        return wanted

    def _post_info(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        return {
            "title": request.content.caption,
            "privacy_level": privacy,
            **_switches(request.options, creator, SWITCHES),
            "video_cover_timestamp_ms": 1000,
            **_brand_toggles(request.options),
        }

    def _check_duration(self, request: PublishRequest, creator: dict) -> None:
        if request.content.post_type != "video" or not request.content.media:
            return
        item = request.content.media[0]
        limit = creator.get("max_video_post_duration_sec")
        if limit and item.duration_s and item.duration_s > limit:
            raise PlatformError(
                PERMANENT,
                "duration_check_failed",
                f"The video runs {item.duration_s:.0f} s; this creator can post up to {limit} s.",
            )

    def _init_video(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        item = request.content.media[0]
        source, size = source_info(item)
        if request.mode == "drafts":
            url, body = f"{API}/post/publish/inbox/video/init/", {"source_info": source}
        else:
            url = f"{API}/post/publish/video/init/"
            body = {"post_info": self._post_info(request, privacy, creator), "source_info": source}
        file_upload = source["source"] == "FILE_UPLOAD"
        _init_requested(request, "FILE" if file_upload else "URL")
        data = self._call("POST", url, json=body, headers=_bearer(request.access_token))["data"]
        request.checkpoint(
            {"publish_id": data["publish_id"], "source": "FILE" if file_upload else "URL"}
        )
        if file_upload:
            upload_chunks(self.http, data["upload_url"], item, size, request.keep_alive)
            request.checkpoint({"uploaded": True})
        return data

    def _init_photos(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        content = request.content
        post_info = {
            "title": content.title[:90],
            "description": content.caption,
            # Required for Direct Post only; in the inbox flow the creator picks in the app.
            **({"privacy_level": privacy} if privacy else {}),
            # Photo posts have no duets or stitches (§4.2).
            **_switches(request.options, creator, {"disable_comment": "comment_disabled"}),
            "auto_add_music": True,
            **_brand_toggles(request.options),
        }
        body = {
            "post_info": post_info,
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_cover_index": 0,
                "photo_images": [m.url for m in content.media],
            },
            "post_mode": "MEDIA_UPLOAD" if request.mode == "drafts" else "DIRECT_POST",
            "media_type": "PHOTO",
        }
        _init_requested(request, "URL")
        data = self._call(
            "POST", f"{API}/post/publish/content/init/", json=body,
            headers=_bearer(request.access_token),
        )["data"]  # fmt: skip
        request.checkpoint({"publish_id": data["publish_id"], "source": "URL"})
        return data

    def _fetch_status(self, request: PublishRequest) -> dict:
        return self._call(
            "POST",
            f"{API}/post/publish/status/fetch/",
            json={"publish_id": request.state["publish_id"]},
            headers=_bearer(request.access_token),
        )["data"]

    def _status(self, request: PublishRequest) -> Published:
        data = self._fetch_status(request)
        status = data.get("status", "")
        if status == "PUBLISH_COMPLETE":
            return self._complete(request, data)
        if status == "FAILED":
            reason = data.get("fail_reason") or "unknown"
            failed = _error(reason, f"TikTok could not publish the post ({reason}).")
            failed.post_failed = failed.kind == PERMANENT
            raise failed
        if status == "SEND_TO_USER_INBOX":
            raise SentToDrafts(request.state["publish_id"])
        raise NotReady(POLL_SECONDS, f"TikTok is processing the post ({status or 'no status'}).")

    def draft_status(self, request: PublishRequest) -> Published | None:
        data = self._fetch_status(request)
        if data.get("status") == "PUBLISH_COMPLETE":
            return self._complete(request, data)
        if data.get("status") == "FAILED":
            reason = data.get("fail_reason") or "unknown"
            raise _error(reason, f"The draft was not published ({reason}).")
        return None

    def _complete(self, request: PublishRequest, data: dict) -> Published:
        """PUBLISH_COMPLETE: the video id comes with it, or minutes to hours later (§4.2.5: only
        after moderation of public posts). Private (SELF_ONLY) posts never get one."""
        found = self._with_id(request, data)
        if found is not None:
            return found
        publish_id = request.state["publish_id"]
        if request.mode != "drafts" and request.options.get("privacy_level") == "SELF_ONLY":
            return Published(
                platform_post_id="",
                extra={"publish_id": publish_id},
                note="Posted as private (only the creator can see it), so TikTok gives it no "
                "public link.",
            )
        return Published(platform_post_id="", extra={"publish_id": publish_id}, id_pending=True)

    def _with_id(self, request: PublishRequest, data: dict) -> Published | None:
        ids = data.get("publicaly_available_post_id") or []
        if not ids:
            return None
        post_id = str(ids[0])
        permalink = (
            f"https://www.tiktok.com/@{request.profile_username}/video/{post_id}"
            if request.profile_username
            else ""
        )
        return Published(
            platform_post_id=post_id,
            permalink=permalink,
            extra={"publish_id": request.state.get("publish_id", "")},
        )

    def public_id(self, request: PublishRequest) -> Published | None:
        data = self._fetch_status(request)
        if data.get("status") == "FAILED":
            reason = data.get("fail_reason") or "unknown"
            raise _error(reason, f"TikTok took the post down before it was public ({reason}).")
        return self._with_id(request, data)

    metrics_batch_size = 20  # video/query takes up to 20 ids (PLATFORMS.md §4.5)

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        by_id = {r.platform_post_id: r for r in requests}
        body = self._call(
            "POST",
            f"{API}/video/query/",
            params={"fields": "id,like_count,comment_count,share_count,view_count"},
            json={"filters": {"video_ids": list(by_id)}},
            headers=_bearer(requests[0].access_token),
        )
        found = {str(v["id"]): v for v in body.get("data", {}).get("videos", [])}
        results = []
        for request in requests:
            video = found.get(request.platform_post_id)
            if video is None:
                results.append(Metrics(key=request.key, error=PlatformError(
                    TRANSIENT, "not_found", "TikTok did not return this video (yet)."
                )))  # fmt: skip
                continue
            results.append(Metrics(
                key=request.key, views=video.get("view_count"), likes=video.get("like_count"),
                comments=video.get("comment_count"), shares=video.get("share_count"), raw=video,
            ))  # fmt: skip
        return results

    def reconcile(self, request: PublishRequest) -> Published | None:
        """How to look after a lost answer or a lost worker (the dispatcher decides what next).

        Init never sent → nothing exists. A FILE_UPLOAD init whose answer was lost → TikTok has
        no upload URL to give anyone, so no bytes can arrive: nothing can be published. A
        PULL_FROM_URL init whose answer was lost → TikTok pulls and publishes it anyway: look for
        it among the creator's recent videos, else nobody can tell (→ a person checks). With a
        publish_id, its status says; an upload whose last answer was lost counts as complete
        once TikTok reports every byte."""
        state = request.state
        if not state.get("publish_id"):
            if state.get("init_requested") != "URL":
                return None
            return self._find_pulled_post(request)
        if state.get("source") == "FILE" and not state.get("uploaded"):
            data = self._fetch_status(request)
            if not data.get("uploaded_bytes") or data.get("status") == "PROCESSING_UPLOAD":
                return None  # the upload never finished: that publish can never complete
            request.checkpoint({"uploaded": True})
        return self._status(request)  # NotReady / SentToDrafts tell the dispatcher to wait

    def _find_pulled_post(self, request: PublishRequest) -> Published:
        since = float(request.state.get("init_requested_at") or 0)
        caption = request.content.caption.strip()
        body = self._call(
            "POST",
            f"{API}/video/list/",
            params={"fields": "id,title,video_description,create_time"},
            json={"max_count": 20},
            headers=_bearer(request.access_token),
        )
        for video in (body.get("data") or {}).get("videos") or []:
            text = str(video.get("title") or video.get("video_description") or "").strip()
            if int(video.get("create_time") or 0) >= int(since) - 60 and text == caption:
                return self._with_id(request, {"publicaly_available_post_id": [video["id"]]})
        raise PlatformError(
            PERMANENT,
            "unconfirmable",
            "TikTok may still be pulling the video, and the creator's recent videos do not show "
            "it yet",
            maybe_delivered=True,
        )


def _initiated(state: dict) -> bool:
    """The init went through (and, for FILE_UPLOAD, every byte arrived): only status is left."""
    return bool(state.get("publish_id")) and (
        bool(state.get("uploaded")) or state.get("source") != "FILE"
    )


def _init_requested(request: PublishRequest, source: str) -> None:
    """Checkpointed before the init is sent: a lost answer is then known to be possible."""
    request.checkpoint({"init_requested": source, "init_requested_at": timezone.now().timestamp()})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _switches(options: dict, creator: dict, names: dict[str, str]) -> dict[str, bool]:
    """The user's choice OR the creator's own: a switch turned off in TikTok stays off."""
    return {
        ours: options.get(ours) is True or bool(creator.get(theirs))
        for ours, theirs in names.items()
    }


def _brand_toggles(options: dict) -> dict[str, bool]:
    """Commercial content disclosure: off unless the user said so."""
    return {name: options.get(name) is True for name in BRAND_TOGGLES}


# PULL_FROM_URL: TikTok fetches only from URL prefixes verified for the app (§4.2 step 4) --------
HINTS = {
    # Our prefix list says verified, TikTok says not: the two disagree.
    "url_ownership_unverified": (
        "TikTok refused to pull the media: its URL prefix is not verified for this app. Verify "
        "the prefix in the TikTok app's URL properties, or remove it from "
        "TIKTOK_VERIFIED_URL_PREFIXES and upload the file instead."
    ),
}


def _explained(code: str, message: str) -> str:
    """TikTok's own message, led by what to do where we know it better."""
    hint = HINTS.get(code)
    if not hint:
        return message
    return f"{hint} (TikTok: {message})" if message else hint
