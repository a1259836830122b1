"""Fuzz targets: every public endpoint, with request strategies (Hypothesis) that send
malformed encodings, huge and empty bodies, odd Unicode and wrong types, signed and unsigned.

Used by the bounded run in ``make test`` (tests/fuzz/test_fuzz.py) and by ``bench/fuzz.py``
(10,000 requests per endpoint, counts printed). The gateway runs in-process (Flask's test
client) on a migrated SQLite file with a fake bot: what is fuzzed is the gateway's handling.
"""

from __future__ import annotations

import hmac
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.gateway.support import AUTH_TOKEN, PUBLIC_BASE_URL, FakeBot, settings_for
from webhooks import create_app
from webhooks.services import init_services

ANDROID_KEY = "fuzz-android-signing-key-0123456789"
INTERNAL_TOKEN = "test-internal-token"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')

# --- building blocks ---------------------------------------------------------------------

SPECIAL = ["", " ", "²", "١٢٣", "\u202e", "\ufeff", "\x00", "नमस्ते", "🙏", "\ud800",
           "=cmd|' /C calc'!A0", "' OR 1=1 --", "<script>", "%s%n%x"]  # fmt: skip
odd_text = st.one_of(
    st.text(max_size=300),
    st.builds(lambda t, n: t * n, st.text(max_size=20), st.integers(1, 200)),  # long
    st.sampled_from(SPECIAL),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | odd_text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(odd_text, inner, max_size=5),
    max_leaves=20,
)


def _encode(text: str, codec: str) -> bytes:
    return text.encode(codec, errors="surrogatepass" if codec.startswith("utf") else "replace")


def _printable(text: str) -> str:
    """What a form field can hold after HTTP: lone surrogates cannot travel as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


raw_bodies = st.one_of(
    st.binary(max_size=2000),
    st.builds(_encode, odd_text, st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-32"])),
    st.just(b""),
    st.just(b"{" * 5000),
    st.integers(60_000, 80_000).map(lambda n: b"a" * n),  # over the request size limit
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)
content_types = st.sampled_from([
    None, "application/json", "application/x-www-form-urlencoded", "text/plain",
    "multipart/form-data", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
    "application/x-www-form-urlencoded; charset=klingon", "ज/ज",
])  # fmt: skip
header_values = st.one_of(  # raw UTF-8 bytes in a header, as HTTP carries them (no newlines)
    odd_text.map(
        lambda t: t.encode("utf-8", "surrogatepass").decode("latin-1").replace("\r", "")
        .replace("\n", "")
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
)  # fmt: skip
form_fields = st.dictionaries(
    st.sampled_from(["MessageSid", "From", "To", "Body", "NumMedia", "MessageStatus",
                     "ErrorCode", "AccountSid"]) | odd_text,
    odd_text, max_size=8,
).map(lambda fields: {_printable(k): _printable(v) for k, v in fields.items()})  # fmt: skip
phone_like = st.one_of(
    st.sampled_from(["+9779800000001", "whatsapp:+9779800000002", "+1", "9800000000", "",
                     "whatsapp:", "+977 98-0000-0003", "00977980000000４"]),
    odd_text,
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    kwargs: dict[str, Any]


@dataclass
class Context:
    """What a caller of the real service would know: tokens, keys, a CSRF token."""

    chat_token: str = ""
    csrf_token: str = ""


# --- one strategy per endpoint -----------------------------------------------------------


def _raw(method: str, path: str, extra_headers: dict[str, str] | None = None) -> Any:
    return st.builds(
        lambda body, ctype, query: Call(method, path + query, {
            "data": body,
            "headers": {**({"Content-Type": ctype} if ctype else {}), **(extra_headers or {})},
        }),
        raw_bodies, content_types,
        st.sampled_from(["", "?after=²", "?after=" + "9" * 40, "?%ff=%fe", "?a=\u0000"]),
    )  # fmt: skip


def _twilio_signed(path: str) -> Any:
    def build(fields: dict[str, str]) -> Call:
        params = {_printable(k): _printable(v) for k, v in fields.items()}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, params)
        return Call("POST", path, {"data": params, "headers": {"X-Twilio-Signature": signature}})

    base = st.fixed_dictionaries(
        {"MessageSid": odd_text, "From": phone_like, "To": phone_like, "Body": odd_text},
        optional={"NumMedia": odd_text, "MessageStatus": odd_text, "ErrorCode": odd_text},
    )
    return st.one_of(base, form_fields).map(build)


VOICE_PATHS = ["", "/language", "/menu", "/dial-result", "/recorded", "/recording", "/status",
               "/answered?user=1&form=en", "/answered?user=%ff", "/bridge?message=1",
               "/bridge-result?message=9" + "9" * 30, "/call-back-status?message=-1"]  # fmt: skip


def _twilio_voice_signed() -> Any:
    """The hotline's webhooks: a few call ids recur, so later steps find a call."""

    def build(path: str, fields: dict[str, str]) -> Call:
        full = "/webhooks/twilio/voice" + path
        params = {_printable(k): _printable(v) for k, v in fields.items()}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + full, params)
        return Call("POST", full, {"data": params, "headers": {"X-Twilio-Signature": signature}})

    call_ids = st.sampled_from(["CAfuzz1", "CAfuzz2"]) | odd_text
    base = st.fixed_dictionaries(
        {"CallSid": call_ids, "From": phone_like, "To": phone_like},
        optional={"Digits": odd_text | st.sampled_from(["1", "2", "9"]), "ParentCallSid": call_ids,
                  "RecordingUrl": odd_text, "RecordingStatus": st.sampled_from(["completed", ""]),
                  "CallStatus": odd_text | st.sampled_from(["completed", "no-answer"]),
                  "DialCallStatus": odd_text, "DialCallDuration": odd_text},
    )  # fmt: skip
    return st.builds(build, st.sampled_from(VOICE_PATHS), st.one_of(base, form_fields))


