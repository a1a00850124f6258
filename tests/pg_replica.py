"""A real PostgreSQL streaming replica of the test cluster, for tests of reports read from one.

`hot_standby(server_url)` takes `pg_basebackup -R -X stream` of the cluster that
KHORTOR_TEST_DATABASE_URL names (the whole cluster, so every database on it, including the
test's own), starts it with `pg_ctl` as a hot standby on a free loopback port, waits until it
accepts connections and `pg_is_in_recovery()` is true, and stops and removes it afterwards.

PostgreSQL will not run as root: when the tests run as root, the backup and the server run as
the `postgres` OS user (`runuser -u postgres --`) in a temporary directory it owns.

The primary must accept replication connections from 127.0.0.1 for the tests' user. When
`pg_hba_file_rules` shows no such rule, `allow_replication` appends one line to the primary's
`pg_hba.conf` (marked with REPLICATION_MARK, added once) and reloads the configuration: the
README says so (Tests). If the file cannot be written, the test fails saying what to add.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from tests.servers import free_port

REPLICATION_MARK = "# khortor tests (tests/pg_replica.py): streaming replicas of this cluster"
# The settings a hot standby must have at least as high as its primary's.
AT_LEAST_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders",
                    "max_prepared_transactions", "max_locks_per_transaction")
START_SECONDS = 60


@dataclass
class Replica:
    """A running hot standby: its port, and a URL for a database on it."""

    port: int
    directory: Path
    server: URL  # the primary's URL (plain `postgresql://`), for the admin connections

    def url(self, database_url: str) -> str:
        """The URL of `database_url`'s database on this replica (same driver, user, name)."""
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    @property
    def dsn(self) -> str:
        return self.server.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    async def pause_replay(self) -> None:
        """The standby keeps receiving WAL but applies none of it until `resume_replay`."""
        await _execute(self.dsn, "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while await _fetchval(self.dsn, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the replica did not pause its replay"
            await asyncio.sleep(0.05)

    async def resume_replay(self) -> None:
        await _execute(self.dsn, "SELECT pg_wal_replay_resume()")

    async def catch_up(self, timeout: float = 20) -> None:
        """Wait until the standby has applied everything the primary has written so far."""
        target = await _fetchval(_plain(self.server), "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while not await _fetchval(self.dsn, "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", target):
            assert time.monotonic() < deadline, "the replica did not catch up with the primary"
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop the standby (immediately); safe to call twice."""
        if (self.directory / "data" / "postmaster.pid").exists():
            await _run(["pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop"],
                       check=False)


@asynccontextmanager
async def hot_standby(server_url: str) -> AsyncIterator[Replica]:
    """A hot standby of the cluster of `server_url`, running until the block ends."""
    server = make_url(server_url).set(drivername="postgresql")
    primary = _plain(server)
    await allow_replication(primary, server.username or "postgres")
    settings = dict(await _fetch(primary, "SELECT name, setting FROM pg_settings WHERE name = ANY($1)",
                                 list(AT_LEAST_PRIMARY)))
    directory = Path(tempfile.mkdtemp(prefix="khortor-replica-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    data = directory / "data"
    replica = Replica(port=free_port(), directory=directory, server=server)
    try:
        await _run(["pg_basebackup", "-h", server.host or "127.0.0.1", "-p", str(server.port or 5432),
                    "-U", server.username or "postgres", "-D", str(data), "-R", "-X", "stream",
                    "--checkpoint=fast", "--no-sync"])
        conf = [f"port = {replica.port}", "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{directory}'", "hot_standby = on",
                "hot_standby_feedback = on", "fsync = off", "shared_buffers = 32MB",
                "logging_collector = off", "ssl = off",
                *(f"{name} = {value}" for name, value in settings.items())]
        hba = ["local all all trust", "host all all 127.0.0.1/32 trust"]
        await _write_as_owner(data / "postgresql.conf", conf, append=True)
        await _write_as_owner(data / "pg_hba.conf", hba)
        await _write_as_owner(data / "pg_ident.conf", [])
        await _run(["pg_ctl", "-D", str(data), "-l", str(directory / "replica.log"), "-w",
                    "-t", str(START_SECONDS), "start"])
        await _until_in_recovery(replica.dsn)
        yield replica
    finally:
        with suppress(Exception):
            await replica.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def allow_replication(primary: str, user: str) -> None:
    """Make sure `user` may open replication connections from 127.0.0.1 (idempotent)."""
    if await _replication_rule(primary, user):
        return
    hba_file = Path(await _fetchval(primary, "SHOW hba_file"))
    line = f"host replication {user} 127.0.0.1/32 trust"
    if not os.access(hba_file, os.W_OK):
        pytest.fail(f"The test PostgreSQL refuses replication connections and {hba_file} cannot be "
                    f"written here: add `{line}` to it and reload the server.", pytrace=False)
    with open(hba_file, "r+") as hba:  # locked: two test processes may get here at once
        fcntl.flock(hba, fcntl.LOCK_EX)
        text = hba.read()
        if REPLICATION_MARK not in text:
            # A replication rule before the others, so no earlier line can reject the connection.
            hba.seek(0)
            hba.write(f"{REPLICATION_MARK}\n{line}\n{text}")
    await _execute(primary, "SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while not await _replication_rule(primary, user):
        if time.monotonic() > deadline:
            pytest.fail(f"{hba_file} has `{line}` but the server does not apply it.", pytrace=False)
        await asyncio.sleep(0.1)


async def _replication_rule(primary: str, user: str) -> bool:
    """Whether some host rule for replication covers `user` from 127.0.0.1 (error-free file)."""
    found = await _fetchval(primary, """
        SELECT count(*) FROM pg_hba_file_rules
        WHERE error IS NULL AND type IN ('host', 'hostnossl') AND auth_method = 'trust'
          AND database && ARRAY['replication'] AND user_name && ARRAY['all', $1::text]
          AND (address IN ('all', 'samehost')
               OR (netmask IS NOT NULL AND inet '127.0.0.1' & netmask::inet = address::inet & netmask::inet))
        """, user)
    return bool(found)


async def _until_in_recovery(dsn: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if await _fetchval(dsn, "SELECT pg_is_in_recovery()"):
                return
        except (OSError, asyncpg.PostgresError):
            pass
        assert time.monotonic() < deadline, "the replica did not start accepting connections"
        await asyncio.sleep(0.1)


def _plain(server: URL) -> str:
    return server.render_as_string(hide_password=False)


def _as_owner(command: Sequence[str]) -> list[str]:
    """The command run as the `postgres` OS user when we are root; the binaries of the server's
    major version (Debian keeps them off the PATH)."""
    binary = _bin_dir() / command[0]
    full = [str(binary) if binary.exists() else command[0], *command[1:]]
    return ["runuser", "-u", "postgres", "--", *full] if os.geteuid() == 0 else full


def _bin_dir() -> Path:
    configured = os.environ.get("KHORTOR_TEST_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                   if p.parent.name.isdigit() else 0)
    return found[-1] if found else Path("/usr/bin")


async def _run(command: Sequence[str], *, check: bool = True) -> None:
    done = await asyncio.to_thread(subprocess.run, _as_owner(command), capture_output=True, text=True,
                                   env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(command[:2])} failed ({done.returncode}):\n{done.stderr[-2000:]}",
                    pytrace=False)


async def _write_as_owner(path: Path, lines: Sequence[str], *, append: bool = False) -> None:
    """Write the file where the server's owner can read it (we may be root, it is postgres)."""
    with path.open("a" if append else "w") as out:
        out.write("".join(f"{line}\n" for line in lines))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


async def _fetch(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def _fetchval(dsn: str, query: str, *args: object) -> object:
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def _execute(dsn: str, query: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(query)
    finally:
        await connection.close()
