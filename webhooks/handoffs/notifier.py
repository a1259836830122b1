"""Tells the on-call counsellor about an urgent hand-off that arrives out of hours.

Pluggable: anything with ``notify_urgent(handoff)``. The default sends an SMS through the
configured sender to ON_CALL_NUMBER, and always writes an audit event and a log line (ids
only), so a missing or failing notifier is visible to supervisors.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import func, select

from webhooks.audit import audit
from webhooks.conversations.texts import text as gateway_text
from webhooks.extensions import db
from webhooks.models import Handoff, utcnow
from webhooks.outbound.senders import DeliveryError, Sender

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify_urgent(self, handoff: Handoff) -> None: ...


class OnCallSmsNotifier:
    def __init__(self, sender: Sender | None, on_call_number: str, per_hour: int = 3) -> None:
        self._sender = sender
        self._number = on_call_number
        self._per_hour = per_hour

    def notify_urgent(self, handoff: Handoff) -> None:
        if self._other_alerts_in_last_hour(handoff) >= self._per_hour:
            # The on-call counsellor already knows to open the console; a flood of urgent
            # hand-offs must not become a flood of SMS to one phone (or of cost).
            log.warning("on-call alert for handoff %s suppressed: hourly cap", handoff.id)
            handoff.on_call_notified_at = None  # not sent: it does not count towards the cap
            audit("on_call_suppressed", conversation=handoff.conversation, handoff=handoff.id)
            db.session.commit()
            return
        delivered = False
        if self._sender is not None and self._number:
            try:
                self._sender.send(
                    "sms", self._number, gateway_text("on_call_alert", "en"),
                    reference=f"on-call-{handoff.id}",
                )  # fmt: skip
                delivered = True
            except DeliveryError as error:
                log.error("on-call alert for handoff %s failed: %s", handoff.id, error.reason)
        else:
            log.warning("urgent handoff %s out of hours: no on-call SMS configured", handoff.id)
        handoff.on_call_notified_at = utcnow() if delivered else None
        audit("on_call_notified" if delivered else "on_call_not_notified",
              conversation=handoff.conversation, handoff=handoff.id)  # fmt: skip
        db.session.commit()

    @staticmethod
    def _other_alerts_in_last_hour(handoff: Handoff) -> int:
        """Alerts for other hand-offs (this one's is already claimed: service.py)."""
        since = utcnow() - timedelta(hours=1)
        return (
            db.session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.on_call_notified_at >= since, Handoff.id != handoff.id
                )
            )
            or 0
        )
