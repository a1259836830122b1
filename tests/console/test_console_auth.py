"""Log-in, lockout, forced password change, sessions, CSRF and security headers."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from tests.console.support import PASSWORD, Console, actions, make_user
from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.extensions import db
from webhooks.models import User, utcnow


def test_login_and_logout(anonymous: Console, counsellor: User) -> None:
    assert anonymous.get("/console/queue").status_code == 302  # to the log-in page
    response = anonymous.login("asha")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/queue")
    assert "Waiting" in anonymous.text("/console/queue")
    assert anonymous.post("/console/logout").status_code == 302
    response = anonymous.get("/console/queue")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert actions(user_id=counsellor.id) == ["login", "logout"]


def test_username_is_case_insensitive(anonymous: Console, counsellor: User) -> None:
    assert anonymous.login("  ASHA ").status_code == 302


def test_wrong_password_is_refused_and_audited(anonymous: Console, counsellor: User) -> None:
    response = anonymous.login("asha", "not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert anonymous.login("nobody", "whatever").status_code == 401
    assert actions(action="login_failed") == ["login_failed", "login_failed"]
    assert anonymous.get("/console/queue").status_code == 302


def test_lockout_after_five_failures(anonymous: Console, counsellor: User) -> None:
    for _ in range(5):
        assert anonymous.login("asha", "wrong password!").status_code == 401
    db.session.refresh(counsellor)
    assert counsellor.locked_until is not None
    assert counsellor.locked_until > utcnow() + timedelta(minutes=14)
    # Locked: even the right password is refused for 15 minutes.
    assert anonymous.login("asha").status_code == 401
    counsellor.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert anonymous.login("asha").status_code == 302


def test_login_takes_a_minimum_time(app: Flask, counsellor: User) -> None:
    import time

    app.config["CONSOLE_LOGIN_MIN_SECONDS"] = 0.3
    console = Console(app.test_client())
    started = time.monotonic()
    assert console.login("nobody", "x").status_code == 401
    assert time.monotonic() - started >= 0.3


def test_inactive_account_cannot_log_in(anonymous: Console) -> None:
    make_user("gone", active=False)
    response = anonymous.login("gone")
    assert response.status_code == 401
    assert anonymous.get("/console/queue").status_code == 302


def test_deactivation_ends_an_open_session(as_counsellor: Console, counsellor: User) -> None:
    assert as_counsellor.get("/console/queue").status_code == 200
    counsellor.active = False
    db.session.commit()
    assert as_counsellor.get("/console/queue").status_code == 302
    assert as_counsellor.get("/console/api/queue").status_code == 401


def test_forced_password_change(anonymous: Console) -> None:
    make_user("new", must_change=True)
    response = anonymous.login("new")
    assert response.headers["Location"].endswith("/console/password")
    # Nothing else is reachable until the password is changed.
    assert anonymous.get("/console/queue").headers["Location"].endswith("/console/password")
    assert anonymous.get("/console/api/queue").status_code == 403
    assert anonymous.get("/console/users").status_code == 302
    too_short = {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}
    response = anonymous.post("/console/password", too_short)
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    mismatch = {
        "current_password": PASSWORD,
        "new_password": "a" * 12,
        "confirm_password": "b" * 12,
    }
    assert anonymous.post("/console/password", mismatch).status_code == 400
    wrong = {"current_password": "nope", "new_password": "a" * 12, "confirm_password": "a" * 12}
    assert anonymous.post("/console/password", wrong).status_code == 400
    good = {
        "current_password": PASSWORD,
        "new_password": "a new long password",
        "confirm_password": "a new long password",
    }
    assert anonymous.post("/console/password", good).status_code == 302
    assert anonymous.get("/console/queue").status_code == 200
    assert anonymous.post("/console/logout").status_code == 302
    assert anonymous.login("new", PASSWORD).status_code == 401
    assert anonymous.login("new", "a new long password").headers["Location"].endswith("/queue")
    assert "password_changed" in actions()


def test_password_reset_elsewhere_ends_the_session(app: Flask, counsellor: User) -> None:
    first = Console(app.test_client())
    first.login("asha")
    second = Console(app.test_client())
    second.login("asha")
    change = {
        "current_password": PASSWORD,
        "new_password": "another long password",
        "confirm_password": "another long password",
    }
    assert second.post("/console/password", change).status_code == 302
    assert second.get("/console/queue").status_code == 200
    assert first.get("/console/queue").status_code == 302  # the old session is over


def test_csrf_is_required(anonymous: Console, as_counsellor: Console, counsellor: User) -> None:
    response = anonymous.client.post(
        "/console/login", data={"username": "asha", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    response = as_counsellor.client.post("/console/logout")
    assert response.status_code == 400
    response = as_counsellor.client.post(
        "/console/api/conversations/abc/reply", json={"body": "hello"}
    )
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_webhooks_need_no_csrf_token(app: Flask, twilio) -> None:  # type: ignore[no-untyped-def]
    assert twilio.post("namaste").status_code == 200


def test_cookie_flags(tmp_path, anonymous: Console, counsellor: User) -> None:  # type: ignore[no-untyped-def]
    response = anonymous.login("asha")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure_app = create_app(
        settings_for(tmp_path / "secure", SESSION_COOKIE_SECURE="true", CONSOLE_LOGIN_MIN_SECONDS=0)
    )
    assert secure_app.config["SESSION_COOKIE_SECURE"] is True
    page = secure_app.test_client().get("/console/login", base_url="https://localhost")
    assert "Secure" in page.headers["Set-Cookie"]


def test_security_headers(anonymous: Console) -> None:
    response = anonymous.get("/console/login")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts


def test_open_redirect_is_refused(anonymous: Console, counsellor: User) -> None:
    response = anonymous.post(
        "/console/login",
        {"username": "asha", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith("/console/queue")
