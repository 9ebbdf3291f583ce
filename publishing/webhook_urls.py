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

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The size of the WebhookEndpoint.url column: a longer URL could not be saved anyway.
MAX_URL_LENGTH = 1000

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PUBLIC_ONLY = "webhooks can only go to public internet addresses"
_ALLOW_HINT = " (set WEBHOOK_ALLOW_PRIVATE=1 to allow private targets)"
# A host whose last label is a number is an IPv4 address in one of the legacy forms browsers and
# inet_aton accept: 2130706433, 0177.0.0.1, 0x7f.1, 127.1 all mean 127.0.0.1.
_IPV4_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class UnsafeWebhookURL(ValueError):
    """The URL must not be used for a webhook; the message says why and what to do."""


@dataclass(frozen=True)
class Destination:
    url: str
    host: str  # ASCII host name, or the canonical IP when the URL names an address
    port: int
    address: str  # the checked IP to connect to


def address_problem(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why a webhook must not go to `address` ("a loopback address", …), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 form that carries an IPv4 address reaches that address: judge the IPv4 one.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded, allow_private=allow_private)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_loopback:  # before "reserved": ::1 is in the reserved ::/8
        return None if allow_private else "a loopback address"
    if address.is_reserved:
        return "a reserved address"
    if allow_private:
        return None
    if address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _refusal(subject: str, address: IPAddress) -> UnsafeWebhookURL | None:
    """The error for an address a webhook may not reach, or None when it may."""
    problem = address_problem(address, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    if problem is None:
        return None
    # Only say the switch helps when it would: link-local, multicast… stay refused with it.
    hint = _ALLOW_HINT if address_problem(address, allow_private=True) is None else ""
    return UnsafeWebhookURL(f"{subject} {problem}; {_PUBLIC_ONLY}{hint}.")


def _ipv4_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)  # ValueError for 08, 09: not a valid address
    return int(part)


def _is_standard_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host names literally, in any form (incl. the legacy IPv4 ones)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # "127.0.0.1." is 127.0.0.1
    if not _IPV4_PART.match(parts[-1]):
        return None  # a host name
    invalid = UnsafeWebhookURL(f"{host} is not a valid IP address; check the URL's host.")
    if len(parts) > 4 or not all(_IPV4_PART.match(p) for p in parts):
        raise invalid
    try:
        numbers = [_ipv4_number(p) for p in parts]
    except ValueError:
        raise invalid from None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise invalid
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


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
        subject = f"{host} is" if _is_standard_ip(host) else f"{host} means {literal},"
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
