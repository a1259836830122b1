"""Sent once, by one party: requests and workers claim before they send (SQLite and PostgreSQL).

Workers here are threads with their own app context (their own session and connection), as
gunicorn threads and `flask worker` processes are.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.gateway.test_handoffs import conversation_for, never_open, open_via_api, use_schedule
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.models import AuditEvent, Conversation, Handoff, Message, MessageStatus, utcnow
from webhooks.outbound.delivery import CLAIM_LEASE
from webhooks.outbound.senders import DeliveryError
from webhooks.services import services
from webhooks.worker import reassure_waiting, run_once

LONG_SMS = " ".join(f"Sentence number {n} is about your rights abroad." for n in range(30))


@dataclass
class RecordingSender:
    """Records every send by reference; can fail some, and can run code in the middle of one."""

    sent: list[tuple[str, str]] = field(default_factory=list)  # (reference, body)
    fail_first: int = 0
    during_send: Callable[[], None] | None = None
    delay: float = 0.005
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, channel: str, address: str, body: str, reference: str) -> str:
        if self.during_send is not None:
            self.during_send()
        time.sleep(self.delay)  # a network call: other threads run meanwhile
        with self.lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                raise DeliveryError("provider busy", retryable=True)
            self.sent.append((reference, body))
            return f"SM{len(self.sent):032d}"

    def references(self) -> Counter[str]:
        return Counter(reference for reference, _ in self.sent)


def use_sender(sender: RecordingSender) -> None:
    for channel in ("sms", "whatsapp"):
        services().outbox.senders[channel] = sender  # type: ignore[index]


def in_threads(app: Flask, count: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads at once, each in its own app context."""
    barrier, results, errors = threading.Barrier(count), [], []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(work())
                db.session.remove()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_a_queued_message_is_not_due_before_its_own_first_send(app, twilio):
    """A worker pass in the middle of the request's send finds nothing to send."""
    conversation = conversation_for(twilio)
    worker_results = []
    sender = RecordingSender(
        during_send=lambda: worker_results.extend(in_threads(app, 1, lambda: run_once()))
    )
    use_sender(sender)
    [message] = services().outbox.queue(conversation, "I am a counsellor. Are you safe?")
    assert worker_results == [(0, 0)]
    assert sender.references() == Counter({f"sahayatri-{message.id}": 1})
    assert message.status == MessageStatus.SENT.value


def test_concurrent_workers_send_each_due_message_once(app, twilio):
    sender = RecordingSender(fail_first=10)
    use_sender(sender)
    queued = []
    for n in range(10):
        conversation = conversation_for(twilio, sender=f"+97798000004{n:02d}")
        queued += services().outbox.queue(conversation, f"reply {n}")
        queued += services().outbox.queue(conversation, f"second reply {n}")
    assert sender.sent == []  # each first reply failed; each second one waits behind it
    due = utcnow() + timedelta(minutes=1)

    tried = in_threads(app, 4, lambda: services().outbox.retry_due(due))

    assert sum(tried) == len(queued)
    assert sender.references() == Counter({f"sahayatri-{m.id}": 1 for m in queued})
    db.session.expire_all()
    assert {m.status for m in queued} == {MessageStatus.SENT.value}
    order = [body for _, body in sender.sent]
    assert all(order.index(f"reply {n}") < order.index(f"second reply {n}") for n in range(10))


def test_split_sms_parts_leave_in_order_once_even_after_a_failed_part(app, twilio):
    conversation = conversation_for(twilio)
    sender = RecordingSender(fail_first=1)
    use_sender(sender)
    parts = services().outbox.queue(conversation, LONG_SMS)
    assert len(parts) >= 3
    assert sender.sent == []  # part 1 failed: the others wait behind it, unsent
    db.session.expire_all()
    assert [p.status for p in parts] == [MessageStatus.QUEUED.value] * len(parts)
    assert parts[0].attempts == 1 and all(p.attempts == 0 for p in parts[1:])

    in_threads(app, 3, lambda: services().outbox.retry_due(utcnow() + timedelta(minutes=1)))

    assert [body for _, body in sender.sent] == [p.body for p in parts]
    assert sender.references() == Counter({f"sahayatri-{p.id}": 1 for p in parts})


