"""Read use cases of deadline extensions: each opens one short session and asks the repository."""

from __future__ import annotations

from collections.abc import Sequence

from domain.cases.models import Referral
from domain.db import Database
from domain.escalations import repository
from domain.users.principal import Principal


async def pending_extensions(db: Database, principal: Principal, first: int,
                             offset: int) -> tuple[Sequence[Referral], bool]:
    """What waits for an approver's decision; nothing for anyone else (approving is theirs)."""
    if not principal.is_extension_approver:
        return [], False
    async with db.read_sessions() as session:
        return await repository.pending_extensions(session, principal, first, offset)


async def count_pending_extensions(db: Database, principal: Principal) -> int:
    if not principal.is_extension_approver:
        return 0
    async with db.read_sessions() as session:
        return await repository.count_pending_extensions(session, principal)
