"""`make run-scaled`: the environment its processes get (scripts/run_scaled.py)."""

from __future__ import annotations

from scripts.run_scaled import scaled_env
from webhooks.config import load_settings


def test_both_gateways_see_both_rasa_instances_and_the_shared_stores(monkeypatch):
    monkeypatch.setenv("PORT", "8000")
    monkeypatch.setenv("RASA_PORT", "5005")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/gateway.db")  # as .env has it
    env = scaled_env(
        "postgresql+psycopg://u:p@127.0.0.1:6000/gateway",
        "postgresql://u:p@127.0.0.1:6000/tracker", "127.0.0.1", 6001,
    )  # fmt: skip
    assert (env["GATEWAY_1_PORT"], env["GATEWAY_2_PORT"]) == ("8000", "8001")
    assert (env["RASA_1_PORT"], env["RASA_2_PORT"]) == ("5005", "5006")
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["RASA_TRACKER_URL"].endswith("/tracker")
    assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("127.0.0.1", "6001")
    secrets = {"SECRET_KEY": "s", "INTERNAL_API_TOKEN": "t", "DATA_ENCRYPTION_KEY": "k",
               "TWILIO_AUTH_TOKEN": "a"}  # fmt: skip
    monkeypatch.setenv("RASA_URL", env["RASA_URL"])
    assert load_settings(secrets)["RASA_URL"] == [
        "http://127.0.0.1:5005", "http://127.0.0.1:5006",
    ]  # fmt: skip
