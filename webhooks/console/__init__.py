"""The counsellor console (/console): queue, conversations, supervision, accounts.

``init_console(app)`` wires it into the app factory: log-in, CSRF for the console's forms and
JSON posts (other blueprints, e.g. signed Twilio webhooks, are not affected), secure cookie
settings, security headers, and the ``flask users`` commands.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from webhooks.console.auth import csrf, login_manager
from webhooks.console.cli import users_cli
from webhooks.console.views import console_blueprint

# Routes defined in their own modules on the console blueprint (imported for registration).
from webhooks.console import stats  # noqa: F401  isort: skip


def init_console(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    # CSRF is checked by the console blueprint itself (see views.protect_console), not for
    # every POST in the app: webhooks and the internal API authenticate differently.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session: a reply typed into a page left open for hours
    # must not be refused for an expired token.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("CONSOLE_LOGIN_MIN_SECONDS", 0.5)
    app.config.setdefault("CONSOLE_POLL_MILLISECONDS", 1000)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(console_blueprint)
    app.cli.add_command(users_cli)
