"""The dry run of an import (issue 13, part 4): every row checked against the places, the
people already there and the rest of the file; nothing is written.

A row is NEW (to be created), EXISTING (the person is already there: same username, or no
username and the same name and phone; left as they are, so the same file twice changes
nothing) or has problems. A row without a username is given `vol.<sub-district>.<n>`, the
next free number in that sub-district."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.areas.models import AreaLevel
from domain.errors import AccessDenied
from domain.onboarding import repository, rows
from domain.onboarding.repository import Mentor, Place
from domain.onboarding.rows import Row
from domain.onboarding.sheet import read_table
from domain.users.directory import may_manage, refuse_unless_manager
from domain.users.models import Role
from domain.users.principal import Principal


class Status(StrEnum):
    NEW = "NEW"
    EXISTING = "EXISTING"
    ERROR = "ERROR"


@dataclass
class Checked:
    row: Row
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    username: str | None = None
    area: Place | None = None
    district_name: str | None = None
    mentor: Mentor | None = None
    existing: str | None = None  # the username of the person already there

    @property
    def status(self) -> Status:
        if self.row.problems:
            return Status.ERROR
        return Status.EXISTING if self.existing is not None else Status.NEW


@dataclass
class Plan:
    rows: list[Checked] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for c in self.rows if c.status is status)


class _Places:
    def __init__(self, areas: Sequence[Place]) -> None:
        self.by_code = {a.code: a for a in areas}
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        for a in areas:
            if a.level == AreaLevel.SUBDISTRICT:
                self.by_name[rows.place_name(a.name_th)].append(a)
                self.by_name[rows.place_name(a.name_en)].append(a)

    def district_name(self, area: Place) -> str | None:
        parent = self.by_code.get(area.parent_code or "")
        return parent.name_th if parent else None

    def find(self, row: Row, province: str | None) -> Place | None:
        text = row.cells.get("subdistrict", "").translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
        if not text:
            row.add("subdistrict", "SUBDISTRICT_REQUIRED", "Give the sub-district (6-digit code or name).",
                    "กรุณาระบุตำบล (รหัส 6 หลัก หรือชื่อตำบล)")
            return None
        if text.isdigit():
            area = self.by_code.get(text)
            if area is None or area.level != AreaLevel.SUBDISTRICT:
                row.add("subdistrict", "UNKNOWN_SUBDISTRICT", f"No sub-district has the code {text} "
                        "(6 digits, e.g. 430101).", f"ไม่พบตำบลรหัส {text} (รหัส 6 หลัก เช่น 430101)")
                return None
            return area
        found = [a for a in self.by_name.get(rows.place_name(text), [])]
        district = rows.place_name(row.cells.get("district", ""))
        if district:
            found = [a for a in found if rows.place_name(self.district_name(a) or "") == district
                     or rows.place_name(self.by_code[a.parent_code or ""].name_en
                                        if a.parent_code in self.by_code else "") == district]
        in_province = [a for a in found if province is None or a.code.startswith(province)]
        found = list({a.code: a for a in (in_province or found)}.values())
        if not found:
            row.add("subdistrict", "UNKNOWN_SUBDISTRICT", f"No sub-district is called '{text}'"
                    + (f" in the district '{row.cells.get('district')}'." if district else "."),
                    f"ไม่พบตำบล '{text}'" + (f" ในอำเภอ '{row.cells.get('district')}'" if district else ""))
            return None
        if len(found) > 1:
            where = ", ".join(sorted({self.district_name(a) or "?" for a in found})[:4])
            row.add("subdistrict", "AMBIGUOUS_SUBDISTRICT", f"Several sub-districts are called '{text}' "
                    f"(districts {where}): give the district or the 6-digit code.",
                    f"มีตำบล '{text}' หลายแห่ง (อำเภอ {where}) กรุณาระบุอำเภอ หรือรหัสตำบล 6 หลัก")
            return None
        return found[0]


def _mentor(row: Row, mentors: Sequence[Mentor], area: Place | None) -> Mentor | None:
    wanted = row.cells.get("mentor", "").strip()
    if not wanted:
        return None
    province = area.code[:2] if area else None
    near = [m for m in mentors if province is None or (m.area_code or "").startswith(province)]
    found = [m for m in near if m.username == wanted.lower()] or [
        m for m in near if " ".join(m.display_name.split()) == " ".join(wanted.split())]
    if len(found) == 1:
        return found[0]
    if found:
        row.add("mentor", "AMBIGUOUS_MENTOR", f"Several mentors are called '{wanted}': give the username.",
                f"มีพี่เลี้ยงชื่อ '{wanted}' หลายคน กรุณาระบุชื่อผู้ใช้ของพี่เลี้ยง")
    else:
        row.add("mentor", "UNKNOWN_MENTOR", f"No active mentor '{wanted}' in the province.",
                f"ไม่พบพี่เลี้ยง '{wanted}' ที่ยังใช้งานอยู่ในจังหวัด")
    return None


async def dry_run(session: AsyncSession, principal: Principal, data: bytes) -> Plan:
    """Check a file; writes nothing. File-level problems raise ValidationFailed."""
    refuse_unless_manager(principal)
    province = None if principal.role is Role.ADMIN else principal.province_code
    if principal.role is not Role.ADMIN and province is None:
        raise AccessDenied("A coordinator without a province cannot import volunteers.")
    parsed = rows.parse(read_table(data))
    places = _Places(await repository.places(session))
    mentors = await repository.active_mentors(session, province)
    plan = Plan()
    for row in parsed:
        c = Checked(row, name=rows.name(row), phone=rows.phone(row), email=rows.email(row),
                    username=rows.username(row), area=places.find(row, province))
        if c.area is not None:
            c.district_name = places.district_name(c.area)
            if province is not None and not c.area.code.startswith(province):
                row.add("subdistrict", "OUT_OF_PROVINCE", f"{c.area.name_th} ({c.area.code}) is outside your "
                        "province.", f"ตำบล{c.area.name_th} ({c.area.code}) อยู่นอกจังหวัดของคุณ")
        c.mentor = _mentor(row, mentors, c.area)
        plan.rows.append(c)
    _duplicates(plan)
    await _match(session, principal, plan)
    return plan


def _duplicates(plan: Plan) -> None:
    seen_username: dict[str, int] = {}
    seen_person: dict[tuple[str, str], int] = {}
    for c in plan.rows:
        first = None
        if c.username:
            first = seen_username.setdefault(c.username, c.row.number)
        if c.name and c.phone:
            person = seen_person.setdefault((c.name, c.phone), c.row.number)
            first = first if first not in (None, c.row.number) else person
        if first is not None and first != c.row.number:
            c.row.add("row", "DUPLICATE_ROW", f"The same volunteer as row {first}: remove one of the rows.",
                      f"ซ้ำกับแถว {first} กรุณาลบแถวใดแถวหนึ่งออก")


async def _match(session: AsyncSession, principal: Principal, plan: Plan) -> None:
    """Find the people already there; give the new ones without a username one."""
    users = await repository.users_named_or_reachable(
        session, (c.username for c in plan.rows if c.username), (c.phone for c in plan.rows if c.phone))
    by_username = {u.username: u for u in users}
    by_person: dict[tuple[str, str], repository.Known] = {}
    for u in sorted(users, key=lambda u: u.username):
        if u.phone and u.role == Role.VOLUNTEER:
            by_person.setdefault((" ".join(u.display_name.split()), u.phone), u)
    taken: dict[str, int] = defaultdict(int)
    for name in await repository.usernames_like(session, "vol."):
        match = rows.GENERATED.match(name)
        if match:
            taken[match.group(1)] = max(taken[match.group(1)], int(match.group(2)))
    for c in plan.rows:  # a username in the file that looks generated is not given twice
        match = rows.GENERATED.match(c.username or "")
        if match:
            taken[match.group(1)] = max(taken[match.group(1)], int(match.group(2)))
    for c in plan.rows:
        same = c.name is not None and c.phone is not None
        if c.username:
            existing = by_username.get(c.username)
            if existing is None:
                continue
            if same and (" ".join(existing.display_name.split()), existing.phone) == (c.name, c.phone) \
                    and may_manage(principal, existing):
                c.existing = existing.username
            else:
                c.row.add("username", "USERNAME_TAKEN", f"The username {c.username} belongs to someone else.",
                          f"ชื่อผู้ใช้ {c.username} เป็นของผู้อื่นแล้ว")
        elif same and (c.name, c.phone) in by_person and may_manage(principal, by_person[(c.name or "",
                                                                                       c.phone or "")]):
            c.existing = c.username = by_person[(c.name or "", c.phone or "")].username
        elif c.area is not None and not c.row.problems:
            taken[c.area.code] += 1
            c.username = rows.generated_username(c.area.code, taken[c.area.code])
