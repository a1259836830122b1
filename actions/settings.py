"""Settings for the action server, read from the environment once (first use)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.turn_budget import ACTION_GATEWAY_TIMEOUT_SECONDS

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    gateway_url: str = "http://127.0.0.1:8000"
    internal_api_token: str | None = None  # no default secret: without it no hand-off call
    content_dir: Path = REPO_ROOT / "data" / "content"
    gateway_timeout_s: float = ACTION_GATEWAY_TIMEOUT_SECONDS  # the gateway waits for the sum


def _content_dir(raw: str | None) -> Path:
    if not raw:
        return REPO_ROOT / "data" / "content"
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment read on the first call only)."""
    return Settings(
        gateway_url=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000").rstrip("/"),
        internal_api_token=os.environ.get("INTERNAL_API_TOKEN") or None,
        content_dir=_content_dir(os.environ.get("CONTENT_DIR")),
    )
