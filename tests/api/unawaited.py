"""Coroutines left unawaited: what the sibling-cancellation tests look for (api/siblings.py)."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def unawaited() -> Iterator[list[str]]:
    """The coroutines reported "never awaited" while the block ran (collected at its end)."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
        gc.collect()
    found += [str(w.message) for w in caught if "never awaited" in str(w.message)]


async def settle() -> None:
    """A few turns of the loop: cancelled tasks finish."""
    for _ in range(5):
        await asyncio.sleep(0)
