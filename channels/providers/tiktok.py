"""TikTok: Login Kit v2 OAuth (rotating refresh tokens) and the Content Posting API.

Every post first queries creator_info (privacy options, max duration, interaction switches). Manual
mode uploads to the creator's drafts inbox; automatic mode is Direct Post. Videos come from our
storage in chunks (FILE_UPLOAD) or from a public URL (PULL_FROM_URL); photo slideshows are always
pulled. Processing is polled on later ticks (PLATFORMS.md §4).
"""

import base64
import hashlib
import os
from datetime import timedelta
from urllib.parse import urlencode

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.limits import validate_content
from channels.providers.base import (
    Content,
    MediaItem,
    Metrics,
    MetricsRequest,
    NotReady,
    OAuthResult,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
    SentToDrafts,
)

AUTHORIZE = "https://www.tiktok.com/v2/auth/authorize/"
API = "https://open.tiktokapis.com/v2"
POLL_SECONDS = 30
MB = 1024 * 1024
CHUNK = 10 * MB  # within TikTok's 5–64 MB; smaller files go in one chunk

AUTH_CODES = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
DAILY_CAP_CODES = {"spam_risk_too_many_posts", "spam_risk_too_many_pending_share"}
TRANSIENT_CODES = {"internal_error", "internal"}


def _error(code: str, message: str, status: int | None = None) -> PlatformError:
    if code in AUTH_CODES or code in ("invalid_grant", "auth_removed"):
        return PlatformError(AUTH, code, message, http_status=status)
    if code == "rate_limit_exceeded":
        return PlatformError(RATE_LIMITED, code, message, retry_after=60, http_status=status)
    if code in DAILY_CAP_CODES:
        return PlatformError(RATE_LIMITED, code, message, retry_after=86400, http_status=status)
    if code in TRANSIENT_CODES or (status or 0) >= 500:
        return PlatformError(TRANSIENT, code, message, http_status=status)
    return PlatformError(PERMANENT, code, message, http_status=status)


class TikTokProvider(Provider):
    slug = "tiktok"
    name = "TikTok"
    uses_pkce = True
    supports_drafts = True
    scopes = ["user.info.basic", "user.info.profile", "video.upload", "video.publish", "video.list"]

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
        return validate_content(self.slug, content)

    # Publishing ---------------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> Published:
        state = request.state
        if state.get("publish_id") and (state.get("uploaded") or state.get("source") != "FILE"):
            return self._status(request)
        token = request.access_token
        creator = self._call(
            "POST", f"{API}/post/publish/creator_info/query/", json={}, headers=_bearer(token)
        )["data"]
        privacy = self._privacy(request, creator)
        if request.content.post_type == "photo_slideshow":
            self._init_photos(request, privacy, creator)
        else:
            self._init_video(request, privacy, creator)
        return self._status(request)

    def _privacy(self, request: PublishRequest, creator: dict) -> str:
        options = creator.get("privacy_level_options") or []
        wanted = request.options.get("privacy_level") or "PUBLIC_TO_EVERYONE"
        if request.mode == "drafts":
            return wanted
        if wanted not in options:
            raise PlatformError(
                PERMANENT,
                "privacy_level_option_mismatch",
                f"This creator can post as {', '.join(options) or 'nothing'}, not {wanted}; "
                "choose one of those for the profile.",
            )
        return wanted

    def _post_info(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        return {
            "title": request.content.caption,
            "privacy_level": privacy,
            # A switch the creator turned off in TikTok must stay off.
            "disable_comment": bool(creator.get("comment_disabled")),
            "disable_duet": bool(creator.get("duet_disabled")),
            "disable_stitch": bool(creator.get("stitch_disabled")),
            "video_cover_timestamp_ms": 1000,
        }

    def _init_video(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        item = request.content.media[0]
        limit = creator.get("max_video_post_duration_sec")
        if limit and item.duration_s and item.duration_s > limit:
            raise PlatformError(
                PERMANENT,
                "duration_check_failed",
                f"The video runs {item.duration_s:.0f} s; this creator can post up to {limit} s.",
            )
        source, size = _source_info(item)
        if request.mode == "drafts":
            url, body = f"{API}/post/publish/inbox/video/init/", {"source_info": source}
        else:
            url = f"{API}/post/publish/video/init/"
            body = {"post_info": self._post_info(request, privacy, creator), "source_info": source}
        data = self._call("POST", url, json=body, headers=_bearer(request.access_token))["data"]
        file_upload = source["source"] == "FILE_UPLOAD"
        request.checkpoint(
            {"publish_id": data["publish_id"], "source": "FILE" if file_upload else "URL"}
        )
        if file_upload:
            _upload_chunks(self.http, data["upload_url"], item, size, request.keep_alive)
            request.checkpoint({"uploaded": True})
        return data

    def _init_photos(self, request: PublishRequest, privacy: str, creator: dict) -> dict:
        content = request.content
        post_info = {
            "title": content.title[:90],
            "description": content.caption,
            "privacy_level": privacy,
            "disable_comment": bool(creator.get("comment_disabled")),
            "auto_add_music": True,
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
            raise _error(reason, f"TikTok could not publish the post ({reason}).")
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
        # Public ids arrive after moderation; private posts never get one.
        ids = data.get("publicaly_available_post_id") or []
        post_id = str(ids[0]) if ids else request.state["publish_id"]
        permalink = (
            f"https://www.tiktok.com/@{request.profile_username}/video/{post_id}"
            if ids and request.profile_username
            else ""
        )
        return Published(
            platform_post_id=post_id,
            permalink=permalink,
            extra={"publish_id": request.state["publish_id"]},
        )

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
        if not request.state.get("publish_id"):
            return None  # init never answered: nothing can be published without it
        if request.state.get("source") == "FILE" and not request.state.get("uploaded"):
            return None  # bytes never arrived: that publish can never complete
        try:
            return self._status(request)
        except (NotReady, SentToDrafts):
            raise PlatformError(
                TRANSIENT, "processing", "TikTok is still processing the post."
            ) from None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _source_info(item: MediaItem) -> tuple[dict, int]:
    """FILE_UPLOAD for files we host (no domain verification needed), else PULL_FROM_URL."""
    if item.path and os.path.exists(item.path):
        size = os.path.getsize(item.path)
        chunk = size if size < 5 * MB else CHUNK
        return {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunk,
            "total_chunk_count": max(1, size // chunk),
        }, size
    return {"source": "PULL_FROM_URL", "video_url": item.url}, 0


def _upload_chunks(http, upload_url: str, item: MediaItem, size: int, keep_alive) -> None:
    chunk = size if size < 5 * MB else CHUNK
    count = max(1, size // chunk)
    with open(item.path, "rb") as handle:
        for index in range(count):
            keep_alive()  # a large file can take longer than the publish lease
            first = index * chunk
            # The remainder rides with the last chunk (TikTok: total = floor(size / chunk)).
            last = size - 1 if index == count - 1 else first + chunk - 1
            handle.seek(first)
            body = handle.read(last - first + 1)
            http.request(
                "PUT",
                upload_url,
                expect_json=False,
                data=body,
                headers={
                    "Content-Type": item.mime_type or "video/mp4",
                    "Content-Length": str(len(body)),
                    "Content-Range": f"bytes {first}-{last}/{size}",
                },
            )
