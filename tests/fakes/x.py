"""Fake X API v2, built from PLATFORMS.md §6: OAuth 2.0 with PKCE (S256) and single-use rotating
refresh tokens, users/me, POST /2/tweets (replies, media, duplicate-content 403s), the user's
recent posts, v2 chunked media upload only (initialize / append ≤ 5 MB, 413 above / finalize /
STATUS with check_after_secs), media metadata, GET /2/tweets metrics (public and non-public), the
x-rate-limit-* headers with epoch resets and the 24-hour cap headers, problem+json errors.

Switches beyond FakeServer's: `expire_access_tokens`, `revoke`, `processing_polls`,
`processing_fails`, `timeline_lag`, `fail_daily_cap`,
`fail_usage_capped`, `reply_without_id`, `delete_post`, `repost_key`. It also serves media files
for the posts' URLs under /cdn/ (sizes from `cdn_sizes`).
"""

import base64
import email
import email.policy
import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Request, Response

SNOWFLAKE_EPOCH_MS = 1288834974657
MAX_SEGMENT = 5 * 1024 * 1024


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **headers) -> Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return Response(status, body, {"Content-Type": "application/problem+json", **headers})


@dataclass
class Post:
    id: str
    text: str
    author: str
    media_ids: list[str] = field(default_factory=list)
    reply_to: str = ""
    reply_settings: str = ""
    created: float = field(default_factory=time.time)


@dataclass
class Media:
    id: str
    media_type: str
    category: str
    total: int
    received: int = 0
    segments: list[int] = field(default_factory=list)
    finalized: bool = False
    polls_left: int = 0
    state: str = ""
    alt_text: str = ""


