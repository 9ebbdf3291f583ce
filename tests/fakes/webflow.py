"""Fake Webflow Data API v2 (CMS), built from PLATFORMS.md §10.

Bearer site token; `token/introspect`, sites, collections with their field schema, staged items
(202, `isDraft` true unless sent false), `items/publish` (202 `{publishedItemIds, errors}`),
`items?slug=`, assets (metadata, then an S3-style multipart POST to `uploadUrl`), the
`{code, message, details}` error envelope, and a per-token requests-per-minute limit with
`X-RateLimit-*` headers and 429 + Retry-After (60 rpm, a Starter/Basic site plan).

Switches: FakeServer's fail/hang/drop, `fail_rate_limit(path)`, `duplicate_slug` (the next
create says the slug is taken: `validation_error`), `revoke()`, `editor_publishes(id)`.

Run standalone: `python -m tests.fakes.webflow 8112` (prints the site token).
"""

import itertools
import sys
import time

from tests.fakes.server import FakeServer, Request, Response
from tests.fakes.wordpress import PNG

FIELDS = [
    {"id": "f1", "slug": "name", "displayName": "Name", "type": "PlainText", "isRequired": True},
    {"id": "f2", "slug": "slug", "displayName": "Slug", "type": "PlainText", "isRequired": True},
    {"id": "f3", "slug": "post-body", "displayName": "Post Body", "type": "RichText",
     "isRequired": False},
    {"id": "f4", "slug": "post-summary", "displayName": "Post Summary", "type": "PlainText",
     "isRequired": False},
    {"id": "f5", "slug": "main-image", "displayName": "Main Image", "type": "Image",
     "isRequired": False},
    {"id": "f6", "slug": "published-on", "displayName": "Published On", "type": "DateTime",
     "isRequired": False},
    {"id": "f7", "slug": "tags", "displayName": "Tags", "type": "PlainText", "isRequired": False},
]  # fmt: skip
TEAM_FIELDS = [FIELDS[0], FIELDS[1],
               {"id": "t3", "slug": "role", "displayName": "Role", "type": "PlainText"}]  # fmt: skip


def wf_error(status: int, code: str, message: str, details=None) -> Response:
    return Response(status, {"code": code, "message": message, "externalReference": None,
                             "details": details or []})  # fmt: skip


