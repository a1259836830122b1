"""Train the Rasa model when training data or config changed (Rasa's fingerprint decides).

Used by `make train`, `make run` and the tests, so there is one way to get a model. Prints the
path of the model to use. Standard library only: callable from either environment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS_DIR = ROOT / "models"
TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
KEEP_MODELS = 2  # Rasa packs a new ~55 MB model even when its cache makes training instant


def latest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def ensure_model() -> Path:
    """Train if needed and return the newest model. Raises CalledProcessError on failure."""
    command = [
        str(RASA), "train",
        "--config", "config.yml", "--domain", "domain.yml",
        "--data", *TRAINING_DATA,
        "--out", str(MODELS_DIR),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True)
    model = latest_model()
    if model is None:
        raise RuntimeError("rasa train produced no model")
    prune_models()
    return model


def prune_models(models_dir: Path = MODELS_DIR, keep: int = KEEP_MODELS) -> None:
    """Delete all but the newest ``keep`` models."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink()


if __name__ == "__main__":
    try:
        print(ensure_model())
    except (subprocess.CalledProcessError, RuntimeError) as error:
        print(f"training failed: {error}", file=sys.stderr)
        sys.exit(1)
