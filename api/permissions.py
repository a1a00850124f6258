"""Coarse permission checks on fields (the fine ones live in the repositories' `visible_to`)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from domain.users.models import Role


class IsSignedIn(BasePermission):
    """Signed in, even with a one-time code: only `me` and `changePassword` use it."""

    message = "Please sign in."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal is not None


class IsAuthenticated(BasePermission):
    """Signed in with a password of one's own (after a one-time code: once it is chosen)."""

    message = "Please sign in."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is not None and principal.must_change_password:
            raise GraphQLError("Please choose a new password first.", extensions={
                "code": "FORBIDDEN", "reason": "PASSWORD_CHANGE_REQUIRED",
                "messageTh": "กรุณาตั้งรหัสผ่านใหม่ก่อนใช้งาน"})
        return principal is not None


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
