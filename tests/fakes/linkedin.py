"""Fake LinkedIn OAuth + Posts/Images/Videos/Documents APIs, built from PLATFORMS.md §5.

Covers the authorize page (redirects back with a code), the token endpoint (code and refresh;
refresh tokens only when `issue_refresh_tokens`, and `refresh_omits_refresh_token` answers a
refresh without one), /v2/userinfo, /v2/organizationAcls, image/video/document initializeUpload
with upload URLs on www.linkedin.com, multi-part video uploads with ETags and finalizeUpload,
processing status, /rest/posts (201, empty body, `x-restli-id`), posts by author, comments,
socialActions, organizationalEntityShareStatistics and memberCreatorPostAnalytics.

Every /rest call must carry `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`; a version
in `sunset_versions` (or older than `oldest_version`) answers 426 NONEXISTENT_VERSION. Errors use
Rest.li's `{"status", "serviceErrorCode", "code", "message"}`.

Switches beyond FakeServer's: `expire_access_tokens`, `revoke`, `fail_500`, `fail_rate_limit`,
`processing_polls` (polls an asset stays PROCESSING), `fail_processing` (PROCESSING_FAILED),
`png_corrupt` (a PNG upload fails processing with "corrupt header", as peers report),
`omit_post_id` (201 with no id and nothing posted), `ghost_posts` (201 with an id LinkedIn then
does not show), `member_reads_denied` (member tokens cannot read images/documents), `acls_denied` (no page
scopes), `statistics_denied` (no page statistics) and `social_batch` (off: the batch
socialActions finder is refused).

Media the app fetches by URL are served under https://files.example.org/ (see `rewrites`).
Run alone: `python -m tests.fakes.linkedin 8105`.
"""

import io
import itertools
import secrets
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from tests.fakes.server import FakeServer, Request, Response

PART = 4 * 1024 * 1024  # §5.2: video parts of 4,194,304 bytes, the last one smaller


def li_error(status: int, code: str, message: str, service_code: int | None = None) -> Response:
    body = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return Response(status, body, {"x-li-uuid": secrets.token_hex(8)})


@dataclass
class Asset:
    urn: str
    kind: str  # image | video | document
    owner: str
    status: str = "WAITING_UPLOAD"
    polls_left: int = 0
    size: int = 0
    mime: str = ""
    parts: list[tuple[int, int]] = field(default_factory=list)
    etags: dict[int, str] = field(default_factory=dict)
    failure: str = ""


@dataclass
class Post:
    urn: str
    author: str
    commentary: str
    visibility: str
    content: dict
    created_at: int  # epoch ms
    ghost: bool = False
    comments: list[dict] = field(default_factory=list)


