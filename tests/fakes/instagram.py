"""Fake Meta Graph API for Instagram (Facebook Login) and Facebook Pages, from PLATFORMS.md §1–3.

Facebook Pages: Page tokens from /me/accounts, /{page}/feed (POST, and GET for recent posts),
/{page}/photos (published or not), /{page}/video_reels start/finish, the rupload host, video status
with processing polls, and post permalinks. `expire_tokens()` kills user and Page tokens at once,
as revoking the shared Meta grant does.

Covers the OAuth dialog and token endpoints, /me, /me/permissions, /me/accounts (paged), IG user
fields, media containers (with processing time), container status, media_publish, media fields
with permalink, recent media, content_publishing_limit, and Meta's error envelope.

Comments on a published IG media or Facebook post: POST /{id}/comments (message=…) and
GET /{id}/comments, kept per media/post in `comments` so tests can count them.

Switches: fail(...) / hang(...) from FakeServer, plus the helpers below for 500s, rate limits,
expired tokens and slow processing; `processing_polls` makes video containers stay IN_PROGRESS.
"""

import itertools
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Request, Response

VERSION = "v25.0"
LONG_LIVED_SECONDS = 5183944


def meta_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    status: int = 400,
    transient: bool = False,
    headers: dict | None = None,
) -> Response:
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
        "is_transient": transient,
    }
    if subcode:
        error["error_subcode"] = subcode
    return Response(status, {"error": error}, headers or {})


@dataclass
class Container:
    id: str
    ig_user: str
    params: dict
    status: str = "FINISHED"
    polls_left: int = 0
    published_media: str = ""
    ends_as: str = "FINISHED"  # what processing ends in (ERROR / EXPIRED with fail_containers)
    detail: str = ""  # Meta's `status` text; for ERROR an error subcode such as 2207026


@dataclass
class Media:
    id: str
    ig_user: str
    caption: str
    media_type: str
    product_type: str
    shortcode: str = field(default_factory=lambda: secrets.token_urlsafe(8).replace("-", "x"))

    @property
    def permalink(self) -> str:
        kind = "reel" if self.product_type == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"


