"""Small shared facts about background duties: when the worker last ran, when retention did.

Kept in the database so that /readyz (any gateway process) sees the worker, and so that a
restarted or second worker does not redo an hourly duty at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from webhooks.extensions import db
from webhooks.models import utcnow


class UpkeepState(db.Model):
    __tablename__ = "upkeep_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


def last(name: str) -> datetime | None:
    row = db.session.get(UpkeepState, name)
    return row.at if row else None


def mark(name: str, at: datetime | None = None) -> None:
    at = at or utcnow()
    row = db.session.get(UpkeepState, name)
    if row is not None:
        row.at = at
        db.session.commit()
        return
    db.session.add(UpkeepState(name=name, at=at))
    try:
        db.session.commit()
    except IntegrityError:  # another worker wrote it first
        db.session.rollback()
        mark(name, at)
