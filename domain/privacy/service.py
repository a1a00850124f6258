"""Use cases about personal data: reveal, look up by national ID, the access log.

Every one of them writes its access-log entry in the same transaction as what it reads
or changes, so nothing is shown or changed without a trace (and no trace without it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import policy
from domain.cases import repository as cases
from domain.cases.citizen import CitizenIdentity, open_
from domain.cases.identifiers import normalise_national_id
from domain.cases.models import Case
from domain.db import Database
from domain.errors import AccessDenied, NotFound, QuotaExceeded, ValidationFailed
from domain.privacy import repository
from domain.privacy.models import AccessAction, AccessLogEntry
from domain.privacy.repository import AccessFilter
from domain.requests import current_request_id
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal
from domain.vault import Vault

MAX_REASON_CHARS = 500
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
    return policy.may_see_citizen(principal, case, (r.org_unit_code for r in referrals))


async def reveal(uow: UnitOfWork, principal: Principal, vault: Vault, case_id: uuid.UUID,
                 reason: str | None, now: datetime) -> tuple[Case, CitizenIdentity]:
    """The citizen's national ID and phone whole, for a stated reason, logged."""
    session = uow.session
    case = await cases.visible_case(session, principal, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    if not await may_see_identity(session, principal, case):
        raise AccessDenied("Only the filing volunteer, the offices the case was sent to and "
                           "administrators can see the citizen's identity.")
    why = reason_text(reason)
    repository.append(session, entry(principal, AccessAction.REVEAL, now, case_id=case.id,
                                     reason=why))
    return case, open_(vault, case)


async def record_views(uow: UnitOfWork, principal: Principal, case_ids: Iterable[uuid.UUID],
                       now: datetime) -> None:
    """The citizens of these cases were shown to the principal with their names whole."""
    await repository.append_many(uow.session, [entry(principal, AccessAction.VIEW, now, case_id=case_id)
                                               for case_id in sorted(set(case_ids))])


async def spend_lookup(session: AsyncSession, principal: Principal, action: AccessAction,
                       subject_hash: str, now: datetime, quota: int) -> None:
    """Count one lookup by national ID against the user's hourly quota, or refuse it."""
    await repository.lock_user(session, principal.user_id)
    since = now - QUOTA_WINDOW
    counted = (AccessAction.LOOKUP, AccessAction.EXPORT)
    used, oldest = await repository.usage_since(session, principal.user_id, counted, since)
    if used >= quota:
        raise QuotaExceeded(max(1, int(((oldest or now) + QUOTA_WINDOW - now).total_seconds())))
    repository.append(session, entry(principal, action, now, subject_hash=subject_hash))


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
