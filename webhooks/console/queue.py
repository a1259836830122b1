"""The queue: who is waiting (urgent first, then longest wait), my conversations, follow-ups
due, the alert feed every console page polls, and the supervisors' view of everything open.

Each list is built with a fixed number of queries, however long it is (no query per row).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as BaseResponse

from webhooks.audit import audit
from webhooks.console.common import (
    CHANNELS,
    LANGUAGES,
    danger_or_reason,
    preview,
    short_time,
)
from webhooks.console.permissions import has_permission, requires
from webhooks.console.wellbeing import my_wellbeing
from webhooks.extensions import db
from webhooks.models import (
    Conversation,
    Direction,
    FollowUp,
    Handoff,
    HandoffStatus,
    Message,
    User,
    utcnow,
)
from webhooks.services import services

queue_blueprint = Blueprint("queue", __name__)


class DoneForm(FlaskForm):
    """Marks a follow-up done (the CSRF token is its only field)."""


def wait_words(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours < 24 else f"{hours // 24} d {hours % 24} h"


def _latest_inbound(conversation_ids: list[int]) -> dict[int, Message]:
    if not conversation_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == Direction.INBOUND.value,
        )
        .group_by(Message.conversation_id)
    )
    return {
        m.conversation_id: m
        for m in db.session.scalars(select(Message).where(Message.id.in_(newest)))
    }


def _unread(handoff_ids: list[int]) -> dict[int, int]:
    """Messages from the person after what a counsellor last saw, per hand-off."""
    if not handoff_ids:
        return {}
    rows = db.session.execute(
        select(Handoff.id, func.count(Message.id))
        .join(Message, Message.conversation_id == Handoff.conversation_id)
        .where(
            Handoff.id.in_(handoff_ids),
            Message.direction == Direction.INBOUND.value,
            Message.id > func.coalesce(Handoff.seen_message_id, 0),
        )
        .group_by(Handoff.id)
    ).all()
    return dict(rows)


def _rows(items: list[Handoff], now: datetime) -> list[dict[str, Any]]:
    breach_after = current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"]
    show_breaches = has_permission(current_user, "queue.breaches")
    show_preview = has_permission(current_user, "queue.preview")
    latest = _latest_inbound([h.conversation_id for h in items]) if show_preview else {}
    unread = _unread([h.id for h in items])
    rows = []
    for handoff in items:
        conversation = handoff.conversation
        minutes = int((now - handoff.created_at).total_seconds() // 60)
        last = latest.get(handoff.conversation_id)
        rows.append(
            {
                "public_id": conversation.public_id,
                "url": url_for("console.conversation.view", public_id=conversation.public_id),
                "priority": handoff.priority,
                "reason": danger_or_reason(handoff),
                "language": handoff.language or "",
                "language_label": LANGUAGES.get(handoff.language or "", "unknown"),
                "channel": CHANNELS.get(handoff.channel, handoff.channel),
                "since": short_time(handoff.created_at),
                "waited_minutes": minutes,
                "wait": wait_words(minutes),
                "breach": show_breaches
                and handoff.status == HandoffStatus.WAITING.value
                and minutes >= breach_after,
                "unread": unread.get(handoff.id, 0),
                "preview": preview(last.body or "(voice message or other media)")
                if last is not None
                else None,
                "case_code": conversation.case.code if conversation.case else None,
            }
        )
    return rows


def follow_ups_due(today: Any) -> list[FollowUp]:
    query = (
        select(FollowUp)
        .options(joinedload(FollowUp.conversation), joinedload(FollowUp.case))
        .where(FollowUp.done_at.is_(None), FollowUp.due_on <= today)
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    if not has_permission(current_user, "followups.view_all"):
        query = query.where(FollowUp.assigned_to_id == current_user.id)
    return list(db.session.scalars(query))


def queue_data(language: str | None) -> dict[str, Any]:
    now = utcnow()
    with_conversation = (joinedload(Handoff.conversation),)
    urgent_first = case((Handoff.priority == "urgent", 0), else_=1)
    waiting_query = (
        select(Handoff)
        .options(*with_conversation)
        .filter_by(status=HandoffStatus.WAITING.value)
        .order_by(urgent_first, Handoff.created_at, Handoff.id)
    )
    if language:
        waiting_query = waiting_query.filter_by(language=language)
    waiting = list(db.session.scalars(waiting_query))
    mine = list(
        db.session.scalars(
            select(Handoff)
            .options(*with_conversation)
            .filter_by(status=HandoffStatus.ACTIVE.value, counsellor_id=current_user.id)
            .order_by(urgent_first, Handoff.claimed_at)
        )
    )
    today = now.astimezone(services().schedule.zone).date()
    due = follow_ups_due(today)
    bucket = case(
        (Handoff.status == HandoffStatus.ACTIVE.value, "active"),
        (Handoff.priority == "urgent", "urgent"),
        else_="normal",
    )
    counts = dict(
        db.session.execute(
            select(bucket, func.count(Handoff.id))
            .where(Handoff.status.in_([HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value]))
            .group_by(bucket)
        ).all()
    )
    return {
        "waiting": _rows(waiting, now),
        "mine": _rows(mine, now),
        "follow_ups": [
            {
                "id": item.id,
                "task": item.task,
                "due": item.due_on.isoformat(),
                "overdue": item.due_on < today,
                "case_code": item.case.code,
                "url": url_for("console.conversation.view", public_id=item.conversation.public_id),
            }
            for item in due
        ],
        "counts": {
            "waiting": counts.get("urgent", 0) + counts.get("normal", 0),
            "urgent": counts.get("urgent", 0),
            "active": counts.get("active", 0),
            "mine": len(mine),
        },
        "language": language or "",
    }


def _language_filter() -> str | None:
    language = request.args.get("language", "")
    if language and language not in LANGUAGES:
        abort(400, description="Unknown language filter.")
    return language or None


@queue_blueprint.get("/queue")
@requires("queue.view")
def page() -> str:
    return render_template(
        "console/queue.html",
        data=queue_data(_language_filter()),
        done_form=DoneForm(),
        poll_ms=current_app.config["CONSOLE_POLL_MILLISECONDS"],
        wellbeing=my_wellbeing(),
        wellbeing_hours=current_app.config["WELLBEING_SHIFT_HOURS"],
    )


@queue_blueprint.get("/api/queue")
@requires("queue.view")
def api() -> Response:
    return jsonify(queue_data(_language_filter()))


@queue_blueprint.get("/api/alerts")
@requires("queue.view")
def alerts() -> Response:
    """Urgent hand-offs nobody has taken yet: every console page polls this to alert."""
    urgent = db.session.execute(
        select(Handoff.id, Handoff.created_at, Conversation.public_id)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(Handoff.status == HandoffStatus.WAITING.value, Handoff.priority == "urgent")
        .order_by(Handoff.created_at)
    ).all()
    return jsonify(
        {
            "urgent": [
                {"id": row.id, "public_id": row.public_id, "since": short_time(row.created_at)}
                for row in urgent
            ],
            "queue_url": url_for("console.queue.page"),
        }
    )


@queue_blueprint.post("/follow-ups/<int:follow_up_id>/done")
@requires("queue.view")
def follow_up_done(follow_up_id: int) -> BaseResponse:
    item = db.session.get(FollowUp, follow_up_id)
    if item is None:
        abort(404, description="There is no such follow-up.")
    if item.assigned_to_id != current_user.id and not has_permission(
        current_user, "followups.view_all"
    ):
        abort(403, description="This follow-up is not yours.")
    if DoneForm().validate_on_submit() and item.done_at is None:
        item.done_at, item.done_by_id = utcnow(), current_user.id
        audit("follow_up_done", current_user, item.conversation, follow_up=item.id)
        db.session.commit()
        flash("Follow-up marked done.", "success")
    return redirect(url_for("console.queue.page"), code=303)


@queue_blueprint.get("/supervise")
@requires("conversations.view_all")
def supervise() -> str:
    from webhooks.console.conversation import transfer_choices

    current = db.session.scalars(
        select(Handoff)
        .options(joinedload(Handoff.conversation), joinedload(Handoff.counsellor))
        .where(Handoff.status.in_([HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value]))
        .order_by(Handoff.status, Handoff.created_at)
    ).all()
    colleagues = db.session.scalars(
        select(User).filter_by(active=True).order_by(User.username)
    ).all()
    return render_template(
        "console/supervise.html",
        handoffs=current,
        colleagues=colleagues,
        transfer_choices=transfer_choices,
        now=utcnow(),
        breach_after=current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"],
    )
