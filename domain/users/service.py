"""Signing in, tokens and creating users."""

from __future__ import annotations

import asyncio
import functools
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
from domain.audit import service as audit
from domain.users import passwords, repository, throttle
from domain.users.models import Role, User

PASSWORD_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = PASSWORD_HASHER.hash("khortor-timing-equaliser")
TOKEN_ALGORITHM = "HS256"


def hash_password(password: str, hasher: PasswordHasher = PASSWORD_HASHER) -> str:
    """An argon2id hash with argon2-cffi's default (RFC 9106 low-memory) parameters. A hash
    records its own parameters, so sign-in verifies any; only the tests' seed passes a cheaper
    `hasher` (tests/conftest.py)."""
    return hasher.hash(password)


async def find_user(session: AsyncSession, username: str) -> User | None:
    if "\x00" in username:  # PostgreSQL refuses NUL in text; no user has one
        return None
    return await repository.by_username(session, username.strip())


async def check_password(user: User | None, password: str) -> User:
    """The user when the password is theirs and they are active; else `InvalidCredentials`.

    An unknown user costs the same: a dummy hash is verified instead."""
    try:
        # argon2 takes ~0.1 s of CPU on purpose: off the event loop, so other requests go on
        # (bench/load.py: 250 sign-ins at once timed out while it ran on the loop).
        await asyncio.to_thread(PASSWORD_HASHER.verify, user.password_hash if user else _DUMMY_HASH,
                                password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return user


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    """Check a password without the throttle (the demo seed's check, tests)."""
    return await check_password(await find_user(session, username), password)


def throttle_keys(username: str, client_address: str | None) -> dict[str, throttle.Limit]:
    """The throttle keys a sign-in attempt counts against, with their limits."""
    keys = {throttle.user_key(username): throttle.PER_USER}
    if client_address:
        keys[throttle.address_key(username, client_address)] = throttle.PER_ADDRESS
    return keys


def _wait(counts: dict[str, throttle.Count], keys: dict[str, throttle.Limit],
          now: datetime) -> int:
    return max((throttle.seconds_locked(counts.get(key), now) for key in keys), default=0)


async def ensure_not_locked(session: AsyncSession, keys: dict[str, throttle.Limit],
                            now: datetime) -> None:
    """Raise `TooManyAttempts` when a key is locked out (a plain read, no row lock)."""
    wait = _wait(await repository.throttle_counts(session, list(keys)), keys, now)
    if wait:
        raise TooManyAttempts(wait)


async def reserve_attempt(session: AsyncSession, keys: dict[str, throttle.Limit],
                          now: datetime) -> None:
    """Refuse the attempt when a key is locked; else count it as a failure of the reserved
    keys (the username's) before its password is checked. Both happen under the reserved
    rows' locks (FOR UPDATE on PostgreSQL; on SQLite a unit of work holds the write lock),
    so concurrent attempts take turns here and the one that reaches the limit locks out all
    that come after it. Does not commit."""
    reserved = {key: limit for key, limit in keys.items() if limit.reserved}
    rows = {key: await repository.locked_throttle_row(session, key, now)
            for key in sorted(reserved)}  # one order everywhere, so attempts never deadlock
    counts = await repository.throttle_counts(session, [k for k in keys if k not in reserved])
    counts.update({key: repository.count_of(row) for key, row in rows.items()})
    wait = _wait(counts, keys, now)
    if wait:
        raise TooManyAttempts(wait)
    for key, row in rows.items():
        repository.store_count(row, throttle.after_failure(counts[key], now, reserved[key]))
    await session.flush()


async def record_failed_login(session: AsyncSession, keys: dict[str, throttle.Limit],
                              now: datetime) -> None:
    """Count one failure against every key. Does not commit."""
    for key in sorted(keys):  # one order everywhere, so two attempts never deadlock
        row = await repository.locked_throttle_row(session, key, now)
        current = repository.count_of(row)
        if throttle.seconds_locked(current, now):
            continue  # locked by a concurrent attempt meanwhile: do not extend the lockout
        repository.store_count(row, throttle.after_failure(current, now, keys[key]))
    await session.flush()


async def forgive_failures(session: AsyncSession, keys: dict[str, throttle.Limit]) -> None:
    """A right password forgives the reserved keys' failures (the username's, this attempt's
    reservation included), not those of the username from this address. No commit."""
    for key in sorted(key for key, limit in keys.items() if limit.reserved):
        await repository.clear_throttle(session, key)


@dataclass(frozen=True)
class SignIn:
    username: str
    password: str
    client_address: str | None  # the client's address, for the per-address throttle


async def sign_in(db: Database, new_uow: Callable[[], UnitOfWork], attempt: SignIn, now: datetime,
                  secret: str, lifetime_seconds: int) -> tuple[User, str]:
    """Reserve the attempt, check the password, settle the count and issue a token.

    Raises `TooManyAttempts` or `InvalidCredentials`. The attempt is counted against the
    username and committed before its password is checked, so any number of attempts at
    once check at most `PER_USER.max_failures` passwords before the lock. A right password
    then forgives the username's failures; a wrong one is also counted against the username
    from this client address (committed before it is answered). No connection is held while
    the password is checked."""
    username = attempt.username[:80]
    keys = throttle_keys(username, attempt.client_address)
    async with db.read_sessions() as session:
        await ensure_not_locked(session, keys, now)  # locked: refused without a write lock
        user = await find_user(session, username)
    async with new_uow() as uow:
        await reserve_attempt(uow.session, keys, now)
    with_code = False
    try:
        user = await check_password(user, attempt.password[:200])
    except InvalidCredentials:
        # a one-time code an admin or coordinator issued signs in once, to choose a password
        with_code = user is not None and user.is_active and await passwords.code_matches(
            user, attempt.password[:200], now)
        if not with_code:
            unreserved = {key: limit for key, limit in keys.items() if not limit.reserved}
            if unreserved:
                async with new_uow() as uow:
                    await record_failed_login(uow.session, unreserved, now)
            raise
    assert user is not None
    async with new_uow() as uow:
        await forgive_failures(uow.session, keys)
        row = await repository.by_id(uow.session, user.id)
        assert row is not None
        row.last_sign_in_at = now
        if with_code:
            passwords.clear_code(row)  # used: it signs in once
            row.must_change_password = True
            audit.record(uow.session, row.id, "RESET_CODE_USED", "USER", row.username, now)
        user = row
    return user, issue_token(user, secret, now, lifetime_seconds)


def issue_token(user: User, secret: str, now: datetime, lifetime_seconds: int) -> str:
    claims = {"sub": str(user.id), "iat": int(now.timestamp()),
              "exp": int(now.timestamp()) + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, secret: str, now: datetime) -> uuid.UUID | None:
    """The user id in a valid, unexpired token; None for anything else."""
    try:
        user_id, expires = _verified(token, secret)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None
    return user_id if expires > now.timestamp() else None


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[uuid.UUID, int]:
    """The user id and expiry in a token signed with `secret`; raises if it is not one. What
    verifies is kept for the process's last 4096 tokens: a phone sends the same token with
    every request, and checking its signature and decoding it each time cost more than the
    rest of the sign-in check (issue 11). What fails is not kept (an error is never cached):
    strangers' tokens cannot crowd out the real ones, and a refusal that depends on the
    moment (a token issued a moment "in the future" by a host whose clock runs ahead) is
    not remembered. Expiry is checked at every use (`read_token`)."""
    claims = jwt.decode(token, secret, algorithms=[TOKEN_ALGORITHM],
                        options={"require": ["sub", "exp"], "verify_exp": False})
    return uuid.UUID(str(claims["sub"])), int(claims["exp"])


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


async def create_user(session: AsyncSession, new: NewUser, now: datetime,
                      hasher: PasswordHasher = PASSWORD_HASHER) -> User:
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
    user = User(username=new.username, password_hash=hash_password(new.password, hasher),
                display_name=new.display_name, role=new.role, area_code=area_code,
                org_unit_code=org_unit_code, mentor_id=mentor_id, email=new.email,
                created_at=now)
    session.add(user)
    await session.flush()
    return user
