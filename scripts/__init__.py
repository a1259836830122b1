"""Project scripts, run as modules: `.venv-rasa/bin/python -m scripts.<name>`."""
