from __future__ import annotations

import pytest

from domain.cases.routing import (
    TRIAGE_AGENCY,
    RoutingDecision,
    RoutingRule,
    org_unit_code_for,
    route,
)

RULES = [
    # national defaults: the agency's office in the case's province
    RoutingRule(1, "UNPAID_WAGES", "", "DLPW"),
    RoutingRule(2, "WORK_INJURY", "", "SSO"),
    RoutingRule(3, "JOB_SEEKING", "", "DOE"),
    # Bangkok work-injury cases go to a numbered area branch; one district to another
    RoutingRule(10, "WORK_INJURY", "10", "SSO", "SSO-10-A1"),
    RoutingRule(11, "WORK_INJURY", "1001", "SSO", "SSO-10-A4"),
    # a sub-district rule in Nong Khai sends wage cases to the neighbouring province's office
    RoutingRule(12, "UNPAID_WAGES", "430101", "DLPW", "DLPW-41"),
    # a district rule with no unit: the agency's office in the case's province
    RoutingRule(13, "JOB_SEEKING", "4302", "OPS"),
]


@pytest.mark.parametrize(
    ("category", "subdistrict", "expected"),
    [
        ("UNPAID_WAGES", "430201", RoutingDecision("DLPW-43", 1)),  # national default
        ("UNPAID_WAGES", "100101", RoutingDecision("DLPW-10", 1)),
        ("UNPAID_WAGES", "430101", RoutingDecision("DLPW-41", 12)),  # sub-district beats national
        ("UNPAID_WAGES", "430102", RoutingDecision("DLPW-43", 1)),  # sibling sub-district
        ("WORK_INJURY", "430101", RoutingDecision("SSO-43", 2)),
        ("WORK_INJURY", "100201", RoutingDecision("SSO-10-A1", 10)),  # province beats national
        ("WORK_INJURY", "100101", RoutingDecision("SSO-10-A4", 11)),  # district beats province
        ("JOB_SEEKING", "430201", RoutingDecision("OPS-43", 13)),
        ("JOB_SEEKING", "430301", RoutingDecision("DOE-43", 3)),
        # no rule for the category: triage at the Provincial Labour Office, no rule id
        ("OTHER", "430101", RoutingDecision("OPS-43", None)),
        ("SECTION_40", "100101", RoutingDecision("OPS-10", None)),
    ],
)
def test_route(category: str, subdistrict: str, expected: RoutingDecision) -> None:
    assert route(category, subdistrict, RULES) == expected


def test_no_rule_for_the_area_goes_to_triage() -> None:
    rules = [RoutingRule(5, "UNPAID_WAGES", "43", "DLPW")]
    assert route("UNPAID_WAGES", "100101", rules) == RoutingDecision(f"{TRIAGE_AGENCY}-10", None)
    assert route("UNPAID_WAGES", "430101", []) == RoutingDecision("OPS-43", None)


def test_prefix_is_a_string_prefix_not_a_substring() -> None:
    rules = [RoutingRule(5, "UNPAID_WAGES", "01", "DLPW", "DLPW-XX")]
    assert route("UNPAID_WAGES", "430101", rules).rule_id is None


@pytest.mark.parametrize(
    ("rules", "expected_rule"),
    [
        ([RoutingRule(7, "C", "43", "A"), RoutingRule(4, "C", "43", "B")], 4),
        ([RoutingRule(4, "C", "43", "B"), RoutingRule(7, "C", "43", "A")], 4),
        ([RoutingRule(None, "C", "43", "A"), RoutingRule(9, "C", "43", "B")], 9),
        ([RoutingRule(9, "C", "43", "B"), RoutingRule(None, "C", "43", "A")], 9),
        ([RoutingRule(0, "C", "43", "B"), RoutingRule(None, "C", "43", "A")], 0),
        ([RoutingRule(None, "C", "4301", "A"), RoutingRule(1, "C", "43", "B")], None),  # longest first
    ],
)
def test_ties_lowest_id_wins_none_last(rules: list[RoutingRule], expected_rule: int | None) -> None:
    assert route("C", "430101", rules).rule_id == expected_rule


def test_accepts_any_iterable() -> None:
    assert route("UNPAID_WAGES", "430201", iter(RULES)) == RoutingDecision("DLPW-43", 1)


@pytest.mark.parametrize("code", ["", "43", "4301", "43010", "4301011", "43O101", "๔๓๐๑๐๑"])
def test_route_rejects_a_malformed_subdistrict_code(code: str) -> None:
    with pytest.raises(ValueError):
        route("UNPAID_WAGES", code, RULES)


def test_org_unit_code_for() -> None:
    assert org_unit_code_for("DLPW", "43") == "DLPW-43"
    assert org_unit_code_for("OPS", "10") == "OPS-10"
    with pytest.raises(ValueError):
        org_unit_code_for("DLPW", "4301")


def test_rules_and_decisions_are_frozen_values() -> None:
    rule = RoutingRule(1, "UNPAID_WAGES", "", "DLPW")
    assert rule.org_unit_code is None
    assert rule == RoutingRule(1, "UNPAID_WAGES", "", "DLPW")
    with pytest.raises(AttributeError):
        rule.area_prefix = "43"  # type: ignore[misc]
    assert hash(RoutingDecision("OPS-43", None)) == hash(RoutingDecision("OPS-43", None))
