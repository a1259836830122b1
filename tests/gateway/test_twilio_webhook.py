"""The Twilio webhook: signatures, validation, idempotency, keywords, fallbacks, privacy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from tests.gateway.support import AUTH_TOKEN, PUBLIC_BASE_URL, TwilioSender, sign
from tests.support.database import stored_text
from webhooks.extensions import db
from webhooks.models import Contact, Message, MessageStatus

DEVANAGARI = range(0x0900, 0x0980)
TWILIO_PATH = "/webhooks/twilio/messages"


def replies(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return [node.text or "" for node in root.iter("Message")]


def is_devanagari(text: str) -> bool:
    return any(ord(ch) in DEVANAGARI for ch in text)


def test_signed_message_reaches_the_bot_and_replies_as_twiml(twilio: TwilioSender, fake_bot):
    fake_bot.replies = ["Namaste! How can I help?", "Type MENU for topics."]
    assert replies(twilio.post("hello")) == fake_bot.replies
    [(conversation_id, text, metadata)] = fake_bot.received
    assert text == "hello"
    assert metadata["channel"] == "sms"
    assert "9800000001" not in conversation_id and len(conversation_id) == 32


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": ""}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "empty", "wrong"],
)
def test_unsigned_or_badly_signed_requests_are_refused(client, fake_bot, headers):
    form = {"MessageSid": "SM1", "From": "+9779800000001", "To": "+1500", "Body": "hi"}
    response = client.post("/webhooks/twilio/messages", data=form, headers=headers)
    assert response.status_code == 403
    assert fake_bot.received == []


def test_a_signature_for_another_url_is_refused(client, fake_bot):
    from twilio.request_validator import RequestValidator

    form = {"MessageSid": "SM1", "From": "+9779800000001", "To": "+1500", "Body": "hi"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + "/elsewhere", form)
    response = client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_a_tampered_body_is_refused(client, fake_bot):
    form = {"MessageSid": "SM1", "From": "+9779800000001", "To": "+1500", "Body": "hi"}
    signature = sign(form, "/webhooks/twilio/messages")
    form["Body"] = "something else"
    response = client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_redelivery_of_the_same_message_sid_gives_one_bot_turn(twilio, fake_bot):
    first = replies(twilio.post("hello", MessageSid="SM" + "a" * 32))
    second = replies(twilio.post("hello", MessageSid="SM" + "a" * 32))
    assert first == second == ["bot reply"]
    assert len(fake_bot.received) == 1
    assert db.session.scalar(select(db.func.count(Message.id)).filter_by(direction="in")) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("MessageSid", ""), ("From", ""), ("To", " "), ("Body", "")],
)
def test_empty_required_fields_are_a_clear_400(twilio, fake_bot, field, value):
    response = twilio.post("hello", **{field: value})
    assert response.status_code == 400
    assert field in response.get_json()["error"]
    assert fake_bot.received == []


def test_a_missing_body_field_is_a_400(client):
    form = {"MessageSid": "SM1", "From": "+9779800000001", "To": "+1500"}
    response = client.post(
        "/webhooks/twilio/messages",
        data=form,
        headers={"X-Twilio-Signature": sign(form, "/webhooks/twilio/messages")},
    )
    assert response.status_code == 400
    assert "Body" in response.get_json()["error"]


def test_a_sender_that_is_not_a_phone_number_is_a_400(twilio):
    response = twilio.post("hello", sender="not-a-number")
    assert response.status_code == 400
    assert "From" in response.get_json()["error"]


def test_media_without_text_gets_a_polite_reply(twilio, fake_bot):
    [reply] = replies(twilio.post("", NumMedia="1"))
    assert "text" in reply.lower()
    assert fake_bot.received == []


def test_whatsapp_addresses_are_their_own_channel(twilio, fake_bot):
    replies(twilio.post("hello", sender="whatsapp:+9779800000001"))
    assert fake_bot.received[0][2]["channel"] == "whatsapp"
    channels = set(db.session.scalars(select(Contact.channel)))
    assert channels == {"whatsapp"}


def test_an_oversized_message_is_kept_whole_and_answered_politely(twilio, fake_bot):
    long_text = "मलाई सहयोग चाहियो " * 200  # > 1600 characters
    [reply] = replies(twilio.post(long_text))
    assert is_devanagari(reply)
    assert "100" in reply
    assert fake_bot.received == []
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert stored.body == long_text
    assert stored.status == MessageStatus.UNANSWERED.value


def test_stop_silences_everything_until_start(twilio, fake_bot):
    [stopped] = replies(twilio.post("STOP"))
    assert "START" in stopped
    assert replies(twilio.post("hello again")) == []
    assert fake_bot.received == []
    [started] = replies(twilio.post("start"))
    assert "MENU" in started
    assert replies(twilio.post("hello")) == ["bot reply"]
    stored = db.session.scalars(select(Message.body).filter_by(direction="in")).all()
    assert "hello again" in stored  # nothing is lost, even when opted out


@pytest.mark.parametrize("word", ["रोक", "roka", "Stop."])
def test_stop_in_every_form(twilio, fake_bot, word):
    replies(twilio.post(word))
    assert db.session.scalar(select(Contact.opted_out)) is True


def test_help_keyword_is_answered_before_the_bot(twilio, fake_bot):
    [reply] = replies(twilio.post("HELP"))
    assert "STOP" in reply and "100" in reply
    assert fake_bot.received == []


def test_a_question_containing_stop_is_not_a_keyword(twilio, fake_bot):
    replies(twilio.post("my agent will not stop calling me"))
    assert len(fake_bot.received) == 1
    assert db.session.scalar(select(Contact.opted_out)) is False


@pytest.mark.parametrize(
    ("text", "expect_devanagari"),
    [("नमस्ते, मलाई मद्दत चाहियो", True), ("hello, I need help with my visa", False)],
)
def test_when_the_bot_is_down_the_person_still_gets_a_safe_reply(
    twilio, fake_bot, text, expect_devanagari
):
    fake_bot.down = True
    [reply] = replies(twilio.post(text))
    assert is_devanagari(reply) is expect_devanagari
    assert "100" in reply and "1145" in reply
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert stored.status == MessageStatus.UNANSWERED.value
    assert stored.body == text


def test_the_phone_number_is_not_stored_in_clear(app, twilio, tmp_path: Path):
    replies(twilio.post("hello", sender="+9779812345678"))
    raw = stored_text(app, tmp_path)
    assert b"hello" in raw  # this really is what the database holds
    for form in (b"9812345678", b"+9779812345678", "9812345678".encode("utf-16-le")):
        assert form not in raw
    contact = db.session.scalar(select(Contact))
    from webhooks.services import services

    assert services().vault.decrypt(contact.address_encrypted) == "+9779812345678"


def test_logs_carry_no_number_and_no_message_text(twilio, fake_bot, caplog):
    caplog.set_level(logging.DEBUG)
    replies(twilio.post("my secret question", sender="+9779812345678"))
    fake_bot.down = True
    replies(twilio.post("another secret", sender="+9779812345678"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "conversation" in logged
    for secret in ("9812345678", "secret question", "another secret"):
        assert secret not in logged


def test_outbound_replies_are_stored_with_their_sms_cost(twilio, fake_bot):
    fake_bot.replies = ["नमस्ते! म सहयात्री हुँ।"]
    replies(twilio.post("namaste"))
    outbound = db.session.scalar(select(Message).filter_by(direction="out"))
    assert outbound.sms_encoding == "UCS-2"
    assert outbound.sms_segments == 1


def test_each_contact_keeps_one_conversation_id(twilio, fake_bot):
    replies(twilio.post("one"))
    replies(twilio.post("two"))
    replies(twilio.post("three", sender="+9779800000002"))
    ids = [conversation_id for conversation_id, _, _ in fake_bot.received]
    assert ids[0] == ids[1] != ids[2]


def test_language_hint_follows_the_person_not_a_short_ok(twilio, fake_bot):
    replies(twilio.post("मलाई विदेश जान श्रम स्वीकृति चाहिन्छ"))
    replies(twilio.post("ok"))
    assert [metadata["language"] for _, _, metadata in fake_bot.received] == ["ne", "ne"]
    assert [m["language_source"] for _, _, m in fake_bot.received] == ["detected", "conversation"]


def test_one_language_decision_per_message_reaches_the_bot(twilio, fake_bot):
    sender = "+9779800000077"
    for text in ("malai visa ko barema jankari chahiyo", "fees", "2", "nepali ma", "back"):
        replies(twilio.post(text, sender=sender))
    decided = [(m["language"], m["language_source"]) for _, _, m in fake_bot.received]
    assert decided == [
        ("ne-Latn", "detected"),
        ("ne-Latn", "conversation"),  # one English word does not switch the conversation
        ("ne-Latn", "conversation"),
        ("ne", "explicit"),
        ("ne", "conversation"),
    ]


def test_mixed_english_nouns_with_nepali_grammar_are_romanized_nepali(twilio, fake_bot):
    replies(twilio.post("bal helpline ko number", sender="+9779800000078"))
    assert fake_bot.received[-1][2]["language"] == "ne-Latn"


def test_an_unexpected_error_still_gives_a_safe_reply_and_keeps_the_message(
    twilio, fake_bot, monkeypatch, caplog
):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret detail from the message")

    monkeypatch.setattr(fake_bot, "send", explode)
    [reply] = replies(twilio.post("hello"))
    assert "100" in reply
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert stored.status == MessageStatus.UNANSWERED.value
    assert "secret detail" not in caplog.text


# --- the exact URL, the shared-key signing mode -------------------------------------------

ESCAPED_QUERY = "/webhooks/twilio/messages?tag=a%2Fb%20c&n=%7E1"  # as configured at Twilio
ESCAPED_PATH = "/webhooks/twilio/%6Dessages?n=%7E1"  # an escape in the path too


def form_for(text: str = "hello") -> dict[str, str]:
    return {"MessageSid": "SM" + "b" * 32, "From": "+9779800000001", "To": "+1500", "Body": text}


@pytest.mark.parametrize("target", [ESCAPED_QUERY, ESCAPED_PATH])
def test_the_signature_is_checked_on_the_exact_url_twilio_requested(client, fake_bot, target):
    # Twilio signs the URL as configured, escapes and all (twilio.com/docs/api/errors/57012).
    form = form_for()
    exact = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + target, form)
    response = client.post(target, data=form, headers={"X-Twilio-Signature": exact})
    assert response.status_code == 200
    decoded = PUBLIC_BASE_URL + "/webhooks/twilio/messages?tag=a/b c&n=~1"
    forged = RequestValidator(AUTH_TOKEN).compute_signature(decoded, form)
    response = client.post(ESCAPED_QUERY, data=form, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403


def test_behind_a_proxy_the_forwarded_host_and_the_raw_path_are_signed(app, fake_bot):
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.config["PROXY_COUNT"] = 1
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    form = form_for()
    url = "https://public.example.net" + ESCAPED_QUERY
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "public.example.net"}  # fmt: skip
    assert app.test_client().post(ESCAPED_QUERY, data=form, headers=headers).status_code == 200


SHARED_KEY, OLD_SHARED_KEY = "shared-key-secret-2", "shared-key-secret-1"


def shared_key_post(client, key: str, algorithm: str = "HMAC_SHA256", path=TWILIO_PATH):
    """A webhook signed the way a Webhook Setting with a SharedKey signs it."""
    form = form_for()
    signed = PUBLIC_BASE_URL + path + "".join(k + form[k] for k in sorted(form))
    digest = {"HMAC_SHA256": hashlib.sha256, "HMAC_SHA1": hashlib.sha1}.get(algorithm, "sha256")
    signature = base64.b64encode(hmac.new(key.encode(), signed.encode(), digest).digest()).decode()
    settings = f"key=webhooks_sharedkey_01{'0' * 24},algorithm={algorithm}"
    headers = {"X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": settings}
    return client.post(path, data=form, headers=headers)


@pytest.mark.parametrize("key", [SHARED_KEY, OLD_SHARED_KEY])
def test_shared_key_signatures_are_accepted_when_the_header_says_so(app, client, key):
    app.config["TWILIO_WEBHOOK_SHARED_KEYS"] = [SHARED_KEY, OLD_SHARED_KEY]  # mid-rotation
    assert shared_key_post(client, key).status_code == 200
    assert shared_key_post(client, key, algorithm="HMAC_SHA1").status_code == 200


@pytest.mark.parametrize(
    ("keys", "key", "algorithm", "reason"),
    [
        ([SHARED_KEY], "some-other-key", "HMAC_SHA256", "invalid"),
        ([SHARED_KEY], AUTH_TOKEN, "HMAC_SHA256", "invalid"),  # the header picks the key
        ([SHARED_KEY], SHARED_KEY, "HMAC_MD5", "unsupported"),
        ([], SHARED_KEY, "HMAC_SHA256", "TWILIO_WEBHOOK_SHARED_KEYS"),
    ],
)
def test_bad_shared_key_signatures_are_refused_with_a_reason(
    app, client, fake_bot, keys, key, algorithm, reason
):
    app.config["TWILIO_WEBHOOK_SHARED_KEYS"] = keys
    response = shared_key_post(client, key, algorithm)
    assert response.status_code == 403
    assert reason in response.get_json()["error"]
    assert fake_bot.received == []


def test_without_the_header_the_auth_token_signature_is_still_required(app, client, twilio):
    app.config["TWILIO_WEBHOOK_SHARED_KEYS"] = [SHARED_KEY]
    assert twilio.post("hello").status_code == 200
    form = form_for()
    signature = RequestValidator(SHARED_KEY).compute_signature(PUBLIC_BASE_URL + TWILIO_PATH, form)
    response = client.post(TWILIO_PATH, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


# --- an empty bot answer is not an answer -----------------------------------------------


def test_an_empty_bot_answer_gets_the_safe_reply_and_is_kept_unanswered(twilio, fake_bot):
    # Rasa's REST channel answers 200 [] when the turn fails inside it.
    fake_bot.replies = []
    [reply] = replies(twilio.post("what are the fees for qatar"))
    assert "100" in reply and "1145" in reply
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert stored.status == MessageStatus.UNANSWERED.value


def test_the_bot_is_told_which_turn_it_answers(twilio, fake_bot):
    replies(twilio.post("hello"))
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert fake_bot.received[0][2]["turn"] == stored.id
