"""Gateway settings, read from the environment in one place.

Nothing here has a secret default: ``scripts/ensure_env.py`` generates missing secrets into
``.env`` on first run, and tests pass their own values to ``create_app``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATABASE_URL = "sqlite:///" + os.path.join(REPO_ROOT, "var", "gateway.db")


def _repo_path(path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)


def _url_list(value: object) -> list[str]:
    return [url.strip().rstrip("/") for url in str(value).split(",") if url.strip()]


def _database_url(value: object) -> str:
    """PostgreSQL URLs use psycopg 3 (the driver in the lock file), whatever the prefix."""
    url = str(value)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _boolean(value: object) -> bool:
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def _comma_list(value: object) -> list[str]:
    return [item.strip() for item in str(value).split(",") if item.strip()]


# (setting name, default, parser). A default of None means "required in production".
_SETTINGS: tuple[tuple[str, Any, Any], ...] = (
    ("SECRET_KEY", None, str),
    ("INTERNAL_API_TOKEN", None, str),
    ("DATA_ENCRYPTION_KEY", None, str),
    ("TWILIO_AUTH_TOKEN", None, str),
    ("TWILIO_ACCOUNT_SID", "", str),
    ("TWILIO_VALIDATE_SIGNATURES", "true", _boolean),
    # Secrets of Twilio SharedKeys, for webhooks a Webhook Setting signs instead of the auth
    # token (comma-separated: old and new during a key rotation).
    ("TWILIO_WEBHOOK_SHARED_KEYS", "", _comma_list),
    ("PUBLIC_BASE_URL", "http://127.0.0.1:8000", lambda v: str(v).rstrip("/")),
    ("PROXY_COUNT", "0", int),
    ("DATABASE_URL", DEFAULT_DATABASE_URL, _database_url),
    # One or more Rasa instances (comma-separated); each conversation sticks to one of them.
    ("RASA_URL", "http://127.0.0.1:5005", _url_list),
    ("RASA_API_TOKEN", "", str),
    # Above the action server's worst case (bot/turn_budget.py), under Twilio's 15 s.
    ("RASA_TIMEOUT_SECONDS", "10", float),
    # At most this many requests wait for Rasa at once per gateway process; more get the safe
    # reply at once (and are answered later by the worker), so a slow Rasa cannot hold every
    # thread. Keep it below GATEWAY_THREADS.
    ("RASA_MAX_CONCURRENT_CALLS", "6", int),
    ("MAX_INBOUND_CHARS", "1600", int),
    # Every request body is bounded (413 beyond); webhooks and forms are a few kilobytes.
    ("MAX_REQUEST_BYTES", "65536", int),
    # Outbound through Twilio (counsellor replies). Without an account SID nothing is sent:
    # messages stay queued and visible in the console.
    ("TWILIO_SMS_FROM", "", str),
    ("TWILIO_WHATSAPP_FROM", "", str),
    ("TWILIO_API_BASE_URL", "https://api.twilio.com", lambda v: str(v).rstrip("/")),
    # Voice notes (webhooks/recordings.py): fetched from Twilio by the worker, kept encrypted.
    ("RECORDING_MAX_BYTES", "16000000", int),  # WhatsApp's own limit for audio is 16 MB
    ("RECORDING_FETCH_TIMEOUT_SECONDS", "30", float),
    # The hotline (webhooks/channels/twilio_voice.py): the Twilio number people call, shown as
    # caller ID on every call we connect or place, so no one sees anyone else's number.
    ("VOICE_CALLER_ID", "", str),
    ("VOICE_RING_SECONDS", "20", int),  # the counsellors' phones ring this long, then voicemail
    ("VOICEMAIL_MAX_SECONDS", "180", int),
    ("VOICE_MISSED_CALL_CALLBACK", "true", _boolean),  # hung up before choosing: call back
    # In-country SMS through SMS Gateway for Android (see README)
    ("ANDROID_SMS_SIGNING_KEY", "", str),
    ("ANDROID_SMS_SEND_URL", "", str),
    ("ANDROID_SMS_USERNAME", "", str),
    ("ANDROID_SMS_PASSWORD", "", str),
    # The web chat widget
    ("WIDGET_ALLOWED_ORIGINS", "", lambda v: [o.strip() for o in str(v).split(",") if o.strip()]),
    ("WEB_CHAT_MAX_MESSAGES_PER_10S", "8", int),
    ("WEB_CHAT_SESSION_HOURS", "24", int),  # a widget token ends this long after the last message
    # Abuse limits (webhooks/limits.py). Per client IP address, in Flask-Limiter's notation;
    # generous because many phones share one address behind a mobile operator's NAT.
    ("RATELIMIT_STORAGE_URI", "memory://", str),  # redis://host:6379 to share between processes
    ("WEB_CHAT_SESSION_LIMIT", "10 per minute;100 per hour", str),
    ("WEB_CHAT_MESSAGE_LIMIT", "60 per minute", str),
    # At most this many new hand-offs per channel, and on-call SMS alerts, in any hour.
    ("HANDOFFS_PER_HOUR", "30", int),
    ("ON_CALL_ALERTS_PER_HOUR", "3", int),
    # Referral directory: entries not verified for longer are flagged stale
    ("REFERRALS_STALE_DAYS", "180", int),
    # Hand-off to counsellors
    ("COUNSELLOR_SCHEDULE", "data/counsellor_schedule.yml", lambda v: _repo_path(str(v))),
    # The wrap-up form counsellors complete when closing (checked at start-up)
    ("WRAPUP_FORM", "data/wrapup_form.yml", lambda v: _repo_path(str(v))),
    ("HANDOFF_AVERAGE_MINUTES", "8", int),
    ("HANDOFF_REASSURE_AFTER_MINUTES", "10", int),
    ("ON_CALL_NUMBER", "", str),  # E.164; urgent hand-offs out of hours are sent here by SMS
    # The one-question survey after a counsellor closes (empty: never asked)
    ("SURVEY_CHANNELS", "sms,android_sms,whatsapp,web", _comma_list),
    ("SURVEY_ANSWER_HOURS", "24", int),
    # Counsellor wellbeing: a gentle prompt to take a break or debrief, past these in a shift
    ("WELLBEING_SHIFT_HOURS", "8", int),
    ("WELLBEING_LONG_MINUTES", "45", int),  # a conversation this long counts as a long one
    ("WELLBEING_DANGER_CASES", "2", int),
    ("WELLBEING_LONG_CONVERSATIONS", "3", int),
    ("SESSION_COOKIE_SECURE", "true", _boolean),
    # Retention: a conversation is deleted this many days after its last message (worker).
    ("RETENTION_DAYS", "365", int),
    # A message the bot could not answer is handed to counsellors after this long (worker).
    ("UNANSWERED_HANDOFF_AFTER_MINUTES", "30", int),
    # Readiness checks the action server too (its /health, next to this URL).
    ("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook", str),
    # Console sessions end after this long without a person doing anything, and this long after
    # log-in whatever happens (the console's automatic polling is not activity).
    ("CONSOLE_IDLE_MINUTES", "30", int),
    ("CONSOLE_MAX_SESSION_HOURS", "12", int),
)


def _absolute_sqlite(url: str) -> str:
    """Relative SQLite paths are relative to the repository (not Flask's instance folder)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not os.path.isabs(url[len(prefix) :]) and url != prefix:
        return prefix + os.path.join(REPO_ROOT, url[len(prefix) :])
    return url


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the gateway settings: ``overrides`` first, then the environment, then defaults."""
    overrides = dict(overrides or {})
    settings: dict[str, Any] = {}
    for name, default, parse in _SETTINGS:
        raw = overrides.pop(name, os.environ.get(name, default))
        settings[name] = None if raw is None else parse(raw)
    missing = [name for name, value in settings.items() if value is None]
    if missing:
        raise RuntimeError(
            "missing settings: " + ", ".join(missing) + " (run `make run`, which writes them to "
            ".env, or set them in the environment)"
        )
    settings["SQLALCHEMY_DATABASE_URI"] = _absolute_sqlite(settings["DATABASE_URL"])
    settings["MAX_CONTENT_LENGTH"] = settings["MAX_REQUEST_BYTES"]
    settings.update(overrides)  # test-only extras such as TESTING
    return settings
