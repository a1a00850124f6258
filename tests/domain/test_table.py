"""Table models made without SQLModel's per-field assignment (domain/table.py): the same values
as SQLModel gives the object, stored as given, and changes after it is stored still tracked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlmodel._compat
from sqlalchemy import inspect, select, update
from sqlmodel import Field, SQLModel

from domain.audit.models import AdminAuditEntry
from domain.cases.models import CaseEvent, Referral
from domain.db import Database
from domain.models import metadata
from domain.outbox.models import OutboxJob
from domain.table import Table, loaded


def _tables() -> list[type]:
    """Every mapped model."""
    return sorted((mapper.class_ for mapper in SQLModel._sa_registry.mappers),  # type: ignore[attr-defined]
                  key=lambda model: model.__name__)


def _as_sqlmodel_makes(model: type, values: dict[str, Any]) -> Any:
    made = model.__new__(model)
    model._sa_class_manager._new_state_if_none(made)  # type: ignore[attr-defined]
    sqlmodel._compat.sqlmodel_table_construct(self_instance=made, values=dict(values))
    return made


def _fields(made: Any) -> dict[str, Any]:
    return {k: v for k, v in made.__dict__.items() if not k.startswith("_sa_")}


def test_every_table_model_is_a_table() -> None:
    tables = _tables()
    assert {t.__tablename__ for t in tables} <= set(metadata.tables) and len(tables) >= 39
    assert [t.__name__ for t in tables if not issubclass(t, Table)] == []


@pytest.mark.parametrize("model", _tables(), ids=lambda m: m.__name__)
def test_an_object_is_made_as_sqlmodel_makes_it(model: type) -> None:
    given = {"note": "ข้อความ", "id": uuid.uuid4()} if model is CaseEvent else {}
    given["not_a_field"] = 1  # ignored, as SQLModel ignores it
    ours, theirs = model(**given), _as_sqlmodel_makes(model, given)
    a, b = _fields(ours), _fields(theirs)
    assert a.keys() == b.keys()
    for name in a:  # a default factory's values differ; their types do not
        factory = model.model_fields[name].default_factory
        assert type(a[name]) is type(b[name]) if factory else a[name] == b[name], name
    assert ours.__pydantic_fields_set__ == theirs.__pydantic_fields_set__
    assert inspect(ours).transient


def test_a_default_factorys_value_is_each_objects_own() -> None:
    first, second = OutboxJob(name="x"), OutboxJob(name="y")
    first.ids["case_id"] = "ก"
    assert (first.ids, second.ids) == ({"case_id": "ก"}, {})
    assert Referral(org_unit_code="DLPW-43").id != Referral(org_unit_code="DLPW-43").id


async def test_an_object_is_stored_as_given_and_later_changes_are_tracked(db: Database) -> None:
    target = f"test-table-{uuid.uuid4().hex[:8]}"
    async with db.write_sessions() as session, session.begin():
        entry = AdminAuditEntry(at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC), action="HOLIDAY_ADDED",
                                target_type="HOLIDAY", target_id=target, after={"name": "วันพ่อแห่งชาติ"})
        entry.action = "HOLIDAY_CHANGED"  # changed before the flush: the change is stored
        session.add(entry)
        await session.flush()
        assert entry.id is not None
        entry.target_type = "DAY"  # changed after the flush: SQLAlchemy's history has both
        history = inspect(entry).attrs.target_type.history
        assert (list(history.deleted), list(history.added)) == (["HOLIDAY"], ["DAY"])
        assert entry in session.dirty
    async with db.read_sessions() as session:
        stored = (await session.execute(select(AdminAuditEntry).where(
            AdminAuditEntry.target_id == target))).scalar_one()  # type: ignore[arg-type]
    assert (stored.action, stored.target_type, stored.after, stored.actor_id) == (
        "HOLIDAY_CHANGED", "DAY", {"name": "วันพ่อแห่งชาติ"}, None)


def test_what_it_does_not_make_is_refused() -> None:
    class Aliased(Table):  # not a table (SQLModel validates those): nothing mapped or added
        name: str = Field(alias="label")

    with pytest.raises(TypeError, match="plain table models only"):
        Aliased(label="x")


async def test_loaded_reads_the_rows_dictionary_and_an_expired_value_through_the_orm(db: Database) -> None:
    target = f"test-loaded-{uuid.uuid4().hex[:8]}"
    names = frozenset(("action", "target_type", "target_id"))
    async with db.write_sessions() as session, session.begin():
        entry = AdminAuditEntry(at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC), action="HOLIDAY_ADDED",
                                target_type="HOLIDAY", target_id=target)
        session.add(entry)
        await session.flush()
        assert loaded(entry, names) is entry.__dict__  # every one loaded: the dictionary itself
        await session.execute(update(AdminAuditEntry).where(AdminAuditEntry.id == entry.id)  # type: ignore[arg-type]
                              .values(action="HOLIDAY_CHANGED"))
        session.expire(entry, ["action"])  # not loaded now: read through SQLAlchemy, which loads it
        values = await session.run_sync(lambda _: loaded(entry, names))
    assert dict(values) == {"action": "HOLIDAY_CHANGED", "target_type": "HOLIDAY", "target_id": target}
