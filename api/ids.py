"""Ids as clients send them."""

from __future__ import annotations

import uuid

import strawberry

NIL = uuid.UUID(int=0)


def id_or_nil(value: strawberry.ID) -> uuid.UUID:
    """The UUID of an id, or the nil UUID for text that is none: no row has it, so a lookup
    answers NOT_FOUND just as for an id that does not exist."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return NIL
