"""A demo worth opening (issue 12): `seed-demo --cases N` files realistic cases over the past
months, with referrals in every state, the same ones for the same seed, and only once."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from domain.bootstrap import open_database
from domain.cases.models import Case, Referral
from domain.db import Database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.demo.cases import Sample, seed_demo_cases
from domain.settings import Settings
from domain.uow import UnitOfWork
from tests.conftest import TEST_HASHER
from tests.databases import migrate
from tests.factories import sample_cases
from tests.servers import CLI, ROOT, khortor_env

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
SAMPLES = [Sample.of(s) for s in sample_cases()]


async def filed(db: Database) -> list[tuple[str, str, str, str]]:
    """Each case as (reference, problem type, description, status), oldest first."""
    async with db.read_sessions() as session:
        rows = (await session.execute(select(Case).order_by(Case.received_at))).scalars().all()
    return [(c.reference, c.category_code, c.description, c.status) for c in rows]


async def test_demo_cases_fill_every_state_over_the_past_months_once(db: Database) -> None:
    vault = Settings().vault
    assert await seed_demo_cases(db, SAMPLES, 40, NOW, vault) == 40
    cases = await filed(db)
    assert len(cases) == 40
    assert {c[2] for c in cases} <= {s.description for s in SAMPLES}  # the Thai samples, whole
    assert {c[3] for c in cases} == {"NEW", "ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"}
    async with db.read_sessions() as session:
        referrals = (await session.execute(select(Referral))).scalars().all()
        received = (await session.execute(select(Case.received_at))).scalars().all()
    assert {r.status for r in referrals} == {"PENDING", "ACCEPTED", "ON_HOLD", "COMPLETED",
                                              "REJECTED", "REDIRECTED"}
    assert any(r.amount_recovered_thb for r in referrals if r.status == "COMPLETED")
    overdue = [r for r in referrals if r.next_due_at is not None and r.next_due_at < NOW]
    assert len(overdue) >= 3  # the escalation sweep has ladders to fire once the workers start
    assert max(received) - min(received) > timedelta(days=90) and max(received) < NOW
    # Only once: the demo volunteers have cases now.
    assert await seed_demo_cases(db, SAMPLES, 40, NOW, vault) == 0
    assert len(await filed(db)) == 40


async def test_the_same_seed_files_the_same_cases(db: Database, fresh_db_url: str) -> None:
    vault = Settings().vault
    await seed_demo_cases(db, SAMPLES, 12, NOW, vault, seed=7)
    await migrate(fresh_db_url)
    other = open_database(fresh_db_url)
    try:
        async with UnitOfWork(other) as uow:
            await seed_demo(uow.session, DEMO_PASSWORD, NOW, TEST_HASHER)
        await seed_demo_cases(other, SAMPLES, 12, NOW, vault, seed=7)
        assert await filed(other) == await filed(db)
    finally:
        await other.dispose()


def test_the_command_files_them_once_and_says_so(tmp_path: Path) -> None:
    env = khortor_env(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")

    def seed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, "seed-demo", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    first = seed("--cases", "6", "--seed", "1")
    assert first.returncode == 0 and "Demo cases filed: 6." in first.stdout, first
    again = seed("--cases", "6", "--seed", "1")
    assert again.returncode == 0 and "Demo cases filed" not in again.stdout, again
    missing = seed("--cases", "6", "--samples", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "none.jsonl not found" in missing.stderr, missing
