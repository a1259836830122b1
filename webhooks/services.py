"""The long-lived objects a request needs, built once per app in the factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app

from bot.turn_budget import BOT_TURN_WORST_CASE_SECONDS
from webhooks.contact_vault import ContactVault
from webhooks.conversations.bot_client import BotClient, RasaCluster
from webhooks.conversations.router import Router
from webhooks.erasure import CopiesEraser
from webhooks.handoffs.notifier import Notifier, OnCallSmsNotifier
from webhooks.handoffs.schedule import Schedule
from webhooks.outbound.delivery import Outbox
from webhooks.outbound.senders import AndroidSmsGatewaySender, Sender, TwilioSender
from webhooks.recordings import TwilioRecordings
from webhooks.voice.callbacks import CallPlacer

log = logging.getLogger(__name__)

EXTENSION_KEY = "sahayatri"
TWILIO_STATUS_PATH = "/webhooks/twilio/status"


@dataclass(frozen=True)
class Services:
    vault: ContactVault
    bot: BotClient
    router: Router
    outbox: Outbox
    schedule: Schedule
    notifier: Notifier
    eraser: CopiesEraser  # Rasa's and Twilio's copies of an erased conversation
    recordings: TwilioRecordings | None  # fetches voice notes (None: no Twilio account set)
    caller: CallPlacer | None  # places calls back (None: no Twilio account set)


def twilio_sender(config: dict) -> TwilioSender | None:
    if not config["TWILIO_ACCOUNT_SID"]:
        return None
    return TwilioSender(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        sms_from=config["TWILIO_SMS_FROM"],
        whatsapp_from=config["TWILIO_WHATSAPP_FROM"],
        status_callback_url=config["PUBLIC_BASE_URL"] + TWILIO_STATUS_PATH,
        api_base_url=config["TWILIO_API_BASE_URL"],
    )


def twilio_recordings(config: dict) -> TwilioRecordings | None:
    if not config["TWILIO_ACCOUNT_SID"]:
        return None
    return TwilioRecordings(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        api_base_url=config["TWILIO_API_BASE_URL"],
        max_bytes=config["RECORDING_MAX_BYTES"],
        timeout=config["RECORDING_FETCH_TIMEOUT_SECONDS"],
    )


def call_placer(config: dict) -> CallPlacer | None:
    if not config["TWILIO_ACCOUNT_SID"]:
        return None
    return CallPlacer(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        caller_id=config["VOICE_CALLER_ID"],
        public_base_url=config["PUBLIC_BASE_URL"],
        api_base_url=config["TWILIO_API_BASE_URL"],
    )


def init_services(app: Flask, bot: BotClient | None = None) -> Services:
    """Build the app's services; ``bot`` replaces the Rasa client (unit tests only)."""
    config = app.config
    vault = ContactVault(config["DATA_ENCRYPTION_KEY"])
    if bot is None:
        if config["RASA_TIMEOUT_SECONDS"] <= BOT_TURN_WORST_CASE_SECONDS:
            log.warning(
                "RASA_TIMEOUT_SECONDS=%s is not above a bot turn's worst case (%s s): turns "
                "that open a hand-off may be cut off (the worker then repairs them)",
                config["RASA_TIMEOUT_SECONDS"],
                BOT_TURN_WORST_CASE_SECONDS,
            )
        bot = RasaCluster(
            config["RASA_URL"],
            config["RASA_TIMEOUT_SECONDS"],
            config["RASA_API_TOKEN"],
            max_concurrent=config["RASA_MAX_CONCURRENT_CALLS"],
        )
    twilio = twilio_sender(config)
    senders: dict[str, Sender] = {"sms": twilio, "whatsapp": twilio} if twilio else {}
    if config["ANDROID_SMS_SEND_URL"]:
        senders["android_sms"] = AndroidSmsGatewaySender(
            config["ANDROID_SMS_SEND_URL"],
            config["ANDROID_SMS_USERNAME"],
            config["ANDROID_SMS_PASSWORD"],
        )
    schedule = Schedule.load(config["COUNSELLOR_SCHEDULE"])
    notifier = OnCallSmsNotifier(
        twilio, config["ON_CALL_NUMBER"], config["ON_CALL_ALERTS_PER_HOUR"]
    )
    router = Router(
        vault, bot, config["MAX_INBOUND_CHARS"],
        schedule=schedule, notifier=notifier,
        average_wait_minutes=config["HANDOFF_AVERAGE_MINUTES"],
    )  # fmt: skip
    outbox = Outbox(vault, senders)
    built = Services(
        vault=vault,
        bot=bot,
        router=router,
        outbox=outbox,
        schedule=schedule,
        notifier=notifier,
        # Erasure also deletes Twilio's records of the hotline's calls (not a text channel).
        eraser=CopiesEraser(
            bot, vault, {**outbox.senders, **({"voice": twilio} if twilio else {})}
        ),
        recordings=twilio_recordings(config),
        caller=call_placer(config),
    )
    app.extensions[EXTENSION_KEY] = built
    return built


def services() -> Services:
    return current_app.extensions[EXTENSION_KEY]
