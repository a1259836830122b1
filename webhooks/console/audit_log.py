"""The audit log for supervisors: who did what, when, to which conversation (ids only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webhooks.console.common import words
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.models import AuditEvent

audit_blueprint = Blueprint("audit", __name__)

PAGE_SIZE = 50


def detail_words(detail: Any) -> list[tuple[str, str]]:
    """An event's detail as readable pairs ("to user: 4", "outcome: referred")."""
    if not isinstance(detail, dict):
        return []
    out = []
    for key, value in detail.items():
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = words(str(value)) if isinstance(value, str) else str(value)
        out.append((words(str(key)), shown))
    return out


@audit_blueprint.get("/audit")
@requires("audit.view")
def log() -> str:
    action = request.args.get("action", "")[:40]
    raw_page = request.args.get("page", "1")
    number = (
        int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 6 else 1
    )
    query = select(AuditEvent).options(
        joinedload(AuditEvent.user), joinedload(AuditEvent.conversation)
    )
    if action:
        query = query.filter_by(action=action)
    page = db.paginate(
        query.order_by(AuditEvent.id.desc()), page=max(number, 1), per_page=PAGE_SIZE,
        error_out=False,
    )  # fmt: skip
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "console/audit.html",
        page=page,
        actions=actions,
        action=action,
        detail_words=detail_words,
    )