class FakeInstagram(FakeServer):
    client_id = "ig-client-id"
    client_secret = "ig-client-secret"

    def __init__(self, *, pages: int = 1) -> None:
        super().__init__()
        self._ids = itertools.count(17900000000000000)
        self.user_id = "10150000001"
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.tokens: set[str] = set()
        self.pages = [
            {
                "id": f"1000{n}",
                "name": f"Brand Page {n}",
                "ig": {"id": f"178414000{n}", "username": f"brand{n}", "name": f"Brand {n}"},
            }
            for n in range(1, pages + 1)
        ]
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.quota_total = 50
        self.processing_polls = 0  # status checks a video container answers IN_PROGRESS
        self.publish_calls: dict[str, int] = {}  # container id -> media_publish calls
        self.container_failure: tuple[str, str] | None = None  # see fail_containers
        # Facebook Pages
        self.revoked_pages = False
        self.fb_posts: dict[str, dict] = {}  # post id -> {"page", "message", "link", "photos"}
        self.fb_photos: dict[str, dict] = {}  # photo id -> {"page", "url", "published"}
        self.fb_videos: dict[str, dict] = {}  # video id -> {"page", "uploaded", "finished", ...}
        self.video_processing_polls = 0
        self._fields = ""
        # IG media id or FB post id -> comments posted on it ({"id", "message", "token"}).
        self.comments: dict[str, list[dict]] = {}
        # Metrics: set per id to control them; otherwise derived from the id.
        self.metrics: dict[str, dict] = {}

    # switches ----------------------------------------------------------------------------------
    @property
    def rewrites(self) -> str:
        return (
            f"https://graph.facebook.com={self.url},https://www.facebook.com={self.url},"
            f"https://rupload.facebook.com={self.url}"
        )

    def page_tokens(self) -> set[str]:
        return set() if self.revoked_pages else {"page-token-" + p["id"] for p in self.pages}

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(
            meta_error(2, "Service temporarily unavailable", status=500, transient=True),
            times=times,
            path=path,
        )

    def fail_rate_limit(self, *, minutes: int = 5, times: int = 1, path: str = "") -> None:
        usage = (
            '{"1": [{"type": "instagram", "call_count": 100, "total_cputime": 10, '
            f'"total_time": 10, "estimated_time_to_regain_access": {minutes}}}]}}'
        )
        self.fail(
            meta_error(
                80002,
                "Too many calls to this Instagram account",
                headers={"X-Business-Use-Case-Usage": usage},
            ),
            times=times,
            path=path,
        )

    def fail_http_429(self, *, retry_after: int = 120, times: int = 1, path: str = "") -> None:
        self.fail(
            Response(
                429, {"error": {"message": "Too Many Requests"}}, {"Retry-After": str(retry_after)}
            ),
            times=times,
            path=path,
        )

    def fail_containers(self, status_code: str = "ERROR", status: str = "2207026") -> None:
        """Containers created from now on end as `status_code` (ERROR or EXPIRED) instead of
        FINISHED, with `status` as Meta's detail (PLATFORMS.md §2.2)."""
        self.container_failure = (status_code, status)

    def expire_tokens(self) -> None:
        """Every token stops working (password change / revoked grant), Page tokens too."""
        self.tokens.clear()
        self.revoked_pages = True

    def metrics_for(self, node_id: str) -> dict:
        if node_id in self.metrics:
            return self.metrics[node_id]
        seed = int("".join(c for c in node_id if c.isdigit())[-4:] or 0)
        return {"reach": 1000 + seed % 500, "views": 1500 + seed % 700, "likes": 40 + seed % 60,
                "comments": 5 + seed % 9, "saved": 3 + seed % 7, "shares": 2 + seed % 5,
                "clicks": 10 + seed % 11, "total_interactions": 0}  # fmt: skip

    def published_count(self) -> int:
        return sum(self.publish_calls.values())

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(f"/{VERSION}").rstrip("/")
        parts = [p for p in path.split("/") if p]
        if parts == ["dialog", "oauth"]:
            return self._dialog(request)
        if parts == ["oauth", "access_token"]:
            return self._access_token(request)
        if parts and parts[0] == "video-upload":  # rupload host: OAuth header only
            return self._rupload(parts[-1], request)
        if request.bearer not in self.tokens and request.bearer not in self.page_tokens():
            return meta_error(
                190, "Error validating access token: Session has expired", subcode=463
            )
        page = self._page(parts[0]) if parts else None
        if page and len(parts) == 2:
            return self._page_call(page, parts[1], request)
        if parts == ["me"]:
            return Response(200, {"id": self.user_id, "name": "Fake Marketer"})
        if parts == ["me", "permissions"]:
            return Response(
                200,
                {
                    "data": [
                        {"permission": p, "status": "granted"}
                        for p in (
                            "instagram_basic",
                            "instagram_content_publish",
                            "pages_show_list",
                            "pages_manage_posts",
                            "publish_video",
                        )
                    ]
                },
            )
        if parts == ["me", "accounts"]:
            return self._accounts(request)
        if len(parts) == 2 and parts[1] == "comments":
            return self._comments(parts[0], request)
        if len(parts) == 2 and parts[1] == "insights" and parts[0] in self.media:
            values = self.metrics_for(parts[0])
            return Response(200, {"data": [
                {"name": name, "period": "lifetime", "values": [{"value": value}],
                 "id": f"{parts[0]}/insights/{name}/lifetime"}
                for name, value in values.items()
                if name in request.query.get("metric", "").split(",")
            ]})  # fmt: skip
        if len(parts) == 2 and parts[1] == "media" and request.method == "POST":
            return self._create_container(parts[0], request)
        if len(parts) == 2 and parts[1] == "media":
            return self._recent_media(parts[0])
        if len(parts) == 2 and parts[1] == "media_publish":
            return self._publish(parts[0], request)
        if len(parts) == 2 and parts[1] == "content_publishing_limit":
            used = sum(1 for m in self.media.values() if m.ig_user == parts[0])
            return Response(
                200,
                {
                    "data": [
                        {
                            "quota_usage": used,
                            "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                        }
                    ]
                },
            )
        if len(parts) == 1:
            self._fields = request.query.get("fields", "")
            return self._node(parts[0])
        return meta_error(100, f"Unknown path components: {path}")

    # Comments ---------------------------------------------------------------------------------
    def comments_on(self, node_id: str) -> list[str]:
        """The texts of the comments on one media or post, oldest first."""
        return [c["message"] for c in self.comments.get(node_id, [])]

    def _comments(self, node_id: str, request: Request) -> Response:
        if node_id in self.fb_posts:  # as the Page, with its Page token
            page = self.fb_posts[node_id]["page"]
            if request.bearer != "page-token-" + page:
                return meta_error(200, "(#200) Requires a Page access token")
            author = {"from": {"id": page, "name": self._page(page)["name"]}}
        elif node_id in self.media:  # as the IG account, with the user token
            if request.bearer not in self.tokens:
                return meta_error(190, "Invalid OAuth access token.")
            ig = self._ig_user(self.media[node_id].ig_user) or {}
            author = {"username": ig.get("username", "")}
        else:
            return meta_error(
                100, f"Unsupported post request. Object with ID '{node_id}' does not exist",
                subcode=33,
            )  # fmt: skip
        comments = self.comments.setdefault(node_id, [])
        if request.method == "POST":
            message = request.param("message")
            if not message:
                return meta_error(100, "(#100) The parameter message is required")
            comment_id = f"{node_id.split('_')[-1]}_{next(self._ids)}"
            comments.append(
                {"id": comment_id, "message": message, "token": request.bearer, **author}
            )
            return Response(200, {"id": comment_id})
        text = "message" if node_id in self.fb_posts else "text"
        return Response(200, {"data": [
            {"id": c["id"], text: c["message"], **{k: c[k] for k in ("from", "username") if k in c}}
            for c in comments
        ]})  # fmt: skip

    # Facebook Pages ---------------------------------------------------------------------------
    def _page(self, node_id: str) -> dict | None:
        return next((p for p in self.pages if p["id"] == node_id), None)

    def _page_call(self, page: dict, edge: str, request: Request) -> Response:
        if request.bearer != "page-token-" + page["id"]:
            return meta_error(200, "(#200) Requires a Page access token")
        if edge == "feed" and request.method == "GET":
            posts = [
                {"id": pid, "message": p["message"], "created_time": "2026-11-21T10:00:00+0000"}
                for pid, p in self.fb_posts.items()
                if p["page"] == page["id"]
            ][::-1][:10]
            return Response(200, {"data": posts})
        if edge == "feed":
            message, link = request.param("message"), request.param("link")
            attached = request.form.get("attached_media") or []
            if not (message or link or attached):
                return meta_error(100, "(#100) Missing message or attachment")
            return Response(
                200, {"id": self._fb_post(page, message, link, [a["media_fbid"] for a in attached])}
            )
        if edge == "photos":
            photo_id = str(next(self._ids))
            published = request.param("published", "true") != "false"
            self.fb_photos[photo_id] = {
                "page": page["id"],
                "url": request.param("url"),
                "published": published,
            }
            if not published:
                return Response(200, {"id": photo_id})
            post_id = self._fb_post(page, request.param("caption"), "", [photo_id])
            return Response(200, {"id": photo_id, "post_id": post_id})
        if edge == "video_reels":
            return self._reels(page, request)
        return meta_error(100, f"Unknown edge {edge}")

    def _fb_post(self, page: dict, message: str, link: str, photos: list[str]) -> str:
        post_id = f"{page['id']}_{next(self._ids)}"
        self.fb_posts[post_id] = {
            "page": page["id"],
            "message": message,
            "link": link,
            "photos": photos,
        }
        return post_id

    def _reels(self, page: dict, request: Request) -> Response:
        phase = request.param("upload_phase")
        if phase == "start":
            video_id = str(next(self._ids))
            self.fb_videos[video_id] = {
                "page": page["id"],
                "uploaded": False,
                "finished": False,
                "polls_left": self.video_processing_polls,
            }
            return Response(
                200,
                {
                    "video_id": video_id,
                    "upload_url": f"https://rupload.facebook.com/video-upload/{VERSION}/{video_id}",
                },
            )
        video = self.fb_videos.get(request.param("video_id"))
        if phase == "finish" and video and video["uploaded"]:
            video["finished"] = True
            video["description"] = request.param("description")
            return Response(200, {"success": True})
        return meta_error(100, "Invalid upload phase or video not uploaded")

    def _rupload(self, video_id: str, request: Request) -> Response:
        video = self.fb_videos.get(video_id)
        token = request.headers.get("authorization", "")
        if video is None or token != "OAuth page-token-" + video["page"]:
            return meta_error(190, "Invalid OAuth access token.")
        if not (request.headers.get("file-url") or request.body):
            return meta_error(100, "Upload needs a body or a file_url header")
        video["uploaded"] = True
        return Response(200, {"success": True, "message": "Upload successful."})

    def _dialog(self, request: Request) -> Response:
        if request.query.get("client_id") != self.client_id:
            return Response(400, "Invalid App ID")
        code = secrets.token_urlsafe(16)
        self.codes[code] = request.query["redirect_uri"]
        query = urlencode({"code": code + "#_", "state": request.query.get("state", "")})
        return Response(302, "", {"Location": f"{request.query['redirect_uri']}?{query}"})

    def _access_token(self, request: Request) -> Response:
        if (request.param("client_id"), request.param("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return meta_error(101, "Error validating client secret.")
        if request.param("grant_type") == "fb_exchange_token":
            if request.param("fb_exchange_token") not in self.tokens:
                return meta_error(190, "Invalid OAuth access token.", subcode=467)
            token = "EAAlong" + secrets.token_urlsafe(24)
            self.tokens.add(token)
            return Response(
                200,
                {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_SECONDS},
            )
        code = request.param("code").removesuffix("#_")
        redirect_uri = self.codes.pop(code, None)
        if redirect_uri is None or redirect_uri != request.param("redirect_uri"):
            return meta_error(100, "Invalid verification code format.", subcode=36007)
        token = "EAAshort" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": 5400})

    def _accounts(self, request: Request) -> Response:
        limit = int(request.query.get("limit", 25))
        after = int(request.query.get("after", 0))
        chunk = self.pages[after : after + limit]
        data = [
            {
                "id": p["id"],
                "name": p["name"],
                "access_token": "page-token-" + p["id"],
                "instagram_business_account": {"id": p["ig"]["id"]},
            }
            for p in chunk
        ]
        body: dict = {"data": data, "paging": {}}
        if after + limit < len(self.pages):
            body["paging"]["next"] = (
                f"{self.url}/{VERSION}/me/accounts?limit={limit}&after={after + limit}"
            )
        return Response(200, body)

    def _ig_user(self, ig_id: str) -> dict | None:
        return next((p["ig"] for p in self.pages if p["ig"]["id"] == ig_id), None)

    def _create_container(self, ig_id: str, request: Request) -> Response:
        if not self._ig_user(ig_id):
            return meta_error(100, "Unsupported post request: object does not exist", subcode=33)
        caption = request.param("caption")
        if len(caption) > 2200:
            return meta_error(36004, "The caption is too long.", subcode=2207010)
        media_type = request.param("media_type")
        if media_type == "CAROUSEL":
            children = [c for c in request.param("children").split(",") if c]
            if not 2 <= len(children) <= 10 or any(c not in self.containers for c in children):
                return meta_error(100, "Carousel needs 2 to 10 valid children.", subcode=2207028)
        elif not (request.param("image_url") or request.param("video_url")):
            return meta_error(100, "The parameter image_url or video_url is required.")
        container = Container(str(next(self._ids)), ig_id, dict(request.form or request.query))
        if self.container_failure:
            container.ends_as, container.detail = self.container_failure
        container.status = container.ends_as
        if request.param("video_url"):
            container.status = "IN_PROGRESS" if self.processing_polls else container.ends_as
            container.polls_left = self.processing_polls
        self.containers[container.id] = container
        return Response(200, {"id": container.id})

    def _publish(self, ig_id: str, request: Request) -> Response:
        container = self.containers.get(request.param("creation_id"))
        if container is None or container.ig_user != ig_id:
            return meta_error(100, "Invalid creation_id", subcode=2207006)
        self.publish_calls[container.id] = self.publish_calls.get(container.id, 0) + 1
        if container.status == "IN_PROGRESS":
            return meta_error(9007, "Media ID is not available", subcode=2207027)
        if container.status == "PUBLISHED":
            return meta_error(100, "This media has already been published.", subcode=2207006)
        used = sum(1 for m in self.media.values() if m.ig_user == ig_id)
        if used >= self.quota_total:
            return meta_error(9, "Application request limit reached", subcode=2207042)
        params = container.params
        media_type = params.get("media_type") or "IMAGE"
        media = Media(
            id=str(next(self._ids)),
            ig_user=ig_id,
            caption=params.get("caption", ""),
            media_type={"REELS": "VIDEO", "STORIES": "IMAGE"}.get(media_type, media_type),
            product_type={"REELS": "REELS", "STORIES": "STORY"}.get(media_type, "FEED"),
        )
        self.media[media.id] = media
        container.status, container.published_media = "PUBLISHED", media.id
        return Response(200, {"id": media.id})

    def _recent_media(self, ig_id: str) -> Response:
        items = [m for m in self.media.values() if m.ig_user == ig_id][::-1][:25]
        return Response(
            200,
            {"data": [{"id": m.id, "caption": m.caption, "permalink": m.permalink} for m in items]},
        )

    def _node(self, node_id: str) -> Response:
        if node_id in self.fb_posts:
            body = {"id": node_id, "permalink_url": f"https://www.facebook.com/{node_id}"}
            if "insights" in self._fields:
                m = self.metrics_for(node_id)
                body["comments"] = {"data": [], "summary": {"total_count": m["comments"]}}
                if m["shares"]:
                    body["shares"] = {"count": m["shares"]}
                body["insights"] = {"data": [
                    {"name": "post_total_media_view_unique", "values": [{"value": m["reach"]}]},
                    {"name": "post_reactions_by_type_total",
                     "values": [{"value": {"like": m["likes"] - 2, "love": 2}}]},
                    {"name": "post_clicks", "values": [{"value": m["clicks"]}]},
                ]}  # fmt: skip
            return Response(200, body)
        if node_id in self.fb_videos:
            video = self.fb_videos[node_id]
            if not video["finished"]:
                return Response(200, {"id": node_id, "status": {"video_status": "upload_complete"}})
            video["polls_left"] -= 1
            if video["polls_left"] >= 0:
                return Response(200, {"id": node_id, "status": {"video_status": "processing"}})
            if "post_id" not in video:
                video["post_id"] = self._fb_post(
                    self._page(video["page"]), video["description"], "", []
                )
            return Response(
                200,
                {
                    "id": node_id,
                    "status": {"video_status": "ready"},
                    "post_id": video["post_id"],
                    "permalink_url": f"/reel/{node_id}",
                },
            )
        if node_id in self.containers:
            container = self.containers[node_id]
            if container.status == "IN_PROGRESS":
                container.polls_left -= 1
                if container.polls_left < 0:
                    container.status = container.ends_as
            status = container.status
            detail = container.detail if status == container.ends_as else ""
            return Response(
                200, {"status_code": status, "status": detail or status.title(), "id": node_id}
            )
        if node_id in self.media:
            m = self.media[node_id]
            return Response(
                200,
                {
                    "id": m.id,
                    "permalink": m.permalink,
                    "shortcode": m.shortcode,
                    "media_type": m.media_type,
                    "media_product_type": m.product_type,
                    "caption": m.caption,
                },
            )
        ig = self._ig_user(node_id)
        if ig:
            return Response(
                200,
                {
                    "id": node_id,
                    "username": ig["username"],
                    "name": ig["name"],
                    "profile_picture_url": f"https://cdn.example/{node_id}.jpg",
                },
            )
        return meta_error(
            100, f"Unsupported get request. Object with ID '{node_id}' does not exist", subcode=33
        )
