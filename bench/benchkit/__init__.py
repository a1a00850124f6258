"""What the bench scripts share: the `--smoke` switch, sanity checks that decide the exit
code, and a scratch PostgreSQL database of their own.

A bench checks its own figures (the same numbers by two routes, the counts it seeded) in
every run, full size or smoke, and exits 1 when they are wrong. It never asserts a time:
timings are printed, side by side, for people to read. `--smoke` only makes the sizes tiny,
so that CI (tests/test_bench_smoke.py) runs every bench in seconds and they cannot rot.
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

SERVER_ENV = "KHORTOR_TEST_DATABASE_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def default_server(fallback: str = DEFAULT_SERVER) -> str:
    """The PostgreSQL server a bench makes its database on: the tests' server when named."""
    return os.environ.get(SERVER_ENV, fallback)


def parse_args(parser: argparse.ArgumentParser, smoke: dict[str, Any],
               argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Add `--smoke` to the parser and parse. With `--smoke` the options named in `smoke`
    default to its tiny values (an option given explicitly still wins)."""
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, a few seconds: check that the bench runs and that its "
                             "figures agree (no timing goals); "
                             + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in smoke.items()))
    first, _ = parser.parse_known_args(argv)
    if first.smoke:
        parser.set_defaults(**smoke)
    return parser.parse_args(argv)


@dataclass
class Checks:
    """The sanity checks of one run: what failed, and facts worth printing."""

    failures: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    passed: int = 0

    def check(self, ok: bool, message: str) -> bool:
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)
        return ok

    def exit_code(self) -> int:
        """Print the verdict; 0 when every check held, else 1."""
        if self.failures:
            print("FAILED:")
            for failure in self.failures:
                print(f"  {failure}")
            return 1
        print(f"checks: all {self.passed} passed")
        return 0


def thai_national_id(first12: str) -> str:
    """The 12 digits given and their check digit: a valid Thai national ID."""
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10
    return first12 + str(check)


def plain_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (any driver) as a DSN asyncpg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(plain_dsn(server))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(server: str, reuse: str | None = None,
                           keep: bool = False) -> AsyncIterator[tuple[str, str]]:
    """A fresh empty database `khortor_bench_<hex>` on the server (through a connection to
    the database the server URL names); yields its name and async SQLAlchemy URL. Dropped
    at the end unless `keep`; `reuse` names an existing database instead (never dropped)."""
    name = reuse or f"khortor_bench_{secrets.token_hex(4)}"
    if not reuse:
        await _admin(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield name, url.render_as_string(hide_password=False)
    finally:
        if not keep and not reuse:
            await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
