"""Ids and codes as clients send them."""

from __future__ import annotations

import uuid

import strawberry

NIL = uuid.UUID(int=0)


def id_or_nil(value: strawberry.ID) -> uuid.UUID:
    """The UUID of an id, or the nil UUID for text that is none: no row has it, so a lookup
    answers NOT_FOUND just as for an id that does not exist. ASCII only (`uuid.UUID` also
    reads Thai and fullwidth digits)."""
    text = str(value)
    if not text.isascii():
        return NIL
    try:
        return uuid.UUID(text)
    except ValueError:
        return NIL


def code(value: str) -> str:
    """A code as sent, trimmed, made storable: a NUL (which a GraphQL string may escape as
    `\\u0000`, and PostgreSQL refuses) becomes U+FFFD, so the code matches nothing."""
    return value.replace("\x00", "\ufffd").strip()


def optional_code(value: str | None) -> str | None:
    return None if value is None else code(value)
