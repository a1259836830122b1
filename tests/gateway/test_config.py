from __future__ import annotations

import pytest

from webhooks.config import REPO_ROOT, load_settings

SECRETS = {
    "SECRET_KEY": "s",
    "INTERNAL_API_TOKEN": "t",
    "DATA_ENCRYPTION_KEY": "k",
    "TWILIO_AUTH_TOKEN": "a",
}


def test_missing_secrets_are_named_not_defaulted(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as error:
        load_settings({"SECRET_KEY": "s"})
    assert "INTERNAL_API_TOKEN" in str(error.value)
    assert "SECRET_KEY" not in str(error.value).split("(")[0]


def test_environment_is_read_and_parsed(monkeypatch):
    monkeypatch.setenv("RASA_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("TWILIO_VALIDATE_SIGNATURES", "false")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://example.org/")
    settings = load_settings(SECRETS)
    assert settings["RASA_TIMEOUT_SECONDS"] == 2.5
    assert settings["TWILIO_VALIDATE_SIGNATURES"] is False
    assert settings["PUBLIC_BASE_URL"] == "https://example.org"


def test_signature_checks_are_on_unless_explicitly_disabled(monkeypatch):
    monkeypatch.delenv("TWILIO_VALIDATE_SIGNATURES", raising=False)
    assert load_settings(SECRETS)["TWILIO_VALIDATE_SIGNATURES"] is True


def test_relative_sqlite_paths_are_under_the_repository():
    settings = load_settings({**SECRETS, "DATABASE_URL": "sqlite:///var/x.db"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{REPO_ROOT}/var/x.db"


def test_rasa_url_takes_one_or_more_instances():
    one = load_settings({**SECRETS, "RASA_URL": "http://127.0.0.1:5005/"})
    assert one["RASA_URL"] == ["http://127.0.0.1:5005"]
    two = load_settings({**SECRETS, "RASA_URL": "http://rasa-1:5005, http://rasa-2:5005/,"})
    assert two["RASA_URL"] == ["http://rasa-1:5005", "http://rasa-2:5005"]


@pytest.mark.parametrize("prefix", ["postgres://", "postgresql://", "postgresql+psycopg://"])
def test_postgresql_urls_use_the_locked_driver(prefix):
    settings = load_settings({**SECRETS, "DATABASE_URL": f"{prefix}u:p@db:5432/sahayatri"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/sahayatri"
