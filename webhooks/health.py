"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

import requests
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from webhooks.extensions import db
from webhooks.services import services
from webhooks.upkeep import worker_seen_within

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


WORKER_STALE_SECONDS = 60  # the worker passes every few seconds; a minute without: it is down
ACTION_SERVER_TIMEOUT_SECONDS = 2
NOT_REQUIRED = ("worker",)  # reported, but the gateway can answer people without it


def action_server_up() -> bool:
    """The rasa-sdk action server answers its /health (next to its /webhook)."""
    url = current_app.config["ACTION_SERVER_URL"].rsplit("/webhook", 1)[0] + "/health"
    try:
        return requests.get(url, timeout=ACTION_SERVER_TIMEOUT_SECONDS).status_code == 200
    except requests.RequestException:
        return False


@health_blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every part a reply depends on, each reported, so a process being restarted shows.

    Ready (200) needs the database, at least one Rasa instance with a model loaded
    (conversations of an instance that is down go to their next one; each is listed by its
    position in RASA_URL) and the action server. A worker without a heartbeat does not stop
    the gateway answering: it is reported under ``degraded`` for monitoring, not as unready.
    """
    checks = {
        "database": False,
        "rasa": False,
        "model_loaded": False,
        "action_server": False,
        "worker": False,
    }
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
        checks["worker"] = worker_seen_within(WORKER_STALE_SECONDS)
    except Exception:
        db.session.rollback()
    instances = services().bot.status()
    checks["rasa"] = any(instance["reachable"] for instance in instances)
    checks["model_loaded"] = any(instance["model_loaded"] for instance in instances)
    checks["action_server"] = action_server_up()
    ready = all(value for name, value in checks.items() if name not in NOT_REQUIRED)
    degraded = [name for name in NOT_REQUIRED if not checks[name]]
    body = {"ready": ready, "checks": checks, "degraded": degraded, "rasa_instances": instances}
    return jsonify(body), 200 if ready else 503
