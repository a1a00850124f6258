"""Siblings of a failed field: cancelled, with none left unawaited.

graphql-core awaits a selection's (or a list's) pending values together with
`gather_with_cancel`: when one fails, the others are cancelled. Its version awaits them with
`asyncio.gather`, and cancelling a gather cancels its tasks at once, also those that have not
begun. A task that has not begun never begins: its coroutine (graphql-core's wrapper of a
resolver's coroutine) is thrown the cancellation at its first line, and the resolver's coroutine
it holds is dropped unawaited. Python then warns "coroutine ... was never awaited": in
production a warning in the log for an ordinary error; under the tests, which turn warnings into
errors, a failure. It happens when a non-null field fails while a sibling list is still starting
its items (the fuzzing test met it; graphql-core issue 269 is its kin).

`gather_with_cancel` here awaits its tasks with `asyncio.wait`, which leaves them alone when
cancelled, and cancels them itself when it resumes: its wakeup is queued after their first steps,
so each has begun. `cancel` cancels a task that has not begun just after its first step (already
queued, so it runs first). `use_in_graphql_core` makes graphql-core's executor use this
`gather_with_cancel` for lists and for `gather_async_work`; `Executor.execute_fields` uses it for
selections.
"""

from __future__ import annotations

from asyncio import FIRST_EXCEPTION, Future, Task, ensure_future, get_running_loop, wait
from collections.abc import Awaitable, Iterable
from inspect import CORO_CREATED, getcoroutinestate, iscoroutine
from typing import Any

import graphql.execution.executor as graphql_executor


async def gather_with_cancel(*awaitables: Awaitable[Any]) -> list[Any]:
    """The awaitables' results in order, awaited concurrently. A failure fails the whole (the
    first failed in the order given, once the others are settled): the others are cancelled
    and settled first, and every failure is read, so asyncio logs none as never retrieved. If
    this is cancelled, so are they; one that had not begun begins first (its first step may
    start a statement, which the cancellation then interrupts)."""
    if not awaitables:
        return []
    futures: list[Future[Any]] = [ensure_future(awaitable) for awaitable in awaitables]
    try:
        await wait(futures, return_when=FIRST_EXCEPTION)
    except BaseException:  # cancelled (`wait` leaves its futures alone)
        for future in futures:
            future.add_done_callback(_retrieve)
        cancel(futures)
        raise
    failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception() is not None), None)
    if failed is None:
        return [future.result() for future in futures]
    pending = [future for future in futures if not future.done()]
    if pending:
        cancel(pending)
        await wait(pending)
    for future in futures:
        _retrieve(future)
    raise failed.exception()  # type: ignore[misc]


def _retrieve(future: Future[Any]) -> None:
    """Read a settled future's exception, as `asyncio.gather` reads each of its children's."""
    if not future.cancelled():
        future.exception()


def cancel(futures: Iterable[Future[Any]]) -> None:
    """Cancel each future not yet done; a task that has not begun, once it has begun."""
    loop = None
    for future in futures:
        if future.done():
            continue
        coro = future.get_coro() if isinstance(future, Task) else None
        if iscoroutine(coro) and getcoroutinestate(coro) == CORO_CREATED:
            loop = loop or get_running_loop()
            loop.call_soon(future.cancel)
        else:
            future.cancel()


def use_in_graphql_core() -> None:
    """graphql-core's executor gathers a list's items (and `gather_async_work`) with this
    module's `gather_with_cancel`: it looks the name up in its module each time."""
    graphql_executor.gather_with_cancel = gather_with_cancel  # type: ignore[attr-defined]
