"""Where a webhook may go (webhooks/addresses.py): every range of our own network refused,
as an address, in its IPv6 disguises and behind a host name; the public internet allowed.

Host names resolve through a stub resolver: nothing here asks a DNS server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

import pytest

from webhooks.addresses import (
    REFUSED_NETWORKS,
    AddressRefused,
    IPAddress,
    check_endpoint_url,
    parse_endpoint,
    refusal,
    resolve,
)

# One address of each refused range (issue 29's list, then the IANA special-purpose ones).
REFUSED_IPV4 = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",  # the instance metadata service
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",  # noqa: S104  (refused, not bound: it reaches this host on Linux)
    "0.1.2.3",
    "224.0.0.1",
    "233.252.0.1",  # multicast documentation: global to Python 3.12.1
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.0.8",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",
    "198.18.0.1",
    "192.88.99.1",
]
REFUSED_IPV6 = [
    "::1",
    "::",
    "fd00:ec2::254",  # AWS's IPv6 instance metadata service
    "fc00::1",
    "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::1",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "3fff::1",  # documentation (RFC 9637): global to Python 3.12.1
    "2002:a00:1::1",  # 6to4: global to Python 3.12.1
    "64:ff9b:1::a00:1",  # local-use NAT64: global to Python 3.12.1
    "100::1",
    "2001::1",
    "5f00::1",
]
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "52.94.236.248",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8: a public receiver behind a NAT64 gateway
]


def disguises(ipv4: str) -> list[str]:
    """The IPv6 forms that carry `ipv4`: mapped, compatible, NAT64."""
    value = int(ipaddress.IPv4Address(ipv4))
    return [
        str(ipaddress.IPv6Address((0xFFFF << 32) | value)),
        str(ipaddress.IPv6Address(value)),
        str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | value)),
    ]


REFUSED_DISGUISED = [form for ipv4 in REFUSED_IPV4 for form in disguises(ipv4)]


def resolving_to(*addresses: str) -> Callable[[str, int], Sequence[IPAddress]]:
    def resolver(host: str, port: int) -> Sequence[IPAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolver


@pytest.mark.parametrize("address", REFUSED_IPV4 + REFUSED_IPV6 + REFUSED_DISGUISED)
def test_an_address_of_our_own_network_is_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", REFUSED_IPV4 + REFUSED_IPV6 + REFUSED_DISGUISED)
def test_a_name_that_resolves_to_it_is_refused(address: str) -> None:
    with pytest.raises(AddressRefused, match="refused address"):
        check_endpoint_url("https://hooks.example.com/in", resolver=resolving_to(address))


@pytest.mark.parametrize("address", REFUSED_IPV4 + REFUSED_IPV6 + REFUSED_DISGUISED)
def test_it_is_refused_as_an_ip_literal_too(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(AddressRefused, match="refused address"):
        check_endpoint_url(f"https://{host}/in", resolver=resolving_to("8.8.8.8"))


@pytest.mark.parametrize("address", ALLOWED)
def test_a_public_address_is_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None
    endpoint = check_endpoint_url("https://hooks.example.com/in", resolver=resolving_to(address))
    assert (endpoint.host, endpoint.port, endpoint.target) == ("hooks.example.com", 443, "/in")


def test_one_refused_address_among_public_ones_refuses_the_name() -> None:
    with pytest.raises(AddressRefused, match="loopback"):
        check_endpoint_url(
            "https://hooks.example.com/", resolver=resolving_to("8.8.8.8", "127.0.0.1")
        )


def test_a_name_with_no_address_is_refused() -> None:
    with pytest.raises(AddressRefused, match="no address"):
        check_endpoint_url("https://hooks.example.com/", resolver=resolving_to())


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def nothing(host: str, port: int) -> Sequence[IPAddress]:
        raise OSError("NXDOMAIN")

    with pytest.raises(AddressRefused, match="does not resolve"):
        check_endpoint_url("https://hooks.example.com/", resolver=nothing)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
def test_local_mode_allows_loopback(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), local=True) is None
    check_endpoint_url("http://receiver.test:8080/", local=True, resolver=resolving_to(address))


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::", "192.168.1.1"],  # noqa: S104
)
def test_local_mode_allows_nothing_else(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), local=True) is not None


def test_the_list_refuses_what_this_pythons_properties_call_global() -> None:
    """Why both checks: these are global to Python 3.12.1's `ipaddress`, refused by the list."""
    global_to_python = [
        address
        for address in REFUSED_IPV4 + REFUSED_IPV6 + REFUSED_DISGUISED
        if ipaddress.ip_address(address).is_global
    ]
    assert all(refusal(ipaddress.ip_address(address)) for address in global_to_python)
    # Not an assertion about Python: a record of what the list adds on this interpreter.
    print(f"global to this Python, refused by the list: {global_to_python}")


def test_the_list_names_the_ranges_of_the_issue() -> None:
    listed = {str(network) for network, _ in REFUSED_NETWORKS}
    issue = {"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"}
    assert issue | {"100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128"} <= listed


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/", "https"),
        ("ftp://hooks.example.com/", "https"),
        ("hooks.example.com/in", "https"),
        ("https://user:secret@hooks.example.com/", "user name"),
        ("https://user@hooks.example.com/", "user name"),
        ("https://hooks.example.com:0/", "port"),
        ("https://hooks.example.com:99999/", "port"),
        ("https://hooks.example.com:http/", "port"),
        ("https:///in", "neither"),
        ("https://hooks_example.com/", "neither"),
        ("https://-hooks.example.com/", "neither"),
        ("https://2130706433/", "neither"),  # 127.0.0.1 to the C resolver
        ("https://127.1/", "neither"),
        ("https://0x7f000001/", "neither"),
        ("https://::1/", "port"),  # an unbracketed IPv6 reads as host ":" and port
        ("https://[127.0.0.1]/", "neither"),
        ("https://127%2E0%2E0%2E1/", "neither"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://hooks.example.com/\tin", "spaces"),
        ("https://hooks.exämple.com/", "non-ASCII"),
        ("https://hooks.example.com/" + "a" * 2048, "longer"),
    ],
)
def test_a_url_not_of_our_form_is_refused(url: str, why: str) -> None:
    with pytest.raises(AddressRefused, match=why):
        check_endpoint_url(url, resolver=resolving_to("8.8.8.8"))


def test_a_url_of_our_form_is_split_for_delivery() -> None:
    endpoint = parse_endpoint("https://Hooks.Example.com:8443/in/bound?tenant=7")
    assert endpoint.host == "hooks.example.com"
    assert endpoint.port == 8443
    assert endpoint.target == "/in/bound?tenant=7"
    assert endpoint.host_header == "hooks.example.com:8443"
    assert parse_endpoint("https://[2606:4700::1]/").host_header == "[2606:4700::1]"
    assert parse_endpoint("https://hooks.example.com").target == "/"


def test_http_is_only_for_local_mode() -> None:
    assert parse_endpoint("http://127.0.0.1:9000/", local=True).port == 9000
    with pytest.raises(AddressRefused, match="https"):
        parse_endpoint("http://127.0.0.1:9000/")


def test_the_systems_resolver_finds_localhost_refused_in_production_allowed_locally() -> None:
    """The default resolver, on a name /etc/hosts answers: no DNS server is asked."""
    assert ipaddress.ip_address("127.0.0.1") in resolve("localhost", 443)
    with pytest.raises(AddressRefused, match="loopback"):
        check_endpoint_url("https://localhost/hooks")
    assert check_endpoint_url("http://localhost:8080/hooks", local=True).port == 8080
