"""A real S3-compatible server for tests: moto's standalone server (`python -m moto.server`,
from the `moto[server]` package) as a process of its own on a free loopback port.

    from tests.s3server import s3_endpoint, s3_store  # noqa: F401 (pytest fixtures)

    async def test_something(s3_store: S3Store) -> None: ...       # a fresh bucket per test

`moto_server()` is the plain context manager (`moto_process()` also gives the process, for
bench/attachments.py); `s3_endpoint`
is the session fixture (one server for the whole run); `s3_store` gives each test a bucket
of its own on it, so tests never see each other's blobs. `s3_settings(endpoint, bucket)` are
the KHORTOR_S3_* environment variables for a `khortor serve` process pointed at it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.attachments.s3 import S3Store

# moto accepts any credentials; these only have to look like some.
ACCESS_KEY = "khortor-test"
SECRET_KEY = "khortor-test-secret"
REGION = "ap-southeast-7"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2) as answer:
            return bool(answer.status == 200)
    except urllib.error.HTTPError:
        return True  # it answered, even if not 200
    except OSError:
        return False


@dataclass
class MotoServer:
    """A running moto server: its endpoint URL and its process (say, to read its CPU time)."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def moto_server(timeout: float = 60.0) -> Iterator[str]:
    """Start moto's server on 127.0.0.1 and a free port, wait until it answers HTTP, yield its
    endpoint URL (`http://127.0.0.1:<port>`); stop it (SIGTERM, then SIGKILL) afterwards."""
    with moto_process(timeout) as server:
        yield server.url


@contextmanager
def moto_process(timeout: float = 60.0) -> Iterator[MotoServer]:
    """moto_server(), yielding the endpoint and the process. Its output goes to a temporary
    log, shown when it fails to start."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # No AWS settings of the machine leak in (a real endpoint, a profile): only the server's.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    with tempfile.NamedTemporaryFile(prefix="moto-server-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start on {url}:\n"
                                   f"{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield MotoServer(url, process)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log_path.unlink(missing_ok=True)


def s3_settings(endpoint: str, bucket: str, prefix: str = "") -> dict[str, str]:
    """The environment that points Khortor's blob store at the server (and bucket)."""
    return {"KHORTOR_S3_ENDPOINT_URL": endpoint, "KHORTOR_S3_BUCKET": bucket, "KHORTOR_S3_REGION": REGION,
            "KHORTOR_S3_ACCESS_KEY_ID": ACCESS_KEY, "KHORTOR_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "KHORTOR_S3_PREFIX": prefix}


def new_store(endpoint: str, bucket: str | None = None, **options: object) -> S3Store:
    """An S3Store on the server, on `bucket` or a new bucket name (call `ensure_bucket`)."""
    name = bucket or f"khortor-test-{uuid.uuid4().hex[:12]}"
    return S3Store(name, endpoint_url=endpoint, region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                   **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One moto server for the whole test session: its endpoint URL."""
    with moto_server() as url:
        yield url


@pytest.fixture
async def s3_store(s3_endpoint: str) -> AsyncIterator[S3Store]:
    """An S3Store on a bucket of its own (made here) on the session's moto server."""
    store = new_store(s3_endpoint)
    await store.ensure_bucket()
    yield store
