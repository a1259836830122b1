"""The gateway tests' database: SQLite by default, PostgreSQL with TEST_DATABASE=postgresql.

Either way the real migrations are applied once, to a template, and every test gets its own
copy: a copied file on SQLite, ``CREATE DATABASE … TEMPLATE`` on a private PostgreSQL server
started for the test session (see scripts/local_servers.py). Fixtures, imported by the
conftest of each gateway test folder.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import MetaData, select, text

from scripts.local_servers import PostgresServer, ServerUnavailable, running_postgres
from tests.gateway.support import settings_for
from webhooks import create_app
from webhooks.extensions import db

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite").strip().lower()
if TEST_DATABASE not in {"sqlite", "postgresql"}:
    raise RuntimeError(f"TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}")
TEMPLATE_NAME = "sahayatri_template"
_numbers = itertools.count(1)


def _migrate(url: str, folder: Path) -> None:
    app = create_app(settings_for(folder, DATABASE_URL=url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL for this test session (fails under CI, skips elsewhere, if absent)."""
    try:
        with running_postgres() as server:
            yield server
    except ServerUnavailable as error:
        if os.environ.get("CI"):  # .ci/run installs PostgreSQL: missing there is a failure
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def database_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Where the migrated template lives: a SQLite file path or a PostgreSQL database name."""
    folder = tmp_path_factory.mktemp("template")
    if TEST_DATABASE == "sqlite":
        _migrate(f"sqlite:///{folder / 'gateway.db'}", folder)
        return str(folder / "gateway.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    _admin(server, f"CREATE DATABASE {TEMPLATE_NAME}")
    _migrate(server.url(TEMPLATE_NAME), folder)
    return TEMPLATE_NAME


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_template: str, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated database for one test; dropped afterwards."""
    if TEST_DATABASE == "sqlite":
        shutil.copyfile(database_template, tmp_path / "gateway.db")
        yield f"sqlite:///{tmp_path / 'gateway.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}_{next(_numbers)}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {database_template} STRATEGY FILE_COPY")
    yield server.url(name)
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(server: PostgresServer, statement: str) -> None:
    import psycopg

    with psycopg.connect(server.admin_url(), autocommit=True) as connection:
        connection.execute(statement)


def stored_text(app: Flask, folder: Path) -> bytes:
    """Everything the database holds, as raw bytes: to prove what is *not* stored.

    SQLite: the database files themselves (after a checkpoint). PostgreSQL: every row of every
    table rendered as text (the files are the server's, compressed and paged).
    """
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
            return b"".join(path.read_bytes() for path in folder.glob("gateway.db*"))
        metadata = MetaData()
        metadata.reflect(db.engine)
        rows = []
        with db.engine.connect() as connection:
            for table in metadata.sorted_tables:
                rows += [str(tuple(row)) for row in connection.execute(select(table))]
            rows.append(str(connection.execute(text("SELECT current_database()")).scalar()))
        return "\n".join(rows).encode()
