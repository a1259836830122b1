"""Gateway fixtures: an app on a fresh migrated database (SQLite, or PostgreSQL with
TEST_DATABASE=postgresql; see tests/support/database.py), a fake bot and a fake Twilio API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.gateway.fake_twilio import FakeTwilioApi, running_fake_twilio
from tests.gateway.support import ACCOUNT_SID, AUTH_TOKEN, FakeBot, TwilioSender, settings_for
from tests.support.database import (  # noqa: F401  (fixtures)
    database_template,
    database_url,
    postgres_server,
)
from webhooks import create_app
from webhooks.extensions import db
from webhooks.services import init_services


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioApi]:
    with running_fake_twilio() as api:
        api.credentials = (ACCOUNT_SID, AUTH_TOKEN)
        yield api


@pytest.fixture
def app(
    tmp_path: Path,
    fake_bot: FakeBot,
    fake_twilio: FakeTwilioApi,
    database_url: str,  # noqa: F811
) -> Iterator[Flask]:
    app = create_app(
        settings_for(tmp_path, DATABASE_URL=database_url, TWILIO_API_BASE_URL=fake_twilio.url)
    )
    init_services(app, bot=fake_bot)
    with app.app_context():  # tests read the database directly through db.session
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioSender:
    return TwilioSender(client)
