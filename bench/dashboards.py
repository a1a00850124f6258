"""caseStats over millions of cases: the real GraphQL endpoint against one hand-written SQL query.

Generates N cases (default 1,000,000) straight into a fresh PostgreSQL database with bulk
`INSERT ... SELECT generate_series` (realistic mix: all 77 provinces, each weighted by its
number of sub-districts as a stand-in for population; the 13 problem types in a fixed mix;
~12 % open; ~3 % escalated; 20,000 volunteers, two or three in each sub-district, each case
filed by a volunteer of its sub-district; ~1.13 referrals per case with second legs and
redirects), then, alternating in one run, times

  1. `caseStats(groupBy: [PROVINCE, STATUS])` and
  2. `caseStats(groupBy: [CATEGORY, MONTH])` (problem type × month of the fiscal year)

as a national supervisor through the real app (httpx ASGITransport, in process), against
the single hand-written SQL statement that computes the same numbers (counts, on-time
shares, business-day medians and 90th percentiles over the holiday calendar, open cases by
age, baht, satisfaction). It checks that both give the same figures and that the groups add
up to the cases and referrals in the database (exit 1 when not), and prints absolute times
and the ratio GraphQL / SQL (goal: at most 1.25; not checked).

    .venv/bin/python bench/dashboards.py [--cases 1000000] [--rounds 5] [--volunteers 20000]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--keep] [--smoke]

The database `khortor_bench_<hex>` is made on the server (default: KHORTOR_TEST_DATABASE_URL
when set) and dropped at the end (unless --keep). `--smoke`: 2,000 cases, 50 volunteers, one
round, for CI (tests/test_bench_smoke.py); the checks are the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import secrets
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from benchkit import Checks, default_server, parse_args, plain_dsn, scratch_database

from api.app import create_app
from domain.bootstrap import open_database
from domain.cases.commands import CaseFilter
from domain.clock.business import CALENDAR_YEARS, government_calendar
from domain.clock.thai import fiscal_year_be
from domain.migrations import upgrade
from domain.reference.load import load_reference_data
from domain.settings import Settings
from domain.stats import maintenance, network_repository, rollups, rules, service, volunteer_rollups
from domain.stats.durations import BOUND_SECONDS
from domain.stats.rules import ALL_FIGURES, CaseDimension, Figure
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users import repository as users_repo
from domain.users.principal import Principal
from domain.users.service import NewUser, create_user, hash_password

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"
BATCH = 250_000
# Share of cases by problem type (sums to 100).
CATEGORY_MIX = {
    "UNPAID_WAGES": 22, "UNFAIR_DISMISSAL": 10, "WORKPLACE_SAFETY": 5, "CHILD_FORCED_LABOUR": 1,
    "WORK_INJURY": 10, "SOCIAL_SECURITY_BENEFITS": 14, "SECTION_40": 10, "JOB_SEEKING": 8,
    "OVERSEAS_WORK_FRAUD": 4, "MIGRANT_WORKER_PERMITS": 5, "VOCATIONAL_TRAINING": 5,
    "SKILL_STANDARD_TEST": 3, "OTHER": 3,
}
PASSWORD = "khortor-bench-password"

GRAPHQL = """
query Stats($groupBy: [CaseDimension!]!) {
  caseStats(groupBy: $groupBy) {
    rows {
      keys { dimension code labelTh labelEn }
      caseCount referralCount
      acceptedWithinDeadline acceptanceCounted acceptedWithinDeadlineShare
      resolvedWithinDeadline resolutionCounted resolvedWithinDeadlineShare
      medianBusinessDaysToAccept p90BusinessDaysToAccept
      medianBusinessDaysToResolve p90BusinessDaysToResolve
      openByAge { days0To7 days8To30 days31To60 over60Days }
      amountRecoveredThb satisfactionCount meanSatisfaction
    }
  }
}
"""

# The one hand-written statement: {keys} are the grouping expressions over case_file `c`.
RAW_SQL = """
WITH per_case AS (
  SELECT {keys},
         count(*) AS cases,
         sum(CASE WHEN c.status IN ('NEW','ROUTED','IN_PROGRESS') AND c.received_at > $1 THEN 1 ELSE 0 END) AS open_0_7,
         sum(CASE WHEN c.status IN ('NEW','ROUTED','IN_PROGRESS') AND c.received_at <= $1 AND c.received_at > $2 THEN 1 ELSE 0 END) AS open_8_30,
         sum(CASE WHEN c.status IN ('NEW','ROUTED','IN_PROGRESS') AND c.received_at <= $2 AND c.received_at > $3 THEN 1 ELSE 0 END) AS open_31_60,
         sum(CASE WHEN c.status IN ('NEW','ROUTED','IN_PROGRESS') AND c.received_at <= $3 THEN 1 ELSE 0 END) AS open_over_60,
         coalesce(sum(c.amount_recovered_thb), 0) AS baht,
         coalesce(sum(c.satisfaction), 0) AS satisfaction_sum, count(c.satisfaction) AS satisfaction_count
  FROM case_file c
  GROUP BY 1, 2
), legs AS (
  SELECT {keys}, r.status, r.accepted_at, r.accept_due_at, r.completed_at, r.resolve_due_at,
         (floor(extract(epoch FROM r.created_at))::bigint + 25200) AS made_s,
         (floor(extract(epoch FROM r.accepted_at))::bigint + 25200) AS accepted_s,
         (floor(extract(epoch FROM r.completed_at))::bigint + 25200) AS done_s
  FROM referral r JOIN case_file c ON c.id = r.case_id
), timed AS (
  SELECT l.k1, l.k2, l.status, l.accepted_at, l.accept_due_at, l.completed_at, l.resolve_due_at,
         (a.business_days_before * 28800 + CASE WHEN a.is_business THEN least(greatest(l.accepted_s % 86400 - 30600, 0), 28800) ELSE 0 END)
       - (m.business_days_before * 28800 + CASE WHEN m.is_business THEN least(greatest(l.made_s % 86400 - 30600, 0), 28800) ELSE 0 END) AS to_accept,
         (d.business_days_before * 28800 + CASE WHEN d.is_business THEN least(greatest(l.done_s % 86400 - 30600, 0), 28800) ELSE 0 END)
       - (m.business_days_before * 28800 + CASE WHEN m.is_business THEN least(greatest(l.made_s % 86400 - 30600, 0), 28800) ELSE 0 END) AS to_resolve
  FROM legs l
  LEFT JOIN stats_calendar_day m ON m.calendar_key = $5 AND m.day_number = l.made_s / 86400
  LEFT JOIN stats_calendar_day a ON a.calendar_key = $5 AND a.day_number = l.accepted_s / 86400
  LEFT JOIN stats_calendar_day d ON d.calendar_key = $5 AND d.day_number = l.done_s / 86400
), per_referral AS (
  SELECT k1, k2, count(*) AS referrals,
         sum(CASE WHEN accepted_at <= accept_due_at THEN 1 ELSE 0 END) AS accepted_on_time,
         sum(CASE WHEN accepted_at IS NOT NULL OR (status = 'PENDING' AND accept_due_at < $4) THEN 1 ELSE 0 END) AS accept_counted,
         sum(CASE WHEN completed_at <= resolve_due_at THEN 1 ELSE 0 END) AS resolved_on_time,
         sum(CASE WHEN completed_at IS NOT NULL OR (status IN ('PENDING','ACCEPTED','ON_HOLD') AND resolve_due_at < $4) THEN 1 ELSE 0 END) AS resolve_counted,
         percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY to_accept) AS accept_p,
         percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY to_resolve) AS resolve_p
  FROM timed GROUP BY 1, 2
)
SELECT * FROM per_case FULL JOIN per_referral USING (k1, k2) ORDER BY k1, k2
"""
KEYS = {
    "PROVINCE,STATUS": 'c.province_code COLLATE "C" AS k1, c.status COLLATE "C" AS k2',
    "CATEGORY,MONTH": 'c.category_code COLLATE "C" AS k1, '
                      "to_char(c.received_at AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM') COLLATE \"C\" AS k2",
}


async def generate(dsn: str, cases: int, volunteers: int, now: datetime) -> int:
    """Fill the database; the number of cases it holds afterwards."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("""CREATE TEMP TABLE sd AS
            SELECT (row_number() OVER (ORDER BY code))::int AS i, code FROM area WHERE level = 'SUBDISTRICT'""")
        nsd = await conn.fetchval("SELECT count(*) FROM sd")
        lo = 0.0
        rows = []
        for code, weight in CATEGORY_MIX.items():
            rows.append((code, lo, lo + weight / 100 if code != "OTHER" else 1.01))
            lo += weight / 100
        await conn.execute("CREATE TEMP TABLE mix (code text, lo float8, hi float8)")
        await conn.executemany("INSERT INTO mix VALUES ($1, $2, $3)", rows)
        await conn.execute("""CREATE TEMP TABLE cat AS
            SELECT mix.code, mix.lo, mix.hi, category.agency_code AS agency, category.priority
            FROM mix JOIN category ON category.code = mix.code""")
        samples = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line]
        await conn.execute("CREATE TEMP TABLE sample (category text, k int, description text)")
        counts: dict[str, int] = {}
        sample_rows = []
        for s in samples:
            counts[s["categoryCode"]] = counts.get(s["categoryCode"], 0) + 1
            sample_rows.append((s["categoryCode"], counts[s["categoryCode"]], s["description"]))
        await conn.executemany("INSERT INTO sample VALUES ($1, $2, $3)", sample_rows)
        await conn.execute("""CREATE TEMP TABLE sample_count AS
            SELECT cat.code AS category, coalesce(max(sample.k), 0) AS n FROM cat
            LEFT JOIN sample ON sample.category = cat.code GROUP BY cat.code""")
        await conn.execute("""INSERT INTO sample (category, k, description)
            SELECT category, 1, 'ขอคำปรึกษาด้านแรงงาน' FROM sample_count WHERE n = 0""")
        await conn.execute("UPDATE sample_count SET n = 1 WHERE n = 0")

        started = time.perf_counter()
        await conn.execute("""
            INSERT INTO app_user (id, username, password_hash, display_name, role, area_code, is_active,
                                  is_unit_head, is_extension_approver, created_at)
            SELECT gen_random_uuid(), 'bench.vol.' || g, $1, 'อสร. ' || g, 'VOLUNTEER', sd.code, true,
                   false, false, $2
            FROM generate_series(1, $3) g JOIN sd ON sd.i = 1 + ((g::bigint * 7919) % $4)""",
                           hash_password(PASSWORD), now - timedelta(days=1500), volunteers, nsd)
        await conn.execute("""CREATE TEMP TABLE vol AS
            SELECT (row_number() OVER (ORDER BY u.id))::int AS i, u.id, sd.i AS sd_i
            FROM app_user u JOIN sd ON sd.code = u.area_code WHERE u.role = 'VOLUNTEER'""")
        nvol = await conn.fetchval("SELECT count(*) FROM vol")
        for first in range(1, cases + 1, BATCH):
            last = min(first + BATCH - 1, cases)
            await conn.execute(CASES_SQL, first, last, now, nvol)
            print(f"  cases {last:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        await conn.execute(REFERRALS_SQL)
        print(f"  referrals ({time.perf_counter() - started:.0f} s)", flush=True)
        await conn.execute("VACUUM ANALYZE")
        n_cases = await conn.fetchval("SELECT count(*) FROM case_file")
        n_refs = await conn.fetchval("SELECT count(*) FROM referral")
        mix = await conn.fetch("""SELECT round(100.0 * avg((status IN ('NEW','ROUTED','IN_PROGRESS'))::int), 1) AS open,
                                         round(100.0 * avg((escalation_level > 0)::int), 1) AS escalated,
                                         count(DISTINCT province_code) AS provinces,
                                         count(DISTINCT category_code) AS categories FROM case_file""")
        print(f"  {n_cases:,} cases, {n_refs:,} referrals, {nvol:,} volunteers; "
              f"open {mix[0]['open']} %, escalated {mix[0]['escalated']} %, "
              f"{mix[0]['provinces']} provinces, {mix[0]['categories']} problem types "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        return int(n_cases)
    finally:
        await conn.close()


CASES_SQL = """
INSERT INTO case_file (id, reference, fiscal_year, category_code, description, subdistrict_code,
    district_code, province_code, priority, status, shared_with_volunteers, filed_by_id, captured_at,
    received_at, updated_at, resolved_at, closed_at, escalation_level, version, legal_hold,
    citizen_contact_preference, citizen_consent_at, outcome, amount_recovered_thb, satisfaction)
