"""Gateway fixtures: an app on a temporary SQLite file with the real migrations applied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from tests.gateway.fake_twilio import FakeTwilioApi, running_fake_twilio
from tests.gateway.support import FakeBot, TwilioSender, settings_for
from webhooks import create_app
from webhooks.services import init_services


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioApi]:
    with running_fake_twilio() as api:
        yield api


@pytest.fixture
def app(tmp_path: Any, fake_bot: FakeBot, fake_twilio: FakeTwilioApi) -> Iterator[Flask]:
    app = create_app(settings_for(tmp_path, TWILIO_API_BASE_URL=fake_twilio.url))
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
