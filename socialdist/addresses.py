"""Which network addresses an outbound request may reach (no SSRF into our own network).

Shared by webhooks (publishing) and by credentials connects (a blog's URL, channels): both send
requests to a URL a person typed, so both refuse loopback, private, link-local (cloud metadata)
and other non-public addresses unless the operator allows private ones. Knows no app.
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A host whose last label is a number is an IPv4 address in one of the legacy forms browsers and
# inet_aton accept: 2130706433, 0177.0.0.1, 0x7f.1, 127.1 all mean 127.0.0.1.
_IPV4_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class InvalidAddress(ValueError):
    """A host that looks like an IP address but is not a valid one."""


def address_problem(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why a request must not go to `address` ("a loopback address", …), or None when it may."""
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


def is_local(address: IPAddress) -> bool:
    """Loopback or private: a machine on this host or its own network (a local site)."""
    return address.is_loopback or address.is_private


def _ipv4_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)  # ValueError for 08, 09: not a valid address
    return int(part)


def is_standard_ip(host: str) -> bool:
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
    invalid = InvalidAddress(f"{host} is not a valid IP address; check the URL's host.")
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


def host_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address `host` stands for (itself when literal); OSError when it cannot be found."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        ascii_host = host.encode("idna").decode("ascii")
        answers = socket.getaddrinfo(ascii_host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise OSError(f"{host} is not a valid host name") from exc
    # Drop an IPv6 zone ("fe80::1%eth0"): the address alone decides.
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in answers}
    if not addresses:
        raise OSError(f"{host} has no address")
    return sorted(addresses, key=lambda a: (a.version, int(a)))


def url_host_problem(url: str, *, allow_private: bool, require_https: bool = True) -> str | None:
    """Why a request to `url` must not be sent (its host is, or resolves to, an address it may
    not reach, or it is plain http to a public site), or None when it may.

    Plain http:// is accepted only for local addresses: anything sent over the internet travels
    in the clear otherwise.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "is not a valid URL"
    host = parts.hostname or ""
    if not host:
        return "has no host"
    if parts.username or parts.password:
        return "must not contain a user name or password (user:password@)"
    try:
        addresses = host_addresses(host, port)
    except InvalidAddress as exc:
        return str(exc)
    except OSError:
        return f"names {host}, which could not be found; check the address"
    for address in addresses:
        problem = address_problem(address, allow_private=allow_private)
        if problem:
            return f"points at {host}, {problem}; only public addresses can be used here"
    if require_https and parts.scheme != "https" and not all(is_local(a) for a in addresses):
        return "must start with https:// (plain http:// only for a site on this machine or network)"
    return None
