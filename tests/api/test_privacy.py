"""Issue 6: personal data sealed at rest, revealed only with a reason, every access logged;
the duplicate warning; lookups by national ID within a quota; PDPA export and erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, select, text
from starlette.applications import Starlette

from domain.clock.business import government_calendar
from domain.cases import filing
from domain.cases.commands import CitizenDetails, OpenCase
from domain.cases.models import Case
from domain.db import Database
from domain.privacy import pdpa
from workers import handlers
from domain.privacy.models import AccessLogEntry
from domain.settings import Settings
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal
from tests.api.cases_api import (ACCEPT_REFERRAL, CLOSE_CASE, COMPLETE_REFERRAL, HOLD_REFERRAL,
                                 DemoUser, FAILURE_FIELDS, MI_CHAI, NAI_MUEANG, current_referral,
                                 open_case, sign_in, succeeded)
from tests.factories import case_input

CITIZEN = "นายสมศักดิ์ ทดสอบเข้ารหัส"
ID_A = "3100600123450"  # valid check digits, used only by this module
ID_B = "1409900345678"
PHONE_A = "+66898765432"

REVEAL = """
mutation Reveal($case: ID!, $reason: String!) {
  revealCitizenIdentity(caseId: $case, reason: $reason) {
    __typename
    ... on RevealCitizenIdentitySuccess { citizen { fullName nationalId phone masked } }
    ...Failure
  }
}
""" + FAILURE_FIELDS

ACCESS_LOG = """
query Log($filter: AccessLogFilterInput, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id action reason detail requestId caseId user { username } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

FILE = """
mutation File($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { id reference } }
    ... on DuplicateCaseWarning { openCaseReference openCase { id reference } }
    ...Failure
  }
}
""" + FAILURE_FIELDS

LOOKUP = """
query Lookup($id: String!) {
  casesOfCitizen(nationalId: $id) {
    __typename
    ... on CitizenCases { cases { id reference } }
    ... on TooManyLookupsError { retryAfterSeconds }
    ...Failure
  }
}
""" + FAILURE_FIELDS

EXPORT = """
mutation Export($id: String!) {
  exportCitizenData(nationalId: $id) {
    __typename
    ... on CitizenDataExport { data }
    ...Failure
  }
}
""" + FAILURE_FIELDS

ANONYMISE = """
mutation Anonymise($id: String!, $reason: String!) {
  anonymiseCitizen(nationalId: $id, reason: $reason) {
    __typename
    ... on AnonymiseCitizenSuccess { anonymised skipped { reference why } }
    ...Failure
  }
}
""" + FAILURE_FIELDS

LEGAL_HOLD = """
mutation Hold($case: ID!, $hold: Boolean!, $reason: String!) {
  setLegalHold(caseId: $case, hold: $hold, reason: $reason) {
    __typename
    ... on SetLegalHoldSuccess { legalHold }
    ...Failure
  }
}
""" + FAILURE_FIELDS

CITIZEN_READ = """
query Read($id: ID!) { case(id: $id) { description citizen { fullName nationalId phone masked anonymised } } }
"""
DESCRIPTION_READ = "query Read($id: ID!) { case(id: $id) { description } }"


def citizen_input(national_id: str = ID_A, **extra: Any) -> dict[str, Any]:
    value = case_input("UNPAID_WAGES", NAI_MUEANG, fileAnyway=False)
    value["citizen"] = {"fullName": CITIZEN, "nationalId": national_id, "phone": PHONE_A,
                        "consent": True}
    value.update(extra)
    return value


async def log_entries(admin: DemoUser, **filter: Any) -> list[dict[str, Any]]:
    data = await admin.run(ACCESS_LOG, filter=filter, first=100)
    return [e["node"] for e in data["accessLog"]["edges"]]


async def close_through_the_api(client: httpx.AsyncClient, volunteer: DemoUser,
                                case: dict[str, Any]) -> None:
    officer = await sign_in(client, "dlpw.nongkhai")
    referral = current_referral(case, "DLPW-43")
    accepted = succeeded(await officer.mutate(ACCEPT_REFERRAL, referralId=referral["id"]),
                         "AcceptReferralSuccess")
    succeeded(await officer.mutate(COMPLETE_REFERRAL, referralId=referral["id"],
                                   expectedVersion=accepted["referral"]["version"],
                                   outcome="RESOLVED", note="จ่ายค่าจ้างครบแล้ว"),
              "CompleteReferralSuccess")
    succeeded(await volunteer.mutate(CLOSE_CASE, caseId=case["id"]), "CloseCaseSuccess")


async def test_the_citizen_is_stored_sealed_and_read_back_exactly(
        client: httpx.AsyncClient, db: Database) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = await open_case(volunteer, citizen={"fullName": CITIZEN, "nationalId": ID_A,
                                               "phone": PHONE_A, "consent": True})
    async with db.read_sessions() as session:
        row = (await session.execute(select(Case).where(Case.id == uuid.UUID(case["id"])))).scalar_one()
        raw = (await session.execute(text(
            "SELECT citizen_name_sealed, citizen_national_id_sealed, citizen_phone_sealed, "
            "citizen_key_id, citizen_national_id_hash FROM case_file WHERE reference = :r"),
            {"r": case["reference"]})).one()
    assert row.citizen_key_id == "dev"
    stored = b"".join(bytes(v) for v in raw[:3])
    for plain in (CITIZEN.encode(), ID_A.encode(), PHONE_A.encode(), b"898765432"):
        assert plain not in stored
    assert raw[4] == Settings().vault.lookup_hash(ID_A) and ID_A not in raw[4]
    revealed = succeeded(await volunteer.mutate(REVEAL, case=case["id"], reason="โทรแจ้งความคืบหน้า"),
                         "RevealCitizenIdentitySuccess")
    assert revealed["citizen"] == {"fullName": CITIZEN, "nationalId": "3-1006-00123-45-0",
                                   "phone": PHONE_A, "masked": False}


def test_a_sealed_value_cannot_be_moved_to_another_case() -> None:
    vault = Settings().vault
    first, second = uuid.uuid4(), uuid.uuid4()
    sealed = vault.seal(ID_A, first, "national_id")
    assert vault.open(sealed, "dev", first, "national_id") == ID_A
    for row_id, field in ((second, "national_id"), (first, "phone")):
        try:
            vault.open(sealed, "dev", row_id, field)
        except Exception as error:  # cryptography's InvalidTag
            assert type(error).__name__ == "InvalidTag"
        else:
            raise AssertionError("a sealed value opened under another row or field")


async def test_reads_reveals_and_changes_are_in_the_access_log_with_request_ids(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    admin = await sign_in(client, "admin")
    supervisor = await sign_in(client, "sup.nongkhai")
    filed = await client.post("/graphql", json={"query": FILE, "variables": {"input": citizen_input()}},
                              headers={"Authorization": f"Bearer {volunteer.token}",
                                       "X-Request-ID": "file-req-1"})
    case_id = filed.json()["data"]["openCase"]["case"]["id"]
    await volunteer.run(CITIZEN_READ, id=case_id)  # the filer: name whole, a VIEW
    await supervisor.run(CITIZEN_READ, id=case_id)  # masked for a supervisor: not a VIEW
    officer = await sign_in(client, "dlpw.nongkhai")
    response = await client.post("/graphql", json={"query": REVEAL, "variables": {
        "case": case_id, "reason": "ติดต่อผู้ขอรับบริการ"}},
        headers={"Authorization": f"Bearer {officer.token}", "X-Request-ID": "reveal-req-7"})
    assert response.json()["data"]["revealCitizenIdentity"]["__typename"] == "RevealCitizenIdentitySuccess"

    entries = await log_entries(admin, caseId=case_id)
    seen = [(e["action"], e["user"]["username"], e["detail"], e["reason"]) for e in entries]
    assert ("REVEAL", "dlpw.nongkhai", None, "ติดต่อผู้ขอรับบริการ") in seen
    assert ("VIEW", "vol.naimueang", None, None) in seen
    assert ("CHANGE", "vol.naimueang", "FILED", None) in seen
    assert ("CHANGE", "vol.naimueang", "ROUTED", None) in seen
    assert not [s for s in seen if s[1] == "sup.nongkhai"]
    by_request = {e["requestId"]: e["action"] for e in entries if e["action"] in ("REVEAL",)}
    assert by_request == {"reveal-req-7": "REVEAL"}
    assert {e["requestId"] for e in entries if e["detail"] == "FILED"} == {"file-req-1"}
    # newest first, and the filter narrows
    assert [int(e["id"]) for e in entries] == sorted((int(e["id"]) for e in entries), reverse=True)
    reveals = await log_entries(admin, caseId=case_id, action="REVEAL")
    assert [e["action"] for e in reveals] == ["REVEAL"]


async def test_a_citizen_is_not_shown_whole_when_the_view_cannot_be_logged(
        client: httpx.AsyncClient, app: Starlette) -> None:
    """The VIEW entries are one statement committed by itself (`Database.write_alone`) after the
    operation has run; if it fails, the answer is withheld, and nothing was logged."""
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    engine = app.state.db.engine.sync_engine

    def fail(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_LOG"):
            raise RuntimeError("the access log's disk is full")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        withheld = await client.post("/graphql", json={"query": CITIZEN_READ, "variables": {"id": case["id"]}},
                                     headers={"Authorization": f"Bearer {volunteer.token}"})
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    body = withheld.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "ACCESS_LOG_UNAVAILABLE", body
    assert CITIZEN not in withheld.text and ID_A not in withheld.text
    admin = await sign_in(client, "admin")
    assert [e for e in await log_entries(admin, caseId=case["id"]) if e["action"] == "VIEW"] == []
    shown = await volunteer.run(CITIZEN_READ, id=case["id"])
    assert shown["case"]["citizen"]["fullName"] == CITIZEN
    assert [e["user"]["username"] for e in await log_entries(admin, caseId=case["id"])
            if e["action"] == "VIEW"] == ["vol.naimueang"]


async def test_the_view_is_logged_on_the_connection_the_request_read_with(client: httpx.AsyncClient,
                                                                          app: Starlette) -> None:
    """The VIEW entries go on the connection the request read with, committed by themselves
    before the answer leaves: showing the citizen whole takes no connection from the pool
    beyond what the same read without the citizen takes (it gave its connection back and took
    another to write them)."""
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    engine = app.state.db.engine.sync_engine

    async def checkouts(query: str) -> int:
        await volunteer.run(query, id=case["id"])  # the signer and reference data known first
        taken: list[object] = []

        def checkout(connection: object, *_: object) -> None:
            taken.append(connection)

        event.listen(engine, "checkout", checkout)
        try:
            await volunteer.run(query, id=case["id"])
        finally:
            event.remove(engine, "checkout", checkout)
        return len(taken)

    assert await checkouts(CITIZEN_READ) == await checkouts(DESCRIPTION_READ)
    admin = await sign_in(client, "admin")
    assert [e["user"]["username"] for e in await log_entries(admin, caseId=case["id"])
            if e["action"] == "VIEW"] == ["vol.naimueang", "vol.naimueang"]


async def test_a_reveal_needs_a_reason_and_an_entitled_user(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    blank = await volunteer.mutate(REVEAL, case=case["id"], reason="  ")
    assert blank["__typename"] == "ValidationError" and blank["code"] == "REQUIRED"
    assert blank["messageTh"]
    other = await sign_in(client, "vol.michai")  # cannot see the case at all
    missing = await other.mutate(REVEAL, case=case["id"], reason="อยากรู้")
    assert missing["__typename"] == "NotFoundError"
    nobody = await other.mutate(REVEAL, case=str(uuid.uuid4()), reason="อยากรู้")
    assert {k: v for k, v in nobody.items()} == missing  # indistinguishable from a missing case
    admin = await sign_in(client, "admin")
    assert [e for e in await log_entries(admin, caseId=case["id"]) if e["action"] == "REVEAL"] == []


async def test_only_admins_read_the_access_log(client: httpx.AsyncClient) -> None:
    for username in ("vol.naimueang", "dlpw.nongkhai", "ops.nongkhai", "sup.national"):
        user = await sign_in(client, username)
        body = await client.post("/graphql", json={"query": ACCESS_LOG},
                                 headers={"Authorization": f"Bearer {user.token}"})
        assert body.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", username


def test_the_access_log_has_no_update_or_delete_path() -> None:
    """No code of the product updates or deletes access-log rows (tests clean up on their own)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"(update|delete)\(\s*AccessLogEntry|access_log\s+(SET|WHERE)|"
                        r"(UPDATE|DELETE FROM)\s+access_log", re.IGNORECASE)
    offenders = [str(path.relative_to(root)) for package in ("api", "domain", "workers")
                 for path in (root / package).rglob("*.py") if writes.search(path.read_text())]
    assert offenders == []
    from domain.privacy import repository

    assert not hasattr(repository, "update") and not hasattr(repository, "delete")


async def test_filing_the_same_citizen_and_problem_twice_warns_with_the_open_case(
        client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    first = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    again = await volunteer.mutate(FILE, input=citizen_input(clientId=str(uuid.uuid4())))
    assert again["__typename"] == "DuplicateCaseWarning"
    assert again["code"] == "DUPLICATE_CASE" and again["messageTh"]
    assert again["openCaseReference"] == first["reference"]
    assert again["openCase"] == {"id": first["id"], "reference": first["reference"]}
    # another volunteer who cannot see the open case learns nothing that identifies it (issue 11)
    other = await sign_in(client, "vol.michai")
    theirs = await other.mutate(FILE, input=citizen_input(subdistrictCode=MI_CHAI))
    assert theirs["__typename"] == "DuplicateCaseWarning" and theirs["openCase"] is None
    assert theirs["openCaseReference"] is None
    # a different problem type, or filing anyway, files
    succeeded(await volunteer.mutate(FILE, input=citizen_input(categoryCode="WORK_INJURY")),
              "OpenCaseSuccess")
    anyway = succeeded(await volunteer.mutate(FILE, input=citizen_input(fileAnyway=True)),
                       "OpenCaseSuccess")
    assert anyway["case"]["reference"] != first["reference"]
    # resending the first filing's clientId is not a duplicate: it is the same filing
    client_id = str(uuid.uuid4())
    once = succeeded(await volunteer.mutate(FILE, input=citizen_input(ID_B, clientId=client_id)),
                     "OpenCaseSuccess")
    twice = succeeded(await volunteer.mutate(FILE, input=citizen_input(ID_B, clientId=client_id)),
                      "OpenCaseSuccess")
    assert once["case"]["id"] == twice["case"]["id"] == client_id


async def test_no_warning_for_a_case_older_than_90_days_or_closed(
        client: httpx.AsyncClient, db: Database) -> None:
    async with db.read_sessions() as session:
        row = await users.by_username(session, "vol.naimueang")
    assert row is not None
    long_ago = datetime.now(UTC) - timedelta(days=91)
    async with UnitOfWork(db) as uow:
        await filing.open_case(uow, Principal.of(row), OpenCase(
            client_id=None, category_code="UNPAID_WAGES", subdistrict_code=NAI_MUEANG,
            description="ค่าจ้างค้างจ่าย", citizen=CitizenDetails(CITIZEN, ID_A, None, True)),
            long_ago, government_calendar(), Settings().vault)
    volunteer = await sign_in(client, "vol.naimueang")
    recent = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")
    full = await volunteer.case(recent["case"]["id"])
    assert full is not None
    await close_through_the_api(client, volunteer, full)
    succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")


async def test_lookups_by_national_id_are_logged_and_limited(client: httpx.AsyncClient,
                                                            settings: Settings) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    officer = await sign_in(client, "dlpw.nongkhai")
    found = await officer.mutate(LOOKUP, id="3-1006-00123-45-0")
    assert found == {"__typename": "CitizenCases", "cases": [case]}
    bad = await officer.mutate(LOOKUP, id="3100600123451")
    assert bad["__typename"] == "ValidationError" and bad["code"] == "INVALID_NATIONAL_ID"
    for _ in range(settings.lookup_quota_per_hour - 1):
        assert (await officer.mutate(LOOKUP, id=ID_B))["__typename"] == "CitizenCases"
    refused = await officer.mutate(LOOKUP, id=ID_A)
    assert refused["__typename"] == "TooManyLookupsError"
    assert refused["code"] == "LOOKUP_QUOTA_EXCEEDED" and 0 < refused["retryAfterSeconds"] <= 3600
    assert ID_A not in refused["message"] and refused["messageTh"]
    # another officer's quota is their own; a volunteer may not look up at all
    other = await sign_in(client, "sso.nongkhai")
    assert (await other.mutate(LOOKUP, id=ID_A))["__typename"] == "CitizenCases"
    body = await client.post("/graphql", json={"query": LOOKUP, "variables": {"id": ID_A}},
                             headers={"Authorization": f"Bearer {volunteer.token}"})
    assert body.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = await sign_in(client, "admin")
    lookups = await log_entries(admin, action="LOOKUP")
    assert len(lookups) == settings.lookup_quota_per_hour + 1


async def test_export_gives_everything_held_about_the_citizen(client: httpx.AsyncClient) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    succeeded(await volunteer.mutate(FILE, input=citizen_input(ID_B)), "OpenCaseSuccess")
    admin = await sign_in(client, "admin")
    exported = succeeded(await admin.mutate(EXPORT, id=ID_A), "CitizenDataExport")["data"]
    assert [c["reference"] for c in exported["cases"]] == [case["reference"]]
    held = exported["cases"][0]
    assert held["citizen"]["fullName"] == CITIZEN and held["citizen"]["nationalId"] == ID_A
    assert held["citizen"]["phone"] == PHONE_A
    assert [h["type"] for h in held["history"]][:2] == ["FILED", "ROUTED"]
    assert {a["action"] for a in exported["accessLog"]} >= {"CHANGE"}
    assert [e["action"] for e in await log_entries(admin, action="EXPORT")] == ["EXPORT"]
    body = await client.post("/graphql", json={"query": EXPORT, "variables": {"id": ID_A}},
                             headers={"Authorization": f"Bearer {volunteer.token}"})
    assert body.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_anonymise_blanks_closed_cases_keeps_statistics_and_respects_legal_hold(
        client: httpx.AsyncClient, db: Database) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    admin = await sign_in(client, "admin")
    closed = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    full = await volunteer.case(closed["id"])
    assert full is not None
    await close_through_the_api(client, volunteer, full)
    held = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]
    full = await volunteer.case(held["id"])
    assert full is not None
    await close_through_the_api(client, volunteer, full)
    succeeded(await admin.mutate(LEGAL_HOLD, case=held["id"], hold=True, reason="คดีแรงงานที่ศาล"),
              "SetLegalHoldSuccess")
    still_open = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")["case"]

    result = succeeded(await admin.mutate(ANONYMISE, id=ID_A, reason="เจ้าของข้อมูลขอให้ลบ"),
                       "AnonymiseCitizenSuccess")
    assert result["anonymised"] == [closed["reference"]]
    assert sorted((s["reference"], s["why"]) for s in result["skipped"]) == sorted(
        [(held["reference"], "LEGAL_HOLD"), (still_open["reference"], "OPEN")])

    shown = (await admin.run(CITIZEN_READ, id=closed["id"]))["case"]
    assert shown["citizen"] == {"fullName": "—", "nationalId": None, "phone": None,
                                "masked": False, "anonymised": True}
    assert "ค่าจ้าง" not in shown["description"]
    async with db.read_sessions() as session:
        row = (await session.execute(select(Case).where(Case.id == uuid.UUID(closed["id"])))).scalar_one()
        notes = (await session.execute(text(
            "SELECT count(*) FROM case_event WHERE case_id = :c AND note IS NOT NULL"),
            {"c": row.id.hex if db.url.startswith("sqlite") else row.id})).scalar_one()
    assert row.citizen_national_id_hash is None and row.citizen_name_sealed is None
    assert notes == 0
    # what the statistics count stays
    assert (row.status, row.category_code, row.subdistrict_code, row.outcome) == (
        "CLOSED", "UNPAID_WAGES", NAI_MUEANG, "RESOLVED")
    # the anonymised case is no longer found by the national ID; the others are
    exported = succeeded(await admin.mutate(EXPORT, id=ID_A), "CitizenDataExport")["data"]
    assert sorted(c["reference"] for c in exported["cases"]) == sorted(
        [held["reference"], still_open["reference"]])
    assert [e["reason"] for e in await log_entries(admin, action="ANONYMISE")] == ["เจ้าของข้อมูลขอให้ลบ"]


async def test_the_retention_job_anonymises_only_expired_closed_cases_not_on_hold(
        client: httpx.AsyncClient, db: Database) -> None:
    volunteer = await sign_in(client, "vol.naimueang")
    admin = await sign_in(client, "admin")
    ids = []
    for national_id in (ID_A, ID_B):
        case = succeeded(await volunteer.mutate(FILE, input=citizen_input(national_id)),
                         "OpenCaseSuccess")["case"]
        full = await volunteer.case(case["id"])
        assert full is not None
        await close_through_the_api(client, volunteer, full)
        ids.append(case["id"])
    succeeded(await admin.mutate(LEGAL_HOLD, case=ids[1], hold=True, reason="คำสั่งศาล"),
              "SetLegalHoldSuccess")
    open_one = succeeded(await volunteer.mutate(FILE, input=citizen_input()), "OpenCaseSuccess")
    async def sweep_and_run(days_later: float) -> list[bool]:
        """The worker's own path: the sweep selects, one job per case anonymises."""
        rt = handlers.Runtime(settings=Settings(database_url=db.url,
                                                clock_offset_seconds=days_later * 86400), db=db)
        return [await handlers.run_job(rt, job.name, job.ids)
                for job in await handlers.retention_sweep(rt)]

    assert await sweep_and_run(0) == []  # closed today: kept
    assert await sweep_and_run(3652) == []  # the default period is ten years (3,653 days)
    assert await sweep_and_run(3654) == [True]
    assert await sweep_and_run(3654) == []  # once
    async with db.read_sessions() as session:
        rows = {str(r.id): r for r in (await session.execute(select(Case))).scalars()}
    assert rows[ids[0]].anonymised_at is not None
    assert rows[ids[1]].anonymised_at is None and rows[ids[1]].citizen_name_sealed is not None
    assert rows[open_one["case"]["id"]].anonymised_at is None
    entries = await log_entries(admin, action="ANONYMISE")
    assert [(e["caseId"], e["user"], e["reason"]) for e in entries] == [
        (ids[0], None, pdpa.RETENTION_REASON)]


async def test_access_log_entries_of_a_rolled_back_change_do_not_exist(db: Database) -> None:
    async with db.read_sessions() as session:
        row = await users.by_username(session, "vol.naimueang")
    assert row is not None

    class Abort(Exception):
        pass

    try:
        async with UnitOfWork(db) as uow:
            await filing.open_case(uow, Principal.of(row), OpenCase(
                client_id=None, category_code="UNPAID_WAGES", subdistrict_code=NAI_MUEANG,
                description="ค่าจ้างค้างจ่าย", citizen=CitizenDetails(CITIZEN, ID_A, None, True)),
                datetime.now(UTC), government_calendar(), Settings().vault)
            await uow.session.flush()
            raise Abort
    except Abort:
        pass
    async with db.read_sessions() as session:
        assert (await session.execute(select(AccessLogEntry))).first() is None


async def test_rotating_the_data_key_reseals_every_citizen(db: Database) -> None:
    from domain.cases import citizen
    from domain.vault import Vault, new_key

    old, new = new_key(), new_key()
    before = Vault.configured(f"old:{old}", "")
    during = Vault.configured(f"new:{new},old:{old}", "")
    after = Vault.configured(f"new:{new}", "")
    async with db.read_sessions() as session:
        row = await users.by_username(session, "vol.naimueang")
    assert row is not None
    async with UnitOfWork(db) as uow:
        case = await filing.open_case(uow, Principal.of(row), OpenCase(
            client_id=None, category_code="UNPAID_WAGES", subdistrict_code=NAI_MUEANG,
            description="ค่าจ้างค้างจ่าย", citizen=CitizenDetails(CITIZEN, ID_A, PHONE_A, True)),
            datetime.now(UTC), government_calendar(), before)
        case_id = case.id
    async with UnitOfWork(db) as uow:
        assert await citizen.reseal_batch(uow, during) == 1
    async with UnitOfWork(db) as uow:
        assert await citizen.reseal_batch(uow, during) == 0
    async with db.read_sessions() as session:
        stored = (await session.execute(select(Case).where(Case.id == case_id))).scalar_one()
    assert stored.citizen_key_id == "new"
    assert citizen.open_(after, stored) == citizen.CitizenIdentity(CITIZEN, ID_A, PHONE_A)
    assert stored.citizen_national_id_hash == after.lookup_hash(ID_A)  # the lookup key stays


NOTE = """
mutation Note($id: ID!, $text: String!) {
  addNote(caseId: $id, text: $text, internal: false) {
    __typename ... on AddNoteSuccess { event { note } } ...Failure
  }
}
""" + FAILURE_FIELDS

FREE_TEXT_READ = """
query Read($id: ID!) { case(id: $id) { description citizen { masked } events { type note } } }
"""


async def test_numbers_written_in_free_text_are_masked_for_those_who_may_not_see_the_citizen(
        client: httpx.AsyncClient) -> None:
    """A national ID or phone number in a description or a note is the citizen's as much as
    the sealed fields: whole for those who serve the citizen, masked for everyone else."""
    volunteer = await sign_in(client, "vol.naimueang")
    words = f"นายจ้างค้างค่าจ้าง ติดต่อ ๐๘๑-๒๓๔-๕๖๗๘ หรือ 081.234.5678 เลขบัตร {ID_B[:1]}-{ID_B[1:5]}-{ID_B[5:10]}-{ID_B[10:12]}-{ID_B[12]}"
    case = succeeded(await volunteer.mutate(FILE, input=citizen_input(description=words)),
                     "OpenCaseSuccess")["case"]
    note = f"โทรหาผู้ขอรับบริการที่ (02) 123 4567 แล้ว เลข {ID_B}"
    added = succeeded(await volunteer.mutate(NOTE, id=case["id"], text=note), "AddNoteSuccess")
    assert added["event"]["note"] == note  # the filer serves the citizen

    mine = (await volunteer.run(FREE_TEXT_READ, id=case["id"]))["case"]
    assert mine["description"] == words and mine["citizen"]["masked"] is False
    assert note in [e["note"] for e in mine["events"]]

    supervisor = await sign_in(client, "sup.nongkhai")  # sees the case, not the citizen
    theirs = (await supervisor.run(FREE_TEXT_READ, id=case["id"]))["case"]
    assert theirs["citizen"]["masked"] is True
    assert theirs["description"] == "นายจ้างค้างค่าจ้าง ติดต่อ ••• หรือ ••• เลขบัตร •••"
    assert "โทรหาผู้ขอรับบริการที่ ••• แล้ว เลข •••" in [e["note"] for e in theirs["events"]]


REASON_READ = "query Read($id: ID!) { case(id: $id) { referrals { current reason } } }"


async def test_numbers_written_in_a_referrals_reason_are_masked_like_notes(
        client: httpx.AsyncClient) -> None:
    volunteer, officer = await sign_in(client, "vol.naimueang"), await sign_in(client, "dlpw.nongkhai")
    case = await open_case(volunteer)
    referral = current_referral(case, "DLPW-43")
    accepted = succeeded(await officer.mutate(ACCEPT_REFERRAL, referralId=referral["id"]),
                         "AcceptReferralSuccess")
    reason = f"รอผู้ขอรับบริการโทรกลับ 081-234-5678 (บัตร {ID_B})"
    succeeded(await officer.mutate(HOLD_REFERRAL, referralId=referral["id"], reason=reason,
                                   expectedVersion=accepted["referral"]["version"]),
              "HoldReferralSuccess")

    def reasons(data: dict[str, Any]) -> list[str | None]:
        return [r["reason"] for r in data["case"]["referrals"] if r["current"]]

    assert reasons(await officer.run(REASON_READ, id=case["id"])) == [reason]
    assert reasons(await volunteer.run(REASON_READ, id=case["id"])) == [reason]
    supervisor = await sign_in(client, "sup.nongkhai")
    assert reasons(await supervisor.run(REASON_READ, id=case["id"])) == [
        "รอผู้ขอรับบริการโทรกลับ ••• (บัตร •••)"]
