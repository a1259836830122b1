"""A voicemail played in the console in real Chromium: the caller leaves it through signed
Twilio Voice webhooks, `flask worker --once` fetches it from the fake Twilio, and the
counsellor's browser loads and plays it (served uncached, audited)."""

from __future__ import annotations

import io
import math
import re
import struct
import uuid
import wave
from typing import Any

import requests
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.browser.conftest import ACCOUNT_SID, SERVICE_NUMBER, Gateway
from tests.browser.test_console_browser import login

CALLER = "+9779841000777"


def a_short_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 5)))
                                 for i in range(8000)))  # fmt: skip
    return buffer.getvalue()


def voice(gateway: Gateway, path: str, **params: str) -> requests.Response:
    url = f"{gateway.url}/webhooks/twilio/voice{path}"
    params = {"AccountSid": ACCOUNT_SID, "To": SERVICE_NUMBER, "From": CALLER, **params}
    signature = RequestValidator(gateway.env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                             timeout=10)  # fmt: skip
    assert response.status_code in (200, 204), response.text
    return response


def test_a_counsellor_plays_a_voicemail(page: Any, gateway: Gateway) -> None:
    call = "CA" + uuid.uuid4().hex
    voice(gateway, "", CallSid=call)
    voice(gateway, "/language", CallSid=call, Digits="2")
    voice(gateway, "/menu", CallSid=call, Digits="2")  # call me back
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{uuid.uuid4().hex}"
    gateway.upstreams.recordings[path] = a_short_wav()
    voice(gateway, "/recording", CallSid=call, RecordingUrl=gateway.upstreams.url + path,
          RecordingStatus="completed")  # fmt: skip
    gateway.flask("worker", "--once")
    assert path not in gateway.upstreams.recordings  # fetched, then deleted at Twilio

    login(page, gateway, "asha")
    row = page.locator("#waiting li.row", has_text="Phone call").first
    row.get_by_role("link", name="Open").click()
    expect(page.locator("#handoff-card")).to_contain_text("asked to be called back")
    audio = page.locator("#transcript audio")
    expect(audio).to_have_count(1)
    src = audio.get_attribute("src")
    assert re.fullmatch(r"/console/conversations/\w+/recordings/\d+", src or "")
    played = audio.evaluate(
        """el => new Promise((resolve, reject) => {
             el.muted = true;
             el.addEventListener("error", () => reject(new Error("audio error")));
             el.play().then(() => setTimeout(() => resolve({
               duration: el.duration, time: el.currentTime, paused: el.paused}), 300), reject);
           })"""
    )
    assert abs(played["duration"] - 1.0) < 0.05 and played["time"] > 0
    response = page.request.get(src)
    assert response.status == 200 and response.headers["cache-control"] == "no-store"
    assert response.body()[:4] == b"RIFF"
