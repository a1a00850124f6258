"""GraphQL documents and small helpers for tests that work cases over HTTP as the demo users.

The documents are the ones a client would send; every helper goes through `tests.helpers.gql`
with a bearer token, so what a test sees is what a signed-in user would see.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import case_input
from tests.helpers import gql, login

NONG_KHAI = "43"
NAI_MUEANG = "430101"  # vol.naimueang's sub-district
MI_CHAI = "430102"  # vol.michai's sub-district

# Thai words of SPEC.md section 4, as reasons an officer or volunteer would type.
HOLD_REASON = "รอข้อมูลจากนายจ้าง"  # on hold: waiting for the employer
REDIRECT_REASON = "ส่งต่อหน่วยงานอื่น: สิทธิประกันสังคม"  # redirected: social-security benefits
REJECT_REASON = "ไม่รับเรื่อง: อื่น ๆ"  # declined: other
# reopen: the employer still has not paid
REOPEN_REASON = "เปิดเรื่องอีกครั้ง: นายจ้างยังไม่จ่ายค่าจ้าง"


# --- documents -----------------------------------------------------------------------------

REFERRAL_FIELDS = """
fragment ReferralFields on Referral {
  id status current version reason outcome amountRecoveredThb predecessorId
  createdAt acceptDueAt resolveDueAt nextDueAt acceptedAt completedAt
  orgUnit { code agency { code } }
  assignedTo { username }
}
"""

CASE_FIELDS = """
fragment CaseFields on Case {
  id reference status version fiscalYear description priority
  outcome amountRecoveredThb satisfaction resolvedAt closedAt
  category { code }
  subdistrict { code }
  citizen { fullName nationalId phone masked }
  filedBy { username }
  referrals { ...ReferralFields }
  events { id type fromStatus toStatus note internal referralId actor { username } }
}
""" + REFERRAL_FIELDS

FAILURE_FIELDS = """
fragment Failure on UserError { code message messageTh }
"""

# What a union result may be besides its success type: code plus each error's own fields.
_FAILURES = """
    ...Failure
    ... on ValidationError { field }
    ... on IllegalTransitionError { status action }
    ... on StaleVersionError { currentVersion }
"""

OPEN_CASE = """
mutation OpenCase($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { ...CaseFields } }
    ...Failure
    ... on ValidationError { field }
  }
}
""" + CASE_FIELDS + FAILURE_FIELDS

CASE = """
query Case($id: ID!) { case(id: $id) { ...CaseFields } }
""" + CASE_FIELDS

REFERRAL = """
query Referral($id: ID!) { referral(id: $id) { ...ReferralFields case { id status } } }
""" + REFERRAL_FIELDS

MY_CASES_COUNT = """
query MyCases { cases(filter: { filedByMe: true }) { totalCount } }
"""

ALL_CASES = """
query AllCases($first: Int) {
  cases(first: $first) { totalCount edges { node { id reference status } } }
}
"""


def _case_mutation(name: str, success: str, params: str, args: str) -> str:
    return f"""
mutation {name[0].upper() + name[1:]}($caseId: ID!{params}, $expectedVersion: Int) {{
  {name}(caseId: $caseId{args}, expectedVersion: $expectedVersion) {{
    __typename
    ... on {success} {{ case {{ ...CaseFields }} }}
    {_FAILURES}
  }}
}}
""" + CASE_FIELDS + FAILURE_FIELDS


def _referral_mutation(name: str, success: str, params: str = "", args: str = "",
                       extra: str = "") -> str:
    return f"""
mutation {name[0].upper() + name[1:]}($referralId: ID!{params}, $expectedVersion: Int) {{
  {name}(referralId: $referralId{args}, expectedVersion: $expectedVersion) {{
    __typename
    ... on {success} {{ referral {{ ...ReferralFields case {{ id status version }} }} {extra} }}
    {_FAILURES}
  }}
}}
""" + REFERRAL_FIELDS + FAILURE_FIELDS


ROUTE_CASE = _case_mutation("routeCase", "RouteCaseSuccess", ", $orgUnitCodes: [String!]!",
                            ", orgUnitCodes: $orgUnitCodes")
REJECT_CASE = _case_mutation("rejectCase", "RejectCaseSuccess", ", $reason: String!",
                             ", reason: $reason")
CLOSE_CASE = _case_mutation("closeCase", "CloseCaseSuccess", "", "")
REOPEN_CASE = _case_mutation("reopenCase", "ReopenCaseSuccess", ", $reason: String!",
                             ", reason: $reason")
RECORD_SATISFACTION = _case_mutation("recordSatisfaction", "RecordSatisfactionSuccess",
                                     ", $score: Int!", ", score: $score")

ACCEPT_REFERRAL = _referral_mutation("acceptReferral", "AcceptReferralSuccess")
HOLD_REFERRAL = _referral_mutation("holdReferral", "HoldReferralSuccess",
                                   ", $reason: String!", ", reason: $reason")
RESUME_REFERRAL = _referral_mutation("resumeReferral", "ResumeReferralSuccess")
COMPLETE_REFERRAL = _referral_mutation(
    "completeReferral", "CompleteReferralSuccess",
    ", $outcome: ReferralOutcome!, $note: String, $amountRecoveredThb: Decimal",
    ", outcome: $outcome, note: $note, amountRecoveredThb: $amountRecoveredThb")
REJECT_REFERRAL = _referral_mutation("rejectReferral", "RejectReferralSuccess",
                                     ", $reason: String!", ", reason: $reason")
REDIRECT_REFERRAL = _referral_mutation(
    "redirectReferral", "RedirectReferralSuccess", ", $orgUnitCode: String!, $reason: String!",
    ", orgUnitCode: $orgUnitCode, reason: $reason",
    extra="newReferral { ...ReferralFields }")


# --- a signed-in demo user -------------------------------------------------------------------

class DemoUser:
    """A demo user signed in over HTTP; `run` sends a document with their token."""

    def __init__(self, client: httpx.AsyncClient, username: str, token: str) -> None:
        self.client = client
        self.username = username
        self.token = token

    async def run(self, document: str, **variables: Any) -> dict[str, Any]:
        """The `data` of a request that must not fail at the GraphQL level."""
        body = await gql(self.client, document, variables, self.token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, document: str, **variables: Any) -> dict[str, Any]:
        """The result union of a one-field mutation (success or a user error)."""
        data = await self.run(document, **variables)
        (result,) = data.values()
        assert isinstance(result, dict), data
        return result

    async def case(self, case_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await self.run(CASE, id=case_id))["case"]
        return found

    async def referral(self, referral_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await self.run(REFERRAL, id=referral_id))["referral"]
        return found


async def sign_in(client: httpx.AsyncClient, username: str) -> DemoUser:
    return DemoUser(client, username, await login(client, username))


async def open_case(volunteer: DemoUser, category: str = "UNPAID_WAGES",
                    subdistrict: str = NAI_MUEANG, **kwargs: Any) -> dict[str, Any]:
    """File a case as `volunteer`; the case as they see it after filing."""
    result = await volunteer.mutate(OPEN_CASE, input=case_input(category, subdistrict, **kwargs))
    assert result["__typename"] == "OpenCaseSuccess", result
    case: dict[str, Any] = result["case"]
    return case


def succeeded(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


def current_referral(case: dict[str, Any], org_unit: str) -> dict[str, Any]:
    """The case's one current referral to `org_unit`."""
    (found,) = [r for r in case["referrals"] if r["current"] and r["orgUnit"]["code"] == org_unit]
    return found


def event_types(case: dict[str, Any]) -> list[str]:
    return [e["type"] for e in case["events"]]
