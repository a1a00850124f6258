"""Filing a case: a volunteer's report becomes a case, routed at once (SPEC §3).
Services never commit (convention 3)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.areas.models import Area, AreaLevel
from domain.categories.models import Category, SlaPolicy
from domain.cases import citizen as citizen_data
from domain.cases import repository
from domain.cases.amounts import checked_baht
from domain.cases.changes import event, follow_referrals, pending_referral, record_at_commit, routed_event
from domain.cases.citizen import CitizenIdentity
from domain.cases.commands import MAX_DESCRIPTION_CHARS, OpenCase
from domain.cases.identifiers import normalise_juristic_id, normalise_national_id, normalise_phone
from domain.cases.models import Case, EventType
from domain.cases.notices import REFERRAL_ROUTED_JOB
from domain.cases.reference import format_reference
from domain.cases.routing import RoutingRule, route
from domain.cases.state import CaseStatus
from domain.clock.business import BusinessCalendar
from domain.clock.thai import fiscal_year_be
from domain.commit_writes import insert_at_commit
from domain.db import Database
from domain.errors import AccessDenied, DomainError, DuplicateCase, ValidationFailed
from domain.reference import repository as reference
from domain.reference.cache import ReferenceCache
from domain.text import required_text
from domain.unavailable import DatabaseUnavailable
from domain.uow import UnitOfWork, in_transaction
from domain.users.models import Role
from domain.users.principal import Principal
from domain.vault import Vault

CLOCK_SKEW = timedelta(minutes=5)
DUPLICATE_WINDOW = timedelta(days=90)


def _within(prefix: str, normalise: Callable[[str], str], value: str | None) -> str | None:
    """Normalise an optional nested value; errors name the field by its path in the input."""
    if not value:
        return None
    try:
        return normalise(value)
    except ValidationFailed as error:
        error.field = prefix + error.field
        raise


async def _exact(session: AsyncSession, known: ReferenceCache | None) -> ReferenceCache | None:
    """What of reference data this filing may take from its process's cache: `known` while it
    is exact (PostgreSQL, listening for changes); on SQLite the filings' own cache at the
    reference version read now, in the filing's write transaction, whose BEGIN IMMEDIATE keeps
    every other writer out until it ends (`ReferenceCache.for_filings`; a read of one row instead
    of the problem type's, the sub-district's and the routing rules' at each filing); otherwise
    nothing."""
    if known is None or known.exact:
        return known
    if session.get_bind().dialect.name != "sqlite":
        return None
    version = await reference.version(session)
    return known.for_filings(version) if version is not None else None


async def _subdistrict(session: AsyncSession, code: str, known: ReferenceCache | None) -> Area:
    code = code.strip() if code else ""
    area = known.areas.get(code) if known is not None else None
    if area is None and code:
        generation = known.generation if known is not None else 0
        area = await reference.area(session, code)
        if area is not None and known is not None and known.still(generation):
            session.expunge(area)  # kept: a rollback of this filing must not expire it
            known.keep_areas([area])
    if area is None or area.level != AreaLevel.SUBDISTRICT:
        raise ValidationFailed("subdistrictCode", "Unknown sub-district code.",
                               "ไม่พบรหัสตำบลนี้", code="UNKNOWN_SUBDISTRICT")
    return area


async def _problem_type(session: AsyncSession, code: str,
                        known: ReferenceCache | None) -> tuple[Category, SlaPolicy | None] | None:
    """The problem type and its SLA policy: from `known`, all of them read into it on a miss."""
    if known is None:
        return await repository.category_with_sla(session, code)
    found = known.categories.get(code)
    if found is None:
        generation = known.generation
        rows = await reference.categories(session)
        for category, sla in rows:  # kept: a rollback of this filing must not expire them
            session.expunge(category)
            if sla is not None:
                session.expunge(sla)
        if known.still(generation):
            known.keep_categories(rows)
        found = next(((c, s) for c, s in rows if c.code == code), None)
    return found


async def _routing_rules(session: AsyncSession, category_code: str,
                         known: ReferenceCache | None) -> list[RoutingRule]:
    rules = known.routing_rules.get(category_code) if known is not None else None
    if rules is None:
        generation = known.generation if known is not None else 0
        rules = await repository.routing_rules(session, category_code)
        if known is not None and known.still(generation):
            known.routing_rules[category_code] = rules
    return rules


async def file_case(new_uow: Callable[[], UnitOfWork], principal: Principal, cmd: OpenCase,
                    now: datetime, calendar: BusinessCalendar, vault: Vault,
                    known: ReferenceCache | None = None) -> Case:
    """`open_case` in a unit of work of its own, committed. Two sends of one `client_id`
    racing each other: the loser's insert meets the primary key, and it is answered with
    the case the other send filed."""
    return await once_per_client_id(
        new_uow, lambda uow: open_case(uow, principal, cmd, now, calendar, vault, known))


async def once_per_client_id(new_uow: Callable[[], UnitOfWork],
                             work: Callable[[UnitOfWork], Awaitable[Case]]) -> Case:
    """`work` (a filing) in a unit of work of its own, committed; once more when a
    racing send of the same client id won the primary key (the second try finds and answers
    its case), and again when the database ended it to break a deadlock (`in_transaction`)."""
    try:
        return await in_transaction(new_uow, work)
    except IntegrityError:
        return await in_transaction(new_uow, work)


async def open_case(uow: UnitOfWork, principal: Principal, cmd: OpenCase, now: datetime,
                    calendar: BusinessCalendar, vault: Vault, known: ReferenceCache | None = None) -> Case:
    """File a case and route it. The same `client_id` files one case, however often sent.

    An open case of the same citizen (same national ID) and problem type received in the
    last 90 days stops the filing with `DuplicateOfOpenCase` unless `cmd.file_anyway` says
    the volunteer has seen it and files a new one all the same. Filings of one citizen and
    problem type are checked one at a time (`repository.lock_filings_of_citizen`), so of
    simultaneous ones only the first files and the others are warned, on either database.

    The case and its referral are written as the transaction commits (`insert_at_commit`):
    nothing in the same transaction may read or change them after this returns.

    The problem type, SLA policy, sub-district and routing rules come from `known` when the
    caller keeps them (the API's process-wide cache) and it is exact (no change made elsewhere
    can be missing from it: domain/watch.py; on SQLite, the filings' own at the database's
    reference version: `_exact`), else from the database."""
    if principal.role is not Role.VOLUNTEER:
        raise AccessDenied("Only labour volunteers file cases.")
    session = uow.session
    known = await _exact(session, known)
    locked = None  # the citizen's filings of this problem type, when locked with the client id's check
    if cmd.client_id is not None:
        locked = _citizen_filings(vault, cmd)
        existing = await repository.case_by_id(session, cmd.client_id, lock_filings=locked)
        if existing is not None:
            if existing.filed_by_id == principal.user_id:
                return existing
            raise ValidationFailed("clientId", "This client id is already in use.",
                                   "รหัสอ้างอิงจากเครื่องนี้ถูกใช้แล้ว", code="CLIENT_ID_CONFLICT")
    found = await _problem_type(session, cmd.category_code, known)
    if found is None:
        raise ValidationFailed("categoryCode", "Unknown problem type.", "ไม่พบประเภทปัญหานี้",
                               code="UNKNOWN_CATEGORY")
    category, sla = found
    if not category.active:
        raise ValidationFailed("categoryCode", "This problem type is no longer in use; choose another.",
                               "ประเภทปัญหานี้เลิกใช้แล้ว กรุณาเลือกประเภทอื่น", code="UNKNOWN_CATEGORY")
    area = await _subdistrict(session, cmd.subdistrict_code, known)
    description = required_text(cmd.description, "description", MAX_DESCRIPTION_CHARS,
                                "a description", "รายละเอียดปัญหา")
    citizen = cmd.citizen
    full_name = required_text(citizen.full_name, "citizen.fullName", 200, "the citizen's name",
                              "ชื่อผู้ขอรับบริการ")
    if not citizen.consent:
        raise ValidationFailed("citizen.consent", "The citizen's consent to use personal data is required.",
                               "ต้องได้รับความยินยอมให้ใช้ข้อมูลส่วนบุคคลจากผู้ขอรับบริการ",
                               code="CONSENT_REQUIRED")
    national_id = _within("citizen.", normalise_national_id, citizen.national_id)
    phone = _within("citizen.", normalise_phone, citizen.phone)
    employer = cmd.employer
    employer_name = employer_juristic_id = employer_address = None
    if employer is not None:
        employer_name = required_text(employer.name, "employer.name", 300, "the employer's name",
                                      "ชื่อนายจ้าง")
        employer_juristic_id = _within("employer.", normalise_juristic_id, employer.juristic_id)
        if employer.address and employer.address.strip():
            employer_address = required_text(employer.address, "employer.address", 500,
                                             "the employer's address", "ที่อยู่นายจ้าง")
    amount_claimed = checked_baht("amountClaimedThb", cmd.amount_claimed_thb)
    captured_at = cmd.captured_at or now
    if captured_at.tzinfo is None or captured_at > now + CLOCK_SKEW:
        raise ValidationFailed("capturedAt", "The capture time must be a past time with a time zone.",
                               "เวลาที่บันทึกต้องเป็นเวลาที่ผ่านมาแล้วและระบุเขตเวลา")
    if national_id and not cmd.file_anyway:
        id_hash = vault.lookup_hash(national_id)
        if locked != (id_hash, category.code):
            await repository.lock_filings_of_citizen(session, id_hash, category.code)
        await _refuse_duplicate(session, principal, id_hash, category.code, now, cmd.client_id)
    decision = route(category.code, area.code, await _routing_rules(session, category.code, known))
    fiscal_year = fiscal_year_be(now)
    case_id = cmd.client_id or uuid.uuid4()
    numbered = await _number_now(session, area.code[:2], fiscal_year)
    case = Case(
        id=case_id,
        fiscal_year=fiscal_year, category_code=category.code, description=description,
        subdistrict_code=area.code, district_code=area.code[:4], province_code=area.code[:2],
        priority=category.priority, status=CaseStatus.NEW,
        shared_with_volunteers=cmd.shared_with_volunteers, filed_by_id=principal.user_id,
        captured_at=captured_at, received_at=now, updated_at=now,
        citizen_contact_preference=citizen.contact_preference, citizen_consent_at=captured_at,
        employer_name=employer_name, employer_juristic_id=employer_juristic_id,
        employer_address=employer_address, amount_claimed_thb=amount_claimed,
        event_id=cmd.event_id, reference=numbered or _unnumbered(case_id),
    )
    citizen_data.seal(vault, case, CitizenIdentity(full_name, national_id, phone))
    referral = pending_referral(case, decision.org_unit_code, decision.rule_id, now, calendar, sla)
    uow.enqueue(REFERRAL_ROUTED_JOB, referral_id=str(referral.id))
    history = [event(case, EventType.FILED, principal, now, to_status=CaseStatus.NEW),
               routed_event(case, referral, principal, now, ruleId=decision.rule_id,
                            by="rule" if decision.rule_id is not None else "triage")]
    changed = follow_referrals(case, [referral], principal, now)  # inserted ROUTED, not updated
    # Nothing reads or changes the case, its referral or their history in this transaction
    # after this: all are written with the commit's other rows (domain/commit_writes.py), not
    # by flushes. The history so: 8-11 % less CPU a filing; the case and referral so: 13 % less
    # time on PostgreSQL (two round trips and the ORM's flush saved), 10 % on SQLite (in
    # process, alternated, 2026-12-07).
    insert_at_commit(session, [case, referral])
    record_at_commit(session, history + ([changed] if changed is not None else []))
    if numbered is None:
        await _number_at_commit(uow, case)
    return case


async def _number_now(session: AsyncSession, province_code: str, fiscal_year: int) -> str | None:
    """SQLite: the case's reference, the next number of its province and fiscal year, taken
    right before the case's row is written (so that row is written with it, not updated after);
    None on PostgreSQL, which numbers the case as its transaction commits (`_number_at_commit`).

    The numbers are gapless: the counter's upsert is undone with a filing that rolls back. It
    locks the province's counter until the commit, which costs nothing on SQLite: the filing's
    writer holds the database's write lock from its BEGIN anyway."""
    if session.get_bind().dialect.name == "postgresql":
        return None
    sequence = await repository.next_number(session, province_code, fiscal_year)
    if sequence is None:
        raise _numbers_used_up()
    return format_reference(province_code, fiscal_year, sequence)


async def _number_at_commit(uow: UnitOfWork, case: Case) -> None:
    """PostgreSQL: the database numbers the case as the transaction commits (a deferred trigger,
    migration 0016), the next number of its province and fiscal year, gapless. The trigger's
    upsert locks the province's counter row, and the province's other filings wait for that
    lock (under load it was the only lock anyone waited on: bench/load.py, issue 11): so it is
    locked only while the database commits, never across a round trip to this process, however
    busy it is. The trigger tells the reference with the commit's answer (migration 0018,
    `UnitOfWork.told`); not told, it is read after the commit. A commit that waited 2 s for the
    counter (its holder stuck) is refused, answered 503."""
    told = await uow.told()
    uow.refuse_at_commit(repository.NUMBERS_USED_UP, _numbers_used_up)
    uow.refuse_at_commit(repository.LOCK_NOT_AVAILABLE, DatabaseUnavailable)
    uow.after_commit(lambda db: _reference_after_commit(db, case, told))


async def _reference_after_commit(db: Database, case: Case, told: dict[str, str]) -> None:
    reference = told.get(f"numbered:{case.id}")
    if reference is None:  # the database said nothing: migration 0018 not run, notices off
        async with db.read_sessions() as session:
            reference = await repository.reference_of(session, case.id)
    if reference.startswith("~"):  # committed unnumbered: the code is ahead of the schema
        raise RuntimeError("a case was filed without its number: run `khortor migrate` (migration 0016)")
    set_committed_value(case, "reference", reference)


def _numbers_used_up() -> ValidationFailed:
    return ValidationFailed("subdistrictCode", "This province has used up its case numbers for the year.",
                            "จังหวัดนี้ใช้เลขที่เรื่องของปีงบประมาณนี้ครบแล้ว", code="NUMBERS_USED_UP")


def _citizen_filings(vault: Vault, cmd: OpenCase) -> tuple[str, str] | None:
    """(national ID hash, problem type) of the filings this one checks for an open case after,
    as far as it can be told before the command is checked (`repository.lock_filings_of_citizen`)."""
    if cmd.file_anyway or not cmd.citizen.national_id:
        return None
    try:
        national_id = normalise_national_id(cmd.citizen.national_id)
    except DomainError:
        return None  # refused below
    return (vault.lookup_hash(national_id), cmd.category_code) if national_id else None


def _unnumbered(case_id: uuid.UUID) -> str:
    """A case's reference until its number (`_number`), in the same transaction or as it
    commits: unique as the case's id, and never a reference's shape; nobody sees it committed."""
    return "~" + base64.urlsafe_b64encode(case_id.bytes).decode().rstrip("=")


async def _refuse_duplicate(session: AsyncSession, principal: Principal, id_hash: str,
                            category_code: str, now: datetime, client_id: uuid.UUID | None) -> None:
    found = await repository.open_case_of_citizen(session, id_hash, category_code,
                                                  now - DUPLICATE_WINDOW)
    # A case with this filing's own id is this filing, committed by a send of it racing this
    # one since the clientId check above: not a duplicate. Filing on, its insert meets the
    # primary key and `file_case` answers with that case.
    if found is not None and found.id != client_id:
        visible = await repository.visible_case(session, principal, found.id)
        if visible is not None:
            session.expunge(visible)  # it outlives the rollback this error causes
        raise DuplicateOfOpenCase(found.id, id_hash, visible)


class DuplicateOfOpenCase(DuplicateCase):
    """The duplicate warning, saying only what the volunteer may see: the open case and its
    reference when the volunteer may see that case; otherwise only that the citizen has an
    open case of this problem type with an office, with nothing that identifies it.

    The warning answers a question about a national ID: before it is told, domain/privacy
    logs it and counts it against the volunteer's lookup quota (`tell_duplicate`), with
    `open_case_id` and `subject_hash`, which are never shown."""

    def __init__(self, open_case_id: uuid.UUID, subject_hash: str, visible: Case | None) -> None:
        if visible is not None:
            super().__init__(visible.reference, visible)
        else:
            DomainError.__init__(
                self,
                "Nothing was filed: this citizen already has an open case of this problem type "
                "with an office. File anyway if this is a different problem; otherwise ask the "
                "Provincial Labour Office about the open case.",
                "ยังไม่ได้ยื่นเรื่อง: ผู้ขอรับบริการรายนี้มีเรื่องประเภทเดียวกันที่ยังไม่ปิดอยู่กับหน่วยงานแล้ว "
                "หากเป็นปัญหาอื่น กรุณายืนยันการยื่นเรื่องใหม่ หากไม่ใช่ กรุณาสอบถามเรื่องเดิมที่สำนักงานแรงงานจังหวัด",
            )
            self.reference, self.case = "", None
        self.open_case_id = open_case_id
        self.subject_hash = subject_hash
