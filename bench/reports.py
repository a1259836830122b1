"""How long the statistics take on a busy helpline's two years of data (SQLite, one process).

    .venv-gateway/bin/python bench/reports.py [--years 2] [--rows-per-day 300]
                                              [--handoffs-per-day 40]

Seeds a temporary database with daily counts (300 distinct categories a day, drawn from every
channel, language, bot outcome per topic family, wrap-up answer and survey answer: a busy
helpline's day has fewer) and the hand-offs (40 a day), then times what a supervisor's
clicks cost: the dashboard's report for 12 weeks and for a year, and a year's export by week
(tables, suppression, CSV) and by month (JSON). Prints the sizes and the median of 5 runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade

from webhooks import create_app
from webhooks.console.common import CHANNELS, LANGUAGES, REASONS
from webhooks.console.wrapup import form_definition
from webhooks.extensions import db
from webhooks.models import Contact, Conversation, DailyCount, Handoff
from webhooks.reports import exports
from webhooks.reports.labels import label
from webhooks.reports.tables import MONTH, WEEK, Scope, build_report
from webhooks.services import services

FAMILIES = ["fees", "going_abroad", "agencies", "rights", "insurance_compensation",
            "trafficking", "entertainment", "support", "service", ""]  # fmt: skip
OUTCOMES = ["answer", "clarify", "fallback", "danger", "handoff", "other"]


def seed(last: date, days: int, rows_per_day: int, handoffs_per_day: int) -> tuple[int, int]:
    """Daily counts: ``rows_per_day`` distinct (metric, channel, language, category) a day,
    drawn from every combination the service can produce."""
    rng = random.Random(16)
    combinations = []
    for channel in CHANNELS:
        for language in LANGUAGES:
            for metric in ("contacts_week", "contacts_month"):
                combinations += [
                    (metric, channel, language, "kind", k) for k in ("new", "returning")
                ]
            combinations += [("bot_turns", channel, language, family, outcome)
                             for family in FAMILIES for outcome in OUTCOMES]  # fmt: skip
            for item in form_definition().fields:
                combinations += [("wrapups", channel, language, item.key, option.key)
                                 for option in item.options]  # fmt: skip
            combinations += [("survey", channel, language, "answer", answer)
                             for answer in ("yes", "a_little", "no")]  # fmt: skip
    rows = []
    for n in range(days):
        day = last - timedelta(days=n)
        for metric, channel, language, dimension, value in rng.sample(combinations, rows_per_day):
            rows.append(
                dict(day=day, metric=metric, channel=channel, language=language,
                     dimension=dimension, value=value, count=rng.randint(1, 30))
            )  # fmt: skip
    db.session.execute(DailyCount.__table__.insert(), rows)
    contact = Contact(channel="sms", address_hash="x", address_encrypted="x")
    conversation = Conversation(contact=contact, channel="sms", language="ne")
    db.session.add(conversation)
    db.session.flush()
    start = datetime.combine(last - timedelta(days=days), datetime.min.time(), timezone.utc)
    handoffs = []
    for _ in range(days * handoffs_per_day):
        created = start + timedelta(minutes=rng.randint(0, days * 24 * 60))
        claimed = created + timedelta(minutes=rng.randint(0, 120))
        handoffs.append(
            dict(conversation_id=conversation.id, reason=rng.choice(list(REASONS)),
                 priority=rng.choice(["urgent", "normal"]), channel="sms", language="ne",
                 summary={}, status="closed", created_at=created, claimed_at=claimed,
                 closed_at=claimed + timedelta(minutes=30))
        )  # fmt: skip
    db.session.execute(Handoff.__table__.insert(), handoffs)
    db.session.commit()
    return len(rows), len(handoffs)


def timed(action, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--rows-per-day", type=int, default=300)
    parser.add_argument("--handoffs-per-day", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "SECRET_KEY": "bench", "INTERNAL_API_TOKEN": "bench", "TWILIO_AUTH_TOKEN": "bench",
            "DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "DATABASE_URL": f"sqlite:///{folder}/bench.db", "TESTING": True,
        })  # fmt: skip
        with app.app_context():
            upgrade()
            today = date.today()
            counted, handoffs = seed(
                today, 365 * args.years, args.rows_per_day, args.handoffs_per_day
            )
            zone = services().schedule.zone
            vocabulary = {"channels": CHANNELS, "languages": LANGUAGES, "reasons": REASONS}

            def report(weeks: int, granularity: str = WEEK):
                scope = Scope(today - timedelta(weeks=weeks), today, granularity)
                return build_report(scope, form_definition(), zone, **vocabulary)

            print(f"daily count rows: {counted:,}; hand-offs: {handoffs:,}")
            print(f"dashboard, 12 weeks:        {timed(lambda: report(12)):8.0f} ms")
            print(f"dashboard, 52 weeks:        {timed(lambda: report(52)):8.0f} ms")
            csv_ms = timed(lambda: exports.as_csv(report(52), label))
            json_ms = timed(lambda: exports.as_json(report(52, MONTH), label))
            print(f"export CSV, 52 weeks:       {csv_ms:8.0f} ms")
            print(f"export JSON, 12 months:     {json_ms:8.0f} ms")


if __name__ == "__main__":
    main()
