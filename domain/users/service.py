"""Signing in, tokens and creating users."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Database
from domain.errors import InvalidCredentials, TooManyAttempts, ValidationFailed
from domain.reference import repository as reference
from domain.uow import UnitOfWork
from domain.users import repository, throttle
from domain.users.models import Role, User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("khortor-timing-equaliser")
TOKEN_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    if "\x00" in username:
        raise InvalidCredentials()
    user = await repository.by_username(session, username.strip())
    try:
        # argon2 takes ~0.1 s of CPU on purpose: off the event loop, so other requests go on
        # (bench/load.py: 250 sign-ins at once timed out while it ran on the loop).
        await asyncio.to_thread(_hasher.verify, user.password_hash if user else _DUMMY_HASH,
                                password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return user


def throttle_keys(username: str, client_address: str | None) -> dict[str, throttle.Limit]:
    """The throttle keys a sign-in attempt counts against, with their limits."""
    keys = {throttle.user_key(username): throttle.PER_USER}
    if client_address:
        keys[throttle.address_key(client_address)] = throttle.PER_ADDRESS
    return keys


async def ensure_not_locked(session: AsyncSession, keys: dict[str, throttle.Limit],
                            now: datetime) -> None:
    """Raise `TooManyAttempts` when the username or the address is locked out."""
    counts = await repository.throttle_counts(session, list(keys))
    wait = max((throttle.seconds_locked(counts.get(key), now) for key in keys), default=0)
    if wait:
        raise TooManyAttempts(wait)


async def record_failed_login(session: AsyncSession, keys: dict[str, throttle.Limit],
                              now: datetime) -> None:
    """Count one failure against every key. Does not commit."""
    for key in sorted(keys):  # one order everywhere, so two attempts never deadlock
        row = await repository.locked_throttle_row(session, key, now)
        current = throttle.Count(row.failures, row.window_started_at, row.locked_until)
        if throttle.seconds_locked(current, now):
            continue  # locked by a concurrent attempt meanwhile: do not extend the lockout
        after = throttle.after_failure(current, now, keys[key])
        row.failures, row.window_started_at = after.failures, after.window_started_at
        row.locked_until = after.locked_until
    await session.flush()


async def record_successful_login(session: AsyncSession, username: str) -> None:
    """A right password forgives the username's failures (not the address's). No commit."""
    await repository.clear_throttle(session, throttle.user_key(username))


@dataclass(frozen=True)
class SignIn:
    username: str
    password: str
    client_address: str | None  # the client's address, for the per-address throttle


async def sign_in(db: Database, new_uow: Callable[[], UnitOfWork], attempt: SignIn, now: datetime,
                  secret: str, lifetime_seconds: int) -> tuple[User, str]:
    """Check the throttle, the password, count the attempt (committed before a failure is
    answered) and issue a token. Raises `TooManyAttempts` or `InvalidCredentials`."""
    username = attempt.username[:80]
    keys = throttle_keys(username, attempt.client_address)
    async with db.read_sessions() as session:
        await ensure_not_locked(session, keys, now)
        try:
            user: User | None = await authenticate(session, username, attempt.password[:200])
        except InvalidCredentials:
            user = None
    async with new_uow() as uow:
        if user is None:
            await record_failed_login(uow.session, keys, now)
        else:
            await record_successful_login(uow.session, username)
    if user is None:
        raise InvalidCredentials()
    return user, issue_token(user, secret, now, lifetime_seconds)


def issue_token(user: User, secret: str, now: datetime, lifetime_seconds: int) -> str:
    claims = {"sub": str(user.id), "iat": int(now.timestamp()),
              "exp": int(now.timestamp()) + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, secret: str, now: datetime) -> uuid.UUID | None:
    """The user id in a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(token, secret, algorithms=[TOKEN_ALGORITHM],
                            options={"require": ["sub", "exp"], "verify_exp": False})
        if int(claims["exp"]) <= now.timestamp():
            return None
        return uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    display_name: str
    role: Role
    area_code: str | None = None
    org_unit_code: str | None = None
    mentor_username: str | None = None
    email: str | None = None


async def create_user(session: AsyncSession, new: NewUser, now: datetime) -> User:
    """Add a user after checking that the scope fits the role. Does not commit."""
    if await repository.by_username(session, new.username):
        raise ValidationFailed("username", "This username is taken.", "ชื่อผู้ใช้นี้มีผู้ใช้แล้ว")
    if len(new.password) < 8:
        raise ValidationFailed("password", "A password needs at least 8 characters.",
                               "รหัสผ่านต้องมีอย่างน้อย 8 ตัวอักษร")
    if new.area_code is not None and await reference.area(session, new.area_code) is None:
        raise ValidationFailed("areaCode", "Unknown area code.", "ไม่พบรหัสพื้นที่นี้",
                               code="UNKNOWN_AREA")
    org_unit_code = new.org_unit_code
    area_code = new.area_code
    if new.role is Role.COORDINATOR and area_code:
        # A coordinator works in the Provincial Labour Office of their province.
        org_unit_code = org_unit_code or f"OPS-{area_code[:2]}"
        area_code = area_code[:2]
    if org_unit_code is not None:
        if await reference.org_unit(session, org_unit_code) is None:
            raise ValidationFailed("orgUnitCode", "Unknown office.", "ไม่พบหน่วยงานนี้",
                                   code="UNKNOWN_ORG_UNIT")
    needs_area = new.role in (Role.VOLUNTEER, Role.COORDINATOR)
    if needs_area and not area_code:
        raise ValidationFailed("areaCode", "This role needs an area.", "บทบาทนี้ต้องระบุพื้นที่")
    if new.role is Role.OFFICER and not org_unit_code:
        raise ValidationFailed("orgUnitCode", "An officer needs an office.",
                               "เจ้าหน้าที่ต้องระบุหน่วยงาน")
    mentor_id = None
    if new.mentor_username:
        mentor = await repository.by_username(session, new.mentor_username)
        if mentor is None or mentor.role != Role.MENTOR:
            raise ValidationFailed("mentor", "Unknown mentor.", "ไม่พบพี่เลี้ยงอาสาสมัครแรงงาน")
        mentor_id = mentor.id
    user = User(username=new.username, password_hash=hash_password(new.password),
                display_name=new.display_name, role=new.role, area_code=area_code,
                org_unit_code=org_unit_code, mentor_id=mentor_id, email=new.email,
                created_at=now)
    session.add(user)
    await session.flush()
    return user
