"""All SQL about cases, referrals and their history (convention 3).

Every lookup and list starts from `visible_to(principal)`: the one place that decides,
by role and area or org unit, which cases a user may know exist (convention 6).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (ColumnElement, Integer, Select, String, and_, bindparam, cast, exists, func, literal_column, or_, select,
                        true, union, update)
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.cases.commands import CaseFilter, ReferralFilter, ReferralSort
from domain.cases.deadlines import DeadlineKind
from domain.cases.models import Case, CaseEvent, CaseSequence, Escalation, Referral
from domain.cases.reference import MAX_SEQUENCE
from domain.cases.routing import RoutingRule
from domain.cases.state import OPEN_CASE_STATUSES, OPEN_REFERRAL_STATUSES
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.quick_reads import KeyedRows, on_read_session, rows_to_change, select_rows, written_rows
from domain.statements import Kept
from domain.users.models import Role, User
from domain.users.principal import Principal


def _area_clause(area_code: str, value: Any = None) -> ColumnElement[bool]:
    """Cases in the area of `area_code` (its length says its level: `_area_level`), compared
    with `value` (a bound parameter) or else the code itself."""
    compared = area_code if value is None else value
    level = _area_level(area_code)
    if level == 1:
        return Case.province_code == compared  # type: ignore[return-value]
    if level == 2:
        return Case.district_code == compared  # type: ignore[return-value]
    return Case.subdistrict_code == compared  # type: ignore[return-value]


def _area_level(area_code: str | None) -> int:
    """0 for no area, 1 for a province's code (up to 2 characters), 2 a district's (up to 4), 3
    a sub-district's: the column `_area_clause` compares."""
    if not area_code:
        return 0
    return 1 if len(area_code) <= 2 else 2 if len(area_code) <= 4 else 3


# The referral legs an EXISTS looks at, aliased once: an alias built per query cost a copy
# of every column of the table each time (the SQL is the same).
_VISIBLE_LEG = aliased(Referral)
_FILTER_LEG = aliased(Referral)


def visibility(principal: Principal) -> ColumnElement[bool]:
    """The condition on `Case` rows this principal may see (SPEC.md section 2)."""
    return _visibility(principal, bound=False)


def _visibility(principal: Principal, bound: bool) -> ColumnElement[bool]:
    """`visibility`, with the principal's values in the condition or, `bound`, as parameters
    named as `_rule_values` names them (a value that is None stays in it: `IS NULL`)."""
    value = _valuer(bound)
    role = principal.role
    if role is Role.ADMIN:
        return true()
    if role is Role.SUPERVISOR:
        return (_area_clause(principal.area_code, value("visible_area", principal.area_code))
                if principal.area_code else true())
    if role is Role.COORDINATOR:
        return Case.province_code == value("visible_province", principal.province_code)  # type: ignore[return-value]
    if role is Role.OFFICER:
        leg = _VISIBLE_LEG
        return (exists().where(leg.case_id == Case.id,  # type: ignore[no-any-return]
                               leg.org_unit_code == value("visible_office", principal.org_unit_code))
                .correlate(Case))
    if role is Role.MENTOR:
        mentees = select(User.id).where(User.mentor_id == value("visible_user", principal.user_id))
        return Case.filed_by_id.in_(mentees)  # type: ignore[attr-defined,no-any-return]
    if role is Role.VOLUNTEER:
        own, shared = _volunteer_arms(principal, bound)
        return own if shared is None else or_(own, shared)
    return Case.id.is_(None)  # type: ignore[union-attr]  # an unknown role sees nothing


def _volunteer_arms(principal: Principal, bound: bool) -> tuple[ColumnElement[bool], ColumnElement[bool] | None]:
    """A volunteer's visibility in its two arms: the cases they filed, and the cases shared with
    the volunteers of their area (None without an area); as `_visibility` gives its values."""
    value = _valuer(bound)
    own = Case.filed_by_id == value("visible_user", principal.user_id)
    if not principal.area_code:
        return own, None  # type: ignore[return-value]
    return own, and_(Case.shared_with_volunteers,  # type: ignore[return-value]
                     _area_clause(principal.area_code, value("visible_area", principal.area_code)))


def _given(_name: str, given: Any) -> Any:
    return given


def _valuer(bound: bool) -> Callable[[str, Any], Any]:
    """How a statement builder puts a value in: as a parameter named so (`_bound`), or as it is."""
    return _bound if bound else _given


def _bound(name: str, given: Any) -> Any:
    """A parameter named `name` standing for `given` in a statement built once (a list: the
    values of an IN); None stays in the statement as it is (`IS NULL`)."""
    return given if given is None else bindparam(name, expanding=isinstance(given, list))


