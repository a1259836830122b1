"""The long-lived objects a request needs, built once per app in the factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from webhooks.contact_vault import ContactVault
from webhooks.conversations.bot_client import BotClient, RasaClient
from webhooks.conversations.router import Router

EXTENSION_KEY = "sahayatri"


@dataclass(frozen=True)
class Services:
    vault: ContactVault
    bot: BotClient
    router: Router


def init_services(app: Flask, bot: BotClient | None = None) -> Services:
    """Build the app's services; ``bot`` replaces the Rasa client (unit tests only)."""
    config = app.config
    vault = ContactVault(config["DATA_ENCRYPTION_KEY"])
    if bot is None:
        bot = RasaClient(
            config["RASA_URL"], config["RASA_TIMEOUT_SECONDS"], config["RASA_API_TOKEN"]
        )
    built = Services(vault=vault, bot=bot, router=Router(vault, bot, config["MAX_INBOUND_CHARS"]))
    app.extensions[EXTENSION_KEY] = built
    return built


def services() -> Services:
    return current_app.extensions[EXTENSION_KEY]
