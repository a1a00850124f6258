"""Problem types, their SLA policies and routing rules: data an admin edits, not code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class Category(Table, table=True):
    __tablename__ = "category"

    code: str = Field(primary_key=True, max_length=40)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    agency_code: str = Field(foreign_key="agency.code", max_length=8)
    priority: str = Field(max_length=10)
    sort_order: int = 0
    # Never deleted once a case uses it: deactivated (no new cases), kept for the old ones.
    active: bool = True
    # Raised by each admin change (with the SLA policy's), so an edit made on an older
    # version is refused instead of silently undoing someone else's.
    version: int = 1


class SlaPolicy(Table, table=True):
    """Deadlines of a category in business days (0 = the same day)."""

    __tablename__ = "sla_policy"

    category_code: str = Field(primary_key=True, foreign_key="category.code", max_length=40)
    accept_business_days: int
    resolve_business_days: int
    legal_days: int | None = None


class RoutingRuleRow(Table, table=True):
    """`(category, area prefix) → org unit`; no `org_unit_code` = the agency's office in the case's province."""

    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    category_code: str = Field(foreign_key="category.code", max_length=40, index=True)
    area_prefix: str = Field(default="", max_length=6)
    agency_code: str = Field(foreign_key="agency.code", max_length=8)
    org_unit_code: str | None = Field(default=None, foreign_key="org_unit.code", max_length=20)
    # Rules are versions, never deleted (referrals name the rule that routed them): a rule is
    # in force from `added_at` (null: seeded) until `removed_at`.
    added_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
