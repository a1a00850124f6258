"""Who is at the other end, for the sign-in throttle: the socket peer, or — only when the peer
is one of KHORTOR_TRUSTED_PROXIES — the right-most X-Forwarded-For entry that is not a trusted
proxy itself (each proxy appends the address it was reached from; what is left of the
trusted ones was written by the client and proves nothing).

This is the only place that reads X-Forwarded-For: `khortor serve` runs uvicorn with
`proxy_headers=False`, so the ASGI scope's client is always the socket peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from domain.settings import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   trusted_proxies: Sequence[Network]) -> str | None:
    """The client's address; `forwarded_for` holds the X-Forwarded-For header lines."""
    if peer is None:
        return None
    address = _parse(peer)
    if address is None:
        return peer  # not an IP address (a Unix socket): nothing to trust
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",")]
    while hops and _trusted(address, trusted_proxies):
        hop = _parse(_without_port(hops.pop()))
        if hop is None:
            break  # not what a proxy writes: stop at the last proxy we trust
        address = hop
    return str(address)


def _trusted(address: IPAddress, trusted_proxies: Sequence[Network]) -> bool:
    return any(address in network for network in trusted_proxies)


def _parse(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 from a dual-stack socket is 10.0.0.1
    return address


def _without_port(hop: str) -> str:
    """`203.0.113.5:4711` and `[2001:db8::1]:4711` as some proxies write them; bare IPv6 as is."""
    if hop.startswith("["):
        return hop[1:].partition("]")[0]
    if hop.count(":") == 1:
        return hop.partition(":")[0]
    return hop
