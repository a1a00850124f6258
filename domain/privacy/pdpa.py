"""PDPA requests about one citizen: access (export) and erasure (anonymisation), and retention.

Anonymisation is irreversible: the citizen's sealed name, national ID and phone, their
keyed hash, the description and every note of the case's history are blanked. What the
statistics count stays: category, area, dates, statuses, outcomes, amounts, satisfaction.
Only closed cases are anonymised, and never one on legal hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import citizen
from domain.cases import repository as cases
from domain.cases.models import Case, CaseEvent, EventType, touch
from domain.cases.state import CaseStatus
from domain.errors import AccessDenied, NotFound
from domain.privacy import repository
from domain.privacy.models import AccessAction
from domain.privacy.service import entry, national_id_hash, reason_text, spend_lookup
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.principal import Principal
from domain.vault import Vault

ANONYMISED_TEXT = "[ลบข้อมูลส่วนบุคคลแล้ว — personal data removed]"
RETENTION_REASON = "retention period ended"
# Enqueued by an anonymisation; handled by domain/attachments (a higher layer) after commit.
PURGE_ATTACHMENTS_JOB = "attachments.purge"


@dataclass(frozen=True)
class Skipped:
    reference: str
    why: str  # OPEN or LEGAL_HOLD


@dataclass(frozen=True)
class Anonymised:
    references: Sequence[str]
    skipped: Sequence[Skipped]


def _require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise AccessDenied("Only administrators (the data protection officer) can do this.")


async def export_citizen_data(uow: UnitOfWork, principal: Principal, vault: Vault,
                              national_id: str, now: datetime, quota: int) -> dict[str, Any]:
    """Everything held about one citizen, as JSON (a data-subject access request)."""
    _require_admin(principal)
    subject = national_id_hash(vault, national_id)
    session = uow.session
    await spend_lookup(session, principal, AccessAction.EXPORT, subject, now, quota)
    found = await cases.cases_of_citizen(session, subject)
    ids = [c.id for c in found]
    referrals = await cases.referrals_of(session, ids)
    events = await cases.events_of(session, ids, include_internal=True)
    accesses = await repository.of_cases(session, ids)
    return {
        "exportedAt": now.isoformat(),
        "cases": [_case_json(vault, c, [r for r in referrals if r.case_id == c.id],
                             [e for e in events if e.case_id == c.id]) for c in found],
        "accessLog": [{"at": a.at.isoformat(), "action": a.action, "caseId": str(a.case_id),
                       "userId": str(a.user_id) if a.user_id else None, "reason": a.reason}
                      for a in accesses],
    }


def _case_json(vault: Vault, case: Case, referrals: Sequence[Any], events: Sequence[Any]) -> dict[str, Any]:
    who = citizen.open_(vault, case)
    return {
        "id": str(case.id), "reference": case.reference, "status": case.status, "category": case.category_code,
        "subdistrict": case.subdistrict_code, "receivedAt": case.received_at.isoformat(),
        "closedAt": case.closed_at.isoformat() if case.closed_at else None,
        "description": case.description,
        "citizen": {"fullName": who.full_name, "nationalId": who.national_id, "phone": who.phone,
                    "contactPreference": case.citizen_contact_preference,
                    "consentAt": case.citizen_consent_at.isoformat()},
        "employer": {"name": case.employer_name, "juristicId": case.employer_juristic_id,
                     "address": case.employer_address} if case.employer_name else None,
        "outcome": case.outcome,
        "amountRecoveredThb": str(case.amount_recovered_thb) if case.amount_recovered_thb is not None else None,
        "satisfaction": case.satisfaction,
        "referrals": [{"orgUnit": r.org_unit_code, "status": r.status, "createdAt": r.created_at.isoformat(),
                       "outcome": r.outcome, "reason": r.reason} for r in referrals],
        "history": [{"type": e.type, "at": e.at.isoformat(), "note": e.note} for e in events],
    }


async def anonymise_citizen(uow: UnitOfWork, principal: Principal, vault: Vault,
                            national_id: str, reason: str | None, now: datetime) -> Anonymised:
    """Blank the personal data of this citizen's closed cases (not those on legal hold)."""
    _require_admin(principal)
    why = reason_text(reason)
    subject = national_id_hash(vault, national_id)
    done, skipped = [], []
    for case in await cases.cases_of_citizen(uow.session, subject):
        if case.status != CaseStatus.CLOSED:
            skipped.append(Skipped(case.reference, "OPEN"))
        elif case.legal_hold:
            skipped.append(Skipped(case.reference, "LEGAL_HOLD"))
        else:
            await _anonymise(uow, principal, case, now, why, subject)
            done.append(case.reference)
    return Anonymised(done, skipped)


async def retention_due_ids(session: AsyncSession, now: datetime, retention: timedelta,
                            limit: int) -> Sequence[uuid.UUID]:
    """The retention sweep: closed cases past the period, not anonymised, not on hold."""
    return await cases.retention_due_ids(session, now - retention, limit)


async def anonymise_if_expired(uow: UnitOfWork, case_id: uuid.UUID, now: datetime,
                               retention: timedelta) -> bool:
    """The retention job for one case; re-checks everything under the case's lock, so a
    hold placed or a case reopened since the sweep is respected, and a second run is a no-op."""
    case = await cases.lock_case(uow.session, case_id)
    if (case is None or case.status != CaseStatus.CLOSED or case.closed_at is None
            or case.anonymised_at is not None or case.legal_hold
            or case.closed_at >= now - retention):
        return False
    await _anonymise(uow, None, case, now, RETENTION_REASON, None)
    return True


async def _anonymise(uow: UnitOfWork, principal: Principal | None, case: Case, now: datetime,
                     reason: str, subject: str | None) -> None:
    session = uow.session
    citizen.blank(case)
    case.description = ANONYMISED_TEXT
    case.anonymised_at = now
    await cases.blank_texts(session, case.id)
    repository.append(session, entry(principal, AccessAction.ANONYMISE, now, case_id=case.id,
                                     subject_hash=subject, reason=reason))
    # The case's files and thumbnails go too: domain/attachments deletes them after commit.
    uow.enqueue(PURGE_ATTACHMENTS_JOB, case_id=str(case.id))


async def set_legal_hold(uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, hold: bool,
                         reason: str | None, now: datetime) -> Case:
    """Keep a case's personal data past the retention period (or release it)."""
    _require_admin(principal)
    why = reason_text(reason)
    case = await cases.lock_case(uow.session, case_id)
    if case is None:
        raise NotFound("case", "เรื่อง")
    if case.legal_hold != hold:
        case.legal_hold = hold
        touch(case)
        uow.session.add(CaseEvent(case_id=case.id, type=EventType.LEGAL_HOLD_CHANGED, at=now,
                                  actor_id=principal.user_id, note=why, internal=True,
                                  data={"legalHold": hold}))
    return case
