"""The demo organisation of SPEC.md section 5: a small network in Nong Khai (province 43).

Only for trying the product and for tests; never loaded in production unless asked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reference.load import load_reference_data
from domain.users import repository
from domain.users.models import Role
from domain.users.service import PASSWORD_HASHER, NewUser, create_user

DEMO_PASSWORD = "khortor-demo"
DEMO_EMAIL_DOMAIN = "demo.khortor.example"


def _user(username: str, display_name: str, role: Role, *, area: str | None = None,
          org_unit: str | None = None, mentor: str | None = None) -> NewUser:
    """A demo user without a password (seed_demo sets the one it is given)."""
    return NewUser(username=username, password="", display_name=display_name, role=role,
                   area_code=area, org_unit_code=org_unit, mentor_username=mentor,
                   email=f"{username}@{DEMO_EMAIL_DOMAIN}")


# In creation order: a mentor exists before the volunteers that name them.
DEMO_USERS: tuple[NewUser, ...] = (
    _user("mentor.nongkhai", "ประเสริฐ มั่นคง (พี่เลี้ยง อสร. หนองคาย)", Role.MENTOR, area="43"),
    _user("vol.naimueang", "สมศรี ใจดี (อสร. ในเมือง)", Role.VOLUNTEER, area="430101",
          mentor="mentor.nongkhai"),
    _user("vol.michai", "บุญมี ศรีสุข (อสร. มีชัย)", Role.VOLUNTEER, area="430102",
          mentor="mentor.nongkhai"),
    # A coordinator's office follows from the province: OPS-43.
    _user("ops.nongkhai", "วิไลวรรณ ทองดี (สำนักงานแรงงานจังหวัดหนองคาย)", Role.COORDINATOR,
          area="43"),
    _user("dlpw.nongkhai", "ธนพล แก้วมณี (สวัสดิการและคุ้มครองแรงงานจังหวัดหนองคาย)",
          Role.OFFICER, org_unit="DLPW-43"),
    _user("sso.nongkhai", "กาญจนา พรหมมา (ประกันสังคมจังหวัดหนองคาย)", Role.OFFICER,
          org_unit="SSO-43"),
    _user("doe.nongkhai", "อนุชา สุขเจริญ (จัดหางานจังหวัดหนองคาย)", Role.OFFICER,
          org_unit="DOE-43"),
    _user("sup.nongkhai", "สุรชัย วงศ์ใหญ่ (ผู้กำกับดูแล จังหวัดหนองคาย)", Role.SUPERVISOR,
          area="43"),
    _user("sup.national", "นภาพร รัตนกุล (ผู้กำกับดูแล ส่วนกลาง)", Role.SUPERVISOR),
    _user("admin", "ผู้ดูแลระบบ", Role.ADMIN),
)

DEMO_USERNAMES: frozenset[str] = frozenset(u.username for u in DEMO_USERS)
# The DLPW officer heads the office (told at escalation level 1); the national supervisor
# approves extensions of legal deadlines for the Director-General.
DEMO_FLAGS: dict[str, dict[str, bool]] = {
    "dlpw.nongkhai": {"is_unit_head": True},
    "sup.national": {"is_extension_approver": True},
}


async def seed_demo(session: AsyncSession, password: str, now: datetime,
                    hasher: PasswordHasher = PASSWORD_HASHER) -> list[str]:
    """Load the reference data and add the demo users that are missing. Does not commit.

    Returns the usernames it created (existing users are left exactly as they are). `hasher`
    (tests only) hashes their password with other argon2 parameters.
    """
    await load_reference_data(session)
    created: list[str] = []
    for template in DEMO_USERS:
        if await repository.by_username(session, template.username) is not None:
            continue
        user = await create_user(session, replace(template, password=password), now, hasher)
        for flag, value in DEMO_FLAGS.get(template.username, {}).items():
            setattr(user, flag, value)
        created.append(template.username)
    return created

