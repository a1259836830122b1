"""Console sessions kept on the server, so they can end: log-out, password change, timeouts.

The signed session cookie carries only a random session key; the row it points to says
whose session it is, when it began and when a person last did something. A session ends
- on log-out (that one), on a password change, reset or deactivation (all of the account's);
- after CONSOLE_IDLE_MINUTES (30) without a person doing anything: the console's automatic
  polling (GET /console/api/…) does not count as activity;
- CONSOLE_MAX_SESSION_HOURS (12) after log-in, whatever happens.
A copied cookie is worth nothing once its session has ended.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, request, session
from sqlalchemy import ForeignKey, String, update
from sqlalchemy.orm import Mapped, mapped_column

from webhooks.extensions import db
from webhooks.models import User, utcnow

SESSION_KEY = "console_session"
TOUCH_EVERY = timedelta(seconds=30)  # write last_active_at at most this often


class ConsoleSession(db.Model):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["CONSOLE_IDLE_MINUTES"])


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["CONSOLE_MAX_SESSION_HOURS"])


def begin(user: User) -> None:
    """A new server-side session for ``user``; its key goes into the (cleared) cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(ConsoleSession(key_hash=_hash(key), user_id=user.id))
    db.session.commit()
    session[SESSION_KEY] = key


def _is_automatic() -> bool:
    """The console's own polling: it must not keep an unattended session alive."""
    return request.method == "GET" and request.path.startswith("/console/api/")


def check(user: User, now: datetime | None = None) -> bool:
    """Is the cookie's session alive for ``user``? Ends it if it has timed out."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        return False
    row = db.session.scalar(db.select(ConsoleSession).filter_by(key_hash=_hash(key)))
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    now = now or utcnow()
    reason = None
    if now - row.created_at >= max_age():
        reason = "expired"
    elif now - row.last_active_at >= idle_timeout():
        reason = "idle"
    if reason:
        row.ended_at, row.end_reason = now, reason
        db.session.commit()
        return False
    if not _is_automatic() and now - row.last_active_at >= TOUCH_EVERY:
        row.last_active_at = now
        db.session.commit()
    return True


def end_current(reason: str = "logout") -> None:
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        db.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.key_hash == _hash(key), ConsoleSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )


def end_all(user: User, reason: str) -> int:
    """End every open session of ``user`` (the caller commits); returns how many."""
    result = db.session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.user_id == user.id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount


def forget_old(now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Delete ended or long-expired session rows (the audit log keeps log-ins and log-outs)."""
    result = db.session.execute(
        db.delete(ConsoleSession).where(ConsoleSession.last_active_at < now - keep)
    )
    db.session.commit()
    return result.rowcount
