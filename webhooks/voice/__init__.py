"""The hotline: spoken prompts (``prompts``) and calls back placed from the console
(``callbacks``); the Twilio Voice webhooks are in webhooks/channels/twilio_voice.py."""
