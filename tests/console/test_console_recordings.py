"""Voice notes in the console: played only to those who may read the conversation, never
cached, every play audited."""

from __future__ import annotations

from sqlalchemy import select

from tests.console.support import Console, actions
from tests.gateway.support import ACCOUNT_SID, TwilioSender
from webhooks.extensions import db
from webhooks.models import Conversation, Recording, RecordingStatus
from webhooks.services import services

AUDIO = b"OggS\x00a voice note" * 20
MEDIA_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"


def voice_note(twilio: TwilioSender, fetched: bool = True) -> tuple[str, Recording]:
    """The person sends a voice note; ``fetched``: the worker has stored it."""
    response = twilio.post("", sender="whatsapp:+9779800000555", NumMedia="1",
                           MediaUrl0=MEDIA_URL, MediaContentType0="audio/ogg")  # fmt: skip
    assert response.status_code == 200
    recording = db.session.scalars(select(Recording)).one()
    if fetched:  # what webhooks.recordings does, without Twilio
        recording.audio_encrypted = services().vault.encrypt_audio(AUDIO)
        recording.status, recording.provider_url = RecordingStatus.STORED.value, None
        db.session.commit()
    conversation = db.session.get(Conversation, recording.conversation_id)
    return conversation.public_id, recording


def play_url(public_id: str, recording: Recording) -> str:
    return f"/console/conversations/{public_id}/recordings/{recording.id}"


def test_a_counsellor_plays_a_voice_note_uncached_and_audited(twilio, as_counsellor, counsellor):
    public_id, recording = voice_note(twilio)
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert f'<audio controls preload="none" src="{play_url(public_id, recording)}"' in page
    assert "sent a voice message" in page  # the hand-off's reason
    response = as_counsellor.get(play_url(public_id, recording))
    assert response.status_code == 200 and response.data == AUDIO
    assert response.mimetype == "audio/ogg"
    assert response.headers["Cache-Control"] == "no-store"
    assert "recording_played" in actions(user_id=counsellor.id)
    polled = as_counsellor.get(f"/console/api/conversations/{public_id}/messages").get_json()
    assert polled["messages"][0]["recording"]["url"] == play_url(public_id, recording)


def test_only_those_who_may_read_the_conversation_may_play(
    twilio, as_counsellor: Console, as_colleague: Console, anonymous: Console
):
    public_id, recording = voice_note(twilio)
    assert as_counsellor.post(f"/console/conversations/{public_id}/claim").status_code in (302, 303)
    assert as_colleague.get(play_url(public_id, recording)).status_code == 403
    assert anonymous.get(play_url(public_id, recording)).status_code in (302, 401)
    assert "recording_played" not in actions()


def test_a_recording_is_played_only_in_its_own_conversation(twilio, as_supervisor):
    public_id, recording = voice_note(twilio)
    twilio.post("hello", sender="+9779800000999")
    other = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    assert as_supervisor.get(f"/console/conversations/{other.public_id}").status_code == 200
    wrong = f"/console/conversations/{other.public_id}/recordings/{recording.id}"
    assert as_supervisor.get(wrong).status_code == 404
    huge = f"/console/conversations/{public_id}/recordings/{'9' * 30}"
    assert as_supervisor.get(huge).status_code == 404
    assert as_supervisor.get(play_url(public_id, recording)).status_code == 200


def test_a_voice_note_not_yet_fetched_says_so(twilio, as_counsellor):
    public_id, recording = voice_note(twilio, fetched=False)
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert "being fetched" in page and "<audio" not in page
    assert as_counsellor.get(play_url(public_id, recording)).status_code == 409


def test_the_queue_shows_a_voice_message_for_what_has_no_text(twilio, as_counsellor):
    public_id, _recording = voice_note(twilio, fetched=False)
    [row] = as_counsellor.get("/console/api/queue").get_json()["waiting"]
    assert row["public_id"] == public_id and row["channel"] == "WhatsApp"
    assert row["preview"] == "(voice message or other media)"
