"""The client address the sign-in throttle counts (issue 11): the socket peer; X-Forwarded-For
only when the peer is one of KHORTOR_TRUSTED_PROXIES, and then its right-most entry that is
not a trusted proxy. Runs on SQLite and PostgreSQL (the HTTP tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from api.app import create_app
from api.users.client_address import client_address
from domain.demo import DEMO_PASSWORD
from domain.settings import Settings, parse_networks
from tests.api.test_login_throttle import attempt, twenty_failures_between_sign_ins
from tests.conftest import _with_lifespan_state

PROXIES = parse_networks("10.0.0.0/24, fd00::/8")


@pytest.mark.parametrize(("peer", "forwarded_for", "expected"), [
    # Not a trusted proxy: the peer, whatever the header says.
    ("198.51.100.7", [], "198.51.100.7"),
    ("198.51.100.7", ["203.0.113.5"], "198.51.100.7"),
    ("198.51.100.7", ["10.0.0.2"], "198.51.100.7"),
    # A trusted proxy: the right-most entry that is not a trusted proxy.
    ("10.0.0.2", ["203.0.113.5"], "203.0.113.5"),
    ("10.0.0.2", ["1.2.3.4, 203.0.113.5"], "203.0.113.5"),  # the left is the client's claim
    ("10.0.0.2", ["1.2.3.4", "203.0.113.5, 10.0.0.3"], "203.0.113.5"),  # two lines, two proxies
    ("10.0.0.2", ["10.0.0.9, 10.0.0.3"], "10.0.0.9"),  # all trusted: the left-most
    ("10.0.0.2", ["203.0.113.5:4711"], "203.0.113.5"),
    ("10.0.0.2", ["[2001:db8::1]:4711"], "2001:db8::1"),
    ("10.0.0.2", ["2001:DB8:0::1"], "2001:db8::1"),  # one spelling per address
    ("fd00::2", ["203.0.113.5"], "203.0.113.5"),
    ("::ffff:10.0.0.2", ["203.0.113.5"], "203.0.113.5"),  # a dual-stack socket's IPv4 peer
    # Nothing usable from the proxy: the proxy itself.
    ("10.0.0.2", [], "10.0.0.2"),
    ("10.0.0.2", [""], "10.0.0.2"),
    ("10.0.0.2", ["unknown"], "10.0.0.2"),
    ("10.0.0.2", ["203.0.113.5, garbage"], "10.0.0.2"),
    (None, ["203.0.113.5"], None),
])
def test_the_client_address(peer: str | None, forwarded_for: list[str],
                            expected: str | None) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == expected


def test_with_no_trusted_proxy_the_header_is_never_read() -> None:
    assert client_address("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, behind the proxies of 10.0.0.0/24 and fd00::/8."""
    return replace(settings, trusted_proxies=PROXIES)


@pytest.fixture
async def from_peer(settings: Settings) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """`from_peer("10.0.0.2")`: an HTTP client whose socket peer is that address."""
    app = create_app(settings, clock=lambda: datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    async with app.router.lifespan_context(app) as state, AsyncExitStack() as stack:
        def make(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=_with_lifespan_state(app, state),
                                            client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://test")
            stack.push_async_callback(client.aclose)
            return client

        yield make


async def test_a_client_cannot_dodge_the_limit_by_changing_the_header(
        from_peer: Callable[[str], httpx.AsyncClient]) -> None:
    client = from_peer("198.51.100.7")  # not a trusted proxy
    await twenty_failures_between_sign_ins(client, "vol.naimueang", lambda n: f"203.0.113.{n}")
    locked = await attempt(client, "vol.naimueang", DEMO_PASSWORD, "203.0.113.200")
    assert (locked["code"], locked["retryAfterSeconds"]) == ("TOO_MANY_ATTEMPTS", 300)
    assert (await attempt(from_peer("198.51.100.8"), "vol.naimueang", DEMO_PASSWORD))[
        "__typename"] == "LoginSuccess"


async def test_behind_a_trusted_proxy_each_forwarded_client_counts_apart(
        from_peer: Callable[[str], httpx.AsyncClient]) -> None:
    proxy = from_peer("10.0.0.2")
    # The client writes what it likes on the left; the proxy appends its real address.
    await twenty_failures_between_sign_ins(proxy, "vol.naimueang",
                                           lambda n: f"192.0.2.{n}, 203.0.113.5")
    for via in (proxy, from_peer("10.0.0.3")):  # either proxy of the pool
        locked = await attempt(via, "vol.naimueang", DEMO_PASSWORD, "203.0.113.5")
        assert locked["code"] == "TOO_MANY_ATTEMPTS"
    assert (await attempt(proxy, "vol.naimueang", DEMO_PASSWORD, "203.0.113.6"))[
        "__typename"] == "LoginSuccess"
    # The proxy's own address is not locked either (it is not who failed).
    assert (await attempt(proxy, "vol.naimueang", DEMO_PASSWORD))["__typename"] == "LoginSuccess"
