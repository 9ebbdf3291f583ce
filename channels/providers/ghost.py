"""Ghost (Admin API) with a Custom Integration's Admin API key (PLATFORMS.md §11).

Every request carries a fresh JWT (HS256, the hex-decoded secret, `kid` = the key id,
`aud=/admin/`, valid 5 minutes). Posts go in as HTML (`?source=html`), images through
`images/upload/`. No rate limits, no key expiry; metrics are the newsletter email's numbers.
"""

import re
import time

import jwt
import requests

from channels.http import AUTH, PERMANENT, TRANSIENT, PlatformError
from channels.providers.article import (
    BODY_FORMAT,
    CANONICAL_URL,
    EXCERPT,
    FEATURED_ALT,
    FEATURED_IMAGE,
    SEO_DESCRIPTION,
    SEO_TITLE,
    SLUG,
    TAGS,
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

ACCEPT_VERSION = "v6.0"
TOKEN_LIFETIME = 300  # Ghost refuses tokens living longer than 5 minutes
_KEY = re.compile(r"^([0-9a-f]{24}):([0-9a-f]{64})$", re.IGNORECASE)
REVOKED = (
    "Ghost refused the Admin API key: the key was revoked or is wrong — paste a new one (Ghost "
    "Admin → Settings → Integrations → your integration) under Settings → Integrations → CMS."
)
CLOCK = (
    "Ghost refused the request's token as expired or not yet valid: this server's clock is off "
    "by minutes. Set its time right (NTP) and try again; the key itself is fine."
)
# Ghost's (jsonwebtoken's) words for a token outside its time window, as whole words.
_CLOCK_HINTS = re.compile(r"\b(expired|not active|iat|maxage|too long|lifetime)\b")

VISIBILITY = OptionField(
    "visibility",
    "Who can read it",
    kind="choice",
    choices=(("public", "Everyone"), ("members", "Members only"), ("paid", "Paid members only")),
    prompt="Everyone (Ghost's default)",
)
NEWSLETTER = OptionField(
    "newsletter",
    "Also email it to newsletter subscribers",
    kind="bool",
    profile_default=True,
    default_label="Email every article to newsletter subscribers",
    help="Sends the article as an email through the site's newsletter when it is published; "
    "this cannot be undone. Off unless you tick it.",
)


class GhostProvider(ArticleProvider):
    slug = "ghost"
    name = "Ghost"
    connect_fields = (
        ConnectField("admin_url", "Admin API URL", kind="url",
                     help="Ghost Admin → Settings → Integrations → your custom integration, "
                     "e.g. https://example.ghost.io"),
        ConnectField("admin_api_key", "Admin API key", kind="secret", max_length=200,
                     help="From the same page: the key that looks like id:secret."),
    )  # fmt: skip
    options = (
        BODY_FORMAT,
        EXCERPT,
        SLUG,
        TAGS,
        FEATURED_IMAGE,
        FEATURED_ALT,
        CANONICAL_URL,
        SEO_TITLE,
        SEO_DESCRIPTION,
        VISIBILITY,
        NEWSLETTER,
    )

    # HTTP -------------------------------------------------------------------------------------
    @staticmethod
    def _key(credentials: dict) -> tuple[str, bytes]:
        match = _KEY.match(credentials.get("admin_api_key", "").strip())
        if not match:
            raise PlatformError(
                PERMANENT,
                "invalid_key_format",
                "The Admin API key must look like id:secret (24 then 64 hexadecimal characters); "
                "copy it whole from Ghost Admin → Settings → Integrations.",
            )
        return match.group(1), bytes.fromhex(match.group(2))

    def token(self, credentials: dict) -> str:
        """A new JWT for one request (Ghost: HS256, kid, aud=/admin/, at most 5 minutes)."""
        key_id, secret = self._key(credentials)
        now = int(time.time())
        payload = {"iat": now, "exp": now + TOKEN_LIFETIME, "aud": "/admin/"}
        return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": key_id})

    def _api(self, credentials: dict, path: str) -> str:
        site = self.site_address(credentials["admin_url"].rstrip("/"))
        return site + "/ghost/api/admin/" + path.lstrip("/")

    def _call(self, method: str, credentials: dict, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Ghost {self.token(credentials)}",
                   "Accept-Version": ACCEPT_VERSION, **kwargs.pop("headers", {})}  # fmt: skip
        return self.http.request(method, self._api(credentials, path), headers=headers, **kwargs)

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        try:
            error = response.json()["errors"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        status = response.status_code
        if status == 429 or status >= 500:
            return None
        kind_name = str(error.get("type", ""))
        code = str(error.get("code") or kind_name or status)
        message = str(error.get("message", ""))
        context = str(error.get("context") or "")
        said = f"{message} {context}".casefold()
        if status == 401:
            if _CLOCK_HINTS.search(said):
                return PlatformError(PERMANENT, "clock_skew", CLOCK, http_status=status)
            return PlatformError(AUTH, code, REVOKED, http_status=status)
        if status == 409:  # UpdateCollisionError: re-read and try again
            return PlatformError(TRANSIENT, code, f"Ghost: {message}", http_status=status)
        field = f" ({error['property']})" if error.get("property") else ""
        text = " ".join(t for t in (message, context) if t)
        return PlatformError(PERMANENT, code, f"Ghost: {text}{field}", http_status=status)

    # Connect ----------------------------------------------------------------------------------
    def verify(self, credentials: dict[str, str]) -> Verified:
        key_id, _ = self._key(credentials)
        site = self._call("GET", credentials, "site/").json().get("site") or {}
        # The site endpoint may answer without a key: a post list proves the key works.
        self._call("GET", credentials, "posts/", params={"limit": 1, "fields": "id"})
        admin_url = credentials["admin_url"].rstrip("/")
        title = str(site.get("title") or admin_url)
        return Verified(
            external_user_id=f"{admin_url}#{key_id}",
            display_name=title,
            profiles=[
                ProfileInfo(
                    external_id=admin_url[:100], name=title, extra={"site_url": site.get("url", "")}
                )
            ],  # fmt: skip
        )

    # CMS calls --------------------------------------------------------------------------------
    def upload_image(self, request, data, filename, mime, alt) -> dict:
        body = self._call(
            "POST", request.credentials, "images/upload/",
            files={"file": (filename, data, mime)}, data={"purpose": "image", "ref": filename},
        ).json()  # fmt: skip
        return {"url": body["images"][0]["url"]}

    def find_by_slug(self, request: PublishRequest, slug: str) -> dict | None:
        try:
            body = self._call("GET", request.credentials, f"posts/slug/{slug}/").json()
        except PlatformError as exc:
            if exc.http_status == 404:
                return None
            raise
        return (body.get("posts") or [None])[0]

    def prepare_terms(self, request: PublishRequest, article: Article) -> None:
        """The newsletter to email through, looked up once (its slug checkpointed)."""
        if not article.options.get("newsletter") or request.mode == "drafts":
            return
        if request.state.get("newsletter"):
            return
        found = self._call("GET", request.credentials, "newsletters/",
                           params={"filter": "status:active", "limit": 1}).json()  # fmt: skip
        newsletters = found.get("newsletters") or []
        if not newsletters:
            raise PlatformError(PERMANENT, "no_newsletter", "Ghost has no active newsletter to "
                                "email the article with; add one or untick the email option.")  # fmt: skip
        request.checkpoint({"newsletter": newsletters[0]["slug"]})

    def create_post(self, request: PublishRequest, article: Article, *, draft: bool) -> dict:
        post = {
            "title": article.title,
            "html": article.html,
            "slug": article.slug,
            "status": "draft" if draft else "published",
            "tags": [{"name": t} for t in article.tags],
        }
        optional = {
            "custom_excerpt": article.excerpt,
            "feature_image": article.featured.get("url"),
            "feature_image_alt": article.featured_alt if article.featured else "",
            "canonical_url": article.canonical_url,
            "meta_title": article.seo_title,
            "meta_description": article.seo_description,
            "visibility": article.options.get("visibility"),
        }
        post.update({k: v for k, v in optional.items() if v})
        params = {"source": "html"}
        if not draft and request.state.get("newsletter"):
            params.update(newsletter=request.state["newsletter"], email_segment="all")
        body = self._call("POST", request.credentials, "posts/", params=params,
                          json={"posts": [post]}).json()  # fmt: skip
        return body["posts"][0]

    def publish_existing(self, request: PublishRequest, post: dict) -> dict:
        if post.get("status") == "published":
            return post
        params = {"source": "html"}
        if request.state.get("newsletter"):
            params.update(newsletter=request.state["newsletter"], email_segment="all")
        change = {"status": "published", "updated_at": post.get("updated_at")}
        body = self._call("PUT", request.credentials, f"posts/{post['id']}/", params=params,
                          json={"posts": [change]}).json()  # fmt: skip
        return body["posts"][0]

    def get_post(self, request: PublishRequest, post_id: str) -> dict:
        try:
            return self._call("GET", request.credentials, f"posts/{post_id}/").json()["posts"][0]
        except PlatformError as exc:
            if exc.http_status == 404:
                exc.message = "The article is no longer on Ghost (it was deleted there)."
            raise

    def as_published(self, request: PublishRequest, post: dict) -> Published | None:
        if post.get("status") != "published":
            return None
        return Published(platform_post_id=str(post["id"]), permalink=str(post.get("url", "")))

    # Metrics ----------------------------------------------------------------------------------
    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        results = []
        for item in requests:
            try:
                body = self._call("GET", item.credentials, f"posts/{item.platform_post_id}/",
                                  params={"include": "email"}).json()  # fmt: skip
            except PlatformError as exc:
                results.append(Metrics(key=item.key, error=exc))
                continue
            email = (body.get("posts") or [{}])[0].get("email") or {}
            results.append(
                Metrics(
                    key=item.key,
                    # The newsletter email: who received it and who opened it. Ghost has no
                    # page-view API, so an article that was not emailed has no numbers.
                    reach=email.get("delivered_count"),
                    views=email.get("opened_count"),
                    raw={"email": email} if email else {},
                )
            )
        return results
