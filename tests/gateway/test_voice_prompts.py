"""Prompts as data: scripts per form, recorded audio first, placeholders generated (espeak-ng)
and listed, <Say> when there is no audio at all."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts import voice_prompts
from tests.gateway.support import ACCOUNT_SID, sign
from webhooks.voice import prompts

BASE = "/webhooks/twilio/voice"


@pytest.fixture
def dirs(monkeypatch, tmp_path) -> tuple[Path, Path]:
    recorded, placeholders = tmp_path / "data-voice", tmp_path / "var-voice"
    monkeypatch.setattr(prompts, "PROMPTS_DIR", str(recorded))
    monkeypatch.setattr(prompts, "PLACEHOLDER_DIR", str(placeholders))
    return recorded, placeholders


def fake_speech(text: str, form: str, target: Path) -> None:
    target.write_bytes(b"RIFF" + f"{form}:{text}".encode())


def test_every_prompt_the_hotline_speaks_has_a_script_in_every_form():
    source = Path("webhooks/channels/twilio_voice.py").read_text()
    used = set(re.findall(r'speak\([a-z_]+, "([a-z_]+)"', source))
    assert used and used <= set(prompts.load()["prompts"])
    assert prompts.forms() == ["ne", "en"]
    for key in prompts.load()["prompts"]:
        assert all(prompts.script(key, form).strip() for form in prompts.forms())


def test_placeholders_are_generated_once_listed_and_never_replace_a_recording(dirs):
    recorded, placeholders = dirs
    written = voice_prompts.generate(fake_speech)
    count = len(prompts.load()["prompts"]) * 2
    assert len(written) == count and (placeholders / "ne" / "greeting.wav").exists()
    assert {state for _key, _form, state in voice_prompts.listing()} == {"placeholder"}
    assert voice_prompts.generate(fake_speech) == []  # up to date
    (recorded / "ne").mkdir(parents=True)
    (recorded / "ne" / "greeting.mp3").write_bytes(b"ID3 the NGO's own voice")
    assert voice_prompts.status("greeting", "ne") == "recorded"
    hashes = placeholders / "en" / "danger.wav"
    scripts = json.loads((placeholders / "en" / "scripts.json").read_text())
    scripts["danger"] = "an older script"
    (placeholders / "en" / "scripts.json").write_text(json.dumps(scripts))
    assert voice_prompts.generate(fake_speech) == ["en/danger.wav"] and hashes.exists()
    assert (recorded / "ne" / "greeting.mp3").read_bytes() == b"ID3 the NGO's own voice"


def test_without_audio_the_script_is_said(dirs, client):
    root = ET.fromstring(call(client).get_data(as_text=True))
    assert root.find("Gather/Play") is None
    assert root.find("Gather/Say").text == prompts.script("greeting", "ne")


def call(client):
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA1", "From": "+9779800000903"}
    return client.post(BASE, data=params, headers={"X-Twilio-Signature": sign(params, BASE)})


def test_audio_is_played_recorded_first_and_served(dirs, client):
    recorded, _placeholders = dirs
    voice_prompts.generate(fake_speech)
    (recorded / "en").mkdir(parents=True)
    (recorded / "en" / "greeting.mp3").write_bytes(b"ID3 recorded")
    root = ET.fromstring(call(client).get_data(as_text=True))
    played = [play.text for play in root.iter("Play")]
    assert played == [f"{BASE}/prompts/ne/greeting.wav", f"{BASE}/prompts/en/greeting.mp3"]
    assert root.find("Gather/Say") is None
    assert client.get(played[0]).data == b"RIFFne:" + prompts.script("greeting", "ne").encode()
    assert client.get(played[1]).data == b"ID3 recorded"
    for bad in ("/prompts/xx/greeting.wav", "/prompts/ne/nothing.wav", "/prompts/ne/greeting.mp3",
                "/prompts/ne/..%2Fprompts.yml", "/prompts/ne/scripts.json"):  # fmt: skip
        assert client.get(BASE + bad).status_code == 404, bad


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_makes_a_nepali_placeholder(tmp_path):
    target = tmp_path / "greeting.wav"
    voice_prompts.espeak(prompts.script("greeting", "ne"), "ne", target)
    assert target.read_bytes()[:4] == b"RIFF" and target.stat().st_size > 10_000
