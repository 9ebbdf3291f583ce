"""Fake TikTok Login Kit v2 + Content Posting API, built from PLATFORMS.md §4.

Every answer is `{"data": …, "error": {"code", "message", "log_id"}}`, errors included (even some
HTTP 200s). Covers the authorize page, token (code and refresh, with rotating refresh tokens),
user info, creator_info, video init (Direct Post and inbox), photo init, chunked PUT uploads (206
then 201), status progression with delayed public ids, and the fault switches of FakeServer plus
`expire_access_tokens`, `revoke`, `processing_polls` and `rotate_refresh_tokens`.
"""

import itertools
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

from tests.fakes.server import FakeServer, Request, Response


def envelope(data: dict | None = None, code: str = "ok", message: str = "", status: int = 200):
    return Response(
        status,
        {"data": data or {}, "error": {"code": code, "message": message, "log_id": "log123"}},
    )


@dataclass
class Publish:
    id: str
    kind: str  # video | photo
    mode: str  # direct | inbox
    source: str
    title: str = ""
    privacy: str = ""
    size: int = 0
    received: int = 0
    polls_left: int = 0
    status: str = "PROCESSING_UPLOAD"
    post_id: str = ""
    chunks: list[str] = field(default_factory=list)


class FakeTikTok(FakeServer):
    client_key = "tt-client-key"
    client_secret = "tt-client-secret"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(7300000000000000000)
        self.open_id = "open-id-123"
        self.username = "brandtok"
        self.codes: dict[str, dict] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.rotate_refresh_tokens = True
        self.processing_polls = 0
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.max_duration = 600
        self.publishes: dict[str, Publish] = {}
        self.metrics: dict[str, dict] = {}  # video id -> counts, to control them in tests
        self.query_calls = 0

    @property
    def rewrites(self) -> str:
        return (
            f"https://www.tiktok.com={self.url},https://open.tiktokapis.com={self.url},"
            f"https://open-upload.tiktokapis.com={self.url}"
        )

    # switches ----------------------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def fail_rate_limit(self, *, times: int = 1, path: str = "") -> None:
        self.fail(envelope(code="rate_limit_exceeded", message="Too many requests", status=429),
                  times=times, path=path)  # fmt: skip

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(envelope(code="internal_error", message="Something broke", status=500),
                  times=times, path=path)  # fmt: skip

    def user_posts_draft(self, publish_id: str) -> None:
        """The creator opens the draft in the app and posts it."""
        publish = self.publishes[publish_id]
        publish.status, publish.post_id = "PUBLISH_COMPLETE", str(next(self._ids))

    def complete(self) -> list[Publish]:
        return [p for p in self.publishes.values() if p.status == "PUBLISH_COMPLETE"]

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/v2/auth/authorize/":
            return self._authorize(request)
        if path == "/v2/oauth/token/":
            return self._token(request)
        if path.startswith("/upload/"):
            return self._upload(path.rsplit("/", 1)[-1], request)
        if request.bearer not in self.access_tokens:
            return envelope(code="access_token_invalid", message="Access token is invalid or "
                            "expired.", status=401)  # fmt: skip
        if path == "/v2/user/info/":
            return envelope({"user": {"open_id": self.open_id, "display_name": "Brand Tok",
                                      "username": self.username,
                                      "avatar_url": "https://p16.example/a.jpg"}})  # fmt: skip
        if path == "/v2/post/publish/creator_info/query/":
            return envelope({
                "creator_username": self.username, "creator_nickname": "Brand Tok",
                "creator_avatar_url": "https://p16.example/a.jpg",
                "privacy_level_options": self.privacy_options, "comment_disabled": False,
                "duet_disabled": True, "stitch_disabled": False,
                "max_video_post_duration_sec": self.max_duration,
            })  # fmt: skip
        if path == "/v2/post/publish/video/init/":
            return self._init_video(request, "direct")
        if path == "/v2/post/publish/inbox/video/init/":
            return self._init_video(request, "inbox")
        if path == "/v2/post/publish/content/init/":
            return self._init_photo(request)
        if path == "/v2/post/publish/status/fetch/":
            return self._status(request)
        if path == "/v2/video/query/":
            return self._video_query(request)
        return envelope(code="invalid_params", message=f"Unknown path {path}", status=404)

    def _authorize(self, request: Request) -> Response:
        query = request.query
        if query.get("client_key") != self.client_key or not query.get("code_challenge"):
            return Response(400, "bad client_key or missing PKCE challenge")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"redirect_uri": query["redirect_uri"]}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Response(302, "", {"Location": target})

    def _tokens(self) -> dict:
        access, refresh = "act." + secrets.token_urlsafe(16), "rft." + secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "expires_in": 86400,
            "open_id": self.open_id,
            "refresh_token": refresh,
            "refresh_expires_in": 31536000,
            "scope": "user.info.basic,video.upload,video.publish",
            "token_type": "Bearer",
        }

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_key"), form.get("client_secret")) != (
            self.client_key,
            self.client_secret,
        ):
            return Response(401, {"error": "invalid_client", "error_description": "bad client"})
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return Response(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Authorization code is invalid.",
                    },
                )
            return Response(200, self._tokens())
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return Response(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Refresh token is invalid or expired.",
                    },
                )
            tokens = self._tokens()
            if self.rotate_refresh_tokens:
                self.refresh_tokens.discard(old)  # single use: the old one is dead now
            else:
                self.refresh_tokens.discard(tokens["refresh_token"])
                tokens["refresh_token"] = old
            return Response(200, tokens)
        return Response(400, {"error": "unsupported_grant_type", "error_description": "?"})

    def _init_video(self, request: Request, mode: str) -> Response:
        source = request.form.get("source_info") or {}
        info = request.form.get("post_info") or {}
        if mode == "direct" and info.get("privacy_level") not in self.privacy_options:
            return envelope(code="privacy_level_option_mismatch", message="bad privacy", status=400)
        publish = Publish(id=f"v_{'inbox' if mode == 'inbox' else 'pub'}_file~{next(self._ids)}",
                          kind="video", mode=mode, source=source.get("source", ""),
                          title=info.get("title", ""), privacy=info.get("privacy_level", ""),
                          polls_left=self.processing_polls)  # fmt: skip
        data = {"publish_id": publish.id}
        if publish.source == "FILE_UPLOAD":
            publish.size = int(source["video_size"])
            data["upload_url"] = f"https://open-upload.tiktokapis.com/upload/{publish.id}"
        elif publish.source == "PULL_FROM_URL" and source.get("video_url", "").startswith("http"):
            publish.status = "PROCESSING_DOWNLOAD"
        else:
            return envelope(code="invalid_params", message="source_info is invalid", status=400)
        self.publishes[publish.id] = publish
        return envelope(data)

    def _init_photo(self, request: Request) -> Response:
        body = request.form
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        images = source.get("photo_images") or []
        if body.get("media_type") != "PHOTO" or not 1 <= len(images) <= 35:
            return envelope(code="invalid_params", message="1 to 35 photo_images", status=400)
        mode = "inbox" if body.get("post_mode") == "MEDIA_UPLOAD" else "direct"
        publish = Publish(id=f"p_pub_url~{next(self._ids)}", kind="photo", mode=mode,
                          source="PULL_FROM_URL", title=info.get("description", ""),
                          privacy=info.get("privacy_level", ""), status="PROCESSING_DOWNLOAD",
                          polls_left=self.processing_polls)  # fmt: skip
        self.publishes[publish.id] = publish
        return envelope({"publish_id": publish.id})

    def _upload(self, publish_id: str, request: Request) -> Response:
        publish = self.publishes.get(publish_id)
        match = re.match(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("content-range", ""))
        if publish is None or not match or request.method != "PUT":
            return Response(400, "bad upload")
        first, last, total = map(int, match.groups())
        if (
            first != publish.received
            or total != publish.size
            or len(request.body) != last - first + 1
        ):
            return Response(416, "range does not follow the last chunk")
        publish.received = last + 1
        publish.chunks.append(request.headers["content-range"])
        return Response(201 if publish.received == publish.size else 206, "")

    def _video_query(self, request: Request) -> Response:
        ids = ((request.form.get("filters") or {}).get("video_ids")) or []
        if not 1 <= len(ids) <= 20:
            return envelope(code="invalid_params", message="1 to 20 video_ids", status=400)
        self.query_calls += 1
        known = {p.post_id for p in self.complete()}
        return envelope({"videos": [_video_metrics(v, self.metrics) for v in ids if v in known]})

    def _status(self, request: Request) -> Response:
        publish = self.publishes.get(request.form.get("publish_id", ""))
        if publish is None:
            return envelope(code="invalid_params", message="unknown publish_id", status=400)
        if publish.status in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"):
            uploaded = publish.source != "FILE_UPLOAD" or publish.received == publish.size
            if uploaded:
                publish.polls_left -= 1
                if publish.polls_left < 0:
                    if publish.mode == "inbox":
                        publish.status = "SEND_TO_USER_INBOX"
                    else:
                        publish.status, publish.post_id = "PUBLISH_COMPLETE", str(next(self._ids))
        data = {"status": publish.status, "uploaded_bytes": publish.received}
        if publish.status == "PUBLISH_COMPLETE" and publish.privacy != "SELF_ONLY":
            data["publicaly_available_post_id"] = [int(publish.post_id)]
        return envelope(data)


def _video_metrics(video_id: str, overrides: dict) -> dict:
    if video_id in overrides:
        return {"id": video_id, **overrides[video_id]}
    seed = int(video_id[-4:])
    return {"id": video_id, "view_count": 2000 + seed % 900, "like_count": 100 + seed % 80,
            "comment_count": 10 + seed % 13, "share_count": 4 + seed % 6}  # fmt: skip


def callback_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
