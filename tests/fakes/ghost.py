"""Fake Ghost Admin API, built from PLATFORMS.md §11.

Checks every request's `Authorization: Ghost <jwt>` like Ghost: HS256 signed with the hex-decoded
secret, `kid` = a known key id, `aud=/admin/`, at most 5 minutes between iat and exp, not expired
— by the fake's clock: the process clock, or with `real_clock` the real time (tracked with the
monotonic clock, which time-machine leaves alone, so travelling in a test skews only the app).
`{"posts": [...]}` both ways; slugs made unique (`-2`); 409 UpdateCollisionError on a stale
`updated_at`; multipart `images/upload/`; a newsletter sends an email with stats on the post
(`?include=email`). Switches: `revoke()`, FakeServer's fail/hang/drop, `editor_publishes(id)`.

Run standalone: `python -m tests.fakes.ghost 8111` (it prints the Admin API key).
"""

import itertools
import re
import sys
import time

import jwt

from tests.fakes.server import FakeServer, Request, Response
from tests.fakes.wordpress import PNG

PREFIX = "/ghost/api/admin/"


def ghost_error(status: int, kind: str, message: str, *, code=None, context=None, prop=None):
    return Response(status, {"errors": [{
        "message": message, "context": context, "type": kind, "details": None, "property": prop,
        "help": None, "code": code, "id": "e6f4c1a0", "ghostErrorCode": None,
    }]})  # fmt: skip


