"""The worker's broker connection outlives Redis going away while it waits for tasks
(workers/broker.py). Real components: a redis-server of the test's own and the Celery app's
own kombu connection, driven through the steps Celery's consumer takes when the connection
breaks: a task delivered and not yet acknowledged, the channel waiting in BRPOP, Redis gone,
the connection collected and closed, and then the channel closed. With kombu's stock Redis
transport the last step raised AttributeError, and the worker process exited."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Message, Queue

from tests.workers.harness import PrivateRedis, client_app, redis_url_or_fail

QUEUE = Queue("broker-test", Exchange("broker-test"), "broker-test")


def deliver_one(connection: Connection) -> tuple[object, list[Message]]:
    """Publish one message, and take it on a channel of its own without acknowledging it."""
    with connection.Producer() as producer:
        producer.publish({"job": "relay"}, exchange=QUEUE.exchange, routing_key="broker-test",
                         declare=[QUEUE])
    channel = connection.channel()
    received: list[Message] = []
    consumer = connection.Consumer(QUEUE, channel=channel, callbacks=[lambda _body, m: received.append(m)])
    consumer.consume()
    connection.drain_events(timeout=5)
    assert len(received) == 1
    return channel, received


@pytest.fixture
def private_redis(tmp_path: Path):
    redis_url_or_fail()
    private = PrivateRedis(tmp_path)
    private.start()
    try:
        yield private
    finally:
        private.stop()


def test_a_channel_closed_after_redis_went_away_does_not_raise(
        private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture) -> None:
    connection = client_app(private_redis.url, "broker-test:").connection_for_read()
    channel, _ = deliver_one(connection)
    channel._brpop_start()  # type: ignore[attr-defined]  # waiting for the next task, as the worker does
    private_redis.stop()
    connection.collect(socket_timeout=0.1)  # what Celery does with a broken connection
    connection.close()
    with caplog.at_level(logging.WARNING, logger="khortor.broker"):
        channel.close()  # type: ignore[attr-defined]  # stock kombu: AttributeError, the worker exits
    assert "1 unacknowledged message(s) were not restored at once" in caplog.text


def test_while_redis_is_there_an_unacknowledged_task_is_restored_at_close(private_redis: PrivateRedis) -> None:
    app = client_app(private_redis.url, "broker-test:")
    with app.connection_for_read() as connection:
        channel, _ = deliver_one(connection)
        channel.close()  # type: ignore[attr-defined]
    with app.connection_for_read() as connection:
        again = connection.SimpleQueue(QUEUE).get(timeout=5)
        assert again.payload == {"job": "relay"}
        again.ack()
