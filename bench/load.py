"""A bounded load test with fault injection (issue 6, "Trust").

Starts its own PostgreSQL cluster and redis-server on free ports in a temporary directory,
migrates and seeds it, creates 200 volunteers and 50 officers, starts the API (`khortor
serve`, uvicorn), a Celery worker and a beat, and then simulates the volunteers filing and
reading cases and the officers working their queues over loopback for `--duration` seconds.
Prints throughput, p50/p95/p99 per operation, how many answers took over 500 ms in each 10 s
of the run, and errors by kind; then verifies that every acknowledged filing is in the
database exactly once and that every escalation level due during the run fired exactly once.
Exits 1 when the verification fails.

    .venv/bin/python bench/load.py [--duration 120] [--fault none|pg-restart|worker-redis]
                                   [--api-workers 1] [--smoke]

`--api-workers N` serves the API with `khortor serve --workers N` (N uvicorn processes).

`--fault pg-restart` stops PostgreSQL at 40 % of the run (`pg_ctl stop -m fast`) and starts
it again after `--outage` seconds; `--fault worker-redis` kills the Celery worker (SIGKILL,
its whole process group) and stops Redis, starts Redis again after `--outage` seconds, then
the worker. Clients keep retrying filings with the same client id through the outage.

`--smoke`: 4 volunteers and 2 officers for 5 s (think 0.5 s), 2 probes, a 1 s sweep: the
whole stack and the same verification in well under a minute, for CI
(tests/test_bench_smoke.py). It also fails when nothing was acknowledged or fired.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import httpx
import uvloop
from benchkit import Checks, parse_args
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from loadtest.clients import LOGIN, OPEN_CASE, SLOW_SECONDS, Stats, national_id, simulate
from loadtest.seed import (
    ACCEPT_PROBE_CATEGORY,
    FAMILY,
    GIVEN,
    LEGAL_PROBE_CATEGORY,
    PROBE_AREA,
    PROBE_VOLUNTEER,
    Armed,
    LoadUser,
    arm_probes,
    create_load_users,
    descriptions,
)
from loadtest.stack import Stack, cpu_seconds
from loadtest.verify import verify_escalations, verify_filings

from domain.bootstrap import open_database
from domain.demo import DEMO_PASSWORD
from domain.settings import normalise_database_url

FAULT_AT = 0.4


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    parser.add_argument("--fault", choices=["none", "pg-restart", "worker-redis"], default="none")
    parser.add_argument("--outage", type=float, default=5.0,
                        help="seconds the failed service stays down (default 5)")
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean think time between a person's actions, seconds (default 5)")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="people sign in over this many seconds before the run (default 10)")
    parser.add_argument("--probes", type=int, default=40,
                        help="referrals whose escalation ladder comes due during the run")
    parser.add_argument("--sweep", type=float, default=2.0, help="escalation sweep period, seconds")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--api-workers", type=_positive, default=1, metavar="N",
                        help="API processes: `khortor serve --workers N` (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    return parse_args(parser, {"duration": 5.0, "volunteers": 4, "officers": 2, "think": 0.5, "ramp": 0.5,
                               "probes": 2, "sweep": 1.0}, argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def file_probes(base_url: str, count: int) -> list[uuid.UUID]:
    """Cases in Nong Khai, filed over HTTP as the demo volunteer; nobody simulated works them."""
    samples = descriptions()
    ids: list[uuid.UUID] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        body = (await http.post("/graphql", json={"query": LOGIN, "variables": {
            "u": PROBE_VOLUNTEER, "p": DEMO_PASSWORD}})).json()
        token = body["data"]["login"]["token"]
        rng = random.Random(count)
        for i in range(count):
            category = LEGAL_PROBE_CATEGORY if i % 2 == 0 else ACCEPT_PROBE_CATEGORY
            case_id = uuid.uuid4()
            payload = {"clientId": str(case_id), "categoryCode": category, "subdistrictCode": PROBE_AREA,
                       "description": samples[category][i % len(samples[category])],
                       "citizen": {"fullName": f"{GIVEN[i % len(GIVEN)]} {FAMILY[i % len(FAMILY)]}",
                                   "nationalId": national_id(rng), "consent": True}}
            response = await http.post("/graphql", json={"query": OPEN_CASE, "variables": {"input": payload}},
                                       headers={"Authorization": f"Bearer {token}"})
            result = response.json()["data"]["openCase"]
            if result["__typename"] != "OpenCaseSuccess":
                raise RuntimeError(f"a probe case was refused: {result}")
            ids.append(case_id)
    return ids


async def inject(stack: Stack, fault: str, at: float, outage: float, window: dict[str, float]) -> None:
    if fault == "none":
        return
    await asyncio.sleep(at)
    window["start"] = time.monotonic()
    if fault == "pg-restart":
        log(f"fault: stopping PostgreSQL (-m fast) for {outage:.0f} s")
        await asyncio.to_thread(stack.pg.stop, "fast")
        await asyncio.sleep(outage)
        await asyncio.to_thread(stack.pg.start)
        log("fault: PostgreSQL is up again")
    else:
        log(f"fault: SIGKILL to the Celery worker, stopping Redis for {outage:.0f} s")
        await asyncio.to_thread(stack.worker.kill)
        await asyncio.to_thread(stack.redis.group.stop, 5.0)
        await asyncio.sleep(outage)
        await asyncio.to_thread(stack.redis.start)
        log("fault: Redis is up again; starting the worker")
        await asyncio.to_thread(stack.start_worker)
        log("fault: the worker is ready again")
    window["end"] = time.monotonic()


def _cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each part of the machine's work: the API's processes, the
    Celery worker's and the beat's, PostgreSQL's, and the simulated people (this process)."""
    return {"API": cpu_seconds(stack.api), "worker": cpu_seconds(stack.worker),
            "beat": cpu_seconds(stack.beat), "PostgreSQL": stack.pg.cpu_seconds(),
            "clients": time.process_time()}


async def load_and_verify(stack: Stack, args: argparse.Namespace, users: list[LoadUser]) -> Checks:
    db = open_database(normalise_database_url(stack.pg.url))
    try:
        log(f"filing {args.probes} escalation probes")
        case_ids = await file_probes(stack.api_url, args.probes)
        armed: list[Armed] = []
        window: dict[str, float] = {}
        clock: dict[str, Any] = {}

        async def arm() -> None:
            clock["start"], clock["load"] = datetime.now(UTC), os.getloadavg()[0]
            clock["cpu"], clock["postmaster"] = _cpu(stack), stack.pg.postmaster()
            armed.extend(await arm_probes(db, case_ids, clock["start"], args.duration))
            log(f"load: {args.volunteers} volunteers, {args.officers} officers signed in; "
                f"{args.duration:.0f} s, fault {args.fault}")

        async def fault(stats: Stats) -> None:
            await inject(stack, args.fault, args.duration * FAULT_AT, args.outage, window)

        log(f"signing in {len(users)} people over {args.ramp:.0f} s")
        stats = await simulate(stack.api_url, users, args.duration, args.think, descriptions(),
                               args.seed, grace=60.0, ramp=args.ramp, on_start=arm, during=fault)
        start, load1 = clock["start"], clock["load"]
        cpu = {name: spent - clock["cpu"][name] for name, spent in _cpu(stack).items()}
        if stack.pg.postmaster() != clock["postmaster"]:  # restarted: its time before is gone
            del cpu["PostgreSQL"]
        run_end = start + timedelta(seconds=args.duration)
        print_figures(stats, args, window, load1)
        processes = ("one uvicorn process" if args.api_workers == 1
                     else f"{args.api_workers} uvicorn processes")
        elapsed = max(stats.finished - stats.started, 1)
        print(f"API ({processes}): {cpu['API']:.0f} CPU s over the run and its grace "
              f"period ({100 * cpu['API'] / elapsed:.0f} % of one core)")
        print("CPU over the run, % of one core: " + ", ".join(
            f"{name} {100 * spent / elapsed:.0f}" for name, spent in cpu.items())
            + f"; all {100 * sum(cpu.values()) / elapsed:.0f} of {100 * (os.cpu_count() or 1)}"
            + ("" if "PostgreSQL" in cpu else " (PostgreSQL's not counted: it was restarted)"))
        log("verifying")
        report = Checks()
        report.facts.extend(api_request_facts(stack, stats, args.probes))
        await verify_filings(db, stats, report)
        await verify_escalations(db, [a.referral_id for a in armed], start, run_end, settle=90.0,
                                 report=report)
        for name, group in (("api", stack.api), ("worker", stack.worker), ("beat", stack.beat)):
            text = group.log.read_text(errors="replace") if group.log.exists() else ""
            report.facts.append(f"{name} log: {text.count('Traceback')} tracebacks, "
                                f"{error_lines(text)} ERROR lines")
        server_log = stack.pg.log.read_text(errors="replace").splitlines() if stack.pg.log.exists() else []
        report.facts.append(deadlocks(server_log))
        report.facts.append(lock_waits(server_log))
        return report
    finally:
        await db.dispose()


