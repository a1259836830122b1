"""Playing a recording (a voice note) in the console: to those who may read the conversation.

The audio is decrypted for this one response, never cached (``no-store``) and every play is
audited, like revealing a number.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.console.common import viewable
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.models import Recording, RecordingStatus
from webhooks.recordings import is_audio
from webhooks.services import services

recordings_blueprint = Blueprint("recordings", __name__)


# Bounded: a larger number is no id on PostgreSQL (32-bit), a 404 rather than a database error.
@recordings_blueprint.get(
    "/conversations/<public_id>/recordings/<int(max=2147483647):recording_id>"
)
@requires("recording.listen")
def play(public_id: str, recording_id: int) -> Response:
    conversation, _handoff = viewable(public_id)
    recording = db.session.scalar(
        select(Recording).filter_by(id=recording_id, conversation_id=conversation.id)
    )
    if recording is None or recording.status == RecordingStatus.DISCARD.value:
        abort(404, description="No such recording.")
    if recording.status != RecordingStatus.STORED.value or recording.audio_encrypted is None:
        abort(409, description="This recording has not been fetched (yet).")
    try:
        audio = services().vault.decrypt_audio(recording.audio_encrypted)
    except ValueError:
        abort(409, description="This recording cannot be decrypted with the current key.")
    audit("recording_played", current_user, conversation, recording=recording.id)
    db.session.commit()
    content_type = recording.content_type if is_audio(recording.content_type) else ""
    response = Response(audio, mimetype=content_type or "application/octet-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response
