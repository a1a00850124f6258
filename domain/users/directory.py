"""People administration (issue 13): admins manage everyone; a coordinator manages the
volunteers and mentors of their own province. Every change is in the admin audit log, with
no password or code in it. Deactivation and moving a volunteer hand over their work:
domain/people/turnover.py."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.errors import AccessDenied, InvalidCredentials, NotFound, ValidationFailed
from domain.reference import repository as reference
from domain.users import passwords, repository
from domain.users.models import Role, User
from domain.users.principal import Principal
from domain.users.repository import UserFilter
from domain.users.service import NewUser, check_password, create_user, hash_password

MANAGERS = (Role.ADMIN, Role.COORDINATOR)
COORDINATED = (Role.VOLUNTEER, Role.MENTOR)  # the roles a coordinator manages
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
PHONE = re.compile(r"^(0\d{8,9}|\+66\d{8,9})$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s]{2,}$")


def refuse_unless_manager(principal: Principal) -> None:
    if principal.role not in MANAGERS:
        raise AccessDenied("Only an admin or a coordinator manages people.")


class Scoped(Protocol):
    """What `may_manage` reads of a person: a User row or a lighter record of one."""

    @property
    def role(self) -> str: ...
    @property
    def area_code(self) -> str | None: ...


def may_manage(principal: Principal, user: Scoped) -> bool:
    """Admins: everyone. Coordinators: volunteers and mentors of their province."""
    if principal.role is Role.ADMIN:
        return True
    return (principal.role is Role.COORDINATOR and principal.province_code is not None
            and Role(user.role) in COORDINATED
            and (user.area_code or "").startswith(principal.province_code))


def scoped(principal: Principal, f: UserFilter) -> UserFilter:
    """The filter within what the principal may see."""
    refuse_unless_manager(principal)
    if principal.role is Role.ADMIN:
        return f
    return UserFilter(text=f.text, role=f.role, area_prefix=f.area_prefix, org_unit_code=f.org_unit_code,
                      active=f.active, province=principal.province_code or "--")


async def managed(session: AsyncSession, principal: Principal, username: str, *, lock: bool = True) -> User:
    """The user to change, locked; NotFound for one out of the principal's scope (not told apart)."""
    refuse_unless_manager(principal)
    name = (username or "").strip()
    user = (await repository.for_update(session, name) if lock
            else await repository.by_username(session, name)) if name and "\x00" not in name else None
    if user is None or not may_manage(principal, user):
        raise NotFound("user", "ผู้ใช้")
    return user


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user (never a password, code or hash)."""
    return {"displayName": user.display_name, "role": user.role, "areaCode": user.area_code,
            "orgUnitCode": user.org_unit_code, "mentorId": user.mentor_id, "phone": user.phone,
            "email": user.email, "isActive": user.is_active, "isUnitHead": user.is_unit_head,
            "isExtensionApprover": user.is_extension_approver}


THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def plain_phone(value: str) -> str:
    """A phone as typed, in western digits without spaces, dashes or brackets (not checked)."""
    return re.sub(r"[\s().-]", "", value.translate(THAI_DIGITS))


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    plain = plain_phone(value)
    if not PHONE.match(plain):
        raise ValidationFailed("phone", "A Thai phone number: 0 and 9 or 10 digits, or +66.",
                               "หมายเลขโทรศัพท์ไม่ถูกต้อง (0 ตามด้วย 8–9 หลัก หรือ +66)", code="BAD_PHONE")
    return plain


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not EMAIL.match(text):
        raise ValidationFailed("email", "This is not an e-mail address.", "อีเมลไม่ถูกต้อง", code="BAD_EMAIL")
    return text


def _name(value: str) -> str:
    text = " ".join((value or "").replace("\x00", "").split())
    if not 2 <= len(text) <= 200:
        raise ValidationFailed("displayName", "Give the person's name (2 to 200 characters).",
                               "กรุณาระบุชื่อ-นามสกุล (2–200 ตัวอักษร)", code="REQUIRED")
    return text


async def _check_area_for(session: AsyncSession, principal: Principal, area_code: str | None,
                          role: Role) -> None:
    if area_code is not None and await reference.area(session, area_code) is None:
        raise ValidationFailed("areaCode", "Unknown area code.", "ไม่พบรหัสพื้นที่นี้", code="UNKNOWN_AREA")
    if principal.role is Role.COORDINATOR:
        if role not in COORDINATED:
            raise AccessDenied("A coordinator manages volunteers and mentors only.")
        if not (area_code or "").startswith(principal.province_code or "--"):
            raise ValidationFailed("areaCode", "Outside your province.", "พื้นที่นี้อยู่นอกจังหวัดของคุณ",
                                   code="OUT_OF_SCOPE")


async def _mentor(session: AsyncSession, username: str | None, area_code: str | None) -> User | None:
    if not username:
        return None
    mentor = await repository.by_username(session, username.strip())
    if (mentor is None or not mentor.is_active or mentor.role != Role.MENTOR
            or (area_code and not (mentor.area_code or "").startswith(area_code[:2]))):
        raise ValidationFailed("mentorUsername", "Choose an active mentor of the same province.",
                               "กรุณาเลือกพี่เลี้ยงที่ยังใช้งานอยู่ในจังหวัดเดียวกัน", code="UNKNOWN_MENTOR")
    return mentor


@dataclass(frozen=True)
class NewPerson:
    username: str
    display_name: str
    role: Role
    area_code: str | None = None
    org_unit_code: str | None = None
    mentor_username: str | None = None
    phone: str | None = None
    email: str | None = None


async def create(session: AsyncSession, principal: Principal, new: NewPerson,
                 now: datetime) -> tuple[User, passwords.ResetCode]:
    """A new user, who signs in once with the returned one-time code and chooses a password."""
    refuse_unless_manager(principal)
    username = (new.username or "").strip().lower()
    if not USERNAME.match(username):
        raise ValidationFailed("username", "A username is 3–80 of a–z, 0–9, '.', '_' or '-'.",
                               "ชื่อผู้ใช้ใช้ได้ a–z 0–9 . _ - ยาว 3–80 ตัว", code="BAD_USERNAME")
    await _check_area_for(session, principal, new.area_code, new.role)
    user = await create_user(session, NewUser(
        username=username, password=secrets.token_urlsafe(32), display_name=_name(new.display_name),
        role=new.role, area_code=new.area_code, org_unit_code=new.org_unit_code,
        mentor_username=None, email=_email(new.email)), now)
    user.phone = _phone(new.phone)
    mentor = await _mentor(session, new.mentor_username, user.area_code)
    user.mentor_id = mentor.id if mentor else None
    code = passwords.issue_code(user, now)
    user.must_change_password = True
    audit.record(session, principal.user_id, "USER_CREATED", "USER", user.username, now,
                 after=snapshot(user), only_changes=False)
    return user, code


@dataclass(frozen=True)
class PersonChanges:
    """Fields to change; None leaves one as it is (`clear` names fields to empty)."""

    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    org_unit_code: str | None = None
    mentor_username: str | None = None
    is_unit_head: bool | None = None
    is_extension_approver: bool | None = None
    clear: Sequence[str] = field(default_factory=tuple)


async def update(session: AsyncSession, principal: Principal, username: str, changes: PersonChanges,
                 now: datetime) -> User:
    """Edit a person's details. The area is changed with a handover (turnover.move)."""
    user = await managed(session, principal, username)
    before = snapshot(user)
    if changes.display_name is not None:
        user.display_name = _name(changes.display_name)
    if changes.phone is not None or "phone" in changes.clear:
        user.phone = _phone(changes.phone)
    if changes.email is not None or "email" in changes.clear:
        user.email = _email(changes.email)
    if changes.mentor_username is not None or "mentor" in changes.clear:
        mentor = await _mentor(session, changes.mentor_username, user.area_code)
        user.mentor_id = mentor.id if mentor else None
    staff_only = (changes.org_unit_code, changes.is_unit_head, changes.is_extension_approver)
    if any(v is not None for v in staff_only) and principal.role is not Role.ADMIN:
        raise AccessDenied("Only an admin changes offices and duties.")
    if changes.org_unit_code is not None:
        if await reference.org_unit(session, changes.org_unit_code) is None:
            raise ValidationFailed("orgUnitCode", "Unknown office.", "ไม่พบหน่วยงานนี้", code="UNKNOWN_ORG_UNIT")
        user.org_unit_code = changes.org_unit_code
    if changes.is_unit_head is not None:
        user.is_unit_head = changes.is_unit_head
    if changes.is_extension_approver is not None:
        user.is_extension_approver = changes.is_extension_approver
    audit.record(session, principal.user_id, "USER_CHANGED", "USER", user.username, now,
                 before=before, after=snapshot(user))
    return user


