"""Real components for the worker tests: Redis (the shared one, or a private server), a
Celery worker process, and an SMTP server (aiosmtpd), each started and stopped by the test."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery

from domain.settings import Settings
from tests.servers import free_port
from workers.celery_app import make_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_ENV = "KHORTOR_TEST_REDIS_URL"


def redis_url_or_fail() -> str:
    """The Redis the tests use: required, never skipped."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.fail(f"{REDIS_ENV} is not set: the worker tests need a real Redis "
                    "(e.g. redis://127.0.0.1:6379/0).", pytrace=False)
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} does not answer: {error}", pytrace=False)
    return url


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2,
             pump: Callable[[], None] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if pump is not None:
            pump()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


# --- SMTP --------------------------------------------------------------------------------

@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def all(self) -> list[Message]:
        with self.lock:
            return list(self.messages)

    @staticmethod
    def subject(message: Message) -> str:
        return str(make_header(decode_header(message["Subject"])))


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


# --- Redis -------------------------------------------------------------------------------

@contextmanager
def key_prefix(url: str) -> Iterator[str]:
    """A per-test key prefix on a shared Redis; its keys are deleted afterwards (never FLUSHALL)."""
    prefix = f"khortor-test-{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=prefix + "*", count=500))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass


class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.dir = tmp
        self.process: subprocess.Popen[bytes] | None = None
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the Redis restart test needs it", pytrace=False)
        self.binary = binary

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=1)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, 10, "the private redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


# --- Celery ------------------------------------------------------------------------------

def worker_env(*, db_url: str, redis_url: str, prefix: str, smtp_port: int | None,
               clock_offset: float, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHORTOR_")}
    env.update({
        "KHORTOR_DATABASE_URL": db_url, "KHORTOR_REDIS_URL": redis_url, "KHORTOR_REDIS_PREFIX": prefix,
        "KHORTOR_CLOCK_OFFSET_SECONDS": str(clock_offset), "KHORTOR_SMTP_FROM": "khortor@test.example",
        "KHORTOR_SECRET_KEY": "worker-test-secret-worker-test-secret", "PYTHONPATH": str(ROOT),
    })
    if smtp_port is not None:
        env.update({"KHORTOR_SMTP_HOST": "127.0.0.1", "KHORTOR_SMTP_PORT": str(smtp_port)})
    env.update(extra)
    return env


def client_app(redis_url: str, prefix: str) -> Celery:
    """A Celery app in the test process that only sends tasks and asks the workers."""
    return make_app(Settings(redis_url=redis_url, redis_prefix=prefix))


class Worker:
    """`celery -A workers.celery_app worker --pool=prefork -c N` as a child process."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.name = f"test-{secrets.token_hex(4)}@localhost"
        self.log = log
        self.env, self.concurrency, self.restarts = env, concurrency, 0
        self._out = log.open("wb")
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        celery = Path(sys.executable).with_name("celery")
        return subprocess.Popen(
            [str(celery), "-A", "workers.celery_app", "worker", "--pool=prefork", "-c", str(self.concurrency),
             "-n", self.name, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO"],
            cwd=ROOT, env=self.env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)

    def restart_if_exited(self) -> bool:
        """Start the worker again if it has exited, as its supervisor does in a deployment
        (README, Workers: systemd's Restart=always). True when it did."""
        if self.process.poll() is None:
            return False
        self.restarts += 1
        self.process = self._start()
        return True

    def wait_ready(self, app: Celery, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.log.read_text()[-3000:]}")
            return bool(app.control.ping(destination=[self.name], timeout=0.5))

        wait_for(ready, timeout, f"worker {self.name} to answer ping", every=0.5)

    def active_pids(self, app: Celery, task_name: str) -> list[int]:
        replies = app.control.inspect(destination=[self.name], timeout=1.0).active() or {}
        return [int(t["worker_pid"]) for tasks in replies.values() for t in tasks
                if t.get("name") == task_name and t.get("worker_pid")]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._out.close()


@contextmanager
def workers(count: int, env: dict[str, str], app: Celery, tmp: Path) -> Iterator[list[Worker]]:
    started = [Worker(env, tmp / f"worker-{i}.log") for i in range(count)]
    try:
        for worker in started:
            worker.wait_ready(app)
        yield started
    finally:
        for worker in started:
            worker.stop()
