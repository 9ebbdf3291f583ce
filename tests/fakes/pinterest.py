"""Fake Pinterest API v5, built from PLATFORMS.md §8.

The authorize page (redirects back with a code), the token endpoint with HTTP Basic client auth
(authorization code, refresh; `refresh_on=true` returns a new refresh token and retires the old
one), user_account, boards paged by `bookmark`, a board's pins, pin creation (image_url,
image_base64, multiple_image_urls / _base64, video_id with a required cover), media registration,
the S3 POST upload (policy fields first, the file last; 204), media status, and pin analytics.
Errors are `{"code", "message"}` with the HTTP status. Switches: FakeServer's fail / hang / drop,
`fail_500`, `fail_rate_limit` (429 code 8 with x-ratelimit-* headers), `expire_access_tokens`,
`revoke`, `processing_polls` (slow video), `video_fails`, `unreachable` (image URLs Pinterest
cannot fetch), `delete_board`. Board ids must be numeric (a name is refused with code 1, as
Pinterest does), and a video pin without a cover image is refused.

Run standalone: python -m tests.fakes.pinterest 8107
"""

import base64
import itertools
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Request, Response

S3 = "https://pinterest-media-upload.s3-accelerate.amazonaws.com"


def error(code: int, message: str, status: int, headers: dict | None = None) -> Response:
    return Response(status, {"code": code, "message": message}, headers or {})


