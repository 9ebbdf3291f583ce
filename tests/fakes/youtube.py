"""Fake Google OAuth + YouTube Data API v3 + YouTube Analytics, built from PLATFORMS.md §7.

Covers the authorize page (redirects back with a code), the token endpoint (code and refresh;
a refresh answer carries no new refresh token; without `access_type=offline` + `prompt=consent`
a repeated grant carries none either), channels?mine=true, the resumable upload (session POST →
Location; chunked PUTs with `Content-Range`, 308 + `Range` until the last byte, then 201 with the
video; `bytes */total` probes; 404 for expired sessions), videos.list (status/processingDetails
progression and string statistics, ≤ 50 ids), thumbnails.set (403 for unverified channels),
analytics reports, and the Google error envelope with `errors[].reason`.

Switches besides FakeServer's: `expire_access_tokens`, `revoke`, `processing_polls`,
`fail_processing`, `reject`, `brand_account`, `refresh_token_on_regrant` (the grant sees no channel), `audited` (False locks
uploads private), `channel_verified`, `analytics_scope`, `quota_exceeded()`, `fail_chunk()`,
`drop_chunk()`, `expire_sessions()`, `fail_500`, `fail_rate_limit`, `media_size`.
"""

import base64
import itertools
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Fault, Request, Response

QUANTUM = 256 * 1024
UPLOAD_HOST = "https://www.googleapis.com"


def google_error(status: int, reason: str, message: str, domain: str = "youtube") -> Response:
    return Response(status, {"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                   404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL"),
    }})  # fmt: skip


@dataclass
class Session:
    id: str
    total: int
    metadata: dict
    channel: str
    received: bytearray = field(default_factory=bytearray)
    video_id: str = ""
    expired: bool = False


@dataclass
class Video:
    id: str
    channel: str
    title: str
    description: str
    tags: list
    category: str
    privacy: str
    made_for_kids: bool
    synthetic: bool
    size: int
    polls_left: int = 0
    upload_status: str = "uploaded"
    processing: str = "processing"
    reason: str = ""
    thumbnail: bool = False
    stats: dict = field(default_factory=dict)


