"""An event's report as one printed sheet: the report's figures with the names people read
(area, offices, services, problem types) beside the codes. Read-only; the report itself is
`figures.event_report`, so the sheet counts exactly what the screen shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach import figures, repository
from domain.reference import repository as reference
from domain.users.principal import Principal


@dataclass(frozen=True)
class ReportSheet:
    report: figures.EventReport
    area_th: str                     # "ต.ในเมือง อ.เมืองหนองคาย จ.หนองคาย"
    offices: dict[str, str]          # org unit code -> Thai name
    services: dict[str, str]         # service code -> Thai name
    categories: dict[str, str]       # category code -> Thai name


async def report_sheet(session: AsyncSession, principal: Principal, event_id: uuid.UUID) -> ReportSheet | None:
    """The sheet of an event the principal may see the report of (None otherwise)."""
    report = await figures.event_report(session, principal, event_id)
    if report is None:
        return None
    event = report.event
    areas = {a.code: a.name_th for a in await reference.areas_with_parents(session, [event.subdistrict_code])}
    code = event.subdistrict_code
    bangkok = code.startswith("10")
    parts = [(("แขวง" if bangkok else "ต.") , code), (("เขต" if bangkok else "อ."), code[:4]),
             (("" if bangkok else "จ."), code[:2])]
    area_th = " ".join(f"{prefix}{areas[c]}" for prefix, c in parts if c in areas)
    offer_units = {o.org_unit_code for o in await repository.offers(session, [event.id])}
    units = {u.code: u.name_th for u in await reference.org_units(session, offer_units | {r.org_unit_code for r in report.served})}
    services = {s.code: s.name_th for s in await repository.services_for(session, event.province_code)}
    categories = {c.code: c.name_th for c, _ in await reference.categories(session)}
    return ReportSheet(report=report, area_th=area_th, offices=units, services=services, categories=categories)
