"""Sign-in abuse resistance over HTTP: lockout per username, and per username from one client
address (issues 6 and 11).

Runs on SQLite and PostgreSQL. A clock the test moves is injected into the app, so the
lockout's end is checked without sleeping.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, select

from api.app import create_app
from domain.bootstrap import open_database
from domain.demo import DEMO_PASSWORD
from domain.settings import Settings
from domain.users import repository as users_repository
from domain.users.models import LoginThrottle
from tests.conftest import _with_lifespan_state
from workers import handlers

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on UserError { message messageTh code }
    ... on TooManyAttemptsError { retryAfterSeconds }
  }
}
"""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


Clients = Callable[[str], Any]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def from_address(settings: Settings, clock: Clock) -> AsyncIterator[Clients]:
    """`from_address("10.0.0.1")`: an HTTP client whose requests come from that address."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app) as state, AsyncExitStack() as stack:
        async def make(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=_with_lifespan_state(app, state),
                                            client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://test")
            return await stack.enter_async_context(client)

        yield make


async def attempt(http: httpx.AsyncClient, username: str, password: str,
                  forwarded_for: str | None = None) -> dict[str, Any]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    response = await http.post("/graphql", headers=headers, json={"query": LOGIN, "variables": {
        "username": username, "password": password}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["login"]
    return result


async def test_five_wrong_passwords_lock_the_username_for_fifteen_minutes(
        from_address: Clients, clock: Clock) -> None:
    http = await from_address("10.1.0.1")
    for _ in range(5):
        assert (await attempt(http, "vol.naimueang", "wrong-password"))["code"] == \
            "INVALID_CREDENTIALS"
    locked = await attempt(http, "vol.naimueang", DEMO_PASSWORD)
    assert locked["__typename"] == "TooManyAttemptsError"
    assert locked["code"] == "TOO_MANY_ATTEMPTS"
    assert locked["retryAfterSeconds"] == 15 * 60
    assert "Too many" in locked["message"] and "15 minute" in locked["message"]
    assert "15 นาที" in locked["messageTh"]

    # Locked from every address: the lock belongs to the username.
    elsewhere = await from_address("10.1.0.2")
    assert (await attempt(elsewhere, "vol.naimueang", DEMO_PASSWORD))["code"] == \
        "TOO_MANY_ATTEMPTS"
    # Other users are not affected.
    assert (await attempt(http, "dlpw.nongkhai", DEMO_PASSWORD))["__typename"] == "LoginSuccess"

    clock.advance(timedelta(minutes=14, seconds=30))
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["retryAfterSeconds"] == 30
    clock.advance(timedelta(seconds=30))
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def test_an_unknown_username_is_locked_exactly_like_a_real_one(
        from_address: Clients) -> None:
    http = await from_address("10.2.0.1")
    answers: dict[str, list[dict[str, Any]]] = {}
    for username in ("vol.naimueang", "no.such.person"):
        answers[username] = [await attempt(http, username, "wrong-password") for _ in range(6)]
    real, fake = answers["vol.naimueang"], answers["no.such.person"]
    assert real == fake
    assert [a["code"] for a in real] == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"]


async def test_failures_outside_the_window_do_not_add_up(
        from_address: Clients, clock: Clock) -> None:
    http = await from_address("10.3.0.1")
    for _ in range(4):
        await attempt(http, "vol.naimueang", "wrong-password")
    clock.advance(timedelta(minutes=16))
    for _ in range(4):
        await attempt(http, "vol.naimueang", "wrong-password")
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def test_a_right_password_forgives_earlier_failures(from_address: Clients) -> None:
    http = await from_address("10.4.0.1")
    for _ in range(4):
        await attempt(http, "vol.naimueang", "wrong-password")
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["__typename"] == "LoginSuccess"
    for _ in range(4):
        assert (await attempt(http, "vol.naimueang", "wrong"))["code"] == "INVALID_CREDENTIALS"
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def twenty_failures_between_sign_ins(http: httpx.AsyncClient, username: str,
                                          forwarded_for: Callable[[int], str | None] = lambda n: None,
                                          ) -> None:
    """20 wrong passwords for `username` within a minute, a right one after every four, so
    the username itself never locks (a right password forgives its failures)."""
    for n in range(24):
        if n % 5 == 4:
            assert (await attempt(http, username, DEMO_PASSWORD, forwarded_for(n)))[
                "__typename"] == "LoginSuccess"
        else:
            assert (await attempt(http, username, "wrong", forwarded_for(n)))["code"] == \
                "INVALID_CREDENTIALS"


async def test_twenty_failures_a_minute_lock_the_username_from_that_address(
        from_address: Clients, clock: Clock) -> None:
    attacker, elsewhere = await from_address("10.5.0.1"), await from_address("10.5.0.2")
    await twenty_failures_between_sign_ins(attacker, "vol.naimueang")
    locked = await attempt(attacker, "vol.naimueang", DEMO_PASSWORD)
    assert (locked["code"], locked["retryAfterSeconds"]) == ("TOO_MANY_ATTEMPTS", 300)
    # The same user from another address, and another user from the same address, go on.
    assert (await attempt(elsewhere, "vol.naimueang", DEMO_PASSWORD))["__typename"] == \
        "LoginSuccess"
    assert (await attempt(attacker, "vol.michai", DEMO_PASSWORD))["__typename"] == "LoginSuccess"
    clock.advance(timedelta(minutes=5))
    assert (await attempt(attacker, "vol.naimueang", DEMO_PASSWORD))["__typename"] == \
        "LoginSuccess"


async def test_successful_sign_ins_from_one_address_are_not_limited(
        from_address: Clients) -> None:
    office = await from_address("10.6.0.1")  # a district office behind one address
    for _ in range(25):
        assert (await attempt(office, "vol.naimueang", DEMO_PASSWORD))["__typename"] == \
            "LoginSuccess"


async def test_neither_usernames_nor_addresses_are_stored_in_clear(
        from_address: Clients, db_url: str) -> None:
    http = await from_address("10.7.0.1")
    await attempt(http, "someone.guessed", "wrong")
    db = open_database(db_url)
    try:
        async with db.read_sessions() as session:
            rows = (await session.execute(select(LoginThrottle))).scalars().all()
    finally:
        await db.dispose()
    assert len(rows) == 2
    stored = " ".join(f"{r.key} {r.failures}" for r in rows)
    assert "someone" not in stored and "10.7.0.1" not in stored


async def test_concurrent_wrong_passwords_check_at_most_five_before_the_lock(
        from_address: Clients) -> None:
    """100 wrong passwords at once: the attempts queue on the username's throttle row, so at
    most five passwords are checked. The right password, sent while the others are still in
    flight but after the lock (the first refusal says it is in place), is refused like them.
    (Sent earlier, the right one may legitimately be checked before the fifth wrong one and
    sign in, forgiving the count; which one the database serves first is not ours to fix.)"""
    http = await from_address("10.8.0.1")
    wrong = [asyncio.ensure_future(attempt(http, "vol.naimueang", f"wrong-{n}"))
             for n in range(100)]
    pending: set[asyncio.Future[dict[str, Any]]] = set(wrong)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if any(d.result().get("code") == "TOO_MANY_ATTEMPTS" for d in done):
            break
    right = await attempt(http, "vol.naimueang", DEMO_PASSWORD)
    answers = await asyncio.gather(*wrong)
    codes = Counter(a.get("code", a["__typename"]) for a in answers)
    # Only a wrong password that was checked answers INVALID_CREDENTIALS.
    assert codes == {"INVALID_CREDENTIALS": 5, "TOO_MANY_ATTEMPTS": 95}, codes
    assert right["code"] == "TOO_MANY_ATTEMPTS"
    # Still locked afterwards, for the right password too.
    assert (await attempt(http, "vol.naimueang", DEMO_PASSWORD))["code"] == "TOO_MANY_ATTEMPTS"


async def test_the_sweep_forgets_counts_that_no_longer_count(db_url: str) -> None:
    """`users.throttle_sweep` (hourly) deletes windows long over and locks long expired; a
    count still in its window, or a username still locked, stays."""
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    rows = {
        "old": LoginThrottle(key="a" * 64, failures=3, window_started_at=now - timedelta(hours=2)),
        "expired": LoginThrottle(key="b" * 64, failures=0, window_started_at=now - timedelta(hours=2),
                                 locked_until=now - timedelta(hours=1)),
        "counting": LoginThrottle(key="c" * 64, failures=2, window_started_at=now - timedelta(minutes=5)),
        "locked": LoginThrottle(key="d" * 64, failures=0, window_started_at=now - timedelta(hours=2),
                                locked_until=now + timedelta(minutes=3)),
    }
    db = open_database(db_url)
    try:
        async with db.write_sessions() as session, session.begin():
            session.add_all(rows.values())
        offset = (now - datetime.now(UTC)).total_seconds()
        rt = handlers.Runtime(settings=Settings(database_url=db_url, clock_offset_seconds=offset), db=db)
        assert await handlers.registry.sweeps["users.throttle_sweep"].select(rt) == []
        async with db.read_sessions() as session:
            kept = set((await session.execute(select(LoginThrottle.key))).scalars())
    finally:
        await db.dispose()
    assert kept == {rows["counting"].key, rows["locked"].key}


@pytest.mark.postgresql_only  # row locks: on SQLite one writer holds the whole database
async def test_a_count_row_deleted_while_an_attempt_waits_for_its_lock_is_made_again(db_url: str) -> None:
    """A right password deletes the username's count row (`clear_throttle`) after a second
    attempt's insert met the row and did nothing, and before that attempt's lock: the lock waits
    for the delete and then finds no row. The attempt makes the row again and counts on it
    (it answered "No row was found" to a sign-in in a full test run)."""
    key, now = "e" * 64, datetime.now(UTC)
    asyncpg_url = db_url.replace("postgresql+asyncpg://", "postgresql://")
    db = open_database(db_url)
    deleting, go_on = threading.Event(), threading.Event()

    def the_right_password() -> None:  # another process's sign-in, on a connection of its own
        async def run() -> None:
            connection = await asyncpg.connect(asyncpg_url)
            try:
                async with connection.transaction():
                    await connection.execute("DELETE FROM login_throttle WHERE key = $1", key)
                    deleting.set()
                    go_on.wait(10)  # held until the attempt waits for this row's lock
            finally:
                await connection.close()
        asyncio.run(run())

    helper = threading.Thread(target=the_right_password)

    def before_the_lock(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FOR UPDATE" in statement and not helper.is_alive() and not deleting.is_set():
            helper.start()
            assert deleting.wait(10)
            threading.Timer(0.5, go_on.set).start()  # the delete commits while the lock waits

    try:
        async with db.write_sessions() as session, session.begin():
            session.add(LoginThrottle(key=key, failures=2, window_started_at=now))
        event.listen(db.engine.sync_engine, "before_cursor_execute", before_the_lock)
        try:
            async with db.write_sessions() as session, session.begin():
                row = await users_repository.locked_throttle_row(session, key, now)
                assert (row.key, row.failures) == (key, 0)  # the count the delete left: none
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", before_the_lock)
            go_on.set()
            helper.join(10)
        assert deleting.is_set()  # the interleaving happened
    finally:
        await db.dispose()
