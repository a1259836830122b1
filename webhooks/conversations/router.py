"""Decides where an inbound message goes and what the person gets back.

Order matters: store first (nothing is lost; a redelivery is found by its provider id), then
keywords and opt-out, then the answer to a pending survey, then the bot. When the bot cannot
be reached, or answers nothing, the person still gets a safe reply in their own script and the
message is marked unanswered for review. Channels that must acknowledge at once store the
message and let the worker run the turn (``accept_for_later``). Each message also adds to the
anonymous statistics (webhooks/reports/), in the transaction that stores it or its replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from bot.language.detector import FormDecision, decide_form
from bot.safety import danger_signal, emergency_text
from webhooks.audit import audit
from webhooks.contact_vault import ContactVault
from webhooks.conversations import store
from webhooks.conversations.bot_client import BotClient, BotReply, BotUnavailable
from webhooks.conversations.case_resume import resume_case
from webhooks.conversations.inbound import InboundMessage, RoutingResult
from webhooks.conversations.keywords import Keyword, is_cancel_request, match_keyword
from webhooks.conversations.texts import text as gateway_text
from webhooks.extensions import db
from webhooks.handoffs import service as handoffs
from webhooks.handoffs.notifier import Notifier
from webhooks.handoffs.schedule import Schedule
from webhooks.models import Conversation, ConversationState, Message, MessageStatus, utcnow
from webhooks.recordings import add_recording
from webhooks.reports import survey
from webhooks.reports.bot_turns import record_turn, record_unanswered
from webhooks.reports.contacts import record_contact

log = logging.getLogger(__name__)

# A message the bot could not answer is tried again by the worker (webhooks/recovery.py), not
# at once: the bot that just failed gets a moment, and the turn's own repairs go first.
RECOVERY_FIRST_TRY = timedelta(seconds=10)


@dataclass(frozen=True)
class Router:
    vault: ContactVault
    bot: BotClient
    max_inbound_chars: int
    # For danger during a hand-off: out of hours, an urgent hand-off alerts the on-call.
    schedule: Schedule | None = None
    notifier: Notifier | None = None
    average_wait_minutes: int = 8

    def handle(self, inbound: InboundMessage) -> RoutingResult:
        """Store the message, then answer it now."""
        with store.loaded_objects_kept():
            accepted = self._accept(inbound, MessageStatus.RECEIVED)
            if isinstance(accepted, RoutingResult):
                return accepted
            return self._answer(inbound, *accepted)

    def accept_for_later(self, inbound: InboundMessage) -> RoutingResult:
        """Store the message only; the worker answers it (``answer_pending``).

        For channels that must be answered at once and reply through their own API: the SMS
        Gateway app gives up on a webhook after 5 s without data and retries it for days.
        """
        with store.loaded_objects_kept():
            accepted = self._accept(inbound, MessageStatus.PENDING)
            if isinstance(accepted, RoutingResult):
                return accepted
            message = accepted[0]
            log.info("conversation %s message %s: pending",
                     message.conversation.public_id, message.id)  # fmt: skip
            return RoutingResult(message.conversation.public_id)

    def answer_pending(self, message: Message) -> RoutingResult | None:
        """The bot turn for a message stored by ``accept_for_later``; None if already taken."""
        claimed = db.session.execute(
            update(Message)
            .where(Message.id == message.id, Message.status == MessageStatus.PENDING.value)
            .values(status=MessageStatus.RECEIVED.value)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:
            return None
        inbound = InboundMessage(
            channel=message.channel,
            address="",  # not needed for a turn: the conversation has the contact
            text=message.body,
            external_id=message.external_id,
            replies_in_band=False,
        )
        # The form was decided when the message was accepted (conversation.language).
        decision = FormDecision(message.conversation.language or "en", "conversation")
        with store.loaded_objects_kept():
            return self._answer(inbound, message, decision)

    def _accept(
        self, inbound: InboundMessage, status: MessageStatus
    ) -> tuple[Message, FormDecision] | RoutingResult:
        """The stored message and the form decided for it, or the earlier result when this
        is a redelivery."""
        conversation = store.conversation_for(self.vault, inbound.channel, inbound.address)
        # The one language decision for this message (bot.language.detector.decide_form); the
        # bot answers in it (metadata "language") and so does every gateway text.
        decision = decide_form(conversation.language, inbound.text, inbound.language_override)
        conversation.language = decision.form
        now = utcnow()
        record_contact(conversation, conversation.last_inbound_at, now)  # commits with it
        conversation.last_inbound_at = now
        message = store.record_inbound(conversation, inbound.text, inbound.external_id, status)
        if message is None:
            # A redelivery: the provider's id is stored already (unique per channel). Found by
            # the failed insert rather than a query first: redeliveries are rare, messages not.
            earlier = store.find_by_external_id(inbound.channel, inbound.external_id or "")
            return self._redelivery(earlier) if earlier else RoutingResult(conversation.public_id)
        return message, decision

    def _answer(
        self, inbound: InboundMessage, message: Message, decision: FormDecision
    ) -> RoutingResult:
        conversation = message.conversation
        try:
            replies, status = self._route(inbound, conversation, message, decision)
        except Exception as error:
            # The type only: an exception's message may quote what the person wrote.
            log.error(
                "conversation %s message %s: routing failed with %s",
                conversation.public_id,
                message.id,
                type(error).__name__,
            )
            db.session.rollback()
            replies = [BotReply(gateway_text("bot_unavailable", conversation.language))]
            status = MessageStatus.UNANSWERED
            message.next_attempt_at = utcnow() + RECOVERY_FIRST_TRY  # the worker answers it
        texts = [reply.text for reply in replies]
        stored = store.record_replies(message, texts, status, inbound.replies_in_band)
        log.info(
            "conversation %s message %s: %s, %d repl%s",
            conversation.public_id,
            message.id,
            status.value,
            len(replies),
            "y" if len(replies) == 1 else "ies",
        )
        return RoutingResult(
            conversation.public_id,
            texts,
            [reply.id for reply in stored],
            buttons=[list(reply.buttons) for reply in replies],
        )

    def _route(
        self,
        inbound: InboundMessage,
        conversation: Conversation,
        message: Message,
        decision: FormDecision,
    ) -> tuple[list[BotReply], MessageStatus]:
        form = conversation.language
        contact = conversation.contact
        if contact.is_blocked(utcnow()):
            return [], MessageStatus.NOT_ROUTED  # kept for a supervisor; no reply, no queue
        keyword = match_keyword(inbound.text)
        if keyword is Keyword.STOP:
            contact.opted_out = True
            return [BotReply(gateway_text("stopped", form))], MessageStatus.NOT_ROUTED
        if keyword is Keyword.START:
            contact.opted_out = False
            return [BotReply(gateway_text("started", form))], MessageStatus.NOT_ROUTED
        if contact.opted_out:
            return [], MessageStatus.NOT_ROUTED
        if keyword is Keyword.HELP:
            return [BotReply(gateway_text("help_keyword", form))], MessageStatus.NOT_ROUTED
        if inbound.audio is not None:
            return self._voice_note(inbound, conversation, message, decision)
        if not inbound.text.strip():
            return [BotReply(gateway_text("media_only", form))], MessageStatus.NOT_ROUTED
        thanks = survey.take_answer(conversation, inbound.text)
        if thanks is not None:
            return [BotReply(thanks)], MessageStatus.NOT_ROUTED
        resumed = resume_case(conversation, inbound.text)
        if resumed is not None:  # a hand-off is open now: danger in it is not left waiting
            danger = self._danger_during_handoff(inbound, conversation)
            return danger + [BotReply(text) for text in resumed], MessageStatus.FOR_COUNSELLOR
        if conversation.state != ConversationState.BOT.value:
            routed = self._to_counsellor(inbound, conversation, message)
            if routed is not None:
                return routed
        if len(inbound.text) > self.max_inbound_chars:
            # Kept whole and marked for a person to read: a long message may be a plea for help.
            return [BotReply(gateway_text("too_long", form))], MessageStatus.UNANSWERED
        return self._to_bot(inbound, conversation, message, decision)

    def _voice_note(
        self,
        inbound: InboundMessage,
        conversation: Conversation,
        message: Message,
        decision: FormDecision,
    ) -> tuple[list[BotReply], MessageStatus]:
        """A voice note goes to counsellors with its audio (fetched by the worker,
        webhooks/recordings.py): the bot cannot listen. The person is told at once, in her
        form; with nothing to tell her form by (a first message), in Nepali and English."""
        assert inbound.audio is not None
        add_recording(conversation, message, "voice_note", inbound.audio)
        message.status = MessageStatus.FOR_COUNSELLOR.value
        db.session.commit()
        form = conversation.language
        if conversation.state == ConversationState.BOT.value:
            cap = current_app.config["HANDOFFS_PER_HOUR"]  # as for the bot's hand-offs
            if handoffs.over_hourly_cap(conversation.channel, cap):
                audit("handoff_refused", conversation=conversation, reason="hourly_cap",
                      channel=conversation.channel)  # fmt: skip
                db.session.commit()
                return [BotReply(gateway_text("voice_note_busy", form))], MessageStatus.NOT_ROUTED
            handoffs.open_handoff(conversation, reason="asked", priority="normal", language=form,
                                  summary={"voice_note": True}, turn=message)  # fmt: skip
        forms = ["ne", "en"] if decision.source == "default" else [form]
        texts = [gateway_text("voice_note_received", each) for each in forms]
        return [BotReply(text) for text in texts], MessageStatus.FOR_COUNSELLOR

    def _to_counsellor(
        self, inbound: InboundMessage, conversation: Conversation, message: Message
    ) -> tuple[list[BotReply], MessageStatus] | None:
        """During a hand-off the bot stays silent and counsellors read everything, but every
        message is still checked for danger (see ``_danger_during_handoff``).

        Returns None when the message should go to the bot after all: the person cancelled
        waiting, or a counsellor closed the hand-off just as this message arrived.
        """
        waiting = conversation.state == ConversationState.WAITING.value
        if waiting and is_cancel_request(inbound.text) and handoffs.cancel_waiting(conversation):
            cancelled = gateway_text("handoff_cancelled", conversation.language)
            return [BotReply(cancelled)], MessageStatus.NOT_ROUTED
        message.status = MessageStatus.FOR_COUNSELLOR.value
        db.session.commit()
        db.session.refresh(conversation)
        if conversation.state == ConversationState.BOT.value:  # closed meanwhile
            return None
        return self._danger_during_handoff(inbound, conversation), MessageStatus.FOR_COUNSELLOR

    def _danger_during_handoff(
        self, inbound: InboundMessage, conversation: Conversation
    ) -> list[BotReply]:
        """Danger never waits for a counsellor: Rasa's NLU parse of the message (no bot turn)
        and the bot's own danger decision (bot.safety, broad). On danger the person gets the
        emergency numbers at once in her form, the hand-off becomes urgent, and out of hours
        the on-call counsellor is alerted. If Rasa cannot be asked, the message still reaches
        the queue as before (and the bot's hand-off message already gave the numbers)."""
        if len(inbound.text) > self.max_inbound_chars:
            return []
        try:
            parse = self.bot.parse(conversation.public_id, inbound.text)
        except BotUnavailable:
            log.warning("conversation %s: no danger check during hand-off (bot unavailable)",
                        conversation.public_id)  # fmt: skip
            return []
        danger = danger_signal(parse, broad=True)
        if danger is None:
            return []
        handoff = handoffs.escalate_for_danger(conversation, danger)
        log.info("conversation %s: danger during hand-off, priority urgent", conversation.public_id)
        if handoff is not None and self.schedule is not None and self.notifier is not None:
            available = handoffs.availability(handoff, self.schedule, self.average_wait_minutes)
            if not available.on_duty and handoff.on_call_notified_at is None:
                self.notifier.notify_urgent(handoff)
        return [BotReply(emergency_text(danger, conversation.language))]

    def _to_bot(
        self,
        inbound: InboundMessage,
        conversation: Conversation,
        message: Message,
        decision: FormDecision,
    ) -> tuple[list[BotReply], MessageStatus]:
        """The bot's answer; if there is none now, the safe reply now and an answer later
        (the worker's recovery, webhooks/recovery.py, picks up ``next_attempt_at``)."""
        form = conversation.language
        unanswered = [BotReply(gateway_text("bot_unavailable", form))], MessageStatus.UNANSWERED
        try:
            turn = self.bot.send(
                conversation.public_id,
                inbound.text,
                {
                    "channel": inbound.channel,
                    # the form decided for this message: the bot answers in it
                    # (bot/language/component.py reads "language")
                    "language": form,
                    "language_source": decision.source,
                    "turn": message.id,  # hand-offs opened in this turn carry it back
                },
            )
        except BotUnavailable:
            message.next_attempt_at = utcnow() + RECOVERY_FIRST_TRY
            record_unanswered(conversation, utcnow())
            return unanswered
        if not turn.replies:
            # Rasa's REST channel answers 200 with [] when the turn fails inside it (it logs
            # and swallows any exception: rasa/core/channels/rest.py, ``receive``): silence is
            # not an answer. The person gets the safe reply; the worker answers later.
            log.warning("conversation %s message %s: the bot answered nothing",
                        conversation.public_id, message.id)  # fmt: skip
            message.next_attempt_at = utcnow() + RECOVERY_FIRST_TRY
            record_unanswered(conversation, utcnow())
            return unanswered
        texts = [reply.text for reply in turn.replies]
        record_turn(conversation, turn.report, utcnow(), texts)  # commits with them
        return turn.replies, MessageStatus.ANSWERED

    @staticmethod
    def _redelivery(earlier: Message) -> RoutingResult:
        log.info(
            "conversation %s message %s: redelivery", earlier.conversation.public_id, earlier.id
        )
        replies = store.replies_to(earlier)
        return RoutingResult(
            earlier.conversation.public_id,
            [reply.body for reply in replies],
            [reply.id for reply in replies],
            duplicate=True,
        )
