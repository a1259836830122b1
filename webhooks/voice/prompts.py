"""The hotline's spoken prompts as data: the script in data/voice/prompts.yml, the audio the
NGO recorded in data/voice/<form>/<prompt>.wav (or .mp3), else a placeholder generated at set-up
in var/voice-prompts/<form>/ (scripts/voice_prompts.py, not committed). A prompt without any
audio is read by Twilio's ``<Say>``.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

import yaml
from flask import Blueprint, abort, send_from_directory, url_for
from werkzeug.wrappers import Response

from webhooks.config import REPO_ROOT

PROMPTS_DIR = os.path.join(REPO_ROOT, "data", "voice")
SCRIPTS_PATH = os.path.join(PROMPTS_DIR, "prompts.yml")
PLACEHOLDER_DIR = os.path.join(REPO_ROOT, "var", "voice-prompts")
AUDIO_EXTENSIONS = (".wav", ".mp3")
# Twilio has no Nepali text-to-speech voice; Hindi reads Devanagari more or less. Record the
# prompts (README, "Voice") rather than rely on it.
SAY_LANGUAGE = {"ne": "hi-IN", "en": "en-GB"}
_FILE_NAME = re.compile(r"^[a-z_]+\.(wav|mp3)$")

prompts_blueprint = Blueprint("voice_prompts", __name__, url_prefix="/webhooks/twilio/voice")


@cache
def load() -> dict[str, Any]:
    with open(SCRIPTS_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    forms = data["forms"]
    for key, scripts in data["prompts"].items():
        missing = [form for form in forms if not scripts.get(form)]
        if missing:
            raise ValueError(f"voice prompt {key!r} lacks forms {missing}")
    return data


def forms() -> list[str]:
    return list(load()["forms"])


def script(key: str, form: str) -> str:
    return load()["prompts"][key][form]


def audio_path(key: str, form: str) -> tuple[str, str] | None:
    """(directory, file name) of the prompt's audio: recorded first, else a placeholder."""
    for directory in (PROMPTS_DIR, PLACEHOLDER_DIR):
        for extension in AUDIO_EXTENSIONS:
            if os.path.isfile(os.path.join(directory, form, key + extension)):
                return os.path.join(directory, form), key + extension
    return None


def speak(verb: Any, key: str, form: str) -> None:
    """Add the prompt to a TwiML response or ``<Gather>``: ``<Play>`` its audio, else ``<Say>``."""
    form = form if form in SAY_LANGUAGE else "ne"
    found = audio_path(key, form)
    if found is not None:
        verb.play(url_for("voice_prompts.audio", form=form, name=found[1]))
    else:
        verb.say(script(key, form), language=SAY_LANGUAGE[form])


@prompts_blueprint.get("/prompts/<form>/<name>")
def audio(form: str, name: str) -> Response:
    """The prompts are public (anyone who calls hears them): no signature needed."""
    if form not in forms() or not _FILE_NAME.match(name):
        abort(404)
    key, extension = os.path.splitext(name)
    found = audio_path(key, form)
    if found is None or not found[1].endswith(extension):
        abort(404)
    return send_from_directory(found[0], found[1], max_age=3600)
