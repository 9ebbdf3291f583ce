"""What Instagram (Facebook Login) and Facebook Pages share: hosts, OAuth, the error envelope,
one grant per Facebook user and its deauthorize callback."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import urlencode

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.providers.base import OAuthResult, Published, PublishRequest
from socialdist.validators import text_problem

API_VERSION = "v25.0"
GRAPH = f"https://graph.facebook.com/{API_VERSION}"
DIALOG = f"https://www.facebook.com/{API_VERSION}/dialog/oauth"

# PLATFORMS.md §1.2 and §2.4.
RATE_CODES = {4, 17, 32, 341, 613, 368} | set(range(80001, 80015))
TRANSIENT_CODES = {1, 2}
AUTH_CODES = {190, 102}
TRANSIENT_SUBCODES = {
    2207003,
    2207006,
    2207008,
    2207020,
    2207027,
    2207032,
    2207053,
    2207077,
    2207082,
}
QUOTA_SUBCODE = 2207042


def _regain_access_seconds(response: requests.Response) -> float | None:
    """Meta sends no Retry-After; X-Business-Use-Case-Usage carries minutes to wait instead."""
    raw = response.headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
        minutes = max(
            entry.get("estimated_time_to_regain_access", 0)
            for entries in usage.values()
            for entry in entries
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return minutes * 60 if minutes else None


def classify_meta_error(response: requests.Response) -> PlatformError | None:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict) or response.status_code == 429:
        return None  # not Meta's envelope (or a plain 429): the generic rules apply
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = error.get("error_user_msg") or error.get("message") or "Unknown Meta error"
    code_text = f"{code}/{subcode}" if subcode else str(code)
    status = response.status_code

    if subcode == QUOTA_SUBCODE:  # the daily publishing limit: a rolling 24 h window
        return PlatformError(
            RATE_LIMITED, code_text, message, retry_after=24 * 3600, http_status=status
        )
    if code in AUTH_CODES or (error.get("type") == "OAuthException" and code is None):
        return PlatformError(AUTH, code_text, message, http_status=status)
    if code in RATE_CODES:
        return PlatformError(
            RATE_LIMITED,
            code_text,
            message,
            retry_after=_regain_access_seconds(response),
            http_status=status,
        )
    if code in TRANSIENT_CODES or subcode in TRANSIENT_SUBCODES or error.get("is_transient"):
        return PlatformError(TRANSIENT, code_text, message, http_status=status)
    if status >= 500:
        return PlatformError(TRANSIENT, code_text, message, http_status=status)
    return PlatformError(PERMANENT, code_text, message, http_status=status)


class MetaProvider:
    """Facebook Login: code → short-lived user token → long-lived (~60 d) user token, with no
    programmatic refresh (a person logs in again; the 7-day banner and 3-day email say when).

    Instagram and Facebook Pages ride on one grant per Facebook user (`grant_family`)."""

    grant_family = "meta"
    has_refresh = False
    no_profiles_hint = "Link one to a Facebook Page you manage."

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        return classify_meta_error(response)

    # First comment: POST /{media-or-post-id}/comments message=… (PLATFORMS.md §2–3), with the
    # token the post was published with (Instagram: the user token; Facebook: the Page token).
    takes_first_comment = True
    # The comment's text field and how our own comment is told apart, per platform.
    comment_text_field = "message"
    comment_fields = "id,message,from"

    def post_first_comment(self, request: PublishRequest, published: Published) -> str:
        result = self.http.post(
            f"{GRAPH}/{published.platform_post_id}/comments",
            data={"message": request.content.first_comment},
            headers=bearer(request.access_token),
        )
        if not result.get("id"):
            raise missing_field("comment id")
        return str(result["id"])

    def find_first_comment(self, request: PublishRequest, published: Published) -> str | None:
        """Meta lists a post's comments: ours is the one with our text, by the profile."""
        comments = paginate(
            self.http,
            f"{GRAPH}/{published.platform_post_id}/comments",
            token=request.access_token,
            params={"fields": self.comment_fields, "limit": 100},
        )
        for comment in comments:
            text = comment.get(self.comment_text_field) or ""
            if text == request.content.first_comment and self.is_own_comment(comment, request):
                return str(comment["id"])
        return None

    def is_own_comment(self, comment: dict, request: PublishRequest) -> bool:
        """Whether a listed comment with our text was written by this profile."""
        return True

    def deauthorize(self, data: dict[str, str]) -> list[str]:
        """Meta's deauthorize callback: a signed_request signed with the app secret of any
        Meta platform configured here; returns the Facebook user id whose grant is gone."""
        signed_request = data.get("signed_request") or ""
        secrets_ = {cls().client_secret for cls in MetaProvider.__subclasses__()} - {""}
        return [verify_signed_request(signed_request, secrets_)]

    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": ",".join(self.scopes),
                "response_type": "code",
            }
        )
        return f"{DIALOG}?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        short = self.http.get(
            f"{GRAPH}/oauth/access_token",
            params={
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uri": redirect_uri,
                "code": code.removesuffix("#_"),
            },
        )
        long = self.http.get(
            f"{GRAPH}/oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "fb_exchange_token": short["access_token"],
            },
        )
        token = long["access_token"]
        me = self.http.get(f"{GRAPH}/me", params={"fields": "id,name"}, headers=bearer(token))
        granted = self.http.get(f"{GRAPH}/me/permissions", headers=bearer(token))
        scopes = [p["permission"] for p in granted.get("data", []) if p.get("status") == "granted"]
        expires_in = long.get("expires_in")
        return OAuthResult(
            external_user_id=str(me["id"]),
            display_name=me.get("name", ""),
            access_token=token,
            expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
            scopes=scopes,
        )


