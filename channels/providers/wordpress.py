"""WordPress (self-hosted, REST API `wp/v2`) with an application password (PLATFORMS.md §9).

Basic auth with the user name and an application password; posts, media, tags and categories
under `{site}/wp-json/wp/v2/`. Core has no rate limits, no token expiry, no SEO fields and no
analytics: comments are counted, and views read from Jetpack where the site has it.
"""

from html import unescape
from urllib.parse import urlsplit

import requests

from channels.http import AUTH, PERMANENT, PlatformError
from channels.providers.article import (
    BODY_FORMAT,
    EXCERPT,
    FEATURED_ALT,
    FEATURED_IMAGE,
    SLUG,
    Article,
    ArticleProvider,
)
from channels.providers.base import (
    ConnectField,
    Metrics,
    MetricsRequest,
    OptionField,
    ProfileInfo,
    Published,
    PublishRequest,
    Verified,
)

STRIPPED_HEADER = (
    "WordPress never received the Authorization header: the web server removes it before "
    "WordPress sees it. On Apache add the line `CGIPassAuth On` to the site's .htaccess (or "
    "`RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]` above the WordPress rules); "
    "on nginx with PHP-FPM add `fastcgi_param HTTP_AUTHORIZATION $http_authorization;`. Then "
    "connect again."
)
REVOKED = (
    "WordPress refused the user name and application password: the key was revoked or is "
    "wrong — paste a new one (WordPress → Users → Profile → Application Passwords) under "
    "Settings → Integrations → CMS."
)
CANNOT_PUBLISH = (
    "The WordPress user cannot publish posts (a Contributor may only submit them for review): "
    "give the user the Author or Editor role, or set the profile to manual mode so articles "
    "arrive as drafts."
)
NO_SEO = (
    "WordPress core has no SEO title, description or canonical URL fields (SEO plugins keep "
    "their own); set those in the plugin."
)


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class WordPressProvider(ArticleProvider):
    slug = "wordpress"
    name = "WordPress"
    connect_fields = (
        ConnectField("site_url", "Site URL", kind="url",
                     help="The address of the WordPress site, e.g. https://blog.example.com "
                     "(https required unless the site is on this machine or network)."),
        ConnectField("username", "User name", max_length=200,
                     help="The WordPress user the articles are published as (Author or "
                     "Editor to publish; a Contributor only gets drafts)."),
        ConnectField("application_password", "Application password", kind="secret",
                     max_length=200,
                     help="WordPress → Users → Profile → Application Passwords → Add; "
                     "paste the 24 characters (spaces are fine)."),
    )  # fmt: skip
    options = (
        BODY_FORMAT,
        OptionField("excerpt", EXCERPT.label, kind="textarea", max_length=300,
                    help=f"{EXCERPT.help} {NO_SEO}"),
        SLUG,
        OptionField("tags", "Tags", kind="tags", max_length=100,
                    help="Found on the site by name, or created."),
        OptionField("categories", "Categories", kind="tags", max_length=100,
                    help="Found on the site by name, or created."),
        FEATURED_IMAGE,
        FEATURED_ALT,
    )  # fmt: skip

    # HTTP -------------------------------------------------------------------------------------
    def _api(self, credentials: dict, path: str) -> str:
        site = self.site_address(credentials["site_url"].rstrip("/"))
        return site + "/wp-json/" + path.lstrip("/")

    def _call(self, method: str, credentials: dict, path: str, **kwargs) -> requests.Response:
        password = "".join(credentials["application_password"].split())
        return self.http.request(
            method, self._api(credentials, path), auth=(credentials["username"], password),
            **kwargs,
        )  # fmt: skip

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        body = _body(response)
        code, message = str(body.get("code", "")), str(body.get("message", ""))
        status = response.status_code
        if status == 404 and not code:  # not WordPress's own answer: no REST API there
            return PlatformError(PERMANENT, "no_rest_api", "No WordPress REST API answers at "
                                 f"{response.url.split('/wp-json/')[0]}/wp-json/: check the site "
                                 "URL (the address of the WordPress site itself).",
                                 http_status=status)  # fmt: skip
        if not code or status == 429 or status >= 500:
            return None  # the generic rules: rate limited / transient
        sent_auth = "Authorization" in response.request.headers
        if code == "rest_not_logged_in" and sent_auth:
            return PlatformError(AUTH, "authorization_header_stripped", STRIPPED_HEADER,
                                 http_status=status)  # fmt: skip
        if code in (
            "incorrect_password",
            "invalid_username",
            "invalid_email",
            "rest_not_logged_in",
        ):
            return PlatformError(AUTH, code, REVOKED, http_status=status)
        if code == "application_passwords_disabled":
            return PlatformError(AUTH, code, "Application passwords are off on this WordPress "
                                 "site: they need HTTPS, or a plugin turned them off.",
                                 http_status=status)  # fmt: skip
        if code in ("rest_cannot_publish", "rest_cannot_create"):
            return PlatformError(PERMANENT, code, CANNOT_PUBLISH, http_status=status)
        if code == "rest_no_route":
            message = (f"{message} The WordPress REST API is not answering at /wp-json/ "
                       "(a plugin may have turned it off).")  # fmt: skip
        error = PlatformError(PERMANENT, code, f"WordPress: {message}", http_status=status)
        error.details = body.get("data")  # term_exists carries the existing term's id
        return error

    # Connect ----------------------------------------------------------------------------------
    def verify(self, credentials: dict[str, str]) -> Verified:
        me = self._call("GET", credentials, "wp/v2/users/me", params={"context": "edit"}).json()
        site_url = credentials["site_url"].rstrip("/")
        try:
            site = self._call("GET", credentials, "").json()
        except PlatformError:
            site = {}
        name = (isinstance(site, dict) and site.get("name")) or urlsplit(site_url).hostname
        roles = me.get("roles") or []
        return Verified(
            external_user_id=f"{site_url}#{me['id']}",
            display_name=f"{name} ({me.get('name') or credentials['username']})",
            profiles=[
                ProfileInfo(
                    external_id=site_url[:100],
                    name=str(name),
                    username=str(me.get("slug") or credentials["username"]),
                    extra={"roles": roles},
                )
            ],
        )

    # CMS calls --------------------------------------------------------------------------------
    def upload_image(self, request, data, filename, mime, alt) -> dict:
        safe_name = filename.replace('"', "")
        media = self._call(
            "POST", request.credentials, "wp/v2/media",
            params={"alt_text": alt} if alt else None, data=data,
            headers={"Content-Type": mime,
                     "Content-Disposition": f'attachment; filename="{safe_name}"'},
        ).json()  # fmt: skip
        return {"url": media["source_url"], "id": media["id"]}

    def find_by_slug(self, request: PublishRequest, slug: str) -> dict | None:
        found = self._call(
            "GET", request.credentials, "wp/v2/posts",
            params={"slug": slug, "status": "any", "context": "edit"},
        ).json()  # fmt: skip
        return found[0] if isinstance(found, list) and found else None

    def prepare_terms(self, request: PublishRequest, article: Article) -> None:
        terms = dict(request.state.get("terms") or {})
        for taxonomy in ("tags", "categories"):
            known = dict(terms.get(taxonomy) or {})
            for name in article.options.get(taxonomy) or []:
                if name and name not in known:
                    known[name] = self._term_id(request, taxonomy, name)
                    terms[taxonomy] = known
                    request.checkpoint({"terms": terms})

    def _term_id(self, request: PublishRequest, taxonomy: str, name: str) -> int:
        """The term's id: found by name, else created; a term created meanwhile (term_exists)
        is used as it is."""
        found = self._call("GET", request.credentials, f"wp/v2/{taxonomy}",
                           params={"search": name, "per_page": 100}).json()  # fmt: skip
        for term in found if isinstance(found, list) else []:
            if unescape(str(term.get("name", ""))).casefold() == name.casefold():
                return int(term["id"])
        try:
            created = self._call("POST", request.credentials, f"wp/v2/{taxonomy}",
                                 json={"name": name}).json()  # fmt: skip
        except PlatformError as exc:
            details = getattr(exc, "details", None)
            if exc.code == "term_exists" and isinstance(details, dict) and details.get("term_id"):
                return int(details["term_id"])
            raise
        return int(created["id"])

    def create_post(self, request: PublishRequest, article: Article, *, draft: bool) -> dict:
        terms = request.state.get("terms") or {}
        body = {
            "title": article.title,
            "content": article.html,
            "excerpt": article.excerpt,
            "slug": article.slug,
            "status": "draft" if draft else "publish",
        }
        for taxonomy in ("tags", "categories"):
            ids = [terms.get(taxonomy, {}).get(n) for n in article.options.get(taxonomy) or []]
            if any(ids):
                body[taxonomy] = [i for i in ids if i]
        if article.featured.get("id"):
            body["featured_media"] = article.featured["id"]
        return self._call("POST", request.credentials, "wp/v2/posts", json=body).json()

    def publish_existing(self, request: PublishRequest, post: dict) -> dict:
        if post.get("status") == "publish":
            return post
        return self._call("POST", request.credentials, f"wp/v2/posts/{post['id']}",
                          json={"status": "publish"}).json()  # fmt: skip

    def get_post(self, request: PublishRequest, post_id: str) -> dict:
        try:
            return self._call("GET", request.credentials, f"wp/v2/posts/{post_id}",
                              params={"context": "edit"}).json()  # fmt: skip
        except PlatformError as exc:
            if exc.http_status == 404:
                exc.message = "The article is no longer on WordPress (it was deleted there)."
            raise

    def as_published(self, request: PublishRequest, post: dict) -> Published | None:
        if post.get("status") != "publish":
            return None
        return Published(platform_post_id=str(post["id"]), permalink=str(post.get("link", "")))

    # Metrics ----------------------------------------------------------------------------------
    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        results = []
        for item in requests:
            try:
                results.append(self._metrics(item))
            except PlatformError as exc:
                results.append(Metrics(key=item.key, error=exc))
        return results

    def _metrics(self, item: MetricsRequest) -> Metrics:
        comments = self._call(
            "GET", item.credentials, "wp/v2/comments",
            params={"post": item.platform_post_id, "per_page": 1},
        )  # fmt: skip
        total = int(comments.headers.get("X-WP-Total") or 0)
        raw: dict = {"comments": total}
        views = None
        try:  # Jetpack Stats, where the site has it (its route is UNCONFIRMED in PLATFORMS.md)
            stats = self._call(
                "GET", item.credentials, f"jetpack/v4/stats-app/stats/post/{item.platform_post_id}"
            ).json()
            views = int(stats["views"]) if isinstance(stats.get("views"), int) else None
            raw["jetpack_views"] = views
        except PlatformError as exc:
            if exc.kind not in (PERMANENT,):
                raise
        return Metrics(key=item.key, comments=total, views=views, raw=raw)
