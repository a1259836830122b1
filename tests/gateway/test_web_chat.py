"""The web widget's chat API: sessions, routing, polling counsellor replies, limits, framing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from webhooks.extensions import db
from webhooks.models import Contact, Conversation, Message, MessageStatus, User
from webhooks.services import services


def start(client) -> dict[str, str]:
    response = client.post("/api/chat/session")
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def say(client, headers, text, language=None):
    return client.post("/api/chat/messages", json={"text": text, "language": language},
                       headers=headers)  # fmt: skip


def test_a_session_chats_with_the_bot(client, fake_bot):
    headers = start(client)
    fake_bot.replies = ["Namaste!", "Type MENU."]
    body = say(client, headers, "hello").get_json()
    assert [m["text"] for m in body["messages"]] == ["Namaste!", "Type MENU."]
    assert all(m["from"] == "bot" and m["id"] for m in body["messages"])
    assert body["state"] == "bot"
    assert fake_bot.received[0][2]["channel"] == "web"


def test_the_bots_buttons_reach_the_widget_with_their_message(client, fake_bot, twilio):
    headers = start(client)
    fake_bot.replies = ["Choose a topic:"]
    fake_bot.buttons = [{"title": "Fees", "payload": "1"}, {"title": "Back", "payload": "0"}]
    [message] = say(client, headers, "menu").get_json()["messages"]
    assert message["text"] == "Choose a topic:"
    assert message["buttons"] == fake_bot.buttons
    # Only the widget gets buttons; SMS gets the text (the bot numbers the choices there).
    assert "Fees" not in twilio.post("menu").get_data(as_text=True)


def test_the_token_is_stored_only_hashed_and_encrypted(client):
    headers = start(client)
    token = headers["Authorization"].split()[1]
    contact = db.session.scalar(select(Contact))
    assert token not in (contact.address_hash, contact.address_encrypted)
    assert services().vault.decrypt(contact.address_encrypted) == token


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc"])
def test_unknown_sessions_are_401(client, header):
    headers = {"Authorization": header} if header else {}
    assert say(client, headers, "hi").status_code == 401
    assert client.get("/api/chat/messages", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "payload",
    [{"text": ""}, {"text": "   "}, {"text": 5}, {}, {"text": "hi", "language": "fr"}, []],
)
def test_bad_messages_are_a_clear_400(client, payload):
    response = client.post("/api/chat/messages", json=payload, headers=start(client))
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_the_language_toggle_wins_and_reaches_the_bot(client, fake_bot):
    headers = start(client)
    say(client, headers, "how much can an agency charge me", language="ne-Latn")
    metadata = fake_bot.received[0][2]
    assert (metadata["language"], metadata["language_source"]) == ("ne-Latn", "explicit")
    assert db.session.scalar(select(Conversation.language)) == "ne-Latn"


def test_counsellor_replies_arrive_by_polling_once(client):
    headers = start(client)
    first = say(client, headers, "hello").get_json()["messages"][-1]["id"]
    conversation = db.session.scalar(select(Conversation))
    asha = User(username="asha", password_hash="x")
    db.session.add(asha)
    db.session.commit()
    [queued] = services().outbox.queue(conversation, "<b>I am Asha</b>, a counsellor.", asha)
    assert queued.status == MessageStatus.QUEUED.value  # web has no sender: the widget polls
    polled = client.get(f"/api/chat/messages?after={first}", headers=headers).get_json()
    assert polled["messages"] == [
        {"id": queued.id, "from": "counsellor", "text": "<b>I am Asha</b>, a counsellor."}
    ]
    db.session.refresh(queued)
    assert queued.status == MessageStatus.DELIVERED.value
    again = client.get(f"/api/chat/messages?after={queued.id}", headers=headers).get_json()
    assert again["messages"] == []


def test_poll_rejects_a_bad_cursor(client):
    assert client.get("/api/chat/messages?after=x", headers=start(client)).status_code == 400


def test_sessions_cannot_read_each_other(client):
    alice, bob = start(client), start(client)
    say(client, alice, "my secret")
    assert client.get("/api/chat/messages", headers=bob).get_json()["messages"] == []


def test_twenty_messages_a_second_are_politely_limited(client, app, fake_bot):
    headers = start(client)
    statuses = [say(client, headers, f"message {i}").status_code for i in range(20)]
    limit = app.config["WEB_CHAT_MAX_MESSAGES_PER_10S"]
    assert statuses[:limit] == [200] * limit
    assert set(statuses[limit:]) == {429}
    limited = say(client, headers, "one more").get_json()
    assert "wait" in limited["message"].lower()
    assert len(fake_bot.received) == limit  # nothing past the limit reached the bot


def test_html_in_messages_is_stored_and_returned_as_plain_text(client, fake_bot):
    headers = start(client)
    say(client, headers, "<script>alert(1)</script>")
    stored = db.session.scalar(select(Message).filter_by(direction="in"))
    assert stored.body == "<script>alert(1)</script>"


def test_only_the_widget_frame_calls_the_api_no_other_site_may(tmp_path, fake_bot, fake_twilio):
    """The chat API is called from the widget's frame, on the gateway's own origin: no CORS,
    so a partner's page (or any other) cannot call it from a visitor's browser."""
    from tests.gateway.support import settings_for
    from webhooks import create_app

    app = create_app(settings_for(tmp_path, WIDGET_ALLOWED_ORIGINS="https://ngo.example.org"))
    client = app.test_client()
    preflight = client.options("/api/chat/session", headers={
        "Origin": "https://ngo.example.org", "Access-Control-Request-Method": "POST"})  # fmt: skip
    assert "Access-Control-Allow-Origin" not in preflight.headers
    frame = client.get("/widget/frame")
    assert (
        "frame-ancestors 'self' https://ngo.example.org" in frame.headers["Content-Security-Policy"]
    )


def test_quick_exit_revokes_the_token(client):
    headers = start(client)
    assert say(client, headers, "hello").status_code == 200
    assert client.delete("/api/chat/session", headers=headers).status_code == 204
    assert say(client, headers, "still there?").status_code == 401
    assert client.get("/api/chat/messages", headers=headers).status_code == 401
    contact = db.session.scalar(select(Contact))
    assert contact.address_encrypted == ""


def test_a_token_expires_a_day_after_the_last_message(client):
    from datetime import timedelta

    from webhooks.models import utcnow

    headers = start(client)
    assert say(client, headers, "hello").status_code == 200
    conversation = db.session.scalar(select(Conversation))
    conversation.last_message_at = utcnow() - timedelta(hours=23)
    db.session.commit()
    assert client.get("/api/chat/messages", headers=headers).status_code == 200
    conversation.last_message_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert client.get("/api/chat/messages", headers=headers).status_code == 401
    assert say(client, headers, "hello?").status_code == 401


def test_text_that_is_not_valid_unicode_is_a_400_and_the_next_message_works(client, fake_bot):
    headers = start(client)
    body = '{"text": "help \\ud800 me"}'  # JSON may spell a lone surrogate; no database stores it
    response = client.post(
        "/api/chat/messages", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert say(client, headers, "hello").status_code == 200
    assert db.session.scalar(select(Message.body).where(Message.direction == "in")) == "hello"
