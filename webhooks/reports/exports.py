"""Anonymised exports for donors and researchers: CSV (one row per cell, "tidy") and JSON.

Only the suppressed tables of tables.py go out: counts by period and category code, with
words for the codes. Never a message, a number, a note, a case code, a conversation id, a
counsellor's name or a date finer than the period. Every channel is always included, as a
category, never as a filter: a filtered file next to an unfiltered one would allow
differencing. docs/data-dictionary.md explains every table and code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from webhooks.models import utcnow
from webhooks.reports.suppression import MARKER, THRESHOLD, suppress, suppress_figure
from webhooks.reports.tables import Report, Table

CSV_COLUMNS = (
    "table",
    "unit",
    "period_start",
    "period_end",
    "category",
    "category_label",
    "value",
)
DATASET = "Sahayatri helpline: anonymised aggregate statistics"
DICTIONARY = "docs/data-dictionary.md"
WAIT_TABLE = "wait_minutes"

Labeller = Callable[[Table, str], str]


def _formula_safe(text: str) -> str:
    """Spreadsheets run cells that start with these; labels come from NGO-edited files."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _period_end(report: Report, start: date) -> date:
    return report.scope.period_end(start)


def _wait_rows(report: Report) -> list[dict[str, Any]]:
    waits = report.waits
    rows = []
    for period in waits.periods:
        based_on = waits.taken[period]
        rows.append(
            {
                "period_start": period.isoformat(),
                "period_end": _period_end(report, period).isoformat(),
                "median": suppress_figure(waits.median[period], based_on),
                "p90": suppress_figure(waits.p90[period], based_on),
            }
        )
    return rows


def as_json(report: Report, label: Labeller) -> str:
    tables = []
    for table in report.tables.values():
        tables.append(
            {
                "table": table.name,
                "title": table.title,
                "unit": table.unit,
                "description": table.description,
                "additive": table.additive,
                "categories": [{"code": c, "label": label(table, c)} for c in table.categories],
                "rows": [
                    {
                        "period_start": row.period.isoformat(),
                        "period_end": _period_end(report, row.period).isoformat(),
                        "total": row.total,
                        "cells": row.cells,
                    }
                    for row in suppress(table)
                ],
            }
        )
    document = {
        "dataset": DATASET,
        "data_dictionary": DICTIONARY,
        "generated_at": utcnow().replace(microsecond=0).isoformat(),
        "granularity": report.scope.granularity,
        "first_day": report.scope.start.isoformat(),
        "last_day": report.scope.end.isoformat(),
        "suppression": {
            "threshold": THRESHOLD,
            "marker": MARKER,
            "rule": "counts from 1 to 4 are shown as the marker; in tables whose cells add up "
            "to the period's total, a second cell (or the total) is hidden with a lone "
            "hidden cell; medians of fewer than 5 hand-offs are hidden",
        },
        "tables": tables,
        WAIT_TABLE: {
            "title": "Minutes from hand-off to a counsellor taking it (taken hand-offs only)",
            "rows": _wait_rows(report),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def as_csv(report: Report, label: Labeller) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in report.tables.values():
        for row in suppress(table):
            start = row.period.isoformat()
            end = _period_end(report, row.period).isoformat()
            prefix = [table.name, table.unit, start, end]
            for category in table.categories:
                words = _formula_safe(label(table, category))
                writer.writerow([*prefix, category, words, row.cells[category]])
            writer.writerow([*prefix, "total", "Total", row.total])
    for row in _wait_rows(report):
        for figure in ("median", "p90"):
            value = row[figure]
            writer.writerow([WAIT_TABLE, "minutes", row["period_start"], row["period_end"],
                             figure, figure, "" if value is None else value])  # fmt: skip
    return out.getvalue()