class FakeYouTube(FakeServer):
    client_id = "yt-client-id.apps.googleusercontent.com"
    client_secret = "yt-client-secret"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1000)
        self.subject = "1098765432101234567890"
        self.channels = [{"id": "UCfakeChannel000000000001", "title": "Acme Coffee TV",
                          "customUrl": "@acmecoffee"}]  # fmt: skip
        self.codes: dict[str, dict] = {}
        self.grants = 0  # authorization_code exchanges so far
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, Video] = {}
        self.processing_polls = 1
        self.fail_processing = False
        self.reject = False
        self.brand_account = False
        # False: a reconnect's answer has no refresh token even with prompt=consent (seen when
        # the grant already holds one); the app must keep the one it has.
        self.refresh_token_on_regrant = True
        self.audited = True  # False: YouTube locks every upload private (unaudited project)
        self.channel_verified = True
        self.analytics_scope = True
        self.media_size = 600 * 1024  # bytes served for an external video URL
        self._chunk_faults: list[dict] = []
        self.analytics_calls = 0
        self.list_calls: list[int] = []  # ids per videos.list?part=statistics call

    @property
    def rewrites(self) -> str:
        return ",".join(
            f"{origin}={self.url}"
            for origin in (
                "https://accounts.google.com", "https://oauth2.googleapis.com",
                "https://www.googleapis.com", "https://youtubeanalytics.googleapis.com",
                "https://cdn.example.com",
            )
        )  # fmt: skip

    # switches ----------------------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(google_error(503, "backendError", "Backend Error"), times=times, path=path)

    def fail_rate_limit(self, *, times: int = 1, path: str = "") -> None:
        response = google_error(429, "rateLimitExceeded", "Too many requests.")
        response.headers["Retry-After"] = "30"
        self.fail(response, times=times, path=path)

    def quota_exceeded(self, *, times: int = 1, path: str = "/upload/youtube/v3/videos") -> None:
        self.fail(google_error(403, "quotaExceeded", "The request cannot be completed because "
                               "you have exceeded your quota.", "youtube.quota"),
                  times=times, path=path, method="POST")  # fmt: skip

    def fail_chunk(self, at_byte: int, *, status: int = 503) -> None:
        """The chunk starting at `at_byte` fails with a 5xx; nothing of it is kept."""
        self._chunk_faults.append({"at": at_byte, "status": status})

    def drop_chunk(self, at_byte: int) -> None:
        """The chunk starting at `at_byte` is kept, but the answer is lost."""
        self._chunk_faults.append({"at": at_byte, "drop": True})

    def expire_sessions(self) -> None:
        for session in self.sessions.values():
            session.expired = True

    # routing -----------------------------------------------------------------------------------
    def _take_fault(self, request: Request):
        fault = super()._take_fault(request)
        if fault is None and request.method == "PUT" and self._chunk_faults:
            start = _range_start(request.headers.get("content-range", ""))
            for spec in list(self._chunk_faults):
                if start == spec["at"]:
                    self._chunk_faults.remove(spec)
                    if spec.get("drop"):
                        return Fault(None, 0, drop=True)
                    return Fault(google_error(spec["status"], "backendError", "Backend Error"), 0)
        return fault

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/o/oauth2/v2/auth":
            return self._authorize(request)
        if path == "/token":
            return self._token(request)
        if path == "/revoke":
            token = request.param("token")
            self.access_tokens.discard(token)
            self.refresh_tokens.discard(token)
            return Response(200, {})
        if request.method == "GET" and path.rsplit(".", 1)[-1] in ("mp4", "mov", "webm"):
            return Response(200, bytes(i % 251 for i in range(self.media_size)),
                            {"Content-Type": "video/mp4"})  # fmt: skip
        if request.method == "GET" and path.rsplit(".", 1)[-1] in ("jpg", "jpeg", "png"):
            return Response(200, b"\xff\xd8\xff\xe0fakejpeg", {"Content-Type": "image/jpeg"})
        if path == "/upload/youtube/v3/videos" and request.method == "PUT":
            return self._put(request)  # the session URL is the credential (§7.2)
        if request.bearer not in self.access_tokens:
            return google_error(401, "authError", "Invalid Credentials", "global")
        if path == "/youtube/v3/channels":
            return self._channels(request)
        if path == "/upload/youtube/v3/videos" and request.method == "POST":
            return self._start(request)
        if path == "/youtube/v3/videos" and request.method == "GET":
            return self._videos(request)
        if path == "/upload/youtube/v3/thumbnails/set":
            return self._thumbnail(request)
        if path == "/v2/reports":
            return self._report(request)
        return google_error(404, "notFound", f"Unknown path {path}")

    # OAuth -------------------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        query = request.query
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Response(400, "Error 400: invalid_request (bad client_id or response_type)")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "offline": query.get("access_type") == "offline",
            "consent": query.get("prompt") == "consent",
            "scope": query.get("scope", ""),
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Response(302, "", {"Location": target})

    def _access(self) -> str:
        token = "ya29." + secrets.token_urlsafe(16)
        self.access_tokens.add(token)
        return token

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id,
                                                                  self.client_secret):  # fmt: skip
            return Response(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return Response(400, {"error": "invalid_grant", "error_description": "Malformed "
                                      "auth code."})  # fmt: skip
            self.grants += 1
            scope = grant["scope"]
            if not self.analytics_scope:
                scope = " ".join(s for s in scope.split() if "yt-analytics" not in s)
            answer = {"access_token": self._access(), "expires_in": 3599, "scope": scope,
                      "token_type": "Bearer"}  # fmt: skip
            if "openid" in scope.split():  # an id_token only for the OpenID scope
                answer["id_token"] = _id_token(self.subject)
            # Google sends a refresh token on the first offline grant, and on later ones only
            # with prompt=consent: a reconnect without it drops the refresh token.
            regrant = grant["consent"] and self.refresh_token_on_regrant
            if grant["offline"] and (self.grants == 1 or regrant):
                refresh = "1//" + secrets.token_urlsafe(24)
                self.refresh_tokens.add(refresh)
                answer["refresh_token"] = refresh
            return Response(200, answer)
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return Response(400, {"error": "invalid_grant",
                                      "error_description": "Token has been expired or revoked."})  # fmt: skip
            # No refresh_token in the answer: the old one stays valid (§7.1).
            return Response(200, {"access_token": self._access(), "expires_in": 3599,
                                  "scope": "https://www.googleapis.com/auth/youtube.upload",
                                  "token_type": "Bearer"})  # fmt: skip
        return Response(400, {"error": "unsupported_grant_type", "error_description": "?"})

    # Data API ----------------------------------------------------------------------------------
    def _channels(self, request: Request) -> Response:
        if request.query.get("mine") != "true":
            return google_error(400, "missingRequiredParameter", "mine=true expected")
        if self.brand_account:  # the channel belongs to a Brand Account the person did not pick
            return Response(200, {"kind": "youtube#channelListResponse", "items": [],
                                  "pageInfo": {"totalResults": 0, "resultsPerPage": 5}})  # fmt: skip
        items = [{"kind": "youtube#channel", "id": c["id"],
                  "snippet": {"title": c["title"], "customUrl": c["customUrl"],
                              "thumbnails": {"default": {"url": "https://yt3.example/a.jpg"}}},
                  "status": {"privacyStatus": "public", "longUploadsStatus": "allowed"}}
                 for c in self.channels]  # fmt: skip
        return Response(200, {"kind": "youtube#channelListResponse", "items": items})

    def _start(self, request: Request) -> Response:
        query, body = request.query, request.form
        if query.get("uploadType") != "resumable" or "snippet" not in query.get("part", ""):
            return google_error(400, "invalidParameter", "uploadType=resumable expected")
        try:
            total = int(request.headers.get("x-upload-content-length", ""))
        except ValueError:
            return google_error(400, "invalidParameter", "X-Upload-Content-Length is required")
        snippet, status = body.get("snippet") or {}, body.get("status") or {}
        problem = _metadata_problem(snippet, status)
        if problem:
            return google_error(400, *problem)
        session = Session(id=secrets.token_urlsafe(10), total=total, metadata=body,
                          channel=self.channels[0]["id"] if self.channels else "")  # fmt: skip
        self.sessions[session.id] = session
        location = f"{UPLOAD_HOST}/upload/youtube/v3/videos?" + urlencode(
            {"uploadType": "resumable", "part": query.get("part"), "upload_id": session.id}
        )
        return Response(200, "", {"Location": location})

    def _put(self, request: Request) -> Response:
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None or session.expired:
            return Response(404, "Not Found")
        header = request.headers.get("content-range", "")
        if header == f"bytes */{session.total}":  # a status probe
            if session.video_id:
                return Response(201, self._resource(self.videos[session.video_id]))
            return self._incomplete(session)
        start = _range_start(header)
        try:
            end, total = header.split("-", 1)[1].split("/")
            end, total = int(end), int(total)
        except (IndexError, ValueError):
            return google_error(400, "badContent", f"Bad Content-Range {header!r}")
        data = request.body
        if total != session.total or start != len(session.received) or end - start + 1 != len(data):
            return google_error(400, "badContent", f"Content-Range {header!r} does not continue "
                                f"at byte {len(session.received)} of {session.total}")  # fmt: skip
        final = end + 1 == session.total
        if not final and len(data) % QUANTUM:
            return google_error(400, "badContent", "Chunks must be multiples of 256 KiB.")
        session.received.extend(data)
        if not final:
            return self._incomplete(session)
        video = self._create(session)
        return Response(201, self._resource(video))

    def _incomplete(self, session: Session) -> Response:
        headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
        return Response(308, "", headers)

    def _create(self, session: Session) -> Video:
        snippet, status = (
            session.metadata.get("snippet") or {},
            session.metadata.get("status") or {},
        )
        video = Video(
            id=f"yt{next(self._ids):09d}", channel=session.channel,
            title=snippet.get("title", ""), description=snippet.get("description", ""),
            tags=snippet.get("tags") or [], category=snippet.get("categoryId", ""),
            privacy=status.get("privacyStatus", "public") if self.audited else "private",
            made_for_kids=status.get("selfDeclaredMadeForKids"),
            synthetic=bool(status.get("containsSyntheticMedia")), size=session.total,
            polls_left=self.processing_polls,
        )  # fmt: skip
        if self.fail_processing:
            video.upload_status, video.processing, video.reason = "failed", "failed", "codec"
        elif self.reject:
            video.upload_status, video.processing, video.reason = (
                "rejected",
                "terminated",
                "duplicate",
            )
        self.videos[video.id] = video
        session.video_id = video.id
        return video

    def _resource(self, video: Video) -> dict:
        return {
            "kind": "youtube#video", "id": video.id,
            "snippet": {"title": video.title, "description": video.description,
                        "tags": video.tags, "categoryId": video.category,
                        "channelId": video.channel},
            "status": {"uploadStatus": video.upload_status, "privacyStatus": video.privacy,
                       "selfDeclaredMadeForKids": video.made_for_kids,
                       "containsSyntheticMedia": video.synthetic,
                       **({"failureReason": video.reason} if video.upload_status == "failed" else {}),
                       **({"rejectionReason": video.reason} if video.upload_status == "rejected" else {})},
            "processingDetails": {"processingStatus": video.processing},
        }  # fmt: skip

    def _videos(self, request: Request) -> Response:
        ids = [i for i in request.query.get("id", "").split(",") if i]
        if not 1 <= len(ids) <= 50:
            return google_error(400, "invalidParameter", "1 to 50 ids")
        parts = request.query.get("part", "")
        items = []
        for video_id in ids:
            video = self.videos.get(video_id)
            if video is None:
                continue
            if "processingDetails" in parts and video.processing == "processing":
                video.polls_left -= 1
                if video.polls_left < 0:
                    video.upload_status, video.processing = "processed", "succeeded"
            item = self._resource(video)
            if "statistics" in parts:
                item["statistics"] = {k: str(v) for k, v in _stats(video).items()}
            items.append(item)
        if "statistics" in parts:
            self.list_calls.append(len(ids))
        return Response(200, {"kind": "youtube#videoListResponse", "items": items})

    def _thumbnail(self, request: Request) -> Response:
        video = self.videos.get(request.query.get("videoId", ""))
        if video is None:
            return google_error(404, "videoNotFound", "Video not found.")
        if not self.channel_verified:
            return google_error(403, "forbidden", "The authenticated user doesn't have "
                                "permissions for uploading and setting custom video thumbnails.")  # fmt: skip
        if not request.body:
            return google_error(400, "mediaBodyRequired", "The request has no image.")
        video.thumbnail = True
        return Response(200, {"items": [{"default": {"url": f"https://i.ytimg.com/vi/{video.id}/default.jpg"}}]})  # fmt: skip

    def _report(self, request: Request) -> Response:
        self.analytics_calls += 1
        if not self.analytics_scope:
            return google_error(403, "insufficientPermissions", "Insufficient Permission")
        filters = request.query.get("filters", "")
        ids = filters.removeprefix("video==").split(",") if filters.startswith("video==") else []
        rows = [[v, _stats(self.videos[v])["viewCount"], 321, 45] for v in ids if v in self.videos]
        return Response(200, {
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [{"name": "video", "columnType": "DIMENSION"},
                              {"name": "views", "columnType": "METRIC"},
                              {"name": "estimatedMinutesWatched", "columnType": "METRIC"},
                              {"name": "averageViewDuration", "columnType": "METRIC"}],
            "rows": rows,
        })  # fmt: skip


def _metadata_problem(snippet: dict, status: dict) -> tuple[str, str] | None:
    title = snippet.get("title") or ""
    if not title or len(title) > 100 or "<" in title or ">" in title:
        return "invalidTitle", "The request metadata specifies an invalid video title."
    description = snippet.get("description") or ""
    if len(description.encode()) > 5000 or "<" in description or ">" in description:
        return "invalidDescription", "The request metadata specifies an invalid description."
    tags = snippet.get("tags") or []
    total = sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)
    if total > 500:
        return "invalidTags", "The request metadata specifies invalid video keywords."
    if status.get("privacyStatus") not in ("public", "unlisted", "private"):
        return "invalidVideoMetadata", "The request metadata specifies an invalid privacy status."
    if not isinstance(status.get("selfDeclaredMadeForKids"), bool):
        return "invalidVideoMetadata", "selfDeclaredMadeForKids must be declared."
    return None


def _stats(video: Video) -> dict:
    seed = int(video.id[-4:])
    return video.stats or {"viewCount": 1200 + seed, "likeCount": 80 + seed % 17,
                           "favoriteCount": 0, "commentCount": 7 + seed % 5}  # fmt: skip


def _range_start(header: str) -> int | None:
    try:
        return int(header.removeprefix("bytes ").split("-", 1)[0])
    except ValueError:
        return None


def _id_token(subject: str) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'sub': subject, 'iss': 'accounts.google.com'})}.sig"


if __name__ == "__main__":  # standalone: python -m tests.fakes.youtube [port]
    import sys
    from wsgiref.simple_server import make_server

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8107
    fake = FakeYouTube()
    server = make_server("127.0.0.1", port, fake.wsgi)
    fake._httpd = server  # so fake.url / fake.rewrites name this port
    print(f"Fake YouTube on {fake.url}; SOCIALDIST_URL_REWRITES={fake.rewrites}")
    server.serve_forever()
