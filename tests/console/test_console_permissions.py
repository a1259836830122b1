"""Deny by default: the permission matrix, unknown permissions, conversation ownership."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.console.support import Console, make_user, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.console.permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS, has_permission
from webhooks.models import User

SUPERVISOR_ONLY_PAGES = ["/console/users", "/console/audit", "/console/supervise", "/console/stats"]


@pytest.mark.parametrize("path", SUPERVISOR_ONLY_PAGES)
def test_counsellor_is_denied_supervisor_pages(as_counsellor: Console, path: str) -> None:
    response = as_counsellor.get(path)
    assert response.status_code == 403
    assert "not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", SUPERVISOR_ONLY_PAGES)
def test_supervisor_may_see_supervisor_pages(as_supervisor: Console, path: str) -> None:
    assert as_supervisor.get(path).status_code == 200


def test_counsellor_cannot_manage_accounts(as_counsellor: Console, counsellor: User) -> None:
    assert (
        as_counsellor.post("/console/users", {"username": "x1", "role": "supervisor"}).status_code
        == 403
    )
    assert (
        as_counsellor.post(
            f"/console/users/{counsellor.id}/role", {"role": "supervisor"}
        ).status_code
        == 403
    )


def test_anonymous_is_sent_to_log_in(anonymous: Console) -> None:
    for path in ["/console/queue", "/console/users", "/console/audit"]:
        assert "/console/login" in anonymous.get(path).headers["Location"]
    assert anonymous.get("/console/api/queue").status_code == 401


def test_role_table_is_data() -> None:
    assert ROLE_PERMISSIONS["counsellor"] < ROLE_PERMISSIONS["supervisor"]
    for permission in ["contact.reveal", "users.manage", "audit.view", "duty.manage"]:
        assert permission not in ROLE_PERMISSIONS["counsellor"]
    assert "no.such.permission" not in ALL_PERMISSIONS


def test_unknown_permission_or_role_is_denied(app: Flask) -> None:
    boss = make_user("boss", role="supervisor")
    odd = make_user("odd", role="janitor")
    assert has_permission(boss, "users.manage")
    assert not has_permission(boss, "no.such.permission")
    assert not has_permission(odd, "queue.view")


def test_unknown_permission_gives_403(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    from tests.gateway.support import settings_for
    from webhooks import create_app
    from webhooks.console.permissions import requires

    app = create_app(settings_for(tmp_path, DATABASE_URL=database_url, CONSOLE_LOGIN_MIN_SECONDS=0))

    @app.get("/typo")
    @requires("users.manaeg")
    def typo() -> str:
        return "should never be seen"

    with app.app_context():
        make_user("boss", role="supervisor")
        console = Console(app.test_client())
        assert console.login("boss").status_code == 302
        assert console.get("/typo").status_code == 403


def test_counsellor_sees_only_waiting_and_own_conversations(
    as_counsellor: Console, as_colleague: Console, twilio: TwilioSender
) -> None:
    public_id = open_handoff(twilio)
    base = f"/console/conversations/{public_id}"
    assert as_counsellor.get(base).status_code == 200  # waiting: may look before claiming
    as_colleague.post(f"{base}/claim")
    assert as_counsellor.get(base).status_code == 403
    assert as_counsellor.get(f"/console/api/conversations/{public_id}/messages").status_code == 403
    assert as_counsellor.post(f"{base}/notes", {"body": "x"}).status_code == 403
    assert (
        as_counsellor.post(f"{base}/close", {"outcome": "other", "seen_up_to": "0"}).status_code
        == 403
    )
