"""Simulated volunteers and officers over loopback, and what they saw.

A volunteer files cases with an id of their own choosing (`clientId`), lists their cases and
reads one; an officer lists their office's queue and accepts or completes referrals. Filing
behaves like the phone client's outbox: a network error, a 5xx or a top-level GraphQL error
is retried with the SAME clientId, with back-off, until the server acknowledges it. Reads
and officers' actions are not retried (a person would reload).

Each person has a connection of their own, as each phone does. With one httpx pool shared by
everyone, most requests went over the first few keep-alive connections, and so to one of
`khortor serve --workers 2`'s processes (1,548 requests against 213 in one run). The clients
share the machine's two cores with what they measure, so they are kept cheap: aiohttp on
uvloop (5-7 % of one core at 50-87 requests/s; bench/load.py prints its CPU line).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from benchkit import thai_national_id
from loadtest.seed import FAMILY, GIVEN, PASSWORD, LoadUser

SLOW_SECONDS = 0.5  # the p99 goal: the report shows when the answers slower than this came

LOGIN = """mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { token } ... on UserError { code } } }"""
OPEN_CASE = """mutation OpenCase($input: OpenCaseInput!) { openCase(input: $input) {
  __typename ... on OpenCaseSuccess { case { id reference status } } ... on UserError { code } } }"""
MY_CASES = """query MyCases { cases(filter: { filedByMe: true }, first: 20) {
  totalCount edges { node { id reference status category { code } } } } }"""
CASE = """query Case($id: ID!) { case(id: $id) { id reference status description
  citizen { fullName masked } referrals { id status orgUnit { code } }
  events { id type fromStatus toStatus } } }"""
QUEUE = """query Queue($unit: String!) { referrals(filter: { orgUnitCode: $unit,
  status: [PENDING, ACCEPTED] }, first: 20) { totalCount edges { node { id status version
  case { id reference } } } } }"""
ACCEPT = """mutation Accept($id: ID!, $v: Int) { acceptReferral(referralId: $id, expectedVersion: $v) {
  __typename ... on AcceptReferralSuccess { referral { id status version } } ... on UserError { code } } }"""
COMPLETE = """mutation Complete($id: ID!, $v: Int) { completeReferral(referralId: $id, outcome: RESOLVED,
  expectedVersion: $v) { __typename ... on CompleteReferralSuccess { referral { id status } }
  ... on UserError { code } } }"""

# Problem types a volunteer files here (not OTHER: see loadtest.seed).
CATEGORIES = ("UNPAID_WAGES", "UNFAIR_DISMISSAL", "WORKPLACE_SAFETY", "CHILD_FORCED_LABOUR",
              "WORK_INJURY", "SOCIAL_SECURITY_BENEFITS", "SECTION_40", "JOB_SEEKING",
              "OVERSEAS_WORK_FRAUD", "MIGRANT_WORKER_PERMITS", "VOCATIONAL_TRAINING",
              "SKILL_STANDARD_TEST")


class Retryable(Exception):
    """The request may not have happened: send it again (network error, 5xx, top-level error)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class Filing:
    client_id: str
    username: str
    description: str
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    reference: str | None = None  # set when the server acknowledged it
    acknowledged_at: float | None = None
    duplicate_sends: int = 0  # extra sends after the acknowledgement (a lost answer, two tabs)
    duplicate_references: list[str] = field(default_factory=list)
    refused: str | None = None


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    error_times: list[tuple[float, str, str]] = field(default_factory=list)
    slow_at: list[float] = field(default_factory=list)  # when each answer over SLOW_SECONDS was asked
    # The first message of each kind of GraphQL error that came without a code.
    uncoded: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: int = 0
    filings: dict[str, Filing] = field(default_factory=dict)
    stop_at: float = 0.0
    give_up_at: float = 0.0
    finished: float = 0.0
    sign_in_seconds: float = 0.0

    def ok(self, op: str, seconds: float) -> None:
        self.requests += 1
        self.latencies[op].append(seconds)
        if seconds > SLOW_SECONDS:
            self.slow_at.append(time.monotonic() - seconds)

    def error(self, op: str, kind: str) -> None:
        self.requests += 1
        self.errors[(op, kind)] += 1
        self.error_times.append((time.monotonic(), op, kind))


def _seconds(retry_after: str | None) -> float:
    return float(retry_after) if retry_after and retry_after.isdigit() else 1.0


def national_id(rng: random.Random) -> str:
    return thai_national_id(str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11)))