class FakeWebflow(FakeServer):
    token = "wf-site-token-5f2d"
    site_id = "64f1c0a2b3d4e5f6a7b8c9d0"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.tokens = {self.token}
        self.rate_limit = 60
        self._window: list[float] = []
        self.collections = {
            "col-blog": {"id": "col-blog", "displayName": "Blog Posts", "slug": "blog",
                         "fields": FIELDS},
            "col-team": {"id": "col-team", "displayName": "Team", "slug": "team",
                         "fields": TEAM_FIELDS},
        }  # fmt: skip
        self.items: dict[str, dict] = {}
        self.assets: list[dict] = []
        self.uploads: list[int] = []  # bytes received per S3 upload
        self.duplicate_slug = False

    @property
    def rewrites(self) -> str:
        return (f"https://api.webflow.com={self.url},"
                f"https://uploads-ssl.webflow.com={self.url}/s3,"
                f"https://cdn.example.com={self.url}/images")  # fmt: skip

    # switches ----------------------------------------------------------------------------------
    def revoke(self) -> None:
        self.tokens.clear()

    def fail_500(self, *, times: int = 1, path: str = "") -> None:
        self.fail(wf_error(500, "internal_error", "An internal error occurred."),
                  times=times, path=path)  # fmt: skip

    def fail_rate_limit(self, *, times: int = 1, path: str = "") -> None:
        response = wf_error(429, "too_many_requests", "Too many requests")
        response.headers.update({"Retry-After": "60", "X-RateLimit-Limit": str(self.rate_limit),
                                 "X-RateLimit-Remaining": "0"})  # fmt: skip
        self.fail(response, times=times, path=path)

    def editor_publishes(self, item_id: str) -> None:
        self.items[item_id].update(isDraft=False, lastPublished=_now())

    def published(self) -> list[dict]:
        return [i for i in self.items.values() if i["lastPublished"] and not i["isDraft"]]

    # routing -----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/images/"):
            return Response(200, PNG, {"Content-Type": "image/png"})
        if path.startswith("/s3"):
            self.uploads.append(len(request.body))
            return Response(201, "<PostResponse><Key>x</Key></PostResponse>",
                            {"Content-Type": "application/xml"})  # fmt: skip
        if request.bearer not in self.tokens:
            return wf_error(401, "not_authorized", "Request not authorized")
        limited = self._count()
        if limited:
            return limited
        response = self._route(request, path.rstrip("/").split("/")[2:], request.method)
        response.headers.update({"X-RateLimit-Limit": str(self.rate_limit),
                                 "X-RateLimit-Remaining": str(self._remaining())})  # fmt: skip
        return response

    def _count(self) -> Response | None:
        now = time.time()
        self._window = [t for t in self._window if now - t < 60] + [now]
        if len(self._window) > self.rate_limit:
            response = wf_error(429, "too_many_requests", "Too many requests")
            response.headers.update({"Retry-After": "60", "X-RateLimit-Remaining": "0",
                                     "X-RateLimit-Limit": str(self.rate_limit)})  # fmt: skip
            return response
        return None

    def _remaining(self) -> int:
        return max(0, self.rate_limit - len(self._window))

    def _route(self, request: Request, parts: list[str], method: str) -> Response:
        if parts == ["token", "introspect"]:
            return Response(200, {"authorization": {
                "id": "auth-1", "grantType": "site_token", "rateLimit": self.rate_limit,
                "scope": "cms:read,cms:write,sites:read,assets:read,assets:write",
                "authorizedTo": {"siteIds": [self.site_id], "workspaceIds": [], "userIds": []},
            }})  # fmt: skip
        if parts == ["sites"]:
            return Response(200, {"sites": [{
                "id": self.site_id, "displayName": "Acme Site", "shortName": "acme-site",
                "customDomains": [{"id": "d1", "url": "www.acme-coffee.example"}],
            }]})  # fmt: skip
        if parts == ["sites", self.site_id, "collections"]:
            listed = [{k: c[k] for k in ("id", "displayName", "slug")}
                      for c in self.collections.values()]  # fmt: skip
            return Response(200, {"collections": listed})
        if parts == ["sites", self.site_id, "assets"] and method == "POST":
            return self._asset(request)
        if parts[:1] == ["collections"] and len(parts) >= 2:
            collection = self.collections.get(parts[1])
            if collection is None:
                return wf_error(404, "collection_not_found", "Requested collection not found")
            rest = parts[2:]
            if not rest:
                return Response(200, collection)
            if rest == ["items"] and method == "POST":
                return self._create(collection, request.form)
            if rest == ["items"]:
                slug = request.query.get("slug")
                found = [i for i in self.items.values() if i["collectionId"] == collection["id"]
                         and (slug is None or i["fieldData"]["slug"] == slug)]  # fmt: skip
                return Response(200, {"items": found, "pagination": {
                    "limit": 100, "offset": 0, "total": len(found)}})  # fmt: skip
            if rest == ["items", "publish"] and method == "POST":
                return self._publish(request.form)
            if len(rest) == 2 and rest[0] == "items":
                item = self.items.get(rest[1])
                if item is None:
                    return wf_error(404, "item_not_found", "Requested item not found")
                return Response(200, item)
        return wf_error(404, "resource_not_found", "Requested resource not found")

    def _asset(self, request: Request) -> Response:
        form = request.form
        if not form.get("fileName") or len(form.get("fileHash", "")) != 32:
            return wf_error(400, "validation_error", "Validation Failure",
                            [{"param": "fileHash", "description": "Required (MD5 hex)"}])  # fmt: skip
        asset_id = f"asset{next(self._ids)}"
        hosted = f"https://cdn.prod.website-files.com/{self.site_id}/{asset_id}_{form['fileName']}"
        self.assets.append({"id": asset_id, "hostedUrl": hosted})
        return Response(200, {
            "id": asset_id, "contentType": "image/png", "hostedUrl": hosted, "assetUrl": hosted,
            "uploadUrl": "https://uploads-ssl.webflow.com/",
            "uploadDetails": {"acl": "public-read", "bucket": "site-assets", "key": asset_id,
                              "Policy": "p", "X-Amz-Signature": "s",
                              "success_action_status": "201"},
        })  # fmt: skip

    def _create(self, collection: dict, form: dict) -> Response:
        data = form.get("fieldData") or {}
        slugs = {f["slug"] for f in collection["fields"]}
        problems = [{"param": f"fieldData.{k}", "description": "Field not described in schema"}
                    for k in data if k not in slugs]  # fmt: skip
        problems += [{"param": f"fieldData.{k}", "description": "Field is required"}
                     for k in ("name", "slug") if not data.get(k)]  # fmt: skip
        taken = any(i["fieldData"]["slug"] == data.get("slug") for i in self.items.values())
        if taken or self.duplicate_slug:
            self.duplicate_slug = False
            problems.append({"param": "fieldData.slug",
                             "description": "Unique value is already in database"})  # fmt: skip
        if problems:
            return wf_error(400, "validation_error", "Validation Failure", problems)
        item_id = f"{next(self._ids):024x}"
        self.items[item_id] = {
            "id": item_id, "cmsLocaleId": "loc1", "lastPublished": None, "lastUpdated": _now(),
            "createdOn": _now(), "isArchived": bool(form.get("isArchived")),
            "isDraft": form.get("isDraft", True), "fieldData": data,
            "collectionId": collection["id"],
        }  # fmt: skip
        return Response(202, self.items[item_id])

    def _publish(self, form: dict) -> Response:
        published, errors = [], []
        for item_id in form.get("itemIds") or []:
            item = self.items.get(item_id)
            if item is None:
                errors.append(f"Staging item ID {item_id} not found.")
                continue
            item.update(isDraft=False, lastPublished=_now())
            published.append(item_id)
        return Response(202, {"publishedItemIds": published, "errors": errors})


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


if __name__ == "__main__":  # pragma: no cover - manual runs
    from wsgiref.simple_server import make_server

    from tests.fakes.server import _QuietHandler, _ThreadingServer

    fake = FakeWebflow()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8112
    fake._httpd = make_server("127.0.0.1", port, fake.wsgi, server_class=_ThreadingServer,
                              handler_class=_QuietHandler)  # fmt: skip
    print(f"Fake Webflow on {fake.url} (site token {fake.token})")
    fake._httpd.serve_forever()
