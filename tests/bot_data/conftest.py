from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
