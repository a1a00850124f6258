"""What every blob store shares: the chunk size, the key rule, the missing-blob error."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable

CHUNK_BYTES = 64 * 1024
KEY = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")


class BlobMissing(LookupError):
    """No blob under that key (never names more than the key, which holds no personal data)."""


def check_key(key: str) -> str:
    if not KEY.match(key) or ".." in key or key.startswith("/"):
        raise ValueError("a blob key is letters, digits, '.', '_', '-' and '/' only")
    return key


async def each(chunks: AsyncIterator[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    """The chunks one by one, whether they come from an iterator or an async one."""
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk
