"""Counsellor wellbeing: danger cases and long conversations in the shift, seen by the
counsellor herself and by supervisors, with a gentle prompt past the NGO's thresholds."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from tests.console.support import Console, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.extensions import db
from webhooks.models import Conversation, Handoff, utcnow

PROMPT = "Time for a pause?"


def take(console: Console, twilio: TwilioSender, number: str, priority: str = "normal") -> Handoff:
    public_id = open_handoff(twilio, "help", sender=number, priority=priority)
    assert console.post(f"/console/conversations/{public_id}/claim").status_code in (302, 303)
    db.session.expire_all()
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    return db.session.scalar(select(Handoff).filter_by(conversation_id=conversation.id))


def row_of(page: str, username: str) -> str:
    start = page.index(f'data-user="{username}"')
    return page[start : page.index("</tr>", start)]


def test_danger_cases_in_the_shift_prompt_a_break(
    app: Flask, as_counsellor: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    take(as_counsellor, twilio, "+9779800000901", priority="urgent")
    queue = " ".join(as_counsellor.text("/console/queue").split())
    assert PROMPT not in queue  # one is not past the threshold
    assert "Your last 8 hours: 1 danger case, 0 long conversations." in queue  # always shown
    take(as_counsellor, twilio, "+9779800000902", priority="urgent")
    queue = as_counsellor.text("/console/queue")
    assert PROMPT in queue and "with 2 people in danger" in " ".join(queue.split())
    mine = as_counsellor.text("/console/wellbeing")
    assert '<td data-label="Danger cases" class="danger-count">2</td>' in row_of(mine, "asha")
    overview = as_supervisor.text("/console/wellbeing")
    assert "Past the prompt: check in with asha" in row_of(overview, "asha")
    assert "needs-break" in overview
    # The NGO sets the threshold.
    app.config["WELLBEING_DANGER_CASES"] = 3
    assert PROMPT not in as_counsellor.text("/console/queue")


def test_long_conversations_count_and_old_ones_leave_the_shift(
    app: Flask, as_counsellor: Console, twilio: TwilioSender
) -> None:
    now = utcnow()
    long_ago = take(as_counsellor, twilio, "+9779800000903")
    long_ago.claimed_at = now - timedelta(hours=11)
    long_ago.closed_at = now - timedelta(hours=9)  # before this shift: not counted
    long_ago.status = "closed"
    for number in ("+9779800000904", "+9779800000905", "+9779800000906"):
        held = take(as_counsellor, twilio, number)
        held.claimed_at = now - timedelta(minutes=app.config["WELLBEING_LONG_MINUTES"] + 1)
    short = take(as_counsellor, twilio, "+9779800000907")
    short.claimed_at = now - timedelta(minutes=5)
    db.session.commit()
    row = row_of(as_counsellor.text("/console/wellbeing"), "asha")
    assert 'class="long-count">3</td>' in row and 'class="danger-count">0</td>' in row
    assert '<td data-label="Conversations">4</td>' in row
    assert PROMPT in as_counsellor.text("/console/queue")  # three long conversations


def test_each_counsellor_sees_only_herself(
    as_counsellor: Console, as_colleague: Console, twilio: TwilioSender
) -> None:
    take(as_counsellor, twilio, "+9779800000908", priority="urgent")
    page = as_colleague.text("/console/wellbeing")
    assert 'data-user="bina"' in page and 'data-user="asha"' not in page
