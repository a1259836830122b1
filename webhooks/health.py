"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from webhooks.extensions import db
from webhooks.services import services

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health_blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the database answers and at least one Rasa instance has a model loaded
    (conversations of an instance that is down go to their next one); each instance is listed
    by its position in RASA_URL."""
    checks = {"database": False, "rasa": False, "model_loaded": False}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        db.session.rollback()
    instances = services().bot.status()
    checks["rasa"] = any(instance["reachable"] for instance in instances)
    checks["model_loaded"] = any(instance["model_loaded"] for instance in instances)
    ready = all(checks.values())
    body = {"ready": ready, "checks": checks, "rasa_instances": instances}
    return jsonify(body), 200 if ready else 503
