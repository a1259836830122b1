"""Recordings (WhatsApp voice notes; voicemail later): survivors' data, kept only here.

The webhook only notes where Twilio keeps the audio (a ``Recording`` row, status
``fetching``) and answers Twilio at once; the worker fetches it (``process_due``). Fetching in
the webhook would hold Twilio's request (15 s limit) on a download from a slow link, and a
failed download could not be retried. The worker fetches with the account's credentials,
encrypts the audio (``ContactVault.encrypt_audio``), then deletes Twilio's copy, retrying each
step on a back-off. Speech recognition, if one ever works for Nepali here, would run in
``_fetch`` on the decrypted audio and store its text as a message for the danger check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import delete, select

from webhooks.audit import audit
from webhooks.claims import claim_rows
from webhooks.contact_vault import ContactVault
from webhooks.conversations.inbound import MediaRef
from webhooks.extensions import db
from webhooks.models import Conversation, Message, Recording, RecordingStatus, utcnow

log = logging.getLogger(__name__)

API_PATH = "/2010-04-01/Accounts/"
RETRY_AFTER = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
               timedelta(hours=1), timedelta(hours=6))  # fmt: skip
LEASE = timedelta(minutes=5)  # a worker that died mid-fetch leaves it to another after this


class RecordingError(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def is_audio(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower().startswith("audio/")


def is_account_url(url: str, api_base_url: str, account_sid: str) -> bool:
    """Only our account's resources on Twilio's API are fetched with its credentials."""
    prefix = f"{api_base_url}{API_PATH}{account_sid}/"
    return bool(account_sid) and url.startswith(prefix) and ".." not in url[len(prefix) :]


def add_recording(conversation: Conversation, message: Message | None, kind: str,
                  media: MediaRef) -> Recording:  # fmt: skip
    """Note audio to fetch; the caller commits."""
    recording = Recording(
        conversation_id=conversation.id,
        message=message,
        kind=kind,
        provider_url=media.url,
        content_type=media.content_type.split(";", 1)[0].strip().lower()[:100],
        next_attempt_at=utcnow(),
    )
    db.session.add(recording)
    return recording


@dataclass(frozen=True)
class TwilioRecordings:
    """Fetch and delete media on Twilio's REST API with the account's credentials."""

    account_sid: str
    auth_token: str
    api_base_url: str
    max_bytes: int
    timeout: float

    def fetch(self, url: str) -> tuple[bytes, str]:
        if not is_account_url(url, self.api_base_url, self.account_sid):
            raise RecordingError("not a media URL of this Twilio account", retryable=False)
        try:
            # Twilio answers with a redirect to its media store; requests drops the credentials
            # when the redirect leaves the host.
            with requests.get(url, auth=(self.account_sid, self.auth_token), stream=True,
                              timeout=self.timeout) as response:  # fmt: skip
                if response.status_code != 200:
                    retryable = response.status_code >= 500 or response.status_code == 429
                    raise RecordingError(f"Twilio answered {response.status_code}", retryable)
                content_type = response.headers.get("Content-Type", "")
                audio = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    audio += chunk
                    if len(audio) > self.max_bytes:
                        raise RecordingError("recording larger than RECORDING_MAX_BYTES", False)
        except requests.RequestException as error:
            raise RecordingError(f"Twilio unreachable ({type(error).__name__})", True) from error
        return bytes(audio), content_type

    def delete(self, url: str) -> None:
        if not is_account_url(url, self.api_base_url, self.account_sid):
            return  # nothing of ours to delete there
        try:
            response = requests.delete(url + ".json", auth=(self.account_sid, self.auth_token),
                                       timeout=self.timeout)  # fmt: skip
        except requests.RequestException as error:
            raise RecordingError(f"Twilio unreachable ({type(error).__name__})", True) from error
        if response.status_code not in (200, 204, 404):  # 404: already gone
            raise RecordingError(f"Twilio answered {response.status_code} to the deletion", True)


def process_due(twilio: TwilioRecordings, vault: ContactVault, now: datetime | None = None,
                limit: int = 10) -> int:  # fmt: skip
    """Fetch due recordings and delete Twilio's copies; returns how many were worked on."""
    now = now or utcnow()
    due = [Recording.next_attempt_at.is_not(None), Recording.next_attempt_at <= now]
    claimed = claim_rows(Recording, due, {"next_attempt_at": now + LEASE},
                         order_by=(Recording.id,), limit=limit)  # fmt: skip
    for recording_id in claimed:
        recording = db.session.get(Recording, recording_id)
        if recording is not None:
            _work_on(recording, twilio, vault, now)
    return len(claimed)


def _work_on(recording: Recording, twilio: TwilioRecordings, vault: ContactVault,
             now: datetime) -> None:  # fmt: skip
    recording.attempts += 1
    try:
        if recording.status == RecordingStatus.FETCHING.value:
            _fetch(recording, twilio, vault, now)
        if recording.provider_url:
            twilio.delete(recording.provider_url)
            recording.provider_url = None
    except RecordingError as error:
        recording.last_error = error.reason[:200]
        gave_up = not error.retryable or recording.attempts > len(RETRY_AFTER)
        if recording.status == RecordingStatus.FETCHING.value and gave_up:
            recording.status = RecordingStatus.FAILED.value
            audit("recording_failed", conversation=recording.conversation,
                  recording=recording.id, error=recording.last_error)  # fmt: skip
        if gave_up and not error.retryable:
            recording.next_attempt_at = now  # nothing to fetch: its copy can still go
        elif recording.attempts > len(RETRY_AFTER):
            recording.next_attempt_at = None
            audit("recording_twilio_copy_left", conversation=recording.conversation,
                  recording=recording.id, error=recording.last_error)  # fmt: skip
        else:
            recording.next_attempt_at = now + RETRY_AFTER[recording.attempts - 1]
        log.warning("recording %s: %s", recording.id, recording.last_error)
        db.session.commit()
        return
    recording.next_attempt_at = None
    if recording.status == RecordingStatus.DISCARD.value:
        db.session.delete(recording)
    db.session.commit()


def _fetch(recording: Recording, twilio: TwilioRecordings, vault: ContactVault,
           now: datetime) -> None:  # fmt: skip
    audio, content_type = twilio.fetch(recording.provider_url or "")
    recording.audio_encrypted = vault.encrypt_audio(audio)
    recording.size_bytes = len(audio)
    if is_audio(content_type):
        recording.content_type = content_type.split(";", 1)[0].strip().lower()[:100]
    recording.status = RecordingStatus.STORED.value
    recording.fetched_at = now
    recording.last_error = None
    db.session.commit()  # the audio is safe here before Twilio's copy is deleted
    log.info("recording %s: stored (%d bytes)", recording.id, len(audio))


def forget_recordings(conversation: Conversation) -> int:
    """Delete a conversation's recordings (erasure, retention); the caller commits.

    One still at Twilio is kept as a ``discard`` row without a link to its message, so the
    worker deletes Twilio's copy; nothing of the audio stays here.
    """
    at_twilio = select(Recording).filter_by(conversation_id=conversation.id)
    for recording in db.session.scalars(at_twilio.where(Recording.provider_url.is_not(None))):
        recording.status = RecordingStatus.DISCARD.value
        recording.audio_encrypted = None
        recording.message_id = None
        recording.next_attempt_at = utcnow()
    db.session.flush()
    return db.session.execute(
        delete(Recording).where(
            Recording.conversation_id == conversation.id, Recording.provider_url.is_(None)
        )
    ).rowcount
