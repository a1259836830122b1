"""The Sahayatri gateway: the only public entry point, in front of Rasa and the action server."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from webhooks.channels import CHANNEL_BLUEPRINTS
from webhooks.cli import register_cli
from webhooks.config import load_settings
from webhooks.console import init_console
from webhooks.errors import register_error_handlers
from webhooks.extensions import db, migrate
from webhooks.health import health_blueprint
from webhooks.internal_api import internal_blueprint
from webhooks.json_input import StrictJSONProvider
from webhooks.limits import init_limits
from webhooks.referrals import init_referrals
from webhooks.security_headers import init_security_headers
from webhooks.services import init_services
from webhooks.widget import widget_blueprint
from webhooks.worker import register_worker_cli

# Tables defined beside the code that owns them (imported so Alembic and the app see them).
from webhooks import erasure, stats_archive, upkeep_state  # noqa: F401  isort: skip
from webhooks.console import sessions, throttle  # noqa: F401  isort: skip

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)  # JSON bodies must be storable text (json_input.py)
    app.config.update(load_settings(test_config))
    if not app.config["TWILIO_VALIDATE_SIGNATURES"] and not app.testing:
        # A test-only switch: outside tests every Twilio webhook is verified, whatever is set.
        logging.getLogger(__name__).warning(
            "TWILIO_VALIDATE_SIGNATURES=false is ignored outside tests: signatures are checked"
        )
        app.config["TWILIO_VALIDATE_SIGNATURES"] = True
    database_uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # Never put bound values (what a person wrote, a number) into exception messages or logs.
    engine_options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    engine_options.setdefault("hide_parameters", True)
    if database_uri.startswith("sqlite:///") and database_uri != "sqlite:///:memory:":
        os.makedirs(os.path.dirname(database_uri[len("sqlite:///") :]), exist_ok=True)
        engine_options.setdefault("connect_args", {"timeout": 15})
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    init_services(app)
    register_error_handlers(app)
    init_security_headers(app)
    init_limits(app)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(internal_blueprint)
    app.register_blueprint(widget_blueprint)
    init_console(app)
    init_referrals(app)
    for blueprint in CHANNEL_BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_cli(app)
    register_worker_cli(app)
    with app.app_context():
        event.listen(db.engine, "connect", _sqlite_pragmas)
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    return app


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the gateway's threads read while one writes; foreign keys; secure_delete so
    that deleted text (erasure, retention) is overwritten in the file, not left in free pages.

    synchronous=NORMAL, SQLite's recommendation for WAL: a commit is on disk once the process
    has written it (no process crash loses it, and the database is never corrupted), but the
    WAL is flushed to the device at checkpoints rather than at every commit, so a power cut or
    kernel crash can lose the last moments. Flushing twice per message cost more than all of
    the gateway's other work together (bench/overhead.py). PostgreSQL keeps its own
    synchronous commits; use it where that matters (README: deploying beyond one machine).
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left
        cursor.close()