def error_lines(text: str) -> int:
    """Lines logged at ERROR or above: the API's JSON lines (`"level": "error"`) and Celery's
    plain ones (`: ERROR/`)."""
    return sum(1 for line in text.splitlines()
               if '"level": "error"' in line or '"level": "critical"' in line
               or " ERROR" in line or " CRITICAL" in line)


def deadlocks(lines: list[str]) -> str:
    """How many deadlocks PostgreSQL broke during the run (the API runs such a transaction again:
    domain/uow.py), with the first one's account from its log's `lines`: which locks each
    process waited for, and the statements (their parameters are not in it)."""
    found = [i for i, line in enumerate(lines) if "deadlock detected" in line]
    if not found:
        return "database log: no deadlock"
    first = found[0]
    account = [line.split("] ", 1)[-1] for line in lines[first + 1:first + 12]
               if any(word in line for word in ("DETAIL:", "Process ", "CONTEXT:", "STATEMENT:"))
               or line.startswith("\t")]
    return (f"database log: {len(found)} deadlock(s) broken; the first:\n    "
            + "\n    ".join(text[:400] for text in account))


def lock_waits(lines: list[str]) -> str:
    """The lock waits PostgreSQL logged (over deadlock_timeout, 1 s: `log_lock_waits`) in its
    log's `lines`, by what was waited for: the relation its CONTEXT names, else the kind of lock."""
    waits: Counter[str] = Counter()
    for i, line in enumerate(lines):
        if "still waiting for" not in line:
            continue
        what = line.split("still waiting for ", 1)[1].split(" after ")[0]
        for later in lines[i + 1:i + 6]:
            if "CONTEXT:" in later and ' relation "' in later:
                what = later.split(' relation "', 1)[1].split('"')[0] + " (" + what.split(" on ")[0] + ")"
                break
        waits[what] += 1
    if not waits:
        return "database log: no lock wait over 1 s"
    return "database log: lock waits over 1 s: " + ", ".join(f"{n} on {what}" for what, n in waits.most_common(6))


def _graphql_requests(samples: Any) -> float:
    return sum(s.value for s in samples
               if s.name == "khortor_http_requests_total" and s.labels.get("route") == "/graphql")


def api_request_facts(stack: Stack, stats: Stats, probes: int) -> list[str]:
    """GraphQL requests the API counted (one scrape of /metrics, whichever process answers)
    against what the clients sent, and with several processes each one's share, read from
    its own metrics file."""
    try:
        text = httpx.get(stack.api_url + "/metrics", timeout=10).text
        counted = _graphql_requests(s for f in text_string_to_metric_families(text) for s in f.samples)
    except (httpx.HTTPError, ValueError) as error:
        return [f"API metrics: not read ({type(error).__name__})"]
    sign_ins = len(stats.latencies.get("login", [])) + sum(
        count for (op, _kind), count in stats.errors.items() if op == "login")
    sent = stats.requests + sign_ins + probes + 1  # the run, sign-ins, probe filings and their sign-in
    facts = [f"API metrics: {counted:.0f} GraphQL requests counted by /metrics; the clients "
             f"sent {sent} (equal unless a request failed on the network)"]
    files = stack.api_metrics_files()
    if files:
        shares = []
        for file in files:
            merged = MultiProcessCollector.merge([str(file)], accumulate=False)
            shares.append(f"{_graphql_requests(s for m in merged for s in m.samples):.0f}")
        facts.append(f"GraphQL requests per API process: {', '.join(shares)} ({len(files)} processes)")
    return facts


