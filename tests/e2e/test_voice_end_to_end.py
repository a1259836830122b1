"""A voice note across the real process boundary: the gateway stores where Twilio keeps the
audio, a separate `flask worker` process fetches it from (a local fake of) Twilio's API,
stores it encrypted and deletes Twilio's copy. No Rasa is needed: the bot never hears audio.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from tests.gateway.fake_twilio import running_fake_twilio
from tests.gateway.support import ACCOUNT_SID, AUTH_TOKEN, FakeBot, settings_for, sign
from tests.support.database import (  # noqa: F401  (fixtures)
    database_template,
    database_url,
    postgres_server,
    stored_text,
)
from webhooks import create_app
from webhooks.extensions import db
from webhooks.models import Recording, RecordingStatus
from webhooks.services import init_services

ROOT = Path(__file__).resolve().parents[2]
SENDER = "+9779800000807"
AUDIO = b"OggS\x00 an unmistakable voice note payload " * 40


def test_the_worker_process_fetches_stores_encrypted_and_deletes_at_twilio(
    tmp_path: Path,
    database_url: str,  # noqa: F811
) -> None:
    with running_fake_twilio() as twilio:
        twilio.credentials = (ACCOUNT_SID, AUTH_TOKEN)
        settings = settings_for(tmp_path, DATABASE_URL=database_url, TWILIO_API_BASE_URL=twilio.url)
        app = create_app(settings)
        init_services(app, bot=FakeBot())
        url = twilio.add_media(AUDIO)
        params = {"MessageSid": "SMe2e", "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{SENDER}",
                  "To": "whatsapp:+15005550006", "Body": "", "NumMedia": "1",
                  "MediaUrl0": url, "MediaContentType0": "audio/ogg"}  # fmt: skip
        path = "/webhooks/twilio/messages"
        response = app.test_client().post(
            path, data=params, headers={"X-Twilio-Signature": sign(params, path)}
        )
        assert response.status_code == 200 and twilio.media_fetches == []
        env = {key: str(value) for key, value in settings.items() if key != "TESTING"}
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()",
             "worker", "--interval", "0.2"],
            cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while twilio.media and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
        logs = (tmp_path / "worker.log").read_text()
        assert twilio.media == {}, logs  # fetched, then deleted at Twilio
        with app.app_context():
            recording = db.session.scalars(select(Recording)).one()
            assert recording.status == RecordingStatus.STORED.value
            assert (
                app.extensions["sahayatri"].vault.decrypt_audio(recording.audio_encrypted) == AUDIO
            )
        assert b"unmistakable voice note" not in stored_text(app, tmp_path)
        assert SENDER not in logs and url not in logs and "recording 1: stored" in logs
