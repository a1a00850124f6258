"""The Celery app: broker and result backend from KHORTOR_REDIS_URL, late acks, and a
locked single beat (celery-redbeat).

    celery -A workers.celery_app worker --loglevel=INFO
    celery -A workers.celery_app beat --loglevel=INFO     # one runs; a second waits on the lock
"""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery
from celery.signals import worker_process_shutdown

from domain.settings import Settings

settings = Settings.from_env()
REDIS_URL = settings.redis_url or "redis://127.0.0.1:6379/0"
PREFIX = settings.redis_prefix
VISIBILITY_TIMEOUT = int(os.environ.get("KHORTOR_VISIBILITY_TIMEOUT", "3600"))
SWEEP = timedelta(seconds=settings.sweep_seconds)

app = Celery("khortor", include=["workers.escalations", "workers.reminders", "workers.notifications",
                                 "workers.outbox"])
app.conf.update(
    broker_url=REDIS_URL,
    result_backend=REDIS_URL,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT, "global_keyprefix": PREFIX},
    result_backend_transport_options={"global_keyprefix": PREFIX},
    broker_connection_retry_on_startup=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_acks_on_failure_or_timeout=False,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    task_ignore_result=True,
    timezone="Asia/Bangkok",
    enable_utc=True,
    worker_hijack_root_logger=False,
    # A locked single beat: a second `beat` waits for the lock instead of doubling schedules.
    beat_scheduler="redbeat.RedBeatScheduler",
    redbeat_redis_url=REDIS_URL,
    redbeat_key_prefix=f"{PREFIX}redbeat",
    redbeat_lock_key=f"{PREFIX}redbeat::lock",
    redbeat_lock_timeout=max(int(settings.sweep_seconds) * 5, 30),
    beat_max_loop_interval=max(min(settings.relay_seconds, 5.0), 1.0),
    beat_schedule={
        "outbox-relay": {"task": "outbox.relay",
                         "schedule": timedelta(seconds=settings.relay_seconds)},
        "escalations-sweep": {"task": "escalations.sweep", "schedule": SWEEP},
        "notifications-sweep": {"task": "notifications.sweep", "schedule": SWEEP},
        "reminders-sweep": {"task": "reminders.sweep", "schedule": SWEEP * 5},
    },
)


@worker_process_shutdown.connect
def _dispose(**_kwargs: object) -> None:
    from workers.runtime import shutdown

    shutdown()


def job_sink() -> object:
    """A JobSink for the API process: after commit, kick the relay (best effort)."""
    from workers.runtime import CeleryJobs

    return CeleryJobs(lambda: app.send_task("outbox.relay", retry=False))
