"""The PDPA retention tasks: a sweep finds closed cases past the retention period, one job
anonymises each (re-checking it). Thin shims over the async domain services."""

from __future__ import annotations

from workers import handlers
from workers.celery_app import app
from workers.runtime import run


@app.task(name="privacy.retention_sweep")
def retention_sweep() -> int:
    jobs = run(handlers.retention_sweep)
    for job in jobs:
        app.send_task(job.name, kwargs=job.ids, ignore_result=True)
    return len(jobs)


@app.task(name="privacy.anonymise_expired")
def anonymise_expired(case_id: str, outbox_id: int | None = None) -> bool:
    return bool(run(lambda rt: handlers.run_job(rt, "privacy.anonymise_expired",
                                                {"case_id": case_id}, outbox_id)))