SELECT x.id,
       left(sd.code, 2) || '-' || x.fy || '-' || lpad(x.g::text, 8, '0'),
       x.fy, cat.code, s.description, sd.code, left(sd.code, 4), left(sd.code, 2), cat.priority,
       x.status, false, vol.id, x.received, x.received, x.received + interval '1 hour',
       CASE WHEN x.status IN ('RESOLVED', 'CLOSED') THEN x.received + x.resolve_after END,
       CASE WHEN x.status = 'CLOSED' THEN x.received + x.resolve_after + interval '14 days' END,
       x.level, 1, false, 'VIA_VOLUNTEER', x.received,
       CASE WHEN x.status IN ('RESOLVED', 'CLOSED') THEN 'RESOLVED' END,
       CASE WHEN x.status IN ('RESOLVED', 'CLOSED') AND cat.code IN ('UNPAID_WAGES', 'UNFAIR_DISMISSAL', 'WORK_INJURY')
            THEN round((x.ramt * 60000)::numeric, 2) END,
       CASE WHEN x.status IN ('RESOLVED', 'CLOSED') AND x.rsat < 0.7 THEN 1 + floor(x.rsat / 0.14)::int END
FROM (
  SELECT y.*, extract(year FROM (y.received AT TIME ZONE 'Asia/Bangkok') + interval '3 months')::int + 543 AS fy
  FROM (
    SELECT g, gen_random_uuid() AS id, rc, rv, ramt, rsat,
           CASE WHEN rst < 0.01 THEN 'NEW' WHEN rst < 0.05 THEN 'ROUTED' WHEN rst < 0.12 THEN 'IN_PROGRESS'
                WHEN rst < 0.20 THEN 'RESOLVED' ELSE 'CLOSED' END AS status,
           CASE WHEN rst < 0.12 THEN $3::timestamptz - rt * interval '150 days'
                ELSE $3::timestamptz - interval '70 days' - rt * interval '1000 days' END AS received,
           interval '1 day' * (3 + floor(rr * 60)) AS resolve_after,
           CASE WHEN re < 0.03 THEN 1 + floor(re / 0.01)::int ELSE 0 END AS level
    FROM (SELECT g, random() AS rc, random() AS rv, random() AS ramt, random() AS rsat,
                 random() AS rst, random() AS rt, random() AS rr, random() AS re
          FROM generate_series($1::int, $2::int) g) r
  ) y
) x
JOIN vol ON vol.i = 1 + floor(x.rv * $4)::int
JOIN sd ON sd.i = vol.sd_i  -- a volunteer files in their own sub-district
JOIN cat ON x.rc >= cat.lo AND x.rc < cat.hi
JOIN sample_count sc ON sc.category = cat.code
JOIN sample s ON s.category = cat.code AND s.k = 1 + (x.g % sc.n)
"""

REFERRALS_SQL = """
WITH legs AS (
  -- every case's current leg to its problem type's office
  SELECT c.id AS case_id, cat.agency || '-' || c.province_code AS unit, c.status AS case_status,
         c.received_at AS made, c.resolved_at, true AS is_current, false AS redirected
  FROM case_file c JOIN cat ON cat.code = c.category_code
  UNION ALL  -- ~10 %: a second leg to the Social Security Office of the province
  SELECT c.id, 'SSO-' || c.province_code, c.status, c.received_at + interval '2 hours', c.resolved_at, true, false
  FROM case_file c WHERE random() < 0.10 AND c.category_code NOT IN ('WORK_INJURY', 'SOCIAL_SECURITY_BENEFITS', 'SECTION_40')
  UNION ALL  -- ~3 %: a first leg to the Provincial Labour Office that was redirected
  SELECT c.id, 'OPS-' || c.province_code, 'REDIRECTED', c.received_at - interval '1 day', NULL, false, true
  FROM case_file c WHERE random() < 0.03
)
INSERT INTO referral (id, case_id, org_unit_code, status, is_current, created_at, updated_at,
    accepted_at, completed_at, accept_due_at, resolve_due_at, next_due_at, escalation_level, held_days,
    hold_reminded, version, outcome)
