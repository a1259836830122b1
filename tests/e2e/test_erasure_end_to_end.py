"""Erasure against the real Rasa and its tracker database: nothing of the person is left."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from scripts.train import ROOT
from tests.e2e.conftest import Service
from tests.e2e.test_sms_end_to_end import text_sms

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
MARKER = "quokkaseven"  # a word nobody else writes: found in a file means not erased


def _query(path: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


def _supervisor(service: Service) -> requests.Session:
    """Log in to the console as the bootstrapped supervisor, through its real pages."""
    out = subprocess.run(
        [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()",
         "users", "bootstrap"],
        cwd=ROOT, env=service.env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    one_time = re.search(r"one-time password: (\S+)", out).group(1)
    browser = requests.Session()

    def post(path: str, data: dict[str, str], form_page: str | None = None) -> requests.Response:
        page = browser.get(service.base_url + (form_page or path), timeout=30).text
        token = CSRF.search(page).group(1)
        return browser.post(service.base_url + path, data={**data, "csrf_token": token},
                            timeout=30, allow_redirects=False)  # fmt: skip

    assert (
        post("/console/login", {"username": "supervisor", "password": one_time}).status_code == 302
    )
    new = "a long new password for the test"
    change = {"current_password": one_time, "new_password": new, "confirm_password": new}
    assert post("/console/password", change).status_code == 302
    browser.post_form = post  # type: ignore[attr-defined]
    return browser


def test_erasure_deletes_rasas_copy_for_real(service: Service) -> None:
    number = "+9779811700001"
    for text in (f"hello {MARKER}", f"how do i get a labour permit {MARKER}"):
        assert text_sms(service, text, number)
    gateway_db, tracker_db = service.workdir / "gateway.db", Path(service.env["RASA_TRACKER_DB"])
    [(public_id,)] = _query(
        gateway_db,
        "SELECT DISTINCT c.public_id FROM conversations c JOIN messages m "
        "ON m.conversation_id = c.id WHERE m.body LIKE ?",
        f"%{MARKER}",
    )
    [(events,)] = _query(tracker_db, "SELECT count(*) FROM events WHERE sender_id = ?", public_id)
    assert events > 4  # Rasa keeps the turns: user messages, actions, bot utterances
    assert MARKER.encode() in tracker_db.read_bytes()

    browser = _supervisor(service)
    page = f"/console/conversations/{public_id}"
    response = browser.post_form(f"{page}/erase", {"confirm": "ERASE"}, page)  # type: ignore[attr-defined]
    assert response.status_code == 302

    assert _query(tracker_db, "SELECT count(*) FROM events WHERE sender_id = ?", public_id) == [
        (0,)
    ]
    assert MARKER.encode() not in tracker_db.read_bytes()  # not even in free pages
    tracker = requests.get(
        f"{service.env['RASA_URL']}/conversations/{public_id}/tracker",
        params={"token": service.env["RASA_API_TOKEN"]}, timeout=30,
    ).json()  # fmt: skip
    assert not [e for e in tracker.get("events", []) if e.get("event") == "user"]
    for path in (gateway_db, gateway_db.with_name("gateway.db-wal")):
        assert not path.exists() or MARKER.encode() not in path.read_bytes()
    [(detail,)] = _query(
        gateway_db, "SELECT detail FROM audit_events WHERE action = 'conversation_erased'"
    )
    assert '"bot_copy_erased": true' in detail and '"complete": true' in detail


def test_rasas_api_token_is_on_no_command_line(service: Service) -> None:
    token = service.env["RASA_API_TOKEN"].encode()
    for name in ("rasa", "actions", "gateway", "worker"):
        cmdline = Path(f"/proc/{service.pid(name)}/cmdline").read_bytes()
        assert cmdline and token not in cmdline, name
