"""Claim rows for one party among several gateway threads, processes and workers.

A claim marks rows (a lease time, a "done" timestamp) so that exactly one of several
concurrent claimers gets each row; only the winner then acts on it (sends a message, sends a
reassurance). The same statement serves both databases:

    UPDATE t SET … WHERE id IN (SELECT id … FOR UPDATE SKIP LOCKED LIMIT n) AND <conditions>
    RETURNING id

- PostgreSQL: claimers skip rows another claimer holds instead of queueing behind it, and after
  any wait the conditions are checked again on the row's newest version, so a row claimed and
  committed meanwhile no longer matches.
- SQLite: one writer at a time, so the conditional UPDATE is atomic by itself (SQLAlchemy does
  not render FOR UPDATE there). It runs as the first statement of its own transaction, which
  takes the write lock at once (a read-then-write transaction could fail with "database is
  locked" instead of waiting).

The conditions must stop matching once the values are set: that makes the claim exclusive.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, update

from webhooks.extensions import db


def claim_rows(
    model: Any,
    conditions: list[ColumnElement[bool]],
    values: dict[str, Any],
    order_by: tuple[Any, ...] = (),
    limit: int | None = None,
) -> list[int]:
    """Set ``values`` on rows matching ``conditions``; return the ids this caller won, sorted."""
    db.session.commit()  # a transaction of its own (see the module docstring)
    candidates = (
        select(model.id)
        .where(*conditions)
        .order_by(*order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(model)
        .where(model.id.in_(candidates), *conditions)
        .values(**values)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)
