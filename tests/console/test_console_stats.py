"""Supervisor statistics: traffic and SMS cost per channel, from the messages still stored."""

from __future__ import annotations

import re

from tests.console.support import Console, open_handoff
from tests.gateway.support import TwilioSender
from webhooks.console.statistics import channel_stats


def test_stats_count_messages_and_segments_per_channel(
    as_supervisor: Console, twilio: TwilioSender, fake_bot
) -> None:
    fake_bot.replies = ["नमस्ते! म सहयात्री हुँ।"]  # one UCS-2 segment
    twilio.post("namaste", sender="+9779800000501")
    twilio.post("hello again", sender="+9779800000501")
    twilio.post("hi", sender="whatsapp:+9779800000502")
    open_handoff(twilio, "still there?", sender="+9779800000501")
    [sms] = [c for c in channel_stats() if c.channel == "sms"]
    assert (sms.inbound, sms.outbound, sms.segments) == (3, 3, 3)
    [whatsapp] = [c for c in channel_stats() if c.channel == "whatsapp"]
    assert (whatsapp.inbound, whatsapp.outbound) == (1, 1)
    page = as_supervisor.get("/console/stats").get_data(as_text=True)
    table = re.search(r'<table class="list stack" id="message-stats">.*?</table>', page, re.S)
    assert table and "SMS segments sent" in table.group(0) and "WhatsApp" in table.group(0)
    assert "namaste" not in page and "9800000501" not in page
