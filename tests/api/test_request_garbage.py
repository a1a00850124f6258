"""A request leaves nothing for the cyclic garbage collector: what it made is freed as it
ends. Every executor (graphql-core's resolver helpers held its bound methods), the request's
loaders (each loader held them) and an officer's changed rows (SQLAlchemy's memoized attribute
states) were in reference cycles, with everything they reached: a case view left about 435
objects, and at the serving thresholds each collection of them took 17-70 ms with the process's
requests waiting (api/fields.py `_helpers`, api/loaders.py `_weakly`, domain/stats/upkeep.py
`_deleted`)."""

from __future__ import annotations

import collections
import gc
from collections.abc import Awaitable, Callable

import httpx

from domain.cases.commands import CaseFilter
from tests.api.cases_api import (ACCEPT_REFERRAL, ALL_CASES, CASE, DemoUser, current_referral, open_case,
                                 sign_in, succeeded)

OURS = ("api", "domain", "graphql", "strawberry", "sqlalchemy", "sqlmodel", "starlette")


async def _left_for_the_collector(requests: list[Callable[[], Awaitable[object]]]) -> dict[str, int]:
    """The objects of our packages and their libraries that only the cyclic collector would
    have freed after `requests` ran, by type. They run twice before, so that what is made once
    a process (a statement compiled on the cache's first miss, reference data) is made."""
    for _ in range(2):
        for request in requests:
            await request()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for request in requests:
            await request()
        gc.collect()
        types = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage
                                    if type(o).__module__.split(".")[0] in OURS)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return dict(types)


async def test_a_view_a_list_a_filing_and_an_acceptance_leave_nothing_for_the_collector(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    officer = await sign_in(client, "dlpw.nongkhai")
    cases = [await open_case(volunteer) for _ in range(4)]
    waiting = iter(current_referral(case, "DLPW-43")["id"] for case in cases)

    async def accept() -> object:
        return succeeded(await officer.mutate(ACCEPT_REFERRAL, referralId=next(waiting)), "AcceptReferralSuccess")

    requests: list[Callable[[], Awaitable[object]]] = [
        lambda: volunteer.run(CASE, id=cases[0]["id"]),
        lambda: volunteer.run(ALL_CASES, first=20),
        lambda: open_case(volunteer),
        accept,
    ]
    assert await _left_for_the_collector(requests) == {}


async def test_the_check_sees_a_cycle(client: httpx.AsyncClient) -> None:
    """The check itself: a request after which one of our objects is reachable only through a
    reference cycle is caught."""
    volunteer: DemoUser = await sign_in(client, "vol.naimueang")

    async def cyclic() -> object:
        loop: dict[str, object] = {"filter": CaseFilter()}
        loop["self"] = loop
        return await volunteer.run(ALL_CASES, first=1)

    assert await _left_for_the_collector([cyclic]) == {"domain.cases.commands.CaseFilter": 1}
