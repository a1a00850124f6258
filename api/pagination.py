"""Opaque cursors and page sizes for Relay-style connections."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from graphql import GraphQLError

MAX_PAGE = 100
DEFAULT_PAGE = 20


def page_size(first: int | None, default: int = DEFAULT_PAGE) -> int:
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise GraphQLError(f"`first` must be between 1 and {MAX_PAGE}.",
                           extensions={"code": "BAD_USER_INPUT"})
    return size


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None


def _bad_cursor() -> GraphQLError:
    return GraphQLError("The cursor is not valid.", extensions={"code": "BAD_USER_INPUT"})


def time_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return _encode(f"t|{at.isoformat()}|{row_id}")


def read_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    parts = _decode(cursor).split("|")
    try:
        if len(parts) != 3 or parts[0] != "t":
            raise ValueError
        at = datetime.fromisoformat(parts[1])
        if at.tzinfo is None:
            raise ValueError
        return at, uuid.UUID(parts[2])
    except ValueError:
        raise _bad_cursor() from None


def offset_cursor(offset: int) -> str:
    return _encode(f"o|{offset}")


def read_offset_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    parts = _decode(cursor).split("|")
    if len(parts) != 2 or parts[0] != "o" or not parts[1].isdigit():
        raise _bad_cursor()
    return int(parts[1]) + 1
