"""Sign-in throttling rules: pure functions of the stored counts and `now` (convention 1)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    """`max_failures` failures within `window` lock the key for `lockout`.

    A `reserved` key counts every attempt as a failure *before* its password is checked,
    under the key's row lock, and a right password forgives it: concurrent attempts then
    queue on the row and no more than `max_failures` passwords are checked before the lock.
    Other keys count a failure once the password turned out wrong.
    """

    max_failures: int
    window: timedelta
    lockout: timedelta
    reserved: bool = False


# 5 wrong passwords for one username within 15 minutes lock that username for 15 minutes.
PER_USER = Limit(max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15),
                 reserved=True)
# 20 wrong passwords for one username from one client address within a minute lock that
# username from that address for 5 minutes. Keyed on both, so one address (an office or a
# proxy many people share) never locks out the other people behind it.
PER_ADDRESS = Limit(max_failures=20, window=timedelta(minutes=1), lockout=timedelta(minutes=5))


def forgotten_before(now: datetime) -> datetime:
    """A count whose window started before this, and that does not lock now, counts for
    nothing any more (`after_failure` starts a new window): its row may go."""
    return now - max(PER_USER.window, PER_ADDRESS.window, PER_USER.lockout, PER_ADDRESS.lockout)


@dataclass(frozen=True)
class Count:
    failures: int
    window_started_at: datetime
    locked_until: datetime | None


def user_key(username: str) -> str:
    return _digest("user:" + _normal(username))


def address_key(username: str, address: str) -> str:
    """The key of one username from one client address (length-prefixed: unambiguous)."""
    return _digest(f"ip+user:{len(address)}:{address}{_normal(username)}")


def _normal(username: str) -> str:
    return username.strip().casefold()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def seconds_locked(count: Count | None, now: datetime) -> int:
    """Whole seconds until the key may try again; 0 when it is not locked."""
    if count is None or count.locked_until is None or count.locked_until <= now:
        return 0
    return max(1, math.ceil((count.locked_until - now).total_seconds()))


def after_failure(count: Count | None, now: datetime, limit: Limit) -> Count:
    """The count after one more failure; it locks when the limit is reached in the window."""
    if count is None or now - count.window_started_at >= limit.window:
        failures, started = 0, now
    else:
        failures, started = count.failures, count.window_started_at
    failures += 1
    if failures >= limit.max_failures:
        return Count(failures=0, window_started_at=now, locked_until=now + limit.lockout)
    return Count(failures=failures, window_started_at=started, locked_until=None)
