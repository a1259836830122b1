"""The reporting dashboard's figures match a seeded dataset worked out by hand; the page and
its filters; exports hold aggregates only, with small cells suppressed, and are audited."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from flask import Flask

from tests.console import report_seed as seed
from tests.console.support import Console, actions
from webhooks.console.common import CHANNELS, LANGUAGES, REASONS
from webhooks.console.wrapup import form_definition
from webhooks.extensions import db
from webhooks.models import AuditEvent, Message, User, WrapUp
from webhooks.reports.suppression import MARKER
from webhooks.reports.tables import MONTH, WEEK, Report, Scope, build_report
from webhooks.services import services


@pytest.fixture
def seeded(app: Flask, counsellor: User) -> seed.Seeded:
    return seed.seed_dataset(counsellor)


def report(first=seed.WEEK1, last=seed.WEEK3, granularity=WEEK, channel=None) -> Report:
    return build_report(
        Scope(first, last, granularity, channel), form_definition(), services().schedule.zone,
        channels=CHANNELS, languages=LANGUAGES, reasons=REASONS,
    )  # fmt: skip


def rows(table: Any, categories: Any = None) -> dict[Any, dict[str, int]]:
    """{period: {category: count}} for the periods with anything in them (or all listed)."""
    wanted = categories or table.categories
    return {p: {c: table.cell(p, c) for c in wanted} for p in table.periods if table.totals[p]}


def test_contacts_count_each_person_once_a_week_and_once_a_month(seeded: seed.Seeded) -> None:
    weekly = report()
    by_channel = weekly.tables["contacts_by_channel"]
    assert by_channel.periods == [seed.WEEK1, seed.WEEK2, seed.WEEK3]
    assert {p: {c: by_channel.cell(p, c) for c in ("sms", "whatsapp", "web")}
            for p in by_channel.periods} == seed.EXPECTED_CONTACTS_BY_CHANNEL  # fmt: skip
    by_language = weekly.tables["contacts_by_language"]
    assert rows(by_language, ("ne", "en", "ne-Latn")) == seed.EXPECTED_CONTACTS_BY_LANGUAGE
    assert rows(weekly.tables["contacts_new_returning"]) == seed.EXPECTED_NEW_RETURNING
    monthly = report(granularity=MONTH).tables["contacts_by_channel"]
    assert monthly.by_category() == {**dict.fromkeys(CHANNELS, 0), **seed.EXPECTED_OCTOBER_CONTACTS}


def test_handoffs_waits_and_breaches(seeded: seed.Seeded) -> None:
    weekly = report()
    assert rows(weekly.tables["handoffs_by_reason"]) == seed.EXPECTED_REASONS
    assert rows(weekly.tables["handoffs_by_priority"]) == seed.EXPECTED_PRIORITIES
    assert rows(weekly.tables["wait_breaches"]) == seed.EXPECTED_BREACHES
    waits = weekly.waits
    assert {p: (waits.taken[p], waits.median[p], waits.p90[p]) for p in waits.periods} == (
        seed.EXPECTED_WAITS
    )
    assert rows(weekly.tables["handoffs_taken"])[seed.WEEK1] == {"taken": 6, "not_taken": 1}


def test_bot_outcomes_by_topic_family(seeded: seed.Seeded) -> None:
    from webhooks.reports.tables import bot_matrix

    assert bot_matrix(report().tables["bot_outcomes"]) == seed.EXPECTED_BOT


def test_wrapup_categories_routes_countries_referrals_outcomes_and_survey(
    seeded: seed.Seeded,
) -> None:
    tables = report().tables
    for key, expected in seed.EXPECTED_WRAPUPS.items():
        counts = {c: n for c, n in tables[f"wrapup_{key}"].by_category().items() if n}
        assert counts == expected, key
        assert tables[f"wrapup_{key}"].total() == 5
    assert {c: n for c, n in tables["referrals_by_need"].by_category().items() if n} == (
        seed.EXPECTED_NEEDS
    )
    assert tables["referrals_by_need"].total() == 2  # entries given
    assert tables["survey"].by_category() == seed.EXPECTED_SURVEY
    assert tables["survey"].total() == 4


def test_the_channel_filter(seeded: seed.Seeded) -> None:
    sms = report(channel="sms")
    assert sms.tables["contacts_by_channel"].by_category()["sms"] == 7
    assert sms.tables["contacts_by_channel"].total() == 7
    assert sms.tables["handoffs_by_reason"].total() == 5
    assert sms.tables["wrapup_outcome"].total() == 3
    assert sms.tables["survey"].by_category() == {"yes": 1, "a_little": 1, "no": 1, "no_answer": 0}


def test_figures_survive_the_deletion_of_messages(seeded: seed.Seeded) -> None:
    """Retention and erasure delete messages and clear wrap-up answers: counts stay."""
    before = {name: table.cells for name, table in report().tables.items()}
    db.session.query(Message).delete()
    for wrapup in db.session.query(WrapUp):
        wrapup.answers = {}
    db.session.commit()
    after = {name: table.cells for name, table in report().tables.items()}
    assert after == before


# --- the page ---------------------------------------------------------------------------------


def charts_of(page: str) -> dict[str, dict[str, Any]]:
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      page, re.S)  # fmt: skip
    assert match, "no chart data on the page"
    return {chart["id"]: chart for chart in json.loads(match.group(1))}


def test_dashboard_draws_the_seeded_figures_for_the_chosen_range(
    as_supervisor: Console, seeded: seed.Seeded
) -> None:
    page = as_supervisor.text("/console/stats?first=2026-10-05&last=2026-10-25")
    charts = charts_of(page)
    contacts = charts["contacts_by_channel"]
    assert contacts["labels"] == ["05 Oct", "12 Oct", "19 Oct"]
    assert {d["label"]: d["data"] for d in contacts["datasets"]} == {
        "SMS": [6, 1, 0], "WhatsApp": [2, 0, 0], "Web chat": [0, 5, 0],
    }  # fmt: skip
    languages = {d["label"] for d in charts["contacts_by_language"]["datasets"]}
    assert "नेपाली (Devanagari)" in languages  # drawn with the bundled Devanagari font
    assert charts["wait_minutes"]["datasets"][0]["data"] == [5.0, 1.0, None]
    bot = charts["bot_outcomes"]
    assert bot["labels"][0] == "Fees" and bot["datasets"][0] == {
        "label": "answered",
        "data": [3, 0],
    }
    assert charts["survey"]["note"] == "3 of 4 answered (75 %)"
    assert charts["wrapup_country"]["labels"][0] == "Qatar"
    # Every chart has its figures as a table too, and nothing anyone wrote is on the page.
    assert page.count('class="chart-table"') == len(charts)
    for secret in [seed.SECRET_WORDS, seed.SECRET_NOTE, *seeded.case_codes, *seeded.public_ids]:
        assert secret not in page
    assert "/console/static/vendor/chart.js/chart.umd.min.js" in page
    assert "https://" not in page.split("<main", 1)[1]  # no CDN, nothing from elsewhere


def test_dashboard_filters_by_channel_and_refuses_a_backward_range(
    as_supervisor: Console, seeded: seed.Seeded
) -> None:
    page = as_supervisor.text("/console/stats?first=2026-10-05&last=2026-10-25&channel=web")
    contacts = charts_of(page)["contacts_by_channel"]
    assert [d["label"] for d in contacts["datasets"]] == ["Web chat"]
    response = as_supervisor.get("/console/stats?first=2026-10-25&last=2026-10-05")
    assert response.status_code == 400
    assert "The start date is after the end date." in response.get_data(as_text=True)
    assert as_supervisor.get("/console/stats?first=yesterday&channel=fax").status_code == 400


def test_counsellors_see_neither_the_dashboard_nor_exports(as_counsellor: Console) -> None:
    assert as_counsellor.get("/console/stats").status_code == 403
    response = as_counsellor.post("/console/stats/export", {"format": "csv", "granularity": "week"})
    assert response.status_code == 403


# --- exports ----------------------------------------------------------------------------------


def export(console: Console, kind: str, granularity: str = WEEK) -> str:
    response = console.post(
        "/console/stats/export",
        {"first": "2026-10-05", "last": "2026-10-25", "granularity": granularity, "format": kind},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def assert_nothing_personal(text: str, seeded: seed.Seeded) -> None:
    for number in seeded.numbers:
        assert number not in text and number[-9:] not in text, "a phone number"
    for secret in (seed.SECRET_WORDS, "Doha", seed.SECRET_NOTE, "Nepalgunj", "web-session-token"):
        assert secret not in text, "a message, note or follow-up"
    for code in seeded.case_codes:
        assert code not in text and code.removeprefix("SY-") not in text, "a case code"
    for public_id in seeded.public_ids:
        assert public_id not in text, "a conversation id"
    assert "asha" not in text, "a counsellor's name"
    assert not re.search(r"\+?\d{9,}", text), "anything shaped like a phone number"


def test_csv_export_is_aggregates_only_with_small_cells_suppressed(
    as_supervisor: Console, seeded: seed.Seeded
) -> None:
    text = export(as_supervisor, "csv")
    assert_nothing_personal(text, seeded)
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == ["table", "unit", "period_start", "period_end", "category",
                              "category_label", "value"]  # fmt: skip

    def value(name: str, period: str, category: str) -> str:
        [row] = [r for r in table if (r["table"], r["period_start"], r["category"])
                 == (name, period, category)]  # fmt: skip
        return row["value"]

    # 6 SMS and 2 WhatsApp contacts in week 1: the 2 is hidden, and so is its partner (the
    # smallest other non-zero cell), or the total would give it away.
    assert value("contacts_by_channel", "2026-10-05", "whatsapp") == MARKER
    assert value("contacts_by_channel", "2026-10-05", "sms") == MARKER
    assert value("contacts_by_channel", "2026-10-05", "web") == "0"
    assert value("contacts_by_channel", "2026-10-05", "total") == "8"
    # week 2: 1 SMS, 5 web: the 1 and its partner hidden, total 6 shown
    assert value("contacts_by_channel", "2026-10-12", "sms") == MARKER
    assert value("contacts_by_channel", "2026-10-12", "web") == MARKER
    assert value("contacts_by_channel", "2026-10-12", "total") == "6"
    # no published count from 1 to 4 anywhere
    counts = [r["value"] for r in table if r["table"] != "wait_minutes"]
    assert not [v for v in counts if v in {"1", "2", "3", "4"}]
    assert value("wait_minutes", "2026-10-05", "median") == "5.0"  # six hand-offs
    assert value("wait_minutes", "2026-10-12", "median") == MARKER  # one hand-off
    assert value("wrapup_country", "2026-10-05", "QA") == MARKER
    assert value("wrapup_country", "2026-10-05", "total") == "5"
    assert actions(action="report_exported") == ["report_exported"]


def test_json_export_says_how_it_was_made_and_holds_nothing_personal(
    as_supervisor: Console, seeded: seed.Seeded
) -> None:
    text = export(as_supervisor, "json", granularity=MONTH)
    assert_nothing_personal(text, seeded)
    document = json.loads(text)
    assert document["granularity"] == "month" and document["first_day"] == "2026-10-01"
    assert document["suppression"]["marker"] == MARKER
    tables = {t["table"]: t for t in document["tables"]}
    [october] = tables["contacts_by_channel"]["rows"]
    # 2 on WhatsApp is hidden, and with it the smallest other non-zero cell (web, 5)
    assert october["cells"] == {"sms": 6, "whatsapp": MARKER, "web": MARKER, "android_sms": 0,
                                "voice": 0}  # fmt: skip
    assert october["total"] == 13
    assert tables["survey"]["rows"][0]["total"] == MARKER  # four surveys
    assert {c["code"]: c["label"] for c in tables["wrapup_outcome"]["categories"]}["referred"] == (
        "Referred to a partner"
    )
    [event] = db.session.query(AuditEvent).filter_by(action="report_exported").all()
    assert event.detail == {"format": "json", "granularity": "month", "first": "2026-10-01",
                            "last": "2026-10-31", "tables": len(document["tables"])}  # fmt: skip


def test_export_refuses_a_bad_request_politely(as_supervisor: Console) -> None:
    response = as_supervisor.post(
        "/console/stats/export", {"first": "2026-10-25", "last": "2026-10-05", "format": "csv"}
    )
    assert response.status_code == 400
    bad = as_supervisor.post("/console/stats/export", {"format": "xml", "granularity": "week"})
    assert bad.status_code == 400