def _rule_values(principal: Principal, **others: Any) -> dict[str, Any]:
    """The parameters of a statement from `_visible_statement`: the principal's values, and
    the statement's `others`."""
    return {"visible_user": principal.user_id, "visible_area": principal.area_code,
            "visible_province": principal.province_code, "visible_office": principal.org_unit_code,
            **others}


_VISIBLE_STATEMENTS = Kept(most=1024)  # the shapes are few; a bound all the same


def _visible_statement(name: Any, principal: Principal, build: Callable[[ColumnElement[bool]], Any]) -> Any:
    """`build(the principal's visibility)`, built once per `name` and shape of principal (role,
    the level of their area, whether they have an office), the principal's values bound
    (`_rule_values`). Building a statement and its cache key anew cost more than the
    database's work on a case's lookup (bench/requests.py, issue 11)."""
    key = (name, principal.role, _area_level(principal.area_code), principal.org_unit_code is None)
    return _VISIBLE_STATEMENTS.get(key, lambda: build(_visibility(principal, bound=True)))


def visible_to(principal: Principal) -> Select[tuple[Case]]:
    return select(Case).where(visibility(principal))


async def visible_case(session: AsyncSession, principal: Principal,
                       case_id: uuid.UUID) -> Case | None:
    stmt = _visible_statement("case", principal, lambda visible: select(Case).where(
        visible, Case.id == bindparam("case")))  # type: ignore[arg-type]
    rows = await _rows(session, stmt, _rule_values(principal, case=case_id))
    return rows[0][0] if rows else None  # type: ignore[no-any-return]


async def visible_referral(session: AsyncSession, principal: Principal,
                           referral_id: uuid.UUID) -> tuple[Referral, Case] | None:
    stmt = _visible_statement("referral", principal, lambda visible: (
        select(Referral, Case).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
        .where(Referral.id == bindparam("referral"), visible)))
    rows = await _rows(session, stmt, _rule_values(principal, referral=referral_id))
    return (rows[0][0], rows[0][1]) if rows else None


async def _rows_in_transaction(session: AsyncSession, stmt: Any, values: dict[str, Any]) -> Sequence[Any]:
    """The rows of a statement built once, inside the session's transaction, for rows it only
    reads: past SQLAlchemy's execution and loading when it can (`select_rows`), else through
    the session."""
    rows = await select_rows(session, stmt, values, in_transaction=True)
    return rows if rows is not None else (await session.execute(stmt, values)).all()


async def _rows_to_change(session: AsyncSession, stmt: Any, values: dict[str, Any]) -> Sequence[Any]:
    """The rows of a statement built once that locks rows to change them in this transaction:
    read past SQLAlchemy's execution and loading, each entity put in the session as its loading
    puts it (`quick_reads.rows_to_change`), else through the session."""
    rows = await rows_to_change(session, stmt, values)
    return rows if rows is not None else (await session.execute(stmt, values)).all()


async def _rows(session: AsyncSession, stmt: Any, values: dict[str, Any]) -> Sequence[Any]:
    """The rows of a statement built once (`_visible_statement`): on a read session past
    SQLAlchemy's execution and loading (`quick_reads.select_rows`), else through the session."""
    if on_read_session(session):
        rows = await select_rows(session, stmt, values)
        if rows is not None:
            return rows
    return (await session.execute(stmt, values)).all()


async def case_by_id(session: AsyncSession, case_id: uuid.UUID,
                     lock_filings: tuple[str, str] | None = None) -> Case | None:
    """The case with this id. With `lock_filings` (a citizen's national ID hash and a problem
    type), `lock_filings_of_citizen` is taken too, on PostgreSQL in the same statement: a
    filing's first two round trips in one. A filing's check only reads the case: read in its
    transaction past SQLAlchemy's execution (`_rows_in_transaction`; openCase took 3-4 % less
    time on PostgreSQL, in process, paired, 2026-12-07)."""
    if lock_filings is None:
        return await session.get(Case, case_id)
    if session.get_bind().dialect.name != "postgresql":  # SQLite: a filing's check, the case only read
        found = await _rows_in_transaction(session, _case_by_id(), {"case": case_id})
        await lock_filings_of_citizen(session, *lock_filings)
        return found[0][0] if found else None  # type: ignore[no-any-return]
    found = await _rows_in_transaction(session, _case_by_id_locking(),
                                       {"case": case_id, "lock": _filings_lock_key(*lock_filings)})
    return found[0][0]  # type: ignore[no-any-return]  # None: the outer join's all-NULL row


@cache
def _case_by_id() -> Any:
    return select(Case).where(Case.id == bindparam("case"))  # type: ignore[arg-type]


