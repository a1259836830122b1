"""Closing with a wrap-up, the list of closed conversations, and search (case code,
conversation id, date, text) within what the user may read.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from webhooks.audit import audit
from webhooks.cases import codes
from webhooks.cases import service as cases
from webhooks.console.common import (
    CHANNELS,
    holds,
    readable_conversation_ids,
    short_time,
    viewable,
)
from webhooks.console.conversation import conversation_page
from webhooks.console.permissions import has_permission, requires
from webhooks.console.wrapup import (
    answers_from,
    form_definition,
    validate_follow_ups,
    wrapup_form,
)
from webhooks.conversations.texts import text as gateway_text
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.service import HandoffError
from webhooks.models import (
    Case,
    Conversation,
    Handoff,
    HandoffStatus,
    Message,
)
from webhooks.outbound.delivery import OutsideWindowError
from webhooks.reports import survey
from webhooks.services import services

cases_blueprint = Blueprint("cases", __name__)

PAGE_SIZE = 25
MIN_TEXT_QUERY = 3


@cases_blueprint.post("/conversations/<public_id>/close")
@requires("handoff.close")
def close(public_id: str) -> Any:
    conversation, handoff = viewable(public_id)
    if not (holds(handoff) or has_permission(current_user, "handoff.close_any")):
        abort(403, description="Only the counsellor holding this conversation can close it.")
    form = wrapup_form()
    if form.seen_up_to.data is None:
        abort(400, description="Missing or invalid seen up to: reload the page.")
    valid = form.validate() & validate_follow_ups(form)
    if not valid:
        return conversation_page(conversation, handoff, status=400, close_form=form,
                                 error="Not closed: complete the wrap-up (see below).")  # fmt: skip
    answers, follow_up = answers_from(form)
    outcome = answers[form_definition().outcome.key]
    try:
        if handoff is None:
            raise HandoffError("there is no hand-off to close")
        handoffs.close(handoff, current_user, outcome, form.seen_up_to.data)
    except HandoffError as error:
        db.session.rollback()
        handoff = handoffs.active_handoff(conversation) or handoff
        return conversation_page(
            conversation, handoff, status=409, close_form=form,
            error=f"Not closed: {error}. Read the new message(s) below, then close again.",
        )  # fmt: skip
    cases.save_wrapup(handoff, current_user, form_definition(), answers, follow_up)
    code = conversation.case.code
    told = _tell_person(conversation, code) if form.tell_person.data else False
    asked = told and form.ask_survey.data and _ask_survey(conversation)
    if told:
        flash(f"Conversation closed and the person told, with her case code {code}"
              + (", and asked the survey." if asked else "."), "success")  # fmt: skip
    else:
        flash(f"Conversation closed. Her case code is {code}. The person's next message goes "
              "to the bot.", "success")  # fmt: skip
    return redirect(url_for("console.queue.page"), code=303)


def _tell_person(conversation: Conversation, code: str) -> bool:
    """The person learns the chat is closed, in her form, with the code that resumes it."""
    text = gateway_text("handoff_closed", conversation.language, code=code)
    try:
        services().outbox.queue(conversation, text)
    except OutsideWindowError:
        db.session.rollback()
        audit(
            "close_message_not_sent", current_user, conversation, reason="outside_whatsapp_window"
        )
        db.session.commit()
        flash("WhatsApp allows no free text 24 hours after her last message: she was not told.",
              "error")  # fmt: skip
        return False
    audit("close_message_queued", current_user, conversation)
    db.session.commit()
    return True


def _ask_survey(conversation: Conversation) -> bool:
    """The one-question survey, after the closing message (webhooks/reports/survey.py)."""
    if not survey.enabled_for(conversation):
        return False
    question = survey.prepare(conversation, current_user)
    try:
        services().outbox.queue(conversation, question)  # commits the count and audit with it
    except OutsideWindowError:
        db.session.rollback()
        return False
    return True


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Case code, conversation id or words", validators=[Optional(), Length(max=100)])
    day = DateField("Date", validators=[Optional()])


def _restricted(query: Select[Any], column: Any) -> Select[Any]:
    readable = readable_conversation_ids()
    return query if readable is None else query.where(column.in_(readable))


def _day_bounds(day: Any) -> tuple[datetime, datetime]:
    zone = services().schedule.zone
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def search_query(text: str, day: Any) -> Select[Any]:
    """Conversations matching a case code, a public id (prefix), words and/or a date."""
    query = select(Conversation).options(joinedload(Conversation.case))
    text = text.strip()
    if text:
        code = codes.normalise(text)
        if code:
            query = query.join(Case, Conversation.case_id == Case.id).where(Case.code == code)
        else:
            words_match = exists().where(
                Message.conversation_id == Conversation.id,
                Message.body.ilike(f"%{_like(text)}%", escape="\\"),
            )
            conditions = [words_match]
            if len(text) >= 6 and text.isalnum():
                conditions.append(Conversation.public_id.startswith(text.lower()))
            query = query.where(or_(*conditions))
    if day is not None:
        start, end = _day_bounds(day)
        query = query.where(
            exists().where(
                Message.conversation_id == Conversation.id,
                Message.created_at >= start,
                Message.created_at < end,
            )
        )
    return _restricted(query, Conversation.id).order_by(Conversation.last_message_at.desc())


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


@cases_blueprint.get("/search")
@requires("cases.search")
def search() -> tuple[str, int]:
    form = SearchForm(request.args)
    results = None
    status = 200
    if request.args:
        if not form.validate():
            status = 400
        elif (form.q.data or "").strip() and len(form.q.data.strip()) < MIN_TEXT_QUERY:
            form.q.errors = [f"Type at least {MIN_TEXT_QUERY} characters."]
            status = 400
        elif not (form.q.data or "").strip() and form.day.data is None:
            form.q.errors = ["Type something to look for, or choose a date."]
            status = 400
        else:
            query = search_query(form.q.data or "", form.day.data)
            results = db.paginate(query, page=_page_number(), per_page=PAGE_SIZE, error_out=False)
            audit("search", current_user, results=results.total,
                  by_code=bool(codes.normalise(form.q.data or "")))  # fmt: skip
            db.session.commit()
    return render_template(
        "console/search.html",
        form=form,
        results=results,
        channels=CHANNELS,
        short_time=short_time,
        args={k: v for k, v in request.args.items() if k != "page"},
    ), status


@cases_blueprint.get("/closed")
@requires("conversations.closed")
def closed() -> str:
    query = (
        select(Handoff)
        .options(
            joinedload(Handoff.conversation).joinedload(Conversation.case),
            joinedload(Handoff.counsellor),
        )
        .where(Handoff.status == HandoffStatus.CLOSED.value)
        .order_by(Handoff.closed_at.desc(), Handoff.id.desc())
    )
    if not has_permission(current_user, "conversation.view_any"):
        query = query.where(Handoff.counsellor_id == current_user.id)
    page = db.paginate(query, page=_page_number(), per_page=PAGE_SIZE, error_out=False)
    outcome = form_definition().outcome
    return render_template(
        "console/closed.html",
        page=page,
        outcome=outcome,
        channels=CHANNELS,
        short_time=short_time,
    )