def bearer(token: str) -> dict[str, str]:
    # A header keeps the token out of URLs, and so out of every log line.
    return {"Authorization": f"Bearer {token}"}


def paginate(http, url: str, *, token: str, params: dict) -> list[dict]:
    items: list[dict] = []
    next_url: str | None = url
    next_params: dict | None = params
    for _ in range(50):  # a hard stop against a paging loop
        if not next_url:
            break
        page = http.get(next_url, params=next_params, headers=bearer(token))
        items.extend(page.get("data", []))
        next_url, next_params = page.get("paging", {}).get("next"), None
    return items


def missing_field(what: str) -> PlatformError:
    return PlatformError(TRANSIENT, "bad_response", f"Meta's answer had no {what}.")


def verify_signed_request(signed_request: str, app_secrets: set[str]) -> str:
    """The user id of a genuine signed_request (HMAC-SHA256 over the payload); ValueError else."""
    try:
        encoded_sig, payload = signed_request.split(".", 1)
        signature = _b64decode(encoded_sig)
        data = json.loads(_b64decode(payload))
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValueError("signed_request is malformed.") from exc
    if not isinstance(data, dict):
        raise ValueError("signed_request is malformed: its payload must be a JSON object.")
    algorithm = data.get("algorithm")
    if not isinstance(algorithm, str) or algorithm.upper() != "HMAC-SHA256":
        raise ValueError("signed_request uses an unknown algorithm.")
    for secret in app_secrets:
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        if hmac.compare_digest(expected, signature):
            return _signed_user_id(data)
    raise ValueError("signed_request signature does not match the app secret.")


def _signed_user_id(data: dict) -> str:
    user_id = data.get("user_id")
    # A correctly signed payload is still input: it must name a user id we can look up.
    if isinstance(user_id, bool) or not isinstance(user_id, str | int):
        raise ValueError("signed_request has no user_id.")
    user_id = str(user_id)
    if not user_id or len(user_id) > 100 or text_problem(user_id):
        raise ValueError("signed_request has an invalid user_id.")
    return user_id


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
