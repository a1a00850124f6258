"""Who is asking: the signed-in user's role and scope, passed to every service call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.users.models import Role, User


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    role: Role
    area_code: str | None = None
    org_unit_code: str | None = None
    is_extension_approver: bool = False
    # Signed in with a one-time code: only `me` and `changePassword` until a password is chosen.
    must_change_password: bool = False

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user_id=user.id, username=user.username, role=Role(user.role),
                   area_code=user.area_code, org_unit_code=user.org_unit_code,
                   is_extension_approver=user.is_extension_approver,
                   must_change_password=user.must_change_password)

    @property
    def province_code(self) -> str | None:
        return self.area_code[:2] if self.area_code else None

    def is_(self, *roles: Role) -> bool:
        return self.role in roles
