"""The reference data's version on SQLite (the tables themselves live with their domains)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from domain.table import Table


class ReferenceVersion(Table, table=True):
    """SQLite: which state reference data (areas, agencies, offices, problem types, SLA
    policies, routing rules) is in, on one row that a trigger on each of those tables sets to a
    new random value at every change (migration 0017; random, so that no value comes back after
    a rollback). A filing reads it in its transaction to know whether what it keeps of reference
    data is still the database's (domain/cases/filing.py). PostgreSQL's processes hear of every
    change instead (domain/watch.py): there the row stays at 0."""

    __tablename__ = "reference_version"
    __table_args__ = (CheckConstraint("id = 1", name="reference_version_one_row"),)

    id: int = Field(default=1, primary_key=True)
    version: int = 0
