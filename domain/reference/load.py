"""Load the reference data idempotently: missing rows are added, admins' edits are kept."""

from __future__ import annotations

from dataclasses import dataclass

import geothai
from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import Area, AreaLevel
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.org_units.models import Agency, OrgUnit
from domain.reference import repository
from domain.reference.data import AGENCIES, CATEGORIES


@dataclass
class LoadReport:
    areas: int = 0
    agencies: int = 0
    org_units: int = 0
    categories: int = 0
    routing_rules: int = 0


def geothai_areas() -> list[Area]:
    areas: list[Area] = []
    for province in geothai.provinces():
        areas.append(Area(code=province.code, level=AreaLevel.PROVINCE, parent_code=None,
                          name_th=province.name_th, name_en=province.name_en))
        for district in geothai.districts(province.code):
            areas.append(Area(code=district.code, level=AreaLevel.DISTRICT,
                              parent_code=province.code,
                              name_th=district.name_th, name_en=district.name_en))
            for sub in geothai.subdistricts(district.code):
                postal = sub.postal_codes[0] if sub.postal_codes else None
                areas.append(Area(code=sub.code, level=AreaLevel.SUBDISTRICT,
                                  parent_code=district.code, name_th=sub.name_th,
                                  name_en=sub.name_en, postal_code=postal))
    return areas


async def load_reference_data(session: AsyncSession) -> LoadReport:
    """Add whatever reference rows are missing. Does not commit (the caller owns that)."""
    report = LoadReport()
    known = await repository.existing_keys(session, Area.code)
    new_areas = [a for a in geothai_areas() if a.code not in known]
    session.add_all(new_areas)
    report.areas = len(new_areas)

    known = await repository.existing_keys(session, Agency.code)
    for agency in AGENCIES:
        if agency.code not in known:
            session.add(Agency(**agency._asdict()))
            report.agencies += 1
    await session.flush()

    known = await repository.existing_keys(session, OrgUnit.code)
    provinces = geothai.provinces()
    for agency in AGENCIES:
        for province in provinces:
            code = f"{agency.code}-{province.code}"
            if code in known:
                continue
            session.add(OrgUnit(
                code=code, agency_code=agency.code, province_code=province.code,
                name_th=f"{agency.office_name_th}{province.name_th}",
                name_en=f"{agency.office_name_en}, {province.name_en}",
            ))
            report.org_units += 1
    await session.flush()

    known = await repository.existing_keys(session, Category.code)
    for order, cat in enumerate(CATEGORIES):
        if cat.code in known:
            continue
        session.add(Category(code=cat.code, name_th=cat.name_th, name_en=cat.name_en,
                             agency_code=cat.agency_code, priority=cat.priority,
                             sort_order=order))
        report.categories += 1
    await session.flush()
    known = await repository.existing_keys(session, SlaPolicy.category_code)
    for cat in CATEGORIES:
        if cat.code not in known:
            session.add(SlaPolicy(category_code=cat.code,
                                  accept_business_days=cat.accept_business_days,
                                  resolve_business_days=cat.resolve_business_days,
                                  legal_days=cat.legal_days))
    if not await repository.routing_rule_count(session):
        # The national default of each category: the agency's office in the case's province.
        for cat in CATEGORIES:
            session.add(RoutingRuleRow(category_code=cat.code, area_prefix="",
                                       agency_code=cat.agency_code))
            report.routing_rules += 1
    await session.flush()
    return report
