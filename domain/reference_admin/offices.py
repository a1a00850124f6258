"""Offices (org units) an admin adds, e.g. Bangkok's numbered social-security area branches,
and their names. An office's code, agency and province never change (referrals and users
name it). Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.areas.models import AreaLevel
from domain.audit import service as audit
from domain.errors import ValidationFailed
from domain.org_units.models import OrgUnit
from domain.reference_admin import repository, rules
from domain.reference_admin.common import require_admin
from domain.text import required_text
from domain.uow import UnitOfWork
from domain.users.principal import Principal


@dataclass(frozen=True)
class NewOffice:
    code: str
    agency_code: str
    province_code: str
    name_th: str
    name_en: str


def snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {"agencyCode": unit.agency_code, "provinceCode": unit.province_code,
            "nameTh": unit.name_th, "nameEn": unit.name_en}


def _names(name_th: str, name_en: str) -> tuple[str, str]:
    return (required_text(name_th, "nameTh", 250, "the Thai name", "ชื่อภาษาไทย"),
            required_text(name_en, "nameEn", 250, "the English name", "ชื่อภาษาอังกฤษ"))


async def add_office(uow: UnitOfWork, principal: Principal, new: NewOffice, now: datetime) -> OrgUnit:
    require_admin(principal)
    session = uow.session
    if await repository.agency(session, new.agency_code) is None:
        raise ValidationFailed("agencyCode", "Unknown agency: choose OPS, DOE, DSD, DLPW or SSO.",
                               "ไม่พบหน่วยงานนี้ กรุณาเลือก OPS, DOE, DSD, DLPW หรือ SSO")
    code = rules.org_unit_code(new.code, new.agency_code, new.province_code)
    province = await repository.area(session, new.province_code)
    if province is None or province.level != AreaLevel.PROVINCE:
        raise ValidationFailed("provinceCode", f"Unknown province code {new.province_code}.",
                               f"ไม่พบรหัสจังหวัด {new.province_code}", code="UNKNOWN_AREA")
    name_th, name_en = _names(new.name_th, new.name_en)
    if await repository.org_unit(session, code) is not None:
        raise ValidationFailed("code", f"An office with the code {code} exists already.",
                               f"มีหน่วยงานรหัส {code} อยู่แล้ว", code="DUPLICATE")
    unit = OrgUnit(code=code, agency_code=new.agency_code, province_code=province.code,
                   name_th=name_th, name_en=name_en)
    session.add(unit)
    await session.flush()
    audit.record(session, principal.user_id, "ORG_UNIT_ADDED", "ORG_UNIT", code, now,
                 after=snapshot(unit), only_changes=False)
    return unit


async def rename_office(uow: UnitOfWork, principal: Principal, code: str, name_th: str, name_en: str,
                        now: datetime) -> OrgUnit:
    require_admin(principal)
    unit = await repository.org_unit(uow.session, code)
    if unit is None:
        raise ValidationFailed("code", "Unknown office.", "ไม่พบหน่วยงานนี้", code="UNKNOWN_ORG_UNIT")
    before = snapshot(unit)
    unit.name_th, unit.name_en = _names(name_th, name_en)
    if snapshot(unit) != before:
        audit.record(uow.session, principal.user_id, "ORG_UNIT_CHANGED", "ORG_UNIT", code, now,
                     before=before, after=snapshot(unit))
    await uow.session.flush()
    return unit
