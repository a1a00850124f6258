"""Coarse permission checks on fields (the fine ones live in the repositories' `visible_to`)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from domain.users.models import Role


class IsAuthenticated(BasePermission):
    message = "Please sign in."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal is not None


def roles(*allowed: Role) -> type[BasePermission]:
    """A permission class that admits only the given roles."""

    class HasRole(BasePermission):
        message = "You are not allowed to do this."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            principal = info.context.principal
            return principal is not None and principal.role in allowed

    HasRole.__name__ = "HasRole_" + "_".join(r.value for r in allowed)
    return HasRole
