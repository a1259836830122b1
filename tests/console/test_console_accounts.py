"""Supervisor account management and the `flask users` commands."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import delete, select

from tests.console.support import PASSWORD, Console, actions, make_user, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.console.throttle import LoginThrottle
from webhooks.extensions import db
from webhooks.models import User

ONE_TIME = re.compile(r'<code id="one-time-password">([^<]+)</code>')
CLI_PASSWORD = re.compile(r"one-time password: (\S+)")


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).filter_by(username=username))


def test_create_account_shows_a_one_time_password_once(
    app: Flask, as_supervisor: Console, supervisor: User
) -> None:
    response = as_supervisor.post("/console/users", {"username": "ram", "role": "counsellor"})
    assert response.status_code == 201
    password = ONE_TIME.search(response.get_data(as_text=True)).group(1)
    assert len(password) >= 12
    assert response.headers["Cache-Control"] == "no-store"
    assert password not in as_supervisor.text("/console/users")  # never shown again
    assert _user("ram").must_change_password
    newcomer = Console(app.test_client())
    assert newcomer.login("ram", password).headers["Location"].endswith("/console/password")
    assert "user_created" in actions(user_id=supervisor.id)


def test_create_account_bad_input(as_supervisor: Console, counsellor: User) -> None:
    assert (
        as_supervisor.post("/console/users", {"username": "A B", "role": "counsellor"}).status_code
        == 400
    )
    assert (
        as_supervisor.post("/console/users", {"username": "asha", "role": "counsellor"}).status_code
        == 400
    )
    assert (
        as_supervisor.post("/console/users", {"username": "newbie", "role": "boss"}).status_code
        == 400
    )
    assert as_supervisor.post("/console/users/999/activate").status_code == 404
    assert as_supervisor.post(f"/console/users/{counsellor.id}/fly").status_code == 404


def test_deactivate_role_duty_reset_unlock(
    app: Flask, as_supervisor: Console, supervisor: User, counsellor: User
) -> None:
    path = f"/console/users/{counsellor.id}"
    assert as_supervisor.post(f"{path}/duty/on").status_code == 303
    assert _user("asha").on_duty
    assert as_supervisor.post(f"{path}/role", {"role": "supervisor"}).status_code == 303
    assert _user("asha").role == "supervisor"
    assert as_supervisor.post(f"{path}/role", {"role": "counsellor"}).status_code == 303
    response = as_supervisor.post(f"{path}/reset-password")
    assert response.status_code == 200
    new_password = ONE_TIME.search(response.get_data(as_text=True)).group(1)
    assert _user("asha").must_change_password
    person = Console(app.test_client())
    assert person.login("asha", PASSWORD).status_code == 401
    assert person.login("asha", new_password).status_code == 302
    assert as_supervisor.post(f"{path}/unlock").status_code == 303
    assert as_supervisor.post(f"{path}/deactivate").status_code == 303
    assert not _user("asha").active and not _user("asha").on_duty
    assert person.get("/console/password").status_code == 302  # the session is over
    assert as_supervisor.post(f"{path}/activate").status_code == 303
    assert set(actions(user_id=supervisor.id)) >= {
        "duty_changed",
        "user_role_changed",
        "password_reset",
        "user_unlocked",
        "user_deactivated",
        "user_activated",
    }


def test_supervisor_cannot_lock_themselves_out(as_supervisor: Console, supervisor: User) -> None:
    path = f"/console/users/{supervisor.id}"
    assert as_supervisor.post(f"{path}/deactivate").status_code == 400
    assert as_supervisor.post(f"{path}/role", {"role": "counsellor"}).status_code == 400
    assert _user("sita").active and _user("sita").role == "supervisor"


def test_cannot_deactivate_someone_holding_a_conversation(
    as_supervisor: Console, as_counsellor: Console, counsellor: User, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    as_counsellor.post(f"/console/conversations/{public_id}/claim")
    response = as_supervisor.post(f"/console/users/{counsellor.id}/deactivate")
    assert response.status_code == 409
    assert "transfer them first" in response.get_data(as_text=True)
    assert _user("asha").active


def test_audit_log_is_paginated_and_filtered(as_supervisor: Console, counsellor: User) -> None:
    for _ in range(60):
        Console(as_supervisor.client.application.test_client()).login("asha", "wrong password!")
        db.session.execute(delete(LoginThrottle))  # not slowed down: this test counts events
        db.session.commit()
    page = as_supervisor.text("/console/audit?action=login_failed")
    assert "60 event(s) · page 1 of 2" in page
    assert "older" in page
    assert "page 2 of 2" in as_supervisor.text("/console/audit?action=login_failed&page=2")
    assert 'data-action="login_failed"' in page
    assert 'data-action="login_failed"' not in as_supervisor.text("/console/audit?action=login")


def test_cli_bootstrap_and_create(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "bootstrap"])
    assert result.exit_code == 0, result.output
    password = CLI_PASSWORD.search(result.output).group(1)
    assert result.output.count(password) == 1
    supervisor = _user("supervisor")
    assert supervisor.role == "supervisor" and supervisor.must_change_password
    again = runner.invoke(args=["users", "bootstrap"])
    assert again.exit_code == 0 and "already exists" in again.output
    assert CLI_PASSWORD.search(again.output) is None
    console = Console(app.test_client())
    assert console.login("supervisor", password).headers["Location"].endswith("/password")

    created = runner.invoke(args=["users", "create", "Kamala", "--role", "counsellor"])
    assert created.exit_code == 0, created.output
    assert _user("kamala").role == "counsellor"
    assert runner.invoke(args=["users", "create", "kamala"]).exit_code != 0
    assert runner.invoke(args=["users", "create", "x", "--role", "boss"]).exit_code != 0
    reset = runner.invoke(args=["users", "reset-password", "kamala"])
    assert reset.exit_code == 0 and CLI_PASSWORD.search(reset.output)


def test_bootstrap_refuses_a_clashing_username(app: Flask) -> None:
    make_user("supervisor", role="counsellor")
    result = app.test_cli_runner().invoke(args=["users", "bootstrap"])
    assert result.exit_code != 0
