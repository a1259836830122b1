"""Channel adapters. Adding a channel is one module here plus its line in ``CHANNEL_BLUEPRINTS``."""

from webhooks.channels.twilio import twilio_blueprint

CHANNEL_BLUEPRINTS = (twilio_blueprint,)
