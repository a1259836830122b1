"""Abuse limits: bounded request bodies and per-IP rate limits (Flask-Limiter).

Flask-Limiter keeps its counters in memory by default (per gateway process) and in Redis when
RATELIMIT_STORAGE_URI is set (``redis://…``), which several gateway processes then share.
The limits themselves are settings (see README); a refused request gets a polite 429.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from webhooks.conversations.texts import text as gateway_text

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def refuse_oversized_bodies() -> None:
    """413 on the declared size alone, even where a view never reads the body.

    Werkzeug also stops reading a chunked body at MAX_CONTENT_LENGTH.
    """
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413, description="request body too large")


def too_many_requests(error: RateLimitExceeded) -> Response:
    """A polite 429 the widget can show as it is, with Retry-After."""
    response = jsonify({"error": "too many requests", "message": gateway_text("slow_down", None)})
    response.status_code = 429
    return response


def init_limits(app: Flask) -> None:
    app.before_request(refuse_oversized_bodies)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
