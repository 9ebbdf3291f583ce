"""Webhook URLs may only reach the public internet (no SSRF into our own network).

`webhook_destination(url)` checks a URL and resolves its host: every address must be public
(unless WEBHOOK_ALLOW_PRIVATE lets self-hosters reach private and loopback ones). It runs when an
endpoint is saved and again right before each delivery, because DNS answers change.
`webhook_post(destination, …)` then connects to the very address that was checked (the host name
still goes in the Host header and TLS SNI/certificate check), so a DNS answer that flips between
check and connect (DNS rebinding) cannot redirect the request. Redirects are never followed.
"""

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from socialdist import addresses as net
from socialdist.addresses import IPAddress, address_problem

__all__ = ["IPAddress", "address_problem", "literal_address", "webhook_destination", "webhook_post"]


# The size of the WebhookEndpoint.url column: a longer URL could not be saved anyway.
MAX_URL_LENGTH = 1000

_PUBLIC_ONLY = "webhooks can only go to public internet addresses"
_ALLOW_HINT = " (set WEBHOOK_ALLOW_PRIVATE=1 to allow private targets)"


class UnsafeWebhookURL(ValueError):
    """The URL must not be used for a webhook; the message says why and what to do."""


@dataclass(frozen=True)
class Destination:
    url: str
    host: str  # ASCII host name, or the canonical IP when the URL names an address
    port: int
    address: str  # the checked IP to connect to


def _refusal(subject: str, address: IPAddress) -> UnsafeWebhookURL | None:
    """The error for an address a webhook may not reach, or None when it may."""
    problem = address_problem(address, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    if problem is None:
        return None
    # Only say the switch helps when it would: link-local, multicast… stay refused with it.
    hint = _ALLOW_HINT if address_problem(address, allow_private=True) is None else ""
    return UnsafeWebhookURL(f"{subject} {problem}; {_PUBLIC_ONLY}{hint}.")


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host names literally, in any form (incl. the legacy IPv4 ones)."""
    try:
        return net.literal_address(host)
    except net.InvalidAddress as exc:
        raise UnsafeWebhookURL(str(exc)) from None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeWebhookURL(
            f"the host {host} could not be resolved ({exc}); check the URL's host name."
        ) from None
    # Drop an IPv6 zone ("fe80::1%eth0"): the address alone decides.
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in answers}
    if not addresses:
        raise UnsafeWebhookURL(f"the host {host} has no address; check the URL's host name.")
    return sorted(addresses, key=lambda a: (a.version, int(a)))


def webhook_destination(url: str) -> Destination:
    """Check a webhook URL and resolve it; raise UnsafeWebhookURL saying why it may not be used.

    Messages name no field; callers add "url: " (forms) or record them on the delivery.
    """
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeWebhookURL(
            f"the URL is {len(url):,} characters long; use at most {MAX_URL_LENGTH:,}."
        )
    if re.search(r"[\x00-\x20\x7f\\]", url):
        raise UnsafeWebhookURL("the URL must not contain spaces, control characters or '\\'.")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed "[" around an IPv6 address
        raise UnsafeWebhookURL(f"the URL is not valid ({exc}); check it.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.DEBUG):
        raise UnsafeWebhookURL(
            "use an https:// URL (plain http:// is accepted only when DEBUG is on)."
        )
    if "@" in parts.netloc:
        raise UnsafeWebhookURL(
            "remove the user:password@ part; receivers verify the X-Socialdist-Signature "
            "header instead of credentials in the URL."
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise UnsafeWebhookURL("the URL's port is not a number from 1 to 65535.")
    port = port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    if not host:
        raise UnsafeWebhookURL("the URL has no host; use e.g. https://example.com/hooks.")
    literal = literal_address(host)
    if literal is not None:
        # "0x7f.1 means 127.0.0.1, a loopback address" spells out what a legacy form stands for.
        subject = f"{host} is" if net.is_standard_ip(host) else f"{host} means {literal},"
        error = _refusal(subject, literal)
        if error:
            raise error
        return Destination(url=url, host=str(literal), port=port, address=str(literal))

    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeWebhookURL(f"{host} is not a valid host name; check the URL.") from None
    addresses = _resolve(ascii_host, port)
    for address in addresses:
        error = _refusal(f"{host} resolves to {address},", address)
        if error:
            raise error
    return Destination(url=url, host=ascii_host, port=port, address=str(addresses[0]))


class _PinnedAdapter(HTTPAdapter):
    """Connects to the checked address whatever the URL's host resolves to now.

    TLS still sends the host name (SNI) and checks the certificate against it.
    """

    def __init__(self, destination: Destination) -> None:
        self._destination = destination
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ):
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            name = self._destination.host
            pool_kwargs = {**pool_kwargs, "server_hostname": name, "assert_hostname": name}
        address = self._destination.address
        host_params = {**host_params, "host": f"[{address}]" if ":" in address else address}
        # Proxies are ignored on purpose: a proxy would resolve the name again.
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)


def webhook_post(
    destination: Destination, *, data: bytes, headers: dict[str, str], timeout: Any
) -> requests.Response:
    """POST to the checked address; redirects are returned, never followed."""
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    default_port = 443 if destination.url.lower().startswith("https:") else 80
    if destination.port != default_port:
        host = f"{host}:{destination.port}"
    with requests.Session() as session:
        # No proxies or .netrc from the environment; keep a custom CA bundle if one is set.
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
        adapter = _PinnedAdapter(destination)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session.post(
            destination.url,
            data=data,
            headers={**headers, "Host": host},
            timeout=timeout,
            allow_redirects=False,
        )
