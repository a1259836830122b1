"""Flask CLI commands: ``flask sms`` tries the SMS path without a Twilio account."""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET

import click
import requests
from flask import Flask, current_app
from twilio.request_validator import RequestValidator

TWILIO_MESSAGES_PATH = "/webhooks/twilio/messages"


def signed_twilio_request(
    auth_token: str, public_base_url: str, sender: str, text: str, to: str
) -> tuple[dict[str, str], str]:
    """Form fields like Twilio's, and the X-Twilio-Signature Twilio would compute for them."""
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": text,
        "NumMedia": "0",
    }
    url = public_base_url + TWILIO_MESSAGES_PATH
    return params, RequestValidator(auth_token).compute_signature(url, params)


def replies_from_twiml(xml_text: str) -> list[str]:
    return [node.text or "" for node in ET.fromstring(xml_text).iter("Message")]  # noqa: S314


def register_cli(app: Flask) -> None:
    @app.cli.command("sms")
    @click.option(
        "--from",
        "sender",
        default="+9779800000001",
        show_default=True,
        help="Sender number; prefix whatsapp: to simulate WhatsApp.",
    )
    @click.option("--to", default="+15005550006", show_default=True, help="Service number.")
    @click.option(
        "--gateway", default=None, help="Gateway base URL to post to (default http://$HOST:$PORT)."
    )
    @click.argument("text")
    def sms(sender: str, to: str, gateway: str | None, text: str) -> None:
        """Post TEXT to the running gateway as a correctly signed Twilio webhook."""
        config = current_app.config
        params, signature = signed_twilio_request(
            config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"], sender, text, to
        )
        base = gateway or "http://{}:{}".format(
            os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        )
        try:
            response = requests.post(
                base + TWILIO_MESSAGES_PATH,
                data=params,
                headers={"X-Twilio-Signature": signature},
                timeout=30,
            )
        except requests.RequestException as error:
            raise click.ClickException(
                f"cannot reach the gateway at {base} ({type(error).__name__}): is `make run` up?"
            ) from error
        if response.status_code != 200:
            raise click.ClickException(f"gateway answered {response.status_code}: {response.text}")
        for reply in replies_from_twiml(response.text):
            click.echo(reply)