class FakeX(FakeServer):
    client_id = "x-client-id"
    client_secret = "x-client-secret"

    def __init__(self) -> None:
        super().__init__()
        self._seq = itertools.count(1)
        self.user = {"id": "1500000000000000001", "name": "Brand X", "username": "brandx",
                     "profile_image_url": "https://pbs.example/x.jpg"}  # fmt: skip
        self.codes: dict[str, dict] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.used_refresh_tokens: set[str] = set()
        self.posts: dict[str, Post] = {}
        self.deleted: set[str] = set()
        self.media: dict[str, Media] = {}
        self.processing_polls = 1  # STATUS polls a video/GIF stays "in_progress"
        self.timeline_lag = 0  # timeline reads that do not list the newest posts yet
        self.processing_fails = False  # videos/GIFs end "failed" (an unsupported format)
        self.replies_without_id = 0  # replies answered 201 with no id (and not posted)
        self.repost_key = "retweet_count"  # the 2026 OpenAPI spec says repost_count
        self.cdn_sizes: dict[str, int] = {}
        self.metrics_calls: list[list[str]] = []
        self.daily_remaining = 2400

    @property
    def rewrites(self) -> str:
        return (
            f"https://x.com={self.url},https://api.x.com={self.url},"
            f"https://cdn.example.com={self.url}/cdn"
        )

    # switches ----------------------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def _limits(self, remaining: int = 99) -> dict[str, str]:
        reset = str(int(time.time()) + 900)
        return {"x-rate-limit-limit": "100", "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": reset}  # fmt: skip

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(problem(503, "Service Unavailable", "Service Unavailable"), times=times,
                  path=path)  # fmt: skip

    def fail_rate_limit(self, *, times: int = 1, path: str = "", reset_in: int = 600) -> None:
        headers = {**self._limits(0), "x-rate-limit-reset": str(int(time.time()) + reset_in)}
        self.fail(problem(429, "Too Many Requests", "Too Many Requests",
                          "https://api.x.com/2/problems/rate-limit-exceeded", **headers),
                  times=times, path=path)  # fmt: skip

    def fail_daily_cap(self, *, times: int = 1, reset_in: int = 7200) -> None:
        headers = {**self._limits(50), "x-user-limit-24hour-limit": "2400",
                   "x-user-limit-24hour-remaining": "0",
                   "x-user-limit-24hour-reset": str(int(time.time()) + reset_in)}  # fmt: skip
        self.fail(problem(429, "Too Many Requests", "Too Many Requests", **headers),
                  times=times, path="/2/tweets", method="POST")  # fmt: skip

    def fail_usage_capped(self, *, times: int = 1, path: str = "/2/tweets") -> None:
        self.fail(problem(429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
                          "https://api.x.com/2/problems/usage-capped", **self._limits()),
                  times=times, path=path)  # fmt: skip

    def wait_idle(self, seconds: float = 5.0) -> None:
        """Until every request in flight (a hung one) has been answered; bounded."""
        deadline = time.monotonic() + seconds
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)

    def delete_post(self, post_id: str) -> None:
        self.deleted.add(post_id)
        self.posts.pop(post_id, None)

    def roots(self) -> list[Post]:
        return [p for p in self.posts.values() if not p.reply_to]

    def chain(self, root_id: str) -> list[Post]:
        """The thread under a root, in order."""
        out, current = [self.posts[root_id]], root_id
        while child := next((p for p in self.posts.values() if p.reply_to == current), None):
            out.append(child)
            current = child.id
        return out

    def _snowflake(self) -> str:
        ms = int(time.time() * 1000) - SNOWFLAKE_EPOCH_MS
        return str((ms << 22) | (next(self._seq) % 4096))

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/i/oauth2/authorize":
            return self._authorize(request)
        if path == "/2/oauth2/token":
            return self._token(request)
        if path.startswith("/cdn/"):
            name = path.rsplit("/", 1)[-1]
            size = self.cdn_sizes.get(name, 2048)
            return Response(200, (name.encode() * (size // max(1, len(name)) + 1))[:size],
                            {"Content-Type": "application/octet-stream"})  # fmt: skip
        if request.bearer not in self.access_tokens:
            return problem(401, "Unauthorized", "Unauthorized")
        if path == "/2/users/me":
            return Response(200, {"data": self.user}, self._limits())
        if path == "/2/tweets" and request.method == "POST":
            return self._create(request)
        if path == "/2/tweets" and request.method == "GET":
            return self._lookup(request)
        if path == f"/2/users/{self.user['id']}/tweets":
            return self._timeline(request)
        if path == "/2/media/upload/initialize":
            return self._initialize(request)
        if path.startswith("/2/media/upload/") and path.endswith("/append"):
            return self._append(path.split("/")[-2], request)
        if path.startswith("/2/media/upload/") and path.endswith("/finalize"):
            return self._finalize(path.split("/")[-2])
        if path == "/2/media/upload" and request.method == "GET":
            return self._status(request)
        if path == "/2/media/metadata":
            return self._metadata(request)
        return problem(404, "Not Found Error", f"No route {request.method} {path} (the fake "
                       "serves only the v2 media endpoints).")  # fmt: skip

    # OAuth -------------------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        q = request.query
        scopes = q.get("scope", "").split()
        if q.get("client_id") != self.client_id or q.get("code_challenge_method") != "S256":
            return Response(400, "bad client_id or PKCE method")
        if "offline.access" not in scopes or not q.get("code_challenge"):
            return Response(400, "offline.access and a code_challenge are required")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"redirect_uri": q["redirect_uri"], "challenge": q["code_challenge"]}
        target = f"{q['redirect_uri']}?{urlencode({'state': q['state'], 'code': code})}"
        return Response(302, "", {"Location": target})

    def _tokens(self) -> dict:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"token_type": "bearer", "expires_in": 7200, "access_token": access,
                "scope": "tweet.read tweet.write users.read offline.access media.write",
                "refresh_token": refresh}  # fmt: skip

    def _token(self, request: Request) -> Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Response(401, {"error": "unauthorized_client",
                                  "error_description": "Missing valid authorization header"})  # fmt: skip
        form = request.form
        invalid = Response(400, {"error": "invalid_request",
                                 "error_description": "Value passed for the token was invalid."})  # fmt: skip
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                         .rstrip(b"=").decode())  # fmt: skip
            if not grant or grant["redirect_uri"] != form.get("redirect_uri"):
                return invalid
            if grant["challenge"] != challenge:
                return invalid
            return Response(200, self._tokens())
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return invalid
            self.refresh_tokens.discard(old)  # single use: rotated on every refresh
            self.used_refresh_tokens.add(old)
            return Response(200, self._tokens())
        return Response(400, {"error": "unsupported_grant_type", "error_description": "?"})

    # Posts -------------------------------------------------------------------------------------
    def _create(self, request: Request) -> Response:
        body = request.form
        text = str(body.get("text") or "")
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        if not text and not media_ids:
            return problem(400, "Invalid Request", "One or more parameters to your request was "
                           "invalid.", "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        if len(media_ids) > 4:
            return problem(400, "Invalid Request", "media_ids: at most 4.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or not media.finalized or media.state not in ("", "succeeded"):
                return problem(400, "Invalid Request", f"Your media IDs are invalid: {media_id}.",
                               "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        if reply_to and reply_to not in self.posts:
            return problem(403, "Forbidden", "You attempted to reply to a Tweet that is deleted "
                           "or not visible to you.")  # fmt: skip
        if any(p.text == text and not p.reply_to and not reply_to for p in self.posts.values()):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with "
                           "duplicate content.")  # fmt: skip
        headers = {**self._limits(), "x-user-limit-24hour-limit": "2400",
                   "x-user-limit-24hour-remaining": str(self.daily_remaining),
                   "x-user-limit-24hour-reset": str(int(time.time()) + 86400)}  # fmt: skip
        if reply_to and self.replies_without_id > 0:
            self.replies_without_id -= 1
            return Response(201, {"data": {}}, headers)  # "succeeded", and nothing was posted
        post = Post(id=self._snowflake(), text=text, author=self.user["id"],
                    media_ids=media_ids, reply_to=reply_to,
                    reply_settings=str(body.get("reply_settings") or ""))  # fmt: skip
        self.posts[post.id] = post
        self.daily_remaining -= 1
        return Response(201, {"data": {"id": post.id, "text": text,
                                       "edit_history_tweet_ids": [post.id]}}, headers)  # fmt: skip

    def _timeline(self, request: Request) -> Response:
        if self.timeline_lag > 0:  # X is slow to list new posts
            self.timeline_lag -= 1
            return Response(200, {"meta": {"result_count": 0}}, self._limits())
        count = int(request.query.get("max_results") or 10)
        posts = sorted(self.posts.values(), key=lambda p: int(p.id), reverse=True)[:count]
        return Response(200, {"data": [self._render(p) for p in posts],
                              "meta": {"result_count": len(posts)}}, self._limits())  # fmt: skip

    def _render(self, post: Post) -> dict:
        data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id],
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                            time.gmtime(post.created))}  # fmt: skip
        if post.reply_to:
            data["referenced_tweets"] = [{"type": "replied_to", "id": post.reply_to}]
        return data

    def _lookup(self, request: Request) -> Response:
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            return problem(400, "Invalid Request", "ids: 1 to 100.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        self.metrics_calls.append(ids)
        fields = request.query.get("tweet.fields", "").split(",")
        data, errors = [], []
        for post_id in ids:
            post = self.posts.get(post_id)
            if post is None:
                errors.append({"value": post_id, "resource_id": post_id, "resource_type": "tweet",
                               "title": "Not Found Error", "detail": f"Could not find tweet with "
                               f"ids: [{post_id}].", "parameter": "ids",
                               "type": "https://api.x.com/2/problems/resource-not-found"})  # fmt: skip
                continue
            item = self._render(post)
            seed = int(post.id) % 97
            if "public_metrics" in fields:
                item["public_metrics"] = {self.repost_key: 3 + seed % 5, "reply_count": 2,
                                          "like_count": 40 + seed, "quote_count": 1,
                                          "bookmark_count": 4, "impression_count": 900 + seed}  # fmt: skip
            if "non_public_metrics" in fields:
                if time.time() - post.created > 30 * 86400:
                    return problem(400, "Invalid Request", "non_public_metrics are only "
                                   "available for Tweets created in the last 30 days.",
                                   "https://api.x.com/2/problems/invalid-request")  # fmt: skip
                item["non_public_metrics"] = {"impression_count": 1000 + seed,
                                              "url_link_clicks": 7, "user_profile_clicks": 3,
                                              "engagements": 60}  # fmt: skip
            data.append(item)
        body: dict = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return Response(200, body, self._limits())

    # Media (v2 chunked only) -------------------------------------------------------------------
    def _initialize(self, request: Request) -> Response:
        body = request.form
        total = body.get("total_bytes")
        if not isinstance(total, int) or total <= 0 or not body.get("media_type"):
            return problem(400, "Invalid Request", "media_type and total_bytes are required.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        media = Media(id=self._snowflake(), media_type=body["media_type"],
                      category=str(body.get("media_category") or ""), total=total)  # fmt: skip
        self.media[media.id] = media
        return Response(200, {"data": {"id": media.id, "media_key": f"13_{media.id}",
                                       "expires_after_secs": 86400}}, self._limits())  # fmt: skip

    def _append(self, media_id: str, request: Request) -> Response:
        media = self.media.get(media_id)
        if media is None or media.finalized:
            return problem(400, "Invalid Request", "Unknown or finalized media id.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        fields = _multipart(request)
        chunk = fields.get("media", b"")
        if len(chunk) > MAX_SEGMENT:
            return Response(413, "Request Entity Too Large", {"Content-Type": "text/html"})
        index = int(fields.get("segment_index", b"-1") or -1)
        if index != len(media.segments) or not 0 <= index <= 999:
            return problem(400, "Invalid Request", f"segment_index must be "
                           f"{len(media.segments)}.", "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        media.segments.append(len(chunk))
        media.received += len(chunk)
        return Response(200, {"data": {"expires_at": int(time.time()) + 86400}})

    def _finalize(self, media_id: str) -> Response:
        media = self.media.get(media_id)
        if media is None or media.received != media.total:
            return problem(400, "Invalid Request", "File size does not match total_bytes.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        media.finalized = True
        data = {"id": media.id, "media_key": f"13_{media.id}", "size": media.total,
                "expires_after_secs": 86400}  # fmt: skip
        if media.category in ("tweet_video", "tweet_gif"):
            media.state, media.polls_left = "pending", self.processing_polls
            data["processing_info"] = {"state": "pending", "check_after_secs": 5}
        return Response(200, {"data": data}, self._limits())

    def _status(self, request: Request) -> Response:
        media = self.media.get(request.query.get("media_id", ""))
        if request.query.get("command") != "STATUS" or media is None:
            return problem(400, "Invalid Request", "command=STATUS and a known media_id.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        if media.state in ("pending", "in_progress"):
            media.polls_left -= 1
            media.state = "succeeded" if media.polls_left < 0 else "in_progress"
            if self.processing_fails and media.state == "succeeded":
                media.state = "failed"
        info = {"state": media.state or "succeeded", "progress_percent": 100}
        if media.state == "failed":
            info["error"] = {"code": 1, "name": "InvalidMedia",
                             "message": "Unsupported video format"}  # fmt: skip
        if media.state == "in_progress":
            info.update(check_after_secs=10, progress_percent=50)
        return Response(200, {"data": {"id": media.id, "media_key": f"13_{media.id}",
                                       "processing_info": info}})  # fmt: skip

    def _metadata(self, request: Request) -> Response:
        media = self.media.get(str(request.form.get("id", "")))
        text = ((request.form.get("metadata") or {}).get("alt_text") or {}).get("text", "")
        if media is None or not text or len(text) > 1000:
            return problem(400, "Invalid Request", "A known id and alt_text.text ≤ 1000.",
                           "https://api.x.com/2/problems/invalid-request")  # fmt: skip
        media.alt_text = text
        return Response(200, {"data": {"associated_metadata": True}})


def _multipart(request: Request) -> dict[str, bytes]:
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.message_from_bytes(head + request.body, policy=email.policy.HTTP)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        fields[str(name)] = part.get_payload(decode=True) or b""
    return fields


if __name__ == "__main__":  # standalone: python -m tests.fakes.x [port]
    import sys
    from wsgiref.simple_server import make_server

    from tests.fakes.server import _QuietHandler, _ThreadingServer

    fake = FakeX()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8106
    fake._httpd = make_server("127.0.0.1", port, fake.wsgi, server_class=_ThreadingServer,
                              handler_class=_QuietHandler)  # fmt: skip
    print(f"Fake X on {fake.url}; X_CLIENT_ID={fake.client_id} "
          f"X_CLIENT_SECRET={fake.client_secret} SOCIALDIST_URL_REWRITES={fake.rewrites}")  # fmt: skip
    fake._httpd.serve_forever()