@cache
def _case_by_id_locking() -> Any:
    locked = select(_filings_lock(bindparam("lock", type_=Integer)).label("locked")).subquery()  # always one row
    return select(Case).select_from(locked).outerjoin(Case, Case.id == bindparam("case"))  # type: ignore[arg-type]


def filtered(stmt: Select[tuple[Case]], f: CaseFilter, principal: Principal,
             bound: bool = False) -> Select[tuple[Case]]:
    """`stmt` with the filter's conditions: its values in them or, `bound`, as parameters
    named as `_filter_values` names them (for a statement built once: `_cases_page`)."""
    value = _valuer(bound)
    if f.statuses:
        stmt = stmt.where(Case.status.in_(value("filter_statuses", [s.value for s in f.statuses])))  # type: ignore[attr-defined]
    if f.category_codes:
        stmt = stmt.where(Case.category_code.in_(value("filter_categories", list(f.category_codes))))  # type: ignore[attr-defined]
    if f.area_code:
        stmt = stmt.where(_area_clause(f.area_code, value("filter_area", f.area_code)))
    if f.org_unit_code:
        leg = _FILTER_LEG
        stmt = stmt.where(exists().where(
            leg.case_id == Case.id, leg.org_unit_code == value("filter_office", f.org_unit_code), leg.is_current,
        ).correlate(Case))
    if f.text:
        stmt = stmt.where(_text_clause(value("filter_text", _text_pattern(f.text))))
    if f.filed_by_me:
        stmt = stmt.where(Case.filed_by_id == value("filter_user", principal.user_id))
    return stmt


def _filter_shape(f: CaseFilter) -> tuple[Any, ...]:
    """What decides the statement `filtered` builds (the values aside)."""
    return (bool(f.statuses), bool(f.category_codes), _area_level(f.area_code), bool(f.org_unit_code),
            bool(f.text), f.filed_by_me)


def _filter_values(f: CaseFilter, principal: Principal) -> dict[str, Any]:
    return {"filter_statuses": [s.value for s in f.statuses], "filter_categories": list(f.category_codes),
            "filter_area": f.area_code, "filter_office": f.org_unit_code,
            "filter_text": _text_pattern(f.text) if f.text else None, "filter_user": principal.user_id}


