"""The daily count table: add to it in the caller's transaction, read it by day range.

One statement per batch, an upsert on both databases (``INSERT … ON CONFLICT DO UPDATE``),
so concurrent gateway processes add up instead of overwriting each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from webhooks.extensions import db
from webhooks.models import DailyCount

KEY_COLUMNS = ("metric", "day", "channel", "language", "dimension", "value")


@dataclass(frozen=True)
class CountKey:
    """What one count is of; empty strings where a dimension does not apply."""

    metric: str
    channel: str = ""
    language: str = ""
    dimension: str = ""
    value: str = ""


def local_day(moment: datetime) -> date:
    """The date on the desk's calendar (the counsellors' time zone), as reports count days."""
    from webhooks.services import services  # the services module builds the router: no cycle

    return moment.astimezone(services().schedule.zone).date()


def add(day: date, keys: Iterable[CountKey]) -> None:
    """Count each key once more on ``day`` (a key listed twice counts twice). No commit."""
    totals = Counter(keys)
    if not totals:
        return
    rows = [
        {
            "day": day,
            "metric": key.metric,
            "channel": key.channel or "",
            "language": key.language or "",
            "dimension": key.dimension[:40],
            "value": key.value[:60],
            "count": count,
        }
        for key, count in totals.items()
    ]
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - the two we run on
        raise RuntimeError(f"daily counts need PostgreSQL or SQLite, not {dialect}")
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement: Any = insert(DailyCount).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={"count": DailyCount.count + statement.excluded["count"]},
        )
    )


def sums_by_period(
    metric: str, periods: list[tuple[date, date]], channel: str | None = None
) -> list[Any]:
    """(day, channel, language, dimension, value, count) rows of ``metric``, summed per period:
    ``day`` is the start of the period (first day, last day) the counts fall in.

    The database does the grouping (a CASE over the periods, portable to SQLite and
    PostgreSQL), so a year of weeks returns one row per week and category, not per day.
    """
    if not periods:
        return []
    bucket = case(
        *[(and_(DailyCount.day >= first, DailyCount.day <= last), literal(first, Date))
          for first, last in periods]
    )  # fmt: skip
    query = select(
        bucket.label("day"),
        DailyCount.channel,
        DailyCount.language,
        DailyCount.dimension,
        DailyCount.value,
        DailyCount.count,
    ).where(
        DailyCount.metric == metric,
        DailyCount.day >= periods[0][0],
        DailyCount.day <= periods[-1][1],
    )
    if channel:
        query = query.where(DailyCount.channel == channel)
    rows = query.subquery()
    dimensions = [rows.c.day, rows.c.channel, rows.c.language, rows.c.dimension, rows.c.value]
    summed = select(*dimensions, func.sum(rows.c.count).label("count")).group_by(*dimensions)
    return list(db.session.execute(summed))
