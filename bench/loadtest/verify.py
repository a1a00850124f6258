"""After the run: what the clients were told against what the database holds.

* Every filing the server acknowledged is in the database exactly once, under the client's
  id, with the reference the client was given and its Thai description byte for byte, one
  FILED history entry and one referral; a filing sent again (after an error, twice at once,
  or after a lost answer) got the same reference back and is not doubled.
* Every escalation level of the probe referrals that came due by the end of the run fired
  exactly once (one history entry and one `escalation` row), none fired before it was due,
  and no referral anywhere has a level recorded twice.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from benchkit import Checks
from domain.calendar.service import load_calendar
from domain.cases.models import Referral
from domain.db import Database
from domain.cases import deadlines as rules
from domain.cases.clocks import running
from loadtest.clients import Stats

SKEW = timedelta(seconds=1)  # the workers' clock and ours read the same system clock


async def verify_filings(db: Database, stats: Stats, report: Checks) -> None:
    async with db.read_sessions() as session:
        rows = (await session.execute(text(
            "SELECT c.id, c.reference, c.description, u.username,"
            " (SELECT count(*) FROM case_event e WHERE e.case_id = c.id AND e.type = 'FILED'),"
            " (SELECT count(*) FROM referral r WHERE r.case_id = c.id AND r.predecessor_id IS NULL)"
            " FROM case_file c JOIN app_user u ON u.id = c.filed_by_id"
            " WHERE u.username LIKE 'load.vol.%'"))).all()
    stored = {str(r[0]): r for r in rows}
    filings = stats.filings
    acked = [f for f in filings.values() if f.reference is not None]
    retried = [f for f in acked if f.errors]
    resent = [f for f in acked if f.duplicate_sends]
    unacked = [f for f in filings.values() if f.reference is None and f.refused is None]
    refused = [f for f in filings.values() if f.refused is not None]
    bad: Counter[str] = Counter()
    for f in acked:
        row = stored.get(f.client_id)
        if row is None:
            bad["acknowledged but missing"] += 1
            continue
        if row[1] != f.reference:
            bad["reference differs from the acknowledged one"] += 1
        if row[2] != f.description:
            bad["description not byte-equal"] += 1
        if row[3] != f.username:
            bad["filed by someone else"] += 1
        if row[4] != 1:
            bad[f"{row[4]} FILED entries"] += 1
        if row[5] != 1:
            bad[f"{row[5]} first referrals"] += 1
        if any(ref != f.reference for ref in f.duplicate_references):
            bad["a resend got another reference"] += 1
    stored_refusals = Counter(f.refused for f in refused if f.client_id in stored)
    for code, count in sorted(stored_refusals.items()):
        report.check(False, f"filings: {count} filing(s) answered {code} but stored all the same")
    strays = set(stored) - set(filings)
    landed = sum(1 for f in unacked if f.client_id in stored)
    report.facts.append(
        f"filings: {len(filings)} sent, {len(acked)} acknowledged, {len(retried)} of them retried "
        f"after an error ({sum(len(f.errors) for f in retried)} failed attempts), "
        f"{len(resent)} sent again after success or twice at once, {len(refused)} refused, "
        f"{len(unacked)} never acknowledged ({landed} of those in the database)")
    report.facts.append(f"database: {len(stored)} cases by the simulated volunteers")
    for problem, count in sorted(bad.items()):
        report.check(False, f"filings: {count} acknowledged filing(s): {problem}")
    report.check(bool(acked), "filings: none acknowledged")
    report.check(not strays, f"filings: {len(strays)} case(s) in the database that no client sent")
    report.check(not bad and not strays,
                 "filings: acknowledged filings do not match the database one to one")


@dataclass(frozen=True)
class Due:
    referral_id: str
    kind: str
    level: int
    at: datetime


async def _expected(db: Database, referral_ids: list[uuid.UUID]) -> tuple[list[Due], list[str]]:
    async with db.read_sessions() as session:
        calendar = await load_calendar(session)
        stmt = select(Referral).where(Referral.id.in_(referral_ids))  # type: ignore[attr-defined]
        referrals = (await session.execute(stmt)).scalars().all()
    dues: list[Due] = []
    moved: list[str] = []
    for referral in referrals:
        if referral.status != "PENDING":
            moved.append(str(referral.id))
        for deadline in running(referral):
            for level in rules.Level:
                dues.append(Due(str(referral.id), deadline.kind.value, int(level),
                                rules.level_at(deadline, level, calendar)))
    return dues, moved


async def _fired(db: Database) -> tuple[dict[tuple[str, str, int], list[datetime]], Counter[tuple[str, str, int]]]:
    async with db.read_sessions() as session:
        events = (await session.execute(text(
            "SELECT referral_id, data, at FROM case_event WHERE type IN ('ESCALATED', 'DEADLINE_WARNING')"
        ))).all()
        rows = (await session.execute(text("SELECT referral_id, deadline, level FROM escalation"))).all()
    fired: dict[tuple[str, str, int], list[datetime]] = {}
    for referral_id, data, at in events:
        data = data if isinstance(data, dict) else json.loads(data)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        fired.setdefault((str(referral_id), str(data["deadline"]), int(data["level"])), []).append(at)
    recorded = Counter((str(r[0]), str(r[1]), int(r[2])) for r in rows)
    return fired, recorded


async def verify_escalations(db: Database, probe_ids: list[uuid.UUID], run_start: datetime,
                             run_end: datetime, settle: float, report: Checks) -> None:
    dues, moved = await _expected(db, probe_ids)
    must = [d for d in dues if d.at <= run_end]
    deadline = time.monotonic() + settle
    while True:  # the last levels of the run may still be on their way through a sweep
        fired, recorded = await _fired(db)
        missing = [d for d in must if (d.referral_id, d.kind, d.level) not in fired]
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    checked_at = datetime.now(UTC)
    doubled = {k: len(v) for k, v in fired.items() if len(v) > 1}
    rows_doubled = {k: n for k, n in recorded.items() if n > 1}
    unmatched = set(fired) ^ set(recorded)
    early = [d for d in dues if (d.referral_id, d.kind, d.level) in fired
             and min(fired[(d.referral_id, d.kind, d.level)]) + SKEW < d.at]
    not_yet = [d for d in dues if d.at > checked_at + SKEW and (d.referral_id, d.kind, d.level) in fired]
    lags = sorted((min(fired[(d.referral_id, d.kind, d.level)]) - d.at).total_seconds()
                  for d in must if (d.referral_id, d.kind, d.level) in fired and d.at >= run_start)
    report.facts.append(
        f"escalations: {len(probe_ids)} probe referrals, {len(must)} levels due by the end of the run, "
        f"{len(must) - len(missing)} fired; {sum(len(v) for v in fired.values())} escalation entries "
        f"in all; lag after due (levels due in the run) p50 {_pct(lags, 50):.1f} s, max {lags[-1] if lags else 0:.1f} s")
    report.check(bool(must) or not probe_ids, "escalations: no level of the probes came due during the run")
    report.check(not moved, f"escalations: {len(moved)} probe referral(s) left PENDING (someone acted on them)")
    report.check(not missing, f"escalations: {len(missing)} level(s) due by the end of the run never fired: "
                              + ", ".join(f"{d.kind}/{d.level}" for d in missing[:8]))
    report.check(not doubled, f"escalations: {len(doubled)} level(s) fired more than once: "
                              + ", ".join(f"{k[1]}/{k[2]}×{n}" for k, n in list(doubled.items())[:8]))
    report.check(not rows_doubled, f"escalations: {len(rows_doubled)} duplicate escalation rows")
    report.check(not unmatched, f"escalations: {len(unmatched)} level(s) with a history entry but no "
                                "escalation row, or the reverse")
    report.check(not early, f"escalations: {len(early)} level(s) fired before they were due")
    report.check(not not_yet, f"escalations: {len(not_yet)} level(s) fired that are not due yet")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
