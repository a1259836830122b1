"""Log-in, throttling, forced password change, server-side sessions, CSRF and headers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from tests.console.support import PASSWORD, Console, actions, make_user
from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.console import throttle
from webhooks.console.sessions import ConsoleSession
from webhooks.console.throttle import LoginThrottle
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


def _waits(key: str) -> int:
    db.session.expire_all()
    row = db.session.get(LoginThrottle, key)
    return (
        0
        if row is None or row.wait_until is None
        else int((row.wait_until - utcnow()).total_seconds())
    )


def test_failures_slow_guessing_down_without_locking_the_owner_out(
    app: Flask, anonymous: Console, counsellor: User
) -> None:
    for _ in range(5):  # free tries
        assert anonymous.login("asha", "wrong password!").status_code == 401
    assert anonymous.login("asha", "wrong password!").status_code == 401
    # Now each try must wait: refused at once, the right password unchecked, with Retry-After.
    response = anonymous.login("asha")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    for _ in range(20):  # an attacker keeps guessing: ever longer waits...
        _expire_waits()
        anonymous.login("asha", "wrong password!")
    assert _waits("ip:127.0.0.1") > 60  # ...for the guesser's address
    assert 0 < _waits("user:asha") <= 60  # ...but the account waits a minute at most
    # The owner, from another address, gets in once that minute has passed.
    owner = Console(app.test_client())
    _expire_waits("user:asha")
    response = owner.post("/console/login", {"username": "asha", "password": PASSWORD})
    assert response.status_code == 429  # the test client shares the guesser's address...
    owner_ip = {"REMOTE_ADDR": "192.0.2.7"}
    token = owner.token()
    response = owner.client.post(
        "/console/login",
        data={"username": "asha", "password": PASSWORD, "csrf_token": token},
        environ_overrides=owner_ip,
    )
    assert response.status_code == 302  # ...from its own it is in
    assert _waits("user:asha") == 0  # and the account's count starts again


def _expire_waits(prefix: str = "") -> None:
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.startswith(prefix))
        .values(wait_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_failure_counters_are_atomic(app: Flask) -> None:
    keys = throttle.keys_for("198.51.100.1", "someone")

    def fail() -> None:
        with app.app_context():
            throttle.record_failure(keys)
            db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(fail) for _ in range(16)]:
            future.result()
    db.session.expire_all()
    assert db.session.get(LoginThrottle, keys["ip"]).failures == 16
    assert db.session.get(LoginThrottle, keys["user"]).failures == 16


def test_backoff_doubles_up_to_a_ceiling() -> None:
    rule = throttle.RULES["user"]
    delays = [rule.delay(n).total_seconds() for n in range(4, 14)]
    assert delays[:5] == [0, 0, 1, 2, 4]
    assert max(delays) == 60


def test_logout_revokes_a_copied_cookie(app: Flask, as_counsellor: Console) -> None:
    thief = app.test_client()
    for cookie in as_counsellor.client._cookies.values():  # the same cookie, copied
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert thief.get("/console/queue").status_code == 200
    assert as_counsellor.post("/console/logout").status_code == 302
    assert thief.get("/console/queue").status_code == 302
    assert thief.get("/console/api/queue").status_code == 401


def _session_row() -> ConsoleSession:
    db.session.expire_all()
    return db.session.scalars(select(ConsoleSession).order_by(ConsoleSession.id.desc())).first()


def test_an_idle_session_ends_and_polling_does_not_keep_it_alive(as_counsellor: Console) -> None:
    row = _session_row()
    row.last_active_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    for _ in range(3):  # the console's automatic polling
        assert as_counsellor.get("/console/api/queue").status_code == 200
    assert _session_row().last_active_at < utcnow() - timedelta(minutes=19)
    row = _session_row()
    row.last_active_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert as_counsellor.get("/console/api/queue").status_code == 401
    assert _session_row().end_reason == "idle"
    assert as_counsellor.get("/console/queue").status_code == 302


def test_a_person_using_the_console_keeps_the_session(as_counsellor: Console) -> None:
    row = _session_row()
    row.last_active_at = utcnow() - timedelta(minutes=29)
    db.session.commit()
    assert as_counsellor.get("/console/queue").status_code == 200
    assert _session_row().last_active_at > utcnow() - timedelta(minutes=1)


def test_a_session_ends_12_hours_after_log_in_whatever_happens(as_counsellor: Console) -> None:
    row = _session_row()
    row.created_at = utcnow() - timedelta(hours=12, seconds=1)
    db.session.commit()
    assert as_counsellor.get("/console/queue").status_code == 302
    assert _session_row().end_reason == "expired"


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
