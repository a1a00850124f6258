"""Bulk onboarding over HTTP (issue 13, part 4), on both databases: a dry run that names each
row's problems in Thai and English and writes nothing; apply in one transaction, refused while
any row has a problem; the same file twice changes nothing; one-time codes returned once as a
file, each creation audited without them; files refused before parsing (size, formula, not a
spreadsheet); coordinators only in their province, admins anywhere; the export re-imports."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select

from domain.audit.models import AdminAuditEntry
from domain.db import Database
from domain.onboarding.sheet import MAX_BYTES
from domain.users.models import User
from tests.factories import ensure_user
from tests.helpers import gql, login

PATH = "/admin/volunteers/import"
HEADER = ["ลำดับ", "ชื่อ-นามสกุล", "ตำบล", "อำเภอ", "โทรศัพท์", "พี่เลี้ยง", "ชื่อผู้ใช้"]
GOOD = [
    [1, "สมปอง นำเข้าดี", "430103", "", "081-555-0101", "mentor.nongkhai", ""],
    [2, "มาลี นำเข้าดี", "กวนวัน", "เมืองหนองคาย", "0815550102", "ประเสริฐ มั่นคง (พี่เลี้ยง อสร. หนองคาย)", ""],
    [3, "ชาญ นำเข้าดี", "ต.น้ำโมง", "อ.ท่าบ่อ", 815550103, "", "chan.import"],
]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


async def post(client: httpx.AsyncClient, token: str | None, data: bytes, mode: str = "dry-run",
               codes: str = "xlsx") -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post(f"{PATH}?mode={mode}&codes={codes}", content=data, headers=headers)


async def count_users(db: Database) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(User))).scalar_one())


def problems(body: dict[str, Any]) -> dict[int, list[str]]:
    return {r["row"]: [p["code"] for p in r["problems"]] for r in body["rows"] if r["problems"]}


async def test_dry_run_names_every_problem_and_writes_nothing(client: httpx.AsyncClient, db: Database) -> None:
    token = await login(client, "ops.nongkhai")
    before = await count_users(db)
    bad = GOOD + [
        [4, "ผิดตำบล", "999999", "", "0815550104", "", ""],
        [5, "ผิดเบอร์", "430101", "", "12345", "", ""],
        [6, "ผิดพี่เลี้ยง", "430101", "", "0815550106", "ไม่มีคนนี้", ""],
        [7, "ซ้ำชื่อผู้ใช้", "430101", "", "0815550107", "", "vol.naimueang"],
        [8, "สมปอง นำเข้าดี", "430103", "", "0815550101", "", ""],  # row 2 again
        [9, "นอกจังหวัด", "100101", "", "0815550109", "", ""],
        [10, "ชื่อกำกวม", "บ้านเดื่อ", "", "0815550110", "", ""],
    ]
    response = await post(client, token, xlsx(bad))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {"new": 3, "existing": 0, "error": 7}
    assert problems(body) == {5: ["UNKNOWN_SUBDISTRICT"], 6: ["BAD_PHONE"], 7: ["UNKNOWN_MENTOR"],
                              8: ["USERNAME_TAKEN"], 9: ["DUPLICATE_ROW"], 10: ["OUT_OF_PROVINCE"],
                              11: ["AMBIGUOUS_SUBDISTRICT"]}
    row9 = next(r for r in body["rows"] if r["row"] == 9)
    assert "row 2" in row9["problems"][0]["message"] and "แถว 2" in row9["problems"][0]["messageTh"]
    new = [r for r in body["rows"] if r["status"] == "NEW"]
    assert [r["username"] for r in new] == ["vol.430103.1", "vol.430104.1", "chan.import"]
    assert new[1]["subdistrict"] == "กวนวัน (430104)" and new[2]["phone"] == "0815550103"
    assert await count_users(db) == before
    # Apply is refused while any row has a problem, and changes nothing.
    refused = await post(client, token, xlsx(bad), mode="apply")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "IMPORT_HAS_ERRORS" and "แถว" in refused.json()["error"]["messageTh"]
    assert len(refused.json()["rows"]) == 10
    assert await count_users(db) == before


async def test_apply_creates_once_with_codes_file_and_audit(client: httpx.AsyncClient, db: Database) -> None:
    token = await login(client, "ops.nongkhai")
    before = await count_users(db)
    data = xlsx(GOOD)
    applied = await post(client, token, data, mode="apply")
    assert applied.status_code == 200, applied.text
    assert applied.headers["x-khortor-created"] == "3" and applied.headers["cache-control"] == "no-store"
    assert "attachment" in applied.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(applied.content)).active
    codes = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3]) for r in codes] == [(2, "vol.430103.1"), (3, "vol.430104.1"), (4, "chan.import")]
    assert all(len(str(r[4])) == 11 for r in codes)
    assert not any("0815550101" in str(cell) for row in codes for cell in row)  # no phone in it
    assert await count_users(db) == before + 3
    # The volunteer signs in with the code and must choose a password.
    login_body = await gql(client, """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
        __typename ... on LoginSuccess { mustChangePassword user { areaCode } } } }""",
                           {"u": "vol.430104.1", "p": str(codes[1][4]).lower()})
    assert login_body["data"]["login"] == {"__typename": "LoginSuccess", "mustChangePassword": True,
                                           "user": {"areaCode": "430104"}}
    async with db.read_sessions() as session:
        user = (await session.execute(select(User).where(User.username == "vol.430103.1"))).scalar_one()
        assert user.phone == "0815550101" and user.mentor_id is not None and user.role == "VOLUNTEER"
        entries = (await session.execute(select(AdminAuditEntry).where(
            AdminAuditEntry.target_id.in_(["vol.430103.1", "vol.430104.1", "chan.import"])))).scalars().all()  # type: ignore[attr-defined]
    created = [e for e in entries if e.action == "USER_CREATED"]
    assert len(created) == 3 and {e.after["areaCode"] for e in created} == {"430103", "430104", "430202"}
    assert all(str(codes[0][4]) not in str(e.after) and "resetCode" not in str(e.after) for e in created)
    # The same file again (and as CSV): nothing changes, no code.
    again = await post(client, token, data, mode="apply")
    assert again.status_code == 200 and again.headers["x-khortor-created"] == "0"
    assert again.headers["x-khortor-existing"] == "3"
    dry = (await post(client, token, csv_bytes(GOOD))).json()
    assert dry["counts"] == {"new": 0, "existing": 3, "error": 0}
    assert await count_users(db) == before + 3


async def test_files_refused_with_the_place_named(client: httpx.AsyncClient, db: Database) -> None:
    token = await login(client, "ops.nongkhai")
    before = await count_users(db)
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append([1, "สูตร", "430101", "", "0815550101", "", ""])
    book.active["E3"] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    formula = await post(client, token, out.getvalue(), mode="apply")
    assert formula.status_code == 422 and formula.json()["error"]["code"] == "FORMULA"
    assert formula.json()["error"]["field"] == "E3" and "E3" in formula.json()["error"]["messageTh"]
    csv_formula = await post(client, token, csv_bytes([[1, "สูตร", "430101", "", "=HYPERLINK(1)", "", ""]]))
    assert csv_formula.json()["error"] == {"code": "FORMULA", "field": "E2", "message": csv_formula.json()[
        "error"]["message"], "messageTh": csv_formula.json()["error"]["messageTh"]}
    for blob in (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)) * 4, b"%PDF-1.4\n\xff\xfe\x81\x8d",
                 _zip_of({"word/document.xml": b"<w/>"}), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64):
        refused = await post(client, token, blob, mode="apply")
        assert refused.status_code == 422, blob[:8]
        assert refused.json()["error"]["code"] in ("NOT_A_SPREADSHEET", "OLD_EXCEL")
        assert refused.json()["error"]["messageTh"] and refused.json()["error"]["message"]
    missing = await post(client, token, csv_bytes([["a", "b"]], header=["ชื่อ-นามสกุล", "อื่น ๆ"]))
    assert missing.json()["error"]["code"] == "MISSING_COLUMN" and missing.json()["error"]["field"] == "subdistrict"
    # 50 MB: refused by its declared length before a byte is read, and streamed without one.
    big = await client.post(f"{PATH}?mode=apply", content=b"x" * (MAX_BYTES + 1),
                            headers={"authorization": f"Bearer {token}"})
    assert big.status_code == 413 and "ไบต์" in big.text

    async def chunks() -> Any:
        for _ in range(50):
            yield b"y" * (1024 * 1024)
    streamed = await client.post(f"{PATH}?mode=apply", content=chunks(), headers={"authorization": f"Bearer {token}"})
    assert streamed.status_code == 413
    # Duplicate rows: the dry run names them; apply refuses the whole file.
    dup = await post(client, token, csv_bytes([GOOD[0], GOOD[0]]), mode="apply")
    assert dup.status_code == 422 and problems(dup.json()) == {3: ["DUPLICATE_ROW"]}
    assert await count_users(db) == before


def _zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("username,status", [
    (None, 401), ("vol.naimueang", 403), ("mentor.nongkhai", 403), ("dlpw.nongkhai", 403),
    ("sup.nongkhai", 403), ("sup.national", 403), ("ops.nongkhai", 200), ("admin", 200)])
async def test_who_may_import_and_export(client: httpx.AsyncClient, username: str | None, status: int) -> None:
    token = await login(client, username) if username else None
    assert (await post(client, token, csv_bytes(GOOD))).status_code == status
    headers = {"authorization": f"Bearer {token}"} if token else {}
    assert (await client.get("/admin/volunteers/export?format=csv", headers=headers)).status_code == status
    if status != 200:
        assert (await post(client, token, csv_bytes(GOOD), mode="apply")).status_code == status


async def test_coordinator_kept_to_province_admin_anywhere(client: httpx.AsyncClient, db: Database) -> None:
    await ensure_user(db, "ops.bangkok")
    rows = [[1, "สมใจ กรุงเทพ", "100101", "", "0815550201", "", ""]]
    bangkok = await login(client, "ops.bangkok")
    nongkhai = await login(client, "ops.nongkhai")
    assert problems((await post(client, nongkhai, csv_bytes(rows))).json()) == {2: ["OUT_OF_PROVINCE"]}
    assert (await post(client, bangkok, csv_bytes(rows))).json()["counts"]["new"] == 1
    # A Nong Khai mentor is not found for a Bangkok coordinator's volunteer.
    with_mentor = [[1, "สมใจ กรุงเทพ", "100101", "", "0815550201", "mentor.nongkhai", ""]]
    assert problems((await post(client, bangkok, csv_bytes(with_mentor))).json()) == {2: ["UNKNOWN_MENTOR"]}
    admin = await login(client, "admin")
    both = rows + [[2, "สมหมาย หนองคาย", "ในเมือง", "เมืองหนองคาย", "0815550202", "", ""]]
    applied = await post(client, admin, csv_bytes(both, encoding="cp874"), mode="apply", codes="csv")
    assert applied.status_code == 200 and applied.headers["x-khortor-created"] == "2"
    text = applied.content.decode("utf-8-sig")
    assert "vol.100101.1" in text and "vol.430101.1" in text


async def test_export_in_scope_reimports_unchanged(client: httpx.AsyncClient, db: Database) -> None:
    await ensure_user(db, "vol.bangkok")
    token = await login(client, "ops.nongkhai")
    assert (await post(client, token, xlsx(GOOD), mode="apply")).status_code == 200
    exported = await client.get("/admin/volunteers/export?format=xlsx", headers={"authorization": f"Bearer {token}"})
    assert exported.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    usernames = {r[5] for r in rows[1:]}
    assert {"vol.naimueang", "mentor.nongkhai", "vol.430103.1", "chan.import"} <= usernames
    assert "vol.bangkok" not in usernames and "ops.nongkhai" not in usernames and "admin" not in usernames
    volunteers_only = [list(rows[0])] + [list(r) for r in rows[1:] if r[7] == "VOLUNTEER" and r[3]]
    again = await post(client, token, xlsx([r for r in volunteers_only[1:]], header=list(rows[0])))
    body = again.json()
    assert body["counts"]["new"] == 0 and body["counts"]["error"] == 0, problems(body)
    admin = await login(client, "admin")
    everyone = await client.get("/admin/volunteers/export?format=csv", headers={"authorization": f"Bearer {admin}"})
    assert "vol.bangkok" in everyone.content.decode("utf-8-sig")
