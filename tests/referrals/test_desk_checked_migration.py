"""Migration 7c3e5a9d2b41: entries "verified" only because a document said so become
desk-checked; entries a person marked verified in the console stay verified by phone."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.extensions import db

BEFORE = "01ea4412d960"  # main's head before this revision


def test_document_verified_entries_become_desk_checked(tmp_path: Path):
    app = create_app(settings_for(tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        now = datetime(2026, 11, 24, 12, 0)
        with db.engine.begin() as connection:
            meta = sa.MetaData()
            # The users table as it was at that revision (later ones change it): no ORM here.
            users = sa.Table("users", meta, autoload_with=connection)
            supervisor_id = connection.execute(
                users.insert().values(
                    username="sita",
                    password_hash="!",
                    role="supervisor",
                    active=True,
                    on_duty=False,
                    must_change_password=False,
                    failed_logins=0,
                    created_at=now,
                )
            ).inserted_primary_key[0]
            organisations = sa.Table("referral_organisations", meta, autoload_with=connection)
            services = sa.Table("referral_services", meta, autoload_with=connection)
            org_id = connection.execute(
                organisations.insert().values(
                    slug="org", name_en="Org", created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            common = dict(
                organisation_id=org_id, needs=["shelter"], district_ids=[], province_ids=[],
                country_codes=[], open_24h=False, languages=["ne"], sources=["x"],
                confidence="high", priority=1, is_fallback=False, status="active",
                created_at=now, updated_at=now,
            )  # fmt: skip
            connection.execute(
                services.insert(),
                [
                    {
                        **common,
                        "slug": "seeded",
                        "name_en": "Seeded",
                        "verified": True,
                        "last_verified": date(2026, 11, 24),
                        "verified_by_id": None,
                    },
                    {
                        **common,
                        "slug": "called",
                        "name_en": "Called",
                        "verified": True,
                        "last_verified": date(2026, 11, 25),
                        "verified_by_id": supervisor_id,
                    },
                    {
                        **common,
                        "slug": "never",
                        "name_en": "Never",
                        "verified": False,
                        "last_verified": None,
                        "verified_by_id": None,
                    },
                ],
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT slug, verified, last_verified, desk_checked FROM referral_services")
            ).all()
        db.engine.dispose()
    found = {slug: (bool(verified), last, desk) for slug, verified, last, desk in rows}
    assert found["seeded"] == (False, "2026-11-24", "2026-11-24")
    assert found["called"] == (True, "2026-11-25", None)
    assert found["never"] == (False, None, None)
