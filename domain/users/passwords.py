"""Passwords people on phones can keep (issue 13): at least 10 characters, no composition
rules, refused when common or guessable (zxcvbn, with the username and name as hints) or
built on the username; one-time reset codes issued by an admin or coordinator, stored
hashed and valid 24 hours, after which the user must choose a password of their own."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from domain.errors import ValidationFailed
from domain.users.models import User

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline slow-hash scenario"
CODE_LIFETIME = timedelta(hours=24)
# Easy to read aloud and type on a phone: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_HASHER = PasswordHasher()


def check_new_password(password: str, user: User, field: str = "newPassword") -> None:
    """Refuse, with the reason in Thai and English, a password that is too short or guessable."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(field, f"A password needs at least {MIN_LENGTH} characters.",
                               f"รหัสผ่านต้องมีอย่างน้อย {MIN_LENGTH} ตัวอักษร", code="TOO_SHORT")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(field, f"A password has at most {MAX_LENGTH} characters.",
                               f"รหัสผ่านยาวได้ไม่เกิน {MAX_LENGTH} ตัวอักษร", code="TOO_LONG")
    lowered = password.casefold()
    name = user.username.casefold()
    if name and (name in lowered or lowered in name):
        raise ValidationFailed(field, "A password must not contain your username.",
                               "รหัสผ่านต้องไม่มีชื่อผู้ใช้ของคุณอยู่ด้วย", code="CONTAINS_USERNAME")
    hints = [user.username, *user.username.replace(".", " ").split(), *user.display_name.split()]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < MIN_SCORE:
        raise ValidationFailed(field, "This password is too easy to guess: use a few words only you "
                               "would put together.",
                               "รหัสผ่านนี้เดาง่ายเกินไป ลองใช้คำหลายคำที่มีแต่คุณเท่านั้นที่นึกถึง",
                               code="TOO_GUESSABLE")


@dataclass(frozen=True)
class ResetCode:
    code: str  # shown once to the person who issued it; never stored, logged or audited
    expires_at: datetime


def issue_code(user: User, now: datetime) -> ResetCode:
    """A new one-time code for `user` (replacing any earlier one): stored hashed only."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    user.reset_code_hash = CODE_HASHER.hash(code)
    user.reset_code_expires_at = now + CODE_LIFETIME
    return ResetCode(code=f"{code[:5]}-{code[5:]}", expires_at=user.reset_code_expires_at)


def _normalised(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


async def code_matches(user: User | None, typed: str, now: datetime) -> bool:
    """Whether `typed` is the user's unexpired one-time code (checked off the event loop)."""
    if user is None or user.reset_code_hash is None or user.reset_code_expires_at is None:
        return False
    if user.reset_code_expires_at <= now:
        return False
    code = _normalised(typed)
    if len(code) != CODE_LENGTH:
        return False
    try:
        return await asyncio.to_thread(CODE_HASHER.verify, user.reset_code_hash, code)
    except (VerificationError, InvalidHashError):
        return False


def clear_code(user: User) -> None:
    user.reset_code_hash = None
    user.reset_code_expires_at = None
