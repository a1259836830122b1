"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from webhooks.conversations.bot_client import BotUnavailable
from webhooks.extensions import db
from webhooks.services import services

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health_blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks = {"database": False, "rasa": False, "model_loaded": False}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        db.session.rollback()
    try:
        status = services().bot.status()
        checks["rasa"] = True
        checks["model_loaded"] = bool(status.get("model_file") or status.get("model_id"))
    except BotUnavailable:
        pass
    ready = all(checks.values())
    return jsonify({"ready": ready, "checks": checks}), 200 if ready else 503