async def list_cases(
    session: AsyncSession, principal: Principal, f: CaseFilter, first: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> tuple[Sequence[Case], bool]:
    """Newest first, keyset-paginated on (received_at, id)."""
    rows = [row[0] for row in await _rows(session, *_cases_page(principal, f, first, after))]
    return rows[:first], len(rows) > first


async def first_cases_counted(session: AsyncSession, principal: Principal, f: CaseFilter,
                              first: int) -> tuple[Sequence[Case], bool, int]:
    """`list_cases`' first page and `count_cases` in one statement (`_count_of`): for short
    lists, where counting them all does not outweigh the round trip a count of its own costs."""
    found = await _rows(session, *_cases_page(principal, f, first, None, counted=True))
    return [row[0] for row in found[:first]], len(found) > first, int(found[0][1]) if found else 0


def _count_of(ids: Select[Any]) -> Any:
    """How many rows `ids` finds, as a column of a page's statement: a subquery of its own,
    evaluated once, that reads only what the filter needs (where a window count over the page's
    rows read every matching row whole: a volunteer's list of 500 cases took 10.3 ms on SQLite,
    7.9 with this)."""
    return select(func.count()).select_from(ids.subquery()).scalar_subquery()


def _cases_page(principal: Principal, f: CaseFilter, first: int, after: tuple[datetime, uuid.UUID] | None,
                counted: bool = False) -> tuple[Any, dict[str, Any]]:
    """A page's statement (built once per shape of principal and filter: `_visible_statement`)
    and its parameters; `counted` adds the count of every matching case (`_count_of`)."""
    def newest(stmt: Any, after: tuple[datetime, uuid.UUID] | None = after) -> Any:
        """`stmt`'s rows after the cursor, newest first, as many as the page takes."""
        if after is not None:
            at = bindparam("after_at")
            stmt = stmt.where(or_(Case.received_at < at,  # type: ignore[operator]
                                  and_(Case.received_at == at, Case.id < bindparam("after_id"))))  # type: ignore[operator]
        return stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(bindparam("limit", type_=Integer))  # type: ignore[attr-defined]

    def build(visible: ColumnElement[bool]) -> Any:
        own, shared = (_volunteer_arms(principal, bound=True) if principal.role is Role.VOLUNTEER
                       else (None, None))
        if shared is None:
            stmt = newest(filtered(select(Case).where(visible), f, principal, bound=True))
        else:
            # A volunteer's page: the newest of each arm in its index's order (their own cases;
            # those shared in their area: ix_case_file_shared_received), then the newest of
            # those. One condition of both (`visible`) read and sorted every case of both arms:
            # the page's statement for a volunteer of 1,000 cases took 2.08 ms on SQLite, 0.20
            # so (filed at distinct instants; 0.55 and 0.28 all filed at one).
            arms = [newest(filtered(select(Case.id, Case.received_at).where(arm), f, principal, bound=True))
                    .subquery() for arm in (own, shared)]
            stmt = newest(select(Case).where(Case.id.in_(union(*(select(arm.c.id) for arm in arms)))),  # type: ignore[attr-defined]
                          after=None)
        if not counted:
            return stmt
        return stmt.add_columns(_count_of(filtered(select(Case.id).where(visible), f, principal, bound=True)))  # type: ignore[arg-type]

    stmt = _visible_statement(("cases page", after is not None, counted, *_filter_shape(f)), principal, build)
    values = _rule_values(principal, **_filter_values(f, principal), limit=first + 1)
    if after is not None:
        values["after_at"], values["after_id"] = after
    return stmt, values


async def count_cases(session: AsyncSession, principal: Principal, f: CaseFilter) -> int:
    inner = filtered(select(Case.id).where(visibility(principal)), f, principal)  # type: ignore[arg-type]
    stmt = select(func.count()).select_from(inner.subquery())
    return int((await session.execute(stmt)).scalar_one())


def _text_pattern(text: str) -> str:
    """LIKE's pattern for the text anywhere (its wildcards escaped)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_clause(pattern: Any) -> ColumnElement[bool]:
    """The case's description or reference matches `pattern` (`_text_pattern`), in any case."""
    return or_(Case.description.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
               Case.reference.ilike(pattern, escape="\\"))  # type: ignore[attr-defined]


def _referral_query(principal: Principal, f: ReferralFilter, now: datetime,
                    bound: bool = False) -> Select[tuple[Referral]]:
    """The referrals of the filter the principal may see: the values in the statement or,
    `bound`, as parameters named as `_rule_values` and `_referral_filter_values` name them
    (for a statement built once: `_referrals_page`)."""
    value = _valuer(bound)
    stmt = (select(Referral).join(Case, Case.id == Referral.case_id)  # type: ignore[arg-type]
            .where(_visibility(principal, bound)))
    if f.current_only:
        stmt = stmt.where(Referral.is_current)
    if f.org_unit_code:
        stmt = stmt.where(Referral.org_unit_code == value("filter_office", f.org_unit_code))
    if f.statuses:
        stmt = stmt.where(Referral.status.in_(value("filter_statuses", [s.value for s in f.statuses])))  # type: ignore[attr-defined]
    if f.overdue is True:
        stmt = stmt.where(Referral.next_due_at < value("filter_now", now))  # type: ignore[operator]
    elif f.overdue is False:
        stmt = stmt.where(or_(Referral.next_due_at.is_(None),  # type: ignore[union-attr]
                              Referral.next_due_at >= value("filter_now", now)))  # type: ignore[operator]
    if f.category_codes:
        stmt = stmt.where(Case.category_code.in_(value("filter_categories", list(f.category_codes))))  # type: ignore[attr-defined]
    if f.area_code:
        stmt = stmt.where(_area_clause(f.area_code, value("filter_area", f.area_code)))
    if f.escalated is True:
        stmt = stmt.where(Referral.escalation_level > 0)  # type: ignore[operator]
    elif f.escalated is False:
        stmt = stmt.where(Referral.escalation_level == 0)
    if f.assigned_to is not None:
        stmt = stmt.where(Referral.assigned_to_id == value("filter_user", f.assigned_to))
    if f.unassigned:
        stmt = stmt.where(Referral.assigned_to_id.is_(None))  # type: ignore[union-attr]
    if f.text:
        stmt = stmt.where(_text_clause(value("filter_text", _text_pattern(f.text))))
    return stmt


def _referral_filter_shape(f: ReferralFilter) -> tuple[Any, ...]:
    """What decides the statement `_referral_query` builds (the values aside)."""
    return (f.current_only, bool(f.org_unit_code), bool(f.statuses), f.overdue, bool(f.category_codes),
            _area_level(f.area_code), f.escalated, f.assigned_to is not None, f.unassigned, bool(f.text),
            f.sort)


def _referral_filter_values(f: ReferralFilter, now: datetime) -> dict[str, Any]:
    return {"filter_office": f.org_unit_code, "filter_statuses": [s.value for s in f.statuses],
            "filter_now": now, "filter_categories": list(f.category_codes), "filter_area": f.area_code,
            "filter_user": f.assigned_to, "filter_text": _text_pattern(f.text) if f.text else None}


def _referral_order(sort: ReferralSort) -> list[Any]:
    deadline = [Referral.next_due_at.is_(None), Referral.next_due_at]  # type: ignore[union-attr]
    if sort is ReferralSort.NEWEST:
        return [Referral.created_at.desc(), Referral.id.desc()]  # type: ignore[attr-defined]
    if sort is ReferralSort.OLDEST:
        return [Referral.created_at, Referral.id]
    if sort is ReferralSort.ESCALATION:
        return [Referral.escalation_level.desc(), *deadline, Referral.created_at, Referral.id]  # type: ignore[attr-defined]
    return [*deadline, Referral.created_at, Referral.id]


async def list_referrals(session: AsyncSession, principal: Principal, f: ReferralFilter,
                         now: datetime, first: int, offset: int) -> tuple[Sequence[Referral], bool]:
    """A queue (`f.sort`; by default the earliest running deadline first, then the oldest)."""
    rows = [row[0] for row in await _rows(session, *_referrals_page(principal, f, now, first, offset))]
    return rows[:first], len(rows) > first


async def referrals_counted(session: AsyncSession, principal: Principal, f: ReferralFilter, now: datetime,
                            first: int, offset: int) -> tuple[Sequence[Referral], bool, int | None]:
    """`list_referrals` and `count_referrals` in one statement (`_count_of`; for short lists
    only); the count is None when the page is empty (past the end) and was not told."""
    found = await _rows(session, *_referrals_page(principal, f, now, first, offset, counted=True))
    total = int(found[0][1]) if found else 0 if offset == 0 else None
    return [row[0] for row in found[:first]], len(found) > first, total


def _referrals_page(principal: Principal, f: ReferralFilter, now: datetime, first: int, offset: int,
                    counted: bool = False) -> tuple[Any, dict[str, Any]]:
    """A queue's page (built once per shape of principal and filter: `_visible_statement`) and
    its parameters; `counted` adds the count of every matching referral (`_count_of`)."""
    def build(_visible: ColumnElement[bool]) -> Any:
        query = _referral_query(principal, f, now, bound=True)
        stmt = (query.order_by(*_referral_order(f.sort))
                .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))
        return stmt.add_columns(_count_of(query.with_only_columns(Referral.id))) if counted else stmt  # type: ignore[arg-type]

    stmt = _visible_statement(("referrals page", counted, *_referral_filter_shape(f)), principal, build)
    return stmt, _rule_values(principal, **_referral_filter_values(f, now), offset=offset, limit=first + 1)


