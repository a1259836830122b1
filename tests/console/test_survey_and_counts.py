"""What the gateway counts as things happen (contacts, bot turns, wrap-ups), and the
one-question survey's round trip: over SMS (signed Twilio requests) and the web widget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.turn_report import TurnReport
from tests.console.conftest import RecordingSender
from tests.console.support import Console, actions, last_message_id, open_handoff
from tests.gateway.support import FakeBot, TwilioSender
from webhooks.cli import replies_from_twiml
from webhooks.extensions import db
from webhooks.models import Conversation, DailyCount

QUESTION_EN = "Did this chat help you? Reply 1 yes, 2 a little, 3 no."
THANKS_EN = "Thank you for your answer. Write to us any time. In danger call Police 100."


def counts(metric: str) -> dict[tuple[str, ...], int]:
    """{(channel, language, dimension, value): count} of ``metric``, all days together."""
    db.session.expire_all()
    totals: dict[tuple[str, ...], int] = {}
    for row in db.session.scalars(select(DailyCount).filter_by(metric=metric)):
        key = (row.channel, row.language, row.dimension, row.value)
        totals[key] = totals.get(key, 0) + row.count
    return totals


def conversation(public_id: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalar(select(Conversation).filter_by(public_id=public_id))


def close(console: Console, public_id: str, survey: bool = True, **extra: str) -> Any:
    base = f"/console/conversations/{public_id}"
    console.post(f"{base}/claim")
    form = {"outcome": "information_given", "self_description": "not_asked",
            "seen_up_to": str(last_message_id(public_id)), "tell_person": "y", **extra}  # fmt: skip
    if survey:
        form["ask_survey"] = "y"
    response = console.post(f"{base}/close", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def texts_to(sender: RecordingSender, number: str) -> list[str]:
    return [body for _channel, address, body in sender.sent if address == number]


# --- counting as things happen ------------------------------------------------------------------


def test_contacts_count_once_per_person_and_week_and_bot_turns_per_message(
    twilio: TwilioSender, fake_bot: FakeBot
) -> None:
    fake_bot.report = TurnReport("answer", "free_visa_free_ticket")
    for text in ("what is free visa free ticket", "and the agency fee?", "thanks"):
        twilio.post(text, sender="+9779800000701")
    twilio.post("hello", sender="+9779800000702")
    assert counts("contacts_week") == {("sms", "en", "kind", "new"): 2}
    assert counts("contacts_month") == {("sms", "en", "kind", "new"): 2}
    assert counts("bot_turns") == {("sms", "en", "fees", "answer"): 4}
    fake_bot.report, fake_bot.replies = None, ["Namaste!"]
    twilio.post("good morning", sender="+9779800000702")  # a rule's greeting: nothing reported
    fake_bot.down = True
    twilio.post("are you there", sender="+9779800000702")
    turns = counts("bot_turns")
    assert turns[("sms", "en", "", "other")] == 1 and turns[("sms", "en", "", "unanswered")] == 1


def test_a_redelivered_message_is_not_counted_twice(twilio: TwilioSender) -> None:
    for _ in range(2):
        twilio.post("hello", sender="+9779800000703", MessageSid="SM" + "7" * 32)
    assert counts("contacts_week") == {("sms", "en", "kind", "new"): 1}
    assert sum(counts("bot_turns").values()) == 1


def test_wrapup_counts_are_kept_when_the_conversation_is_erased(
    as_supervisor: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio, "my agent took my money", sender="+9779800000704")
    close(as_supervisor, public_id, survey=False, what_happened=["agent_fraud", "wage_theft"],
          country="QA", route="direct_from_nepal")  # fmt: skip
    before = counts("wrapups")
    assert before[("sms", "en", "what_happened", "agent_fraud")] == 1
    assert before[("sms", "en", "country", "QA")] == 1
    assert before[("sms", "en", "outcome", "information_given")] == 1
    erased = as_supervisor.post(f"/console/conversations/{public_id}/erase", {"confirm": "ERASE"})
    assert erased.status_code == 302
    assert counts("wrapups") == before
    assert counts("contacts_week") == {("sms", "en", "kind", "new"): 1}


# --- the survey over SMS ------------------------------------------------------------------------


def test_sms_survey_round_trip(
    as_counsellor: Console, twilio: TwilioSender, fake_bot: FakeBot, sender: RecordingSender
) -> None:
    number = "+9779800000711"
    public_id = open_handoff(twilio, "I need help", sender=number)
    close(as_counsellor, public_id)
    closing, question = texts_to(sender, number)
    assert "closed this chat" in closing and question == QUESTION_EN
    assert conversation(public_id).survey_asked_at is not None
    sent_to_bot = len(fake_bot.received)
    reply = twilio.post("1", sender=number)
    assert replies_from_twiml(reply.get_data(as_text=True)) == [THANKS_EN]
    assert len(fake_bot.received) == sent_to_bot  # the gateway took it, not the bot
    assert counts("survey") == {("sms", "en", "asked", ""): 1, ("sms", "en", "answer", "yes"): 1}
    assert conversation(public_id).survey_asked_at is None
    assert actions(action="survey_sent") == ["survey_sent"]
    assert actions(action="survey_answered") == ["survey_answered"]
    # Answered once: a later "1" is a message for the bot (a menu choice, say).
    twilio.post("1", sender=number)
    assert fake_bot.received[-1][1] == "1"


def test_nepali_survey_in_her_form_answered_in_devanagari_digits(
    as_counsellor: Console, twilio: TwilioSender, sender: RecordingSender
) -> None:
    number = "+9779800000712"
    public_id = open_handoff(twilio, "मलाई मद्दत चाहियो", sender=number, language="ne")
    close(as_counsellor, public_id)
    question = texts_to(sender, number)[-1]
    assert question.startswith("के यो कुराकानीले सहयोग गर्यो?")
    reply = twilio.post("२", sender=number)
    [thanks] = replies_from_twiml(reply.get_data(as_text=True))
    assert thanks.startswith("जवाफका लागि धन्यवाद")
    assert counts("survey")[("sms", "ne", "answer", "a_little")] == 1


def test_stop_still_works_while_a_survey_waits(
    as_counsellor: Console, twilio: TwilioSender, fake_bot: FakeBot
) -> None:
    number = "+9779800000713"
    public_id = open_handoff(twilio, "I need help", sender=number)
    close(as_counsellor, public_id)
    stopped = twilio.post("STOP", sender=number)
    assert "no more messages" in stopped.get_data(as_text=True)
    assert replies_from_twiml(twilio.post("1", sender=number).get_data(as_text=True)) == []
    assert ("sms", "en", "answer", "yes") not in counts("survey")


@pytest.mark.parametrize("later", [False, True])
def test_anything_else_or_too_late_goes_to_the_bot(
    app: Flask, as_counsellor: Console, twilio: TwilioSender, fake_bot: FakeBot, later: bool
) -> None:
    number = "+9779800000714"
    public_id = open_handoff(twilio, "I need help", sender=number)
    close(as_counsellor, public_id)
    if later:
        asked = conversation(public_id)
        asked.survey_asked_at -= timedelta(hours=app.config["SURVEY_ANSWER_HOURS"], minutes=1)
        db.session.commit()
        text = "1"
    else:
        text = "what about my passport?"
    reply = twilio.post(text, sender=number)
    assert fake_bot.received[-1][1] == text
    assert replies_from_twiml(reply.get_data(as_text=True)) == ["bot reply"]
    assert conversation(public_id).survey_asked_at is None  # the survey is over
    assert not [key for key in counts("survey") if key[2] == "answer"]


def test_no_survey_when_unsafe_to_contact_off_for_the_channel_or_not_ticked(
    app: Flask, as_counsellor: Console, twilio: TwilioSender, sender: RecordingSender
) -> None:
    unsafe = open_handoff(twilio, "I need help", sender="+9779800000715")
    as_counsellor.post(f"/console/conversations/{unsafe}/claim")
    marked = as_counsellor.post(f"/console/conversations/{unsafe}/contact-safety", {"unsafe": "y"})
    assert marked.status_code == 303 and conversation(unsafe).unsafe_to_contact
    page = as_counsellor.text(f"/console/conversations/{unsafe}")
    assert "No survey: she is marked unsafe to contact" in page
    assert 'id="tell_person" name="tell_person" type="checkbox" value="y">' in page  # unticked
    close(as_counsellor, unsafe)  # even if a form says so
    assert len(texts_to(sender, "+9779800000715")) == 1  # the closing message she was sent
    assert actions(action="contact_marked_unsafe") == ["contact_marked_unsafe"]

    app.config["SURVEY_CHANNELS"] = ["web"]
    off = open_handoff(twilio, "I need help", sender="+9779800000716")
    close(as_counsellor, off)
    assert len(texts_to(sender, "+9779800000716")) == 1

    app.config["SURVEY_CHANNELS"] = ["sms"]
    unticked = open_handoff(twilio, "I need help", sender="+9779800000717")
    close(as_counsellor, unticked, survey=False)
    assert len(texts_to(sender, "+9779800000717")) == 1
    assert counts("survey") == {}


def test_only_the_holder_or_a_supervisor_marks_contact_safety(
    as_counsellor: Console, as_colleague: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio, "I need help", sender="+9779800000718")
    as_counsellor.post(f"/console/conversations/{public_id}/claim")
    refused = as_colleague.post(
        f"/console/conversations/{public_id}/contact-safety", {"unsafe": "y"}
    )
    assert refused.status_code == 403 and not conversation(public_id).unsafe_to_contact


# --- the survey in the web widget ---------------------------------------------------------------


def test_widget_survey_round_trip(app: Flask, as_counsellor: Console, fake_bot: FakeBot) -> None:
    person = app.test_client()
    token = person.post("/api/chat/session").get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    person.post("/api/chat/messages", json={"text": "I need a counsellor"}, headers=headers)
    public_id = fake_bot.received[-1][0]
    opened = person.post(
        "/internal/handoffs",
        json={"conversation_id": public_id, "reason": "asked", "priority": "normal",
              "language": "en", "summary": {}},
        headers={"Authorization": "Bearer test-internal-token"},
    )  # fmt: skip
    assert opened.status_code in (200, 201)
    close(as_counsellor, public_id)
    polled = person.get("/api/chat/messages?after=0", headers=headers).get_json()["messages"]
    assert polled[-1]["text"] == QUESTION_EN
    answer = person.post("/api/chat/messages", json={"text": "3"}, headers=headers).get_json()
    assert [m["text"] for m in answer["messages"]] == [THANKS_EN]
    assert fake_bot.received[-1][1] == "I need a counsellor"  # "3" never reached the bot
    assert counts("survey") == {("web", "en", "asked", ""): 1, ("web", "en", "answer", "no"): 1}


def test_an_unreported_clarification_screen_is_counted_as_one(
    twilio: TwilioSender, fake_bot: FakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webhooks.reports import screens

    menu = screens.Screens(
        clarify=frozenset({"which do you mean? reply with a number:"}),
        topic_of_label={"legal agency fee": "free_visa_free_ticket"},
    )
    monkeypatch.setattr(screens, "screens", lambda: menu)
    fake_bot.replies = ["Which do you mean? Reply with a number:\n1 Legal agency fee"]
    twilio.post("fee", sender="+9779800000719")
    assert counts("bot_turns") == {("sms", "en", "fees", "clarify"): 1}
