"""The tables the dashboard draws and the exports publish: counts per period (ISO weeks from
Monday, or calendar months, on the desk's calendar) and category.

Sources: the daily counts (contacts, bot turns, wrap-ups, survey) and the hand-offs, whose
rows retention and erasure keep (reason, priority, channel, times). Grouping happens here in
Python, so the same code runs on SQLite and PostgreSQL; a year of a helpline's hand-offs is
a few thousand rows.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from webhooks.cases.form_definition import FormDefinition
from webhooks.extensions import db
from webhooks.models import Handoff, HandoffStatus, utcnow
from webhooks.reports import bot_turns, contacts, survey, wrapups
from webhooks.reports.counts import sums_by_period

WEEK, MONTH = "week", "month"
GRANULARITIES = (WEEK, MONTH)


@dataclass(frozen=True)
class Scope:
    """What a report covers: whole periods from ``first`` to ``last``, one channel or all."""

    first: date
    last: date
    granularity: str = WEEK
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {GRANULARITIES}")

    def period_of(self, day: date) -> date:
        return contacts.week_start(day) if self.granularity == WEEK else contacts.month_start(day)

    def periods(self) -> list[date]:
        """The starts of the periods that cover first..last, oldest first."""
        starts, start = [], self.period_of(self.first)
        while start <= self.last:
            starts.append(start)
            start = self.period_end(start) + timedelta(days=1)
        return starts

    def period_end(self, start: date) -> date:
        if self.granularity == WEEK:
            return start + timedelta(days=6)
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)

    @property
    def start(self) -> date:
        """The first day counted: the first period's first day."""
        return self.period_of(self.first)

    @property
    def end(self) -> date:
        """The last day counted: the last period's last day."""
        return self.period_end(self.period_of(self.last))


@dataclass
class Table:
    """Counts per (period, category) and per period; ``additive``: a period's cells add up
    to its total (then a hidden cell needs a hidden partner, see suppression.py)."""

    name: str
    title: str
    unit: str
    periods: list[date]
    categories: list[str]
    cells: dict[tuple[date, str], int] = field(default_factory=dict)
    totals: dict[date, int] = field(default_factory=dict)
    additive: bool = True
    description: str = ""

    def cell(self, period: date, category: str) -> int:
        return self.cells.get((period, category), 0)

    def by_category(self) -> dict[str, int]:
        """Each category over all the periods (the dashboard's bars)."""
        sums: Counter[str] = Counter()
        for (_period, category), count in self.cells.items():
            sums[category] += count
        return {category: sums[category] for category in self.categories}

    def series(self) -> dict[str, list[int]]:
        """Each category as a list over the periods (the dashboard's stacked bars)."""
        return {c: [self.cell(p, c) for p in self.periods] for c in self.categories}

    def total(self) -> int:
        return sum(self.totals.values())


def _table(
    name: str,
    title: str,
    unit: str,
    scope: Scope,
    counts: Iterable[tuple[date, str, int]],
    *,
    order: Iterable[str] = (),
    totals: dict[date, int] | None = None,
    additive: bool = True,
    description: str = "",
) -> Table:
    cells: Counter[tuple[date, str]] = Counter()
    for day, category, count in counts:
        cells[(scope.period_of(day), category)] += count
    seen = {category for _period, category in cells}
    order = list(dict.fromkeys(order))  # listed categories always show, even at 0
    ordered = order + sorted(seen - set(order))
    periods = scope.periods()
    if totals is None:
        totals = {p: sum(n for (q, _c), n in cells.items() if q == p) for p in periods}
    return Table(name, title, unit, periods, ordered, dict(cells),
                 {p: totals.get(p, 0) for p in periods}, additive, description)  # fmt: skip


def _daily(metric: str, scope: Scope) -> list[Any]:
    """The metric's counts summed per period of the scope (``day`` = the period's start)."""
    periods = [(start, scope.period_end(start)) for start in scope.periods()]
    return sums_by_period(metric, periods, scope.channel)


# --- contacts ---------------------------------------------------------------------------------


