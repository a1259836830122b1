"""One JSON shape for every error the gateway returns, and no 500 page that leaks details."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from webhooks.extensions import db

log = logging.getLogger(__name__)


def error_response(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def bad_request(message: str) -> Response:
    return error_response(400, message)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return error_response(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        log.error("unhandled %s at %s", type(error).__name__, where(error))
        db.session.rollback()  # the next request of this context must not inherit a failed flush
        return error_response(500, "internal error")


def where(error: BaseException) -> str:
    """The frames an exception went through (file:line in function), without its message.

    An exception's message or a traceback's source lines can quote what a person wrote (a
    database error quotes its parameters, a KeyError its key): only code locations are logged.
    """
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    return " < ".join(
        f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} in {f.name}" for f in frames[::-1]
    )
