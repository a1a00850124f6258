"""Routing a case to an org unit from data rules (SPEC §3 "Routing"). Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TRIAGE_AGENCY = "OPS"

_SUBDISTRICT = re.compile(r"[0-9]{6}")
_PROVINCE = re.compile(r"[0-9]{2}")


@dataclass(frozen=True)
class RoutingRule:
    """`(category, area prefix) -> org unit`.

    `area_prefix` "" is the national default, "43" a province, "4301" a district, "430101" a
    sub-district. `org_unit_code` None means the agency's office in the case's province.
    """

    id: int | None
    category_code: str
    area_prefix: str
    agency_code: str
    org_unit_code: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    org_unit_code: str
    rule_id: int | None  # None: no rule matched, the case goes to triage


def org_unit_code_for(agency_code: str, province_code: str) -> str:
    """The code of an agency's office in a province, e.g. `DLPW-43`."""
    if not _PROVINCE.fullmatch(province_code):
        raise ValueError("province_code must be two digits")
    return f"{agency_code}-{province_code}"


def _sort_key(rule: RoutingRule) -> tuple[int, int, int]:
    # Longest prefix first; then lowest id; rules without an id last.
    return (-len(rule.area_prefix), rule.id is None, rule.id or 0)


def route(category_code: str, subdistrict_code: str, rules: Iterable[RoutingRule]) -> RoutingDecision:
    """Pick the most specific rule for the category and place; else the province's triage desk."""
    if not _SUBDISTRICT.fullmatch(subdistrict_code):
        raise ValueError("subdistrict_code must be six digits")
    province = subdistrict_code[:2]
    matching = [
        r
        for r in rules
        if r.category_code == category_code and subdistrict_code.startswith(r.area_prefix)
    ]
    if not matching:
        return RoutingDecision(org_unit_code_for(TRIAGE_AGENCY, province), None)
    best = min(matching, key=_sort_key)
    unit = best.org_unit_code or org_unit_code_for(best.agency_code, province)
    return RoutingDecision(unit, best.id)
