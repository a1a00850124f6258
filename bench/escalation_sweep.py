"""The escalation sweep's selection on 1,000,000 referrals, 1 % of them due.

Three ways to find the due referrals, alternated in one run on one PostgreSQL database:

* sweep  — the sweep's own query (`domain.escalations.repository.due_referral_ids`, built by
           SQLAlchemy, in a read session, as the `escalations.sweep` task runs it);
* raw    — hand-written SQL, `SELECT id FROM referral WHERE next_escalation_at <= :now
           ORDER BY next_escalation_at LIMIT :n`, sent through the same kind of session;
* scan   — the same raw SQL with index scans switched off (a full scan of the table).

Also printed for reference: the raw SQL on a bare asyncpg connection (no pool, no
transaction), the floor of any database access from Python.

Prints the medians and the ratios sweep/raw (goal: within 2×) and sweep/scan (goal: < 5 %;
the goals are not checked). Checks, and exits 1 when not, that the rows loaded and the due
ones are as many as generated, that all four ways find as many ids every time and that the
sweep's ids are due ones (all of them when the batch takes every due referral).

    .venv/bin/python bench/escalation_sweep.py [--rows 1000000] [--rounds 15] \
        [--server postgresql://postgres@127.0.0.1:5432/test] [--keep] [--smoke]

`--smoke`: 2,000 rows (20 due), 2 rounds, for CI (tests/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

import asyncpg
from benchkit import Checks, default_server, parse_args, plain_dsn, scratch_database
from sqlalchemy import text

from domain.bootstrap import open_database
from domain.db import Database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.escalations.repository import due_referral_ids
from domain.migrations import upgrade
from domain.uow import UnitOfWork
from workers.handlers import SWEEP_BATCH

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
RAW = "SELECT id FROM referral WHERE next_escalation_at <= $1 ORDER BY next_escalation_at LIMIT $2"

LOAD_CASES = """
INSERT INTO case_file (id, reference, fiscal_year, category_code, description, subdistrict_code,
    district_code, province_code, priority, status, shared_with_volunteers, filed_by_id, captured_at,
    received_at, updated_at, escalation_level, version, legal_hold,
    citizen_contact_preference, citizen_consent_at)
SELECT md5('c' || g)::uuid, 'B-' || g, 2570, 'UNPAID_WAGES', 'ค่าจ้างค้างจ่าย', '430101', '4301', '43',
    'normal', CASE WHEN g % 100 < 31 THEN 'ROUTED' ELSE 'RESOLVED' END, false, $1,
    $2::timestamptz - (g % 400) * interval '1 day', $2::timestamptz - (g % 400) * interval '1 day',
    $2::timestamptz, 0, 1, false, 'VIA_VOLUNTEER', $2::timestamptz
FROM generate_series(1, $3) AS g
"""

LOAD_REFERRALS = """
INSERT INTO referral (id, case_id, org_unit_code, status, is_current, created_at, updated_at,
    accept_due_at, resolve_due_at, next_due_at, escalation_level, version, held_days, hold_reminded,
    next_escalation_at)
SELECT md5('r' || g)::uuid, md5('c' || g)::uuid, 'DLPW-43',
    CASE WHEN g % 100 < 31 THEN 'PENDING' ELSE 'COMPLETED' END, true,
    $1::timestamptz - (g % 400) * interval '1 day', $1::timestamptz,
    $1::timestamptz + interval '2 days', $1::timestamptz + interval '30 days',
    CASE WHEN g % 100 < 31 THEN $1::timestamptz + interval '2 days' END, 0, 1, 0, false,
    CASE WHEN g % 100 = 0 THEN $1::timestamptz - (g % 97) * interval '1 hour'      -- 1 %: due
         WHEN g % 100 < 31 THEN $1::timestamptz + (1 + g % 50) * interval '1 hour' -- open, later
    END
