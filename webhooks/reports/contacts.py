"""Contacts: a person's conversation counts once in each week, and once in each month, in
which she wrote (weeks from Monday, on the desk's calendar).

Counted as the first message of that week or month arrives, so the count is the number of
different conversations (one per person and channel) that were active: a person who writes
twenty times in a week is one contact that week. ``new`` marks her very first message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from webhooks.models import Conversation
from webhooks.reports.counts import CountKey, add, local_day

WEEK = "contacts_week"
MONTH = "contacts_month"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def record_contact(
    conversation: Conversation, previous_inbound: datetime | None, now: datetime
) -> None:
    """Count this inbound message if it is her first of the week or month (no commit)."""
    today = local_day(now)
    before = local_day(previous_inbound) if previous_inbound is not None else None
    kind = "new" if before is None else "returning"
    keys = []
    if before is None or week_start(before) != week_start(today):
        keys.append(CountKey(WEEK, conversation.channel, conversation.language or "", "kind", kind))
    if before is None or month_start(before) != month_start(today):
        keys.append(
            CountKey(MONTH, conversation.channel, conversation.language or "", "kind", kind)
        )
    add(today, keys)
