"""What each wrap-up adds to the counts, when it is saved: one count per chosen option (by
its stable key, so rewording a label never splits a count), the country code, whether
referrals were given and the needs of the entries given, whether a follow-up was set.

Counted at save time because erasure later clears a record's answers: the statistics keep
the anonymous count, the record does not keep her answers. Free text is never counted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webhooks.cases.form_definition import FormDefinition
from webhooks.extensions import db
from webhooks.models import Conversation, WrapUp
from webhooks.referrals.models import ReferralService
from webhooks.reports.counts import CountKey, add, local_day

METRIC = "wrapups"
ALL = "_all"  # dimension of the count of wrap-ups themselves
NOT_ANSWERED = "not_answered"
REFERRAL_NEED = "referral_need"  # one count per need of each entry given
REFERRALS_GIVEN = "referrals_given"  # one count per entry given


def record_wrapup(wrapup: WrapUp, definition: FormDefinition, conversation: Conversation) -> None:
    """Count this wrap-up's answers on the day it was saved (no commit)."""
    channel, language = conversation.channel, conversation.language or ""

    def key(dimension: str, value: str = "") -> CountKey:
        return CountKey(METRIC, channel, language, dimension, value)

    keys = [key(ALL)]
    answers: dict[str, Any] = wrapup.answers or {}
    for item in definition.fields:
        value = answers.get(item.key)
        if item.type in ("choice", "country"):
            keys.append(key(item.key, str(value) if value else NOT_ANSWERED))
        elif item.type == "multi_choice":
            chosen = [str(v) for v in value or []]
            keys += [key(item.key, v) for v in chosen] or [key(item.key, NOT_ANSWERED)]
        elif item.type == "referrals":
            ids = [int(v) for v in value or []]
            keys.append(key(item.key, "given" if ids else "none"))
            keys += [key(REFERRALS_GIVEN)] * len(ids)
            keys += [key(REFERRAL_NEED, need) for need in _needs_of(ids)]
        elif item.type == "follow_up":
            keys.append(key(item.key, "set" if value else "none"))
    add(local_day(wrapup.created_at), keys)


def _needs_of(entry_ids: list[int]) -> list[str]:
    if not entry_ids:
        return []
    rows = db.session.scalars(
        select(ReferralService.needs).where(ReferralService.id.in_(entry_ids))
    )
    return [str(need) for needs in rows for need in (needs or [])]
