"""End-to-end fixtures: the real app under uvicorn on SQLite, and Debian's Chromium.

These tests do not use the `backend` fixture: the browser tests need one server, and they run
it on a SQLite file of their own (migrated and seeded by the `khortor` command itself), so they
run once whatever backends the rest of the suite covers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.servers import khortor_env, khortor_server

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
# KHORTOR_TEST_WEB_DIST: a client built elsewhere (`npx vite build --outDir DIR`), so two
# people building at once in one tree do not test each other's half-written build.
DIST = Path(os.environ.get("KHORTOR_TEST_WEB_DIST", WEB / "dist"))
CHROMIUM = os.environ.get("KHORTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-gpu"]
# Screenshots land here (KHORTOR_ARTIFACTS overrides); docs/screenshots holds a chosen set.
ARTIFACTS = Path(os.environ.get("KHORTOR_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
PHONE = {"width": 360, "height": 800}
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The built client; built here when missing (Node is needed only for that)."""
    if not (DIST / "index.html").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("web/dist is missing and npm is not installed to build it "
                        "(run `npm ci && npm run build` in web/).", pytrace=False)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
    return DIST


@pytest.fixture(scope="session")
def live_env(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The live server's environment (a fresh SQLite file): `khortor` commands run with it act
    on the live server's database, as an administrator's would on the server."""
    db_file = tmp_path_factory.mktemp("e2e") / "khortor-e2e.db"
    return khortor_env(f"sqlite+aiosqlite:///{db_file}", KHORTOR_ENV="development",
                       KHORTOR_WEB_DIST=str(web_dist))


@pytest.fixture(scope="session")
def live_server(live_env: dict[str, str]) -> Iterator[str]:
    """`khortor seed-demo` then `khortor serve` on a free loopback port, on a fresh SQLite file."""
    db_file = Path(live_env["KHORTOR_DATABASE_URL"].split("///", 1)[1])
    with khortor_server(live_env, db_file.parent / "server.log") as base:
        yield base


class Api:
    """GraphQL over HTTP as one demo user, to check what the browser did."""

    def __init__(self, base: str, username: str, password: str = "khortor-demo") -> None:
        self.base = base
        self.token: str | None = None
        login = self.run("mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
                         "{ ... on LoginSuccess { token } } }", u=username, p=password)
        self.token = login["login"]["token"]

    def run(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(f"{self.base}/graphql", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            payload = json.loads(answer.read())
        assert not payload.get("errors"), payload
        data: dict[str, Any] = payload["data"]
        return data


@pytest.fixture(scope="session")
def admin_api(live_server: str) -> Api:
    return Api(live_server, "admin")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one test module at a time: sync Playwright keeps an asyncio loop marked
    running on this thread while it is open, so it must be closed before another module's
    async tests run (they do, in a shuffled order)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver "
                    "(scripts/test does it).", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    # A cold server's first dashboard query can take seconds: give assertions time.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test body failed, for `new_context` to keep evidence."""
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_context(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Phone-sized browser contexts (360×800, Thai, Bangkok time), closed after the test.

    When the test fails, every open page is saved to artifacts/screenshots/failed-*.png.
    """
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok",
                                      service_workers="allow")
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}-{c}-{p}.png"),
                                    full_page=True)
                except Exception:  # noqa: BLE001 - evidence is best effort
                    pass
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shots() -> Any:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, name: str, *, full_page: bool = False) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    return shot


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.1 A/AA violations that axe-core (a dev dependency of web/) finds on the page."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in web/.", pytrace=False)
    # Evaluated through DevTools rather than added as an inline <script>, which the app's
    # Content-Security-Policy (script-src 'self') rightly refuses.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
            }));
        }""", WCAG_AA)
    return found


def same_day_slot(lead: timedelta, length: timedelta) -> datetime:
    """A start `lead` from now (whole minutes, Bangkok) such that an event of `length` starts and
    ends today in Bangkok, as attendance on the event's day needs. Too near midnight for one,
    it waits until just after midnight (at most `lead + length`) rather than skip."""
    bangkok = ZoneInfo("Asia/Bangkok")
    now = datetime.now(bangkok)
    start = (now + lead).replace(second=0, microsecond=0)
    if (start + length).date() != now.date() or start.date() != now.date():
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), bangkok)
        time.sleep((midnight - now).total_seconds() + 30)
        start = (datetime.now(bangkok) + lead).replace(second=0, microsecond=0)
    return start
