"""What every console-like blueprint shares (the console and the referral directory's pages):
CSRF on every POST, the forced password change, error pages, and the log-in redirect.

``guard(blueprint)`` installs them, so a new console area cannot forget one and the areas cannot
drift apart. Their security headers come from the app-wide webhooks/security_headers.py.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from webhooks.console.auth import csrf, login_manager

# Reachable while a password change is forced.
PASSWORD_CHANGE_ENDPOINTS = {
    "console.auth.change_password",
    "console.auth.logout",
    "console.auth.login",
    "console.static",
}
CSRF_EXPIRED = "This form has expired or was not sent from the console. Reload the page."


def wants_json() -> bool:
    """JSON for the console's script and API callers, HTML pages for people."""
    return request.path.startswith("/console/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def protect() -> BaseResponse | None:
    csrf.protect()  # every POST: form field csrf_token or header X-CSRFToken
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
    ):
        if wants_json():
            abort(403, description="You must change your password first.")
        return redirect(url_for("console.auth.change_password"))
    return None


def error_page(error: HTTPException) -> tuple[Any, int]:
    status = error.code or 500
    message = error.description or error.name
    if error.name == "Bad Request" and "CSRF" in message:
        message = CSRF_EXPIRED
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("console/error.html", status=status, message=message), status


def guard(blueprint: Blueprint) -> Blueprint:
    """Install the shared checks and error pages on a console-like blueprint (and its children)."""
    blueprint.before_request(protect)
    blueprint.register_error_handler(HTTPException, error_page)
    return blueprint


@login_manager.unauthorized_handler
def unauthorized() -> Response | BaseResponse | tuple[Response, int]:
    if wants_json():
        return jsonify({"error": "Please log in again."}), 401
    flash("Please log in.", "info")
    return redirect(url_for("console.auth.login", next=request.full_path.rstrip("?")))
