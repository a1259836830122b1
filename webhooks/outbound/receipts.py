"""Delivery receipts: one ranked state per outbound message that never goes backwards.

Receipts arrive late, twice and out of order: the SMS Gateway app sends ``sms:delivered``
once per SMS part and retries any webhook that was not answered 2xx, from a queue that
reorders events (android-sms-gateway modules/webhooks/EventsReceiver.kt, one event per
state change; db/WebhookQueueRepository.kt, retries with backoff); Twilio does not promise
that status callbacks arrive in order either. So a receipt may only move a message forward:

    queued  <  sent  <  delivered  <  failed

- **failed stays failed.** The app itself never moves a recipient out of ``Failed``
  (data/dao/MessagesDao.kt: ``UPDATE messagerecipient ... WHERE ... state <> 'Failed'``),
  yet still emits the later parts' ``sms:delivered``. The one documented override is a
  WhatsApp read receipt (Twilio ``read``: the person opened the message), which proves
  delivery. A failure we recorded ourselves (the outbox gave up) is not the provider's word:
  any receipt from the provider shows it had the message after all.
- **delivered means every part.** The app reports delivery per part and the part count in
  ``sms:sent`` (``partsCount``, payload/SmsEventPayload.kt); until that arrives our own
  segment count stands in (the phone splits with the same GSM-7/UCS-2 rules). Repeated
  reports (the same webhook event id) count once. Twilio reports the whole message
  (``delivered``; ``partially_delivered`` is not delivered).

Each change is one conditional UPDATE, so two receipts handled at once cannot undo each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webhooks.extensions import db
from webhooks.models import DeliveryReceipt, Message, MessageStatus

QUEUED, SENT = MessageStatus.QUEUED, MessageStatus.SENT
DELIVERED, FAILED = MessageStatus.DELIVERED, MessageStatus.FAILED
# The states each target may be reached from (forward moves only; failed handled below).
FORWARD_FROM = {
    SENT: (QUEUED,),
    DELIVERED: (QUEUED, SENT),
    FAILED: (QUEUED, SENT, DELIVERED),
}


@dataclass(frozen=True)
class Receipt:
    status: MessageStatus  # SENT, DELIVERED or FAILED
    event_id: str | None = None  # the provider's id for this report: repeats count once
    error: str | None = None
    parts: int | None = None  # how many parts the provider sent the text in, if it says
    per_part: bool = False  # DELIVERED covers one part, not the whole message
    overrides_failure: bool = False  # a documented status that proves delivery after a failure


def find_message(provider_id: str, reference: str | None = None) -> Message | None:
    """The outbound message with this provider id, else the one still holding ``reference``."""
    message = db.session.scalar(select(Message).filter_by(provider_id=provider_id))
    if message is None and reference:
        message = db.session.scalar(select(Message).filter_by(provider_id=reference))
        if message is not None:  # the send's answer was lost or is still on its way
            message.provider_id = provider_id
    return message


def record_receipt(provider_id: str, receipt: Receipt, reference: str | None = None) -> bool:
    """Apply a delivery receipt; False if no message has that provider id or reference."""
    message = find_message(provider_id, reference)
    if message is None:
        return False
    if receipt.parts and receipt.parts > 0:
        message.provider_parts = receipt.parts
    if not _store(message, receipt):
        db.session.commit()
        return True  # this very report was applied before
    target = receipt.status
    if target is DELIVERED and receipt.per_part and not _all_parts_delivered(message):
        target = SENT
    _advance(message, target, receipt)
    db.session.commit()
    return True


def mark_sent(message: Message) -> None:
    """The provider accepted the message: queued -> sent, unless a receipt moved it on."""
    _advance(message, SENT, Receipt(SENT))
    db.session.commit()


def _store(message: Message, receipt: Receipt) -> bool:
    """Keep the report; False if the provider sent this same report before."""
    row = DeliveryReceipt(message_id=message.id, event_id=receipt.event_id,
                          status=receipt.status.value)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def _all_parts_delivered(message: Message) -> bool:
    delivered = db.session.scalar(
        select(func.count(DeliveryReceipt.id)).where(
            DeliveryReceipt.message_id == message.id,
            DeliveryReceipt.status == DELIVERED.value,
        )
    )
    expected = message.provider_parts or message.sms_segments or 1
    return delivered >= expected


def _advance(message: Message, target: MessageStatus, receipt: Receipt) -> None:
    """Move ``message`` to ``target`` if that is forward (one conditional UPDATE)."""
    db.session.flush()
    conditions = [Message.status.in_([state.value for state in FORWARD_FROM[target]])]
    if target is not FAILED:
        provider_failed = exists().where(
            DeliveryReceipt.message_id == Message.id, DeliveryReceipt.status == FAILED.value
        )
        # A failure the outbox recorded (it gave up) yields to any word from the provider;
        # one the provider reported yields only to a documented override.
        conditions.append(and_(Message.status == FAILED.value, ~provider_failed))
        if receipt.overrides_failure:
            conditions.append(Message.status == FAILED.value)
    values: dict[str, object] = {"status": target.value, "next_attempt_at": None}
    if target is FAILED:
        values["last_error"] = (receipt.error or "delivery failed")[:200]
    elif target is DELIVERED:
        values["last_error"] = None
    db.session.execute(
        update(Message)
        .where(Message.id == message.id, or_(*conditions))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(message)
