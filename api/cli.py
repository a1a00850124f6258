"""The `khortor` command: serve, migrate, seed-demo, create-user, new-key, reseal, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from domain.bootstrap import open_database
from domain.attachments import service as attachments
from domain.calendar.service import load_calendar
from domain.cases.citizen import reseal_batch
from domain.uploads import service as uploads
from domain.db import Database
from domain.demo import DEMO_PASSWORD, seed_demo
from domain.demo.cases import Sample, seed_demo_cases
from domain.errors import DomainError
from domain.migrations import upgrade
from domain.reference.load import load_reference_data
from domain.settings import Settings
from domain.stats import maintenance as stats_maintenance
from domain.uow import UnitOfWork
from domain.users.models import Role
from domain.users.service import NewUser, create_user
from domain.vault import new_key

if TYPE_CHECKING:
    from starlette.applications import Starlette

PASSWORD_ENV = "KHORTOR_NEW_USER_PASSWORD"
# The realistic Thai sample cases of the project's shared folder, beside the repository.
DEMO_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample_cases.jsonl"
# What uvicorn imports in each API process of `khortor serve --workers N` (N > 1).
APP_FACTORY = "api.cli:app_factory"
# How long uvicorn's supervisor waits for an API process to answer its ping (or, on SIGHUP,
# for a new one to be ready) before it kills it. Its default, 5 s, is less than an API
# process takes to import and start when several start at once on a busy 2-core machine
# (measured: 5-12 s; it killed one while starting and started another).
HEALTHCHECK_SECONDS = 30
T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"khortor: {error}", file=sys.stderr)
        return 2
    command: Callable[[Settings, argparse.Namespace], int] = args.command
    return command(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="khortor", description="Khortor: case management for the labour-volunteer network."
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate, then serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_process_count, default=1, metavar="N",
                       help="API processes (default 1); more than one needs KHORTOR_REDIS_URL")
    serve.set_defaults(command=cmd_serve)

    migrate = sub.add_parser("migrate", help="upgrade the database and load reference data")
    migrate.set_defaults(command=cmd_migrate)

    seed = sub.add_parser("seed-demo", help="migrate, then add the demo users of Nong Khai "
                                            "(and, with --cases N, demo cases)")
    seed.add_argument("--password", default=DEMO_PASSWORD,
                      help=f"password of every demo user (default {DEMO_PASSWORD})")
    seed.add_argument("--cases", type=_count, default=0, metavar="N",
                      help="also file N demo cases over the past months, when the demo "
                           "volunteers have none (default 0; scripts/run files 40)")
    seed.add_argument("--seed", type=int, default=43, help="random seed of the demo cases (default 43)")
    seed.add_argument("--samples", type=Path, default=None,
                      help=f"the sample cases, JSON lines (default {DEMO_SAMPLES})")
    seed.set_defaults(command=cmd_seed_demo)

    user = sub.add_parser(
        "create-user",
        help=f"add a user; the password comes from ${PASSWORD_ENV} or a prompt",
    )
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--display-name", required=True)
    user.add_argument("--area", help="area code: province (2), district (4) or sub-district (6)")
    user.add_argument("--org-unit", help="office code such as DLPW-43")
    user.add_argument("--email")
    user.add_argument("--mentor", help="username of the volunteer's mentor")
    user.set_defaults(command=cmd_create_user)

    key = sub.add_parser("new-key", help="print a fresh random 256-bit key (base64) for "
                                         "KHORTOR_SECRET_KEY, KHORTOR_DATA_KEYS or "
                                         "KHORTOR_LOOKUP_KEY")
    key.set_defaults(command=cmd_new_key)

    reseal = sub.add_parser("reseal", help="re-seal citizens sealed with an older data key under "
                                           "the current one (after rotating KHORTOR_DATA_KEYS)")
    reseal.set_defaults(command=cmd_reseal)

    rebuild = sub.add_parser("rebuild-stats", help="make the dashboards' rollups again from the cases "
                                                   "(after an upgrade or a bulk load, or to repair drift)")
    rebuild.set_defaults(command=cmd_rebuild_stats)

    export = sub.add_parser("export-schema", help="write the GraphQL schema in SDL")
    export.add_argument("--output", default="schema.graphql", help="a file, or - for stdout")
    export.set_defaults(command=cmd_export_schema)
    return parser


def cmd_new_key(settings: Settings, args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def cmd_reseal(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> tuple[int, int]:
        cases = files = 0
        while done := await _in_uow(db, lambda uow: reseal_batch(uow, settings.vault)):
            cases += done
        # Attachments: the file keys are re-wrapped (and the names re-sealed); blobs stay.
        while done := await _in_uow(db, lambda uow: attachments.reseal(uow, settings.vault, 500)):
            files += done
        while await _in_uow(db, lambda uow: uploads.reseal(uow, settings.vault, 500)):
            pass  # the names of unfinished uploads (they live a day)
        return cases, files

    cases, files = _with_database(settings, work)
    print(f"re-sealed {cases} case(s) and {files} attachment(s) under key "
          f"{settings.vault.current_key_id!r}")
    return 0


def cmd_rebuild_stats(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> dict[str, int]:
        async with db.read_sessions() as session:
            calendar = await load_calendar(session)
        return await stats_maintenance.rebuild_all(db, calendar, datetime.now(UTC))

    counts = _with_database(settings, work)
    print("rebuilt the dashboards' rollups: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    return 0


async def _in_uow(db: Database, work: Callable[[UnitOfWork], Awaitable[int]]) -> int:
    async with UnitOfWork(db) as uow:
        return await work(uow)


def _now() -> datetime:
    return datetime.now(UTC)


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = open_database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def migrate(settings: Settings) -> None:
    """Alembic upgrade to head, then add whatever reference data is missing."""
    upgrade(settings.database_url)

    async def load(db: Database) -> None:
        async with UnitOfWork(db) as uow:
            await load_reference_data(uow.session)

    _with_database(settings, load)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    migrate(settings)
    print("Database migrated; reference data loaded.")
    return 0


def _process_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes (1 or more)")
    return count


def refuse_workers(settings: Settings, workers: int) -> str | None:
    """Why `serve --workers N` cannot run with these settings, or None."""
    if workers > 1 and not settings.redis_url:
        return (f"--workers {workers} needs KHORTOR_REDIS_URL. Without it the workers (outbox "
                "relay, sweeps, reminders) run embedded in the API process, and each of "
                f"{workers} processes would run them. Set KHORTOR_REDIS_URL=redis://... and run "
                "`celery -A workers.celery_app worker` and one `celery -A workers.celery_app "
                "beat` (see Workers in README.md), or serve with --workers 1.")
    return None


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.metrics import multiprocess_directory
    from domain.logs import configure_logging

    refusal = refuse_workers(settings, args.workers)
    if refusal is not None:
        print(f"khortor: {refusal}", file=sys.stderr)
        return 2
    configure_logging(json=settings.log_json, level=settings.log_level)
    migrate(settings)  # once, here, before any API process starts
    # Our handler, not uvicorn's; our access line (RequestObservability), not uvicorn's,
    # which would log the query string and the client address. No proxy headers: uvicorn's
    # would trust X-Forwarded-For from 127.0.0.1 (or $FORWARDED_ALLOW_IPS) and overwrite the
    # peer; the app reads the header itself, from KHORTOR_TRUSTED_PROXIES only
    # (api/users/client_address.py). An idle connection stays open KHORTOR_KEEP_ALIVE_SECONDS,
    # not uvicorn's 5 s (domain/settings.py). Both ways of serving below take these options.
    options: dict[str, Any] = {"host": args.host, "port": args.port, "log_config": None,
                               "access_log": False, "proxy_headers": False,
                               "timeout_keep_alive": settings.keep_alive_seconds}
    if args.workers == 1:
        from api.app import create_app

        uvicorn.run(create_app(settings, freeze_startup=True, **worker_wiring(settings)), **options)
        return 0
    # uvicorn's own supervisor: it binds the socket here, starts N fresh interpreters (spawn)
    # that each call `app_factory`, restarts one that dies and stops them all on SIGTERM or
    # SIGINT. This is `uvicorn.run(APP_FACTORY, factory=True, workers=N)` spelled out so
    # that a process that could not start makes this command fail instead of exiting 0.
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    with multiprocess_directory():  # made before the processes start, removed after they end
        config = uvicorn.Config(APP_FACTORY, factory=True, workers=args.workers,
                                timeout_worker_healthcheck=HEALTHCHECK_SECONDS, **options)
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        print("khortor: an API process failed to start (see the log above)", file=sys.stderr)
        return 1
    return 0


def app_factory() -> Starlette:
    """The app of one API process of `khortor serve --workers N`: uvicorn calls it in each
    process it starts, a fresh interpreter that inherits the environment (and the parent's
    PROMETHEUS_MULTIPROC_DIR). The database was migrated by the parent."""
    from api.app import create_app
    from domain.logs import configure_logging

    try:
        settings = Settings.from_env()
        configure_logging(json=settings.log_json, level=settings.log_level)
        # uvicorn silenced its access logger before calling us; configure_logging made it
        # propagate to our handler again, and uvicorn logs an access line whenever it has one.
        uvicorn_access = logging.getLogger("uvicorn.access")
        uvicorn_access.handlers.clear()
        uvicorn_access.propagate = False
        return create_app(settings, freeze_startup=True, **worker_wiring(settings))
    except Exception:
        # uvicorn's code for "failed before serving": its supervisor stops instead of
        # starting this process again and again.
        from uvicorn.config import STARTUP_FAILURE

        logging.getLogger("khortor.serve").exception("the API process could not start")
        sys.exit(STARTUP_FAILURE)


# An API process kicks the Celery relay at most every 0.2 s (workers/runtime.py CeleryJobs):
# a notification waits at most that much longer, and the workers run one relay, not one per
# filing.
RELAY_KICK_WINDOW = 0.2


def worker_wiring(settings: Settings) -> dict[str, Any]:
    """With KHORTOR_REDIS_URL: jobs go to the Celery workers (run `celery ... worker` and
    `celery ... beat`). Without it: the embedded worker runs the same task code on the same
    schedule inside this process."""
    if settings.redis_url:
        from workers.celery_app import job_sink

        return {"jobs": job_sink(window=RELAY_KICK_WINDOW)}
    from workers.embedded import EmbeddedJobs, embedded_worker

    jobs = EmbeddedJobs()
    return {"jobs": jobs, "background": lambda: embedded_worker(settings, jobs)}


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    samples: list[Sample] = []
    if args.cases:
        path = args.samples or DEMO_SAMPLES
        if not path.is_file():
            print(f"seed-demo: {path} not found: no demo cases filed.", file=sys.stderr)
            if args.samples is not None:
                return 2
        else:
            samples = [Sample.of(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()
                       if line.strip()]
    migrate(settings)

    async def seed(db: Database) -> tuple[list[str], int]:
        async with UnitOfWork(db) as uow:
            created = await seed_demo(uow.session, args.password, _now())
        filed = (await seed_demo_cases(db, samples, args.cases, _now(), settings.vault, args.seed)
                 if samples else 0)
        return created, filed

    created, filed = _with_database(settings, seed)
    if created:
        print(f"Demo users added: {', '.join(created)}.")
    else:
        print("Demo users already present; nothing changed.")
    if filed:
        print(f"Demo cases filed: {filed}.")
    return 0


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _read_password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    password = getpass.getpass("Password for the new user: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise SystemExit("khortor: the passwords differ; nothing was created.")
    return password


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    new = NewUser(username=args.username, password=_read_password(),
                  display_name=args.display_name, role=Role(args.role), area_code=args.area,
                  org_unit_code=args.org_unit, mentor_username=args.mentor, email=args.email)

    async def create(db: Database) -> None:
        async with UnitOfWork(db) as uow:
            await create_user(uow.session, new, _now())

    try:
        _with_database(settings, create)
    except DomainError as error:
        print(f"khortor: {error.message}", file=sys.stderr)
        return 1
    print(f"User {new.username} ({new.role.value}) created.")
    return 0


def cmd_export_schema(_settings: Settings, args: argparse.Namespace) -> int:
    from api.schema import schema

    sdl = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"Schema written to {args.output}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
