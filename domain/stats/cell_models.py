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
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from domain.cases.models import Case, Referral
from domain.db import UTCDateTime

_NO_AUTO = {"autoincrement": False}


class StatsCaseCell(SQLModel, table=True):
    """Cases by area, period of receipt, problem type and case status."""

    __tablename__ = "stats_case_cell"

    grain: str = Field(primary_key=True, max_length=1)
    period: str = Field(primary_key=True, max_length=8)
    area: str = Field(primary_key=True, max_length=6)
    category_code: str = Field(primary_key=True, max_length=40)
    status: str = Field(primary_key=True, max_length=12)
    n: int = 0
    satang: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    satisfaction_count: int = 0
    satisfaction_sum: int = 0
    escalated_open: int = 0  # open (new, routed, in progress) at escalation level 1 or more


class StatsOpenDay(SQLModel, table=True):
    """Open cases by area, status and Bangkok day of receipt (days since 1970-01-01): their
    age is asked as of now. A case leaves its row when it is no longer open."""

    __tablename__ = "stats_open_day"

    grain: str = Field(primary_key=True, max_length=1)
    area: str = Field(primary_key=True, max_length=6)
    status: str = Field(primary_key=True, max_length=12)
    day: int = Field(primary_key=True, sa_column_kwargs=_NO_AUTO)
    n: int = 0


class StatsReferralCell(SQLModel, table=True):
    """Referrals by the case's area, period of receipt and problem type, and by office.

    The figures that depend on "now" are kept as the open referrals that *could* count
    (`pending`, `open`, `current_due`); the answer takes away, live, those whose deadline is
    still ahead (few: their deadlines are in the future)."""

    __tablename__ = "stats_referral_cell"

    grain: str = Field(primary_key=True, max_length=1)
    period: str = Field(primary_key=True, max_length=8)
    area: str = Field(primary_key=True, max_length=6)
    category_code: str = Field(primary_key=True, max_length=40)
    org_unit_code: str = Field(primary_key=True, max_length=20)
    n: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    completed: int = 0
    resolved_on_time: int = 0
    pending: int = 0  # PENDING and never accepted
    open: int = 0  # PENDING, ACCEPTED or ON_HOLD, never completed
    current_due: int = 0  # a current leg with a running deadline


class StatsDurationBin(SQLModel, table=True):
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
    n: int = 0


class StatsRollupState(SQLModel, table=True):
    """What the rollups were built with: `durations` names the business calendar of the
    duration bins (a holiday change rebuilds them; until then percentiles are live)."""

    __tablename__ = "stats_rollup_state"

    name: str = Field(primary_key=True, max_length=20)
    calendar_key: str | None = Field(default=None, max_length=16)
    built_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


_case = Case.__table__  # type: ignore[attr-defined]
_referral = Referral.__table__  # type: ignore[attr-defined]
_OPEN_CASE = "status IN ('NEW', 'ROUTED', 'IN_PROGRESS')"
_OPEN_REFERRAL = "status IN ('PENDING', 'ACCEPTED', 'ON_HOLD')"
# The live parts of a rollup answer read only what moves with "now": open cases received in
# the last two months, open referrals whose deadline is still ahead.
IX_CASE_OPEN_RECEIVED = Index("ix_case_file_open_received", _case.c.received_at,
                              postgresql_where=text(_OPEN_CASE), sqlite_where=text(_OPEN_CASE))
IX_REFERRAL_PENDING_DUE = Index("ix_referral_pending_accept_due", _referral.c.accept_due_at,
                                postgresql_where=text("status = 'PENDING'"),
                                sqlite_where=text("status = 'PENDING'"))
IX_REFERRAL_OPEN_DUE = Index("ix_referral_open_resolve_due", _referral.c.resolve_due_at,
                             postgresql_where=text(_OPEN_REFERRAL), sqlite_where=text(_OPEN_REFERRAL))
IX_REFERRAL_CURRENT_DUE = Index("ix_referral_current_next_due", _referral.c.next_due_at,
                                postgresql_where=text("is_current AND next_due_at IS NOT NULL"),
                                sqlite_where=text("is_current AND next_due_at IS NOT NULL"))
