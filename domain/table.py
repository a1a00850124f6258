"""The base of every table model: made without SQLModel's per-field assignment.

SQLModel makes a table model's object by assigning each field in turn through its own
`__setattr__`, which asks again for each field whether the class is a table, sets the value
through SQLAlchemy's instrumentation and then through pydantic's `__setattr__`. A filing makes
about a dozen such objects (the case, its referrals, their history entries and clocks), and that
was a seventh of `openCase`'s time in process (bench/requests.py, issue 11).

`Table.__init__` does what SQLModel's does for a table model (which validates nothing): the
given fields and the defaults of the others (a default factory called, a mutable default
copied) go into the object's dictionary at once, with pydantic's bookkeeping beside them.
Writing the dictionary of a new object is what SQLAlchemy's own loading does: a flush inserts a
new object's values from its dictionary, and an object is new until that flush. Its attribute
history differs: SQLModel's object has its values as added, this one as unchanged (and a value
changed before the flush has the first as deleted). Nothing reads a new object's history (the
rollups' upkeep reads a new row's values; the history of changed rows only). Keys that are not
fields are ignored, as SQLModel ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic._internal._utils import smart_deepcopy
from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel
from sqlmodel._compat import finish_init

_REQUIRED, _DEFAULT, _FACTORY = 0, 1, 2
Fields = tuple[tuple[str, int, Any], ...]
_FIELDS: dict[type, Fields] = {}  # by table model: see `_fields_of`


class Table(SQLModel):
    """Subclassed with `table=True` by every table model (see the module's text)."""

    def __init__(self, **data: Any) -> None:
        if not finish_init.get():  # SQLModel's model_validate: it sets the fields itself
            return
        cls = type(self)
        fields = _FIELDS.get(cls) or _fields_of(cls)
        values = self.__dict__
        given = set()
        for name, kind, default in fields:
            if name in data:
                values[name] = data[name]
                given.add(name)
            elif kind == _FACTORY:
                values[name] = default()
            elif kind == _DEFAULT:
                values[name] = smart_deepcopy(default)
        object.__setattr__(self, "__pydantic_fields_set__", given)
        object.__setattr__(self, "__pydantic_extra__", None)
        object.__setattr__(self, "__pydantic_private__", None)


def _fields_of(cls: type[Table]) -> Fields:
    """(name, how its value is had when not given, the default or its factory) of each field,
    kept for the class. Refused for what this `__init__` does not do: a model that is not a
    table (SQLModel validates those), relationships, a post-init hook or private attributes,
    extra fields, aliases, a default factory given the other values."""
    if (not cls.model_config.get("table") or cls.__sqlmodel_relationships__ or cls.__pydantic_post_init__
            or cls.model_config.get("extra") == "allow"
            or any(field.alias or getattr(field, "default_factory_takes_data", False)
                   for field in cls.model_fields.values())):
        raise TypeError(f"{cls.__name__}: Table makes plain table models only")
    fields = tuple(
        (name, _FACTORY, field.default_factory) if field.default_factory is not None
        else (name, _DEFAULT, field.default) if field.default is not PydanticUndefined
        else (name, _REQUIRED, None)
        for name, field in cls.model_fields.items())
    _FIELDS[cls] = fields
    return fields


def loaded(row: Table, names: frozenset[str]) -> Mapping[str, Any]:
    """The values of `names` of `row`, by name: its own dictionary when every one of them is
    loaded there (where a query, or `Table.__init__`, put them), else each read as an attribute
    (which loads an expired one). A list of 20 cases made its schema objects from about 700
    attribute reads through SQLAlchemy's instrumentation, 0.2 µs each: read from the dictionary,
    `Case.of` took 3 µs instead of 10 (api/cases/types.py, issue 11)."""
    values = row.__dict__
    if names <= values.keys():
        return values
    return {name: getattr(row, name) for name in names}