class Session:
    """One simulated person: a bearer token and a connection of their own."""

    def __init__(self, http: aiohttp.ClientSession, stats: Stats, user: LoadUser, rng: random.Random) -> None:
        self.http, self.stats, self.user, self.rng = http, stats, user, rng
        self.token: str | None = None

    async def call(self, op: str, query: str, variables: dict[str, Any] | None = None,
                   timeout: float = 30.0) -> dict[str, Any]:
        """One request, timed; raises Retryable when it may not have happened."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        began = time.monotonic()
        try:
            async with self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                      headers=headers, timeout=aiohttp.ClientTimeout(total=timeout, connect=5.0)
                                      ) as response:
                status, retry_after = response.status, response.headers.get("retry-after")
                body: dict[str, Any] = await response.json(content_type=None) if status == 200 else {}
        except TimeoutError:
            self.stats.error(op, "timeout")
            raise Retryable("timeout") from None
        except aiohttp.ClientError as error:
            kind = "network:" + type(error).__name__
            self.stats.error(op, kind)
            raise Retryable(kind) from None
        elapsed = time.monotonic() - began
        if status >= 500:
            self.stats.error(op, f"http_{status}")
            if status == 503:  # the database is away: wait as the server says
                await asyncio.sleep(min(_seconds(retry_after), 10.0))
            raise Retryable(f"http_{status}")
        if status != 200:
            self.stats.error(op, f"http_{status}")
            return {}
        if body.get("errors"):
            code = (body["errors"][0].get("extensions") or {}).get("code", "UNKNOWN")
            self.stats.error(op, f"graphql:{code}")
            if code == "UNKNOWN":
                self.stats.uncoded.setdefault((op, code), str(body["errors"][0].get("message"))[:300])
            raise Retryable(f"graphql:{code}")
        data: dict[str, Any] = body["data"]
        result = next(iter(data.values()))
        if isinstance(result, dict) and "code" in result and "__typename" in result:
            self.stats.error(op, f"refused:{result['code']}")
        else:
            self.stats.ok(op, elapsed)
        return data

    async def think(self, mean: float) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * mean)

    async def login(self, ramp: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, ramp))  # people arrive over the ramp
        delay, give_up = 0.5, time.monotonic() + 300
        while True:
            try:
                # Sign-in waits longer: argon2 makes a burst of them queue (see README).
                data = await self.call("login", LOGIN, {"u": self.user.username, "p": PASSWORD},
                                       timeout=180.0)
            except Retryable:
                if time.monotonic() > give_up:
                    raise RuntimeError(f"{self.user.username} could not sign in for 5 minutes") from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            result = data["login"]
            if result["__typename"] != "LoginSuccess":
                raise RuntimeError(f"{self.user.username} could not sign in: {result}")
            self.token = result["token"]
            return


class Volunteer(Session):
    def __init__(self, *args: Any, descriptions: dict[str, list[str]], think_mean: float) -> None:
        super().__init__(*args)
        self.descriptions, self.think_mean = descriptions, think_mean
        self.mine: list[str] = []

    def new_filing(self) -> tuple[Filing, dict[str, Any]]:
        rng = self.rng
        category = rng.choice(CATEGORIES)
        description = rng.choice(self.descriptions[category])
        filing = Filing(client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        username=self.user.username, description=description)
        payload = {"clientId": filing.client_id, "categoryCode": category,
                   "subdistrictCode": self.user.area_code, "description": description,
                   "capturedAt": datetime.now(UTC).isoformat(),
                   "citizen": {"fullName": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                               "nationalId": national_id(rng),
                               "phone": f"08{rng.randint(10000000, 99999999)}", "consent": True}}
        return filing, payload

    async def send(self, filing: Filing, payload: dict[str, Any]) -> str | None:
        """Send until acknowledged (or the run is over); the acknowledged reference."""
        delay = 0.5
        while time.monotonic() < self.stats.give_up_at:
            filing.attempts += 1
            try:
                data = await self.call("openCase", OPEN_CASE, {"input": payload})
            except Retryable as error:
                filing.errors.append(error.kind)
                await asyncio.sleep(delay * self.rng.uniform(0.8, 1.2))
                delay = min(delay * 2, 5.0)
                continue
            result = data.get("openCase") or {}
            if result.get("__typename") != "OpenCaseSuccess":
                filing.refused = str(result.get("code") or result.get("__typename"))
                return None
            return str(result["case"]["reference"])
        return None

    async def file(self) -> None:
        filing, payload = self.new_filing()
        self.stats.filings[filing.client_id] = filing
        roll = self.rng.random()
        if roll < 0.02:  # the same filing sent twice at once (two tabs, a double tap)
            refs = await asyncio.gather(self.send(filing, payload), self.send(filing, payload))
            got = [r for r in refs if r is not None]
            filing.duplicate_sends = 1
            reference = got[0] if got else None
            filing.duplicate_references = got[1:]
        else:
            reference = await self.send(filing, payload)
        if reference is None:
            return
        filing.reference, filing.acknowledged_at = reference, time.monotonic()
        self.mine.append(filing.client_id)
        if 0.02 <= roll < 0.05:  # the answer was lost on the phone: the outbox sends it again
            filing.duplicate_sends += 1
            again = await self.send(filing, payload)
            if again is not None:
                filing.duplicate_references.append(again)

    async def run(self) -> None:
        opened = False
        while time.monotonic() < self.stats.stop_at:
            await self.think(self.think_mean)
            if time.monotonic() >= self.stats.stop_at:
                break
            roll = self.rng.random()
            try:
                if not opened:  # the app opens on the volunteer's own cases (web/src/nav.tsx "/")
                    opened = True
                    await self.call("myCases", MY_CASES)
                elif roll < 0.4:
                    await self.file()
                elif roll < 0.7 or not self.mine:  # nothing of their own to read yet: the list
                    await self.call("myCases", MY_CASES)
                else:
                    await self.call("case", CASE, {"id": self.rng.choice(self.mine)})
            except Retryable:
                pass


class Officer(Session):
    def __init__(self, *args: Any, think_mean: float) -> None:
        super().__init__(*args)
        self.think_mean = think_mean

    async def run(self) -> None:
        while time.monotonic() < self.stats.stop_at:
            await self.think(self.think_mean)
            if time.monotonic() >= self.stats.stop_at:
                break
            try:
                data = await self.call("queue", QUEUE, {"unit": self.user.org_unit_code})
                nodes = [e["node"] for e in data["referrals"]["edges"]] if data else []
                pending = [n for n in nodes if n["status"] == "PENDING"]
                accepted = [n for n in nodes if n["status"] == "ACCEPTED"]
                await self.think(self.think_mean / 3)  # reading the queue
                if accepted and (not pending or self.rng.random() < 0.5):
                    node = self.rng.choice(accepted)
                    await self.call("completeReferral", COMPLETE, {"id": node["id"], "v": node["version"]})
                elif pending:
                    node = self.rng.choice(pending)
                    await self.call("acceptReferral", ACCEPT, {"id": node["id"], "v": node["version"]})
            except Retryable:
                pass


async def simulate(base_url: str, users: list[LoadUser], duration: float, think: float,
                   descriptions: dict[str, list[str]], seed: int, grace: float, ramp: float,
                   on_start: Callable[[], Awaitable[None]],
                   during: Callable[[Stats], Awaitable[None]]) -> Stats:
    """Everyone signs in first (spread over `ramp` seconds; timed as `login`), then
    `on_start` runs and the clock of the run starts: `duration` seconds of work, with
    `during` (the fault) running alongside. Filings still unacknowledged at the end are
    retried for `grace` seconds more."""
    stats = Stats()
    timeout = aiohttp.ClientTimeout(total=30.0, connect=5.0)
    async with AsyncExitStack() as stack:
        people: list[Session] = []
        for i, user in enumerate(users):
            rng = random.Random(seed * 100003 + i)
            http = await stack.enter_async_context(aiohttp.ClientSession(
                base_url=base_url, timeout=timeout, connector=aiohttp.TCPConnector(limit=4)))
            if user.org_unit_code:
                people.append(Officer(http, stats, user, rng, think_mean=think))
            else:
                people.append(Volunteer(http, stats, user, rng, descriptions=descriptions,
                                        think_mean=think))
        began = time.monotonic()
        await asyncio.gather(*(p.login(ramp) for p in people))
        stats.sign_in_seconds = time.monotonic() - began
        await on_start()
        stats.started = time.monotonic()
        stats.requests = 0  # the run's throughput counts the run only
        stats.slow_at.clear()  # and its slow answers (every sign-in takes seconds)
        stats.stop_at = stats.started + duration
        stats.give_up_at = stats.stop_at + grace
        fault = asyncio.create_task(during(stats))
        await asyncio.gather(*(p.run() for p in people))
        await fault
        stats.finished = time.monotonic()
    return stats