async def count_referrals(session: AsyncSession, principal: Principal, f: ReferralFilter,
                          now: datetime) -> int:
    inner = _referral_query(principal, f, now).with_only_columns(Referral.id)  # type: ignore[arg-type]
    return int((await session.execute(select(func.count()).select_from(inner.subquery()))).scalar_one())


async def count_filed_by(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> int:
    """How many cases these users filed."""
    ids = list(user_ids)
    result = await session.execute(select(func.count()).select_from(Case).where(
        Case.filed_by_id.in_(ids)))  # type: ignore[attr-defined]
    return int(result.scalar_one())


async def events_named(session: AsyncSession, case_id: uuid.UUID, type_: str, at: datetime,
                       referral_id: uuid.UUID | None) -> list[int]:
    """The ids of the case's history entries of this type, instant and referral."""
    leg = CaseEvent.referral_id.is_(None) if referral_id is None else CaseEvent.referral_id == referral_id  # type: ignore[union-attr]
    stmt = (select(CaseEvent.id).where(CaseEvent.case_id == case_id, CaseEvent.type == type_,  # type: ignore[arg-type]
                                       CaseEvent.at == at, leg)  # type: ignore[arg-type]
            .order_by(CaseEvent.id))  # type: ignore[arg-type]
    return [int(i) for i in (await session.execute(stmt)).scalars()]


async def referrals_of(session: AsyncSession, case_ids: Iterable[uuid.UUID]) -> Sequence[Referral]:
    ids = list(set(case_ids))
    if not ids:
        return []
    return (await session.execute(_referrals_of(), {"cases": ids})).scalars().all()


@cache
def _referrals_of() -> Any:
    return (select(Referral).where(Referral.case_id.in_(bindparam("cases", expanding=True)))  # type: ignore[attr-defined]
            .order_by(Referral.created_at, Referral.id))


# The loaders' batches (api/loaders.py), read on a read session past SQLAlchemy's execution
# (domain/quick_reads.py): the rows `referrals_of`, `events_of` and `cases_by_ids` read.
REFERRALS_OF_CASES = KeyedRows(Referral, Referral.case_id, order_by=(Referral.created_at, Referral.id))
EVENTS_OF_CASES = {  # by whether staff-only notes are included
    True: KeyedRows(CaseEvent, CaseEvent.case_id, order_by=(CaseEvent.at, CaseEvent.id)),
    False: KeyedRows(CaseEvent, CaseEvent.case_id, CaseEvent.internal.is_(False),  # type: ignore[attr-defined]
                     order_by=(CaseEvent.at, CaseEvent.id))}
CASES_BY_IDS = KeyedRows(Case, Case.id)


async def referrals_for_update(session: AsyncSession, case_id: uuid.UUID) -> Sequence[Referral]:
    return (await session.execute(_referrals_for_update(), {"case": case_id})).scalars().all()


@cache
def _referrals_for_update() -> Any:
    return (select(Referral).where(Referral.case_id == bindparam("case"))  # type: ignore[arg-type]
            .order_by(Referral.created_at, Referral.id).with_for_update()  # type: ignore[arg-type]
            .execution_options(populate_existing=True))


Fired = dict[DeadlineKind, set[int]]


async def referrals_for_update_and_fired(session: AsyncSession, case_id: uuid.UUID
                                         ) -> tuple[list[Referral], dict[uuid.UUID, Fired]]:
    """`referrals_for_update`, with each referral's fired levels (`fired_levels`) read in the
    same statement. Only for a caller that locked the case in an earlier statement: the sweep
    adds levels only under the case's lock (domain/escalations/service.py), so this
    statement's snapshot, taken after that lock was had, holds every level committed, and no
    level is added while this transaction holds it (unless it adds one itself). Without the
    case's lock, a statement that waited here for a referral's lock would re-read the locked
    rows but not the subquery: a level committed meanwhile would be missed."""
    rows = await _rows_to_change(session, _referrals_and_fired(), {"case": case_id})
    return [referral for referral, _ in rows], {referral.id: _fired(levels) for referral, levels in rows}


def _fired(levels: str | None) -> Fired:
    """The levels aggregated as "DEADLINE:level,..." by `_referrals_and_fired`."""
    return _fired_of(level.split(":") for level in (levels or "").split(",") if level)


def _fired_of(levels: Iterable[Sequence[Any]]) -> Fired:
    fired: Fired = defaultdict(set)
    for deadline, level in levels:
        fired[DeadlineKind(deadline)].add(int(level))
    return fired


@cache
def _referrals_and_fired() -> Any:
    # The separator written in the SQL (given as text, it is a value rendered at each execution,
    # which a statement read past SQLAlchemy's execution cannot have: `rows_to_change`).
    comma = literal_column("','", String)
    levels = (select(func.aggregate_strings(Escalation.deadline + ":" + cast(Escalation.level, String),
                                            comma))  # type: ignore[arg-type]
              .where(Escalation.referral_id == Referral.id)  # type: ignore[arg-type]
              .scalar_subquery())
    return _referrals_for_update().add_columns(levels)


async def lock_visible_case(session: AsyncSession, principal: Principal,
                            case_id: uuid.UUID) -> Case | None:
    """`visible_case` and `lock_case` in one statement: the case row if the principal may
    see it, locked for this transaction on PostgreSQL."""
    stmt = _visible_statement("lock case", principal, lambda visible: (
        select(Case).where(visible, Case.id == bindparam("case"))  # type: ignore[arg-type]
        .with_for_update(of=Case).execution_options(populate_existing=True)))
    return (await session.execute(stmt, _rule_values(principal, case=case_id))).scalar_one_or_none()  # type: ignore[no-any-return]


async def lock_case_of_referral(session: AsyncSession, principal: Principal,
                                referral_id: uuid.UUID) -> Case | None:
    """The case of a referral, if the principal may see it (as `visible_referral`), locked
    for this transaction on PostgreSQL: one statement."""
    def build(visible: ColumnElement[bool]) -> Any:
        of_referral = select(Referral.case_id).where(Referral.id == bindparam("referral")).scalar_subquery()
        return (select(Case).where(visible, Case.id == of_referral).with_for_update(of=Case)
                .execution_options(populate_existing=True))

    stmt = _visible_statement("lock case of referral", principal, build)
    rows = await _rows_to_change(session, stmt, _rule_values(principal, referral=referral_id))
    return rows[0][0] if rows else None  # type: ignore[no-any-return]


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    """The case row, locked for this transaction on PostgreSQL (SQLite's writer lock is global)."""
    stmt = (select(Case).where(Case.id == case_id).with_for_update()
            .execution_options(populate_existing=True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(session: AsyncSession, case_ids: Iterable[uuid.UUID],
                    include_internal: bool) -> Sequence[CaseEvent]:
    ids = list(set(case_ids))
    if not ids:
        return []
    return (await session.execute(_events_of(include_internal), {"cases": ids})).scalars().all()


@cache
def _events_of(include_internal: bool) -> Any:
    stmt = select(CaseEvent).where(CaseEvent.case_id.in_(bindparam("cases", expanding=True)))  # type: ignore[attr-defined]
    if not include_internal:
        stmt = stmt.where(CaseEvent.internal.is_(False))  # type: ignore[attr-defined]
    return stmt.order_by(CaseEvent.at, CaseEvent.id)  # type: ignore[arg-type]


async def open_case_of_citizen(session: AsyncSession, national_id_hash: str, category_code: str,
                               since: datetime) -> Case | None:
    """The newest case of this citizen and problem type received since `since` and not yet
    resolved, closed or declined (any user's: the caller decides what to tell)."""
    found = await _rows_in_transaction(session, _open_case_of_citizen(),
                                       {"citizen": national_id_hash, "category": category_code, "since": since})
    return found[0][0] if found else None  # type: ignore[no-any-return]


@cache
def _open_case_of_citizen() -> Any:
    return (select(Case)
            .where(Case.citizen_national_id_hash == bindparam("citizen"),
                   Case.category_code == bindparam("category"),
                   Case.received_at >= bindparam("since"),  # type: ignore[operator]
                   Case.status.in_([bindparam(f"open_{status}", status)  # type: ignore[attr-defined]
                                    for status in OPEN_CASE_STATUSES]))  # held, not expanded
            .order_by(Case.received_at.desc()).limit(1))  # type: ignore[attr-defined]


# The class of the advisory locks that serialise the duplicate check (PostgreSQL's two-key
# form: this class, then a key from the citizen and the problem type).
_FILING_LOCK_CLASS = 0x4B48  # "KH"


async def lock_filings_of_citizen(session: AsyncSession, national_id_hash: str,
                                  category_code: str) -> None:
    """Until this transaction ends, hold the lock on filing cases of this citizen and problem
    type: concurrent filings of them check for an open case one after the other, each seeing
    what the one before committed. PostgreSQL: a transaction-level advisory lock (concurrent
    transactions do not see each other's uncommitted rows); SQLite: nothing to do, a unit of
    work holds the database's only write lock from BEGIN IMMEDIATE on."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(_lock_filings(), {"lock": _filings_lock_key(national_id_hash, category_code)})


@cache
def _lock_filings() -> Any:
    return select(_filings_lock(bindparam("lock", type_=Integer)))


def _filings_lock(key: Any) -> Any:
    return func.pg_advisory_xact_lock(_FILING_LOCK_CLASS, key)


def _filings_lock_key(national_id_hash: str, category_code: str) -> int:
    """The lock's second key: 32 bits of the citizen's and the problem type's hash."""
    digest = hashlib.sha256(f"{national_id_hash}:{category_code}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


async def cases_of_citizen(session: AsyncSession, national_id_hash: str,
                           principal: Principal | None = None) -> Sequence[Case]:
    """Every case of one citizen, or only those `principal` may see."""
    base = select(Case) if principal is None else visible_to(principal)
    stmt = (base.where(Case.citizen_national_id_hash == national_id_hash)
            .order_by(Case.received_at, Case.id))  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()


async def retention_due_ids(session: AsyncSession, closed_before: datetime,
                            limit: int) -> Sequence[uuid.UUID]:
    """Closed cases past retention, not anonymised and not on legal hold (oldest first)."""
    stmt = (select(Case.id)
            .where(Case.closed_at.is_not(None), Case.anonymised_at.is_(None),  # type: ignore[union-attr]
                   Case.closed_at < closed_before, Case.legal_hold.is_(False))  # type: ignore[operator,attr-defined]
            .order_by(Case.closed_at).limit(limit))  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()


async def sealed_with_older_key(session: AsyncSession, current_key_id: str,
                                limit: int) -> Sequence[Case]:
    stmt = (select(Case).where(Case.citizen_key_id.is_not(None),  # type: ignore[union-attr]
                               Case.citizen_key_id != current_key_id)
            .limit(limit).with_for_update(skip_locked=True))
    return (await session.execute(stmt)).scalars().all()


async def blank_texts(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Anonymisation only: the free text of a case's history and referrals goes."""
    await session.execute(update(CaseEvent).where(CaseEvent.case_id == case_id)
                          .values(note=None))
    await session.execute(update(Referral).where(Referral.case_id == case_id)
                          .values(reason=None))


async def cases_by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> Sequence[Case]:
    wanted = list(set(ids))
    if not wanted:
        return []
    return (await session.execute(_cases_by_ids(), {"cases": wanted})).scalars().all()


@cache
def _cases_by_ids() -> Any:
    return select(Case).where(Case.id.in_(bindparam("cases", expanding=True)))  # type: ignore[attr-defined]


# The SQLSTATE PostgreSQL refuses a commit with when it would number a case past MAX_SEQUENCE
# (the deferred trigger of migration 0016, which numbers cases there as they commit).
NUMBERS_USED_UP = "KH001"
# ... and when it waited for the counter longer than the trigger's lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


async def next_number(session: AsyncSession, province_code: str, fiscal_year: int) -> int | None:
    """SQLite: the next reference number of a province and fiscal year, raising its counter (the
    first number of a year inserts the counter's row); None when the year's numbers are used up.
    The upsert is undone with the filing's transaction, so a filing that rolls back gives its
    number back. PostgreSQL numbers a case as its transaction commits (migration 0016).

    Sent past SQLAlchemy's execution, in the transaction (`written_rows`): nothing of the
    counter is in the session."""
    raised = await written_rows(session, _raise_sequence(), province=province_code, year=fiscal_year)
    if raised is None:
        raise ValueError("case numbers are taken this way on SQLite only")
    sequence = int(raised[0][0])
    return sequence if sequence <= MAX_SEQUENCE else None


@cache
def _raise_sequence() -> Any:
    """Built once: a statement built per filing left its `last_value + 1` in a reference cycle
    (SQLAlchemy's comparator and its expression) for the cyclic collector. On the table, not
    the ORM class, and its ones written in the SQL: every value is given at each call."""
    table = CaseSequence.__table__  # type: ignore[attr-defined]
    one = literal_column("1", Integer)
    return (sqlite.insert(table)
            .values(province_code=bindparam("province"), fiscal_year=bindparam("year"), last_value=one)
            .on_conflict_do_update(index_elements=["province_code", "fiscal_year"],
                                   set_={"last_value": table.c.last_value + one})
            .returning(table.c.last_value))


async def reference_of(session: AsyncSession, case_id: uuid.UUID) -> str:
    """A committed case's reference."""
    return (await session.execute(_reference_of(), {"case": case_id})).scalar_one()


@cache
def _reference_of() -> Any:
    return select(Case.reference).where(Case.id == bindparam("case"))  # type: ignore[arg-type]


async def category_with_sla(session: AsyncSession, code: str) -> tuple[Category, SlaPolicy | None] | None:
    """A problem type and its SLA policy, in one round trip."""
    stmt = (select(Category, SlaPolicy).where(Category.code == code)
            .join(SlaPolicy, SlaPolicy.category_code == Category.code, isouter=True))  # type: ignore[arg-type]
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def sla_policy(session: AsyncSession, category_code: str) -> SlaPolicy | None:
    return await session.get(SlaPolicy, category_code)


async def routing_rules(session: AsyncSession, category_code: str) -> list[RoutingRule]:
    """The rules in force for a category (removed ones are kept as history, never used)."""
    stmt = select(RoutingRuleRow).where(RoutingRuleRow.category_code == category_code,
                                        RoutingRuleRow.removed_at.is_(None))  # type: ignore[union-attr]
    rows = (await session.execute(stmt)).scalars().all()
    return [RoutingRule(id=r.id, category_code=r.category_code, area_prefix=r.area_prefix,
                        agency_code=r.agency_code, org_unit_code=r.org_unit_code) for r in rows]


async def fired_levels(session: AsyncSession, referral_id: uuid.UUID) -> Fired:
    return _fired_of((await session.execute(_fired_levels(), {"referral": referral_id})).all())


@cache
def _fired_levels() -> Any:
    return select(Escalation.deadline, Escalation.level).where(
        Escalation.referral_id == bindparam("referral"))  # type: ignore[arg-type]


async def open_case_ids_filed_by(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The open cases a volunteer follows (filed, or handed over to them), oldest first."""
    stmt = (select(Case.id).where(Case.filed_by_id == user_id,
                                  Case.status.in_(OPEN_CASE_STATUSES))  # type: ignore[attr-defined]
            .order_by(Case.received_at, Case.id))  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def open_referrals_assigned_to(session: AsyncSession, user_id: uuid.UUID) -> Sequence[Referral]:
    stmt = (select(Referral).where(Referral.assigned_to_id == user_id, Referral.is_current,
                                   Referral.status.in_([s.value for s in OPEN_REFERRAL_STATUSES]))  # type: ignore[attr-defined]
            .order_by(Referral.created_at, Referral.id).with_for_update())  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalars().all()
