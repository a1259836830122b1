from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make run` would serve: trained now if data or config changed."""
    from scripts.train import ensure_model

    return ensure_model()
