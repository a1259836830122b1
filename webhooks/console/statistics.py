"""The supervisors' reporting dashboard (/console/stats) and the anonymised exports.

The dashboard draws the tables of webhooks/reports/tables.py for a date range and a channel
(counts as they are: supervisors may read every conversation anyway); the exports publish
the same tables for whole weeks or months, every channel, with small cells suppressed, and
each export is audited. Charts: Chart.js, vendored (static/vendor/chart.js/PROVENANCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from webhooks.audit import audit
from webhooks.console.common import CHANNELS, LANGUAGES, REASONS
from webhooks.console.permissions import requires
from webhooks.console.wrapup import form_definition
from webhooks.extensions import db
from webhooks.models import Direction, Message, MessageStatus, utcnow
from webhooks.reports import exports
from webhooks.reports.labels import family_label, label, outcome_label
from webhooks.reports.tables import (
    GRANULARITIES,
    MONTH,
    WEEK,
    Report,
    Scope,
    Table,
    bot_matrix,
    build_report,
    day_window,
)
from webhooks.services import services
from webhooks.stats_archive import all_time_totals
from webhooks.widget import FONT_NAME

statistics_blueprint = Blueprint("statistics", __name__)

DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366
TOP_COUNTRIES = 10
LANGUAGE_WORDS = {"en": "English", "ne": "नेपाली (Devanagari)", "ne-Latn": "Nepali, Roman letters"}
BOT_OUTCOMES = ("answer", "clarify", "fallback", "danger", "handoff", "referral", "menu", "other")


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    inbound: int
    outbound: int
    segments: int  # SMS segments the outbound messages cost (0 for the web widget)
    unanswered: int
    failed: int


def channel_stats(scope: Scope | None = None) -> list[ChannelStats]:
    """Messages still stored (retention deletes old ones): traffic and SMS cost per channel."""
    zone = services().schedule.zone

    def count(*conditions: Any) -> Any:
        return func.count(Message.id).filter(*conditions)

    query = select(
        Message.channel,
        count(Message.direction == Direction.INBOUND.value),
        count(Message.direction == Direction.OUTBOUND.value),
        func.coalesce(
            func.sum(Message.sms_segments).filter(Message.direction == Direction.OUTBOUND.value),
            0,
        ),
        count(Message.status == MessageStatus.UNANSWERED.value),
        count(Message.status == MessageStatus.FAILED.value),
    )
    if scope is not None:
        start, end = day_window(scope, zone)
        query = query.where(Message.created_at >= start, Message.created_at < end)
        if scope.channel:
            query = query.where(Message.channel == scope.channel)
    rows = db.session.execute(query.group_by(Message.channel).order_by(Message.channel)).all()
    return [ChannelStats(*row) for row in rows]


def today() -> date:
    return utcnow().astimezone(services().schedule.zone).date()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    first = DateField("From", validators=[Optional()])
    last = DateField("To", validators=[Optional()])
    channel = SelectField("Channel", choices=[("", "all channels"), *CHANNELS.items()],
                          validators=[Optional()])  # fmt: skip


class ExportForm(FlaskForm):
    first = DateField("From", validators=[Optional()])
    last = DateField("To", validators=[Optional()])
    granularity = SelectField("By", choices=[(WEEK, "week"), (MONTH, "month")], default=WEEK)
    format = SelectField("Format", choices=[("csv", "CSV"), ("json", "JSON")], default="csv")


def _range(first: date | None, last: date | None) -> tuple[date, date, str | None]:
    """The asked range, or the last DEFAULT_WEEKS weeks; a problem in words, or None."""
    last = last or today()
    first = first or last - timedelta(weeks=DEFAULT_WEEKS - 1)
    if first > last:
        return first, last, "The start date is after the end date."
    if (last - first).days > MAX_DAYS:
        return first, last, f"Choose at most {MAX_DAYS // 366} years."
    return first, last, None


def _report(scope: Scope) -> Report:
    return build_report(
        scope,
        form_definition(),
        services().schedule.zone,
        channels=CHANNELS,
        languages=LANGUAGES,
        reasons=REASONS,
    )


# --- charts -----------------------------------------------------------------------------------


def _period_label(start: date, granularity: str) -> str:
    return start.strftime("%d %b") if granularity == WEEK else start.strftime("%b %Y")


def _words(table: Table, code: str) -> str:
    if table.name == "contacts_by_language":
        return LANGUAGE_WORDS.get(code, label(table, code))
    return label(table, code)


def _over_time(table: Table, granularity: str, **options: Any) -> dict[str, Any]:
    """A stacked bar per period, one colour per category."""
    return {
        "id": table.name,
        "title": table.title,
        "unit": table.unit,
        "type": "bar",
        "stacked": True,
        "labels": [_period_label(p, granularity) for p in table.periods],
        "datasets": [
            {"label": _words(table, c), "data": data}
            for c, data in table.series().items()
            if any(data) or not options.get("skip_empty", True)
        ],
        "total": table.total(),
        **{k: v for k, v in options.items() if k != "skip_empty"},
    }


def _bars(table: Table, top: int | None = None, **options: Any) -> dict[str, Any]:
    """One horizontal bar per category over the whole range (largest first if ``top``)."""
    counts = table.by_category()
    items = list(counts.items())
    if top is not None:
        items = sorted((i for i in items if i[1]), key=lambda item: -item[1])
        if len(items) > top:
            rest = sum(n for _c, n in items[top:])
            items = [*items[:top], ("_others", rest)]
    return {
        "id": table.name,
        "title": table.title,
        "unit": table.unit,
        "type": "bar",
        "horizontal": True,
        "labels": ["Other countries" if c == "_others" else _words(table, c) for c, _n in items],
        "datasets": [{"label": table.unit.capitalize(), "data": [n for _c, n in items]}],
        "total": table.total(),
        **options,
    }


def _waits(report: Report) -> dict[str, Any]:
    waits = report.waits
    return {
        "id": "wait_minutes",
        "title": "Minutes waited for a counsellor (taken hand-offs)",
        "unit": "minutes",
        "type": "line",
        "labels": [_period_label(p, report.scope.granularity) for p in waits.periods],
        "datasets": [
            {"label": "median", "data": [waits.median[p] for p in waits.periods]},
            {"label": "90th percentile", "data": [waits.p90[p] for p in waits.periods]},
        ],
        "total": sum(waits.taken.values()),
        "total_unit": "hand-offs taken",
        "note": f"Target: {report.target_minutes} minutes (HANDOFF_REASSURE_AFTER_MINUTES).",
    }


def _bot(table: Table) -> dict[str, Any]:
    matrix = bot_matrix(table)
    families = sorted(matrix, key=lambda f: (f in ("", "-"), -sum(matrix[f].values())))
    outcomes = [o for o in BOT_OUTCOMES if any(matrix[f].get(o) for f in families)]
    outcomes += sorted({o for f in families for o in matrix[f]} - set(outcomes))
    return {
        "id": "bot_outcomes",
        "title": "What the bot did, by topic family",
        "unit": "messages",
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "labels": [family_label(f) for f in families],
        "datasets": [
            {"label": outcome_label(o), "data": [matrix[f].get(o, 0) for f in families]}
            for o in outcomes
        ],
        "total": table.total(),
    }


def charts(report: Report) -> list[dict[str, Any]]:
    tables, granularity = report.tables, report.scope.granularity
    survey = tables["survey"]
    asked, answered = survey.total(), survey.total() - survey.by_category().get("no_answer", 0)
    wrapup_charts = [
        _bars(table, top=TOP_COUNTRIES if table.name == "wrapup_country" else None)
        for name, table in tables.items()
        if name.startswith("wrapup_") and name not in ("wrapup_follow_up",)
    ]
    return [
        _over_time(tables["contacts_by_channel"], granularity),
        _over_time(tables["contacts_by_language"], granularity),
        _over_time(tables["handoffs_by_reason"], granularity),
        _over_time(tables["handoffs_by_priority"], granularity),
        _waits(report),
        _over_time(tables["wait_breaches"], granularity),
        _bot(tables["bot_outcomes"]),
        *wrapup_charts,
        _bars(tables["referrals_by_need"]),
        {
            **_bars(survey),
            "note": f"{answered} of {asked} answered"
            + (f" ({round(100 * answered / asked)} %)" if asked else ""),
        },
    ]


# --- pages ------------------------------------------------------------------------------------


@statistics_blueprint.get("/stats")
@requires("stats.view")
def stats_page() -> tuple[str, int]:
    form = FilterForm(request.args)
    valid = form.validate()
    first, last, problem = _range(form.first.data, form.last.data)
    if problem:
        form.last.errors = [*form.last.errors, problem]
    if not valid or problem:
        first, last, _ = _range(None, None)
    channel = (form.channel.data or None) if valid else None
    scope = Scope(first, last, WEEK, channel)
    report = _report(scope)
    status = 200 if valid and not problem else 400
    return render_template(
        "console/stats.html",
        form=form,
        export_form=ExportForm(formdata=None, first=scope.start, last=scope.end),
        scope=scope,
        charts=charts(report),
        channels=channel_stats(scope),
        chart_script=url_for("console.static", filename="vendor/chart.js/chart.umd.min.js"),
        font_url=url_for("widget.asset", filename=FONT_NAME),
        channel_words=CHANNELS,
        all_time=all_time_totals(),
        retention_days=current_app.config["RETENTION_DAYS"],
    ), status


@statistics_blueprint.post("/stats/export")
@requires("stats.export")
def export() -> Response | tuple[str, int]:
    form = ExportForm()
    first, last, problem = _range(form.first.data, form.last.data)
    if not form.validate() or problem or form.granularity.data not in GRANULARITIES:
        message = problem or "Choose a valid date range, period and format."
        return render_template("console/error.html", status=400, message=message), 400
    scope = Scope(first, last, form.granularity.data)  # always every channel
    report = _report(scope)
    kind = form.format.data
    body = exports.as_json(report, label) if kind == "json" else exports.as_csv(report, label)
    audit("report_exported", current_user, format=kind, granularity=scope.granularity,
          first=scope.start.isoformat(), last=scope.end.isoformat(),
          tables=len(report.tables))  # fmt: skip
    db.session.commit()
    name = f"sahayatri-aggregates-{scope.start}-{scope.end}-{scope.granularity}.{kind}"
    mimetype = "application/json" if kind == "json" else "text/csv"
    response = Response(body, mimetype=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