FROM generate_series(1, $2) AS g
"""


async def timed(fn: object) -> tuple[float, int]:
    start = time.perf_counter()
    n = await fn()  # type: ignore[operator]
    return time.perf_counter() - start, n


async def load(db: Database, conn: asyncpg.Connection, url: str, rows: int) -> None:
    await asyncio.to_thread(upgrade, url)
    async with UnitOfWork(db) as uow:
        await seed_demo(uow.session, DEMO_PASSWORD, NOW)
    volunteer = await conn.fetchval("SELECT id FROM app_user WHERE username = 'vol.naimueang'")
    started = time.perf_counter()
    async with conn.transaction():
        await conn.execute(LOAD_CASES, volunteer, NOW, rows)
        await conn.execute(LOAD_REFERRALS, NOW, rows)
    await conn.execute("VACUUM ANALYZE referral")
    await conn.execute("VACUUM ANALYZE case_file")
    print(f"loaded {rows:,} cases and referrals in {time.perf_counter() - started:.1f} s")


async def measure(db: Database, conn: asyncpg.Connection, args: argparse.Namespace, checks: Checks) -> None:
    total = await conn.fetchval("SELECT count(*) FROM referral")
    due = await conn.fetchval("SELECT count(*) FROM referral WHERE next_escalation_at <= $1", NOW)
    print(f"referrals: {total:,}; due: {due:,} ({due / max(total, 1):.1%})")
    if not args.reuse:
        checks.check(total == args.rows and due == args.rows // 100,
                     f"loaded {total} referrals, {due} due; generated {args.rows}, {args.rows // 100} due")
    limit = args.batch
    expected = min(limit, due)

    async def sweep() -> int:
        async with db.read_sessions() as session:
            return len(await due_referral_ids(session, NOW, limit))

    raw_sql = text(RAW.replace("$1", ":now").replace("$2", ":n"))

    async def raw() -> int:
        async with db.read_sessions() as session:
            return len((await session.execute(raw_sql, {"now": NOW, "n": limit})).all())

    async def scan() -> int:
        async with db.read_transactions() as session:  # SET LOCAL needs a transaction
            await session.execute(text("SET LOCAL enable_indexscan = off"))
            await session.execute(text("SET LOCAL enable_bitmapscan = off"))
            await session.execute(text("SET LOCAL enable_indexonlyscan = off"))
            return len((await session.execute(raw_sql, {"now": NOW, "n": limit})).all())

    async def bare() -> int:
        return len(await conn.fetch(RAW, NOW, limit))

    async with db.read_sessions() as session:
        swept = set(await due_referral_ids(session, NOW, limit))
    due_ids = {r[0] for r in await conn.fetch("SELECT id FROM referral WHERE next_escalation_at <= $1", NOW)}
    checks.check(len(swept) == expected and swept <= due_ids and (expected < due or swept == due_ids),
                 f"the sweep selected {len(swept)} distinct ids, {len(swept - due_ids)} of them not due; "
                 f"expected {expected} of the {due} due")
    plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + RAW.replace("$1", "'" + NOW.isoformat()
                                                                              + "'").replace("$2", str(limit))))
    print("plan of the raw query:\n  " + plan.replace("\n", "\n  "))
    times: dict[str, list[float]] = {"sweep": [], "raw": [], "scan": [], "bare": []}
    for _ in range(3):  # warm up
        await sweep(), await raw(), await scan(), await bare()
    wrong: list[tuple[str, int]] = []
    for _ in range(args.rounds):
        for label, fn in (("sweep", sweep), ("raw", raw), ("scan", scan), ("bare", bare)):
            elapsed, n = await timed(fn)
            if n != expected:
                wrong.append((label, n))
            times[label].append(elapsed)
    checks.check(not wrong, f"{len(wrong)} selections did not find {expected} ids: {wrong[:4]}")
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for label in ("sweep", "raw", "scan", "bare"):
        print(f"{label:>5}: median {med[label]:8.2f} ms over {args.rounds} rounds")
    print(f"sweep / raw indexed = {med['sweep'] / med['raw']:.2f}x   (goal: within 2x)")
    print(f"sweep / bare asyncpg = {med['sweep'] / med['bare']:.2f}x   (for reference)")
    print(f"sweep / full scan   = {med['sweep'] / med['scan']:.1%}   (goal: under 5 %)")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=SWEEP_BATCH,
                        help="ids per sweep round (the sweep's LIMIT; default %(default)s)")
    parser.add_argument("--server", default=default_server())
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", metavar="NAME", help="measure on a database kept by --keep")
    args = parse_args(parser, {"rows": 2_000, "rounds": 2})
    checks = Checks()
    async with scratch_database(args.server, reuse=args.reuse, keep=args.keep) as (name, url):
        db = open_database(url)
        conn = await asyncpg.connect(plain_dsn(url))
        try:
            if args.reuse:
                print(f"reusing {name}")
            else:
                await load(db, conn, url, args.rows)
            await measure(db, conn, args, checks)
        finally:
            await conn.close()
            await db.dispose()
        if args.keep:
            print(f"kept database {name}: --reuse {name}")
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
