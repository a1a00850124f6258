"""Bulk onboarding (issue 13, part 4): apply a checked file in one transaction, with a
one-time code for each new volunteer returned once as a file to print; export the people
the viewer manages in the same columns.

One-time codes of an import are hashed with argon2id at a lower cost (1 pass, 1 MiB) than
passwords (argon2-cffi's default, about 0.1 s each), in a thread pool: 20,000 default
hashes would take half an hour of CPU. A code is 10 random characters of 31 (about 2^49,
not chosen by a person), valid 24 hours and throttled at sign-in; even at this cost an
offline guess of one code takes years of GPU time. Passwords keep the default cost."""

from __future__ import annotations

import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.clock.thai import english_datetime, thai_datetime
from domain.errors import ValidationFailed
from domain.onboarding import repository
from domain.onboarding.plan import Checked, Plan, Status, dry_run
from domain.onboarding.rows import TITLES
from domain.onboarding.sheet import write_csv, write_xlsx
from domain.users import passwords
from domain.users.directory import refuse_unless_manager
from domain.users.models import Role
from domain.users.principal import Principal

IMPORT_CODE_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Never verifies (not an argon2 hash): an imported volunteer signs in with the code only.
NO_PASSWORD = "!imported: sign in with the one-time code"


@dataclass(frozen=True)
class Issued:
    row: int
    username: str
    display_name: str
    place: str
    code: str


@dataclass
class Applied:
    plan: Plan
    issued: list[Issued]
    expires_at: datetime


class ImportHasErrors(ValidationFailed):
    def __init__(self, plan: Plan) -> None:
        n = plan.count(Status.ERROR)
        super().__init__("file", f"{n} row(s) have problems: correct the file and upload it again. "
                         "Nothing was imported.",
                         f"มี {n} แถวที่ต้องแก้ไข กรุณาแก้ไฟล์แล้วอัปโหลดใหม่ ยังไม่ได้นำเข้าข้อมูลใด ๆ",
                         code="IMPORT_HAS_ERRORS")
        self.plan = plan


def _codes(n: int) -> list[tuple[str, str]]:
    """n one-time codes and their hashes, hashed on every core."""
    plain = ["".join(secrets.choice(passwords.CODE_ALPHABET) for _ in range(passwords.CODE_LENGTH))
             for _ in range(n)]
    if n == 0:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        hashes = list(pool.map(IMPORT_CODE_HASHER.hash, plain, chunksize=64))
    return list(zip(plain, hashes, strict=True))


def _snapshot(c: Checked, username: str) -> dict[str, Any]:
    return {"username": username, "displayName": c.name, "role": Role.VOLUNTEER.value,
            "areaCode": c.area.code if c.area else None, "mentorId": c.mentor.id if c.mentor else None,
            "phone": c.phone, "email": c.email, "isActive": True, "source": "IMPORT"}


async def apply(session: AsyncSession, principal: Principal, data: bytes, now: datetime) -> Applied:
    """Create every NEW row's volunteer, all in the caller's transaction; refused, with the
    dry run, when any row has a problem. Rows already there are left as they are."""
    plan = await dry_run(session, principal, data)
    if plan.count(Status.ERROR):
        raise ImportHasErrors(plan)
    new = [c for c in plan.rows if c.status is Status.NEW]
    expires_at = now + passwords.CODE_LIFETIME
    issued, records = [], []
    for c, (code, hashed) in zip(new, _codes(len(new)), strict=True):
        assert c.area is not None and c.name is not None and c.username is not None
        records.append({
            "id": uuid.uuid4(), "username": c.username, "password_hash": NO_PASSWORD,
            "display_name": c.name, "role": Role.VOLUNTEER.value, "area_code": c.area.code,
            "org_unit_code": None, "mentor_id": c.mentor.id if c.mentor else None, "email": c.email,
            "is_active": True, "is_unit_head": False, "is_extension_approver": False, "created_at": now,
            "phone": c.phone, "last_sign_in_at": None, "deactivated_at": None, "reset_code_hash": hashed,
            "reset_code_expires_at": expires_at, "must_change_password": True})
        issued.append(Issued(c.row.number, c.username, c.name, f"{c.area.name_th} ({c.area.code})",
                             f"{code[:5]}-{code[5:]}"))
    await repository.add_users(session, records)
    await audit.record_many(session, principal.user_id, "USER_CREATED", "USER",
                            [(r["username"], _snapshot(c, r["username"])) for c, r in zip(new, records, strict=True)],
                            now)
    return Applied(plan, issued, expires_at)


CODE_HEADER = ["แถว (row)", "ชื่อ-นามสกุล (name)", "ตำบล (sub-district)", "ชื่อผู้ใช้ (username)",
               "รหัสใช้ครั้งเดียว (one-time code)", "ใช้ได้ถึง (valid until)"]


def codes_file(applied: Applied, fmt: str) -> bytes:
    """The codes to hand out (no phone in it): shown once, never stored."""
    until = f"{thai_datetime(applied.expires_at)} ({english_datetime(applied.expires_at)})"
    body = [[i.row, i.display_name, i.place, i.username, i.code, until] for i in applied.issued]
    return write_csv(CODE_HEADER, body) if fmt == "csv" else write_xlsx(CODE_HEADER, body, "รหัสใช้ครั้งเดียว")


EXPORT_COLUMNS = ["name", "subdistrict", "district", "phone", "mentor", "username", "email"]
EXPORT_HEADER = [TITLES[c] for c in EXPORT_COLUMNS] + ["บทบาท (role)", "ใช้งานอยู่ (active)"]


async def export(session: AsyncSession, principal: Principal, fmt: str) -> bytes:
    """The people the principal manages, in the import's columns (an export imports as is)."""
    refuse_unless_manager(principal)
    province = None if principal.role is Role.ADMIN else (principal.province_code or "--")
    people = await repository.people_in_scope(session, province)
    mentors = await repository.usernames_of(session, (p.mentor_id for p in people if p.mentor_id))
    places = {a.code: a for a in await repository.places(session)}
    body = []
    for p in people:
        area = places.get(p.area_code or "")
        district = places.get(area.parent_code or "") if area else None
        body.append([p.display_name, p.area_code or "", district.name_th if district else "", p.phone or "",
                     mentors.get(p.mentor_id, "") if p.mentor_id else "", p.username, p.email or "",
                     p.role, "TRUE" if p.is_active else "FALSE"])
    return write_csv(EXPORT_HEADER, body) if fmt == "csv" else write_xlsx(EXPORT_HEADER, body, "ผู้ใช้")