SELECT gen_random_uuid(), l.case_id, l.unit, l.status, l.is_current, l.made, l.made + interval '1 hour',
       CASE WHEN l.status IN ('ACCEPTED', 'ON_HOLD', 'COMPLETED') THEN l.made + l.accept_after END,
       CASE WHEN l.status = 'COMPLETED' THEN greatest(l.resolved_at, l.made + l.accept_after) END,
       l.made + interval '2 days', l.made + interval '42 days',
       -- the running deadline of a current leg: acceptance while pending, resolution while accepted
       CASE WHEN NOT l.is_current THEN NULL WHEN l.status = 'PENDING' THEN l.made + interval '2 days'
            WHEN l.status = 'ACCEPTED' THEN l.made + interval '42 days' END,
       0, 0, false, 1,
       CASE WHEN l.status = 'COMPLETED' THEN 'RESOLVED' END
FROM (
  SELECT legs.*, interval '1 minute' * floor(random() * 4320) AS accept_after,
         CASE WHEN redirected THEN 'REDIRECTED'
              WHEN case_status = 'NEW' THEN 'REJECTED'
              WHEN case_status = 'ROUTED' THEN 'PENDING'
              WHEN case_status = 'IN_PROGRESS' THEN CASE WHEN random() < 0.1 THEN 'ON_HOLD' ELSE 'ACCEPTED' END
              ELSE 'COMPLETED' END AS status
  FROM legs
) l
"""


async def prepare_users(url: str, now: datetime) -> None:
    await asyncio.to_thread(upgrade, url)
    db = open_database(url)
    try:
        async with UnitOfWork(db) as uow:
            await load_reference_data(uow.session)
            await create_user(uow.session, NewUser("sup.bench", PASSWORD, "ผู้กำกับดูแล ส่วนกลาง",
                                                   Role.SUPERVISOR), now)
    finally:
        await db.dispose()


def _graphql_figures(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(r["keys"][0]["code"], r["keys"][1]["code"]): (
        r["caseCount"], r["referralCount"], r["acceptedWithinDeadline"], r["acceptanceCounted"],
        r["resolvedWithinDeadline"], r["resolutionCounted"], r["medianBusinessDaysToAccept"],
        r["p90BusinessDaysToAccept"], r["medianBusinessDaysToResolve"], r["p90BusinessDaysToResolve"],
        (r["openByAge"]["days0To7"], r["openByAge"]["days8To30"], r["openByAge"]["days31To60"],
         r["openByAge"]["over60Days"]), r["amountRecoveredThb"], r["satisfactionCount"]) for r in rows}


def _sql_figures(records: list[asyncpg.Record]) -> dict[tuple[str, str], tuple[Any, ...]]:
    def days(values: list[float] | None, i: int) -> float | None:
        return rules.business_days(values[i]) if values else None

    return {(r["k1"], r["k2"]): (
        r["cases"], r["referrals"], r["accepted_on_time"], r["accept_counted"], r["resolved_on_time"],
        r["resolve_counted"], days(r["accept_p"], 0), days(r["accept_p"], 1), days(r["resolve_p"], 0),
        days(r["resolve_p"], 1), (r["open_0_7"], r["open_8_30"], r["open_31_60"], r["open_over_60"]),
        f"{r['baht']:.2f}", r["satisfaction_count"]) for r in records}


async def measure(url: str, rounds: int, now: datetime, checks: Checks) -> list[tuple[str, float, float]]:
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(48), env="production")
    app = create_app(settings, clock=lambda: now, freeze_startup=True)  # as `khortor serve` makes it
    b7, b30, b60 = rules.age_bounds(now)
    key = rules.calendar_key(government_calendar(), date(CALENDAR_YEARS.start, 1, 1),
                             date(CALENDAR_YEARS.stop - 1, 12, 31))  # no admin changes here
    raw = await asyncpg.connect(plain_dsn(url))
    await raw.execute("SET work_mem = '64MB'")  # the same sort memory the app's stats queries ask for
    results = []
    try:
        n_cases = await raw.fetchval("SELECT count(*) FROM case_file")
        n_refs = await raw.fetchval("SELECT count(*) FROM referral")
        checks.check(n_cases > 0 and n_refs > 0, f"nothing to count: {n_cases} cases, {n_refs} referrals")
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
                login = await http.post("/graphql", json={"query": """mutation { login(username: "sup.bench",
                    password: "%s") { ... on LoginSuccess { token } } }""" % PASSWORD})
                token = login.json()["data"]["login"]["token"]
                headers = {"Authorization": f"Bearer {token}"}

                async def graphql(group_by: list[str]) -> list[dict[str, Any]]:
                    response = await http.post("/graphql", headers=headers,
                                               json={"query": GRAPHQL, "variables": {"groupBy": group_by}})
                    body = response.json()
                    assert "errors" not in body, body
                    rows: list[dict[str, Any]] = body["data"]["caseStats"]["rows"]
                    return rows

                for name, keys in KEYS.items():
                    group_by = name.split(",")
                    sql = RAW_SQL.format(keys=keys)
                    # Warm both (and fill the business-day table on the first GraphQL call).
                    g_rows = await graphql(group_by)
                    s_rows = await raw.fetch(sql, b7, b30, b60, now, key)
                    same = checks.check(_graphql_figures(g_rows) == _sql_figures(s_rows),
                                        f"caseStats by {name}: GraphQL and SQL give different figures")
                    g_cases, g_refs = (sum(r[k] for r in g_rows) for k in ("caseCount", "referralCount"))
                    checks.check(g_cases == n_cases and g_refs == n_refs,
                                 f"caseStats by {name}: groups add up to {g_cases} cases and {g_refs} "
                                 f"referrals; the database holds {n_cases} and {n_refs}")
                    g_times, s_times = [], []
                    for _ in range(rounds):
                        t = time.perf_counter()
                        await graphql(group_by)
                        g_times.append(time.perf_counter() - t)
                        t = time.perf_counter()
                        await raw.fetch(sql, b7, b30, b60, now, key)
                        s_times.append(time.perf_counter() - t)
                    g, s = statistics.median(g_times), statistics.median(s_times)
                    print(f"caseStats by {name.replace(',', ' × ').lower():<18} {len(g_rows):>4} groups  "
                          f"GraphQL {g * 1000:8.0f} ms   SQL {s * 1000:8.0f} ms   ratio {g / s:5.2f}   "
                          f"same figures: {same}", flush=True)
                    if not same:
                        gf, sf = _graphql_figures(g_rows), _sql_figures(s_rows)
                        diff = [k for k in set(gf) | set(sf) if gf.get(k) != sf.get(k)][:3]
                        for k in diff:
                            print("   differs:", k, gf.get(k), sf.get(k))
                    results.append((name, g, s))
    finally:
        await raw.close()
    return results


# --- rollups against the live path ----------------------------------------------------------------

CASE_FIELDS = ("caseCount amountRecoveredThb satisfactionCount meanSatisfaction escalatedOpenCaseCount "
               "openByAge { days0To7 days8To30 days31To60 over60Days }")
DESK_FIELDS = ("caseCount referralCount acceptedWithinDeadline acceptanceCounted resolvedWithinDeadline "
               "resolutionCounted overdueReferralCount")
MONTH_FIELDS = "referralCount acceptedWithinDeadline acceptanceCounted overdueReferralCount"
TOTAL_FIELDS = (CASE_FIELDS + " referralCount acceptedWithinDeadline acceptanceCounted overdueReferralCount "
                "medianBusinessDaysToAccept p90BusinessDaysToAccept "
                "medianBusinessDaysToResolve p90BusinessDaysToResolve")
ROLLUP_QUERY = """query Q($groupBy: [CaseDimension!]!, $filter: CaseFilterInput, $from: DateTime, $to: DateTime) {
  caseStats(groupBy: $groupBy, filter: $filter, filedFrom: $from, filedTo: $to) { source rows { keys { code } %s } }
}"""
F = Figure


def fiscal_bounds(fy: int) -> tuple[datetime, datetime]:
    """The instants a fiscal year (B.E.) starts and ends, Bangkok time."""
    start = datetime(fy - 543 - 1, 10, 1, tzinfo=UTC) - timedelta(hours=7)
    return start, datetime(fy - 543, 10, 1, tzinfo=UTC) - timedelta(hours=7)


async def dashboard_questions(raw: asyncpg.Connection, now: datetime) -> list[tuple[str, Any, ...]]:
    province = await raw.fetchval("SELECT province_code FROM case_file GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    district = await raw.fetchval("SELECT district_code FROM case_file WHERE province_code = $1 "
                                  "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", province)
    fy = fiscal_year_be(now)
    return [  # (label, groupBy, filter, period, GraphQL fields, figures)
        ("national: province × status", ["PROVINCE", "STATUS"], {}, (None, None), CASE_FIELDS,
         frozenset({F.CASES, F.AGES})),
        (f"province {province}: district × problem type", ["DISTRICT", "CATEGORY"], {"provinceCode": province},
         (None, None), DESK_FIELDS, frozenset({F.CASES, F.REFERRALS, F.NOW})),
        (f"FY {fy}: month × agency", ["MONTH", "AGENCY"], {}, fiscal_bounds(fy), MONTH_FIELDS,
         frozenset({F.REFERRALS, F.NOW})),
        (f"drill-down: district {district}, unpaid wages, FY {fy - 1}", [],
         {"districtCode": district, "categoryCode": ["UNPAID_WAGES"]}, fiscal_bounds(fy - 1), DESK_FIELDS,
         frozenset({F.CASES, F.REFERRALS, F.NOW})),
        ("national dashboard: the total, all time", [], {}, (None, None), TOTAL_FIELDS, ALL_FIGURES),
        (f"province {province} dashboard: the total, FY {fy - 1}", [], {"provinceCode": province},
         fiscal_bounds(fy - 1), TOTAL_FIELDS, ALL_FIGURES),
    ]


def _differences(figures: frozenset[Figure], rolled: tuple[dict, dict], live: tuple[dict, dict]) -> list[str]:
    """What differs between the rollups' figures and the live path's (percentiles: beyond the bound)."""
    out = [f"{d.figure} {d.group}" for d in maintenance.compare("", (), figures, rolled, live)]
    if F.DURATIONS in figures:
        for key, r in rolled[1].items():
            lv = live[1].get(key)
            for name in ("accept_p50", "accept_p90", "resolve_p50", "resolve_p90"):
                a, b = getattr(r, name), getattr(lv, name, None)
                if (a is None) != (b is None) or (a is not None and abs(a - b) > BOUND_SECONDS):
                    out.append(f"{name} {key}: {a} vs {b}")
    return out


NETWORK = {
    "volunteerActivity, national": ("query { volunteerActivity(first: 50) { volunteerCount inactive30Days "
                                    "volunteers { username casesFiled openCases lastActivityAt } } }"),
    "networkCoverage, national": ("query { networkCoverage { total { subdistrictCount coveredCount } "
                                  "provinces { code coveredCount } } }"),
}


async def _network(http: httpx.AsyncClient, headers: dict[str, str], db: Any, reader: Principal, rounds: int,
                   live_rounds: int, checks: Checks) -> None:
    """volunteerActivity and networkCoverage through GraphQL (from the rollups) beside their live
    reads in process, the figures compared."""
    for label, query in NETWORK.items():
        times = []
        for i in range(rounds + 1):
            t = time.perf_counter()
            answer = (await http.post("/graphql", headers=headers, json={"query": query})).json()
            if i:
                times.append(time.perf_counter() - t)
        assert "errors" not in answer, answer
        live_times = []
        for _ in range(live_rounds):
            t = time.perf_counter()
            async with db.report_sessions() as session:
                if label.startswith("volunteer"):
                    live = await network_repository.volunteer_figures(session, reader, None, None, None)
                else:
                    live = await network_repository.covered_subdistricts(session, "")
            live_times.append(time.perf_counter() - t)
        async with db.report_sessions() as session:
            if label.startswith("volunteer"):
                rolled = await volunteer_rollups.volunteer_figures(session, reader, None, None, None)
            else:
                rolled = await volunteer_rollups.covered_subdistricts(session, "")
        same = rolled == live
        checks.check(same, f"{label}: rollups and live differ")
        p50, p95 = statistics.median(times), sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)]
        lv = statistics.median(live_times)
        print(f"{label:<48} {'':>6}  {p50 * 1000:8.1f} ms {p95 * 1000:6.1f} ms  {lv * 1000:8.0f} ms "
              f"(the read alone)  {same}", flush=True)


async def measure_rollups(url: str, rounds: int, live_rounds: int, now: datetime, checks: Checks) -> None:
    """Each dashboard question through the real GraphQL endpoint (answered from the rollups) and
    through the live path in process, the figures compared."""
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(48), env="production")
    app = create_app(settings, clock=lambda: now, freeze_startup=True)  # as `khortor serve` makes it
    db = open_database(url)
    raw = await asyncpg.connect(plain_dsn(url))
    calendar = government_calendar()
    try:
        started = time.perf_counter()
        cells = await maintenance.rebuild_all(db, calendar, now)
        print(f"khortor rebuild-stats: {time.perf_counter() - started:.1f} s; cells "
              + ", ".join(f"{k.removeprefix('stats_')} {v:,}" for k, v in cells.items()), flush=True)
        key = await service.ensure_calendar(db, calendar)
        async with db.read_sessions() as session:
            user = await users_repo.by_username(session, "sup.bench")
        assert user is not None
        reader = Principal.of(user)
        questions = await dashboard_questions(raw, now)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
                login = await http.post("/graphql", json={"query": """mutation { login(username: "sup.bench",
                    password: "%s") { ... on LoginSuccess { token } } }""" % PASSWORD})
                headers = {"Authorization": f"Bearer {login.json()['data']['login']['token']}"}
                print(f"{'dashboard question':<48} {'groups':>6}  {'rollup p50':>10} {'p95':>8}  "
                      f"{'live p50':>10}  {'× faster':>8}  same", flush=True)
                for label, group_by, filt, period, fields, figures in questions:
                    variables = {"groupBy": group_by, "filter": filt or None,
                                 "from": period[0].isoformat() if period[0] else None,
                                 "to": period[1].isoformat() if period[1] else None}
                    body = {"query": ROLLUP_QUERY % fields, "variables": variables}
                    times = []
                    for i in range(rounds + 1):
                        t = time.perf_counter()
                        answer = (await http.post("/graphql", headers=headers, json=body)).json()
                        if i:  # the first one warms the caches
                            times.append(time.perf_counter() - t)
                    assert "errors" not in answer, answer
                    stats = answer["data"]["caseStats"]
                    checks.check(stats["source"] == "ROLLUP", f"{label}: answered {stats['source']}, not ROLLUP")
                    f = CaseFilter(area_code=filt.get("districtCode") or filt.get("provinceCode"),
                                   category_codes=tuple(filt.get("categoryCode", ())))
                    dims = tuple(CaseDimension(d) for d in group_by)
                    live_times = []
                    for _ in range(live_rounds):
                        t = time.perf_counter()
                        live = await service.live_figures(db, reader, f, dims, now, key, period, figures,
                                                          db.report_sessions)
                        live_times.append(time.perf_counter() - t)
                    q = rollups.Question(reader, f, dims, figures, period, now)
                    async with db.read_transactions() as session:
                        await service.one_snapshot(session)
                        rolled = await rollups.answer(session, q, key)
                    assert rolled is not None
                    differ = _differences(figures, rolled, live)
                    checks.check(not differ, f"{label}: rollups and live differ: {differ[:3]}")
                    p50, p95 = statistics.median(times), sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)]
                    lv = statistics.median(live_times)
                    print(f"{label:<48} {len(stats['rows']):>6}  {p50 * 1000:8.1f} ms {p95 * 1000:6.1f} ms  "
                          f"{lv * 1000:8.0f} ms  {lv / p50:8.0f}  {not differ}", flush=True)
                await _network(http, headers, db, reader, rounds, live_rounds, checks)
    finally:
        await raw.close()
        await db.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="of the live GraphQL and hand-written SQL")
    parser.add_argument("--rollup-rounds", type=int, default=40, help="of each dashboard question from the rollups")
    parser.add_argument("--live-rounds", type=int, default=2, help="of each dashboard question, live")
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--server", default=default_server("postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server (and a database on it to connect to for CREATE DATABASE)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--reuse", help="time an existing bench database (a URL printed by --keep)")
    args = parse_args(parser, {"cases": 2_000, "rounds": 1, "volunteers": 50, "rollup_rounds": 2, "live_rounds": 1})
    checks = Checks()
    if args.reuse:
        now = datetime.now(UTC).replace(microsecond=0)
        await measure_rollups(args.reuse, args.rollup_rounds, args.live_rounds, now, checks)
        if args.rounds:
            await measure(args.reuse, args.rounds, now, checks)
        return checks.exit_code()
    now = datetime.now(UTC).replace(microsecond=0)
    async with scratch_database(args.server, keep=args.keep) as (name, url):
        print(f"database {name}: generating {args.cases:,} cases", flush=True)
        await prepare_users(url, now)
        generated = await generate(plain_dsn(url), args.cases, args.volunteers, now)
        checks.check(generated == args.cases, f"generated {generated} cases, asked for {args.cases}")
        await measure_rollups(url, args.rollup_rounds, args.live_rounds, now, checks)
        if args.rounds:
            await measure(url, args.rounds, now, checks)
        if args.keep:
            print("kept:", url)
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
