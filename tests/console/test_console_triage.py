"""Triage, alerts, duty, transfer warnings, wrap-up records, history, search and the closed
list, through the console's HTTP interface."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import event, select

from tests.console.conftest import RecordingSender
from tests.console.support import Console, last_message_id, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.extensions import db
from webhooks.models import Conversation, FollowUp, Handoff, User, WrapUp


def nepal_today() -> date:
    """The desk's date (data/counsellor_schedule.yml), which may differ from the server's."""
    return datetime.now(ZoneInfo("Asia/Kathmandu")).date()


def _conversation(public_id: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalar(select(Conversation).filter_by(public_id=public_id))


def _close(console: Console, public_id: str, **answers: Any) -> Any:
    base = f"/console/conversations/{public_id}"
    console.post(f"{base}/claim")
    form = {
        "outcome": "referred",
        "self_description": "as_worker_grievance",
        "seen_up_to": str(last_message_id(public_id)),
        "tell_person": "y",
        **answers,
    }
    return console.post(f"{base}/close", form)


def test_queue_rows_say_why_in_words_with_wait_unread_and_preview(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    danger = open_handoff(twilio, "they locked me in the house", sender="+9779800000801",
                          priority="urgent", summary={"intent": "danger_confinement"})  # fmt: skip
    asked = open_handoff(twilio, "can I talk to someone", sender="+9779800000802",
                         summary={"intent": "ask_human"})  # fmt: skip
    twilio.post("please answer", sender="+9779800000802")
    rows = as_counsellor.get("/console/api/queue").get_json()["waiting"]
    assert [r["public_id"] for r in rows] == [danger, asked]
    assert rows[0]["reason"] == "Danger: confined, cannot leave"
    assert rows[1]["reason"] == "Asked for a counsellor"
    assert rows[0]["preview"] == "they locked me in the house"
    assert rows[1]["preview"] == "please answer"
    assert rows[1]["unread"] == 2 and rows[0]["unread"] == 1
    assert rows[0]["wait"] == "0 min" and rows[0]["channel"] == "SMS"
    # Opening it marks it read.
    as_counsellor.text(f"/console/conversations/{asked}")
    rows = as_counsellor.get("/console/api/queue").get_json()["waiting"]
    assert rows[1]["unread"] == 0
    page = as_counsellor.text("/console/queue")
    assert "Danger: confined, cannot leave" in page and "they locked me in the house" in page


def test_no_preview_for_a_role_without_the_permission(
    as_counsellor: Console, twilio: TwilioSender, monkeypatch: Any
) -> None:
    from webhooks.console import permissions

    open_handoff(twilio, "a private message", sender="+9779800000803")
    reduced = permissions.ROLE_PERMISSIONS["counsellor"] - {"queue.preview"}
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "counsellor", reduced)
    rows = as_counsellor.get("/console/api/queue").get_json()["waiting"]
    assert rows[0]["preview"] is None
    assert "a private message" not in as_counsellor.text("/console/queue")


def test_the_queue_costs_the_same_queries_for_one_row_or_many(
    app: Flask, as_counsellor: Console, twilio: TwilioSender
) -> None:
    def statements() -> int:
        seen: list[str] = []

        def count(*_args: Any) -> None:
            seen.append("x")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert as_counsellor.get("/console/api/queue").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    open_handoff(twilio, sender="+9779800000810")
    one = statements()
    for n in range(11, 19):
        open_handoff(twilio, sender=f"+97798000008{n}", priority="urgent" if n % 2 else "normal")
    assert statements() == one


def test_alerts_list_urgent_cases_nobody_has_taken(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    assert as_counsellor.get("/console/api/alerts").get_json()["urgent"] == []
    urgent = open_handoff(twilio, sender="+9779800000820", priority="urgent")
    open_handoff(twilio, sender="+9779800000821")
    alerts = as_counsellor.get("/console/api/alerts").get_json()["urgent"]
    assert len(alerts) == 1
    as_counsellor.post(f"/console/conversations/{urgent}/claim")
    assert as_counsellor.get("/console/api/alerts").get_json()["urgent"] == []


def test_counsellors_set_themselves_on_and_off_duty(
    as_counsellor: Console, counsellor: User
) -> None:
    assert as_counsellor.post("/console/duty/on").status_code == 303
    db.session.refresh(counsellor)
    assert counsellor.on_duty
    assert "On duty" in as_counsellor.text("/console/queue")
    as_counsellor.post("/console/duty/off")
    db.session.refresh(counsellor)
    assert not counsellor.on_duty
    # Others' duty stays a supervisor's business.
    assert as_counsellor.post(f"/console/users/{counsellor.id}/duty/on").status_code == 403


def test_transfer_lists_on_duty_first_and_warns_before_an_off_duty_one(
    app: Flask, as_counsellor: Console, colleague: User, twilio: TwilioSender
) -> None:
    from tests.console.support import make_user

    make_user("chandra", on_duty=True)
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    page = as_counsellor.text(base)
    assert page.index('optgroup label="On duty"') < page.index("chandra (on duty)")
    assert page.index("chandra (on duty)") < page.index("bina (off duty)")
    assert '<option value="">choose…</option>' in page  # no default
    warned = as_counsellor.post(f"{base}/transfer", {"to_user": str(colleague.id)})
    assert warned.status_code == 409
    assert "bina is off duty" in warned.get_data(as_text=True)
    assert db.session.scalar(select(Handoff)).counsellor_id != colleague.id
    confirmed = as_counsellor.post(
        f"{base}/transfer", {"to_user": str(colleague.id), "confirm_off_duty": "y"}
    )
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Handoff)).counsellor_id == colleague.id


def test_wrap_up_is_saved_with_stable_keys_and_shown_next_time(
    as_counsellor: Console, counsellor: User, twilio: TwilioSender, sender: RecordingSender
) -> None:
    public_id = open_handoff(twilio, sender="+9779800000830")
    due = (nepal_today() + timedelta(days=2)).isoformat()
    response = _close(
        as_counsellor, public_id, what_happened=["agent_fraud", "wage_theft"], country="QA",
        route="direct_from_nepal", follow_up_task="call about the refund", follow_up_due=due,
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    wrapup = db.session.scalar(select(WrapUp))
    assert wrapup.outcome == "referred" and wrapup.form_version == "2026-11-28"
    assert wrapup.answers["what_happened"] == ["agent_fraud", "wage_theft"]
    assert wrapup.answers["self_description"] == "as_worker_grievance"
    assert wrapup.answers["country"] == "QA"
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.task == "call about the refund" and follow_up.assigned_to_id == counsellor.id
    code = _conversation(public_id).case.code
    assert code in sender.sent[-1][2]
    # She comes back: the earlier wrap-up is on the page, in words.
    twilio.post("hello again", sender="+9779800000830")
    open_handoff(twilio, "I need help again", sender="+9779800000830")
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert "Fraud by an agent or agency, Wages not paid" in page
    assert "As a worker with a grievance" in page and "Qatar" in page
    assert "call about the refund" in page


def test_an_incomplete_wrap_up_is_refused_and_nothing_is_closed(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio, sender="+9779800000831")
    response = _close(as_counsellor, public_id, self_description="", follow_up_task="only a task")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "How she describes her situation: please answer." in text
    assert "needs both a task and a due date" in text
    assert db.session.scalar(select(Handoff)).status == "active"
    assert db.session.scalar(select(WrapUp)) is None


def test_follow_ups_due_appear_in_the_queue(as_counsellor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, sender="+9779800000832")
    today = nepal_today().isoformat()
    _close(as_counsellor, public_id, follow_up_task="check she reached the shelter",
           follow_up_due=today)  # fmt: skip
    data = as_counsellor.get("/console/api/queue").get_json()
    assert [f["task"] for f in data["follow_ups"]] == ["check she reached the shelter"]
    item = data["follow_ups"][0]
    assert as_counsellor.post(f"/console/follow-ups/{item['id']}/done").status_code == 303
    assert as_counsellor.get("/console/api/queue").get_json()["follow_ups"] == []


def test_summary_speaks_plain_words(
    as_counsellor: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(
        twilio,
        summary={"intent": "ask_human", "language": "en", "last_topic": None, "topics": [],
                 "last_country": "malaysia"},
    )  # fmt: skip
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert "asked to talk to a person" in page and "Malaysia" in page
    for raw in ("ask_human", "last topic", "null", "topics", "[]"):
        assert raw not in page.split('id="handoff-card"')[1].split("</section>")[0], raw
    # Claim comes first; erasing is folded away at the bottom.
    page = as_supervisor.text(f"/console/conversations/{public_id}")
    assert page.index('id="claim"') < page.index('class="card danger-zone"')


def test_search_by_code_id_words_and_date_within_what_one_may_read(
    as_counsellor: Console, as_colleague: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    mine = open_handoff(twilio, "my employer keeps my salary", sender="+9779800000840")
    _close(as_counsellor, mine)
    other = open_handoff(twilio, "salary not paid for months", sender="+9779800000841")
    as_colleague.post(f"/console/conversations/{other}/claim")
    code = _conversation(mine).case.code

    def found(console: Console, **query: str) -> list[str]:
        response = console.get("/console/search", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        page = response.get_data(as_text=True)
        return [pid for pid in (mine, other) if f'data-public-id="{pid}"' in page]

    assert found(as_counsellor, q=code.lower().replace("-", " ")) == [mine]
    assert found(as_counsellor, q=mine[:10]) == [mine]
    assert found(as_counsellor, q="salary") == [mine]  # the colleague's case is not hers
    assert found(as_supervisor, q="salary") == [mine, other]
    assert found(as_counsellor, day=nepal_today().isoformat()) == [mine]
    assert found(as_counsellor, day="2001-01-01") == []
    assert as_counsellor.get("/console/search?q=a").status_code == 400
    assert as_counsellor.get("/console/search?day=yesterday").status_code == 400


def test_closed_list_shows_one_own_and_supervisors_all(
    as_counsellor: Console, as_colleague: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    mine = open_handoff(twilio, sender="+9779800000850")
    _close(as_counsellor, mine)
    theirs = open_handoff(twilio, sender="+9779800000851")
    _close(as_colleague, theirs)
    own = as_counsellor.text("/console/closed")
    assert mine in own and theirs not in own and "Referred to a partner" in own
    every = as_supervisor.text("/console/closed")
    assert mine in every and theirs in every
    # A closed conversation of one's own can be opened again; a colleague's cannot.
    assert as_counsellor.get(f"/console/conversations/{mine}").status_code == 200
    assert as_counsellor.get(f"/console/conversations/{theirs}").status_code == 403


def test_history_across_two_conversations_of_one_person(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    first = open_handoff(twilio, "help with my contract", sender="+9779800000860")
    _close(as_counsellor, first, what_happened=["labour_exploitation"])
    code = _conversation(first).case.code
    twilio.post(f"it is me again {code}", sender="whatsapp:+9779800000861")
    second = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    assert second.case.code == code and second.public_id != first
    page = as_counsellor.text(f"/console/conversations/{second.public_id}")
    assert "Earlier contact" in page and "SMS (another conversation)" in page
    assert "Labour exploitation" in page
    assert f"/console/conversations/{first}" in page  # she can open the earlier one
