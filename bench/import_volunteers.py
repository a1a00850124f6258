"""Bulk onboarding of volunteers (issue 13, part 4): a province's .xlsx of N volunteers
(Thai names, sub-district codes of Nong Khai, phones, the mentor by username), through the
same functions the API calls (`domain.onboarding`: parse, dry run, apply in one transaction
with a one-time code each, every creation audited), on SQLite and on PostgreSQL.

Prints, per database: the dry run, the apply (of which: hashing the one-time codes) and the
same file applied again, in seconds and rows per second. Checks, and exits 1 when not, that
the dry run finds N new rows and no problem, that apply creates N users with N codes and N
audit entries, and that the second apply creates nothing. No timing goal is checked (the
issue's goal: 20,000 rows in well under a minute).

    .venv/bin/python bench/import_volunteers.py [--rows 20000] [--databases sqlite,postgresql] \
        [--server postgresql://postgres@127.0.0.1:5432/test] [--smoke]

`--smoke`: 60 rows, for CI (tests/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import geothai
import openpyxl
from argon2 import PasswordHasher
from benchkit import Checks, default_server, parse_args, scratch_database
from sqlalchemy import func, select

from domain.audit.models import AdminAuditEntry
from domain.bootstrap import open_database
from domain.db import Database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.migrations import upgrade
from domain.onboarding import service
from domain.onboarding.plan import Status, dry_run
from domain.uow import UnitOfWork
from domain.users.models import User
from domain.users.principal import Principal

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
GIVEN = ("สมชาย", "สมหญิง", "บุญมี", "มาลี", "ประยูร", "สุดา", "วิชัย", "อรุณี", "ทองใบ", "จันทร์เพ็ญ")
FAMILY = ("ใจดี", "ศรีสุข", "มั่นคง", "ทองดี", "แก้วมณี", "พรหมมา", "สุขเจริญ", "วงศ์ใหญ่", "รัตนกุล", "บุญมา")


def spreadsheet(rows: int) -> bytes:
    codes = [s.code for d in geothai.districts("43") for s in geothai.subdistricts(d.code)]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("อสร.")
    sheet.append(["ลำดับ", "ชื่อ-นามสกุล", "ตำบล", "โทรศัพท์", "พี่เลี้ยง"])
    for i in range(rows):
        name = f"{GIVEN[i % 10]} {FAMILY[(i // 10) % 10]}{'' if i < 100 else f' {i // 100}'}"
        sheet.append([i + 1, name, codes[i % len(codes)], f"08{10_000_000 + i:08d}", "mentor.nongkhai"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def count(db: Database, model: type) -> int:
    async with db.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def measure(label: str, url: str, data: bytes, rows: int, checks: Checks) -> None:
    await asyncio.to_thread(upgrade, url)
    db = open_database(url)
    try:
        async with UnitOfWork(db) as uow:  # demo users with a cheap hash: not what is measured
            await seed_demo(uow.session, DEMO_PASSWORD, NOW, PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        async with db.read_sessions() as session:
            coordinator = (await session.execute(select(User).where(User.username == "ops.nongkhai"))).scalar_one()
            principal = Principal.of(coordinator)
        users, audits = await count(db, User), await count(db, AdminAuditEntry)
        started = time.perf_counter()
        async with db.read_sessions() as session:
            plan = await dry_run(session, principal, data)
        dry = time.perf_counter() - started
        checks.check(plan.count(Status.NEW) == rows and plan.count(Status.ERROR) == 0,
                     f"{label}: dry run: {plan.count(Status.NEW)} new, {plan.count(Status.ERROR)} problems")
        started = time.perf_counter()
        hashing = time.perf_counter()
        service._codes(min(rows, 200))  # the codes' share, measured on 200 of them
        per_code = (time.perf_counter() - hashing) / min(rows, 200)
        started = time.perf_counter()
        async with UnitOfWork(db) as uow:
            applied = await service.apply(uow.session, principal, data, NOW)
        apply_s = time.perf_counter() - started
        file_ = service.codes_file(applied, "xlsx")
        checks.check(len(applied.issued) == rows and len(file_) > 0, f"{label}: {len(applied.issued)} codes")
        checks.check(await count(db, User) == users + rows, f"{label}: users created")
        checks.check(await count(db, AdminAuditEntry) >= audits + rows, f"{label}: audit entries")
        started = time.perf_counter()
        async with UnitOfWork(db) as uow:
            again = await service.apply(uow.session, principal, data, NOW)
        again_s = time.perf_counter() - started
        checks.check(not again.issued and await count(db, User) == users + rows, f"{label}: second apply changes nothing")
        print(f"{label:>10}: dry run {dry:6.2f} s ({rows / dry:8,.0f} rows/s)   apply {apply_s:6.2f} s "
              f"({rows / apply_s:8,.0f} rows/s; codes ≈ {per_code * rows:5.2f} s of it)   "
              f"same file again {again_s:6.2f} s")
    finally:
        await db.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--server", default=default_server())
    args = parse_args(parser, {"rows": 60})
    checks = Checks()
    data = spreadsheet(args.rows)
    print(f"{args.rows:,} volunteers: .xlsx of {len(data) / 1048576:.2f} MB")
    wanted = args.databases.split(",")
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory() as tmp:
            await measure("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", data, args.rows, checks)
    if "postgresql" in wanted:
        async with scratch_database(args.server) as (_, url):
            await measure("postgresql", url, data, args.rows, checks)
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
