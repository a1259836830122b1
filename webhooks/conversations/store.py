"""Persistence for the router: contacts, conversations and messages.

Writes commit as soon as they happen, so an inbound message is on disk before anything that
might fail (the bot, the network) is tried. Nothing is ever lost to a crash later in a turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from bot.sms_segments import count_segments
from webhooks.contact_vault import ContactVault
from webhooks.extensions import db
from webhooks.models import Contact, Conversation, Direction, Message, MessageStatus, utcnow
from webhooks.outbound.delivery import CLAIM_LEASE


@contextmanager
def loaded_objects_kept() -> Iterator[None]:
    """Within one turn, keep what was loaded across commits instead of reloading it.

    A commit normally expires every loaded object and the next read reloads it: five extra
    queries per message, a third of the gateway's database work. Where freshness matters the
    router reloads on purpose (``db.session.refresh`` when a hand-off may have closed).
    """
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = previous


def get_or_create_contact(vault: ContactVault, channel: str, address: str) -> Contact:
    address_hash = vault.lookup_hash(channel, address)
    query = select(Contact).filter_by(channel=channel, address_hash=address_hash)
    contact = db.session.scalar(query)
    if contact is not None:
        return contact
    contact = Contact(
        channel=channel, address_hash=address_hash, address_encrypted=vault.encrypt(address)
    )
    db.session.add(contact)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first message from the same person won the race
        db.session.rollback()
        contact = db.session.scalars(query).one()
    return contact


def conversation_for(vault: ContactVault, channel: str, address: str) -> Conversation:
    """The conversation of the person at ``address`` (its contact loaded with it).

    One query for someone who has written before; the first time, contact and conversation
    are created in one commit, or fetched if a concurrent first message created them.
    """
    address_hash = vault.lookup_hash(channel, address)
    conversation = db.session.scalar(
        select(Conversation)
        .join(Conversation.contact)
        .where(Contact.channel == channel, Contact.address_hash == address_hash)
        .options(contains_eager(Conversation.contact))
    )
    if conversation is not None:
        return conversation
    contact = Contact(
        channel=channel, address_hash=address_hash, address_encrypted=vault.encrypt(address)
    )
    conversation = Conversation(contact=contact, channel=channel)
    db.session.add(conversation)
    try:
        db.session.commit()
    except IntegrityError:  # the contact, or its conversation, was created meanwhile
        db.session.rollback()
        return current_conversation(get_or_create_contact(vault, channel, address))
    return conversation


def current_conversation(contact: Contact) -> Conversation:
    """The contact's one conversation, created on first use.

    Create-or-fetch: the database allows one conversation per contact, so when two first
    messages race (two threads, processes or gateways), one insert wins and the other fetches
    the winner's row instead of starting a second conversation.
    """
    query = select(Conversation).filter_by(contact_id=contact.id)
    conversation = db.session.scalar(query)
    if conversation is not None:
        return conversation
    db.session.add(Conversation(contact_id=contact.id, channel=contact.channel))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first message created it
        db.session.rollback()
    return db.session.scalars(query).one()


def find_by_external_id(channel: str, external_id: str) -> Message | None:
    return db.session.scalar(select(Message).filter_by(channel=channel, external_id=external_id))


def replies_to(message: Message) -> list[Message]:
    return list(
        db.session.scalars(select(Message).filter_by(reply_to_id=message.id).order_by(Message.id))
    )


def record_inbound(
    conversation: Conversation,
    text: str,
    external_id: str | None,
    status: MessageStatus = MessageStatus.RECEIVED,
) -> Message | None:
    """Store an inbound message; None when the same external id was stored concurrently."""
    message = Message(
        conversation=conversation,
        direction=Direction.INBOUND.value,
        channel=conversation.channel,
        external_id=external_id,
        body=text,
        status=status.value,
    )
    conversation.last_message_at = utcnow()
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return message


def record_replies(
    inbound: Message, replies: list[str], status: MessageStatus, in_band: bool
) -> list[Message]:
    """Store the replies to ``inbound`` and its final status, in one transaction.

    Replies given in the webhook response are stored as ``replied``; the others as ``queued``,
    claimed by the caller, who sends them (``Outbox.send_claimed``).
    """
    now = utcnow()
    stored = []
    for reply in replies:
        cost = count_segments(reply)
        message = Message(
            conversation_id=inbound.conversation_id,
            direction=Direction.OUTBOUND.value,
            channel=inbound.channel,
            body=reply,
            status=(MessageStatus.REPLIED if in_band else MessageStatus.QUEUED).value,
            next_attempt_at=None if in_band else now + CLAIM_LEASE,
            reply_to_id=inbound.id,
            sms_encoding=cost.encoding,
            sms_segments=cost.segments,
        )
        db.session.add(message)
        stored.append(message)
    inbound.status = status.value
    db.session.commit()
    return stored
