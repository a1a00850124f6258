"""What keeping the dashboards' rollups costs the filing path (issue 15).

`openCase` (filing and routing, as a volunteer) and `acceptReferral` (as the office), through
the domain services on a migrated database with the demo organisation, once with every flush
hook a process has (`open_database`: the access log and the rollups' upkeep) and once without
the upkeep (a `Database` with the access log's hook and collector alone), alternated in one run
so the machine's noise hits both alike. Checks that the cells kept count exactly the cases filed with
the upkeep, and that a rebuild counts them all. Goal: at most 10 % more per operation. SQLite
and, with `--database both`, PostgreSQL.

    .venv/bin/python bench/rollup_upkeep.py [--database sqlite|postgresql|both] [--rounds 10]
                                            [--per-round 20] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchkit import Checks, default_server, parse_args, scratch_database, thai_national_id
from sqlalchemy import select

from domain.bootstrap import open_database
from domain.cases import filing, referrals
from domain.cases.commands import AcceptReferral, CitizenDetails, OpenCase
from domain.cases.models import Referral
from domain.clock.business import government_calendar
from domain.db import Database
from domain.demo import seed_demo
from domain.migrations import upgrade
from domain.privacy import audit
from domain.settings import Settings
from domain.stats import maintenance
from domain.stats.cell_models import StatsCaseCell, StatsReferralCell
from domain.uow import UnitOfWork
from domain.users import repository as users
from domain.users.principal import Principal

CALENDAR = government_calendar()
VAULT = Settings().vault


async def _principal(db: Database, username: str) -> Principal:
    async with db.read_sessions() as session:
        user = await users.by_username(session, username)
    assert user is not None
    return Principal.of(user)


async def _one(db: Database, volunteer: Principal, officer: Principal, i: int) -> tuple[float, float]:
    """File one case and accept its referral; seconds for each."""
    now = datetime.now(UTC)
    command = OpenCase(client_id=uuid.uuid4(), category_code="UNPAID_WAGES", subdistrict_code="430101",
                       description="นายจ้างค้างจ่ายค่าจ้าง", file_anyway=True,
                       citizen=CitizenDetails(full_name="สมชาย ทดสอบ", phone="0812345678", consent=True,
                                              national_id=thai_national_id(f"3{i:011d}")))
    started = time.perf_counter()
    async with UnitOfWork(db) as uow:
        case = await filing.open_case(uow, volunteer, command, now, CALENDAR, VAULT)
    filed = time.perf_counter() - started
    async with db.read_sessions() as session:
        referral_id = (await session.execute(select(Referral.id).where(
            Referral.case_id == case.id, Referral.org_unit_code == "DLPW-43"))).scalar_one()
    started = time.perf_counter()
    async with UnitOfWork(db) as uow:
        await referrals.act_on_referral(uow, officer, AcceptReferral(referral_id), now, CALENDAR)
    return filed, time.perf_counter() - started


async def run(url: str, label: str, rounds: int, per_round: int, checks: Checks) -> None:
    await asyncio.to_thread(upgrade, url)
    with_cells = open_database(url)
    without = Database(url, after_flush=(audit.log_changes,), commit_collectors=(audit.collect,))
    try:
        async with UnitOfWork(with_cells) as uow:
            await seed_demo(uow.session, "khortor-demo", datetime.now(UTC))
        await maintenance.rebuild_all(with_cells, CALENDAR, datetime.now(UTC))  # bins kept too
        volunteer = await _principal(with_cells, "vol.naimueang")
        officer = await _principal(with_cells, "dlpw.nongkhai")
        times: dict[str, list[tuple[float, float]]] = {"with rollups": [], "without": []}
        n = 0
        for _ in range(rounds):
            for name, db in (("with rollups", with_cells), ("without", without)):
                for _ in range(per_round):
                    n += 1
                    times[name].append(await _one(db, volunteer, officer, n))
        # The cases filed without the hook are not in the cells: a rebuild counts them all.
        async def counted() -> tuple[int, int]:
            async with with_cells.read_sessions() as session:
                cases = sum((await session.execute(select(StatsCaseCell.n).where(
                    StatsCaseCell.grain == "N", StatsCaseCell.period == "A"))).scalars())
                accepted = sum((await session.execute(select(StatsReferralCell.accepted).where(
                    StatsReferralCell.grain == "N", StatsReferralCell.period == "A"))).scalars())
            return cases, accepted

        kept, accepted = await counted()
        await maintenance.rebuild_all(with_cells, CALENDAR, datetime.now(UTC))
        rebuilt, _ = await counted()
        checks.check(accepted == rounds * per_round, f"{label}: the cells kept {accepted} acceptances")
        checks.check(kept == rounds * per_round, f"{label}: the cells kept {kept} cases, not {rounds * per_round}")
        checks.check(rebuilt == 2 * rounds * per_round, f"{label}: a rebuild counted {rebuilt} cases")
        base = {op: statistics.median(t[i] for t in times["without"]) for i, op in enumerate(("openCase", "acceptReferral"))}
        for i, op in enumerate(("openCase", "acceptReferral")):
            kept_ms = statistics.median(t[i] for t in times["with rollups"]) * 1000
            plain_ms = base[op] * 1000
            print(f"{label:10} {op:15} with rollups {kept_ms:7.2f} ms   without {plain_ms:7.2f} ms   "
                  f"{(kept_ms / plain_ms - 1) * 100:+6.1f} %   (median of {rounds * per_round})", flush=True)
    finally:
        await with_cells.dispose()
        await without.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20)
    args = parse_args(parser, {"rounds": 1, "per_round": 2})
    checks = Checks()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            await run(f"sqlite+aiosqlite:///{Path(scratch) / 'rollups.db'}", "SQLite", args.rounds,
                      args.per_round, checks)
    if args.database in ("postgresql", "both"):
        async with scratch_database(default_server()) as (_, url):
            await run(url, "PostgreSQL", args.rounds, args.per_round, checks)
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