class FakeGhost(FakeServer):
    key_id = "6489e5d8b2c0a91f3c4d5e6f"
    secret = "a1" * 32

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.keys = {self.key_id: bytes.fromhex(self.secret)}
        self.title = "Acme Notes"
        self.posts: dict[str, dict] = {}
        self.images: list[dict] = []
        self.emails: list[str] = []  # post ids emailed to the newsletter
        self._wall, self._mono = time.time(), time.monotonic()
        self.real_clock = False

    @property
    def admin_api_key(self) -> str:
        return f"{self.key_id}:{self.secret}"

    @property
    def rewrites(self) -> str:
        return f"https://cdn.example.com={self.url}/images"

    def now(self) -> float:
        if self.real_clock:  # untouched by time-machine in the test process
            return self._wall + (time.monotonic() - self._mono)
        return time.time()

    # switches ----------------------------------------------------------------------------------
    def revoke(self) -> None:
        self.keys.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(ghost_error(500, "InternalServerError", "An unexpected error occurred."),
                  times=times, path=path)  # fmt: skip

    def fail_rate_limit(self, *, times: int = 1, path: str = "") -> None:
        response = ghost_error(429, "TooManyRequestsError", "Too many requests.")
        response.headers["Retry-After"] = "60"  # host throttling (Ghost(Pro))
        self.fail(response, times=times, path=path)

    def editor_publishes(self, post_id: str) -> None:
        self.posts[post_id]["status"] = "published"

    def published(self) -> list[dict]:
        return [p for p in self.posts.values() if p["status"] == "published"]

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path.startswith("/images/"):
            return Response(200, PNG, {"Content-Type": "image/png"})
        if not request.path.startswith(PREFIX):
            return ghost_error(404, "NotFoundError", "Resource not found")
        denied = self._authenticate(request.headers.get("authorization", ""))
        if denied:
            return denied
        route = request.path[len(PREFIX) :].strip("/").split("/")
        method = request.method
        if route == ["site"]:
            return Response(200, {"site": {"title": self.title, "url": self.url + "/",
                                           "version": "6.0"}})  # fmt: skip
        if route == ["newsletters"]:
            return Response(200, {"newsletters": [{"id": "n1", "slug": "default-newsletter",
                                                   "status": "active"}]})  # fmt: skip
        if route == ["images", "upload"] and method == "POST":
            return self._upload(request)
        if route == ["posts"] and method == "GET":
            return Response(200, {"posts": list(self.posts.values())[:1], "meta": {}})
        if route == ["posts"] and method == "POST":
            return self._create(request)
        if route[:2] == ["posts", "slug"] and len(route) == 3:
            found = [p for p in self.posts.values() if p["slug"] == route[2]]
            if not found:
                return ghost_error(404, "NotFoundError", "Post not found.")
            return Response(200, {"posts": found})
        if route[0] == "posts" and len(route) == 2:
            post = self.posts.get(route[1])
            if post is None:
                return ghost_error(404, "NotFoundError", "Post not found.")
            if method == "PUT":
                return self._update(post, request)
            shown = dict(post)
            if "email" not in request.query.get("include", ""):
                shown.pop("email", None)
            return Response(200, {"posts": [shown]})
        return ghost_error(404, "NotFoundError", "Resource not found")

    def _authenticate(self, header: str) -> Response | None:
        def invalid(context: str, message: str = "Invalid token") -> Response:
            return ghost_error(401, "UnauthorizedError", message, code="INVALID_JWT",
                               context=context)  # fmt: skip

        if not header.startswith("Ghost "):
            return ghost_error(401, "UnauthorizedError", "Authorization header format is "
                               "\"Authorization: Ghost [token]\"", code="INVALID_AUTH_HEADER")  # fmt: skip
        token = header[6:]
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return invalid("Invalid token: jwt malformed")
        secret = self.keys.get(head.get("kid", ""))
        if secret is None:
            return invalid("Unknown Admin API Key", message="Unknown Admin API Key")
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], audience="/admin/",
                                options={"verify_exp": False, "verify_iat": False})  # fmt: skip
        except jwt.InvalidAudienceError:
            return invalid("Invalid token: jwt audience invalid. expected: /admin/")
        except jwt.PyJWTError:
            return invalid("Invalid token: invalid signature")
        if claims.get("exp", 0) - claims.get("iat", 0) > 300:
            return invalid("Invalid token: jwt maxAge exceeded (lifetime over 5 minutes)")
        if claims.get("exp", 0) <= self.now():
            return invalid("Invalid token: jwt expired")
        return None

    def _upload(self, request: Request) -> Response:
        match = re.search(rb'name="file"; filename="([^"]+)"', request.body)
        if not match:
            return ghost_error(422, "ValidationError", "Please select an image.", prop="file")
        name = match.group(1).decode()
        url = f"{self.url}/content/images/2026/12/{len(self.images) + 1}-{name}"
        self.images.append({"url": url, "bytes": len(request.body)})
        return Response(201, {"images": [{"url": url, "ref": name}]})

    def _stamp(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.now())) + str(
            next(self._ids)
        )

    def _create(self, request: Request) -> Response:
        posts = request.form.get("posts") or [{}]
        data = posts[0]
        if not data.get("title"):
            return ghost_error(422, "ValidationError", "Validation error, cannot save post.",
                               context="Value in [posts.title] cannot be blank.", prop="title")  # fmt: skip
        slug = data.get("slug") or "untitled"
        taken = {p["slug"] for p in self.posts.values()}
        unique, n = slug, 2
        while unique in taken:
            unique, n = f"{slug}-{n}", n + 1
        post_id = f"{next(self._ids):024x}"
        post = {**data, "id": post_id, "uuid": f"u-{post_id}", "slug": unique,
                "status": data.get("status", "draft"), "url": f"{self.url}/{unique}/",
                "updated_at": self._stamp(), "source": request.query.get("source", "")}  # fmt: skip
        self.posts[post_id] = post
        self._maybe_email(post, request)
        return Response(201, {"posts": [post]})

    def _update(self, post: dict, request: Request) -> Response:
        change = (request.form.get("posts") or [{}])[0]
        if change.get("updated_at") != post["updated_at"]:
            return ghost_error(409, "UpdateCollisionError", "Saving failed! Someone else is "
                               "editing this post.", code="UPDATE_COLLISION")  # fmt: skip
        post.update({k: v for k, v in change.items() if k != "updated_at"})
        post["updated_at"] = self._stamp()
        self._maybe_email(post, request)
        return Response(200, {"posts": [post]})

    def _maybe_email(self, post: dict, request: Request) -> None:
        if request.query.get("newsletter") and post["status"] == "published":
            self.emails.append(post["id"])
            post["email"] = {"email_count": 120, "delivered_count": 118, "opened_count": 64,
                             "failed_count": 2}  # fmt: skip


if __name__ == "__main__":  # pragma: no cover - manual runs
    from wsgiref.simple_server import make_server

    from tests.fakes.server import _QuietHandler, _ThreadingServer

    fake = FakeGhost()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8111
    fake._httpd = make_server("127.0.0.1", port, fake.wsgi, server_class=_ThreadingServer,
                              handler_class=_QuietHandler)  # fmt: skip
    print(f"Fake Ghost on {fake.url} (Admin API key {fake.admin_api_key})")
    fake._httpd.serve_forever()