@dataclass
class Pin:
    id: str
    board_id: str
    title: str
    description: str
    link: str
    alt_text: str
    source_type: str
    media: dict
    created: float = field(default_factory=time.time)

    def as_json(self) -> dict:
        return {
            "id": self.id, "board_id": self.board_id, "title": self.title,
            "description": self.description, "link": self.link or None,
            "alt_text": self.alt_text or None, "is_owner": True,
            "created_at": datetime.fromtimestamp(self.created, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "creative_type": "VIDEO" if self.source_type == "video_id" else (
                "CAROUSEL" if self.source_type.startswith("multiple") else "REGULAR"),
            "media": self.media,
        }  # fmt: skip


@dataclass
class Media:
    id: str
    key: str
    status: str = "registered"
    polls_left: int = 0
    size: int = 0


class FakePinterest(FakeServer):
    client_id = "pin-app-id"
    client_secret = "pin-app-secret"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(813744226420795884)
        self._media_ids = itertools.count(12345)
        self.user_id = "549755885175"
        self.username = "acmecoffee"
        self.boards = [
            {"id": "549755885176", "name": "Recipes", "privacy": "PUBLIC"},
            {"id": "549755885177", "name": "Coffee gear", "privacy": "PUBLIC"},
            {"id": "549755885178", "name": "Drafts", "privacy": "SECRET"},
        ]
        self.codes: dict[str, dict] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.refresh_calls: list[dict] = []
        self.pins: dict[str, Pin] = {}
        self.media: dict[str, Media] = {}
        self.uploads: list[list[str]] = []  # the field names of each S3 upload, in order
        self.processing_polls = 0
        self.video_fails = False
        self.unreachable = False  # image_url fetches fail: "Unable to reach the URL"
        self.metrics: dict[str, dict] = {}

    @property
    def rewrites(self) -> str:
        return (
            f"https://www.pinterest.com={self.url},https://api.pinterest.com={self.url},"
            f"{S3}={self.url}/s3"
        )

    # switches ----------------------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(error(1, "Internal server error.", 500), times=times, path=path)

    def fail_rate_limit(self, *, times: int = 1, path: str = "", reset: int = 60) -> None:
        headers = {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "0",
                   "x-ratelimit-reset": str(reset)}  # fmt: skip
        self.fail(
            error(8, "You have exceeded your rate limit. Try again later.", 429, headers),
            times=times, path=path,
        )  # fmt: skip

    def delete_board(self, name: str) -> None:
        self.boards = [b for b in self.boards if b["name"] != name]

    def board_id(self, name: str) -> str:
        return next(b["id"] for b in self.boards if b["name"] == name)

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/oauth/":
            return self._authorize(request)
        if path == "/v5/oauth/token":
            return self._token(request)
        if path.startswith("/s3"):
            return self._s3_upload(request)
        if request.bearer not in self.access_tokens:
            return error(2, "Authentication failed.", 401)
        if path == "/v5/user_account" and request.method == "GET":
            return Response(200, {
                "id": self.user_id, "username": self.username, "account_type": "BUSINESS",
                "business_name": "Acme Coffee", "profile_image": "https://i.pinimg.com/a.jpg",
                "website_url": "https://acme.example",
            })  # fmt: skip
        if path == "/v5/boards" and request.method == "GET":
            return self._boards(request)
        if path.startswith("/v5/boards/") and path.endswith("/pins"):
            return self._board_pins(path.split("/")[3], request)
        if path == "/v5/pins" and request.method == "POST":
            return self._create_pin(request)
        if path == "/v5/media" and request.method == "POST":
            return self._register_media(request)
        if path.startswith("/v5/media/") and request.method == "GET":
            return self._media_status(path.rsplit("/", 1)[-1])
        if path.startswith("/v5/pins/") and path.endswith("/analytics"):
            return self._analytics(path.split("/")[3], request)
        return error(404, f"Unknown path {path}", 404)

    def _authorize(self, request: Request) -> Response:
        query = request.query
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Response(400, "bad client_id or response_type")
        if not query.get("redirect_uri") or not query.get("scope"):
            return Response(400, "redirect_uri and scope are required")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"redirect_uri": query["redirect_uri"]}
        target = (
            f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        )
        return Response(302, "", {"Location": target})

    def _issue(self, *, refresh: bool, response_type: str) -> dict:
        access = "pina_" + secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        tokens = {
            "response_type": response_type, "access_token": access, "token_type": "bearer",
            "expires_in": 2592000, "scope": "boards:read,boards:write,pins:read,pins:write,"
            "user_accounts:read",
        }  # fmt: skip
        if refresh:
            new = "pinr_" + secrets.token_urlsafe(16)
            self.refresh_tokens.add(new)
            tokens |= {"refresh_token": new, "refresh_token_expires_in": 31536000,
                       "refresh_token_expires_at": int(time.time()) + 31536000}  # fmt: skip
        return tokens

    def _token(self, request: Request) -> Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return error(2, "Authentication failed: client credentials are invalid.", 401)
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return error(1, "Content-Type must be application/x-www-form-urlencoded.", 400)
        form = request.form
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return error(1, "Invalid authorization code or redirect_uri.", 400)
            return Response(200, self._issue(refresh=True, response_type="authorization_code"))
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            self.refresh_calls.append(dict(form))
            if old not in self.refresh_tokens:
                return error(2, "Authentication failed: the refresh token is invalid.", 401)
            if form.get("refresh_on") == "true":  # continuous refresh: a new refresh token
                self.refresh_tokens.discard(old)
                return Response(200, self._issue(refresh=True, response_type="everlasting_refresh"))
            return Response(200, self._issue(refresh=False, response_type="refresh_token"))
        return error(1, "Unsupported grant_type.", 400)

    def _boards(self, request: Request) -> Response:
        size = int(request.query.get("page_size") or 25)
        if not 1 <= size <= 250:
            return error(1, "page_size must be between 1 and 250.", 400)
        start = int(request.query.get("bookmark") or 0)
        page = self.boards[start : start + size]
        more = start + size < len(self.boards)
        items = [{**b, "description": "", "pin_count": 0} for b in page]
        return Response(200, {"items": items, "bookmark": str(start + size) if more else None})

    def _board_pins(self, board_id: str, request: Request) -> Response:
        if board_id not in {b["id"] for b in self.boards}:
            return error(40, "Board not found.", 404)
        size = int(request.query.get("page_size") or 25)
        pins = sorted((p for p in self.pins.values() if p.board_id == board_id),
                      key=lambda p: p.created, reverse=True)  # fmt: skip
        return Response(200, {"items": [p.as_json() for p in pins[:size]], "bookmark": None})

    def _create_pin(self, request: Request) -> Response:
        body = request.form
        board = str(body.get("board_id") or "")
        if not board.isdigit():  # a board's name instead of its id
            return error(1, f"Invalid parameters: board_id '{board}' is not a valid id.", 400)
        if board not in {b["id"] for b in self.boards}:
            return error(40, "Board not found.", 404)
        for name, limit in (("title", 100), ("description", 800), ("link", 2048),
                            ("alt_text", 500)):  # fmt: skip
            if len(str(body.get(name) or "")) > limit:
                return error(1, f"Invalid parameters: {name} is longer than {limit}.", 400)
        source = body.get("media_source") or {}
        problem, media = self._media_problem(source)
        if problem:
            return problem
        pin = Pin(id=str(next(self._ids)), board_id=board, title=body.get("title") or "",
                  description=body.get("description") or "", link=body.get("link") or "",
                  alt_text=body.get("alt_text") or "", source_type=source["source_type"],
                  media=media)  # fmt: skip
        self.pins[pin.id] = pin
        return Response(201, pin.as_json())

    def _media_problem(self, source: dict) -> tuple[Response | None, dict]:
        kind = source.get("source_type")
        if kind == "image_url":
            return self._fetch(source.get("url")), {"media_type": "image", "url": source.get("url")}
        if kind == "image_base64":
            return _base64_problem(source), {"media_type": "image"}
        if kind in ("multiple_image_urls", "multiple_image_base64"):
            items = source.get("items") or []
            if not 2 <= len(items) <= 5:
                return error(1, "Invalid parameters: 2 to 5 items.", 400), {}
            for item in items:
                found = self._fetch(item.get("url")) if kind == "multiple_image_urls" else (
                    _base64_problem(item))  # fmt: skip
                if found:
                    return found, {}
            return None, {"media_type": "multiple_images", "count": len(items)}
        if kind == "video_id":
            media = self.media.get(str(source.get("media_id") or ""))
            if media is None or media.status != "succeeded":
                return error(1, "Invalid parameters: the media is not ready or unknown.", 400), {}
            cover_url = source.get("cover_image_url")
            cover_data = source.get("cover_image_content_type") and source.get("cover_image_data")
            if not cover_url and not cover_data:
                return error(
                    1, "Invalid parameters: cover_image_url or cover_image_content_type and "
                    "cover_image_data is required for a video pin.", 400,
                ), {}  # fmt: skip
            return None, {"media_type": "video", "media_id": media.id}
        return error(1, f"Invalid parameters: source_type {kind!r}.", 400), {}

    def _fetch(self, url) -> Response | None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return error(1, "Invalid parameters: url is not a valid URL.", 400)
        if self.unreachable:
            return error(1, f"Unable to reach the URL: {url}", 400)
        return None

    def _register_media(self, request: Request) -> Response:
        if request.form.get("media_type") != "video":
            return error(1, "Invalid parameters: media_type must be video.", 400)
        media = Media(id=str(next(self._media_ids)), key=f"uploads/{secrets.token_hex(8)}")
        self.media[media.id] = media
        return Response(201, {
            "media_id": media.id, "media_type": "video", "upload_url": S3 + "/",
            "upload_parameters": {
                "x-amz-date": "20260901T000000Z", "x-amz-signature": secrets.token_hex(16),
                "x-amz-security-token": secrets.token_hex(16), "x-amz-algorithm":
                "AWS4-HMAC-SHA256", "key": media.key, "policy": "eyJwb2xpY3kiOiJmYWtlIn0=",
                "x-amz-credential": "AKIAFAKE/20260901/us-east-1/s3/aws4_request",
                "Content-Type": "multipart/form-data",
            },
        })  # fmt: skip

    def _s3_upload(self, request: Request) -> Response:
        """S3 POST policy: every policy field as a form field, the file last; 204."""
        parts = _multipart(request)
        names = [name for name, _ in parts]
        self.uploads.append(names)
        fields = dict(parts)
        media = next((m for m in self.media.values() if m.key == fields.get("key")), None)
        required = ("key", "policy", "x-amz-signature", "x-amz-credential", "x-amz-algorithm",
                    "x-amz-date", "x-amz-security-token")  # fmt: skip
        if media is None or any(name not in fields for name in required):
            return Response(403, "<Error><Code>AccessDenied</Code></Error>",
                            {"Content-Type": "application/xml"})  # fmt: skip
        if not names or names[-1] != "file" or not fields["file"]:
            return Response(400, "<Error><Code>InvalidArgument</Code><Message>The file must be "
                            "the last field.</Message></Error>", {"Content-Type": "application/xml"})  # fmt: skip
        media.size = len(fields["file"])
        media.status = "processing"
        media.polls_left = self.processing_polls
        return Response(204, "")

    def _media_status(self, media_id: str) -> Response:
        media = self.media.get(media_id)
        if media is None:
            return error(404, "Media not found.", 404)
        if media.status == "processing":
            if self.video_fails:
                media.status = "failed"
            elif media.polls_left > 0:
                media.polls_left -= 1
            else:
                media.status = "succeeded"
        return Response(200, {"media_id": media.id, "media_type": "video", "status": media.status})

    def _analytics(self, pin_id: str, request: Request) -> Response:
        if pin_id not in self.pins:
            return error(50, "Pin not found.", 404)
        for name in ("start_date", "end_date", "metric_types"):
            if not request.query.get(name):
                return error(1, f"Invalid parameters: {name} is required.", 400)
        seed = int(pin_id[-3:])
        counts = self.metrics.get(pin_id) or {
            "IMPRESSION": 240 + seed % 50, "SAVE": 20 + seed % 7, "PIN_CLICK": 37 + seed % 5,
            "OUTBOUND_CLICK": 20 + seed % 3, "TOTAL_COMMENTS": 10, "TOTAL_REACTIONS": 12,
        }  # fmt: skip
        daily = {k: v for k, v in counts.items() if not k.startswith("TOTAL_")}
        lifetime = {k: v for k, v in counts.items() if k.startswith("TOTAL_")}
        return Response(200, {"all": {
            "lifetime_metrics": lifetime,
            "daily_metrics": [{"date": request.query["end_date"], "data_status": "READY",
                               "metrics": daily}],
            "summary_metrics": daily,
        }})  # fmt: skip


