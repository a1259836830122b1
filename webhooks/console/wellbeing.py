"""Counsellor wellbeing (/console/wellbeing): danger cases and long conversations this shift.

A counsellor sees her own figures (and, past the NGO's thresholds, a gentle suggestion to
take a break or ask for a debrief, also on her queue); supervisors see everyone's, to know
whom to check in with. The figures are never exported (webhooks/reports/wellbeing.py).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from webhooks.console.permissions import has_permission, requires
from webhooks.reports import wellbeing as figures
from webhooks.services import services

wellbeing_blueprint = Blueprint("wellbeing", __name__)


def my_wellbeing() -> figures.CounsellorWellbeing | None:
    """The current user's figures, for the queue page's prompt (None without the right)."""
    if not has_permission(current_user, "wellbeing.self"):
        return None
    [mine] = figures.wellbeing([current_user], services().schedule.zone)
    return mine


@wellbeing_blueprint.get("/wellbeing")
@requires("wellbeing.self")
def page() -> str:
    everyone = has_permission(current_user, "wellbeing.view_all")
    users = figures.counsellors() if everyone else [current_user]
    rows = figures.wellbeing(users, services().schedule.zone)
    return render_template(
        "console/wellbeing.html",
        rows=rows,
        everyone=everyone,
        limits=figures.Thresholds.from_config(),
        days=list(rows[0].days) if rows else [],
    )
