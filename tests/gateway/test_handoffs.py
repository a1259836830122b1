"""Hand-off: internal API, routing during a hand-off, the state machine and its races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.gateway.support import TwilioSender
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.schedule import Schedule
from webhooks.models import (
    AuditEvent,
    Conversation,
    ConversationState,
    Handoff,
    HandoffStatus,
    Message,
    MessageStatus,
    User,
    utcnow,
)
from webhooks.services import init_services, services

TOKEN = {"Authorization": "Bearer test-internal-token"}


def always_open(tmp_path) -> str:
    path = tmp_path / "always_open.yml"
    days = "".join(
        f"  {day}: ['00:00', '23:59']\n"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    path.write_text(f"timezone: Asia/Kathmandu\nhours:\n{days}holidays: []\n")
    return str(path)


def never_open(tmp_path) -> str:
    path = tmp_path / "never_open.yml"
    path.write_text("timezone: Asia/Kathmandu\nhours: {}\nholidays: []\n")
    return str(path)


def use_schedule(app, path: str, fake_bot) -> None:
    app.config["COUNSELLOR_SCHEDULE"] = path
    init_services(app, bot=fake_bot)


def conversation_for(twilio: TwilioSender, sender: str = "+9779800000001") -> Conversation:
    assert twilio.post("hello", sender=sender).status_code == 200
    return db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()


def open_via_api(client, conversation: Conversation, **fields):
    body = {
        "conversation_id": conversation.public_id,
        "reason": "asked",
        "priority": "normal",
        "language": "en",
        "channel": "sms",
        "summary": {"topics": ["fees"]},
        **fields,
    }
    return client.post("/internal/handoffs", json=body, headers=TOKEN)


def make_user(name: str, role: str = "counsellor", on_duty: bool = True) -> User:
    user = User(username=name, password_hash="x", role=role, on_duty=on_duty,
                must_change_password=False)  # fmt: skip
    db.session.add(user)
    db.session.commit()
    return user


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- internal API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-internal-token"}]
)
def test_internal_api_needs_the_token(client, twilio, headers):
    conversation = conversation_for(twilio)
    response = client.post(
        "/internal/handoffs",
        json={"conversation_id": conversation.public_id, "reason": "asked"},
        headers=headers,
    )
    assert response.status_code == 401
    assert db.session.scalar(select(Handoff)) is None


@pytest.mark.parametrize(
    ("fields", "status"),
    [({"reason": "bored"}, 400), ({"priority": "whenever"}, 400), ({"summary": [1]}, 400),
     ({"conversation_id": "nope"}, 404)],
)  # fmt: skip
def test_internal_api_rejects_bad_input_clearly(client, twilio, fields, status):
    response = open_via_api(client, conversation_for(twilio), **fields)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_internal_api_rejects_non_json(client):
    response = client.post("/internal/handoffs", data="x", headers=TOKEN)
    assert response.status_code == 400


def test_opening_queues_the_conversation_and_reports_availability(app, client, twilio, tmp_path,
                                                                    fake_bot):  # fmt: skip
    use_schedule(app, always_open(tmp_path), fake_bot)
    make_user("asha")
    conversation = conversation_for(twilio)
    response = open_via_api(client, conversation)
    assert response.status_code == 201
    body = response.get_json()
    assert body["queued"] is True and body["on_duty"] is True
    assert body["expected_wait_minutes"] >= 1 and body["available_from"] is None
    db.session.refresh(conversation)
    assert conversation.state == ConversationState.WAITING.value
    handoff = db.session.scalar(select(Handoff))
    assert handoff.summary == {"topics": ["fees"]}
    assert "handoff_opened" in actions()


def test_asking_again_keeps_one_handoff_and_raises_priority(client, twilio):
    conversation = conversation_for(twilio)
    first = open_via_api(client, conversation).get_json()
    second = open_via_api(client, conversation, reason="danger", priority="urgent")
    assert second.status_code == 200
    assert second.get_json()["handoff_id"] == first["handoff_id"]
    assert db.session.scalar(select(Handoff.priority)) == "urgent"


def test_out_of_hours_tells_when_counsellors_return(app, client, twilio, tmp_path, fake_bot):
    app.config["COUNSELLOR_SCHEDULE"] = f"{tmp_path}/sched.yml"
    (tmp_path / "sched.yml").write_text(
        "timezone: Asia/Kathmandu\nhours:\n  sunday: ['09:00', '09:01']\nholidays: []\n"
    )
    init_services(app, bot=fake_bot)
    make_user("asha")
    body = open_via_api(client, conversation_for(twilio)).get_json()
    assert body["on_duty"] is False and body["expected_wait_minutes"] is None
    assert body["available_from"].endswith("+05:45")
    assert "T09:00:00" in body["available_from"]


def test_nobody_on_duty_counts_as_out_of_hours(app, client, twilio, tmp_path, fake_bot):
    use_schedule(app, always_open(tmp_path), fake_bot)
    make_user("asha", on_duty=False)
    assert open_via_api(client, conversation_for(twilio)).get_json()["on_duty"] is False


def test_urgent_out_of_hours_alerts_the_on_call_counsellor(app, client, twilio, tmp_path,
                                                             fake_bot, fake_twilio):  # fmt: skip
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    use_schedule(app, never_open(tmp_path), fake_bot)
    open_via_api(client, conversation_for(twilio), reason="danger", priority="urgent")
    [alert] = fake_twilio.sent
    assert alert["To"] == "+9779851000000" and "urgent" in alert["Body"]
    assert db.session.scalar(select(Handoff.on_call_notified_at)) is not None
    assert "on_call_notified" in actions()


def test_a_missing_on_call_number_is_audited_not_silent(app, client, twilio, tmp_path, fake_bot,
                                                          fake_twilio):  # fmt: skip
    use_schedule(app, never_open(tmp_path), fake_bot)
    open_via_api(client, conversation_for(twilio), reason="danger", priority="urgent")
    assert fake_twilio.sent == []
    assert "on_call_not_notified" in actions()


# --- routing during a hand-off --------------------------------------------------------------


def test_while_waiting_the_bot_is_silent_and_messages_are_kept_for_counsellors(
    client, twilio, fake_bot
):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    calls_before = len(fake_bot.received)
    response = twilio.post("please someone help me")
    assert response.status_code == 200
    assert "<Message>" not in response.get_data(as_text=True)
    assert len(fake_bot.received) == calls_before
    last = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert last.body == "please someone help me"
    assert last.status == MessageStatus.FOR_COUNSELLOR.value


SELF_HARM = {
    "intent": {"name": "danger_self_harm", "confidence": 0.93},
    "intent_ranking": [{"name": "danger_self_harm", "confidence": 0.93}],
}


def test_danger_while_waiting_gets_the_numbers_at_once_and_raises_the_priority(
    app, client, twilio, tmp_path, fake_bot, fake_twilio
):
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    use_schedule(app, never_open(tmp_path), fake_bot)
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)  # asked, normal: no alert
    assert fake_twilio.sent == []
    fake_bot.parses["i want to kill myself tonight"] = SELF_HARM
    calls_before = len(fake_bot.received)
    body = twilio.post("i want to kill myself tonight").get_data(as_text=True)
    assert "1166" in body and "102" in body  # the self-harm reply, at once
    assert len(fake_bot.received) == calls_before  # no bot turn: the counsellor has her
    handoff = db.session.scalar(select(Handoff))
    assert handoff.priority == "urgent"
    assert handoff.summary["danger_during_handoff"] == "danger_self_harm"
    assert "handoff_danger_detected" in actions()
    [alert] = fake_twilio.sent  # out of hours: the on-call counsellor is alerted, once
    assert alert["To"] == "+9779851000000"
    last_inbound = db.session.scalars(
        select(Message).filter_by(direction="in").order_by(Message.id.desc())
    ).first()
    assert last_inbound.status == MessageStatus.FOR_COUNSELLOR.value
    twilio.post("i want to kill myself tonight")
    assert len(fake_twilio.sent) == 1


def test_danger_during_a_handoff_answers_in_the_persons_form(client, twilio, fake_bot):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    text = "उसले मलाई कुट्छ"
    fake_bot.parses[text] = {
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [{"name": "danger_violence", "confidence": 0.4}],
    }
    body = twilio.post(text).get_data(as_text=True)
    assert "100" in body and "प्रहरी" in body
    assert db.session.scalar(select(Handoff.priority)) == "urgent"


def test_ordinary_messages_during_a_handoff_stay_silent_and_normal(client, twilio, fake_bot):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    body = twilio.post("when will someone answer").get_data(as_text=True)
    assert "<Message>" not in body
    assert fake_bot.parsed == ["when will someone answer"]  # checked all the same
    assert db.session.scalar(select(Handoff.priority)) == "normal"


def test_with_rasa_down_a_handoff_message_still_reaches_the_queue(client, twilio, fake_bot):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    fake_bot.down = True
    assert twilio.post("he beats me").status_code == 200
    last = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert last.status == MessageStatus.FOR_COUNSELLOR.value


@pytest.mark.parametrize("word", ["cancel", "BOT", "रद्द", "radda"])
def test_the_person_can_cancel_waiting(client, twilio, fake_bot, word):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    response = twilio.post(word)
    assert "MENU" in response.get_data(as_text=True)
    db.session.refresh(conversation)
    assert conversation.state == ConversationState.BOT.value
    assert db.session.scalar(select(Handoff.status)) == HandoffStatus.CANCELLED.value
    twilio.post("what fees are legal")
    assert fake_bot.received[-1][1] == "what fees are legal"


def test_cancel_does_not_end_a_conversation_a_counsellor_has_taken(client, twilio, fake_bot):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    handoffs.claim(db.session.scalar(select(Handoff)), make_user("asha"))
    twilio.post("cancel")
    db.session.refresh(conversation)
    assert conversation.state == ConversationState.WITH_COUNSELLOR.value


# --- state machine --------------------------------------------------------------------------


def test_two_simultaneous_claims_have_exactly_one_winner(app, client, twilio):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    user_ids = [make_user("asha").id, make_user("bina").id]
    handoff_id = db.session.scalar(select(Handoff.id))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim_as(user_id: int) -> None:
        with app.app_context():
            handoff, user = db.session.get(Handoff, handoff_id), db.session.get(User, user_id)
            barrier.wait()
            try:
                handoffs.claim(handoff, user)
                outcomes.append("won")
            except handoffs.HandoffError:
                outcomes.append("lost")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim_as, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["lost", "won"]
    db.session.expire_all()
    assert db.session.scalar(select(Handoff.counsellor_id)) in user_ids
    assert actions().count("handoff_claimed") == 1


def test_close_is_refused_while_an_unseen_message_waits_then_succeeds(client, twilio, fake_bot):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    handoff = db.session.scalar(select(Handoff))
    counsellor = make_user("asha")
    handoffs.claim(handoff, counsellor)
    seen = db.session.scalar(select(db.func.max(Message.id)))
    twilio.post("wait, one more thing")  # arrives while the counsellor is closing
    with pytest.raises(handoffs.HandoffError, match="new message"):
        handoffs.close(handoff, counsellor, "information_given", seen_up_to_message_id=seen)
    assert db.session.scalar(select(Handoff.status)) == HandoffStatus.ACTIVE.value
    seen = db.session.scalar(select(db.func.max(Message.id)))
    handoffs.close(handoff, counsellor, "information_given", seen_up_to_message_id=seen)
    db.session.refresh(conversation)
    assert conversation.state == ConversationState.BOT.value
    calls = len(fake_bot.received)
    twilio.post("thank you")
    assert len(fake_bot.received) == calls + 1  # the next message goes to the bot again


def test_a_message_racing_a_close_goes_to_the_bot_not_nowhere(client, twilio, fake_bot,
                                                               monkeypatch):  # fmt: skip
    from webhooks.conversations import store

    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    handoff = db.session.scalar(select(Handoff))
    counsellor = make_user("asha")
    handoffs.claim(handoff, counsellor)
    original = store.record_inbound

    def close_first(*args, **kwargs):  # the counsellor's close commits just before the insert
        seen = db.session.scalar(select(db.func.max(Message.id)))
        handoffs.close(db.session.get(Handoff, handoff.id), counsellor, "referred", seen)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "record_inbound", close_first)
    twilio.post("are you still there")
    assert fake_bot.received[-1][1] == "are you still there"
    last_in = db.session.scalars(
        select(Message).filter_by(direction="in").order_by(Message.id.desc())
    ).first()
    assert last_in.status == MessageStatus.ANSWERED.value


def test_transfer_and_unknown_outcome(client, twilio):
    conversation = conversation_for(twilio)
    open_via_api(client, conversation)
    handoff = db.session.scalar(select(Handoff))
    asha, bina = make_user("asha"), make_user("bina")
    with pytest.raises(handoffs.HandoffError):
        handoffs.transfer(handoff, bina, asha)  # nobody has taken it yet
    handoffs.claim(handoff, asha)
    handoffs.transfer(handoff, bina, asha)
    assert db.session.scalar(select(Handoff.counsellor_id)) == bina.id
    with pytest.raises(handoffs.HandoffError, match="outcome"):
        handoffs.close(handoff, bina, "", 10**9)  # the options come from the wrap-up form
    assert "handoff_transferred" in actions()


def test_queue_is_urgent_first_then_oldest_first(client, twilio):
    numbers = ["+9779800000011", "+9779800000012", "+9779800000013"]
    conversations = [conversation_for(twilio, sender=n) for n in numbers]
    open_via_api(client, conversations[0])
    open_via_api(client, conversations[1])
    open_via_api(client, conversations[2], priority="urgent", reason="danger")
    order = [h.conversation_id for h in handoffs.queue()]
    assert order == [conversations[2].id, conversations[0].id, conversations[1].id]
    assert handoffs.queue(language="ne") == []


# --- the worker -----------------------------------------------------------------------------


def test_people_waiting_too_long_are_reassured_once(app, client, twilio, fake_twilio):
    from webhooks.worker import run_once

    conversation = conversation_for(twilio, sender="+9779800000021")
    open_via_api(client, conversation)
    later = utcnow() + timedelta(minutes=app.config["HANDOFF_REASSURE_AFTER_MINUTES"] + 1)
    assert run_once(utcnow()) == (0, 0)
    assert run_once(later)[1] == 1
    assert run_once(later)[1] == 0
    [sent] = fake_twilio.sent
    assert sent["To"] == "+9779800000021" and "queue" in sent["Body"]
    assert "wait_breached" in actions()


def test_services_load_the_shipped_schedule(app):
    assert isinstance(services().schedule, Schedule)