def _base64_problem(item: dict) -> Response | None:
    if item.get("content_type") not in ("image/jpeg", "image/png"):
        return error(1, "Invalid parameters: content_type must be image/jpeg or image/png.", 400)
    try:
        base64.b64decode(item.get("data") or "", validate=True)
    except ValueError:
        return error(235, "Image broken: the data is not base64.", 400)
    return None if item.get("data") else error(1, "Invalid parameters: data is empty.", 400)


def _multipart(request: Request) -> list[tuple[str, bytes | str]]:
    """multipart/form-data fields in order (a field's value is text, the file's bytes)."""
    content_type = request.headers.get("content-type", "")
    if "boundary=" not in content_type:
        return []
    boundary = b"--" + content_type.split("boundary=", 1)[1].strip('"').encode()
    parts: list[tuple[str, bytes | str]] = []
    for chunk in request.body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, value = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        disposition = next((line for line in head.decode().splitlines()
                            if line.lower().startswith("content-disposition")), "")  # fmt: skip
        name = disposition.split('name="', 1)[1].split('"', 1)[0] if 'name="' in disposition else ""
        is_file = "filename=" in disposition
        parts.append((name, value if is_file else value.decode()))
    return parts


if __name__ == "__main__":  # pragma: no cover - a sandbox serves the fake on a fixed port
    from wsgiref.simple_server import make_server

    from tests.fakes.server import _QuietHandler, _ThreadingServer

    fake = FakePinterest()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8107
    server = make_server("127.0.0.1", port, fake.wsgi, server_class=_ThreadingServer,
                         handler_class=_QuietHandler)  # fmt: skip
    print(f"Fake Pinterest on http://127.0.0.1:{port} (client {fake.client_id})")
    server.serve_forever()
