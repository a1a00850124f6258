"""Work on an event loop and thread of its own, as another server process would do it (with an
engine of its own), for tests that pause it mid-way while the test's loop goes on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def in_a_thread_of_its_own(work: Callable[[], Awaitable[T]]) -> Callable[[], T]:
    """Start `work()` on a loop and thread of its own. Returns what waits for it (60 s at most)
    and gives its result; its error fails the test there, not lost in the thread."""
    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, asyncio.run(work())))  # type: ignore[arg-type]
        except BaseException as error:  # reported by the test
            outcome.append((False, error))

    thread = threading.Thread(target=run)
    thread.start()

    def ended() -> T:
        thread.join(60)
        assert not thread.is_alive() and outcome, "still running after 60 s"
        ((done, result),) = outcome
        assert done, result
        return result  # type: ignore[return-value]

    return ended
