"""Headers in one place, no 500 on odd input, bounded bodies, no values in logs, small fixes."""

from __future__ import annotations

import io
import logging
import os
import time

import pytest
from flask import Flask

from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.channels.android_sms import expected_signature
from webhooks.extensions import db
from webhooks.http_input import parse_id
from webhooks.referrals.loader import guard_cell, read_csv, unguard_cell


def chat_headers(client) -> dict[str, str]:
    token = client.post("/api/chat/session").get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


# --- security headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "referrer"),
    [
        ("/healthz", "no-referrer"),
        ("/api/chat/messages", "no-referrer"),  # a JSON 401
        ("/no/such/page", "no-referrer"),  # a JSON 404
        ("/console/login", "same-origin"),
        ("/console/referrals", "same-origin"),  # a redirect to the log-in page
        ("/", "no-referrer"),
    ],
)
def test_every_response_has_nosniff_referrer_policy_and_hsts(client, path, referrer):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == referrer
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_json_is_never_cached_and_never_framed(client):
    response = client.post("/api/chat/session")
    assert response.is_json
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_no_hsts_over_plain_http(tmp_path):
    app = create_app(settings_for(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:8000"))
    response = app.test_client().get("/healthz")
    assert "Strict-Transport-Security" not in response.headers
    secure = app.test_client().get("/healthz", base_url="https://127.0.0.1")
    assert "Strict-Transport-Security" in secure.headers


# --- odd input: 4xx, never 500 -----------------------------------------------------------


@pytest.mark.parametrize("raw", ["²", "١٢", "1" * 40, "-1", "", " 1", "1.0"])
def test_only_plain_ascii_ids_parse(raw):
    assert parse_id(raw) is None


def test_a_superscript_or_huge_after_is_a_400(client):
    headers = chat_headers(client)
    for after in ("²", "9" * 30):
        response = client.get(f"/api/chat/messages?after={after}", headers=headers)
        assert response.status_code == 400


@pytest.fixture
def android_app(tmp_path) -> Flask:
    app = create_app(settings_for(tmp_path, ANDROID_SMS_SIGNING_KEY="k" * 32))
    return app


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Timestamp": "²", "X-Signature": "00"},
        {"X-Timestamp": "{now}", "X-Signature": "é" * 64},
        {"X-Timestamp": "{now}", "X-Signature": "ज" * 3},
    ],
)
def test_android_odd_signature_headers_are_403(android_app, headers):
    now = str(int(time.time()))
    filled = {k: v.replace("{now}", now) for k, v in headers.items()}
    # Werkzeug's test client sends str headers as latin-1; encode non-latin text as UTF-8 bytes
    encoded = {k: v.encode().decode("latin-1") for k, v in filled.items()}
    response = android_app.test_client().post(
        "/webhooks/android-sms", data=b'{"event": "x"}', headers=encoded
    )
    assert response.status_code == 403


def test_android_body_size_is_checked_before_it_is_read(android_app, monkeypatch):
    from werkzeug.wrappers import Request

    read = []
    original = Request.get_data
    monkeypatch.setattr(
        Request, "get_data", lambda self, *a, **k: read.append(1) or original(self, *a, **k)
    )
    body = b"x" * (20 * 1024)
    stamp = str(int(time.time()))
    response = android_app.test_client().post(
        "/webhooks/android-sms",
        data=body,
        headers={"X-Timestamp": stamp, "X-Signature": expected_signature("k" * 32, body, stamp)},
    )
    assert response.status_code == 413
    assert read == []


def test_every_body_is_bounded(client):
    huge = b'{"text": "' + b"a" * 70_000 + b'"}'
    response = client.post("/api/chat/session", data=huge, content_type="application/json")
    assert response.status_code == 413
    response = client.post("/webhooks/twilio/messages", data={"Body": "a" * 70_000})
    assert response.status_code == 413


# --- logs --------------------------------------------------------------------------------


def test_the_engine_hides_parameters(app):
    assert db.engine.hide_parameters is True


def test_an_unexpected_error_is_logged_without_its_message(app, client, caplog):
    @app.get("/boom")
    def boom():
        raise ValueError("my sister is locked in a room in Doha")

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "ValueError" in logged and "test_hardening.py" in logged
    assert "sister" not in logged


# --- small fixes -------------------------------------------------------------------------


def test_signature_switch_is_ignored_outside_tests(tmp_path):
    settings = settings_for(tmp_path, TWILIO_VALIDATE_SIGNATURES="false")
    settings.pop("TESTING")
    app = create_app(settings)
    assert app.config["TWILIO_VALIDATE_SIGNATURES"] is True
    response = app.test_client().post(
        "/webhooks/twilio/messages", data={"MessageSid": "SM1", "From": "+9779800000001",
                                           "To": "+1", "Body": "hi"}
    )  # fmt: skip
    assert response.status_code == 403


def test_the_demo_page_shows_no_title_of_anyones_choosing(client):
    page = client.get("/?title=Call+this+number+now").get_data(as_text=True)
    assert "Call this number" not in page
    assert 'data-title="Info"' in client.get("/?title=Info").get_data(as_text=True)


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', "+977 1 4000000", "-2+3", "@SUM(A1)", "\tx"]
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(cell):
    guarded = guard_cell(cell)
    assert guarded.startswith("'")
    assert unguard_cell(guarded) == cell


def test_csv_import_undoes_the_guard():
    csv_text = "slug,organisation_slug,organisation_en,name_en\nx,o,Org,'=1+1\n"
    rows, errors = read_csv(io.StringIO(csv_text))
    assert errors == []
    assert rows[0][1]["name_en"] == "=1+1"


def test_env_file_is_private_from_its_creation(tmp_path, monkeypatch):
    from scripts import ensure_env as module

    checked = []
    original = os.fdopen

    def checking_fdopen(fd, *args, **kwargs):
        checked.append(os.fstat(fd).st_mode & 0o077)
        return original(fd, *args, **kwargs)

    monkeypatch.setattr(module.os, "fdopen", checking_fdopen)
    for name in module.GENERATORS:
        monkeypatch.delenv(name, raising=False)
    example = tmp_path / ".env.example"
    example.write_text("SECRET_KEY=\n")
    module.ensure_env(tmp_path / ".env", example)
    assert checked and all(mode == 0 for mode in checked)
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("title", "shown"),
    [("Info", True), ("कुराकानी", True), ("Sahayog Kendra", True), ("Call 9800000000", False),
     ("https://x.example", False), ("a" * 31, False), ("<b>x</b>", False), ("९८०", False)],
)  # fmt: skip
def test_the_widget_frame_shows_a_partners_title_but_never_a_number_or_link(client, title, shown):
    page = client.get("/widget/frame", query_string={"title": title}).get_data(as_text=True)
    assert (f'data-title="{title}"' in page) is shown
