"""Fake self-hosted WordPress REST API (`wp/v2`), built from PLATFORMS.md §9.

Basic auth with application passwords; `{"code", "message", "data": {"status"}}` errors; 201 for
created posts, media and terms; `term_exists` with `data.term_id`; slugs made unique the way
WordPress does (`-2`); `X-WP-Total` on lists; Jetpack Stats views per post. It also serves test
images under /images/ (a CDN stand-in, `https://cdn.example.com` is rewritten there).

Switches (besides FakeServer's fail/hang/drop): `strip_authorization` (the web server removes the
header: `rest_not_logged_in`), `role = "contributor"` (`rest_cannot_publish`), `revoke()` (the
application password deleted: `incorrect_password`), `jetpack = False`, `editor_publishes(id)`.

Run standalone: `python -m tests.fakes.wordpress 8110` (user `editor`, password below).
"""

import base64
import itertools
import sys
import time

from tests.fakes.server import FakeServer, Request, Response

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def wp_error(status: int, code: str, message: str, **data) -> Response:
    return Response(status, {"code": code, "message": message, "data": {"status": status, **data}})


class FakeWordPress(FakeServer):
    username = "editor"
    password = "abcd efgh ijkl mnop qrst uvwx"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(101)
        self.site_name = "Acme Journal"
        self.role = "editor"
        self.passwords = {"".join(self.password.split())}
        self.strip_authorization = False
        self.jetpack = True
        self.posts: dict[int, dict] = {}
        self.media: dict[int, dict] = {}
        self.terms: dict[str, dict[int, str]] = {"tags": {}, "categories": {1: "Uncategorized"}}
        self.comments: dict[int, int] = {}
        self.views: dict[int, int] = {}

    @property
    def rewrites(self) -> str:
        return f"https://cdn.example.com={self.url}/images"

    # switches ----------------------------------------------------------------------------------
    def revoke(self) -> None:
        self.passwords.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(wp_error(500, "internal_server_error", "There has been a critical error."),
                  times=times, path=path)  # fmt: skip

    def fail_rate_limit(self, *, times: int = 1, path: str = "") -> None:
        # Core has no rate limit; a host/WAF answers 429 with Retry-After.
        response = wp_error(429, "too_many_requests", "Too many requests.")
        response.headers["Retry-After"] = "120"
        self.fail(response, times=times, path=path)

    def editor_publishes(self, post_id: int) -> None:
        self.posts[post_id]["status"] = "publish"

    def published(self) -> list[dict]:
        return [p for p in self.posts.values() if p["status"] == "publish"]

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/images/"):
            return Response(200, PNG, {"Content-Type": "image/png"})
        if not path.startswith("/wp-json"):
            return Response(404, "<html>Not Found</html>")
        route = path[len("/wp-json") :].rstrip("/") or "/"
        if route == "/":
            namespaces = ["wp/v2"] + (["jetpack/v4"] if self.jetpack else [])
            return Response(200, {"name": self.site_name, "url": self.url,
                                  "namespaces": namespaces})  # fmt: skip
        denied = self._authenticate(request, route)
        if denied:
            return denied
        return self._route(request, route)

    def _authenticate(self, request: Request, route: str) -> Response | None:
        header = "" if self.strip_authorization else request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            if route == "/wp/v2/users/me":
                return wp_error(401, "rest_not_logged_in", "You are not currently logged in.")
            return wp_error(401, "rest_cannot_create",
                            "Sorry, you are not allowed to do that as this user.")  # fmt: skip
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user != self.username:
            return wp_error(401, "invalid_username", "Unknown username. Check again or try "
                            "your email address.")  # fmt: skip
        if "".join(password.split()) not in self.passwords:
            return wp_error(401, "incorrect_password", "The provided password is an invalid "
                            "application password.")  # fmt: skip
        return None

    def _route(self, request: Request, route: str) -> Response:
        method = request.method
        parts = route.strip("/").split("/")
        if route == "/wp/v2/users/me":
            return Response(200, {"id": 7, "name": "Eda Editor", "slug": self.username,
                                  "roles": [self.role]})  # fmt: skip
        if route == "/wp/v2/media" and method == "POST":
            return self._upload(request)
        if parts[:2] == ["wp", "v2"] and len(parts) == 3 and parts[2] in self.terms:
            return self._terms(request, parts[2])
        if route == "/wp/v2/posts" and method == "POST":
            return self._create(request.form)
        if route == "/wp/v2/posts" and method == "GET":
            slug = request.query.get("slug")
            found = [p for p in self.posts.values() if p["slug"] == slug]
            if request.query.get("status") != "any":
                found = [p for p in found if p["status"] == "publish"]
            return Response(200, found, {"X-WP-Total": str(len(found))})
        if parts[:3] == ["wp", "v2", "posts"] and len(parts) == 4:
            post = self.posts.get(int(parts[3])) if parts[3].isdigit() else None
            if post is None:
                return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
            if method == "POST":
                return self._update(post, request.form)
            return Response(200, post)
        if route == "/wp/v2/comments":
            count = self.comments.get(int(request.query.get("post", 0)), 0)
            return Response(200, [], {"X-WP-Total": str(count), "X-WP-TotalPages": "1"})
        if self.jetpack and parts[:5] == ["jetpack", "v4", "stats-app", "stats", "post"]:
            post_id = int(parts[5])
            return Response(200, {"post": post_id, "views": self.views.get(post_id, 42)})
        return wp_error(404, "rest_no_route", "No route was found matching the URL and request "
                        "method.")  # fmt: skip

    def _can_publish(self) -> bool:
        return self.role in ("author", "editor", "administrator")

    def _upload(self, request: Request) -> Response:
        if self.role == "contributor":
            return wp_error(403, "rest_cannot_create",
                            "Sorry, you are not allowed to upload media on this site.")  # fmt: skip
        disposition = request.headers.get("content-disposition", "")
        if "filename=" not in disposition or not request.body:
            return wp_error(400, "rest_upload_no_data", "No data supplied.")
        filename = disposition.split("filename=", 1)[1].strip('"')
        media_id = next(self._ids)
        self.media[media_id] = {
            "id": media_id, "media_type": "image", "mime_type": request.headers["content-type"],
            "source_url": f"{self.url}/wp-content/uploads/2026/12/{media_id}-{filename}",
            "alt_text": request.query.get("alt_text", ""), "bytes": len(request.body),
        }  # fmt: skip
        return Response(201, {k: v for k, v in self.media[media_id].items() if k != "bytes"})

    def _terms(self, request: Request, taxonomy: str) -> Response:
        terms = self.terms[taxonomy]
        if request.method == "POST":
            name = request.form.get("name", "")
            for term_id, existing in terms.items():
                if existing.casefold() == name.casefold():
                    return wp_error(400, "term_exists", "A term with the name provided already "
                                    "exists with this parent.", term_id=term_id)  # fmt: skip
            term_id = next(self._ids)
            terms[term_id] = name
            return Response(201, {"id": term_id, "name": name})
        search = request.query.get("search", "").casefold()
        found = [{"id": i, "name": n} for i, n in terms.items() if search in n.casefold()]
        return Response(200, found, {"X-WP-Total": str(len(found))})

    def _create(self, form: dict) -> Response:
        status = form.get("status", "draft")
        if status in ("publish", "future", "private") and not self._can_publish():
            return wp_error(403, "rest_cannot_publish",
                            "Sorry, you are not allowed to publish posts as this user.")  # fmt: skip
        if not (form.get("title") or form.get("content")):
            return wp_error(400, "empty_content", "Content, title, and excerpt are empty.")
        slug = form.get("slug") or "post"
        taken = {p["slug"] for p in self.posts.values()}
        unique, n = slug, 2
        while unique in taken:  # WordPress quietly makes the slug unique
            unique, n = f"{slug}-{n}", n + 1
        post_id = next(self._ids)
        self.posts[post_id] = {
            "id": post_id, "slug": unique, "status": status,
            "title": {"raw": form.get("title", ""), "rendered": form.get("title", "")},
            "content": {"raw": form.get("content", ""), "rendered": form.get("content", "")},
            "excerpt": {"raw": form.get("excerpt", "")},
            "tags": form.get("tags", []), "categories": form.get("categories", [1]),
            "featured_media": form.get("featured_media", 0),
            "link": f"{self.url}/2026/12/{unique}/",
            "date_gmt": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
        }  # fmt: skip
        return Response(201, self.posts[post_id], {"Location": f"/wp-json/wp/v2/posts/{post_id}"})

    def _update(self, post: dict, form: dict) -> Response:
        if form.get("status") == "publish" and not self._can_publish():
            return wp_error(403, "rest_cannot_publish",
                            "Sorry, you are not allowed to publish posts as this user.")  # fmt: skip
        post.update({k: v for k, v in form.items() if k in ("status", "slug")})
        return Response(200, post)


if __name__ == "__main__":  # pragma: no cover - manual runs
    from wsgiref.simple_server import make_server

    from tests.fakes.server import _QuietHandler, _ThreadingServer

    fake = FakeWordPress()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8110
    fake._httpd = make_server("127.0.0.1", port, fake.wsgi, server_class=_ThreadingServer,
                              handler_class=_QuietHandler)  # fmt: skip
    print(f"Fake WordPress on {fake.url} (user {fake.username}, application password "
          f"{fake.password!r})")  # fmt: skip
    fake._httpd.serve_forever()
