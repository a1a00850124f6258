"""kombu's Redis transport, with one fix: a channel closed after its connection was torn
down does not crash the worker.

When Redis goes away while the worker's consumer waits in BRPOP, Celery collects and closes
the broken connection; the consumer's channel is left open (closing it needed Redis), and the
connection forgets its address. When Celery later closes that channel, kombu restores the
messages it had delivered and not acknowledged, through a new pool built from the forgotten
address: `AttributeError: 'NoneType' object has no attribute 'hostname'`, which Celery calls
an unrecoverable error, and the worker process exits (kombu 5.7.0; seen in CI about once in
several runs of tests/workers/test_beat_outage.py).

Here such a restore is skipped with one line in the log. Nothing is lost: the messages stay
in Redis's unacknowledged set, and the live channel puts them back after the visibility
timeout; long before that the outbox hands its jobs over again (domain/outbox), and the beat
runs every sweep again. If Redis restarted empty, there was nothing left to restore anyway.

It is used for `redis://` URLs (workers/celery_app.py); `rediss://`, Sentinel and socket URLs
keep kombu's own transport (kombu turns TLS on by default only for its `rediss` transport).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis as kombu_redis

logger = logging.getLogger("khortor.broker")


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> Any:
        transport = self.channel.connection
        if client is None and (transport is None or transport.client is None):
            if self._delivered:
                logger.warning("%d unacknowledged message(s) were not restored at once: the broker "
                               "connection had closed; Redis restores them after the visibility "
                               "timeout", len(self._delivered))
            self._delivered.clear()
            return None
        return super().restore_unacked(client)


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel
