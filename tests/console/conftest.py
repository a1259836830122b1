"""Console fixtures: the gateway app (real migrations, fake bot), accounts and clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

from tests.console.support import Console, logged_in, make_user
from tests.gateway.support import FakeBot, TwilioSender, settings_for
from tests.support.database import (  # noqa: F401  (fixtures)
    database_template,
    database_url,
    postgres_server,
)
from webhooks import create_app
from webhooks.console import auth
from webhooks.extensions import db
from webhooks.models import User
from webhooks.services import init_services


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests check the logic, not the cost."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "hasher", quick)
    monkeypatch.setattr(auth, "_DUMMY_HASH", quick.hash("dummy"))


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@dataclass
class RecordingSender:
    """Stands in for Twilio's API: records (channel, address, body), answers with a sid."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, channel: str, address: str, body: str, **_options: Any) -> str:
        self.sent.append((channel, address, body))
        return f"SM{len(self.sent):032d}"


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def app(
    tmp_path: Any,
    fake_bot: FakeBot,
    sender: RecordingSender,
    database_url: str,  # noqa: F811
) -> Iterator[Flask]:
    app = create_app(
        settings_for(
            tmp_path, DATABASE_URL=database_url, SESSION_COOKIE_SECURE="false",
            CONSOLE_LOGIN_MIN_SECONDS=0,
        )
    )  # fmt: skip
    built = init_services(app, bot=fake_bot)
    for channel in ("sms", "whatsapp"):
        built.outbox.senders[channel] = sender  # type: ignore[index]
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def twilio(app: Flask) -> TwilioSender:
    """The person's phone: its own client, so it shares no cookies with a counsellor."""
    return TwilioSender(app.test_client())


@pytest.fixture
def counsellor(app: Flask) -> User:
    return make_user("asha")


@pytest.fixture
def colleague(app: Flask) -> User:
    return make_user("bina")


@pytest.fixture
def supervisor(app: Flask) -> User:
    return make_user("sita", role="supervisor")


@pytest.fixture
def as_counsellor(app: Flask, counsellor: User) -> Console:
    return logged_in(app, counsellor)


@pytest.fixture
def as_colleague(app: Flask, colleague: User) -> Console:
    return logged_in(app, colleague)


@pytest.fixture
def as_supervisor(app: Flask, supervisor: User) -> Console:
    return logged_in(app, supervisor)


@pytest.fixture
def anonymous(app: Flask) -> Console:
    return Console(app.test_client())
