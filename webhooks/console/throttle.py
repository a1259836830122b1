"""Log-in throttling by IP address and by account, with backoff instead of a lock.

A hard lock after N failures lets anyone lock out a known account ("supervisor") forever. Here
each failure adds to two counters, one for the client's IP address and one for the username;
past a few free tries each further try must wait twice as long as the one before, up to a
ceiling: long for an IP address (a guesser), short for an account (its owner, from another
address, waits at most a minute). Counters are updated with single UPDATE statements, so
concurrent failures all count; they are forgotten an hour after the last failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from webhooks.extensions import db
from webhooks.models import utcnow

FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    free_failures: int
    ceiling: timedelta

    def delay(self, failures: int) -> timedelta:
        extra = failures - self.free_failures
        if extra <= 0:
            return timedelta(0)
        return min(timedelta(seconds=2 ** (extra - 1)), self.ceiling)


RULES = {
    "ip": Rule(free_failures=10, ceiling=timedelta(minutes=15)),
    "user": Rule(free_failures=5, ceiling=timedelta(minutes=1)),
}


class LoginThrottle(db.Model):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # "ip:…" or "user:…"
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    wait_until: Mapped[datetime | None]


def keys_for(ip: str | None, username: str) -> dict[str, str]:
    return {"ip": f"ip:{ip or 'unknown'}"[:120], "user": f"user:{username}"[:120]}


def wait_seconds(keys: dict[str, str], now: datetime | None = None) -> int:
    """How long the caller must wait before trying again (0: go ahead)."""
    now = now or utcnow()
    waits = db.session.scalars(
        select(LoginThrottle.wait_until).where(LoginThrottle.key.in_(keys.values()))
    ).all()
    longest = max((w - now for w in waits if w is not None and w > now), default=timedelta(0))
    return int(-(-longest.total_seconds() // 1))  # rounded up


def record_failure(keys: dict[str, str], now: datetime | None = None) -> None:
    """Count one failure on each key, atomically; set when the next try is allowed."""
    now = now or utcnow()
    for kind, key in keys.items():
        failures = _increment(key, now)
        delay = RULES[kind].delay(failures)
        if delay:
            db.session.execute(
                update(LoginThrottle).where(LoginThrottle.key == key).values(wait_until=now + delay)
            )
    db.session.commit()


def _increment(key: str, now: datetime) -> int:
    stale = LoginThrottle.last_failure_at < now - FORGET_AFTER
    statement = (
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=case((stale, 1), else_=LoginThrottle.failures + 1), last_failure_at=now)
        .returning(LoginThrottle.failures)
    )
    failures = db.session.scalar(statement)
    if failures is not None:
        return failures
    try:
        with db.session.begin_nested():
            db.session.add(LoginThrottle(key=key, failures=1, last_failure_at=now))
        return 1
    except IntegrityError:  # a concurrent first failure inserted it: count on that row
        return db.session.scalar(statement) or 1


def clear(key: str) -> None:
    """Forget an account's failures (a successful log-in, or a supervisor's 'unlock')."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def slowed_usernames(now: datetime | None = None) -> set[str]:
    now = now or utcnow()
    keys = db.session.scalars(
        select(LoginThrottle.key).where(
            LoginThrottle.key.startswith("user:"), LoginThrottle.wait_until > now
        )
    )
    return {key[len("user:") :] for key in keys}


def forget_old(now: datetime) -> int:
    result = db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER)
    )
    db.session.commit()
    return result.rowcount