def test_a_new_message_waits_behind_an_older_one_still_queued(app, twilio):
    conversation = conversation_for(twilio)
    sender = RecordingSender(fail_first=1)
    use_sender(sender)
    services().outbox.queue(conversation, "first")
    [second] = services().outbox.queue(conversation, "second")
    assert sender.sent == [] and second.attempts == 0  # not sent ahead of the first
    assert second.next_attempt_at <= utcnow()  # released to the worker, not held by a lease
    services().outbox.retry_due(utcnow() + timedelta(minutes=1))
    assert [body for _, body in sender.sent] == ["first", "second"]


def test_a_claimed_message_left_by_a_dead_sender_is_retried_after_its_lease(app, twilio):
    conversation = conversation_for(twilio)
    sender = RecordingSender()
    use_sender(sender)
    [message] = services().outbox.queue(conversation, "hello")
    # As if the process died after storing the message, before sending it:
    message.status, message.next_attempt_at = MessageStatus.QUEUED.value, utcnow() + CLAIM_LEASE
    db.session.commit()
    assert services().outbox.retry_due(utcnow()) == 0
    assert services().outbox.retry_due(utcnow() + CLAIM_LEASE + timedelta(seconds=1)) == 1


def test_concurrent_workers_reassure_each_person_once(app, client, twilio):
    sender = RecordingSender()
    use_sender(sender)
    for n in range(5):
        open_via_api(client, conversation_for(twilio, sender=f"+97798000005{n:02d}"))
    later = utcnow() + timedelta(minutes=app.config["HANDOFF_REASSURE_AFTER_MINUTES"] + 1)
    after = timedelta(minutes=app.config["HANDOFF_REASSURE_AFTER_MINUTES"])

    claimed = in_threads(app, 4, lambda: reassure_waiting(later, after))

    assert sum(claimed) == 5
    assert len(sender.sent) == 5 and len(sender.references()) == 5
    breaches = db.session.scalars(select(AuditEvent).filter_by(action="wait_breached")).all()
    assert len(breaches) == 5


def test_the_on_call_counsellor_is_alerted_once_per_handoff(app, client, twilio, tmp_path,
                                                             fake_bot, fake_twilio):  # fmt: skip
    app.config["ON_CALL_NUMBER"] = "+9779851000000"
    use_schedule(app, never_open(tmp_path), fake_bot)
    conversation = conversation_for(twilio)
    open_via_api(client, conversation, reason="asked", priority="normal")
    assert fake_twilio.sent == []  # not urgent: no alert
    open_via_api(client, conversation, reason="danger", priority="urgent")  # escalated
    open_via_api(client, conversation, reason="danger", priority="urgent")  # asked again
    assert [alert["To"] for alert in fake_twilio.sent] == ["+9779851000000"]


def test_simultaneous_claims_of_an_on_call_alert_have_one_winner(app, twilio):
    conversation = conversation_for(twilio)
    handoff, _ = handoffs.open_handoff(
        conversation, reason="danger", priority="urgent", language="en", summary={}
    )
    handoff_id = handoff.id
    wins = in_threads(
        app, 4, lambda: handoffs.claim_on_call_alert(db.session.get(Handoff, handoff_id))
    )
    assert sorted(wins) == [False, False, False, True]


def test_android_replies_are_claimed_by_the_request_that_sends_them(app, twilio):
    """Out-of-band bot replies are stored claimed: a worker does not race the request."""
    from webhooks.conversations import store

    conversation = db.session.get(Conversation, conversation_for(twilio).id)
    inbound = db.session.scalars(select(Message).filter_by(direction="in")).first()
    [reply] = store.record_replies(inbound, ["an answer"], MessageStatus.ANSWERED, in_band=False)
    assert reply.conversation_id == conversation.id
    assert reply.next_attempt_at > utcnow() + CLAIM_LEASE - timedelta(seconds=5)
    sender = RecordingSender()
    use_sender(sender)
    assert services().outbox.retry_due(utcnow()) == 0
