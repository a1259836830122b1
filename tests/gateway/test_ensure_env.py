from __future__ import annotations

import base64

from scripts.ensure_env import GENERATORS, ensure_env, read_assignments


def test_first_run_generates_every_secret_once(tmp_path, monkeypatch, capsys):
    for name in GENERATORS:
        monkeypatch.delenv(name, raising=False)
    example = tmp_path / ".env.example"
    example.write_text("PORT=8000\nSECRET_KEY=\nDATA_ENCRYPTION_KEY=\n")
    env = tmp_path / ".env"
    assert set(ensure_env(env, example)) == set(GENERATORS)
    values = read_assignments(env.read_text())
    assert values["PORT"] == "8000"
    assert all(values[name] for name in GENERATORS)
    assert len(base64.urlsafe_b64decode(values["DATA_ENCRYPTION_KEY"])) == 32
    assert env.stat().st_mode & 0o077 == 0
    assert ensure_env(env, example) == []  # second run keeps everything
    assert read_assignments(env.read_text()) == values
    assert values["SECRET_KEY"] not in capsys.readouterr().out


def test_values_from_the_environment_are_not_overwritten(tmp_path, monkeypatch):
    for name in GENERATORS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "from-env")
    example = tmp_path / ".env.example"
    example.write_text("SECRET_KEY=\n")
    env = tmp_path / ".env"
    assert "SECRET_KEY" not in ensure_env(env, example)
