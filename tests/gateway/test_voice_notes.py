"""WhatsApp voice notes: an immediate reply, the counsellor queue, and the audio fetched by the
worker from Twilio, kept encrypted, deleted at Twilio, and erased with the conversation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.gateway.support import sign
from tests.gateway.test_twilio_webhook import replies
from webhooks.conversations.texts import text as gateway_text
from webhooks.erasure import erase_conversation
from webhooks.extensions import db
from webhooks.models import (
    AuditEvent,
    Conversation,
    ConversationState,
    Handoff,
    MessageStatus,
    Recording,
    RecordingStatus,
    User,
    utcnow,
)
from webhooks.recordings import TwilioRecordings, process_due
from webhooks.retention import apply_retention
from webhooks.services import services
from webhooks.worker import run_once

SENDER = "whatsapp:+9779800000801"
AUDIO = b"OggS\x00voice-note-audio" * 50


def send_voice_note(twilio, url, content_type="audio/ogg", sender=SENDER):
    return twilio.post("", sender=sender, NumMedia="1", MediaUrl0=url,
                       MediaContentType0=content_type)  # fmt: skip


def only(model):
    db.session.expire_all()
    return db.session.scalars(select(model)).one()


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_voice_note_is_answered_at_once_and_queued_for_counsellors(twilio, fake_twilio, fake_bot):
    url = fake_twilio.add_media(AUDIO)
    # A first message: nothing tells her language, so the reply is in Nepali and English.
    assert replies(send_voice_note(twilio, url)) == [
        gateway_text("voice_note_received", "ne"),
        gateway_text("voice_note_received", "en"),
    ]
    assert fake_bot.received == []  # the bot cannot listen
    conversation = only(Conversation)
    assert conversation.state == ConversationState.WAITING.value
    handoff = only(Handoff)
    assert handoff.reason == "asked" and handoff.summary == {"voice_note": True}
    message = conversation.messages[0]
    assert message.status == MessageStatus.FOR_COUNSELLOR.value
    recording = only(Recording)
    assert recording.message_id == message.id and recording.kind == "voice_note"
    # Twilio got its answer without waiting for the download: the worker fetches it.
    assert recording.status == RecordingStatus.FETCHING.value and fake_twilio.media_fetches == []


def test_the_reply_is_in_the_conversation_form(twilio, fake_twilio):
    twilio.post("hello", sender=SENDER)
    conversation = only(Conversation)
    conversation.language = "ne-Latn"
    db.session.commit()
    url = fake_twilio.add_media(AUDIO)
    assert replies(send_voice_note(twilio, url)) == [gateway_text("voice_note_received", "ne-Latn")]


def test_a_voice_note_during_a_hand_off_joins_it(twilio, fake_twilio):
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    assert count(Handoff) == 1 and count(Recording) == 2


def test_the_worker_fetches_encrypts_and_deletes_twilio_copy(twilio, fake_twilio):
    url = fake_twilio.add_media(AUDIO)
    send_voice_note(twilio, url)
    run_once()
    recording = only(Recording)
    assert recording.status == RecordingStatus.STORED.value
    assert recording.size_bytes == len(AUDIO) and recording.content_type == "audio/ogg"
    assert AUDIO not in recording.audio_encrypted and b"voice-note" not in recording.audio_encrypted
    assert services().vault.decrypt_audio(recording.audio_encrypted) == AUDIO
    # Twilio's copy is gone, and we no longer know where it was.
    assert fake_twilio.media == {} and url.rsplit("/", 1)[1] in fake_twilio.deleted
    assert recording.provider_url is None and recording.next_attempt_at is None
    run_once()
    assert len(fake_twilio.media_fetches) == 1  # fetched once


def test_audio_elsewhere_than_our_twilio_account_is_never_fetched(twilio, fake_twilio, fake_bot):
    elsewhere = "/2010-04-01/Accounts/ACsomeoneelse/Messages/MM1/Media/ME1"
    for url in ("https://attacker.example" + elsewhere, fake_twilio.url + elsewhere):
        assert replies(send_voice_note(twilio, url)) == [gateway_text("media_only", "en")]
    assert count(Recording) == 0 and count(Handoff) == 0


def test_an_image_is_not_a_voice_note(twilio, fake_twilio):
    url = fake_twilio.add_media(b"\x89PNG", "image/png")
    assert replies(send_voice_note(twilio, url, "image/png")) == [gateway_text("media_only", "en")]
    assert count(Recording) == 0


def test_an_unsigned_voice_note_is_refused(client, fake_twilio):
    form = {"MessageSid": "SM1", "From": SENDER, "To": "whatsapp:+15005550006", "Body": "",
            "NumMedia": "1", "MediaUrl0": fake_twilio.add_media(AUDIO),
            "MediaContentType0": "audio/ogg"}  # fmt: skip
    assert client.post("/webhooks/twilio/messages", data=form).status_code == 403
    bad = {"X-Twilio-Signature": sign({**form, "Body": "x"}, "/webhooks/twilio/messages")}
    assert client.post("/webhooks/twilio/messages", data=form, headers=bad).status_code == 403
    assert count(Recording) == 0


def test_a_failing_fetch_is_retried_then_given_up_and_audited(twilio, fake_twilio):
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    fake_twilio.fail_with = 503
    now = utcnow()
    run_once(now)
    recording = only(Recording)
    assert recording.status == RecordingStatus.FETCHING.value and recording.attempts == 1
    assert recording.next_attempt_at > now
    for _ in range(10):
        now += timedelta(hours=7)
        process_due(services().recordings, services().vault, now)
    recording = only(Recording)
    assert recording.status == RecordingStatus.FAILED.value and recording.next_attempt_at is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"recording_failed", "recording_twilio_copy_left"} <= actions


def test_a_recording_too_large_is_not_kept_and_twilio_copy_is_deleted(app, twilio, fake_twilio):
    url = fake_twilio.add_media(AUDIO)
    send_voice_note(twilio, url)
    small = TwilioRecordings(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
                             fake_twilio.url, max_bytes=100, timeout=5)  # fmt: skip
    now = utcnow()
    process_due(small, services().vault, now)
    process_due(small, services().vault, now + timedelta(seconds=1))
    recording = only(Recording)
    assert recording.status == RecordingStatus.FAILED.value and recording.audio_encrypted is None
    assert "RECORDING_MAX_BYTES" in recording.last_error and fake_twilio.media == {}


def test_wrong_credentials_do_not_fetch(app, twilio, fake_twilio):
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    wrong = TwilioRecordings(app.config["TWILIO_ACCOUNT_SID"], "not-the-token", fake_twilio.url,
                             max_bytes=10**6, timeout=5)  # fmt: skip
    process_due(wrong, services().vault)
    recording = only(Recording)
    assert recording.status == RecordingStatus.FAILED.value and "401" in recording.last_error


def supervisor() -> User:
    user = User(username="sita", password_hash="!", role="supervisor")
    db.session.add(user)
    db.session.commit()
    return user


def test_erasure_deletes_the_audio(twilio, fake_twilio):
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    run_once()
    erase_conversation(only(Conversation), supervisor(), services().eraser)
    assert count(Recording) == 0


def test_erasure_before_the_fetch_deletes_twilio_copy_without_fetching(twilio, fake_twilio):
    url = fake_twilio.add_media(AUDIO)
    send_voice_note(twilio, url)
    erase_conversation(only(Conversation), supervisor(), services().eraser)
    recording = only(Recording)
    assert recording.status == RecordingStatus.DISCARD.value and recording.message_id is None
    run_once()
    assert count(Recording) == 0
    assert fake_twilio.media_fetches == [] and url.rsplit("/", 1)[1] in fake_twilio.deleted


def test_retention_deletes_the_audio(twilio, fake_twilio):
    send_voice_note(twilio, fake_twilio.add_media(AUDIO))
    run_once()
    assert count(Recording) == 1
    result = apply_retention(utcnow() + timedelta(days=400))
    assert result.conversations == 1 and count(Recording) == 0


def test_over_the_hourly_cap_she_is_told_to_write(app, twilio, fake_twilio):
    app.config["HANDOFFS_PER_HOUR"] = 0
    twilio.post("hello", sender=SENDER)
    reply = replies(send_voice_note(twilio, fake_twilio.add_media(AUDIO)))
    assert reply == [gateway_text("voice_note_busy", "en")] and count(Handoff) == 0
    assert "handoff_refused" in set(db.session.scalars(select(AuditEvent.action)))
