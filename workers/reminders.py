"""Reminder tasks: on-hold reminders, satisfaction requests, closing resolved cases, the
morning digest. Thin shims over the async domain services."""

from __future__ import annotations

from typing import Any

from workers import handlers
from workers.celery_app import app
from workers.runtime import run


def _job(name: str, ids: dict[str, Any], outbox_id: int | None) -> Any:
    return run(lambda rt: handlers.run_job(rt, name, ids, outbox_id))


@app.task(name="reminders.sweep")
def sweep() -> int:
    jobs = run(handlers.reminder_sweep)
    for job in jobs:
        app.send_task(job.name, kwargs=job.ids, ignore_result=True)
    return len(jobs)


@app.task(name="reminders.remind_on_hold")
def remind_on_hold(referral_id: str, outbox_id: int | None = None) -> bool:
    return bool(_job("reminders.remind_on_hold", {"referral_id": referral_id}, outbox_id))


@app.task(name="reminders.ask_satisfaction")
def ask_satisfaction(case_id: str, outbox_id: int | None = None) -> bool:
    return bool(_job("reminders.ask_satisfaction", {"case_id": case_id}, outbox_id))


@app.task(name="reminders.close_resolved")
def close_resolved(case_id: str, outbox_id: int | None = None) -> bool:
    return bool(_job("reminders.close_resolved", {"case_id": case_id}, outbox_id))


@app.task(name="reminders.send_digest")
def send_digest(user_id: str, outbox_id: int | None = None) -> bool:
    return bool(_job("reminders.send_digest", {"user_id": user_id}, outbox_id))