def contact_tables(scope: Scope, channels: Iterable[str], languages: Iterable[str]) -> list[Table]:
    metric = contacts.WEEK if scope.granularity == WEEK else contacts.MONTH
    rows = _daily(metric, scope)
    unit = "contacts"
    what = "conversations (one per person and channel) with at least one message from the person"
    return [
        _table("contacts_by_channel", "Contacts by channel", unit, scope,
               ((r.day, r.channel, r.count) for r in rows), order=channels,
               description=f"{what}, by channel"),
        _table("contacts_by_language", "Contacts by language form", unit, scope,
               ((r.day, r.language or "unknown", r.count) for r in rows), order=languages,
               description=f"{what}, by the language form of their first message that period"),
        _table("contacts_new_returning", "New and returning contacts", unit, scope,
               ((r.day, r.value, r.count) for r in rows), order=("new", "returning"),
               description=f"{what}: new = her very first message to the service"),
    ]  # fmt: skip


# --- hand-offs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffRow:
    day: date
    reason: str
    priority: str
    created_at: datetime
    claimed_at: datetime | None
    ended_at: datetime | None  # closed or cancelled (None: still waiting or held)


def day_window(scope: Scope, zone: Any) -> tuple[datetime, datetime]:
    """The scope as moments: from its first day's midnight to after its last day, locally."""
    start = datetime.combine(scope.start, time.min, tzinfo=zone)
    return start, datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=zone)


def handoff_rows(scope: Scope, zone: Any) -> list[HandoffRow]:
    start, end = day_window(scope, zone)
    query = select(
        Handoff.created_at, Handoff.reason, Handoff.priority, Handoff.claimed_at,
        Handoff.closed_at, Handoff.status,
    ).where(Handoff.created_at >= start, Handoff.created_at < end)  # fmt: skip
    if scope.channel:
        query = query.where(Handoff.channel == scope.channel)
    finished = (HandoffStatus.CLOSED.value, HandoffStatus.CANCELLED.value)
    rows = []
    for created, reason, priority, claimed, closed, status in db.session.execute(query):
        ended = closed if status in finished else None
        rows.append(HandoffRow(created.astimezone(zone).date(), reason, priority, created,
                               claimed, ended))  # fmt: skip
    return rows


def handoff_tables(scope: Scope, rows: list[HandoffRow], reasons: Iterable[str]) -> list[Table]:
    unit = "hand-offs"
    return [
        _table("handoffs_by_reason", "Hand-offs by reason", unit, scope,
               ((r.day, r.reason, 1) for r in rows), order=reasons,
               description="conversations handed to the counsellors' queue, by why"),
        _table("handoffs_by_priority", "Hand-offs by priority", unit, scope,
               ((r.day, r.priority, 1) for r in rows), order=("urgent", "normal"),
               description="urgent = danger detected; normal = the rest"),
    ]  # fmt: skip


def waited(row: HandoffRow, now: datetime) -> timedelta:
    """How long she waited for a counsellor: until one took it, she left, or now."""
    return (row.claimed_at or row.ended_at or now) - row.created_at


def wait_tables(scope: Scope, rows: list[HandoffRow], target_minutes: int) -> list[Table]:
    now = utcnow()
    target = timedelta(minutes=target_minutes)
    return [
        _table("handoffs_taken", "Hand-offs taken by a counsellor", "hand-offs", scope,
               ((r.day, "taken" if r.claimed_at else "not_taken", 1) for r in rows),
               order=("taken", "not_taken"),
               description="not taken = she went back to the bot, or it is still waiting"),
        _table("wait_breaches", f"Waited longer than {target_minutes} minutes", "hand-offs",
               scope, ((r.day, "breached" if waited(r, now) > target else "within", 1)
                       for r in rows), order=("breached", "within"),
               description=f"waiting time above the target HANDOFF_REASSURE_AFTER_MINUTES "
                           f"({target_minutes}), counting the wait of those never taken"),
    ]  # fmt: skip


@dataclass(frozen=True)
class WaitFigures:
    """Minutes from hand-off to a counsellor taking it, per period (taken hand-offs only)."""

    periods: list[date]
    taken: dict[date, int]
    median: dict[date, float | None]
    p90: dict[date, float | None]


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def wait_figures(scope: Scope, rows: list[HandoffRow]) -> WaitFigures:
    minutes: dict[date, list[float]] = defaultdict(list)
    for row in rows:
        if row.claimed_at is not None:
            minutes[scope.period_of(row.day)].append(
                (row.claimed_at - row.created_at).total_seconds() / 60
            )
    periods = scope.periods()
    return WaitFigures(
        periods,
        {p: len(minutes[p]) for p in periods},
        {p: round(statistics.median(minutes[p]), 1) if minutes[p] else None for p in periods},
        {p: round(nearest_rank(minutes[p], 0.9), 1) if minutes[p] else None for p in periods},
    )


