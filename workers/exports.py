"""Export tasks: make the CSV file of a large dashboard or case-list export."""

from __future__ import annotations

from domain.stats.exports import JOB_NAME
from workers import handlers
from workers.celery_app import app
from workers.runtime import run


@app.task(name=JOB_NAME)
def generate_export(export_id: str, outbox_id: int | None = None) -> None:
    run(lambda rt: handlers.run_job(rt, JOB_NAME, {"export_id": export_id}, outbox_id))
