"""The hotline: signed Twilio Voice requests through each path, the TwiML and the queue."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from tests.gateway.support import ACCOUNT_SID, sign
from tests.gateway.test_handoffs import always_open, never_open, use_schedule
from webhooks.erasure import erase_conversation
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.models import (
    AuditEvent,
    Conversation,
    DailyCount,
    Handoff,
    Message,
    MessageStatus,
    Recording,
    RecordingStatus,
    User,
)
from webhooks.services import services
from webhooks.voice import prompts
from webhooks.voice.callbacks import CallBackRefused, call_back
from webhooks.worker import run_once

BASE = "/webhooks/twilio/voice"
CALLER = "+9779800000901"
HOTLINE = "+15005550006"
ASHA_PHONE = "+9779841000001"
BINA_PHONE = "+97455000002"


@pytest.fixture(autouse=True)
def no_prompt_audio(monkeypatch, tmp_path):
    """Tests do not depend on generated prompt audio: every prompt is read with <Say>."""
    monkeypatch.setattr(prompts, "PROMPTS_DIR", str(tmp_path / "no-audio"))
    monkeypatch.setattr(prompts, "PLACEHOLDER_DIR", str(tmp_path / "no-placeholders"))


def post(client, path, **params):
    params = {"AccountSid": ACCOUNT_SID, **params}
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(params, path)})


def call(client, path="", sid="CA1", **params):
    return post(client, BASE + path, CallSid=sid, From=CALLER, To=HOTLINE, **params)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data(as_text=True))


def counsellor(name, phone=None, on_duty=True) -> User:
    user = User(username=name, password_hash="!", on_duty=on_duty,
                phone_encrypted=services().vault.encrypt(phone) if phone else None)  # fmt: skip
    db.session.add(user)
    db.session.commit()
    return user


def the(model):
    db.session.expire_all()
    return db.session.scalars(select(model)).one()


def actions() -> set[str]:
    return set(db.session.scalars(select(AuditEvent.action)))


def to_menu(client, language="1", sid="CA1"):
    call(client, sid=sid)
    return call(client, "/language", sid=sid, Digits=language)


@pytest.mark.parametrize("path", ["", "/language", "/menu", "/dial-result", "/recorded",
                                  "/recording", "/status", "/answered", "/bridge",
                                  "/bridge-result", "/call-back-status"])  # fmt: skip
def test_unsigned_requests_are_refused(client, path):
    form = {"CallSid": "CA1", "From": CALLER, "To": HOTLINE}
    assert client.post(BASE + path, data=form).status_code == 403
    forged = {"X-Twilio-Signature": sign({**form, "From": "+1"}, BASE + path)}
    assert client.post(BASE + path, data=form, headers=forged).status_code == 403


def test_a_call_is_greeted_with_the_language_menu(client):
    root = twiml(call(client))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action") == BASE + "/language"
    said = [(say.get("language"), say.text) for say in gather.iter("Say")]
    assert said == [("hi-IN", prompts.script("greeting", "ne")),
                    ("en-GB", prompts.script("greeting", "en"))]  # fmt: skip
    assert root.find("Redirect").text == BASE + "/language"
    conversation = the(Conversation)
    assert conversation.channel == "voice"
    counted = db.session.scalars(select(DailyCount).filter_by(channel="voice")).all()
    assert counted and all(row.value == "new" for row in counted)  # the reports count calls
    [message] = conversation.messages
    assert message.status == MessageStatus.NOT_ROUTED.value and message.external_id == "CA1"


def test_the_language_key_sets_the_form_and_gives_the_danger_advice(client):
    root = twiml(to_menu(client, "2"))
    assert the(Conversation).language == "en"
    gather = root.find("Gather")
    assert gather.get("action") == BASE + "/menu"
    assert [say.text for say in gather.iter("Say")] == [prompts.script("danger", "en")]
    root = twiml(to_menu(client, "1", sid="CA2"))
    assert [say.text for say in root.iter("Say")] == [prompts.script("danger", "ne")]


def test_in_hours_the_on_duty_counsellors_phones_ring_with_the_hotline_as_caller_id(
    app, client, tmp_path, fake_bot
):
    use_schedule(app, always_open(tmp_path), fake_bot)
    asha = counsellor("asha", ASHA_PHONE)
    bina = counsellor("bina", BINA_PHONE)
    counsellor("chandra", "+9779841000003", on_duty=False)
    counsellor("dipa")  # on duty, no phone
    to_menu(client, "2")
    root = twiml(call(client, "/menu", Digits="1"))
    dial = root.find("Dial")
    assert dial.get("callerId") == HOTLINE and dial.get("action") == BASE + "/dial-result"
    numbers = [(n.text, n.get("url")) for n in dial.iter("Number")]
    assert numbers == [(ASHA_PHONE, f"{BASE}/answered?user={asha.id}&form=en"),
                       (BINA_PHONE, f"{BASE}/answered?user={bina.id}&form=en")]  # fmt: skip
    assert CALLER not in ET.tostring(root, encoding="unicode")
    handoff = the(Handoff)
    assert handoff.status == "waiting" and handoff.channel == "voice"
    assert handoff.reason == "asked" and handoff.summary == {"call": True}
    assert the(Message).status == MessageStatus.FOR_COUNSELLOR.value


def test_the_counsellor_who_answers_takes_the_call(app, client, tmp_path, fake_bot):
    use_schedule(app, always_open(tmp_path), fake_bot)
    asha = counsellor("asha", ASHA_PHONE)
    to_menu(client, "2")
    call(client, "/menu", Digits="1")
    path = f"{BASE}/answered?user={asha.id}&form=en"
    root = twiml(post(client, path, CallSid="CAchild", ParentCallSid="CA1"))
    assert [say.text for say in root.iter("Say")] == [prompts.script("counsellor_whisper", "en")]
    handoff = the(Handoff)
    assert handoff.status == "active" and handoff.counsellor_id == asha.id


def test_no_answer_goes_to_voicemail(app, client, tmp_path, fake_bot):
    use_schedule(app, always_open(tmp_path), fake_bot)
    counsellor("asha", ASHA_PHONE)
    to_menu(client)
    call(client, "/menu", Digits="1")
    root = twiml(call(client, "/dial-result", DialCallStatus="no-answer"))
    record = root.find("Record")
    assert record.get("maxLength") == "180" and record.get("action") == BASE + "/recorded"
    assert record.get("recordingStatusCallback") == BASE + "/recording"
    assert "no answer" in the(Message).body


def test_an_answered_call_just_ends(app, client, tmp_path, fake_bot):
    use_schedule(app, always_open(tmp_path), fake_bot)
    counsellor("asha", ASHA_PHONE)
    to_menu(client)
    call(client, "/menu", Digits="1")
    root = twiml(call(client, "/dial-result", DialCallStatus="completed"))
    assert root.find("Hangup") is not None and root.find("Record") is None


def test_out_of_hours_or_nobody_with_a_phone_goes_to_voicemail(app, client, tmp_path, fake_bot):
    use_schedule(app, never_open(tmp_path), fake_bot)
    counsellor("asha", ASHA_PHONE)
    to_menu(client)
    root = twiml(call(client, "/menu", Digits="1"))
    assert root.find("Dial") is None and root.find("Record") is not None
    use_schedule(app, always_open(tmp_path), fake_bot)
    db.session.delete(db.session.scalars(select(User)).one())
    db.session.commit()
    to_menu(client, sid="CA2")
    root = twiml(call(client, "/menu", sid="CA2", Digits="1"))
    assert root.find("Dial") is None and root.find("Record") is not None


def test_the_danger_key_makes_it_urgent_and_alerts_on_call_out_of_hours(
    app, client, tmp_path, fake_bot, fake_twilio
):
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    use_schedule(app, never_open(tmp_path), fake_bot)
    to_menu(client)
    root = twiml(call(client, "/menu", Digits="9"))
    assert root.find("Record") is not None  # nobody to answer now: she can still leave a message
    handoff = the(Handoff)
    assert handoff.priority == "urgent" and handoff.reason == "danger"
    assert handoff.summary["danger_key"] is True
    [alert] = fake_twilio.sent
    assert alert["To"] == "+9779851000000" and "on_call_notified" in actions()


def test_the_danger_key_in_hours_rings_without_an_on_call_alert(
    app, client, tmp_path, fake_bot, fake_twilio
):
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    use_schedule(app, always_open(tmp_path), fake_bot)
    counsellor("asha", ASHA_PHONE)
    to_menu(client)
    assert twiml(call(client, "/menu", Digits="9")).find("Dial") is not None
    assert the(Handoff).priority == "urgent" and fake_twilio.sent == []


def test_call_me_back_queues_a_call_back(client):
    to_menu(client)
    root = twiml(call(client, "/menu", Digits="2"))
    assert root.find("Hangup") is not None
    assert [say.text for say in root.iter("Say")] == [prompts.script("callback_queued", "ne")]
    assert the(Handoff).summary == {"call": True, "callback": True}


def test_a_voicemail_is_fetched_and_kept_like_a_voice_note(app, client, fake_twilio):
    to_menu(client)
    call(client, "/menu", Digits="1")
    url = fake_twilio.add_recording(b"RIFF voicemail audio" * 10)
    response = call(client, "/recording", RecordingSid="RE1", RecordingUrl=url,
                    RecordingStatus="completed", RecordingDuration="12")  # fmt: skip
    assert response.status_code == 204
    recording = the(Recording)
    assert recording.kind == "voicemail" and recording.message_id == the(Message).id
    root = twiml(call(client, "/recorded", RecordingUrl=url))
    assert root.find("Hangup") is not None
    run_once()
    recording = the(Recording)
    assert recording.status == RecordingStatus.STORED.value and recording.provider_url is None
    assert services().vault.decrypt_audio(recording.audio_encrypted).startswith(b"RIFF")
    assert fake_twilio.media == {}  # Twilio's copy deleted
    assert "voicemail left" in the(Message).body
    # A repeated callback keeps the one recording.
    call(client, "/recording", RecordingSid="RE1", RecordingUrl=url, RecordingStatus="completed")
    assert len(db.session.scalars(select(Recording)).all()) == 1


def test_a_recording_elsewhere_is_refused(client):
    to_menu(client)
    response = call(client, "/recording", RecordingUrl="https://attacker.example/r",
                    RecordingStatus="completed")  # fmt: skip
    assert response.status_code == 400 and db.session.scalars(select(Recording)).all() == []


def test_a_missed_call_is_queued_for_a_call_back(app, client):
    call(client)
    assert call(client, "/status", CallStatus="completed").status_code == 204
    handoff = the(Handoff)
    assert handoff.summary == {"call": True, "missed_call": True}


def test_missed_call_call_backs_can_be_turned_off(app, client):
    app.config["VOICE_MISSED_CALL_CALLBACK"] = False
    call(client)
    call(client, "/status", CallStatus="completed")
    assert db.session.scalars(select(Handoff)).all() == []


def test_a_call_that_reached_the_queue_is_not_a_missed_call(client):
    to_menu(client)
    call(client, "/menu", Digits="2")
    call(client, "/status", CallStatus="completed")
    assert the(Handoff).summary == {"call": True, "callback": True}


def test_a_withheld_number_is_no_missed_call(client):
    post(client, BASE, CallSid="CA9", From="anonymous", To=HOTLINE)
    post(client, BASE + "/status", CallSid="CA9", CallStatus="completed")
    assert db.session.scalars(select(Handoff)).all() == []


def test_bad_input_is_a_4xx(client):
    assert post(client, BASE, From=CALLER).status_code == 400
    assert call(client, "/language", sid="CAunknown", Digits="1").status_code == 400
    assert post(client, BASE + "/answered?user=x", ParentCallSid="CA1").status_code == 400
    assert post(client, BASE + "/bridge?message=abc").status_code == 400


def held_call(client, user: User) -> Conversation:
    to_menu(client, "2")
    call(client, "/menu", Digits="2")
    handoffs.claim(the(Handoff), user)
    return the(Conversation)


def test_call_back_rings_the_counsellor_then_bridges_to_the_person(client, fake_twilio):
    asha = counsellor("asha", ASHA_PHONE)
    conversation = held_call(client, asha)
    message = call_back(conversation, asha, services().caller, services().vault)
    [placed] = fake_twilio.calls
    assert placed["To"] == ASHA_PHONE and placed["From"] == HOTLINE
    assert placed["Url"].endswith(f"{BASE}/bridge?message={message.id}")
    assert message.status == MessageStatus.SENT.value and message.provider_id == placed["sid"]
    root = twiml(post(client, f"{BASE}/bridge?message={message.id}", CallSid=placed["sid"]))
    dial = root.find("Dial")
    assert dial.get("callerId") == HOTLINE and [n.text for n in dial.iter("Number")] == [CALLER]
    assert ASHA_PHONE not in ET.tostring(root, encoding="unicode")
    path = f"{BASE}/bridge-result?message={message.id}"
    post(client, path, CallSid=placed["sid"], DialCallStatus="completed", DialCallDuration="75")
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.status == MessageStatus.DELIVERED.value
    assert message.body == "Call back by asha: talked 1 min 15 s"
    assert {"call_back_placed", "call_back_outcome"} <= actions()


def test_a_call_back_the_person_does_not_answer_is_recorded(client, fake_twilio):
    asha = counsellor("asha", ASHA_PHONE)
    message = call_back(held_call(client, asha), asha, services().caller, services().vault)
    post(client, f"{BASE}/bridge-result?message={message.id}", DialCallStatus="no-answer")
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.status == MessageStatus.FAILED.value and "did not answer" in message.body


def test_a_call_back_the_counsellor_misses_is_recorded(client, fake_twilio):
    asha = counsellor("asha", ASHA_PHONE)
    message = call_back(held_call(client, asha), asha, services().caller, services().vault)
    post(client, f"{BASE}/call-back-status?message={message.id}", CallStatus="no-answer")
    db.session.expire_all()
    assert "your phone did not answer" in db.session.get(Message, message.id).body


def test_no_call_back_to_someone_unsafe_to_contact_or_without_a_phone(client, fake_twilio):
    asha = counsellor("asha", ASHA_PHONE)
    conversation = held_call(client, asha)
    conversation.unsafe_to_contact = True
    db.session.commit()
    with pytest.raises(CallBackRefused, match="unsafe"):
        call_back(conversation, asha, services().caller, services().vault)
    conversation.unsafe_to_contact = False
    asha.phone_encrypted = None
    db.session.commit()
    with pytest.raises(CallBackRefused, match="phone"):
        call_back(conversation, asha, services().caller, services().vault)
    assert fake_twilio.calls == []


def test_erasing_a_call_deletes_twilio_call_records_and_the_voicemail(client, fake_twilio):
    to_menu(client)
    call(client, "/menu", Digits="2")
    url = fake_twilio.add_recording(b"RIFF voicemail")
    call(client, "/recording", RecordingUrl=url, RecordingStatus="completed")
    run_once()
    fake_twilio.call_records += [
        {"sid": "CA1", "from": CALLER, "to": HOTLINE},
        {"sid": "CAback", "from": HOTLINE, "to": CALLER},  # a call back's second leg
        {"sid": "CAother", "from": "+9779800000999", "to": HOTLINE},
    ]
    supervisor = counsellor("sita")
    supervisor.role = "supervisor"
    result = erase_conversation(the(Conversation), supervisor, services().eraser)
    assert result.complete and result.twilio_records_deleted == 2
    assert {"CA1", "CAback"} <= set(fake_twilio.deleted) and "CAother" not in fake_twilio.deleted
    assert db.session.scalars(select(Recording)).all() == []
    assert db.session.scalars(select(Message)).all() == []


def test_a_blocked_caller_is_rejected_and_never_queued(client):
    call(client)
    contact = the(Conversation).contact
    contact.blocked_permanently = True
    db.session.commit()
    root = twiml(call(client, sid="CA2"))
    assert root.find("Reject") is not None and root.find("Gather") is None
    call(client, "/status", sid="CA2", CallStatus="completed")
    assert db.session.scalars(select(Handoff)).all() == []
