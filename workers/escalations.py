"""Escalation tasks: thin sync shims over the async domain services (convention 8)."""

from __future__ import annotations

from workers import handlers
from workers.celery_app import app
from workers.runtime import run


@app.task(name="escalations.sweep")
def sweep() -> int:
    """Select the referrals with a level due and fan out one `escalations.escalate` each."""
    jobs = run(handlers.escalation_sweep)
    for job in jobs:
        escalate.apply_async(kwargs=job.ids)
    return len(jobs)


@app.task(name="escalations.escalate")
def escalate(referral_id: str, outbox_id: int | None = None) -> int:
    """Fire the due levels of one referral; exactly once each (unique key)."""
    return int(run(lambda rt: handlers.run_job(rt, "escalations.escalate",
                                               {"referral_id": referral_id}, outbox_id)) or 0)
