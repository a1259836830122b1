"""A person texts the real service through a signed Twilio webhook and gets real answers."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests

from scripts.train import ROOT
from tests.e2e.conftest import Service
from webhooks.cli import TWILIO_MESSAGES_PATH, replies_from_twiml, signed_twilio_request

pytestmark = pytest.mark.e2e


def is_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def text_sms(service: Service, text: str, sender: str) -> list[str]:
    params, signature = signed_twilio_request(
        service.env["TWILIO_AUTH_TOKEN"], service.base_url, sender, text, "+15005550006"
    )
    response = requests.post(
        service.base_url + TWILIO_MESSAGES_PATH,
        data=params,
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    ET.fromstring(response.text)  # well-formed TwiML
    return replies_from_twiml(response.text)


def test_devanagari_greeting_gets_a_devanagari_reply(service: Service):
    replies = text_sms(service, "नमस्ते", "+9779800000101")
    assert replies
    assert all(is_devanagari(reply) for reply in replies)


def test_english_greeting_gets_an_english_reply(service: Service):
    replies = text_sms(service, "hello", "+9779800000102")
    assert replies
    assert not any(is_devanagari(reply) for reply in replies)


def test_romanized_nepali_gets_a_romanized_reply(service: Service):
    english = text_sms(service, "hello", "+9779800000106")
    romanized = text_sms(service, "namaste dai k cha", "+9779800000103")
    assert romanized
    assert not any(is_devanagari(reply) for reply in romanized)
    assert romanized != english  # the same greeting, in the other form


def test_unsigned_requests_are_refused_by_the_real_server(service: Service):
    response = requests.post(
        service.base_url + TWILIO_MESSAGES_PATH,
        data={"MessageSid": "SM1", "From": "+9779800000104", "To": "+1", "Body": "hi"},
        timeout=10,
    )
    assert response.status_code == 403


def test_the_sms_simulator_command_round_trips(service: Service):
    result = subprocess.run(
        [str(ROOT / ".venv-gateway" / "bin" / "flask"), "--app", "webhooks:create_app()", "sms",
         "--from", "+9779800000105", "--gateway", service.base_url, "नमस्ते"],
        cwd=ROOT, env=service.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert is_devanagari(result.stdout)


def test_no_process_logs_a_phone_number_or_message_text(service: Service):
    text_sms(service, "my private question about qatar", "+9779812349876")
    logs = service.log_text()
    assert "9812349876" not in logs
    assert "private question" not in logs
