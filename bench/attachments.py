"""Photo uploads through the real HTTP path: throughput and server CPU per MB, the filesystem
blob store beside the S3 store (issue 14).

Generates `--photos` JPEG photos (1600×1200, noise so they do not compress to nothing, about
250 KB each, the size the web client sends after shrinking), then for each store starts a
`khortor serve` process (uvicorn, one process, the embedded worker) on a scratch PostgreSQL
database of its own server, signs in as the demo volunteer, files cases (25 photos a case,
under the 30-file limit) and uploads every photo with the tus 1.0 protocol the web client
uses: `POST /uploads` (creation), then `PATCH /uploads/<id>` with the bytes (the whole file in
one PATCH, as tus-js-client sends it, or `--chunk-kb` pieces). The server checks, re-encodes,
seals and stores each photo before it answers the last PATCH, so the time and CPU measured
are the whole path. The S3 store talks to moto's standalone server (a process on loopback,
tests/s3server.py): a stand-in for MinIO or a cloud's S3, whose own CPU is shown apart.

Server CPU is the API process's user + system time (/proc) over the measured uploads,
divided by the megabytes sent (MB = 10^6 bytes). `--warmup` uploads first go untimed.

    .venv/bin/python bench/attachments.py [--photos 100] [--concurrency 1] [--chunk-kb 0]
                                          [--stores filesystem,s3] [--warmup 2] [--smoke]

Checks in every run (exit 1 when one fails): every upload finishes with an attachment id;
each case lists exactly the attachments uploaded to it (GraphQL); the store holds one blob per
attachment plus one per thumbnail, none of them readable as a JPEG (sealed); no unfinished
upload is left in the incoming directory; the S3 run wrote no blob to the filesystem.
`--smoke` (3 photos each, 1 warm-up) is what CI runs (tests/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import math
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import httpx
from benchkit import Checks, default_server, parse_args, scratch_database
from loadtest.clients import LOGIN, OPEN_CASE, national_id
from loadtest.seed import descriptions
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the test helpers below, when run without PYTHONPATH

from domain.demo import DEMO_PASSWORD  # noqa: E402
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, MotoServer, moto_process, new_store, s3_settings  # noqa: E402
from tests.servers import descendants, khortor_env, khortor_serving  # noqa: E402

VOLUNTEER = "vol.naimueang"
AREA = "430101"  # the volunteer's sub-district, Nong Khai
CATEGORY = "UNPAID_WAGES"
PER_CASE = 25  # under the 30-file limit of a case
TUS = {"Tus-Resumable": "1.0.0"}
BUCKET = "khortor-bench"
STORES = ("filesystem", "s3")
CASE_ATTACHMENTS = """query Attached($id: ID!) { case(id: $id) {
  id attachments { id kind sizeBytes contentType hasThumbnail } } }"""


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100, help="photos uploaded to each store (default 100)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed uploads before them (default 2)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="uploads in flight at once (default 1: a volunteer's outbox sends one by one)")
    parser.add_argument("--chunk-kb", type=int, default=0,
                        help="bytes per PATCH in KB; 0 (default): the whole file in one PATCH")
    parser.add_argument("--stores", default="filesystem,s3", help="comma-separated: filesystem, s3")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server logs)")
    args = parse_args(parser, {"photos": 3, "warmup": 1}, argv)
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not args.stores or any(s not in STORES for s in args.stores):
        parser.error("--stores: filesystem, s3 or both")
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def photo(seed: int) -> bytes:
    """A 1600×1200 JPEG of about 250 KB: a smooth random picture with grain on it."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (32, 24), rng.randbytes(32 * 24 * 3))
    picture = small.resize((1600, 1200), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((1600, 1200), 64).convert("RGB")
    out = io.BytesIO()
    Image.blend(picture, grain, 0.05 + 0.02 * rng.random()).save(out, "JPEG", quality=80)
    return out.getvalue()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and the processes below it (/proc)."""
    ticks = 0
    for each in (pid, *descendants(pid)):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def metadata(**values: str) -> str:
    """tus Upload-Metadata: `key base64(value)` pairs, comma-separated."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


@dataclass
class Upload:
    case_id: str
    data: bytes
    attachment_id: str | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Run:
    store: str
    uploads: list[Upload] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    s3_cpu: float | None = None
    expected_blobs: int = 0  # the attachments listed and their thumbnails

    @property
    def megabytes(self) -> float:
        return sum(len(u.data) for u in self.uploads) / 1e6


async def sign_in(http: httpx.AsyncClient) -> dict[str, str]:
    answer = (await http.post("/graphql", json={"query": LOGIN, "variables": {
        "u": VOLUNTEER, "p": DEMO_PASSWORD}})).json()
    return {"Authorization": f"Bearer {answer['data']['login']['token']}"}


async def open_cases(http: httpx.AsyncClient, auth: dict[str, str], count: int, rng: random.Random) -> list[str]:
    texts = descriptions()[CATEGORY]
    ids = []
    for i in range(count):
        payload = {"clientId": str(uuid.uuid4()), "categoryCode": CATEGORY, "subdistrictCode": AREA,
                   "description": texts[i % len(texts)],
                   "citizen": {"fullName": f"ผู้ทดสอบ ไฟล์แนบ{i}", "nationalId": national_id(rng), "consent": True}}
        answer = (await http.post("/graphql", headers=auth, json={
            "query": OPEN_CASE, "variables": {"input": payload}})).json()
        result = answer["data"]["openCase"]
        if result["__typename"] != "OpenCaseSuccess":
            raise RuntimeError(f"a case was refused: {result}")
        ids.append(result["case"]["id"])
    return ids


async def upload(http: httpx.AsyncClient, auth: dict[str, str], item: Upload, name: str, chunk: int) -> None:
    """One photo, the tus way: creation, then PATCH until the offset reaches the length."""
    started = time.perf_counter()
    created = await http.post("/uploads", headers={
        **auth, **TUS, "Upload-Length": str(len(item.data)),
        "Upload-Metadata": metadata(filename=name, filetype="image/jpeg", case=item.case_id,
                                    clientId=str(uuid.uuid4()))})
    if created.status_code != 201:
        item.error = f"POST /uploads: {created.status_code} {created.text[:200]}"
        return
    location = created.headers["Location"]
    offset = 0
    while offset < len(item.data):
        piece = item.data[offset:offset + (chunk or len(item.data))]
        answer = await http.patch(location, content=piece, headers={
            **auth, **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        if answer.status_code != 204:
            item.error = f"PATCH at {offset}: {answer.status_code} {answer.text[:200]}"
            return
        offset = int(answer.headers["Upload-Offset"])
    item.attachment_id = answer.headers.get("Khortor-Attachment-Id")
    item.seconds = time.perf_counter() - started
    if item.attachment_id is None:
        item.error = "the last PATCH named no attachment (Khortor-Attachment-Id)"


async def upload_all(http: httpx.AsyncClient, auth: dict[str, str], items: list[Upload], concurrency: int,
                     chunk: int, first: int) -> None:
    gate = asyncio.Semaphore(max(concurrency, 1))

    async def one(i: int, item: Upload) -> None:
        async with gate:
            await upload(http, auth, item, f"photo-{first + i:03d}.jpg", chunk)

    await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))


async def measure(base: str, pid: int, moto: MotoServer | None, store: str, photos: list[bytes],
                  args: argparse.Namespace, report: Checks) -> Run:
    rng = random.Random(f"{args.seed}-{store}")  # citizens of their own: no duplicate-case warning
    run = Run(store)
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        auth = await sign_in(http)
        total = args.warmup + len(photos)
        cases = await open_cases(http, auth, math.ceil(total / PER_CASE), rng)
        items = [Upload(cases[i // PER_CASE], photos[(i - args.warmup) % len(photos)]) for i in range(total)]
        warmup, run.uploads = items[:args.warmup], items[args.warmup:]
        await upload_all(http, auth, warmup, 1, args.chunk_kb * 1024, 0)
        cpu, moto_cpu, started = cpu_seconds(pid), moto and cpu_seconds(moto.process.pid), time.perf_counter()
        await upload_all(http, auth, run.uploads, args.concurrency, args.chunk_kb * 1024, args.warmup)
        run.seconds = time.perf_counter() - started
        run.server_cpu = cpu_seconds(pid) - cpu
        if moto is not None and moto_cpu is not None:
            run.s3_cpu = cpu_seconds(moto.process.pid) - moto_cpu
        errors = [u.error for u in items if u.error]
        report.check(not errors, f"{store}: {len(errors)} of {len(items)} uploads failed; the first: "
                                 f"{errors[0] if errors else ''}")
        ids = {u.attachment_id for u in items if u.attachment_id}
        report.check(len(ids) == len(items) or bool(errors), f"{store}: attachment ids repeat")
        listed: dict[str, dict[str, Any]] = {}
        for case_id in cases:
            answer = (await http.post("/graphql", headers=auth, json={
                "query": CASE_ATTACHMENTS, "variables": {"id": case_id}})).json()
            if not report.check("errors" not in answer, f"{store}: case attachments query: {answer.get('errors')}"):
                break
            attached = {a["id"]: a for a in answer["data"]["case"]["attachments"]}
            expected = {u.attachment_id for u in items if u.case_id == case_id and u.attachment_id}
            report.check(set(attached) == expected,
                         f"{store}: case {case_id} lists {len(attached)} attachments, {len(expected)} uploaded")
            listed.update(attached)
        report.check(all(a["kind"] == "PHOTO" and a["sizeBytes"] > 0 for a in listed.values()),
                     f"{store}: an attachment is not a photo or is empty")
        run_blobs = len(listed) + sum(1 for a in listed.values() if a["hasThumbnail"])
        report.facts.append(f"{store}: {len(listed)} attachments listed, {run_blobs - len(listed)} with a "
                            f"thumbnail; stored photos {sum(a['sizeBytes'] for a in listed.values()) / 1e6:.1f} MB "
                            f"(sent {sum(len(u.data) for u in items) / 1e6:.1f} MB)")
        run.expected_blobs = run_blobs
    return run


def check_filesystem(directory: Path, expected: int | None, store: str, report: Checks) -> None:
    blobs = [p for p in (directory / "blobs").rglob("*") if p.is_file()] if (directory / "blobs").exists() else []
    incoming = [p for p in (directory / "incoming").rglob("*") if p.is_file()] \
        if (directory / "incoming").exists() else []
    report.check(not incoming, f"{store}: {len(incoming)} unfinished upload files left in incoming/")
    if expected is None:  # the S3 run: nothing sealed on the local disk
        report.check(not blobs, f"{store}: {len(blobs)} blobs written to the filesystem")
        return
    report.check(len(blobs) == expected, f"{store}: {len(blobs)} blob files, expected {expected}")
    report.check(not any(_looks_like_jpeg(p.read_bytes()[:4]) for p in blobs), f"{store}: a blob is a plain JPEG")


def check_s3(endpoint: str, expected: int, report: Checks) -> None:
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION,
                                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            for o in page.get("Contents", [])]
    report.check(len(keys) == expected, f"s3: {len(keys)} objects in the bucket, expected {expected}")
    heads = [client.get_object(Bucket=BUCKET, Key=k, Range="bytes=0-3")["Body"].read() for k in keys[:20]]
    report.check(not any(_looks_like_jpeg(h) for h in heads), "s3: an object is a plain JPEG")
    report.check(not client.list_multipart_uploads(Bucket=BUCKET).get("Uploads"), "s3: unfinished multipart uploads")


def _looks_like_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


@contextmanager
def maybe_moto(wanted: bool) -> Iterator[MotoServer | None]:
    if not wanted:
        yield None
        return
    with moto_process() as server:
        yield server


async def bench(args: argparse.Namespace, base: Path) -> int:
    report = Checks()
    log(f"generating {args.photos} photos")
    photos = [photo(args.seed * 1000 + i) for i in range(args.photos)]
    runs: list[Run] = []
    async with scratch_database(default_server()) as (name, url):
        log(f"database {name}")
        with ExitStack() as stack:
            moto = stack.enter_context(maybe_moto("s3" in args.stores))
            for store in args.stores:
                directory = base / store
                settings = {"KHORTOR_ATTACHMENTS_DIR": str(directory)}
                if store == "s3":
                    assert moto is not None
                    settings.update(s3_settings(moto.url, BUCKET))
                    await new_store(moto.url, BUCKET).ensure_bucket()
                log(f"{store}: starting khortor serve")
                with khortor_serving(khortor_env(url, **settings), base / f"{store}-server.log") as served:
                    log(f"{store}: {args.warmup} warm-up + {len(photos)} uploads")
                    run = await measure(served.base, served.process.pid, moto if store == "s3" else None,
                                        store, photos, args, report)
                expected = run.expected_blobs
                check_filesystem(directory, None if store == "s3" else expected, store, report)
                if store == "s3":
                    assert moto is not None
                    check_s3(moto.url, expected, report)
                runs.append(run)
    print_figures(runs, photos, args)
    print("\n== checks")
    for fact in report.facts:
        print(f"  {fact}")
    return report.exit_code()


def print_figures(runs: list[Run], photos: list[bytes], args: argparse.Namespace) -> None:
    sizes = [len(p) for p in photos]
    how = "one upload at a time" if args.concurrency == 1 else f"{args.concurrency} uploads at a time"
    per_patch = "the whole file per PATCH" if not args.chunk_kb else f"{args.chunk_kb} KB per PATCH"
    print(f"\n== attachments: {len(photos)} photos per store, JPEG 1600×1200, mean "
          f"{statistics.mean(sizes) / 1000:.0f} KB ({sum(sizes) / 1e6:.1f} MB), tus POST + PATCH over "
          f"loopback, {how}, {per_patch}; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} (shared machine); MB = 10^6 bytes")
    print(f"{'store':<16}{'photos':>7}{'seconds':>9}{'MB/s':>7}{'photos/s':>10}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'server CPU s':>14}{'CPU ms/MB':>11}")
    for run in runs:
        done = [u.seconds for u in run.uploads if u.attachment_id]
        p50 = statistics.median(done) * 1000 if done else math.nan
        p95 = statistics.quantiles(done, n=20)[-1] * 1000 if len(done) >= 2 else p50
        label = "s3 (moto)" if run.store == "s3" else run.store
        print(f"{label:<16}{len(done):>7}{run.seconds:>9.2f}{run.megabytes / run.seconds:>7.2f}"
              f"{len(done) / run.seconds:>10.1f}{p50:>8.0f}{p95:>8.0f}{run.server_cpu:>14.2f}"
              f"{1000 * run.server_cpu / run.megabytes:>11.0f}")
    for run in runs:
        if run.s3_cpu is not None:
            print(f"the S3 server (moto, a process of its own, not counted above): {run.s3_cpu:.2f} CPU s, "
                  f"{1000 * run.s3_cpu / run.megabytes:.0f} ms/MB")
    if len(runs) == 2:
        fs, s3 = runs
        print(f"{s3.store} / {fs.store}: throughput {(s3.megabytes / s3.seconds) / (fs.megabytes / fs.seconds):.2f}×, "
              f"server CPU per MB {(s3.server_cpu / s3.megabytes) / max(fs.server_cpu / fs.megabytes, 1e-9):.2f}×")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)

    def interrupted(_signum: int, _frame: FrameType | None) -> Any:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    base = Path(tempfile.mkdtemp(prefix="khortor-attachments-"))
    try:
        return asyncio.run(bench(args, base))
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return 130
    finally:
        if args.keep:
            log(f"server logs and blobs kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