def _ms(values: list[float], p: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return f"{1000 * (ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)):.0f}"


def print_figures(stats: Stats, args: argparse.Namespace, window: dict[str, float], load1: float) -> None:
    elapsed = args.duration
    acked = sum(1 for f in stats.filings.values() if f.reference is not None)
    print(f"\n== load: {args.volunteers} volunteers + {args.officers} officers, {elapsed:.0f} s, "
          f"think {args.think:.1f} s, fault {args.fault}; {os.cpu_count()} cores, "
          f"load average {load1:.1f} -> {os.getloadavg()[0]:.1f} (shared machine)")
    logins = stats.latencies.get("login", [])
    print(f"sign-in before the run: {len(logins)} logins in {stats.sign_in_seconds:.1f} s "
          f"(p50 {_ms(logins, 50)} ms, p95 {_ms(logins, 95)} ms; argon2 verification)")
    print(f"throughput: {stats.requests / elapsed:.1f} requests/s, {acked / elapsed:.2f} filings/s "
          f"acknowledged ({stats.requests} requests, {acked} filings)")
    print(f"{'operation':<18}{'ok':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for op in ("login", "openCase", "myCases", "case", "queue", "acceptReferral", "completeReferral"):
        values = stats.latencies.get(op, [])
        top = f"{1000 * max(values):.0f}" if values else "-"
        print(f"{op:<18}{len(values):>7}{_ms(values, 50):>9}{_ms(values, 95):>9}{_ms(values, 99):>9}{top:>9}")
    slow = Counter(int((at - stats.started) // 10) for at in stats.slow_at)
    tens = math.ceil(elapsed / 10)
    after = sum(n for ten, n in slow.items() if ten >= tens)  # asked after the run: resends, grace retries
    print(f"answers over {SLOW_SECONDS * 1000:.0f} ms, by 10 s of the run: "
          + (" ".join(str(slow[i]) for i in range(tens)) + (f" | after the run: {after}" if after else "")
             if slow else "none"))
    if not stats.errors:
        print("errors: none")
    else:
        print("errors by kind:")
        for (op, kind), count in sorted(stats.errors.items()):
            print(f"  {op:<18}{kind:<40}{count:>6}")
        for (op, kind), message in sorted(stats.uncoded.items()):
            print(f"  {op} {kind}, the first one said: {message}")
    if window:
        until = window.get("end", time.monotonic()) + 10.0
        during = [(op, kind) for at, op, kind in stats.error_times if window["start"] <= at <= until]
        outage = window.get("end", window["start"]) - window["start"]
        print(f"fault at {window['start'] - stats.started:.1f} s, services back after {outage:.1f} s; "
              f"errors from the fault to 10 s after it: {len(during)}")
        for (op, kind), count in sorted(Counter(during).items()):
            print(f"  {op:<18}{kind:<40}{count:>6}")


def run(stack: Stack, args: argparse.Namespace) -> int:
    log(f"starting PostgreSQL (port {stack.pg.port}) and Redis (port {stack.redis.port}) in {stack.base}")
    stack.start_databases()
    log("khortor seed-demo (it migrates first)")
    stack.run_cli("seed-demo")
    log(f"creating {args.volunteers} volunteers and {args.officers} officers")

    async def people() -> list[LoadUser]:
        db = open_database(normalise_database_url(stack.pg.url))
        try:
            return await create_load_users(db, args.volunteers, args.officers)
        finally:
            await db.dispose()

    users = asyncio.run(people())
    log(f"starting the API (port {stack.api_port}, {args.api_workers} process(es)), a Celery worker "
        "and beat")
    stack.start_services()
    # The simulated people run on uvloop, as the API does: the clients share its two cores.
    report = uvloop.run(load_and_verify(stack, args, users))
    print("\n== verification")
    for fact in report.facts:
        print(f"  {fact}")
    if report.exit_code():
        return 1
    print("PASSED: every acknowledged filing is stored exactly once; every due escalation fired once")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)

    def interrupted(_signum: int, _frame: FrameType | None) -> Any:
        raise KeyboardInterrupt

    # Also SIGINT: a shell starting us in the background may have set it to "ignore".
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    stack = Stack(sweep_seconds=args.sweep, api_workers=args.api_workers)
    try:
        return run(stack, args)
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        stack.close(keep=args.keep)


if __name__ == "__main__":
    raise SystemExit(main())
