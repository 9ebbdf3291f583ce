"""Fake TikTok Login Kit v2 + Content Posting API, built from PLATFORMS.md §4.

Every answer is `{"data": …, "error": {"code", "message", "log_id"}}`, errors included (even some
HTTP 200s). Covers the authorize page, token (code and refresh, with rotating refresh tokens),
user info, creator_info, video init (Direct Post and inbox), photo init, chunked PUT uploads (206
then 201), status progression with delayed public ids, and the fault switches of FakeServer plus
`expire_access_tokens`, `revoke`, `processing_polls` and `rotate_refresh_tokens`.
FILE_UPLOAD inits must follow §4.3's chunk rules and every PUT must carry exactly the next
Content-Range they imply (400 otherwise); PULL_FROM_URL answers 403 `url_ownership_unverified`
for URLs outside `verified_prefixes`.
"""

import itertools
import secrets
import time
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
    chunk_size: int = 0
    chunk_count: int = 0
    received: int = 0
    polls_left: int = 0
    status: str = "PROCESSING_UPLOAD"
    post_id: str = ""
    id_polls_left: int = 0  # status polls after PUBLISH_COMPLETE still without the public id
    created: float = field(default_factory=time.time)
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
        self.list_hides = False  # video/list shows nothing yet (e.g. still in moderation)
        # §4.2.5: the public video id "may arrive minutes after PUBLISH_COMPLETE".
        self.id_delay_polls = 0
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.max_duration = 600
        # §4.2 step 4: PULL_FROM_URL only from prefixes verified for the app.
        self.verified_prefixes = ["https://cdn.example.com/"]
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
        publish.id_polls_left = self.id_delay_polls

    def user_posts_drafts(self) -> None:
        """The creator posts every draft waiting in the inbox (the sandbox's time passing)."""
        for publish in list(self.publishes.values()):
            if publish.status == "SEND_TO_USER_INBOX":
                self.user_posts_draft(publish.id)

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
        if path == "/v2/video/list/":
            return self._video_list(request)
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
            problem = _chunking_problem(source)
            if problem:
                return envelope(code="invalid_params", message=problem, status=400)
            publish.size = int(source["video_size"])
            publish.chunk_size = int(source["chunk_size"])
            publish.chunk_count = int(source["total_chunk_count"])
            data["upload_url"] = f"https://open-upload.tiktokapis.com/upload/{publish.id}"
        elif publish.source == "PULL_FROM_URL" and source.get("video_url", "").startswith("http"):
            if not self._verified(source["video_url"]):
                return self._unverified()
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
        if not all(isinstance(url, str) and self._verified(url) for url in images):
            return self._unverified()
        mode = "inbox" if body.get("post_mode") == "MEDIA_UPLOAD" else "direct"
        publish = Publish(id=f"p_pub_url~{next(self._ids)}", kind="photo", mode=mode,
                          source="PULL_FROM_URL", title=info.get("description", ""),
                          privacy=info.get("privacy_level", ""), status="PROCESSING_DOWNLOAD",
                          polls_left=self.processing_polls)  # fmt: skip
        self.publishes[publish.id] = publish
        return envelope({"publish_id": publish.id})

    def _verified(self, url: str) -> bool:
        return any(url.startswith(prefix) for prefix in self.verified_prefixes)

    def _unverified(self) -> Response:
        return envelope(code="url_ownership_unverified", status=403,
                        message="The URL's domain or prefix is not verified for this app.")  # fmt: skip

    def _upload(self, publish_id: str, request: Request) -> Response:
        """§4.2 step 3: chunk by chunk, in order, each exactly the range init announced."""
        publish = self.publishes.get(publish_id)
        if publish is None or publish.source != "FILE_UPLOAD" or request.method != "PUT":
            return envelope(code="invalid_params", message="No upload here.", status=404)
        index = len(publish.chunks)
        if index >= publish.chunk_count:
            return envelope(code="invalid_params", message="All chunks arrived already.",
                            status=400)  # fmt: skip
        first = index * publish.chunk_size
        final = index == publish.chunk_count - 1
        last = publish.size - 1 if final else first + publish.chunk_size - 1
        expected = f"bytes {first}-{last}/{publish.size}"
        headers = request.headers
        if headers.get("content-range") != expected:
            return envelope(code="invalid_params", status=400, message=f"Content-Range must be "
                            f"{expected!r}, not {headers.get('content-range')!r}.")  # fmt: skip
        if headers.get("content-type") not in ("video/mp4", "video/quicktime", "video/webm"):
            return envelope(code="invalid_file_upload", message="Content-Type must be video/mp4, "
                            "video/quicktime or video/webm.", status=400)  # fmt: skip
        if headers.get("content-length") != str(last - first + 1) or len(request.body) != int(
            headers["content-length"]
        ):
            return envelope(code="invalid_params", message="Content-Length does not match the "
                            "range.", status=400)  # fmt: skip
        publish.received = last + 1
        publish.chunks.append(expected)
        return Response(201 if publish.received == publish.size else 206, "")

    def _video_list(self, request: Request) -> Response:
        """The creator's public videos, newest first (§4.5). Time passes for the fake here: a
        direct post whose bytes or URL TikTok had is finished by now, polled or not."""
        if self.list_hides:
            return envelope({"videos": [], "cursor": 0, "has_more": False})
        for publish in self.publishes.values():
            received = publish.source != "FILE_UPLOAD" or publish.received == publish.size
            if publish.mode == "direct" and received and publish.status.startswith("PROCESSING"):
                publish.status, publish.post_id = "PUBLISH_COMPLETE", str(next(self._ids))
        public = [p for p in self.complete() if p.privacy != "SELF_ONLY" and p.post_id]
        public.sort(key=lambda p: p.created, reverse=True)
        count = int((request.form or {}).get("max_count") or 20)
        return envelope({
            "videos": [{"id": p.post_id, "title": p.title, "video_description": p.title,
                        "create_time": int(p.created)} for p in public[:count]],
            "cursor": 0, "has_more": len(public) > count,
        })  # fmt: skip

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
                        publish.id_polls_left = self.id_delay_polls
        data = {"status": publish.status, "uploaded_bytes": publish.received}
        if publish.status == "PUBLISH_COMPLETE" and publish.privacy != "SELF_ONLY":
            if publish.id_polls_left > 0:  # still in moderation: complete, but no public id yet
                publish.id_polls_left -= 1
            else:
                data["publicaly_available_post_id"] = [int(publish.post_id)]
        return envelope(data)


