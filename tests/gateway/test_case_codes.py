"""Case codes: recognised in any message, and a quoted code resumes the person's case on any
channel (linked conversation, a hand-off, a reply in her form); the gateway's texts for it fit
the SMS budget in all three forms."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from bot.sms_segments import count_segments
from tests.gateway.support import FakeBot, TwilioSender
from webhooks.cases import codes
from webhooks.conversations.texts import TEXTS_PATH
from webhooks.extensions import db
from webhooks.models import Case, Conversation, Handoff, Message

MAX_SEGMENTS = 3


def test_new_codes_use_the_unambiguous_alphabet() -> None:
    for _ in range(200):
        code = codes.new_code()
        assert code.startswith("SY-") and len(code) == 9
        assert set(code[3:]) <= set(codes.ALPHABET)
        assert codes.normalise(code) == code


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("SY-K7M4PX", "SY-K7M4PX"),
        ("my code is sy-k7m4px please", "SY-K7M4PX"),
        ("SY K7M4PX", "SY-K7M4PX"),
        ("syk7m4px", "SY-K7M4PX"),
        ("मेरो कोड SY-K7M4PX हो", "SY-K7M4PX"),
        ("SY-K7M4P0", None),  # 0 is not in the alphabet
        ("SY-K7M4PXA", None),  # too long
        ("easy-going", None),
        ("I need help", None),
    ],
)
def test_codes_are_found_in_what_people_write(text: str, found: str | None) -> None:
    assert codes.find_in_text(text) == found


def _conversation_of(address: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalars(
        select(Conversation).order_by(Conversation.id.desc())
    ).first()  # the newest: the one the last message went to


def test_a_quoted_code_links_the_new_conversation_and_queues_it(client, fake_bot: FakeBot) -> None:
    twilio = TwilioSender(client)
    assert twilio.post("hello", sender="+9779800000701").status_code == 200
    first = _conversation_of("+9779800000701")
    case = Case(code="SY-K7M4PX")
    db.session.add(case)
    first.case = case
    db.session.commit()

    bot_calls = len(fake_bot.received)
    # The same person on WhatsApp, in Nepali, quoting her code.
    response = twilio.post("नमस्ते, मेरो केस sy-k7m4px", sender="whatsapp:+9779800000702")
    assert response.status_code == 200
    assert len(fake_bot.received) == bot_calls  # she does not start again with the bot
    reply = response.get_data(as_text=True)
    assert "SY-K7M4PX" in reply and "भेटियो" in reply  # told in her form (Devanagari)
    assert "अहिले परामर्शदाता हुनुहुन्न" in reply  # nobody is on duty: she is told so
    second = _conversation_of("whatsapp:+9779800000702")
    assert second.id != first.id and second.case_id == case.id
    handoff = db.session.scalar(select(Handoff).filter_by(conversation_id=second.id))
    assert handoff.reason == "returning" and handoff.status == "waiting"
    assert handoff.summary["case_code"] == "SY-K7M4PX"
    quoted = db.session.scalar(select(Message).filter_by(conversation_id=second.id, direction="in"))
    assert quoted.status == "for_counsellor"


def test_danger_written_with_a_code_gets_the_emergency_reply_and_an_urgent_handoff(
    client, fake_bot: FakeBot
) -> None:
    case = Case(code="SY-K7M4PX")
    db.session.add(case)
    db.session.commit()
    text = "SY-K7M4PX he is beating me again, help"
    fake_bot.parses[text] = {
        "intent": {"name": "danger_violence", "confidence": 0.9},
        "intent_ranking": [{"name": "danger_violence", "confidence": 0.9}],
    }
    response = TwilioSender(client).post(text, sender="+9779800000703")
    reply = response.get_data(as_text=True)
    assert "100" in reply and "SY-K7M4PX" in reply  # emergency numbers, and her case found
    assert fake_bot.parsed == [text] and fake_bot.received == []  # a parse, not a bot turn
    handoff = db.session.scalar(select(Handoff).filter_by(reason="returning"))
    assert handoff.priority == "urgent"
    assert handoff.summary["danger_during_handoff"] == "danger_violence"


def test_an_unknown_code_goes_to_the_bot_as_usual(client, fake_bot: FakeBot) -> None:
    twilio = TwilioSender(client)
    response = twilio.post("SY-AAAAAA", sender="+9779800000703")
    assert response.status_code == 200
    assert fake_bot.received[-1][1] == "SY-AAAAAA"
    assert _conversation_of("+9779800000703").case_id is None
    assert db.session.scalar(select(Handoff)) is None


def test_closing_and_resuming_texts_fit_the_sms_budget() -> None:
    with open(TEXTS_PATH, encoding="utf-8") as handle:
        texts = yaml.safe_load(handle)["texts"]
    for key in ("handoff_closed", "case_resumed", "case_resumed_later"):
        assert set(texts[key]) == {"en", "ne", "ne-Latn"}
        for form, text in texts[key].items():
            filled = text.format(code="SY-K7M4PX")
            assert "SY-K7M4PX" in filled and "100" in filled, (key, form)
            assert count_segments(filled).segments <= MAX_SEGMENTS, (key, form)