# --- the bot ----------------------------------------------------------------------------------


def bot_table(scope: Scope) -> Table:
    rows = _daily(bot_turns.METRIC, scope)
    return _table(
        "bot_outcomes", "Bot turns by topic family and outcome", "messages", scope,
        ((r.day, f"{r.dimension or '-'}/{r.value}", r.count) for r in rows),
        description="messages the bot was given, by the family of the topic it answered, "
                    "asked about or most likely meant (- = none) and what it did",
    )  # fmt: skip


def bot_matrix(table: Table) -> dict[str, dict[str, int]]:
    """{family: {outcome: count}} over the whole scope."""
    matrix: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for category, count in table.by_category().items():
        family, _, outcome = category.partition("/")
        matrix[family][outcome] += count
    return {family: dict(outcomes) for family, outcomes in matrix.items()}


# --- wrap-ups, referrals, survey --------------------------------------------------------------


def wrapup_tables(scope: Scope, definition: FormDefinition) -> list[Table]:
    rows = _daily(wrapups.METRIC, scope)
    totals: Counter[date] = Counter()
    by_field: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    for r in rows:
        if r.dimension == wrapups.ALL:
            totals[scope.period_of(r.day)] += r.count
        else:
            by_field[r.dimension].append((r.day, r.value, r.count))
    unit = "wrap-ups"
    tables = []
    for item in definition.fields:
        if item.type == "text":
            continue
        order = [o.key for o in item.options]
        if item.type == "referrals":
            order = ["given", "none"]
        elif item.type == "follow_up":
            order = ["set", "none"]
        tables.append(
            _table(f"wrapup_{item.key}", item.label, unit, scope, by_field[item.key],
                   order=order if item.required else [*order, wrapups.NOT_ANSWERED],
                   totals=dict(totals),
                   additive=item.type != "multi_choice",
                   description=f"wrap-ups by '{item.label}'"
                   + (" (several answers possible: cells do not add up to the total)"
                      if item.type == "multi_choice" else ""))
        )  # fmt: skip
    given: Counter[date] = Counter()
    for day, _value, count in by_field[wrapups.REFERRALS_GIVEN]:
        given[scope.period_of(day)] += count
    tables.append(
        _table("referrals_by_need", "Referrals given by need", "referrals", scope,
               by_field[wrapups.REFERRAL_NEED], totals=dict(given), additive=False,
               description="directory entries counsellors gave (total), counted under each "
                           "need the entry serves (an entry may serve several)")
    )  # fmt: skip
    return tables


def survey_table(scope: Scope) -> Table:
    asked: Counter[date] = Counter()
    answers: list[tuple[date, str, int]] = []
    for r in _daily(survey.METRIC, scope):
        if r.dimension == survey.ASKED:
            asked[scope.period_of(r.day)] += r.count
        else:
            answers.append((scope.period_of(r.day), r.value, r.count))
    answered: Counter[date] = Counter()
    for period, _value, count in answers:
        answered[period] += count
    unanswered = [(p, "no_answer", max(0, asked[p] - answered[p])) for p in asked]
    return _table(
        "survey", "Did this help? (after a counsellor closed)", "surveys", scope,
        answers + unanswered, order=(*survey.ANSWERS, "no_answer"), totals=dict(asked),
        description="surveys sent after a close, by answer (no answer = none within "
                    "SURVEY_ANSWER_HOURS), counted in the period the question was sent",
    )  # fmt: skip


# --- everything -------------------------------------------------------------------------------


@dataclass
class Report:
    scope: Scope
    tables: dict[str, Table]
    waits: WaitFigures
    target_minutes: int


def build_report(
    scope: Scope,
    definition: FormDefinition,
    zone: Any,
    *,
    channels: Iterable[str],
    languages: Iterable[str],
    reasons: Iterable[str],
    only: Callable[[Table], bool] = lambda _t: True,
) -> Report:
    target = current_app.config["HANDOFF_REASSURE_AFTER_MINUTES"]
    handoffs = handoff_rows(scope, zone)
    tables = [
        *contact_tables(scope, channels, languages),
        *handoff_tables(scope, handoffs, reasons),
        *wait_tables(scope, handoffs, target),
        bot_table(scope),
        *wrapup_tables(scope, definition),
        survey_table(scope),
    ]
    return Report(scope, {t.name: t for t in tables if only(t)},
                  wait_figures(scope, handoffs), target)  # fmt: skip
