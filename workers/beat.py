"""The beat's scheduler: celery-redbeat's locked single beat, made to outlive Redis.

Stock RedBeat lets any Redis error escape `tick()`, and celery beat exits on the first one:
a Redis restart (or a few seconds of network trouble) stopped every sweep, so no
escalation fired again until someone restarted the beat by hand (found by bench/load.py
--fault worker-redis). A restarted Redis without persistence has also lost the beat's lock
and its schedule entries. Here the beat waits out an unreachable Redis, takes the lock again
when it is free (another beat that got it first keeps it, and this one stands by), and
writes its schedule back before it sends anything.
"""

from __future__ import annotations

from typing import Any

from celery.utils.log import get_logger
from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, RedBeatScheduler, get_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = get_logger("celery.beat")


class ResilientScheduler(RedBeatScheduler):
    def tick(self, min: Any = min, **kwargs: Any) -> float:
        try:
            if self.lock_key and self.lock is None and not self._take_lock():
                return float(self.max_interval)  # another beat holds the lock: stand by
            return float(super().tick(min=min, **kwargs))
        except LockError:
            # The lock expired or vanished (a restarted Redis): take it again next tick.
            logger.warning("beat: lost the lock; taking it again before sending anything")
            self.lock = None
        except (RedisConnectionError, RedisTimeoutError) as error:
            # Keep the lock object: once Redis answers, extending it tells whether it
            # survived (a network hiccup) or not (a restart: LockError above).
            logger.warning("beat: Redis unreachable (%s); trying again in %s s",
                           type(error).__name__, self.max_interval)
        return float(self.max_interval)

    def _take_lock(self) -> bool:
        """Take the lock without waiting; on success write the schedule back to Redis (a
        restarted Redis has lost it; entries that survived keep their last run)."""
        client = get_redis(self.app)
        lock = client.lock(self.lock_key, timeout=self.lock_timeout, sleep=self.max_interval)
        lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
        if not lock.acquire(blocking=False):
            return False
        self.lock = lock
        logger.info("beat: took the lock again")
        self.setup_schedule()
        return True
