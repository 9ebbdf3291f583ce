"""Webflow (Data API v2) CMS collections with a site token (PLATFORMS.md §10).

Each collection the token reaches is a profile; which collection field receives the title,
body, excerpt, image, date and tags (the field map) is chosen automatically from the collection
schema and can be changed per profile on the Channels page. An article is created as a staged
item (its id checkpointed), then published (`items/publish`); images go to the site's assets
first. Limits: 60 or 120 requests per minute per token (429 + Retry-After); the whole site is
never published from here, so its 1-publish-per-minute limit is never met. No metrics API.
"""

import hashlib
import json

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, PlatformError
from channels.providers.article import (
    BODY_FORMAT,
    EXCERPT,
    FEATURED_ALT,
    FEATURED_IMAGE,
    SLUG,
    TAGS,
    Article,
    ArticleProvider,
)
from channels.providers.base import (
    ConnectField,
    OptionField,
    Problem,
    ProfileInfo,
    Published,
    PublishRequest,
    Verified,
)

API = "https://api.webflow.com/v2"
REVOKED = (
    "Webflow refused the site token: it was revoked, expired after a year unused, or is wrong "
    "— paste a new one (Site settings → Apps & integrations → API access) under Settings → "
    "Integrations → CMS."
)
# The roles of the field map, the field types that can take each, and slug hints, best first.
ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "body": (("RichText",), ("post-body", "body", "content", "article")),
    "excerpt": (("PlainText",), ("post-summary", "summary", "excerpt", "description", "intro")),
    "image": (("Image",), ("main-image", "featured", "cover", "thumbnail", "image")),
    "date": (("DateTime",), ("published-on", "publish", "date")),
    "tags": (("PlainText",), ("tags", "tag", "keywords", "categories")),
}


def _field_option(role: str, what: str) -> OptionField:
    return OptionField(
        f"field_{role}",
        f"Collection field for {what}",
        kind="text",
        max_length=100,
        profile_default=True,
        per_post=False,
        default_label=f"Collection field for {what} (a field slug; empty: none)",
    )


def auto_field_map(fields: list[dict]) -> dict[str, str]:
    """Which field takes each role: the right type, the best-named first, each field once."""
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for role, (types, hints) in ROLES.items():
        fitting = [f for f in fields if f.get("type") in types and f.get("slug") not in used
                   and f.get("slug") not in ("name", "slug")]  # fmt: skip

        def rank(field: dict, hints=hints) -> int:
            slug = str(field.get("slug", ""))
            return next((i for i, h in enumerate(hints) if h in slug), len(hints))

        fitting.sort(key=rank)
        # Body and image by type alone; the plain-text roles need a telling name.
        if fitting and (role in ("body", "image", "date") or rank(fitting[0]) < len(hints)):
            chosen[role] = fitting[0]["slug"]
            used.add(fitting[0]["slug"])
    return chosen


class WebflowProvider(ArticleProvider):
    slug = "webflow"
    name = "Webflow"
    connect_fields = (
        ConnectField("site_token", "Site token", kind="secret", max_length=200,
                     help="Webflow → Site settings → Apps & integrations → API access → Generate "
                     "(CMS and Assets read and write, Sites read)."),
        ConnectField("site_id", "Site ID", required=False, max_length=40,
                     help="Only this site; empty: every site the token reaches."),
        ConnectField("collection_id", "Collection ID", required=False, max_length=40,
                     help="Only this collection; empty: each collection becomes a profile to "
                     "choose from."),
        ConnectField("field_map", "Field map", required=False, max_length=1000,
                     help='Optional JSON, e.g. {"body": "post-body", "image": "main-image"}; '
                     "empty: chosen from the collection's fields (change it later on the "
                     "Channels page)."),
    )  # fmt: skip
    options = (
        BODY_FORMAT,
        EXCERPT,
        SLUG,
        TAGS,
        FEATURED_IMAGE,
        FEATURED_ALT,
        _field_option("body", "the body"),
        _field_option("excerpt", "the excerpt"),
        _field_option("image", "the featured image"),
        _field_option("date", "the publish date"),
        _field_option("tags", "the tags"),
    )
    has_metrics = False  # the Data API has no per-item analytics

    # HTTP -------------------------------------------------------------------------------------
    def _call(self, method: str, credentials: dict, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {credentials['site_token']}",
                   "Accept": "application/json"}  # fmt: skip
        return self.http.request(method, API + path, headers=headers, **kwargs)

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        try:
            body = response.json()
        except ValueError:
            return None
        status = response.status_code
        if not isinstance(body, dict) or status == 429 or status >= 500:
            return None
        code = str(body.get("code") or status)
        if status == 401:
            return PlatformError(AUTH, code, REVOKED, http_status=status)
        details = "; ".join(_detail(d) for d in body.get("details") or [])
        message = str(body.get("message") or code) + (f" — {details}" if details else "")
        if code == "missing_scopes":
            message += (". Generate a site token with CMS and Assets read and write and Sites "
                        "read, and paste it again.")  # fmt: skip
        return PlatformError(PERMANENT, code, f"Webflow: {message}", http_status=status)

    # Connect ----------------------------------------------------------------------------------
    def verify(self, credentials: dict[str, str]) -> Verified:
        wanted_map = _parse_field_map(credentials.get("field_map", ""))
        intro = self._call("GET", credentials, "/token/introspect").json()
        authorized = (intro.get("authorization") or {}).get("authorizedTo") or {}
        site_ids = set(authorized.get("siteIds") or [])
        sites = self._call("GET", credentials, "/sites").json().get("sites") or []
        sites = [s for s in sites if (not site_ids or s["id"] in site_ids)
                 and credentials.get("site_id", "") in ("", s["id"])]  # fmt: skip
        profiles = []
        for site in sites:
            found = self._call("GET", credentials, f"/sites/{site['id']}/collections").json()
            for collection in found.get("collections") or []:
                if credentials.get("collection_id", "") not in ("", collection["id"]):
                    continue
                schema = self._call("GET", credentials, f"/collections/{collection['id']}").json()
                profiles.append(self._profile(site, schema, wanted_map))
        if credentials.get("site_id") and not sites:
            raise PlatformError(PERMANENT, "site_not_found", "Webflow: this token does not "
                                f"reach the site {credentials['site_id']}.")  # fmt: skip
        first = sites[0]["displayName"] if sites else "Webflow"
        token_id = (intro.get("application") or {}).get("id") or ",".join(sorted(site_ids))
        return Verified(
            external_user_id=(token_id or first)[:100], display_name=first, profiles=profiles
        )

    def _profile(self, site: dict, schema: dict, wanted: dict[str, str]) -> ProfileInfo:
        fields = schema.get("fields") or []
        slugs = {f.get("slug") for f in fields}
        unknown = sorted(v for v in wanted.values() if v not in slugs)
        if unknown:
            raise PlatformError(PERMANENT, "unknown_field", f"The field map names {unknown[0]}, "
                                f"which the collection {schema.get('displayName')} does not "
                                f"have; it has {', '.join(sorted(s for s in slugs if s))}.")  # fmt: skip
        field_map = {**auto_field_map(fields), **wanted}
        domains = site.get("customDomains") or []
        domain = domains[0]["url"] if domains else f"{site.get('shortName', '')}.webflow.io"
        return ProfileInfo(
            external_id=schema["id"],
            name=f"{site['displayName']} · {schema.get('displayName', schema['id'])}",
            username=str(schema.get("slug", "")),
            extra={
                "site_id": site["id"],
                "collection_slug": schema.get("slug", ""),
                "domain": domain,
                **{f"field_{role}": slug for role, slug in field_map.items()},
            },
        )

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        """An article needs a collection field for its body (a rich text field)."""
        if options.get("field_body"):
            return []
        where = f" {profile_name}" if profile_name else ""
        return [Problem(
            "body_field_not_chosen",
            f"Choose which field of the Webflow collection{where} takes the article's body, on "
            "the Channels page: it has no rich text field chosen.",
            "options.field_body",
        )]  # fmt: skip

    # CMS calls --------------------------------------------------------------------------------
    def _collection(self, request: PublishRequest) -> str:
        return f"/collections/{request.profile_external_id}"

    def upload_image(self, request, data, filename, mime, alt) -> dict:
        site_id = request.options.get("site_id")
        asset = self._call("POST", request.credentials, f"/sites/{site_id}/assets", json={
            "fileName": filename[-99:],
            "fileHash": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        }).json()  # fmt: skip
        # The bytes go straight to the storage Webflow names (an S3 POST policy), no token.
        self.http.request(
            "POST", asset["uploadUrl"], expect_json=False, allow_redirects=False,
            data=asset.get("uploadDetails") or {}, files={"file": (filename, data, mime)},
        )  # fmt: skip
        return {"url": asset.get("hostedUrl") or asset.get("assetUrl"), "id": asset.get("id")}

    def find_by_slug(self, request: PublishRequest, slug: str) -> dict | None:
        found = self._call("GET", request.credentials, self._collection(request) + "/items",
                           params={"slug": slug}).json()  # fmt: skip
        items = [i for i in found.get("items") or [] if i.get("fieldData", {}).get("slug") == slug]
        return items[0] if items else None

    def create_post(self, request: PublishRequest, article: Article, *, draft: bool) -> dict:
        options = request.options
        if not options.get("field_body"):
            raise PlatformError(PERMANENT, "no_body_field", "Choose the collection field for "
                                "the body on the Channels page (this collection has no rich "
                                "text field chosen).")  # fmt: skip
        data: dict = {"name": article.title, "slug": article.slug,
                      options["field_body"]: article.html}  # fmt: skip
        if options.get("field_excerpt") and article.excerpt:
            data[options["field_excerpt"]] = article.excerpt
        if options.get("field_image") and article.featured.get("url"):
            data[options["field_image"]] = {"url": article.featured["url"],
                                            "alt": article.featured_alt}  # fmt: skip
        if options.get("field_date"):
            data[options["field_date"]] = timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if options.get("field_tags") and article.tags:
            data[options["field_tags"]] = ", ".join(article.tags)
        body = {"isArchived": False, "isDraft": draft, "fieldData": data}
        return self._call("POST", request.credentials, self._collection(request) + "/items",
                          json=body).json()  # fmt: skip

    def publish_existing(self, request: PublishRequest, post: dict) -> dict:
        if post.get("lastPublished") and not post.get("isDraft"):
            return post
        answer = self._call("POST", request.credentials,
                            self._collection(request) + "/items/publish",
                            json={"itemIds": [post["id"]]}).json()  # fmt: skip
        if post["id"] not in (answer.get("publishedItemIds") or []):
            errors = "; ".join(str(e) for e in answer.get("errors") or []) or "no reason given"
            raise PlatformError(PERMANENT, "not_published", f"Webflow did not publish the item: "
                                f"{errors}. Publish the site once in Webflow, then retry.")  # fmt: skip
        return {**post, "isDraft": False, "lastPublished": timezone.now().isoformat()}

    def get_post(self, request: PublishRequest, post_id: str) -> dict:
        try:
            return self._call("GET", request.credentials,
                              f"{self._collection(request)}/items/{post_id}").json()  # fmt: skip
        except PlatformError as exc:
            if exc.http_status == 404:
                exc.message = "The item is no longer in the Webflow collection (deleted there)."
            raise

    def as_published(self, request: PublishRequest, post: dict) -> Published | None:
        if not post.get("lastPublished") or post.get("isDraft"):
            return None
        options = request.options
        slug = post.get("fieldData", {}).get("slug", "")
        domain = str(options.get("domain", "")).removeprefix("https://").rstrip("/")
        path = "/".join(p for p in (options.get("collection_slug", ""), slug) if p)
        return Published(platform_post_id=str(post["id"]),
                         permalink=f"https://{domain}/{path}" if domain else "")  # fmt: skip


def _detail(detail) -> str:
    if isinstance(detail, dict):
        where = detail.get("param") or detail.get("field") or ""
        what = detail.get("description") or detail.get("message") or ""
        return f"{where}: {what}" if where else str(what)
    return str(detail)


def _parse_field_map(text: str) -> dict[str, str]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise PlatformError(PERMANENT, "bad_field_map", 'The field map must be JSON like '
                            '{"body": "post-body"}.')  # fmt: skip
    unknown = sorted(set(value) - set(ROLES))
    if unknown:
        raise PlatformError(PERMANENT, "bad_field_map", f"The field map has no role "
                            f"{unknown[0]}; use {', '.join(ROLES)}.")  # fmt: skip
    return value
