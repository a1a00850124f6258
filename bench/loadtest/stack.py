"""The services a load run owns: a PostgreSQL cluster and a redis-server of its own (free
ports, a temporary directory), the API under uvicorn (`khortor serve`), and a Celery worker
and beat. Nothing here touches the machine's shared PostgreSQL or Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("KHORTOR_PG_BIN", "/usr/lib/postgresql/15/bin"))
SECRET = "load-test-secret-load-test-secret-load-test"
POOL_SETTINGS = ("KHORTOR_DB_POOL_SIZE", "KHORTOR_DB_MAX_OVERFLOW")
API_STARTED = b"Application startup complete."  # uvicorn's line, once per API process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` OS user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Group:
    """A child process in a session (process group) of its own, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None

    def start(self) -> None:
        self._out = self.log.open("ab")
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self._out,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (a crashed machine or container, children included)."""
        if self.process is not None:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(10)
            self.process = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def stop(self, grace: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _stat(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it ended meanwhile
        return None


def cpu_seconds(group: Group) -> float:
    """CPU time (user + system) so far of every process of the group (the leader and, say,
    the API processes `khortor serve --workers N` started), with the children the leader
    has reaped; 0 when it is gone."""
    return 0.0 if group.process is None else group_cpu_seconds(group.process.pid)


def group_cpu_seconds(leader_pid: int) -> float:
    """CPU time (user + system) so far of the process group `leader_pid` leads, with the
    children the leader has reaped; 0 when it is gone."""
    leader = str(leader_pid)
    ticks = 0
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields is None or fields[2] != leader:  # fields[2]: the process group
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        if entry.name == leader:
            ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


class Postgres:
    """initdb into a temporary directory; start, stop, restart with pg_ctl."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.log = self.dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/khortor"

    def _run(self, *argv: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / argv[0]), *argv[1:]]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nmax_connections = 200\n"
                       "log_lock_waits = on\n")  # a wait over deadlock_timeout (1 s) is logged
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "khortor")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def postmaster(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_seconds(self) -> float:
        """CPU time so far of the postmaster and its backends (pg_ctl starts it in a session
        of its own); 0 when it is not running."""
        pid = self.postmaster()
        return 0.0 if pid is None else group_cpu_seconds(pid)


class Redis:
    """A redis-server of our own without persistence: a restart loses every key."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.dir = base / "redis"
        self.dir.mkdir()
        binary = shutil.which("redis-server") or "redis-server"
        self.group = Group("redis", [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                           dict(os.environ), self.dir / "redis.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.group.start()
        client = redis.Redis(port=self.port, socket_timeout=1)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, 15, "redis-server")
        client.close()


class Stack:
    """Everything a run starts, in one place, so that every exit path cleans it all up."""

    def __init__(self, sweep_seconds: float, api_workers: int = 1) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="khortor-load-"))
        os.chmod(self.base, 0o755)  # the postgres OS user enters it
        self.pg = Postgres(self.base)
        self.redis = Redis(self.base)
        self.api_port = free_port()
        self.sweep_seconds = sweep_seconds
        self.api_workers = api_workers
        bin_dir = Path(sys.executable).parent
        self.env = self._env()
        # TMPDIR: with several API processes, their metrics directory is made in ours.
        self.api = Group("api", [str(bin_dir / "khortor"), "serve", "--port", str(self.api_port),
                                 "--workers", str(api_workers)],
                         {**self.env, "TMPDIR": str(self.base)}, self.base / "api.log")
        celery = str(bin_dir / "celery")
        self.worker = Group("worker", [celery, "-A", "workers.celery_app", "worker", "--pool=prefork",
                                       "-c", "2", "-n", "load@localhost", "--without-gossip",
                                       "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                            self.env, self.base / "worker.log")
        self.beat = Group("beat", [celery, "-A", "workers.celery_app", "beat", "--loglevel=INFO"],
                          self.env, self.base / "beat.log")

    def _env(self) -> dict[str, str]:
        # The caller's pool sizes reach the API and the worker (to compare them); nothing else.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KHORTOR_") or k in POOL_SETTINGS}
        env.update({
            "KHORTOR_DATABASE_URL": self.pg.url, "KHORTOR_REDIS_URL": self.redis.url,
            "KHORTOR_SECRET_KEY": SECRET, "KHORTOR_REDIS_PREFIX": "khortor-load:",
            "KHORTOR_SWEEP_SECONDS": str(self.sweep_seconds), "KHORTOR_RELAY_SECONDS": "2",
            "PYTHONPATH": str(ROOT),
        })
        return env

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def run_cli(self, *args: str) -> None:
        khortor = Path(sys.executable).with_name("khortor")
        subprocess.run([str(khortor), *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def start_databases(self) -> None:
        self.pg.init()
        self.redis.start()

    def start_services(self) -> None:
        """The API, a Celery worker and beat, started together (they import the app at the
        same time); back when the API answers and the worker is ready."""
        self.api.start()
        offset = self._worker_log_size()
        self.worker.start()
        self.beat.start()
        self._wait_for_api()
        self._wait_for_worker(offset)

    def _wait_for_api(self) -> None:
        """/readyz answers, and every API process has started (uvicorn logs it once each)."""
        def ready() -> bool:
            if not self.api.alive():
                raise RuntimeError(f"the API exited; see {self.api.log}")
            try:
                if httpx.get(self.api_url + "/readyz", timeout=2).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
            return self.api.log.read_bytes().count(API_STARTED) >= self.api_workers

        wait_for(ready, 120, f"the API ({self.api_workers} process(es)) to answer /readyz",
                 every=0.25)

    def api_metrics_files(self) -> list[Path]:
        """Each API process's counter file, while `khortor serve --workers N` (N > 1) runs."""
        return sorted(self.base.glob("khortor-metrics-*/counter_*.db"))

    def start_worker(self) -> None:
        offset = self._worker_log_size()
        self.worker.start()
        self._wait_for_worker(offset)

    def _worker_log_size(self) -> int:
        return self.worker.log.stat().st_size if self.worker.log.exists() else 0

    def _wait_for_worker(self, offset: int) -> None:
        def ready() -> bool:
            if not self.worker.alive():
                raise RuntimeError(f"the Celery worker exited; see {self.worker.log}")
            with self.worker.log.open("rb") as log:
                log.seek(offset)
                return b"load@localhost ready." in log.read()

        wait_for(ready, 90, "the Celery worker", every=0.25)

    def close(self, keep: bool = False) -> None:
        for group in (self.api, self.beat, self.worker, self.redis.group):
            try:
                group.stop(grace=10)
            except Exception as error:  # keep cleaning up the rest
                print(f"load: stopping {group.name}: {error}", file=sys.stderr)
        if self.pg.running():
            try:
                self.pg.stop("immediate")
            except subprocess.CalledProcessError as error:
                print(f"load: stopping PostgreSQL: {error}", file=sys.stderr)
        if keep:
            print(f"load: logs and data kept in {self.base}")
        else:
            shutil.rmtree(self.base, ignore_errors=True)
