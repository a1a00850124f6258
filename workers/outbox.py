"""The outbox relay: hands committed jobs to the broker (by beat every few seconds, and
kicked after each commit). Publishing failures roll back, so the jobs stay due."""

from __future__ import annotations

from domain.outbox.service import ClaimedJob
from workers import handlers
from workers.celery_app import app
from workers.runtime import run


def _publish(job: ClaimedJob) -> None:
    app.send_task(job.name, kwargs={**job.ids, "outbox_id": job.id}, ignore_result=True)


@app.task(name="outbox.relay")
def relay() -> int:
    return run(lambda rt: handlers.relay(rt, _publish))
