"""How a Khortor process opens its database: every table mapped (foreign keys between
feature packages resolve) and the flush hooks the domain relies on — every history event
written by a person is also an access-log entry (domain/privacy/audit.py), and every change of
a case or referral moves the dashboards' rollup cells with it (domain/stats/upkeep.py), and every
change of a user's row is forgotten by the process's cache of signed-in users (domain/users/cache.py).

The API, the workers, the commands and the tests open their database here; a bare
`Database(url)` has no hooks and is for migrations and tools only.
"""

from __future__ import annotations

from typing import Any

from domain.db import Database
from domain.models import metadata
from domain.privacy import audit
from domain.stats import upkeep
from domain.users.cache import drop_noted, forget_changed, note_changes

__all__ = ["metadata", "open_database"]


def open_database(url: str, *, report_url: str | None = None, **engine_kwargs: Any) -> Database:
    """`report_url`: where dashboards and exports read (a streaming replica), if not `url`."""
    return Database(url, report_url=report_url, before_flush=(upkeep.upkeep,),
                    after_flush=(audit.log_changes, note_changes),
                    session_events=(("after_soft_rollback", upkeep.forget), ("after_commit", forget_changed),
                                    ("after_soft_rollback", drop_noted)),
                    commit_collectors=(upkeep.collect, audit.collect), **engine_kwargs)
