"""The counsellor console (/console), made of one small blueprint per feature:

- ``login`` (auth): log-in, log-out, password;      - ``queue``: triage, alerts, follow-ups;
- ``conversation``: transcript, reply, transfer;     - ``cases``: wrap-up, closed list, search;
- ``recordings``: playing recordings;               - ``phone``: one's phone for the hotline;
- ``accounts``: accounts and duty;                   - ``audit_log``;
- ``statistics``: the reporting dashboard, exports;  - ``wellbeing``: counsellors' shifts.

They are nested in one ``console`` blueprint that carries the templates, the static files and
the shared checks of ``security.guard`` (CSRF, forced password change, error pages), which the
referral directory's pages use too. ``init_console(app)`` wires it into the app factory.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from webhooks.console.accounts import accounts_blueprint
from webhooks.console.audit_log import audit_blueprint
from webhooks.console.auth import csrf, login_manager
from webhooks.console.blocks import blocks_blueprint
from webhooks.console.cases import cases_blueprint
from webhooks.console.cli import users_cli
from webhooks.console.common import CHANNELS, LANGUAGES, localtime
from webhooks.console.conversation import conversation_blueprint
from webhooks.console.login import auth_blueprint
from webhooks.console.permissions import has_permission
from webhooks.console.phone import phone_blueprint
from webhooks.console.queue import queue_blueprint
from webhooks.console.recordings import recordings_blueprint
from webhooks.console.security import guard
from webhooks.console.statistics import statistics_blueprint
from webhooks.console.wellbeing import wellbeing_blueprint
from webhooks.console.wrapup import init_wrapup_form

console_blueprint = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)
for _feature in (
    auth_blueprint,
    queue_blueprint,
    conversation_blueprint,
    cases_blueprint,
    accounts_blueprint,
    audit_blueprint,
    statistics_blueprint,
    wellbeing_blueprint,
    blocks_blueprint,
    recordings_blueprint,
    phone_blueprint,
):
    console_blueprint.register_blueprint(_feature)
guard(console_blueprint)


@console_blueprint.get("/")
def index() -> BaseResponse:
    return redirect(url_for("console.queue.page"))


@console_blueprint.app_template_filter("localtime")
def localtime_filter(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return localtime(value, fmt)


@console_blueprint.app_context_processor
def console_context() -> dict[str, Any]:
    return {
        "can": lambda permission: has_permission(current_user, permission),
        "LANGUAGES": LANGUAGES,
        "CHANNELS": CHANNELS,
    }


def init_console(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Sessions are also ended on the server (webhooks/console/sessions.py); the cookie
    # lives no longer than the longest session.
    app.config.setdefault(
        "PERMANENT_SESSION_LIFETIME", timedelta(hours=app.config["CONSOLE_MAX_SESSION_HOURS"])
    )
    # CSRF is checked by the console-like blueprints themselves (security.guard), not for
    # every POST in the app: webhooks and the internal API authenticate differently.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session: a reply typed into a page left open for hours
    # must not be refused for an expired token.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("CONSOLE_LOGIN_MIN_SECONDS", 0.5)
    app.config.setdefault("CONSOLE_POLL_MILLISECONDS", 1000)
    init_wrapup_form(app)  # a broken form definition stops start-up with its problems
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(console_blueprint)
    app.cli.add_command(users_cli)