def _twilio_unsigned(path: str) -> Any:
    return st.one_of(
        st.builds(lambda f, sig: Call("POST", path, {"data": f, "headers": {
            "X-Twilio-Signature": sig}}), form_fields, header_values),
        _raw("POST", path),
    )  # fmt: skip


def _android_signed() -> Any:
    def build(body: bytes, skew: int, event: Any) -> Call:
        if event is not None:
            body = json.dumps(event, ensure_ascii=False).encode("utf-8", "surrogatepass")
        stamp = str(int(time.time()) + skew)
        signature = hmac.new(ANDROID_KEY.encode(), body + stamp.encode(), sha256).hexdigest()
        headers = {"X-Signature": signature, "X-Timestamp": stamp,
                   "Content-Type": "application/json"}  # fmt: skip
        return Call("POST", "/webhooks/android-sms", {"data": body, "headers": headers})

    events = st.one_of(
        st.none(),
        json_values,
        st.fixed_dictionaries({
            "event": st.sampled_from(["sms:received", "sms:sent", "sms:delivered", "sms:failed",
                                      "system:ping"]) | odd_text,
            "id": json_values, "payload": st.one_of(json_values, st.fixed_dictionaries({
                "message": json_values, "phoneNumber": phone_like | json_values,
                "messageId": json_values, "reason": json_values})),
        }),
    )  # fmt: skip
    return st.builds(build, raw_bodies, st.sampled_from([0, 0, 0, -400, 400]), events)


def _android_unsigned() -> Any:
    return st.builds(
        lambda body, sig, stamp: Call("POST", "/webhooks/android-sms", {
            "data": body, "headers": {"X-Signature": sig, "X-Timestamp": stamp}}),
        raw_bodies, header_values, header_values | st.integers().map(str),
    )  # fmt: skip


def _chat_messages(ctx: Context) -> Any:
    def build(payload: Any, raw: bytes | None, auth: str | None, after: str) -> Call:
        token = ctx.chat_token if auth is None else auth
        headers = {"Authorization": f"Bearer {token}"}
        if raw is not None:
            return Call("POST", "/api/chat/messages", {"data": raw, "headers": headers})
        if after:
            query = {"after": _printable(after)}  # a URL carries no lone surrogates
            return Call("GET", "/api/chat/messages", {"headers": headers, "query_string": query})
        return Call("POST", "/api/chat/messages", {"json": payload, "headers": headers})

    payloads = st.one_of(
        json_values,
        st.fixed_dictionaries({"text": json_values | odd_text},
                              optional={"language": json_values | st.sampled_from(
                                  ["en", "ne", "ne-Latn", "fr"])}),
    )  # fmt: skip
    return st.builds(
        build, payloads, st.none() | raw_bodies,
        st.one_of(st.none(), st.none(), st.none(), header_values),  # mostly the real token
        st.sampled_from(["", "", "0", "²", "-1", "9" * 30]) | odd_text,
    )  # fmt: skip


