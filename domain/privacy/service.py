"""Use cases about personal data: reveal, look up by national ID, the access log.

Every one of them writes its access-log entry in the same transaction as what it reads
or changes, so nothing is shown or changed without a trace (and no trace without it).
The duplicate warning at filing is a lookup too; its entry is written before it is told,
in a transaction of its own (the refused filing's is rolled back).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import policy
from domain.cases import repository as cases
from domain.cases.citizen import CitizenIdentity, open_
from domain.cases.filing import DuplicateOfOpenCase
from domain.cases.identifiers import normalise_national_id
from domain.cases.models import Case
from domain.db import Database
from domain.errors import (AccessDenied, DomainError, DuplicateCase, NotFound, QuotaExceeded,
                           ValidationFailed)
from domain.privacy import repository
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.privacy.repository import AccessFilter
from domain.requests import current_request_id
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal
from domain.vault import Vault

MAX_REASON_CHARS = 500
# The access-log detail of a duplicate warning at filing (a LOOKUP), told or withheld.
DUPLICATE_WARNING = "DUPLICATE_WARNING"
DUPLICATE_WITHHELD = "DUPLICATE_WITHHELD"
QUOTA_WINDOW = timedelta(hours=1)
LOOKUP_ROLES = (Role.COORDINATOR, Role.OFFICER, Role.ADMIN)


def entry(principal: Principal | None, action: AccessAction, at: datetime, *,
          case_id: uuid.UUID | None = None, subject_hash: str | None = None,
          detail: str | None = None, reason: str | None = None) -> AccessLogEntry:
    return AccessLogEntry(at=at, user_id=principal.user_id if principal else None,
                          request_id=current_request_id(), action=action, case_id=case_id,
                          subject_hash=subject_hash, detail=detail, reason=reason)


def reason_text(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) < 3:
        raise ValidationFailed("reason", "Please give the reason (at least 3 characters).",
                               "กรุณาระบุเหตุผล (อย่างน้อย 3 ตัวอักษร)", code="REQUIRED")
    if len(text) > MAX_REASON_CHARS:
        raise ValidationFailed("reason", f"The reason is too long (at most {MAX_REASON_CHARS} "
                               "characters).", f"เหตุผลยาวเกินไป (ไม่เกิน {MAX_REASON_CHARS} ตัวอักษร)",
                               code="TOO_LONG")
    return text


async def may_see_identity(session: AsyncSession, principal: Principal, case: Case) -> bool:
    referrals = await cases.referrals_of(session, [case.id])
    return policy.may_see_citizen(principal, case, referrals)


async def reveal(uow: UnitOfWork, principal: Principal, vault: Vault, case_id: uuid.UUID,
                 reason: str | None, now: datetime) -> tuple[Case, CitizenIdentity]:
    """The citizen's national ID and phone whole, for a stated reason, logged."""
    session = uow.session
    case = await cases.visible_case(session, principal, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    if not await may_see_identity(session, principal, case):
        raise AccessDenied("Only the filing volunteer, the offices responsible for the case and "
                           "administrators can see the citizen's identity.")
    why = reason_text(reason)
    repository.append(session, entry(principal, AccessAction.REVEAL, now, case_id=case.id,
                                     reason=why))
    return case, open_(vault, case)


async def record_views(db: Database, principal: Principal, case_ids: Iterable[uuid.UUID],
                       now: datetime, on: AsyncSession | None = None) -> None:
    """The citizens of these cases were shown to the principal with their names whole: the
    entries are committed when this returns (one statement, a transaction by itself; on the
    connection of the read session `on` when given)."""
    await repository.append_alone(db, principal.user_id, current_request_id(), AccessAction.VIEW,
                                  sorted(set(case_ids)), now, on)


async def _over_quota(session: AsyncSession, principal: Principal, now: datetime,
                      quota: int) -> int | None:
    """Seconds until the user may look up again, or None while within the hourly quota.
    Holds the user's lock to the end of the transaction, so the entry written next counts."""
    await repository.lock_user(session, principal.user_id)
    counted = (AccessAction.LOOKUP, AccessAction.EXPORT)
    used, oldest = await repository.usage_since(session, principal.user_id, counted,
                                                now - QUOTA_WINDOW)
    if used < quota:
        return None
    return max(1, int(((oldest or now) + QUOTA_WINDOW - now).total_seconds()))


async def spend_lookup(session: AsyncSession, principal: Principal, action: AccessAction,
                       subject_hash: str, now: datetime, quota: int) -> None:
    """Count one lookup by national ID against the user's hourly quota, or refuse it."""
    retry_after = await _over_quota(session, principal, now, quota)
    if retry_after is not None:
        raise QuotaExceeded(retry_after)
    repository.append(session, entry(principal, action, now, subject_hash=subject_hash))


class DuplicateWithheld(DuplicateCase):
    """The duplicate warning once the volunteer's lookups of the hour are used up: nothing
    was filed, and nothing about the open case is told."""

    code = "LOOKUP_QUOTA_EXCEEDED"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        DomainError.__init__(
            self,
            "Nothing was filed: this citizen already has an open case of this problem type, and "
            "you have checked too many citizens in the last hour to be told more about it. File "
            f"anyway if this is a different problem, or try again in {minutes} minute(s).",
            "ยังไม่ได้ยื่นเรื่อง: ผู้ขอรับบริการรายนี้มีเรื่องประเภทเดียวกันที่ยังไม่ปิดอยู่แล้ว และท่านตรวจสอบข้อมูล"
            "ผู้ขอรับบริการเกินจำนวนที่กำหนดในหนึ่งชั่วโมง หากเป็นปัญหาอื่น กรุณายืนยันการยื่นเรื่องใหม่ "
            f"หรือลองใหม่ในอีก {minutes} นาที",
        )
        self.reference, self.case = "", None
        self.retry_after_seconds = retry_after_seconds


async def tell_duplicate(uow: UnitOfWork, principal: Principal, warning: DuplicateOfOpenCase,
                         now: datetime, quota: int) -> DuplicateCase:
    """The duplicate warning at filing answers a question about a national ID, so it is a
    lookup: logged (with the open case it found, which the citizen's own access record then
    shows) and counted against the user's hourly quota before it is told. Over the quota
    the warning is withheld: the filing is still refused, but nothing about the open case
    is told. Call it in a unit of work of its own: the filing's rolled back."""
    retry_after = await _over_quota(uow.session, principal, now, quota)
    repository.append(uow.session, entry(
        principal, AccessAction.LOOKUP, now, case_id=warning.open_case_id,
        subject_hash=warning.subject_hash,
        detail=DUPLICATE_WARNING if retry_after is None else DUPLICATE_WITHHELD))
    return warning if retry_after is None else DuplicateWithheld(retry_after)


def national_id_hash(vault: Vault, national_id: str) -> str:
    try:
        return vault.lookup_hash(normalise_national_id(national_id))
    except ValidationFailed as error:
        error.field = "nationalId"
        raise


async def cases_of_citizen(uow: UnitOfWork, principal: Principal, vault: Vault,
                           national_id: str, now: datetime, quota: int) -> Sequence[Case]:
    """The cases of one citizen that the principal may see; counts against the quota."""
    if principal.role not in LOOKUP_ROLES:
        raise AccessDenied("Only staff can look cases up by national ID.")
    subject = national_id_hash(vault, national_id)
    await spend_lookup(uow.session, principal, AccessAction.LOOKUP, subject, now, quota)
    return await cases.cases_of_citizen(uow.session, subject, principal)


async def access_log(db: Database, principal: Principal, f: AccessFilter, first: int,
                     before_id: int | None) -> tuple[Sequence[AccessLogEntry], bool]:
    if principal.role is not Role.ADMIN:
        raise AccessDenied("Only administrators can read the access log.")
    async with db.read_sessions() as session:
        return await repository.search(session, f, first, before_id)
