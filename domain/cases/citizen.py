"""A case's citizen: sealed into and opened from its row (domain/vault.py), and shown to a
viewer masked or whole (SPEC §2; PDPA)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.cases import repository as cases
from domain.cases.identifiers import format_national_id, mask_name, mask_national_id, mask_phone
from domain.cases.models import Case
from domain.logs import NATIONAL_ID, PHONE
from domain.uow import UnitOfWork
from domain.vault import Vault


@dataclass(frozen=True)
class CitizenIdentity:
    full_name: str | None
    national_id: str | None  # 13 digits, normalised
    phone: str | None  # E.164


@dataclass(frozen=True)
class ShownCitizen:
    """The citizen as one viewer sees it."""

    full_name: str
    national_id: str | None
    phone: str | None
    masked: bool  # the name is masked for this viewer
    may_reveal: bool  # the viewer may ask for the national ID and phone whole
    anonymised: bool


def shown(case: Case, who: CitizenIdentity, whole: bool, revealed: bool) -> ShownCitizen:
    """`whole` (the viewer serves this citizen: `policy.may_see_citizen`) shows the name;
    `revealed` (an audited reveal) the national ID and phone too. Otherwise they are masked;
    an anonymised citizen has no name at all."""
    anonymised = case.anonymised_at is not None
    if anonymised:
        name = "—"
    elif whole:
        name = who.full_name or ""
    else:
        name = mask_name(who.full_name or "")
    national_id, phone = who.national_id, who.phone
    if revealed:
        national_id = format_national_id(national_id) if national_id else None
    else:
        national_id = mask_national_id(national_id) if national_id else None
        phone = mask_phone(phone) if phone else None
    return ShownCitizen(full_name=name, national_id=national_id, phone=phone, masked=not whole,
                        may_reveal=whole and not anonymised, anonymised=anonymised)


NUMBER_MASK = "•••"


def masked_text(text: str) -> str:
    """Free text (a description, a note) as shown to a viewer who may not see the citizen
    whole: a national ID or phone number written into it is masked, like the citizen's own."""
    for pattern in (NATIONAL_ID, PHONE):
        text = pattern.sub(NUMBER_MASK, text)
    return text


def seal(vault: Vault, case: Case, who: CitizenIdentity) -> None:
    """Store the citizen on the case; the row id must be final (it is bound into each value)."""
    case.citizen_name_sealed = vault.seal(who.full_name, case.id, "name")
    case.citizen_national_id_sealed = vault.seal(who.national_id, case.id, "national_id")
    case.citizen_phone_sealed = vault.seal(who.phone, case.id, "phone")
    case.citizen_national_id_hash = vault.lookup_hash(who.national_id) if who.national_id else None
    case.citizen_key_id = vault.current_key_id


def open_(vault: Vault, case: Case) -> CitizenIdentity:
    """The citizen as stored; every field is None once the case has been anonymised."""
    return CitizenIdentity(
        full_name=vault.open(case.citizen_name_sealed, case.citizen_key_id, case.id, "name"),
        national_id=vault.open(case.citizen_national_id_sealed, case.citizen_key_id, case.id,
                               "national_id"),
        phone=vault.open(case.citizen_phone_sealed, case.citizen_key_id, case.id, "phone"),
    )


def blank(case: Case) -> None:
    """Irreversibly remove the citizen's personal data from the row (PDPA anonymisation)."""
    case.citizen_name_sealed = None
    case.citizen_national_id_sealed = None
    case.citizen_phone_sealed = None
    case.citizen_national_id_hash = None
    case.citizen_key_id = None


async def reseal_batch(uow: UnitOfWork, vault: Vault, limit: int = 500) -> int:
    """Key rotation: open citizens sealed under an older key and seal them under the current
    one. Returns how many were moved (0 when none is left)."""
    rows = await cases.sealed_with_older_key(uow.session, vault.current_key_id, limit)
    for case in rows:
        seal(vault, case, open_(vault, case))
    return len(rows)
