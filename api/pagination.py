"""Opaque cursors and page sizes for Relay-style connections.

A cursor is read strictly: ASCII only (`int()` and `uuid.UUID()` also take Thai and
fullwidth digits, `str.isdigit()` also superscripts), offsets of at most 15 digits (a
larger one overflows the databases' 64-bit integers), instants that exist in UTC.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)

from api.errors import bad_input

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_OFFSET_DIGITS = 15


def page_size(first: int | None, default: int = DEFAULT_PAGE) -> int:
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise bad_input(f"`first` must be between 1 and {MAX_PAGE}.",
                        f"`first` ต้องอยู่ระหว่าง 1 ถึง {MAX_PAGE}")
    return size


def asks_for(info: Any, *path: str) -> bool:
    """Whether the field being resolved selects `path`: a field of its own (`totalCount`) or
    one further down (`edges`, `node`, `referrals`), fragments included. Read off the document
    itself (graphql-core's resolve info), only as far as `path` goes: strawberry's
    `info.selected_fields` converted the field's whole selection, fragments and directives
    included, at each call."""
    raw = info._raw_info  # strawberry's Info: graphql-core's resolve info within
    return any(_selects(node.selection_set, path, raw.fragments) for node in raw.field_nodes)


def _selects(selection_set: SelectionSetNode | None, path: tuple[str, ...],
             fragments: dict[str, FragmentDefinitionNode]) -> bool:
    if selection_set is None:
        return False
    for s in selection_set.selections:
        if isinstance(s, FieldNode):
            if s.name.value == path[0] and (len(path) == 1 or _selects(s.selection_set, path[1:], fragments)):
                return True
        elif isinstance(s, InlineFragmentNode):
            if _selects(s.selection_set, path, fragments):
                return True
        elif isinstance(s, FragmentSpreadNode):
            fragment = fragments.get(s.name.value)  # validated: it exists, and spreads no cycle
            if fragment is not None and _selects(fragment.selection_set, path, fragments):
                return True
    return False


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not text.isascii():
        raise _bad_cursor()
    return text


def _bad_cursor() -> GraphQLError:
    return bad_input("The cursor is not valid.", "ตำแหน่งหน้า (cursor) ไม่ถูกต้อง")


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
        return at.astimezone(UTC), uuid.UUID(parts[2])
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+07:00 has no UTC
        raise _bad_cursor() from None


def offset_cursor(offset: int) -> str:
    return _encode(f"o|{offset}")


def read_offset_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    parts = _decode(cursor).split("|")
    if (len(parts) != 2 or parts[0] != "o" or not parts[1].isdigit()
            or len(parts[1]) > MAX_OFFSET_DIGITS):
        raise _bad_cursor()
    return int(parts[1]) + 1
