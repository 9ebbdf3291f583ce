"""The one HTTP helper every provider uses.

It adds timeouts and a User-Agent, applies SOCIALDIST_URL_REWRITES (so tests and demos can point a
provider at a fake server), logs without tokens, and turns every failure into a PlatformError whose
`kind` is all that publishing and analytics act on.
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("socialdist.http")

USER_AGENT = "socialdist/1.0 (+https://github.com/socialdist)"
TRANSIENT, RATE_LIMITED, AUTH, PERMANENT = "transient", "rate_limited", "auth", "permanent"
ERROR_KINDS = (TRANSIENT, RATE_LIMITED, AUTH, PERMANENT)

_SECRET_PARAMS = re.compile(
    r"((?:access_token|client_secret|refresh_token|fb_exchange_token|code|input_token)=)[^&\s]+",
    re.IGNORECASE,
)


class PlatformError(Exception):
    """A classified platform failure.

    kind: transient | rate_limited | auth | permanent.
    maybe_delivered: the request may have reached the platform (read timeout, dropped connection),
    so the caller must not blindly repeat a non-idempotent call.
    """

    def __init__(
        self,
        kind: str,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
        maybe_delivered: bool = False,
    ):
        assert kind in ERROR_KINDS, kind
        super().__init__(f"{kind} {code}: {message}")
        self.kind = kind
        self.code = str(code)
        self.message = message
        self.retry_after = retry_after
        self.http_status = http_status
        self.maybe_delivered = maybe_delivered


@dataclass
class CallRecord:
    method: str
    url: str
    status: int | None
    duration_ms: int


def redact(text: str) -> str:
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


def rewrite_url(url: str) -> str:
    """Apply SOCIALDIST_URL_REWRITES: the first matching origin wins."""
    for origin, replacement in settings.SOCIALDIST_URL_REWRITES:
        if url == origin or url.startswith(origin + "/") or url.startswith(origin + "?"):
            return replacement + url[len(origin) :]
    return url


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def classify_status(response: requests.Response) -> PlatformError:
    """Generic classification by HTTP status; providers refine it from the error body."""
    status = response.status_code
    message = (response.text or response.reason or "")[:500]
    if status == 429:
        return PlatformError(
            RATE_LIMITED, "429", message, retry_after=retry_after_seconds(response), http_status=429
        )
    if status >= 500:
        return PlatformError(TRANSIENT, str(status), message, http_status=status)
    if status == 401:
        return PlatformError(AUTH, "401", message, http_status=status)
    return PlatformError(PERMANENT, str(status), message, http_status=status)


Classifier = Callable[[requests.Response], PlatformError | None]


class PlatformHTTP:
    """A requests.Session wrapper shared by all calls of one provider instance."""

    def __init__(self, platform: str, classify: Classifier | None = None):
        self.platform = platform
        self.classify = classify
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.calls: list[CallRecord] = []

    def request(
        self, method: str, url: str, *, expect_json: bool = True, **kwargs: Any
    ) -> requests.Response:
        target = rewrite_url(url)
        kwargs.setdefault("timeout", settings.PLATFORM_HTTP_TIMEOUT)
        started = time.monotonic()
        status: int | None = None
        try:
            response = self.session.request(method, target, **kwargs)
            status = response.status_code
        except requests.ConnectTimeout as exc:
            raise PlatformError(TRANSIENT, "connect_timeout", "Could not connect in time.") from exc
        except requests.Timeout as exc:
            raise PlatformError(
                TRANSIENT, "timeout", "The platform did not answer in time.", maybe_delivered=True
            ) from exc
        except requests.ConnectionError as exc:
            raise PlatformError(
                TRANSIENT,
                "connection_error",
                "Could not reach the platform.",
                maybe_delivered=isinstance(exc.__context__, ConnectionResetError),
            ) from exc
        finally:
            duration_ms = int((time.monotonic() - started) * 1000)
            self.calls.append(CallRecord(method, redact(url), status, duration_ms))
            logger.info(
                "%s %s %s -> %s in %d ms",
                self.platform,
                method,
                redact(url),
                status if status is not None else "no response",
                duration_ms,
            )
        if response.status_code >= 400:
            error = (self.classify and self.classify(response)) or classify_status(response)
            raise error
        if expect_json:
            try:
                response.json()
            except ValueError as exc:
                raise PlatformError(
                    TRANSIENT,
                    "bad_response",
                    f"Expected JSON, got {response.headers.get('Content-Type', 'nothing')}.",
                    http_status=response.status_code,
                ) from exc
        return response

    def get(self, url: str, **kwargs: Any) -> dict:
        return self.request("GET", url, **kwargs).json()

    def post(self, url: str, **kwargs: Any) -> dict:
        return self.request("POST", url, **kwargs).json()
