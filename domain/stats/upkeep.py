"""Keeping the rollup cells exact: a `before_flush` hook (given to every database by
domain/bootstrap.py) sums each changed case's and referral's new contribution less its old one
(and the commit's collector those of rows inserted or updated at commit, never flushed: a
filing's, an acceptance's),
and the collector (`collect`) hands the transaction's sums to the commit's one round trip
(domain/commit_writes.py, domain/stats/cell_writes.py), in the same transaction, so the cells
commit and roll back with the rows they count.

Every change of a case or referral figure goes through the ORM (the one bulk UPDATE,
`cases.repository.blank_texts`, touches only texts): tests/domain/test_stats_rollups.py checks
kept = rebuilt after a random history.

Durations need the business calendar: they are measured with the calendar named in
`stats_rollup_state`, from the `stats_calendar_day` rows of that key; the referral cells count
the deadlines passed by the mark in the same table (domain/stats/deadline_mark.py). A change
counts against the calendar and the mark this process last saw; the commit reads both rows in
its round trip (locked `FOR SHARE` on PostgreSQL; on SQLite the writer holds the database's write
lock since its BEGIN IMMEDIATE), so a rebuild after a holiday change or the mark's sweep, which
lock them, is never interleaved with a change, and corrects the cells in a second statement when
either had moved (the mark about once a sweep period per process, the calendar when a holiday
changes). In a process that has not seen them yet, the first flush that changes a referral
reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from domain.cases.models import Case, CaseEvent, Referral
from domain.cases.changes import HISTORY
from domain.commit_writes import Collected, Part, inserted, queued, updated
from domain.stats import cell_writes
from domain.stats import contributions as c
from domain.stats.cell_models import (StatsCaseCell, StatsCoverage, StatsDurationBin, StatsOpenDay, StatsReferralCell,
                                      StatsRollupState, StatsVolunteerCell)
from domain.stats.cell_writes import DURATIONS, FIGURES, KEYS, MARK
from domain.stats.models import StatsCalendarDay
from domain.stats.rules import CalendarDay, office_seconds
from domain.users.models import User

NO_MARK = datetime(1970, 1, 1, tzinfo=UTC)  # no deadline passed before it
_DAYS: dict[str, dict[int, CalendarDay]] = {}  # calendar key → the days read so far
_SEEN: dict[Any, tuple[str | None, datetime]] = {}  # database URL → (calendar key, mark) last seen


class Deltas:
    """Sums of contributions by cell, per table, before they are written."""

    def __init__(self) -> None:
        self.by_table: dict[Any, dict[tuple[Any, ...], list[int]]] = {}

    def add(self, table: Any, key: tuple[Any, ...], values: Iterable[int] | int) -> None:
        cells = self.by_table.get(table)
        if cells is None:
            cells = self.by_table[table] = {}
        total = cells.get(key)
        if isinstance(values, int):
            if total is None:
                cells[key] = [int(values)]
            else:
                total[0] += int(values)
        elif total is None:
            cells[key] = [int(v) for v in values]
        else:
            for i, v in enumerate(values):
                total[i] += int(v)

    def rows(self, table: Any, slot: int = 0) -> list[dict[str, Any]]:
        """The non-zero sums as rows to write, in `slot` for the tables whose cells are spread."""
        names = cell_writes.written(table) + FIGURES[table]
        extra = (slot,) if table in cell_writes.SPREAD else ()
        # One order everywhere: two transactions never wait for each other's cells in a cycle.
        return [dict(zip(names, key + extra + tuple(v), strict=True))
                for key, v in sorted(self.by_table.get(table, {}).items(), key=lambda kv: repr(kv[0]))
                if any(v)]


def _deleted(state: Any, name: str) -> Any:
    """The values an attribute had before the flush (SQLAlchemy's attribute history, read as
    `inspect(row).attrs[name].history` reads it: that memoizes the row's attribute states,
    each pointing back at the row's state, a reference cycle per row left for the collector)."""
    return state.get_history(name, PASSIVE_NO_INITIALIZE).deleted


def _values(row: Any, fields: tuple[str, ...], old: bool) -> dict[str, Any]:
    if not old:
        return {name: getattr(row, name) for name in fields}
    state = instance_state(row)
    out = {}
    for name in fields:
        deleted = _deleted(state, name)
        out[name] = deleted[0] if deleted else getattr(row, name)
    return out


def _old_new(row: Any, fields: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A changed row's values before the flush (SQLAlchemy's attribute history) and now."""
    state = instance_state(row)
    old, new = {}, {}
    for name in fields:
        new[name] = value = getattr(row, name)
        deleted = _deleted(state, name)
        old[name] = deleted[0] if deleted else value
    return old, new


class _Flush:
    """The rows a flush adds, changes and deletes, by model (read once: `Session.dirty` is
    computed on each access, and `isinstance` on a SQLModel class goes through `ABCMeta`)."""

    def __init__(self, new: Iterable[Any], dirty: Iterable[Any] = (), deleted: Iterable[Any] = ()) -> None:
        self.by_kind: dict[tuple[str, type], list[Any]] = {}
        for kind, rows in (("new", new), ("dirty", dirty), ("deleted", deleted)):
            for row in rows:
                self.by_kind.setdefault((kind, type(row)), []).append(row)

    def rows(self, kind: str, model: type) -> list[Any]:
        return self.by_kind.get((kind, model), [])

    def changes(self, model: type, fields: tuple[str, ...]) -> list[tuple[dict | None, dict | None]]:
        """(old values or None, new values or None) of every `model` row added or changed."""
        out: list[tuple[dict | None, dict | None]] = [(None, _values(row, fields, old=False))
                                                      for row in self.rows("new", model)]
        for row in self.rows("dirty", model):  # changed, perhaps back to what it was
            old, new = _old_new(row, fields)
            if old != new:
                out.append((old, new))
        out.extend((_values(row, fields, old=True), None) for row in self.rows("deleted", model))
        return out


def _case_dims(session: Session, ids: set[Any]) -> dict[Any, c.CaseDims]:
    dims: dict[Any, c.CaseDims] = {}
    for row in list(session.new) + list(session.identity_map.values()) + inserted(session):
        if type(row) is Case and row.id in ids:
            dims[row.id] = c.CaseDims(row.province_code, row.district_code, row.category_code, row.received_at,
                                      row.fiscal_year)
    missing = ids - set(dims)
    if missing:
        stmt = select(Case.id, Case.province_code, Case.district_code, Case.category_code,  # type: ignore[call-overload]
                      Case.received_at, Case.fiscal_year).where(Case.id.in_(sorted(missing)))  # type: ignore[attr-defined]
        for row in session.connection().execute(stmt):
            dims[row[0]] = c.CaseDims(row[1], row[2], row[3], row[4], row[5])
    return dims


def _durations(v: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(m, v[at]) for m, at in (("A", "accepted_at"), ("R", "completed_at")) if v[at] is not None]


def _state(session: Session, pending: Pending) -> tuple[str | None, datetime]:
    """The calendar key the duration bins are kept for (None: none kept, percentiles are then
    answered live) and the deadlines mark, read once per transaction — `FOR SHARE`, so a rebuild
    or the mark's sweep, which lock their row, are never interleaved with a change."""
    if pending.state is None:
        conn = session.connection()
        stmt = select(StatsRollupState.name, StatsRollupState.calendar_key,  # type: ignore[call-overload]
                      StatsRollupState.built_at).where(StatsRollupState.name.in_((DURATIONS, MARK)))  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(read=True)
        pending.state = _seen(conn, [tuple(r) for r in conn.execute(stmt)])
    return pending.state


def _seen(conn: Any, rows: list[tuple[Any, ...]]) -> tuple[str | None, datetime]:
    """(calendar key, mark) from the state rows (name, calendar_key, built_at), remembered."""
    by_name = {r[0]: r for r in rows}
    key = by_name[DURATIONS][1] if DURATIONS in by_name else None
    mark = by_name[MARK][2] if MARK in by_name and by_name[MARK][2] is not None else NO_MARK
    _SEEN[conn.engine.url] = (key, mark)
    return key, mark


def _mark(session: Session, pending: Pending) -> tuple[str | None, datetime, bool]:
    """(calendar key, deadlines mark, guessed) for a flush's referral changes: the key and mark
    this process last saw, without a round trip; `collect` reads both rows in the commit's round trip
    (`FOR SHARE` on PostgreSQL; SQLite's writer holds the write lock since BEGIN IMMEDIATE) and
    corrects the cells if either had moved (`_correct`). In a process that has not seen them
    yet, both rows, read once per transaction (`_state`)."""
    if pending.state is None:
        conn = session.connection()
        known = _SEEN.get(conn.engine.url)
        if known is not None:
            if pending.assumed is None:
                pending.assumed = known
            return pending.assumed[0], pending.assumed[1], True
    key, mark = _state(session, pending)
    return key, mark, False


def _correct(deltas: Deltas, pending: Pending, actual: tuple[str | None, datetime], conn: Any) -> None:
    """What the guessed referral contributions (`_mark`) were off by if the calendar key and
    mark were `actual`: the referral cells if the mark had moved, the duration bins if the
    calendar had changed (the days of each key read on `conn`)."""
    if pending.assumed is not None and actual[1] != pending.assumed[1]:
        for values, dims, sign in pending.guessed:
            for key, figures in c.referral_cells(values, dims, sign, actual[1]):
                deltas.add(StatsReferralCell, key, figures)
            for key, figures in c.referral_cells(values, dims, -sign, pending.assumed[1]):
                deltas.add(StatsReferralCell, key, figures)
    if pending.assumed is not None and actual[0] != pending.assumed[0]:
        timed = [(v, dims, sign) for v, dims, sign in pending.guessed if _durations(v)]
        instants = [at for v, _, _ in timed for at in [v["created_at"]] + [x for _, x in _durations(v)]]
        for key, sign_of_key in ((pending.assumed[0], -1), (actual[0], +1)):
            if key is not None and timed:
                known = _days(conn, key, instants)
                for v, dims, sign in timed:
                    _add_durations(deltas, v, dims, known, sign * sign_of_key)


def _calendar(session: Session, changes: list[tuple[dict | None, dict | None]], key: str | None,
              ) -> dict[int, CalendarDay] | None:
    """The day rows the changed durations need, of the calendar `key` the bins are kept for;
    None when no bins are kept."""
    instants = [at for old, new in changes for v in (old, new) if v is not None and _durations(v)
                for at in [v["created_at"]] + [x for _, x in _durations(v)]]
    if not instants:
        return {}
    if key is None:
        return None
    return _days(session.connection(), key, instants)


def _days(conn: Any, key: str, instants: list[datetime]) -> dict[int, CalendarDay]:
    """The day rows of calendar `key` for `instants` (and those read before)."""
    known = _DAYS.setdefault(key, {})
    days = sorted({c.local_day(at) for at in instants} - set(known))
    if days:  # the rows of a key never change (domain/stats/models.py): kept once read
        stmt = select(StatsCalendarDay.day_number, StatsCalendarDay.business_days_before,  # type: ignore[call-overload]
                      StatsCalendarDay.is_business).where(
            StatsCalendarDay.calendar_key == key, StatsCalendarDay.day_number.in_(days))  # type: ignore[attr-defined]
        known.update({r[0]: CalendarDay(r[0], r[1], bool(r[2])) for r in conn.execute(stmt)})
        if len(_DAYS) > 4:  # calendars change a few times a year: keep the recent ones
            _DAYS.pop(next(iter(_DAYS)))
    return known


def _add_durations(deltas: Deltas, v: dict[str, Any], dims: c.CaseDims, days: dict[int, CalendarDay],
                   sign: int) -> None:
    start = office_seconds(v["created_at"], days)
    for measure, at in _durations(v):
        end = office_seconds(at, days)
        if start is None or end is None:
            continue  # outside the calendar's years: not counted live either
        for key, n in c.duration_bins(measure, end - start, dims, sign):
            deltas.add(StatsDurationBin, key, n)


class Pending:
    """What a transaction's flushes changed, written once when it commits."""

    def __init__(self) -> None:
        self.deltas = Deltas()
        self.open_rows: dict[Any, dict[str, Any] | None] = {}  # referral id → its row, None: gone
        self.last: dict[Any, datetime] = {}  # actor id → their latest history entry
        self.state: tuple[str | None, datetime] | None = None  # `_state`, once read
        self.assumed: tuple[str | None, datetime] | None = None  # guessed (`_mark`), checked by `collect`
        self.guessed: list[tuple[dict[str, Any], c.CaseDims, int]] = []  # counted against `assumed`


_PENDING = "khortor_stats_pending"


def _active(pending: Pending, actor_id: Any, at: datetime) -> None:
    """`actor_id` wrote a history entry at `at` (their latest activity is kept)."""
    latest = pending.last.get(actor_id)
    pending.last[actor_id] = at if latest is None else max(latest, at)


def upkeep(session: Session, _context: Any, _instances: Any) -> None:
    """The flush hook: the contributions of every case and referral this flush adds or changes
    (new added, old taken away), summed per transaction until it commits (`collect`)."""
    _count(session, _Flush(session.new, session.dirty, session.deleted))


def _count(session: Session, flush: _Flush) -> None:
    cases = flush.changes(Case, c.CASE_FIELDS)
    referrals = flush.changes(Referral, c.REFERRAL_FIELDS)
    events = [row for row in flush.rows("new", CaseEvent) if row.actor_id is not None]
    users = flush.changes(User, c.USER_FIELDS)
    if not cases and not referrals and not events and not users:
        return
    pending: Pending = session.info.setdefault(_PENDING, Pending())
    for old, new in users:
        for values, sign in ((old, -1), (new, +1)):
            if values is not None:
                for key, n in c.coverage(values, sign):
                    pending.deltas.add(StatsCoverage, key, n)
    for event_row in events:
        _active(pending, event_row.actor_id, event_row.at)
    deltas = pending.deltas
    for old, new in cases:
        for values, sign in ((old, -1), (new, +1)):
            if values is not None:
                for key, figures in c.case_cells(values, sign):
                    deltas.add(StatsCaseCell, key, figures)
                for key, n in c.open_days(values, sign):
                    deltas.add(StatsOpenDay, key, n)
                for key, figures in c.volunteer_cells(values, sign):
                    deltas.add(StatsVolunteerCell, key, figures)
    if referrals:
        dims = _case_dims(session, {v["case_id"] for pair in referrals for v in pair if v is not None})
        key, mark, guessed = _mark(session, pending)
        days = _calendar(session, referrals, key)
        for old, new in referrals:
            for values, sign in ((old, -1), (new, +1)):
                if values is None:
                    continue
                case_dims = dims[values["case_id"]]
                for key, figures in c.referral_cells(values, case_dims, sign, mark):
                    deltas.add(StatsReferralCell, key, figures)
                if guessed:
                    pending.guessed.append((values, case_dims, sign))
                if days is not None:
                    _add_durations(deltas, values, case_dims, days, sign)
            was = c.open_referral(old, dims[old["case_id"]]) if old is not None else None
            now = c.open_referral(new, dims[new["case_id"]]) if new is not None else None
            referral_id = (new or old or {}).get("id")
            if now != was or referral_id in pending.open_rows:
                pending.open_rows[referral_id] = now


def collect(session: Session) -> Collected | None:
    """The commit's collector (domain/commit_writes.py, after the last flush): the transaction's
    sums as parts of the commit's one round trip, however many flushes it made; with the
    guessed referral contributions, the calendar key and mark read in that round trip and the
    cells corrected when either had moved."""
    new, changed = inserted(session), updated(session)  # written at commit, never flushed:
    if new or changed:                                    # counted as a flush would count them
        _count(session, _Flush(new, changed))
    pending: Pending | None = session.info.pop(_PENDING, None)
    history = queued(session, HISTORY)  # entries written at commit, not flushed: activity too
    if pending is None and not history:
        return None
    if pending is None:
        pending = Pending()
    for entry in history:
        if entry["actor_id"] is not None:
            _active(pending, entry["actor_id"], entry["at"])
    rows: dict[Part, list[dict[str, Any]]] = {}
    slot = cell_writes.slot(session.get_bind().dialect.name)
    for table in KEYS:
        cells = pending.deltas.rows(table, slot)
        if cells:
            rows[cell_writes.CELLS[table]] = cells
    closed = sorted(k for k, row in pending.open_rows.items() if row is None)
    if closed:
        rows[cell_writes.CLOSED] = [{"referral_id": k} for k in closed]
    kept = sorted(k for k, row in pending.open_rows.items() if row is not None)
    if kept:
        rows[cell_writes.OPEN] = [pending.open_rows[k] for k in kept]  # type: ignore[misc]
    if pending.last:
        rows[cell_writes.LAST] = [{"actor_id": a, "at": t} for a, t in sorted(pending.last.items())]
    if not rows:
        return None
    if not pending.guessed:
        return Collected(rows)

    def correct(connection: Any, state: list[tuple[Any, ...]]) -> None:
        fix = Deltas()
        _correct(fix, pending, _seen(connection, state), connection)
        own = cell_writes.correction_slot(connection.dialect.name)  # no commit statement waits on it
        for table in (StatsReferralCell, StatsDurationBin):
            cell_writes.add(connection, table, fix.rows(table, own))

    return Collected(rows, cell_writes.STATE, correct)


def forget(session: Session, _previous: Any) -> None:
    """The `after_soft_rollback` hook: a transaction rolled back leaves nothing to write."""
    session.info.pop(_PENDING, None)