class FakeLinkedIn(FakeServer):
    client_id = "li-client-id"
    client_secret = "li-client-secret"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(7400000000000000000)
        self.member_id = "abc123XYZ"
        self.member_name = "Dana Member"
        # Company Pages and the member's role on each (organizationAcls).
        self.organizations = {
            "urn:li:organization:1001": ("Acme Coffee", "acme-coffee", "ADMINISTRATOR"),
            "urn:li:organization:1002": ("Acme Careers", "acme-careers", "CONTENT_ADMINISTRATOR"),
            "urn:li:organization:1003": ("Acme Ads", "acme-ads", "ANALYST"),
        }
        self.scope = (
            "email,openid,profile,w_member_social,r_organization_social,"
            "w_organization_social,rw_organization_admin,r_member_postAnalytics"
        )
        self.codes: dict[str, str] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.issue_refresh_tokens = True
        self.refresh_omits_refresh_token = False
        self.sunset_versions: set[str] = set()
        self.oldest_version = "202512"
        self.versions_seen: list[str] = []
        self.processing_polls = 0
        self.fail_processing = False
        self.png_corrupt = True
        self.omit_post_id = False
        self.ghost_posts = False
        self.member_reads_denied = True
        self.acls_denied = False  # the member granted no page scopes
        self.statistics_denied = False  # no rw_organization_admin: page statistics refused
        self.social_batch = True  # False: the ids=List(...) batch finder answers 400
        self.assets: dict[str, Asset] = {}
        self.posts: dict[str, Post] = {}
        self.files: dict[str, bytes] = {}  # path under /files/ -> bytes, to override the defaults
        self.video_size = 9 * 1024 * 1024 + 123  # three parts

    @property
    def rewrites(self) -> str:
        return (
            f"https://www.linkedin.com={self.url},https://api.linkedin.com={self.url},"
            f"https://files.example.org={self.url}/files"
        )

    # switches ----------------------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(li_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error"), times=times,
                  path=path)  # fmt: skip

    def fail_rate_limit(self, *, times: int = 1, path: str = "", daily: bool = False) -> None:
        message = (
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."
            if daily
            else "Too many requests."
        )
        self.fail(li_error(429, "TOO_MANY_REQUESTS", message), times=times, path=path)

    def published(self) -> list[Post]:
        return [p for p in self.posts.values() if not p.ghost]

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/oauth/v2/authorization":
            return self._authorize(request)
        if path == "/oauth/v2/accessToken":
            return self._token(request)
        if path.startswith("/files/"):
            return self._file(path.removeprefix("/files/"))
        if path.startswith("/dms-uploads/"):
            return self._upload(request)
        token = request.bearer
        if token not in self.access_tokens:
            if token.startswith("expired."):
                return li_error(401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has "
                                "expired", 65602)  # fmt: skip
            return li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
        if path == "/v2/userinfo":
            return Response(200, {"sub": self.member_id, "name": self.member_name,
                                  "given_name": "Dana", "family_name": "Member",
                                  "picture": "https://media.licdn.example/dana.jpg",
                                  "email": "dana@example.com", "email_verified": True})  # fmt: skip
        if path == "/v2/organizationAcls":
            return self._acls(request)
        if path.startswith("/rest/"):
            problem = self._rest_headers(request)
            if problem:
                return problem
            return self._rest(request, path.removeprefix("/rest/"))
        return li_error(404, "NOT_FOUND", f"No resource at {path}")

    def _rest_headers(self, request: Request) -> Response | None:
        version = request.headers.get("linkedin-version", "")
        if not version:
            return li_error(400, "VERSION_MISSING", "A version must be present. Please specify "
                            "a version by adding the LinkedIn-Version header.")  # fmt: skip
        self.versions_seen.append(version)
        if version in self.sunset_versions or version[:6] < self.oldest_version:
            return li_error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not "
                            "active")  # fmt: skip
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return li_error(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 required")
        return None

    def _rest(self, request: Request, path: str) -> Response:
        action = request.query.get("action", "")
        method = request.method
        for kind in ("images", "videos", "documents"):
            if path == kind and method == "POST" and action == "initializeUpload":
                return self._initialize(request, kind[:-1])
            if path.startswith(kind + "/") and method == "GET":
                return self._asset_status(request, kind[:-1], unquote(path.split("/", 1)[1]))
        if path == "videos" and method == "POST" and action == "finalizeUpload":
            return self._finalize(request)
        if path == "posts" and method == "POST":
            return self._create_post(request)
        if path == "posts" and method == "GET" and request.query.get("q") == "author":
            return self._posts_by_author(request)
        if path.startswith("posts/") and method == "GET":
            post = self.posts.get(unquote(path.removeprefix("posts/")))
            if post is None or post.ghost:
                return li_error(404, "NOT_FOUND", "Post not found")
            return Response(200, self._post_json(post))
        if path.startswith("socialActions/") and path.endswith("/comments"):
            return self._comments(request, unquote(path.split("/")[1]))
        if path == "socialActions" and method == "GET":
            if not self.social_batch:
                return li_error(400, "ILLEGAL_ARGUMENT", "Batch get is not supported here")
            return self._social_batch(request)
        if path.startswith("socialActions/") and method == "GET":
            urn = unquote(path.removeprefix("socialActions/"))
            found = self._social(urn)
            return Response(200, found) if found else li_error(404, "NOT_FOUND", "No post")
        if path == "organizationalEntityShareStatistics":
            return self._share_statistics(request)
        if path == "memberCreatorPostAnalytics":
            return self._member_analytics(request)
        return li_error(404, "NOT_FOUND", f"No resource at /rest/{path}")

    # OAuth -------------------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        query = request.query
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Response(400, "bad client_id or response_type")
        if "w_member_social" not in query.get("scope", "").split(" "):
            return Response(400, "scope must be space-separated and include w_member_social")
        code = secrets.token_urlsafe(12)
        self.codes[code] = query["redirect_uri"]
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Response(302, "", {"Location": target})

    def _tokens(self, refresh: str | None = None) -> dict:
        access = "AQV" + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        tokens = {"access_token": access, "expires_in": 5184000, "scope": self.scope}
        if self.issue_refresh_tokens:
            if refresh is None:
                refresh = "AQX" + secrets.token_urlsafe(24)
                self.refresh_tokens.add(refresh)
            tokens.update(refresh_token=refresh, refresh_token_expires_in=31536000)
        return tokens

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return Response(401, {"error": "invalid_client",
                                  "error_description": "Client authentication failed"})  # fmt: skip
        if form.get("grant_type") == "authorization_code":
            redirect = self.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                return Response(400, {"error": "invalid_grant", "error_description":
                                      "The authorization code is invalid or expired."})  # fmt: skip
            return Response(200, self._tokens())
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return Response(400, {"error": "invalid_grant", "error_description":
                                      "The provided refresh token is invalid."})  # fmt: skip
            tokens = self._tokens(refresh=old)  # LinkedIn's refresh token does not rotate
            if self.refresh_omits_refresh_token:
                tokens.pop("refresh_token", None)
                tokens.pop("refresh_token_expires_in", None)
            return Response(200, tokens)
        return Response(400, {"error": "unsupported_grant_type", "error_description": "?"})

    def _acls(self, request: Request) -> Response:
        if self.acls_denied:
            return li_error(403, "ACCESS_DENIED", "Not enough permissions to access: "
                            "organizationAcls.FINDER-roleAssignee")  # fmt: skip
        if request.query.get("q") != "roleAssignee":
            return li_error(400, "ILLEGAL_ARGUMENT", "q=roleAssignee required")
        start, count = int(request.query.get("start") or 0), int(request.query.get("count") or 10)
        elements = [
            {"role": role, "state": "APPROVED", "organization": urn,
             "roleAssignee": f"urn:li:person:{self.member_id}",
             "organization~": {"localizedName": name, "vanityName": vanity}}
            for urn, (name, vanity, role) in self.organizations.items()
        ]  # fmt: skip
        return Response(200, {"elements": elements[start : start + count],
                              "paging": {"start": start, "count": count,
                                         "total": len(elements)}})  # fmt: skip

    # media -------------------------------------------------------------------------------------
    def _file(self, name: str) -> Response:
        if name in self.files:
            return Response(200, self.files[name], {"Content-Type": "application/octet-stream"})
        if name.startswith("gone"):
            return Response(404, "gone")
        if name.endswith((".jpg", ".jpeg")):
            return Response(200, _image("JPEG"), {"Content-Type": "image/jpeg"})
        if name.endswith(".png"):
            return Response(200, _image("PNG"), {"Content-Type": "image/png"})
        if name.endswith(".mp4"):
            return Response(200, b"\x00\x00\x00\x18ftypmp42" + b"v" * (self.video_size - 12),
                            {"Content-Type": "video/mp4"})  # fmt: skip
        if name.endswith(".pdf"):
            return Response(200, b"%PDF-1.4\n" + b"%" * 5000 + b"\n%%EOF",
                            {"Content-Type": "application/pdf"})  # fmt: skip
        return Response(404, "no such file")

    def _owner_allowed(self, owner: str) -> bool:
        return owner == f"urn:li:person:{self.member_id}" or (
            owner in self.organizations
            and self.organizations[owner][2] in ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR")
        )

    def _initialize(self, request: Request, kind: str) -> Response:
        body = request.form.get("initializeUploadRequest") or {}
        owner = body.get("owner", "")
        if not self._owner_allowed(owner):
            return li_error(403, "ACCESS_DENIED", f"Not enough permissions to access: {owner}")
        prefix = {"image": "D4D10", "video": "D5F10", "document": "D4E10"}[kind]
        asset = Asset(urn=f"urn:li:{kind}:{prefix}{next(self._ids)}", kind=kind, owner=owner)
        upload = f"https://www.linkedin.com/dms-uploads/{kind}/{asset.urn.rsplit(':', 1)[1]}"
        value: dict = {f"uploadUrl{'s' if kind == 'video' else ''}ExpiresAt":
                       int(time.time() * 1000) + 86400000, kind: asset.urn}  # fmt: skip
        if kind == "video":
            size = int(body.get("fileSizeBytes") or 0)
            if size <= 0:
                return li_error(400, "ILLEGAL_ARGUMENT", "fileSizeBytes is required")
            asset.size = size
            asset.parts = [(first, min(first + PART, size) - 1) for first in range(0, size, PART)]
            value["uploadInstructions"] = [
                {"uploadUrl": f"{upload}/part/{n}", "firstByte": first, "lastByte": last}
                for n, (first, last) in enumerate(asset.parts)
            ]
            value["uploadToken"] = ""
        else:
            value["uploadUrl"] = upload
        self.assets[asset.urn] = asset
        return Response(200, {"value": value})

    def _asset_by_upload(self, kind: str, asset_id: str) -> Asset | None:
        return self.assets.get(f"urn:li:{kind}:{asset_id}")

    def _upload(self, request: Request) -> Response:
        if request.method != "PUT":
            return li_error(405, "METHOD_NOT_ALLOWED", "PUT the bytes")
        if request.bearer not in self.access_tokens:
            return li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
        parts = request.path.removeprefix("/dms-uploads/").split("/")
        asset = self._asset_by_upload(parts[0], parts[1]) if len(parts) >= 2 else None
        if asset is None:
            return li_error(404, "NOT_FOUND", "Unknown upload")
        data = request.body
        if asset.kind == "video":
            index = int(parts[3])
            first, last = asset.parts[index]
            if len(data) != last - first + 1:
                return li_error(
                    400,
                    "ILLEGAL_ARGUMENT",
                    f"Part {index} must be bytes "
                    f"{first}-{last} ({last - first + 1} bytes), not {len(data)}.",
                )
            etag = f'"etag-{asset.urn[-6:]}-{index}-{secrets.token_hex(3)}"'
            asset.etags[index] = etag
            return Response(200, "", {"ETag": etag})
        if asset.kind == "image":
            mime = _sniff(data)
            if not mime:
                return li_error(400, "ILLEGAL_ARGUMENT", "Invalid image: corrupt header")
            asset.mime = mime
            asset.status, asset.polls_left = "PROCESSING", self.processing_polls
            if mime == "image/png" and self.png_corrupt:
                asset.failure = "corrupt header"
        if asset.kind == "document":
            if not data.startswith(b"%PDF-"):
                return li_error(400, "ILLEGAL_ARGUMENT", "Unsupported document format")
            asset.status, asset.polls_left = "PROCESSING", self.processing_polls
        asset.size = len(data)
        return Response(201, "")

    def _finalize(self, request: Request) -> Response:
        body = request.form.get("finalizeUploadRequest") or {}
        asset = self.assets.get(body.get("video", ""))
        if asset is None:
            return li_error(404, "NOT_FOUND", "Unknown video")
        expected = [asset.etags.get(n) for n in range(len(asset.parts))]
        if None in expected or body.get("uploadedPartIds") != expected:
            return li_error(400, "ILLEGAL_ARGUMENT", "uploadedPartIds must list every part's "
                            "ETag in order")  # fmt: skip
        asset.status, asset.polls_left = "PROCESSING", self.processing_polls
        return Response(200, "")

    def _asset_status(self, request: Request, kind: str, urn: str) -> Response:
        asset = self.assets.get(urn)
        if asset is None or asset.kind != kind:
            return li_error(404, "NOT_FOUND", f"No {kind} {urn}")
        if (
            kind != "video"
            and self.member_reads_denied
            and not asset.owner.startswith("urn:li:organization:")
        ):  # §5.1: w_member_social cannot read member images or documents
            return li_error(403, "ACCESS_DENIED", "Not enough permissions to access: "
                            f"{kind}s.GET")  # fmt: skip
        self._advance(asset)
        body = {"id": urn, "status": asset.status, "owner": asset.owner}
        if asset.status == "PROCESSING_FAILED":
            body["processingFailureReason"] = asset.failure or "Processing failed"
        return Response(200, body)

    def _advance(self, asset: Asset) -> None:
        if asset.status != "PROCESSING":
            return
        if asset.failure or self.fail_processing:
            asset.status = "PROCESSING_FAILED"
            asset.failure = asset.failure or "Media processing failed"
            return
        asset.polls_left -= 1
        if asset.polls_left < 0:
            asset.status = "AVAILABLE"

    # posts -------------------------------------------------------------------------------------
    def _create_post(self, request: Request) -> Response:
        body = request.form
        author = body.get("author", "")
        if not self._owner_allowed(author):
            return li_error(403, "ACCESS_DENIED", f"Not enough permissions to post as {author}")
        commentary = body.get("commentary")
        if not isinstance(commentary, str):
            return li_error(422, "UNPROCESSABLE_ENTITY", "/commentary is required")
        if len(commentary) > 3000:
            return li_error(400, "FIELD_LENGTH_TOO_LONG", "/commentary is too long")
        if body.get("lifecycleState") != "PUBLISHED" or body.get("visibility") not in (
            "PUBLIC", "CONNECTIONS", "LOGGED_IN"
        ):  # fmt: skip
            return li_error(422, "UNPROCESSABLE_ENTITY", "lifecycleState/visibility invalid")
        content = body.get("content") or {}
        problem = self._content_problem(content, author)
        if problem:
            return problem
        # Media is used once it is AVAILABLE (the API lets time pass between calls).
        for urn in _media_urns(content):
            self._advance(self.assets[urn])
        if self.omit_post_id:
            return Response(201, "")  # nothing posted, no id: what peers report for Pages
        urn = f"urn:li:share:{next(self._ids)}"
        self.posts[urn] = Post(urn=urn, author=author, commentary=commentary,
                               visibility=body["visibility"], content=content,
                               created_at=int(time.time() * 1000), ghost=self.ghost_posts)  # fmt: skip
        return Response(201, "", {"x-restli-id": urn, "x-linkedin-id": urn})

    def _content_problem(self, content: dict, author: str) -> Response | None:
        if "article" in content:
            article = content["article"]
            if not str(article.get("source", "")).startswith("http") or not article.get("title"):
                return li_error(422, "UNPROCESSABLE_ENTITY", "article needs source and title")
            return None
        if "multiImage" in content:
            images = content["multiImage"].get("images") or []
            if not 2 <= len(images) <= 20:
                return li_error(422, "UNPROCESSABLE_ENTITY", "multiImage takes 2 to 20 images")
        for urn in _media_urns(content):
            asset = self.assets.get(urn)
            if asset is None or asset.owner != author:
                return li_error(400, "ILLEGAL_ARGUMENT", f"Media {urn} is not owned by {author}")
            if asset.status == "WAITING_UPLOAD":
                return li_error(400, "MEDIA_ASSET_WAITING_UPLOAD", f"{urn} was not uploaded")
            if asset.failure or asset.status == "PROCESSING_FAILED":
                return li_error(400, "MEDIA_ASSET_PROCESSING_FAILED",
                                f"Media {urn} failed processing: {asset.failure}")  # fmt: skip
            if asset.kind == "document" and not (content.get("media") or {}).get("title"):
                return li_error(422, "UNPROCESSABLE_ENTITY", "documents need a title")
        return None

    def _post_json(self, post: Post) -> dict:
        return {"id": post.urn, "author": post.author, "commentary": post.commentary,
                "visibility": post.visibility, "content": post.content,
                "lifecycleState": "PUBLISHED", "createdAt": post.created_at,
                "publishedAt": post.created_at, "lastModifiedAt": post.created_at}  # fmt: skip

    def _posts_by_author(self, request: Request) -> Response:
        author = request.query.get("author", "")
        count = int(request.query.get("count") or 10)
        mine = sorted((p for p in self.published() if p.author == author),
                      key=lambda p: p.created_at, reverse=True)  # fmt: skip
        return Response(200, {"elements": [self._post_json(p) for p in mine[:count]],
                              "paging": {"start": 0, "count": count}})  # fmt: skip

    def _comments(self, request: Request, urn: str) -> Response:
        post = self.posts.get(urn)
        if post is None or post.ghost:
            return li_error(404, "NOT_FOUND", "Post not found")
        if request.method == "GET":
            return Response(200, {"elements": post.comments, "paging": {"start": 0}})
        body = request.form
        if body.get("object") != urn or not (body.get("message") or {}).get("text"):
            return li_error(422, "UNPROCESSABLE_ENTITY", "object and message.text are required")
        comment_id = f"urn:li:comment:({urn},{next(self._ids)})"
        post.comments.append({"id": comment_id, "actor": body.get("actor"), "object": urn,
                              "message": {"text": body["message"]["text"]}})  # fmt: skip
        return Response(201, "", {"x-restli-id": comment_id})

    # metrics -----------------------------------------------------------------------------------
    def _social_batch(self, request: Request) -> Response:
        urns = _list_param(request.query.get("ids", ""))
        results = {urn: self._social(urn) for urn in urns}
        return Response(200, {"results": {k: v for k, v in results.items() if v}, "errors": {},
                              "statuses": {}})  # fmt: skip

    def _social(self, urn: str) -> dict:
        post = self.posts.get(urn)
        if post is None or post.ghost:
            return {}
        seed = int(urn.rsplit(":", 1)[1][-3:])
        return {
            "likesSummary": {"totalLikes": 10 + seed % 7, "likedByCurrentUser": False},
            "commentsSummary": {"totalFirstLevelComments": len(post.comments),
                                "aggregatedTotalComments": len(post.comments)},
            "target": urn,
        }  # fmt: skip

    def _share_statistics(self, request: Request) -> Response:
        org = request.query.get("organizationalEntity", "")
        if org not in self.organizations or self.statistics_denied:
            return li_error(403, "ACCESS_DENIED", "Not an administrator of this organization")
        elements = []
        for key, field_name in (("shares", "share"), ("ugcPosts", "ugcPost")):
            for urn in _list_param(request.query.get(key, "")):
                post = self.posts.get(urn)
                if post is None or post.author != org:
                    continue
                seed = int(urn.rsplit(":", 1)[1][-3:])
                elements.append({field_name: urn, "organizationalEntity": org,
                                 "totalShareStatistics": {
                                     "impressionCount": 500 + seed, "uniqueImpressionsCount":
                                     300 + seed, "clickCount": 20, "likeCount": 10 + seed % 7,
                                     "commentCount": len(post.comments), "shareCount": 3,
                                     "engagement": 0.05}})  # fmt: skip
        return Response(200, {"elements": elements, "paging": {"start": 0}})

    def _member_analytics(self, request: Request) -> Response:
        entity = request.query.get("entity", "")  # (share:urn) or (ugc:urn)
        urn = entity.strip("()").split(":", 1)[1] if ":" in entity else ""
        post = self.posts.get(urn)
        if post is None or post.ghost:
            return li_error(404, "NOT_FOUND", "Post not found")
        counts = {"IMPRESSION": 800, "MEMBERS_REACHED": 450, "RESHARE": 2, "REACTION": 12,
                  "COMMENT": len(post.comments)}  # fmt: skip
        count = counts.get(request.query.get("queryType", ""))
        if count is None:
            return li_error(400, "ILLEGAL_ARGUMENT", "queryType is invalid")
        return Response(200, {"elements": [{"count": count, "metricType": {
            "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1":
            request.query["queryType"]}}]})  # fmt: skip


def _media_urns(content: dict) -> list[str]:
    if "media" in content:
        return [content["media"].get("id", "")]
    if "multiImage" in content:
        return [i.get("id", "") for i in content["multiImage"].get("images") or []]
    return []


def _list_param(value: str) -> list[str]:
    """Rest.li 2.0 `List(a,b)` with URL-encoded items (already decoded once by the query)."""
    if not (value.startswith("List(") and value.endswith(")")):
        return []
    return [unquote(item) for item in value[5:-1].split(",") if item]


def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return ""


def _image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, (120, 80), (200, 120, 40, 128) if mode == "RGBA" else (200, 120, 40)).save(
        out, fmt
    )
    return out.getvalue()


def callback_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


if __name__ == "__main__":  # pragma: no cover - a sandbox serves it to newcomers
    from wsgiref.simple_server import make_server

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8105
    fake = FakeLinkedIn()
    print(f"Fake LinkedIn on http://127.0.0.1:{port} (client {fake.client_id})")
    make_server("127.0.0.1", port, fake.wsgi).serve_forever()
