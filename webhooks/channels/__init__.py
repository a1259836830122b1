"""Channel adapters. Adding a channel is one module here plus its line in ``CHANNEL_BLUEPRINTS``."""

from webhooks.channels.android_sms import android_sms_blueprint
from webhooks.channels.twilio import twilio_blueprint
from webhooks.channels.twilio_call_back import call_back_blueprint
from webhooks.channels.twilio_voice import voice_blueprint
from webhooks.channels.web import web_blueprint
from webhooks.voice.prompts import prompts_blueprint

CHANNEL_BLUEPRINTS = (
    twilio_blueprint,
    voice_blueprint,
    call_back_blueprint,
    prompts_blueprint,
    android_sms_blueprint,
    web_blueprint,
)
