"""Gateway fixtures: an app on a temporary SQLite file with the real migrations applied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from tests.gateway.support import FakeBot, TwilioSender, settings_for
from webhooks import create_app
from webhooks.services import init_services


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def app(tmp_path: Any, fake_bot: FakeBot) -> Iterator[Flask]:
    app = create_app(settings_for(tmp_path))
    init_services(app, bot=fake_bot)
    with app.app_context():  # tests read the database directly through db.session
        upgrade()
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioSender:
    return TwilioSender(client)
