"""Create .env from .env.example on first run and fill in any missing secret.

Secrets are generated with ``secrets``/Fernet, written to .env (git-ignored) and never printed.
Values already in .env or in the environment are kept.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
EXAMPLE_FILE = ROOT / ".env.example"

GENERATORS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "INTERNAL_API_TOKEN": lambda: secrets.token_urlsafe(32),
    "DATA_ENCRYPTION_KEY": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "RASA_API_TOKEN": lambda: secrets.token_urlsafe(32),
    # A local stand-in so the SMS simulator can sign requests; replace with the real
    # Twilio auth token in production.
    "TWILIO_AUTH_TOKEN": lambda: secrets.token_hex(16),
}
ASSIGNMENT = re.compile(r"^\s*([A-Z][A-Z0-9_]*)=(.*)$")


def read_assignments(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for m in map(ASSIGNMENT.match, text.splitlines()) if m}


def ensure_env(env_file: Path = ENV_FILE, example_file: Path = EXAMPLE_FILE) -> list[str]:
    """Fill empty secrets in ``env_file``; return the names generated (not the values)."""
    if not env_file.exists():
        _write_private(env_file, example_file.read_text(encoding="utf-8"))
    text = env_file.read_text(encoding="utf-8")
    current = read_assignments(text)
    generated = []
    for name, make in GENERATORS.items():
        if current.get(name) or os.environ.get(name):
            continue
        value = make()
        if name in current:
            text = re.sub(rf"^{name}=.*$", f"{name}={value}", text, count=1, flags=re.M)
        else:
            text = text.rstrip("\n") + f"\n{name}={value}\n"
        generated.append(name)
    if generated:
        _write_private(env_file, text)
    return generated


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file that is 0600 from its creation, then move it into place.

    Never ``write_text`` then ``chmod``: between the two, secrets sit in a world-readable file.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    names = ensure_env()
    if names:
        print("setup: generated " + ", ".join(names) + " into .env", file=sys.stderr)
