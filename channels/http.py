"""The one HTTP helper every provider uses.

It adds timeouts and a User-Agent, applies SOCIALDIST_URL_REWRITES (so tests and demos can point a
provider at a fake server), logs without tokens, and turns every failure into a PlatformError whose
`kind` is all that publishing and analytics act on.
"""

import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3.exceptions
from django.conf import settings
from django.utils import timezone
from urllib3.util.ssl_match_hostname import CertificateError

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
    maybe_delivered: the platform may have acted on the request and we do not know the outcome
    (read timeout, dropped connection, a 5xx), so the caller must not blindly repeat a
    non-idempotent call. False only when the request certainly never reached the platform, or
    when the platform answered that it refused it (4xx).
    post_failed: the platform's own answer that this post failed there (its processing failed,
    a container errored or expired) — as opposed to a call that failed. After a lost answer,
    such an answer settles the target as failed; any other error leaves it unconfirmed.
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
        post_failed: bool = False,
    ):
        assert kind in ERROR_KINDS, kind
        super().__init__(f"{kind} {code}: {message}")
        self.kind = kind
        self.code = str(code)
        self.message = message
        self.retry_after = retry_after
        self.http_status = http_status
        self.maybe_delivered = maybe_delivered
        self.post_failed = post_failed


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
        return PlatformError(
            TRANSIENT, str(status), message, http_status=status, maybe_delivered=True
        )
    if status == 401:
        return PlatformError(AUTH, "401", message, http_status=status)
    return PlatformError(PERMANENT, str(status), message, http_status=status)


# Raised before any byte of the request leaves this machine: the TCP connection was never made
# (NewConnectionError and its NameResolutionError subclass are ConnectTimeoutErrors in urllib3 2),
# or the TLS certificate was rejected, which happens before the request is written.
_NOT_CONNECTED = (
    urllib3.exceptions.ConnectTimeoutError,
    ssl.SSLCertVerificationError,
    CertificateError,
)
# requests refuses to build these, so they are never sent.
_INVALID_REQUEST = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
)
_TLS_HANDSHAKE = ssl.SSLSocket.do_handshake.__code__


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and every exception it wraps (cause, context, urllib3's `reason` and wrapped args)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending.extend((item.__cause__, item.__context__, getattr(item, "reason", None)))
        pending.extend(item.args)


def _raised_in_tls_handshake(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _TLS_HANDSHAKE:
            return True
        tb = tb.tb_next
    return False


def never_sent(exc: BaseException) -> bool:
    """True only when the failure proves the request never reached the platform.

    Decided from the exception chain, not from messages. Anything not recognised counts as sent:
    a wrong "sent" costs a reconcile lookup, a wrong "never sent" can cost a second post.
    """
    return any(
        isinstance(item, _INVALID_REQUEST + _NOT_CONNECTED) or _raised_in_tls_handshake(item)
        for item in _exception_chain(exc)
    )


def transport_error(exc: requests.RequestException) -> PlatformError:
    """Classify a failure that left us without an HTTP answer by what reached the platform."""
    if isinstance(exc, _INVALID_REQUEST):
        return PlatformError(
            PERMANENT,
            "invalid_request",
            "The request was not sent because its URL or headers are not valid; "
            "check SOCIALDIST_URL_REWRITES and the platform settings.",
        )
    if never_sent(exc):
        if isinstance(exc, requests.Timeout):  # TCP connect, or a TLS handshake read timeout
            return PlatformError(TRANSIENT, "connect_timeout", "Could not connect in time.")
        return PlatformError(TRANSIENT, "connection_error", "Could not reach the platform.")
    if isinstance(exc, requests.Timeout):
        code, message = "timeout", "The platform did not answer in time."
    elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
        code, message = "incomplete_response", "The connection dropped in the middle of the answer."
    elif isinstance(exc, requests.exceptions.ContentDecodingError):
        code, message = "bad_response", "The platform's answer could not be decoded."
    else:
        code, message = "connection_error", "The connection dropped before the platform answered."
    return PlatformError(
        TRANSIENT,
        code,
        f"{message} The platform may have acted on the request.",
        maybe_delivered=True,
    )


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
        except requests.RequestException as exc:
            raise transport_error(exc) from exc
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
            # A 5xx may come from a gateway that already forwarded the request (a 503 too: envoy
            # answers "upstream reset before headers" with 503), or from a platform that acted
            # and then failed; we cannot tell which from here, so every 5xx counts as maybe sent.
            error.maybe_delivered = error.maybe_delivered or response.status_code >= 500
            raise error
        if expect_json:
            try:
                response.json()
            except ValueError as exc:
                # A success status with an unreadable body: the platform may well have acted.
                raise PlatformError(
                    TRANSIENT,
                    "bad_response",
                    f"Expected JSON, got {response.headers.get('Content-Type', 'nothing')}.",
                    http_status=response.status_code,
                    maybe_delivered=True,
                ) from exc
        return response

    def get(self, url: str, **kwargs: Any) -> dict:
        return self.request("GET", url, **kwargs).json()

    def post(self, url: str, **kwargs: Any) -> dict:
        return self.request("POST", url, **kwargs).json()