async def reactivate(session: AsyncSession, principal: Principal, username: str, now: datetime) -> User:
    user = await managed(session, principal, username)
    if not user.is_active:
        user.is_active, user.deactivated_at = True, None
        audit.record(session, principal.user_id, "USER_REACTIVATED", "USER", user.username, now,
                     before={"isActive": False}, after={"isActive": True})
    return user


async def issue_reset_code(session: AsyncSession, principal: Principal, username: str,
                           now: datetime) -> tuple[User, passwords.ResetCode]:
    """A one-time code (shown once, valid 24 hours, stored hashed); audited without the code."""
    user = await managed(session, principal, username)
    if not user.is_active:
        raise ValidationFailed("username", "Reactivate the user first.", "กรุณาเปิดใช้งานผู้ใช้นี้ก่อน",
                               code="INACTIVE")
    code = passwords.issue_code(user, now)
    audit.record(session, principal.user_id, "RESET_CODE_ISSUED", "USER", user.username, now,
                 after={"expiresAt": code.expires_at}, only_changes=False)
    return user, code


async def change_password(session: AsyncSession, principal: Principal, current: str | None,
                          new_password: str, now: datetime) -> User:
    """One's own password. After a one-time code, the current one is not asked (there is none)."""
    user = await repository.for_update(session, principal.username)
    if user is None or not user.is_active:
        raise NotFound("user", "ผู้ใช้")
    if not user.must_change_password:
        try:
            await check_password(user, (current or "")[:200])
        except InvalidCredentials:  # said as a field error, not as a failed sign-in
            raise ValidationFailed("currentPassword", "The current password is not right.",
                                   "รหัสผ่านปัจจุบันไม่ถูกต้อง", code="WRONG_PASSWORD") from None
    passwords.check_new_password(new_password, user)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    passwords.clear_code(user)
    audit.record(session, principal.user_id, "PASSWORD_CHANGED", "USER", user.username, now)
    return user
