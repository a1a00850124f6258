"""Notification tasks: deliver one message over its channel; tell an office of a new
referral; sweep deliveries held for business hours."""

from __future__ import annotations

from typing import Any

from workers import handlers
from workers.celery_app import app
from workers.runtime import run


def _job(name: str, ids: dict[str, Any], outbox_id: int | None) -> Any:
    return run(lambda rt: handlers.run_job(rt, name, ids, outbox_id))


@app.task(name="notifications.sweep")
def sweep() -> int:
    jobs = run(handlers.notification_sweep)
    for job in jobs:
        deliver.apply_async(kwargs=job.ids)
    return len(jobs)


@app.task(name="notifications.deliver")
def deliver(delivery_id: str, outbox_id: int | None = None) -> bool:
    return bool(_job("notifications.deliver", {"delivery_id": delivery_id}, outbox_id))


@app.task(name="notifications.referral_routed")
def referral_routed(referral_id: str, outbox_id: int | None = None) -> int:
    return int(_job("notifications.referral_routed", {"referral_id": referral_id}, outbox_id) or 0)
