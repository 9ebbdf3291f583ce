"""LinkedIn's error envelope classified (PLATFORMS.md §5.4): Rest.li's
`{status, serviceErrorCode, code, message}`, and the OAuth endpoints' `{error, error_description}`."""

from datetime import UTC, datetime, timedelta

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.providers.linkedin.api import DEFAULT_VERSION, VERSION_SETTING

AUTH_CODES = {"INVALID_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN", "EXPIRED_ACCESS_TOKEN"}


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def classify_linkedin_error(response: requests.Response) -> PlatformError | None:
    """Rest.li's envelope {status, serviceErrorCode, code, message} (PLATFORMS.md §5.4)."""
    status = response.status_code
    body = _body(response)
    sent = getattr(response.request, "headers", None) or {}
    code = str(body.get("code") or body.get("serviceErrorCode") or status)
    message = str(body.get("message") or body.get("error_description") or response.reason or "")
    if status == 426 or code == "NONEXISTENT_VERSION":
        return PlatformError(
            PERMANENT,
            "linkedin_version_sunset",
            f"LinkedIn no longer serves API version {sent.get('LinkedIn-Version', '?')} "
            f"({code}); set {VERSION_SETTING} to a current version (YYYYMM, e.g. "
            f"{DEFAULT_VERSION} or later), restart, then retry the post.",
            http_status=status,
        )
    if body.get("error") == "invalid_grant":  # the token endpoint: the grant is gone
        return PlatformError(AUTH, "invalid_grant", message, http_status=status)
    if status == 401 or code in AUTH_CODES:
        return PlatformError(AUTH, code, f"LinkedIn refused the access token: {message}",
                             http_status=status)  # fmt: skip
    if status == 429:
        return PlatformError(
            RATE_LIMITED, code, f"LinkedIn's rate limit was reached: {message}",
            retry_after=_rate_wait(response, message), http_status=status,
        )  # fmt: skip
    if status == 403:
        return PlatformError(
            PERMANENT,
            code if code != "403" else "ACCESS_DENIED",
            f"LinkedIn denied access ({message}). The person who connected must still be an "
            "administrator or content administrator of the page, and the connection needs its "
            "posting permissions: reconnect LinkedIn on the Channels page.",
            http_status=status,
        )
    if status == 422:  # e.g. media not AVAILABLE yet: worth trying again shortly
        return PlatformError(TRANSIENT, code, message, http_status=status)
    if status == 409:
        return PlatformError(
            PERMANENT, code, f"LinkedIn refused a duplicate post: {message}", http_status=status
        )
    if status >= 500:
        return PlatformError(TRANSIENT, code, message, http_status=status, maybe_delivered=True)
    return PlatformError(PERMANENT, code, f"LinkedIn refused the request: {message}",
                         http_status=status)  # fmt: skip


def _rate_wait(response: requests.Response, message: str) -> float | None:
    """Retry-After when given; a daily quota resets at 00:00 UTC (PLATFORMS.md §5.3)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if "DAY" in message.upper():
        now = timezone.now().astimezone(UTC)
        midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
        return (midnight - now).total_seconds()
    return None
