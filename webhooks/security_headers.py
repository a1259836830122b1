"""Every security header the gateway sends, decided in this one place for every response.

Each area of the app gets one policy: the console (same-origin pages, never framed, never
cached), the widget's demo page and its chat frame (framed only by the partner sites allowed
in WIDGET_ALLOWED_ORIGINS), and everything else (JSON APIs, webhooks, health checks), which
never needs to run a script, be framed or send a referrer. ``nosniff`` and a Referrer-Policy
go on every response, JSON and errors included; HSTS on every response served over HTTPS.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, request

HSTS = "max-age=31536000; includeSubDomains"

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# The demo page is our own: the strictest policy the widget must live under.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; "
    "connect-src 'self'; img-src 'self'; frame-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; object-src 'none'"
)
FRAME_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "object-src 'none'; frame-ancestors {ancestors}"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


@dataclass(frozen=True)
class Policy:
    csp: str | None
    referrer: str
    frame_options: str | None = "DENY"
    no_store: bool = True  # unless the view chose its own caching (widget assets)


CONSOLE = Policy(CONSOLE_CSP, "same-origin")  # Flask-WTF checks the referrer over HTTPS
DEMO = Policy(DEMO_CSP, "no-referrer", no_store=False)
FRAME = Policy(FRAME_CSP, "no-referrer", frame_options=None)
ASSET = Policy(None, "no-referrer", frame_options=None, no_store=False)
API = Policy(API_CSP, "no-referrer")

CONSOLE_BLUEPRINTS = ("console", "referrals_console")  # and the blueprints nested in them
STATIC_ENDPOINTS = {"console.static", "widget.asset", "widget.loader_script", "widget.frame_script"}


def policy_for(endpoint: str | None, blueprint: str | None) -> Policy:
    if endpoint in STATIC_ENDPOINTS:
        return ASSET
    if blueprint and blueprint.split(".")[0] in CONSOLE_BLUEPRINTS:
        return CONSOLE
    if endpoint == "widget.demo":
        return DEMO
    if endpoint == "widget.frame":
        return FRAME
    return API


def frame_ancestors() -> str:
    """Who may frame the chat panel: the gateway itself and the partner sites."""
    return " ".join(["'self'", *current_app.config["WIDGET_ALLOWED_ORIGINS"]])


def served_over_https() -> bool:
    return request.is_secure or current_app.config["PUBLIC_BASE_URL"].startswith("https://")


def apply_security_headers(response: Response) -> Response:
    policy = policy_for(request.endpoint, request.blueprint)
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = policy.referrer
    if policy.csp:
        headers["Content-Security-Policy"] = policy.csp.format(ancestors=frame_ancestors())
    if policy.frame_options:
        headers["X-Frame-Options"] = policy.frame_options
    if policy.no_store and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if served_over_https():
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(apply_security_headers)