def _chunking_problem(source: dict) -> str:
    """§4.3's chunk rules for a FILE_UPLOAD init; "" when they hold."""
    mb = 1024 * 1024
    try:
        size, chunk, count = (int(source[k]) for k in ("video_size", "chunk_size",
                                                       "total_chunk_count"))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return "video_size, chunk_size and total_chunk_count are required integers."
    if size <= 0 or chunk <= 0:
        return "video_size and chunk_size must be positive."
    if size < 5 * mb and (chunk, count) != (size, 1):
        return "A video under 5 MB must be one chunk of its whole size."
    if size >= 5 * mb and not (5 * mb <= chunk <= 64 * mb):
        return "chunk_size must be between 5 MB and 64 MB."
    if count != size // chunk or not 1 <= count <= 1000:
        return "total_chunk_count must be floor(video_size / chunk_size), 1 to 1000."
    if size - (count - 1) * chunk > 128 * mb:
        return "The last chunk may be at most 128 MB."
    return ""


def _video_metrics(video_id: str, overrides: dict) -> dict:
    if video_id in overrides:
        return {"id": video_id, **overrides[video_id]}
    seed = int(video_id[-4:])
    return {"id": video_id, "view_count": 2000 + seed % 900, "like_count": 100 + seed % 80,
            "comment_count": 10 + seed % 13, "share_count": 4 + seed % 6}  # fmt: skip


def callback_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
