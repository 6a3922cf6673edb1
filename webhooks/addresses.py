"""Which addresses a webhook may be delivered to: never our own network (SSRF).

A tenant chooses the URL; we make the request from inside AWS. So a delivery
must never reach loopback, a private network, the instance metadata service
(169.254.169.254, fd00:ec2::254) or any range that is not the public
internet. The Standard Webhooks specification names this risk ("Server side
request forgery (SSRF)", spec/standard-webhooks.md of
github.com/standard-webhooks/standard-webhooks) and leaves the means to us.

Two checks, either of which refuses:

- the stdlib's `ipaddress` properties (`is_global`, `is_multicast`, ...), and
- `REFUSED_NETWORKS`, an explicit list from the IANA special-purpose
  registries.

Both, because the properties change across Python versions. On this
project's 3.12.1, `is_global` is True for 3fff::/20 (documentation, RFC 9637),
2002::/16 (6to4), 64:ff9b:1::/48 (local-use NAT64), 5f00::/16, fec0::/10,
192.0.0.8, multicast (233.252.0.1, ff0e::1), and the NAT64 and
IPv4-compatible forms of every private IPv4 (64:ff9b::a00:1 is 10.0.0.1);
later CPython releases added the first three to their own list of blocks that
are not globally reachable. The list holds whatever this Python says; the
properties catch what the list may forget (tests/webhooks/test_addresses.py
prints what the list adds on the running interpreter).

An IPv6 address that carries an IPv4 address (IPv4-mapped ::ffff:0:0/96,
IPv4-compatible ::/96, NAT64 64:ff9b::/96) is judged by the IPv4 it carries:
a NAT64 gateway or a dual-stack socket delivers to that IPv4.

Local mode (`make dev`) also allows loopback, and nothing else.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: A host name and port to the addresses it resolves to (injected in tests).
type Resolver = Callable[[str, int], Sequence[IPAddress]]

#: Longer URLs are refused: an endpoint's URL is stored and shown in its log.
MAX_URL_LENGTH = 2048

# IANA IPv4 and IPv6 special-purpose address registries (RFC 6890 and later),
# the blocks that are not globally reachable, plus multicast and 6to4.
REFUSED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), name)
    for network, name in (
        ("0.0.0.0/8", "this network"),
        ("10.0.0.0/8", "private network"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local (instance metadata)"),
        ("172.16.0.0/12", "private network"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private network"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique local (includes the metadata fd00:ec2::254)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)

_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A DNS label: letters, digits and inner hyphens (RFC 1123). A name's last
# label must hold a letter, so "127.1" or "2130706433" (which the C resolver
# reads as IPv4 addresses) are not taken for names.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class AddressRefused(ValueError):
    """A URL or an address a delivery may not go to; the message says why, for the tenant."""


@dataclass(frozen=True)
class Endpoint:
    """A checked endpoint URL, split the way a delivery needs it."""

    url: str
    scheme: str  # "https", or "http" in local mode
    host: str  # a lower-case name, or an IP address without brackets
    port: int
    target: str  # the path and query sent in the request line

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def refusal(address: IPAddress, *, local: bool = False) -> str | None:
    """Why a delivery may not go to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = _carried_ipv4(address)
        if carried is not None:
            reason = refusal(carried, local=local)
            return None if reason is None else f"{reason} (as IPv6 {address})"
    if local and any(address in network for network in _LOOPBACK):
        return None
    for network, name in REFUSED_NETWORKS:
        if address in network:
            return f"{name} ({network})"
    # What the list may lack, in the words of this Python's ipaddress.
    if address.is_multicast:
        return "multicast"
    if not address.is_global or address.is_reserved or address.is_unspecified:
        return "not a public internet address"
    return None


def _carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to for TCP, in the resolver's order, once each."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_addresses(addresses: Sequence[IPAddress], *, local: bool = False) -> None:
    """Refuse unless there is at least one address and every one of them is allowed.

    One refused address refuses the name: a name that also points inside our
    network is someone's attempt, or a mistake, never a receiver.
    """
    if not addresses:
        raise AddressRefused("the host name has no address")
    for address in addresses:
        reason = refusal(address, local=local)
        if reason is not None:
            raise AddressRefused(f"the host resolves to a refused address: {reason}")


def parse_endpoint(url: str, *, local: bool = False) -> Endpoint:
    """The URL's parts, or `AddressRefused` when its form is not one we deliver to.

    https only, except in local mode (http to loopback for `make dev`); no user
    name or password; a DNS name or an IP literal; any port.
    """
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # urlsplit quietly drops tabs and newlines; a URL with any is refused instead.
    if not url.isascii() or not url.isprintable() or " " in url:
        raise AddressRefused("the URL has spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(url)
    except ValueError:  # brackets around what is not an IPv6 address
        raise AddressRefused("the URL's host is neither a DNS name nor an IP address") from None
    allowed_schemes = ("https", "http") if local else ("https",)
    if parts.scheme not in allowed_schemes:
        raise AddressRefused("the URL must start with https://")
    if "@" in parts.netloc:
        raise AddressRefused("the URL may not carry a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise AddressRefused("the URL's port is not a number from 1 to 65535") from None
    host = parts.hostname or ""
    if port == 0:
        raise AddressRefused("the URL's port is not a number from 1 to 65535")
    if not _is_ip_literal(host, bracketed=parts.netloc.startswith("[")) and not _is_dns_name(host):
        raise AddressRefused("the URL's host is neither a DNS name nor an IP address")
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    return Endpoint(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        target=target,
    )


def check_endpoint_url(url: str, *, local: bool = False, resolver: Resolver = resolve) -> Endpoint:
    """The check when an endpoint is saved: its form, and every address its host has now.

    Not enough on its own: the name may resolve elsewhere later (DNS
    rebinding), so `webhooks.delivery` checks again at every connection.
    """
    endpoint = parse_endpoint(url, local=local)
    try:
        addresses = addresses_of(endpoint, resolver)
    except OSError:
        raise AddressRefused("the host name does not resolve") from None
    check_addresses(addresses, local=local)
    return endpoint


def addresses_of(endpoint: Endpoint, resolver: Resolver = resolve) -> Sequence[IPAddress]:
    """The addresses to check and connect to: an IP literal's own, else the resolver's."""
    try:
        return [ipaddress.ip_address(endpoint.host)]
    except ValueError:
        return resolver(endpoint.host, endpoint.port)


def _is_ip_literal(host: str, *, bracketed: bool) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # An IPv6 literal is only an address in brackets, an IPv4 one only without.
    return bracketed == (address.version == 6)


def _is_dns_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return not labels[-1].isdigit() and not labels[-1].startswith("0x")
