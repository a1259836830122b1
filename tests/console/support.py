"""Helpers for the console tests: accounts, a logged-in client that sends CSRF tokens, hand-offs."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.gateway.support import TwilioSender
from webhooks.console.auth import hash_password
from webhooks.extensions import db
from webhooks.models import AuditEvent, Conversation, User

PASSWORD = "correct horse battery staple"
INTERNAL_TOKEN = "test-internal-token"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_user(
    username: str,
    role: str = "counsellor",
    password: str = PASSWORD,
    must_change: bool = False,
    **extra: Any,
) -> User:
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change,
        **extra,
    )
    db.session.add(user)
    db.session.commit()
    return user


class Console:
    """A browser-like user of the console: keeps its cookies, sends the CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    @property
    def client(self) -> FlaskClient:
        # Tests hold one app context open (to read the database), and Flask reuses it for
        # each request, so per-request caches in ``g`` (Flask-Login's user, Flask-WTF's
        # token) must be dropped, as a fresh context in production would.
        if has_app_context():
            for name in list(vars(g)):
                g.pop(name, None)
        return self._client

    def token(self) -> str:
        page = self.client.get("/console/login")
        if page.status_code == 302:  # logged in: any page carries the token
            page = self.client.get("/console/password")
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.post("/console/login", {"username": username, "password": password})

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})})

    def post_json(self, path: str, payload: Any) -> Any:
        return self.client.post(path, json=payload, headers={"X-CSRFToken": self.token()})

    def text(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


def open_handoff(
    twilio: TwilioSender,
    text: str = "I need help",
    sender: str = "+9779800000123",
    priority: str = "normal",
    language: str | None = "en",
    summary: dict[str, Any] | None = None,
) -> str:
    """The person writes, then the action server opens a hand-off; returns the public id."""
    assert twilio.post(text, sender=sender).status_code == 200
    conversation = db.session.scalars(
        select(Conversation).order_by(Conversation.last_message_at.desc())
    ).first()
    response = twilio.client.post(
        "/internal/handoffs",
        json={
            "conversation_id": conversation.public_id,
            "reason": "asked",
            "priority": priority,
            "language": language,
            "summary": summary or {"topic": "job offer", "destination": "Malaysia"},
        },
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
    )
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return conversation.public_id


def actions(**filters: Any) -> list[str]:
    db.session.expire_all()
    query = select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
    return [event.action for event in db.session.scalars(query)]


def last_message_id(public_id: str) -> int:
    db.session.expire_all()
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    return conversation.messages[-1].id


def logged_in(app: Flask, user: User) -> Console:
    """A console client logged in as ``user`` (who has already changed their password)."""
    console = Console(app.test_client())
    response = console.login(user.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return console
