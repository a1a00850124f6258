"""What every reference-data change shares: only an admin makes it."""

from __future__ import annotations

from domain.errors import AccessDenied
from domain.users.models import Role
from domain.users.principal import Principal


def require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise AccessDenied("Only an administrator changes reference data.")
