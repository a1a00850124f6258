"""Pending values gathered and cancelled with none left unawaited (api/siblings.py), beside
graphql-core's own `gather_with_cancel`, which leaves a value unawaited when it is cancelled
before the value's task has begun."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from graphql.pyutils import gather_with_cancel as graphql_cores

from api.siblings import cancel, gather_with_cancel
from tests.api.unawaited import settle, unawaited

Gather = Callable[..., Awaitable[list[Any]]]
BOTH = pytest.mark.parametrize("gather", [gather_with_cancel, graphql_cores], ids=["ours", "graphql-core"])


async def _wrapped(value: Awaitable[Any]) -> Any:
    """As graphql-core wraps a resolver's coroutine: the value awaited inside another."""
    return await value


async def test_the_results_come_in_order() -> None:
    async def after(n: int, turns: int) -> int:
        for _ in range(turns):
            await asyncio.sleep(0)
        return n

    assert await gather_with_cancel(after(1, 3), after(2, 0), _wrapped(after(3, 1))) == [1, 2, 3]


@BOTH
async def test_a_gathering_cancelled_lets_each_value_begin(gather: Gather) -> None:
    begun: list[int] = []

    async def value(n: int) -> None:
        begun.append(n)
        await asyncio.sleep(60)

    with unawaited() as found:
        gathering = asyncio.ensure_future(gather(_wrapped(value(1)), _wrapped(value(2))))
        await asyncio.sleep(0)  # its first step: the values' tasks made, not yet begun
        gathering.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gathering
        await settle()
    if gather is graphql_cores:  # the fault this module mends
        assert (begun, len(found)) == ([], 2)
    else:
        assert (begun, found) == ([1, 2], [])


async def test_the_first_failure_cancels_the_others_once_begun() -> None:
    states: dict[str, str] = {}

    async def fails() -> None:
        raise ValueError("broken")

    async def waits(name: str) -> None:
        states[name] = "begun"
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            states[name] = "cancelled"
            raise

    with unawaited() as found:
        with pytest.raises(ValueError, match="broken"):
            await gather_with_cancel(_wrapped(waits("a")), fails(), _wrapped(waits("b")))
        # settled before the error came back
        assert states == {"a": "cancelled", "b": "cancelled"}
    assert found == []


async def test_a_task_cancelled_before_it_has_begun_begins_first() -> None:
    steps: list[str] = []

    async def value() -> None:
        steps.append("begun")
        await asyncio.sleep(60)

    with unawaited() as found:
        task = asyncio.ensure_future(_wrapped(value()))
        cancel([task])
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (steps, found, task.cancelled()) == (["begun"], [], True)


async def test_nothing_gathered_is_an_empty_list() -> None:
    assert await gather_with_cancel() == []


async def test_every_failure_is_read(caplog: pytest.LogCaptureFixture) -> None:
    """Two values fail: the first is raised and the second is read too, so asyncio logs no
    "Task exception was never retrieved" (an ERROR with a traceback) when its task is freed."""
    async def fails(n: int) -> None:
        raise ValueError(f"broken {n}")

    async def waits() -> None:
        await asyncio.sleep(60)

    caplog.set_level(logging.ERROR, logger="asyncio")
    for awaitables in ((fails(1), fails(2)), (_wrapped(waits()), fails(1), fails(2))):
        with pytest.raises(ValueError, match="broken 1"):
            await gather_with_cancel(*awaitables)
        await settle()
        gc.collect()
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
