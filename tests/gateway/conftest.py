"""Gateway fixtures: an app on a temporary SQLite file with the real migrations applied."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from tests.gateway.fake_twilio import FakeTwilioApi, running_fake_twilio
from tests.gateway.support import FakeBot, TwilioSender, settings_for
from webhooks import create_app
from webhooks.extensions import db
from webhooks.services import init_services


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioApi]:
    with running_fake_twilio() as api:
        yield api


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real migrations, applied once; each test gets a copy of the resulting file."""
    folder = tmp_path_factory.mktemp("template")
    app = create_app(settings_for(folder))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return folder / "gateway.db"


@pytest.fixture
def app(
    tmp_path: Path, fake_bot: FakeBot, fake_twilio: FakeTwilioApi, migrated_database: Path
) -> Iterator[Flask]:
    shutil.copyfile(migrated_database, tmp_path / "gateway.db")
    app = create_app(settings_for(tmp_path, TWILIO_API_BASE_URL=fake_twilio.url))
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
