"""Who signed a plain-HTTP request (the file routes beside /graphql): the same bearer token,
in the `Authorization` header only, so no token ever sits in a URL or a log."""

from __future__ import annotations

import re
from datetime import datetime

from starlette.requests import Request

from domain.db import Database
from domain.settings import Settings
from domain.users import repository as users
from domain.users import service as user_service
from domain.users.principal import Principal

BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)


async def bearer_principal(request: Request, settings: Settings, db: Database,
                           now: datetime) -> Principal | None:
    """The signed-in, active user of the request, or None."""
    match = BEARER.match(request.headers.get("authorization", ""))
    user_id = user_service.read_token(match.group(1), settings.secret_key, now) if match else None
    if user_id is None:
        return None
    async with db.read_sessions() as session:
        user = await users.by_id(session, user_id)
    return Principal.of(user) if user is not None and user.is_active else None


def refusal(principal: Principal | None) -> tuple[int, str, str, str] | None:
    """Why a plain-HTTP request may not go on (status, code, English, Thai), or None:
    not signed in, or signed in with a one-time code and no password chosen yet."""
    if principal is None:
        return 401, "UNAUTHENTICATED", "Please sign in.", "กรุณาเข้าสู่ระบบ"
    if principal.must_change_password:
        return 403, "PASSWORD_CHANGE_REQUIRED", "Choose a new password first.", "กรุณาตั้งรหัสผ่านใหม่ก่อน"
    return None
