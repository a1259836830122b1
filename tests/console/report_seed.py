"""A seeded dataset for the reporting tests, built through the same recording functions the
gateway calls (at chosen moments), with every expected figure worked out by hand below.

Three weeks from Monday 5 October 2026 (Nepal time): week 1 is busy, week 2 quiet, week 3
empty. Distinctive personal values (numbers, words, notes, case codes) are planted so the
export tests can check that none of them leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.turn_report import TurnReport
from tests.referrals.conftest import add_service
from webhooks.cases.service import ensure_case
from webhooks.console.wrapup import form_definition
from webhooks.conversations import store
from webhooks.extensions import db
from webhooks.models import Conversation, Handoff, Message, Note, User, WrapUp
from webhooks.reports import survey
from webhooks.reports.bot_turns import record_turn, record_unanswered
from webhooks.reports.contacts import record_contact
from webhooks.reports.wrapups import record_wrapup
from webhooks.services import services

NEPAL = ZoneInfo("Asia/Kathmandu")
WEEK1, WEEK2, WEEK3 = date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)
SECRET_WORDS = "my employer in Doha keeps my passport"
SECRET_NOTE = "she lives near the bus park in Nepalgunj"


def at(day: date, hour: int = 12, minutes: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NEPAL) + timedelta(minutes=minutes)


@dataclass
class Seeded:
    numbers: list[str] = field(default_factory=list)
    case_codes: list[str] = field(default_factory=list)
    public_ids: list[str] = field(default_factory=list)
    counsellor: User | None = None


def person(seed: Seeded, channel: str, language: str, address: str) -> Conversation:
    contact = store.get_or_create_contact(services().vault, channel, address)
    conversation = store.current_conversation(contact)
    conversation.language = language
    seed.numbers.append(address.removeprefix("whatsapp:"))
    seed.public_ids.append(conversation.public_id)
    db.session.commit()
    return conversation


def writes(conversation: Conversation, moment: datetime, text: str = SECRET_WORDS) -> None:
    """What the router does with an inbound message, at ``moment``."""
    record_contact(conversation, conversation.last_inbound_at, moment)
    conversation.last_inbound_at = moment
    db.session.add(Message(conversation=conversation, direction="in", channel=conversation.channel,
                           body=text, status="answered", created_at=moment))  # fmt: skip
    db.session.commit()


def handoff(
    conversation: Conversation,
    reason: str,
    priority: str,
    created: datetime,
    claimed_after: int | None,
    *,
    status: str = "closed",
    counsellor: User | None = None,
    closed_after: int = 60,
) -> Handoff:
    claimed = created + timedelta(minutes=claimed_after) if claimed_after is not None else None
    item = Handoff(
        conversation=conversation, reason=reason, priority=priority,
        language=conversation.language, channel=conversation.channel,
        summary={"topic": SECRET_WORDS}, status=status, created_at=created, claimed_at=claimed,
        closed_at=created + timedelta(minutes=closed_after) if status != "active" else None,
        counsellor_id=counsellor.id if counsellor and claimed else None,
    )  # fmt: skip
    db.session.add(item)
    db.session.commit()
    return item


def wrapup(seed: Seeded, item: Handoff, moment: datetime, answers: dict[str, Any]) -> WrapUp:
    conversation = item.conversation
    case = ensure_case(conversation)
    seed.case_codes.append(case.code)
    record = WrapUp(
        handoff_id=item.id, conversation_id=conversation.id, case_id=case.id,
        form_version="2026-11-28", outcome=answers["outcome"], answers=answers,
        created_at=moment,
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    record_wrapup(record, form_definition(), conversation)
    db.session.add(Note(conversation_id=conversation.id, author_id=seed.counsellor.id,
                        body=SECRET_NOTE))  # fmt: skip
    db.session.commit()
    return record


def seed_dataset(counsellor: User) -> Seeded:
    seed = Seeded(counsellor=counsellor)
    # --- contacts: week 1, six SMS people in Nepali, two on WhatsApp in English ---------------
    sms = [person(seed, "sms", "ne", f"+97798412345{n:02d}") for n in range(6)]
    whatsapp = [person(seed, "whatsapp", "en", f"whatsapp:+97798512345{n:02d}") for n in range(2)]
    for n, conversation in enumerate(sms + whatsapp):
        writes(conversation, at(WEEK1 + timedelta(days=n % 5)))
    writes(sms[0], at(WEEK1 + timedelta(days=1), 15))  # the same person again: still one
    # week 2: she comes back (returning); five new people on the web, in Roman Nepali
    writes(sms[0], at(WEEK2))
    web = [person(seed, "web", "ne-Latn", f"web-session-token-{n}") for n in range(5)]
    for conversation in web:
        writes(conversation, at(WEEK2 + timedelta(days=2)))

    # --- hand-offs: wait minutes 4, 2, 30, (left after 15), 6, 8 in week 1; 1 in week 2 -----
    h1 = handoff(sms[0], "asked", "normal", at(WEEK1), 4, counsellor=counsellor)
    h2 = handoff(
        sms[1], "danger", "urgent", at(WEEK1 + timedelta(days=1)), 2, counsellor=counsellor
    )
    h3 = handoff(whatsapp[0], "danger", "urgent", at(WEEK1 + timedelta(days=2)), 30,
                 counsellor=counsellor)  # fmt: skip
    handoff(sms[2], "bot_failed", "normal", at(WEEK1 + timedelta(days=3)), None,
            status="cancelled", closed_after=15)  # fmt: skip
    h5 = handoff(sms[3], "asked", "normal", at(WEEK1 + timedelta(days=4)), 6, counsellor=counsellor)
    handoff(sms[4], "asked", "normal", at(WEEK1 + timedelta(days=5)), 8, counsellor=counsellor)
    handoff(web[0], "returning", "normal", at(WEEK2), 1, counsellor=counsellor)
    h8 = handoff(whatsapp[1], "asked", "normal", at(WEEK1 + timedelta(days=6)), 3,
                 counsellor=counsellor)  # fmt: skip

    # --- the bot, week 1 (SMS, Nepali) --------------------------------------------------------
    day = at(WEEK1 + timedelta(days=2))
    for _ in range(3):
        record_turn(sms[1], TurnReport("answer", "free_visa_free_ticket"), day)
    record_turn(sms[1], TurnReport("fallback", "free_visa_free_ticket"), day)
    record_turn(sms[1], TurnReport("clarify", family="fees"), day)
    record_turn(sms[1], None, day)  # a greeting: no action reported
    record_turn(sms[1], None, day)
    record_unanswered(sms[1], day)
    db.session.commit()

    # --- wrap-ups, week 1 -----------------------------------------------------------------------
    lawyer = add_service("lawyers", needs=["legal_aid", "compensation_claims"])
    legal = add_service("legal-desk", needs=["legal_aid"])
    on = at(WEEK1 + timedelta(days=3))
    wrapup(seed, h1, on, {
        "what_happened": ["labour_exploitation", "wage_theft"], "country": "QA",
        "route": "direct_from_nepal", "self_description": "as_worker_grievance",
        "referrals": [lawyer.id], "outcome": "referred",
        "follow_up": {"task": SECRET_NOTE, "due_on": "2026-10-20"},
    })  # fmt: skip
    wrapup(seed, h2, on, {
        "what_happened": ["sex_trafficking"], "country": "IN", "route": "via_india",
        "self_description": "as_victim", "outcome": "emergency_services_contacted",
    })  # fmt: skip
    wrapup(seed, h5, on, {
        "route": "not_known", "self_description": "unsure", "outcome": "information_given",
    })  # fmt: skip
    wrapup(seed, h3, on, {
        "what_happened": ["agent_fraud"], "country": "MY", "self_description": "not_asked",
        "referrals": [legal.id], "outcome": "referred",
    })  # fmt: skip
    wrapup(seed, h8, on, {
        "what_happened": ["agent_fraud", "wage_theft"], "country": "QA",
        "self_description": "as_worker_grievance", "outcome": "information_given",
    })  # fmt: skip

    # --- the survey, week 1: four asked, three answers (1, २, hoina), one silence ------------
    asked = at(WEEK1 + timedelta(days=4))
    for conversation, answer in ((sms[0], "1"), (sms[1], "२"), (sms[3], "hoina"), (web[1], None)):
        survey.prepare(conversation, counsellor, now=asked)
        if answer is not None:
            assert survey.take_answer(conversation, answer, now=asked + timedelta(hours=1))
    db.session.commit()
    return seed


# Every figure the tests expect, worked out by hand from the above.
EXPECTED_CONTACTS_BY_CHANNEL = {
    WEEK1: {"sms": 6, "whatsapp": 2, "web": 0},
    WEEK2: {"sms": 1, "whatsapp": 0, "web": 5},
    WEEK3: {"sms": 0, "whatsapp": 0, "web": 0},
}
EXPECTED_CONTACTS_BY_LANGUAGE = {
    WEEK1: {"ne": 6, "en": 2, "ne-Latn": 0},
    WEEK2: {"ne": 1, "en": 0, "ne-Latn": 5},
}
EXPECTED_NEW_RETURNING = {WEEK1: {"new": 8, "returning": 0}, WEEK2: {"new": 5, "returning": 1}}
EXPECTED_OCTOBER_CONTACTS = {"sms": 6, "whatsapp": 2, "web": 5}  # she counts once in the month
EXPECTED_REASONS = {
    WEEK1: {"asked": 4, "danger": 2, "bot_failed": 1, "returning": 0},
    WEEK2: {"asked": 0, "danger": 0, "bot_failed": 0, "returning": 1},
}
EXPECTED_PRIORITIES = {WEEK1: {"urgent": 2, "normal": 5}, WEEK2: {"urgent": 0, "normal": 1}}
# week 1 taken: 4, 2, 30, 6, 8, 3 minutes -> median 5, p90 (nearest rank: 6th of 6) 30
EXPECTED_WAITS = {WEEK1: (6, 5.0, 30.0), WEEK2: (1, 1.0, 1.0), WEEK3: (0, None, None)}
EXPECTED_BREACHES = {WEEK1: {"breached": 2, "within": 5}, WEEK2: {"breached": 0, "within": 1}}
EXPECTED_BOT = {
    "fees": {"answer": 3, "fallback": 1, "clarify": 1},
    "-": {"other": 2, "unanswered": 1},
}
EXPECTED_WRAPUPS = {
    "what_happened": {"labour_exploitation": 1, "wage_theft": 2, "sex_trafficking": 1,
                      "agent_fraud": 2, "not_answered": 1},
    "country": {"QA": 2, "IN": 1, "MY": 1, "not_answered": 1},
    "route": {"direct_from_nepal": 1, "via_india": 1, "not_known": 1, "not_answered": 2},
    "self_description": {"as_worker_grievance": 2, "as_victim": 1, "unsure": 1, "not_asked": 1},
    "referrals": {"given": 2, "none": 3},
    "follow_up": {"set": 1, "none": 4},
    "outcome": {"referred": 2, "emergency_services_contacted": 1, "information_given": 2},
}  # fmt: skip
EXPECTED_NEEDS = {"legal_aid": 2, "compensation_claims": 1}
EXPECTED_SURVEY = {"yes": 1, "a_little": 1, "no": 1, "no_answer": 1}
