"""Start ``rasa run`` with its API token taken from the environment, not the command line.

``rasa run --auth-token TOKEN`` would show the token to anyone who can list processes (``ps``).
This script is what the Procfile runs instead: the token is read from RASA_API_TOKEN and handed
to Rasa's own argument parser inside the process; the process's command line shows only the
other arguments.

    .venv-rasa/bin/python scripts/run_rasa.py --enable-api --port 5005 ...
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.get("RASA_API_TOKEN", "")
    if len(token) < 16:
        sys.exit("RASA_API_TOKEN is missing or too short: run `make env` (it generates one)")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "run", *sys.argv[1:], "--auth-token", token]
    rasa_main()


if __name__ == "__main__":
    main()
