"""`rasa data validate` on the training data must pass without warnings."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


@pytest.mark.skipif(not RASA.exists(), reason=".venv-rasa is not set up")
def test_rasa_data_validate_passes_without_warnings():
    result = subprocess.run(
        [
            str(RASA), "data", "validate",
            "--data", "data/nlu", "data/rules", "data/stories",
            "--config", "config.yml",
            "--domain", "domain.yml",
            "--fail-on-warnings",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "UserWarning" not in output, output[-4000:]
