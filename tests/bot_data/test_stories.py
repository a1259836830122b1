"""The Rasa test stories (tests/stories/) pass against the trained model, in all three forms."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.bot_data.conftest import RASA, REPO_ROOT


def test_story_paths_pass_with_the_trained_model(trained_model: Path, tmp_path: Path):
    result = subprocess.run(
        [str(RASA), "test", "core", "--stories", "tests/stories", "--model", str(trained_model),
         "--fail-on-prediction-errors", "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    failed = (tmp_path / "failed_test_stories.yml").read_text() if result.returncode else ""
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{failed}"
