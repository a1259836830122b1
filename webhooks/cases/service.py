"""Cases and wrap-ups: create a case when a conversation needs one, link conversations to it,
and keep each closing record. Audit details hold ids and codes' existence, never answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webhooks.audit import audit
from webhooks.cases.codes import new_code
from webhooks.cases.form_definition import FormDefinition
from webhooks.extensions import db
from webhooks.models import Case, Conversation, FollowUp, Handoff, User, WrapUp
from webhooks.reports.wrapups import record_wrapup

CODE_ATTEMPTS = 5


def find_case(code: str) -> Case | None:
    return db.session.scalar(select(Case).filter_by(code=code))


def ensure_case(conversation: Conversation, user: User | None = None) -> Case:
    """The conversation's case, created (with a fresh code) if it has none yet."""
    if conversation.case is not None:
        return conversation.case
    for _ in range(CODE_ATTEMPTS):
        case = Case(code=new_code(), created_by_id=user.id if user else None)
        try:
            with db.session.begin_nested():
                db.session.add(case)
                db.session.flush()
        except IntegrityError:  # the same code drawn twice: draw again
            continue
        conversation.case = case
        audit("case_opened", user, conversation, case=case.id)
        return case
    raise RuntimeError("could not draw an unused case code")


def link(conversation: Conversation, case: Case, *, via: str) -> bool:
    """Put ``conversation`` into ``case``; False when it already belongs to another case."""
    if conversation.case_id == case.id:
        return True
    if conversation.case_id is not None:
        audit("case_link_refused", conversation=conversation, case=case.id, via=via,
              reason="already_in_another_case")  # fmt: skip
        return False
    conversation.case = case
    audit("case_linked", conversation=conversation, case=case.id, via=via)
    return True


def save_wrapup(
    handoff: Handoff,
    user: User,
    definition: FormDefinition,
    answers: dict[str, Any],
    follow_up: tuple[str, date] | None,
) -> WrapUp:
    """Store the closing record (and its follow-up task) for a closed hand-off; commits."""
    conversation = handoff.conversation
    case = ensure_case(conversation, user)
    wrapup = WrapUp(
        handoff_id=handoff.id,
        conversation_id=conversation.id,
        case_id=case.id,
        counsellor_id=user.id,
        form_version=definition.version,
        outcome=answers[definition.outcome.key],
        answers=answers,
    )
    db.session.add(wrapup)
    db.session.flush()
    record_wrapup(wrapup, definition, conversation)  # anonymous counts that outlive erasure
    if follow_up is not None:
        task, due_on = follow_up
        db.session.add(
            FollowUp(
                case_id=case.id,
                conversation_id=conversation.id,
                wrapup_id=wrapup.id,
                task=task,
                due_on=due_on,
                assigned_to_id=user.id,
            )
        )
    audit("wrapup_saved", user, conversation, handoff=handoff.id, wrapup=wrapup.id,
          follow_up=follow_up is not None)  # fmt: skip
    db.session.commit()
    return wrapup