def _console_login(ctx: Context) -> Any:
    def build(username: str, password: str, nxt: str, with_token: bool, extra: dict) -> Call:
        data = {"username": _printable(username), "password": _printable(password),
                "next": _printable(nxt), **extra}  # fmt: skip
        if with_token:
            data["csrf_token"] = ctx.csrf_token
        return Call("POST", "/console/login", {"data": data})

    return st.one_of(
        st.builds(build, odd_text, odd_text, odd_text | st.just("//evil.example"),
                  st.booleans(), form_fields),
        _raw("POST", "/console/login"),
    )  # fmt: skip


def _referrals() -> Any:
    def build(params: dict[str, str], auth: str | None) -> Call:
        headers = {"Authorization": auth} if auth is not None else {}
        query = {_printable(k): _printable(v) for k, v in params.items()}
        return Call("GET", "/api/referrals", {"query_string": query, "headers": headers})

    params = st.dictionaries(
        st.sampled_from(["need", "place", "lang", "limit", "verified_only"]) | odd_text,
        odd_text | st.integers().map(str), max_size=5,
    )  # fmt: skip
    auth = st.sampled_from([None, f"Bearer {INTERNAL_TOKEN}", f"Bearer {INTERNAL_TOKEN}",
                            "Bearer nope", "Basic x"]) | header_values  # fmt: skip
    return st.builds(build, params, auth)


def _internal_handoffs() -> Any:
    return st.builds(
        lambda payload, raw: Call("POST", "/internal/handoffs", {
            **({"data": raw} if raw is not None else {"json": payload}),
            "headers": {"Authorization": f"Bearer {INTERNAL_TOKEN}"}}),
        json_values | st.fixed_dictionaries({
            "conversation_id": odd_text, "reason": st.sampled_from(["asked", "danger", "x"]),
            "priority": st.sampled_from(["urgent", "normal"]) | json_values,
            "summary": st.dictionaries(odd_text, json_values) | json_values,
            "language": json_values}),
        st.none() | raw_bodies,
    )  # fmt: skip


def targets(ctx: Context) -> dict[str, Any]:
    return {
        "twilio messages (signed)": _twilio_signed("/webhooks/twilio/messages"),
        "twilio messages (unsigned)": _twilio_unsigned("/webhooks/twilio/messages"),
        "twilio status (signed)": _twilio_signed("/webhooks/twilio/status"),
        "twilio status (unsigned)": _twilio_unsigned("/webhooks/twilio/status"),
        "twilio voice (signed)": _twilio_voice_signed(),
        "twilio voice (unsigned)": _twilio_unsigned("/webhooks/twilio/voice/menu"),
        "android sms (signed)": _android_signed(),
        "android sms (unsigned)": _android_unsigned(),
        "widget session": _raw("POST", "/api/chat/session"),
        "widget messages": _chat_messages(ctx),
        "console login": _console_login(ctx),
        "referrals api": _referrals(),
        "internal hand-offs": _internal_handoffs(),
    }


# --- the app under fuzz ------------------------------------------------------------------


def build_app(folder: Path | None = None) -> tuple[Flask, FlaskClient, Context]:
    """A migrated gateway with generous rate limits (the fuzz should reach the code behind)."""
    # In memory when the machine has /dev/shm: thousands of commits without waiting for a disk.
    shm = Path("/dev/shm")
    folder = folder or Path(
        tempfile.mkdtemp(prefix="sahayatri-fuzz-", dir=shm if shm.is_dir() else None)
    )
    app = create_app(settings_for(
        folder, ANDROID_SMS_SIGNING_KEY=ANDROID_KEY, CONSOLE_LOGIN_MIN_SECONDS=0,
        WEB_CHAT_SESSION_LIMIT="1000000 per minute", WEB_CHAT_MESSAGE_LIMIT="1000000 per minute",
        WEB_CHAT_MAX_MESSAGES_PER_10S=1_000_000, HANDOFFS_PER_HOUR=1_000_000,
        TWILIO_ACCOUNT_SID="",  # no outbound calls to anywhere
    ))  # fmt: skip
    init_services(app, bot=FakeBot())
    with app.app_context():
        upgrade()
    client = app.test_client()
    ctx = Context()
    ctx.chat_token = client.post("/api/chat/session").get_json()["token"]
    page = client.get("/console/login").get_data(as_text=True)
    ctx.csrf_token = CSRF_META.search(page).group(1)
    return app, client, ctx


def fire(client: FlaskClient, call: Call) -> int:
    response = client.open(call.path, method=call.method, **call.kwargs)
    status = response.status_code
    response.close()
    return status


Runner = Callable[[FlaskClient, Call], int]
