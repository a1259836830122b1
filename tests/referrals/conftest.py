"""Referral-directory fixtures: the gateway app (real migrations), accounts, entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from tests.console.support import Console, logged_in, make_user
from tests.gateway.conftest import fake_bot  # noqa: F401  (fixtures)
from tests.gateway.support import FakeBot, settings_for
from tests.support.database import (  # noqa: F401  (fixtures)
    database_template,
    database_url,
    postgres_server,
)
from webhooks import create_app
from webhooks.console import auth
from webhooks.extensions import db
from webhooks.models import User
from webhooks.referrals.models import ReferralOrganisation, ReferralService
from webhooks.services import init_services

INTERNAL_TOKEN = "test-internal-token"
BOT = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "hasher", quick)
    monkeypatch.setattr(auth, "_DUMMY_HASH", quick.hash("dummy"))


@pytest.fixture
def app(
    tmp_path: Path,
    fake_bot: FakeBot,  # noqa: F811
    database_url: str,  # noqa: F811
) -> Iterator[Flask]:
    app = create_app(settings_for(tmp_path, DATABASE_URL=database_url, CONSOLE_LOGIN_MIN_SECONDS=0))
    init_services(app, bot=fake_bot)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def supervisor(app: Flask) -> User:
    return make_user("sita", role="supervisor")


@pytest.fixture
def counsellor(app: Flask) -> User:
    return make_user("asha")


@pytest.fixture
def as_supervisor(app: Flask, supervisor: User) -> Console:
    return logged_in(app, supervisor)


@pytest.fixture
def as_counsellor(app: Flask, counsellor: User) -> Console:
    return logged_in(app, counsellor)


def add_service(slug: str, **fields: Any) -> ReferralService:
    """An entry with sensible defaults: national, verified today, need shelter."""
    organisation = db.session.query(ReferralOrganisation).filter_by(slug="org").one_or_none()
    if organisation is None:
        organisation = ReferralOrganisation(slug="org", name_en="Org", name_ne="संस्था")
        db.session.add(organisation)
    values: dict[str, Any] = {
        "name_en": slug,
        "name_ne": None,
        "needs": ["shelter"],
        "phone": "1145",
        "verified": True,
        "last_verified": date.today(),
        "sources": ["test"],
        "confidence": "high",
        "languages": ["ne"],
        **fields,
    }
    service = ReferralService(slug=slug, organisation=organisation, **values)
    db.session.add(service)
    db.session.commit()
    return service
