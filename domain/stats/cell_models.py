"""The rollup tables of the dashboards (issue 15; docs/rollups.md): `caseStats`' figures summed
ahead, kept in the transaction of every change of a case or referral (domain/stats/upkeep.py),
rebuilt by `khortor rebuild-stats` (domain/stats/rebuild.py), answered by
domain/stats/rollups.py.

Every cell is kept at three area grains — `grain` "N" (the nation, `area` ""), "P" (province,
2 digits), "D" (district, 4 digits) — and three periods of receipt — `period` "A" (all time),
"F2570" (a fiscal year, B.E.), "M2026-10" (a Bangkok month; not for districts, whose months
are few cases, counted live) — so a national question over ten years sums a few hundred rows,
not millions. Values are counts (and baht in whole satang):
exact, and added or taken away by `INSERT … ON CONFLICT DO UPDATE`.

The tables every change touches (cases, open days, referrals, durations) keep each cell as up to
`SLOTS` + 1 rows told apart by `slot`, summed on read: on PostgreSQL a transaction adds to the rows
of one slot drawn at random (domain/stats/cell_writes.py), so concurrent filings in one province
do not queue for the same rows' locks until each commits, and a correction after the calendar or
the deadlines mark moved adds to a row of its own (slot `SLOTS`); a rebuild writes slot 0 alone,
and so does SQLite, which has one writer at a time.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field

from domain.cases.models import Case
from domain.db import UTCDateTime
from domain.table import Table

_NO_AUTO = {"autoincrement": False}
SLOTS = 8  # slots a commit adds to, per cell of the tables every change touches (PostgreSQL); corrections: slot SLOTS


def _slot() -> Any:
    return Field(default=0, primary_key=True, sa_column_kwargs={**_NO_AUTO, "server_default": text("0")})


class StatsCaseCell(Table, table=True):
    """Cases by area, period of receipt, problem type and case status."""

    __tablename__ = "stats_case_cell"

    grain: str = Field(primary_key=True, max_length=1)
    period: str = Field(primary_key=True, max_length=8)
    area: str = Field(primary_key=True, max_length=6)
    category_code: str = Field(primary_key=True, max_length=40)
    status: str = Field(primary_key=True, max_length=12)
    slot: int = _slot()
    n: int = 0
    satang: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    satisfaction_count: int = 0
    satisfaction_sum: int = 0
    escalated_open: int = 0  # open (new, routed, in progress) at escalation level 1 or more


class StatsOpenDay(Table, table=True):
    """Open cases by area, status and Bangkok day of receipt (days since 1970-01-01): their
    age is asked as of now. A case leaves its row when it is no longer open."""

    __tablename__ = "stats_open_day"

    grain: str = Field(primary_key=True, max_length=1)
    area: str = Field(primary_key=True, max_length=6)
    status: str = Field(primary_key=True, max_length=12)
    day: int = Field(primary_key=True, sa_column_kwargs=_NO_AUTO)
    slot: int = _slot()
    n: int = 0


class StatsReferralCell(Table, table=True):
    """Referrals by the case's area, period of receipt and problem type, and by office.

    The figures that move with "now" are kept as of a mark in time, the `deadlines` row of
    `stats_rollup_state` (`built_at`): the open referrals whose running deadline had passed by
    then (`*_passed`). The `stats.pass_deadlines` sweep moves the mark to now every sweep period;
    an answer adds, live, the few deadlines that passed between the mark and its "now"."""

    __tablename__ = "stats_referral_cell"

    grain: str = Field(primary_key=True, max_length=1)
    period: str = Field(primary_key=True, max_length=8)
    area: str = Field(primary_key=True, max_length=6)
    category_code: str = Field(primary_key=True, max_length=40)
    org_unit_code: str = Field(primary_key=True, max_length=20)
    slot: int = _slot()
    n: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    completed: int = 0
    resolved_on_time: int = 0
    pending_passed: int = 0  # PENDING, never accepted, acceptance deadline before the mark
    open_passed: int = 0  # PENDING, ACCEPTED or ON_HOLD, never completed, resolution deadline before it
    current_passed: int = 0  # a current leg whose running deadline is before it


class StatsOpenReferral(Table, table=True):
    """Each open referral with a running deadline, with its case's keys: the figures that move
    with now ("counted", "overdue") add to the cells' `*_passed` the deadlines that passed
    between the mark and now — read here through an index on each deadline, without the
    referral and case tables — and the `stats.pass_deadlines` sweep moves them into the cells.
    A referral leaves this table when none of its deadlines runs."""

    __tablename__ = "stats_open_referral"
    __table_args__ = tuple(
        Index(f"ix_stats_open_referral_{name}", name, postgresql_where=text(f"{name} IS NOT NULL"),
              sqlite_where=text(f"{name} IS NOT NULL"))
        for name in ("pending_due", "open_due", "current_due"))

    referral_id: uuid.UUID = Field(primary_key=True)
    province_code: str = Field(max_length=2)
    district_code: str = Field(max_length=4)
    category_code: str = Field(max_length=40)
    org_unit_code: str = Field(max_length=20)
    fiscal_year: int
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    pending_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))  # awaiting acceptance
    open_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))  # awaiting completion
    current_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))  # a current leg's running one


class StatsDurationBin(Table, table=True):
    """Histograms of office time from referral to acceptance (`measure` "A") and to completion
    ("R") for the nation and each province, all time and by fiscal year, in two levels: `width`
    "C" bins of one business day (28,800 office seconds) and "F" bins of 0.02 business days
    (576 s). A percentile is found in the coarse bins, then in the fine bins of that one coarse
    bin; the midpoint of a fine bin is within 0.01 business days of every value in it. Kept for
    the calendar named in `stats_rollup_state`. (Finer keys — districts, months, problem types,
    offices — would hold about one value per fine bin: those percentiles are counted live.)"""

    __tablename__ = "stats_duration_bin"

    grain: str = Field(primary_key=True, max_length=1)
    period: str = Field(primary_key=True, max_length=8)
    area: str = Field(primary_key=True, max_length=6)
    measure: str = Field(primary_key=True, max_length=1)
    width: str = Field(primary_key=True, max_length=1)
    bin: int = Field(primary_key=True, sa_column_kwargs=_NO_AUTO)
    slot: int = _slot()
    n: int = 0


class StatsVolunteerCell(Table, table=True):
    """Cases by the volunteer who filed them, the case's province and period of receipt (all
    time, fiscal year; a volunteer's months are few cases, counted live): `volunteerActivity`
    for the nation or a province."""

    __tablename__ = "stats_volunteer_cell"

    filed_by_id: uuid.UUID = Field(primary_key=True)
    province_code: str = Field(primary_key=True, max_length=2)
    period: str = Field(primary_key=True, max_length=8)
    n: int = 0
    open: int = 0
    satisfaction_count: int = 0
    satisfaction_sum: int = 0


class StatsLastActivity(Table, table=True):
    """The last history entry each person wrote (history is only ever appended)."""

    __tablename__ = "stats_last_activity"

    actor_id: uuid.UUID = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class StatsCoverage(Table, table=True):
    """Active volunteers per sub-district (`networkCoverage`: covered when one or more)."""

    __tablename__ = "stats_coverage"

    subdistrict_code: str = Field(primary_key=True, max_length=6)
    volunteers: int = 0


class StatsRollupState(Table, table=True):
    """What the rollups were built with: `durations` names the business calendar of the
    duration bins (a holiday change rebuilds them; until then percentiles are live);
    `deadlines` holds the mark (`built_at`) up to which passed deadlines are in the cells."""

    __tablename__ = "stats_rollup_state"

    name: str = Field(primary_key=True, max_length=20)
    calendar_key: str | None = Field(default=None, max_length=16)
    built_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


_case = Case.__table__  # type: ignore[attr-defined]
# The live parts of a rollup answer read open cases received in the last two months.
_OPEN_CASE = "status IN ('NEW', 'ROUTED', 'IN_PROGRESS')"
IX_CASE_OPEN_RECEIVED = Index("ix_case_file_open_received", _case.c.received_at,
                              postgresql_where=text(_OPEN_CASE), sqlite_where=text(_OPEN_CASE))
