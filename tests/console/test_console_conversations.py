"""Queue, claim, transcript, reply, notes, transfer, close, masking, escaping and the audit."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from tests.console.conftest import RecordingSender
from tests.console.support import Console, actions, last_message_id, open_handoff
from tests.gateway.support import FakeBot, TwilioSender
from webhooks.extensions import db
from webhooks.models import Conversation, Handoff, Message, Note, User, utcnow


def _conversation(public_id: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalar(select(Conversation).filter_by(public_id=public_id))


def _handoff(public_id: str) -> Handoff:
    return db.session.scalar(select(Handoff).filter_by(conversation_id=_conversation(public_id).id))


def test_queue_lists_urgent_first_then_oldest(as_counsellor: Console, twilio: TwilioSender) -> None:
    first = open_handoff(twilio, sender="+9779800000101", language="ne")
    second = open_handoff(twilio, sender="+9779800000102", language="en")
    urgent = open_handoff(twilio, sender="+9779800000103", priority="urgent", language="en")
    data = as_counsellor.get("/console/api/queue").get_json()
    assert [item["public_id"] for item in data["waiting"]] == [urgent, first, second]
    assert data["counts"] == {"waiting": 3, "urgent": 1, "active": 0, "mine": 0}
    assert data["waiting"][1]["language_label"] == "Nepali (Devanagari)"
    assert data["waiting"][1]["channel"] == "SMS"
    only_ne = as_counsellor.get("/console/api/queue?language=ne").get_json()
    assert [item["public_id"] for item in only_ne["waiting"]] == [first]
    assert as_counsellor.get("/console/api/queue?language=xx").status_code == 400
    page = as_counsellor.text("/console/queue?language=ne")
    assert first in page and second not in page


def test_breaches_are_shown_to_supervisors_only(
    as_counsellor: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    handoff = _handoff(public_id)
    handoff.created_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    assert as_supervisor.get("/console/api/queue").get_json()["waiting"][0]["breach"] is True
    assert as_counsellor.get("/console/api/queue").get_json()["waiting"][0]["breach"] is False
    assert "over target" in as_supervisor.text("/console/queue")
    assert "over target" not in as_counsellor.text("/console/queue")


def test_conversation_page_shows_everything_and_masks_the_number(
    as_counsellor: Console, counsellor: User, twilio: TwilioSender
) -> None:
    public_id = open_handoff(
        twilio,
        text="my agent took my passport",
        sender="+9779812345678",
        summary={"topic": "passport", "risk": ["debt", "no contract"]},
    )
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert "my agent took my passport" in page
    assert "bot reply" in page  # the bot's part of the conversation
    assert "•••••••678" in page
    assert "9812345678" not in page and "+977" not in page
    assert "passport" in page and "no contract" in page  # summary as key/values
    assert "Claim this conversation" in page
    assert actions(user_id=counsellor.id)[-1] == "conversation_viewed"


def test_claim_reply_note_close_and_back_to_the_bot(
    as_counsellor: Console,
    counsellor: User,
    twilio: TwilioSender,
    fake_bot: FakeBot,
    sender: RecordingSender,
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.text(base)
    assert as_counsellor.post(f"{base}/claim").status_code == 302
    assert _handoff(public_id).counsellor_id == counsellor.id
    assert as_counsellor.get("/console/api/queue").get_json()["counts"]["mine"] == 1

    response = as_counsellor.post_json(
        f"/console/api/{base[9:]}/reply", {"body": "Namaste, I am here."}
    )
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()["messages"][0]
    assert sent["who"] == "counsellor" and sent["author"] == "asha"
    assert sent["status"] == "sent"
    assert sender.sent == [("sms", "+9779800000123", "Namaste, I am here.")]
    message = db.session.get(Message, sent["id"])
    assert message.author_id == counsellor.id and message.sms_segments == 1

    assert (
        as_counsellor.post(f"{base}/notes", {"body": "seems scared; follow up"}).status_code == 302
    )
    assert db.session.scalar(select(Note)).body == "seems scared; follow up"

    # The person writes during the hand-off: the bot stays silent, the console shows it.
    received_before = len(fake_bot.received)
    assert twilio.post("thank you", sender="+9779800000123").status_code == 200
    assert len(fake_bot.received) == received_before
    latest = as_counsellor.get(f"/console/api/{base[9:]}/messages?after={sent['id']}").get_json()
    assert [m["body"] for m in latest["messages"]] == ["thank you"]
    assert latest["statuses"][0]["id"] == sent["id"]

    seen = last_message_id(public_id)
    response = as_counsellor.post(
        f"{base}/close",
        {
            "outcome": "information_given",
            "self_description": "not_asked",
            "seen_up_to": str(seen),
            "tell_person": "y",
        },
    )
    assert response.status_code == 303
    # She is told, in her form, with the case code that resumes the case.
    code = _conversation(public_id).case.code
    assert sender.sent[-1][2].startswith("The counsellor has closed this chat.")
    assert code in sender.sent[-1][2]
    assert _handoff(public_id).status == "closed"
    assert twilio.post("one more question", sender="+9779800000123").status_code == 200
    assert fake_bot.received[-1][1] == "one more question"
    assert actions(user_id=counsellor.id) == [
        "login",
        "conversation_viewed",
        "handoff_claimed",
        "reply_sent",
        "note_added",
        "handoff_closed",
        "case_opened",
        "wrapup_saved",
        "close_message_queued",
    ]


def test_two_claims_one_wins(
    as_counsellor: Console, as_colleague: Console, colleague: User, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    # Both have the waiting conversation open; both press Claim.
    as_counsellor.text(base)
    as_colleague.text(base)
    assert as_colleague.post(f"{base}/claim").status_code == 302
    lost = as_counsellor.post(f"{base}/claim")
    assert lost.status_code in (302, 409)
    follow = lost if lost.status_code == 409 else as_counsellor.get(lost.headers["Location"])
    assert "someone else has already taken this conversation" in follow.get_data(as_text=True)
    assert _handoff(public_id).counsellor_id == colleague.id
    # The loser can no longer see it, nor reply.
    assert as_counsellor.get(base).status_code == 403
    reply = as_counsellor.post_json(f"/console/api/{base[9:]}/reply", {"body": "hi"})
    assert reply.status_code == 403


def test_close_is_refused_when_a_new_message_arrived(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    shown = last_message_id(public_id)
    twilio.post("wait, one more thing: they have my papers", sender="+9779800000123")
    response = as_counsellor.post(
        f"{base}/close",
        {"outcome": "referred", "self_description": "unsure", "seen_up_to": str(shown)},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "a new message has arrived" in page
    assert "wait, one more thing: they have my papers" in page  # the refreshed transcript
    assert _handoff(public_id).status == "active"
    again = as_counsellor.post(
        f"{base}/close",
        {
            "outcome": "referred",
            "self_description": "unsure",
            "seen_up_to": str(last_message_id(public_id)),
        },
    )
    assert again.status_code == 303


def test_bad_input_gets_clear_4xx(as_counsellor: Console, twilio: TwilioSender) -> None:
    assert as_counsellor.get("/console/conversations/nope").status_code == 404
    assert "no such conversation" in as_counsellor.get("/console/conversations/nope").get_data(
        as_text=True
    )
    assert as_counsellor.get("/console/api/conversations/nope/messages").status_code == 404
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    assert as_counsellor.get(f"/console/api/{base[9:]}/messages?after=x").status_code == 400
    # Replying before claiming is refused with a reason.
    early = as_counsellor.post_json(f"/console/api/{base[9:]}/reply", {"body": "hi"})
    assert early.status_code == 409 and "Only the counsellor" in early.get_json()["error"]
    as_counsellor.post(f"{base}/claim")
    empty = as_counsellor.post_json(f"/console/api/{base[9:]}/reply", {"body": "   "})
    assert empty.status_code == 400 and "empty" in empty.get_json()["error"]
    assert as_counsellor.post_json(f"/console/api/{base[9:]}/reply", ["x"]).status_code == 400
    too_long = as_counsellor.post_json(f"/console/api/{base[9:]}/reply", {"body": "a" * 1601})
    assert too_long.status_code == 400
    form_empty = as_counsellor.post(f"{base}/reply", {"body": ""})
    assert form_empty.status_code == 400
    assert "The reply is empty" in form_empty.get_data(as_text=True)
    assert as_counsellor.post(f"{base}/notes", {"body": " "}).status_code == 400
    no_outcome = as_counsellor.post(f"{base}/close", {"seen_up_to": "1"})
    assert no_outcome.status_code == 400
    bad_seen = as_counsellor.post(f"{base}/close", {"outcome": "other", "seen_up_to": "x"})
    assert bad_seen.status_code == 400
    assert as_counsellor.post(f"{base}/transfer", {"to_user": "999"}).status_code == 303
    assert as_counsellor.post(f"{base}/transfer", {"to_user": "x"}).status_code == 400


def test_reply_form_fallback_without_javascript(
    as_counsellor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    response = as_counsellor.post(f"{base}/reply", {"body": "line one\r\nline two"})
    assert response.status_code == 302
    assert _conversation(public_id).messages[-1].body == "line one\nline two"


def test_whatsapp_window_error_is_shown(as_counsellor: Console, twilio: TwilioSender) -> None:
    public_id = open_handoff(twilio, sender="whatsapp:+9779800000555")
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    conversation = _conversation(public_id)
    assert conversation.channel == "whatsapp"
    conversation.last_inbound_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    response = as_counsellor.post_json(f"/console/api/{base[9:]}/reply", {"body": "hello"})
    assert response.status_code == 409
    assert "24 hours" in response.get_json()["error"]
    assert "reply_refused" in actions()


def test_transfer_to_a_colleague(
    as_counsellor: Console,
    counsellor: User,
    colleague: User,
    as_colleague: Console,
    twilio: TwilioSender,
) -> None:
    colleague.on_duty = True
    db.session.commit()
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    response = as_counsellor.post(f"{base}/transfer", {"to_user": str(colleague.id)})
    assert response.status_code == 303
    assert _handoff(public_id).counsellor_id == colleague.id
    assert as_counsellor.get(base).status_code == 403
    assert as_colleague.get(base).status_code == 200
    assert "handoff_transferred" in actions(user_id=counsellor.id)


def test_person_text_is_escaped(
    as_counsellor: Console, as_supervisor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(
        twilio,
        text="<script>alert(1)</script>",
        summary={"<b>k</b>": "<img src=x onerror=alert(1)>"},
    )
    twilio.post("<img src=x onerror=alert(1)>", sender="+9779800000123")
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    as_counsellor.post(f"{base}/notes", {"body": "<script>alert('note')</script>"})
    page = as_counsellor.text(base)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>k" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    audit_page = as_supervisor.text("/console/audit")
    assert "<script>" not in audit_page


def test_reveal_is_supervisor_only_and_audited(
    as_counsellor: Console, as_supervisor: Console, supervisor: User, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio, sender="+9779812345678")
    base = f"/console/conversations/{public_id}"
    assert as_counsellor.post(f"{base}/reveal").status_code == 403
    assert "Reveal full number" not in as_counsellor.text(base)
    page = as_supervisor.text(base)
    assert "•••••••678" in page and "+9779812345678" not in page
    revealed = as_supervisor.post(f"{base}/reveal")
    assert revealed.status_code == 200
    assert "+9779812345678" in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    assert "contact_revealed" in actions(user_id=supervisor.id)
    # The audit detail never holds the number.
    assert "9812345678" not in as_supervisor.text("/console/audit")


def test_supervisor_sees_all_and_reassigns(
    app: Flask,
    as_counsellor: Console,
    as_supervisor: Console,
    colleague: User,
    twilio: TwilioSender,
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    as_counsellor.post(f"{base}/claim")
    assert as_supervisor.get(base).status_code == 200
    page = as_supervisor.text("/console/supervise")
    assert public_id in page and "asha" in page
    response = as_supervisor.post(
        f"{base}/transfer",
        {"to_user": str(colleague.id), "return_to": "supervise", "confirm_off_duty": "y"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/supervise")
    assert _handoff(public_id).counsellor_id == colleague.id


def test_simultaneous_claims_exactly_one_wins(
    app: Flask, as_counsellor: Console, as_colleague: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    path = f"/console/conversations/{public_id}/claim"
    tokens = {id(c): c.token() for c in (as_counsellor, as_colleague)}
    barrier = threading.Barrier(2)
    results: list[int] = []

    def claim(console: Console) -> None:
        with app.app_context():  # each thread: its own context and database session
            client = console._client
            barrier.wait()
            response = client.post(path, data={"csrf_token": tokens[id(console)]})
            results.append(response.status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in (as_counsellor, as_colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [302, 409]
    assert _handoff(public_id).status == "active"
