"""The wrap-up form built from its definition (data/wrapup_form.yml): a Flask-WTF form class
per definition, the answers it stores (option keys under field keys), and how a stored record
reads in the console. No routes here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from webhooks.cases.form_definition import FieldDefinition, FormDefinition, load_form_definition
from webhooks.extensions import db
from webhooks.models import WrapUp, utcnow
from webhooks.referrals.geo import gazetteer
from webhooks.referrals.models import ReferralService, Status
from webhooks.services import services

EXTENSION_KEY = "sahayatri.wrapup_form"
NEPAL = "NP"
TASK_SUFFIX, DUE_SUFFIX = "_task", "_due"
MAX_TASK_CHARS = 300


def init_wrapup_form(app: Any) -> FormDefinition:
    """Load and check the definition at start-up: a broken file stops the app with its problems."""
    definition = load_form_definition(app.config["WRAPUP_FORM"])
    app.extensions[EXTENSION_KEY] = definition
    return definition


def form_definition() -> FormDefinition:
    return current_app.extensions[EXTENSION_KEY]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def country_choices() -> list[tuple[str, str]]:
    countries = sorted(gazetteer().countries.values(), key=lambda c: c.name_en)
    return [(NEPAL, "Nepal")] + [(c.code, c.name_en) for c in countries]


def referral_choices() -> list[tuple[int, str]]:
    services = db.session.scalars(
        select(ReferralService)
        .where(ReferralService.status == Status.ACTIVE.value)
        .order_by(ReferralService.name_en)
    )
    return [(s.id, s.name_en + ("" if s.verified else " (unverified)")) for s in services]


class WrapUpFormBase(FlaskForm):
    """Fields every close has: what the page showed, and whether to tell the person."""

    seen_up_to = IntegerField(validators=[InputRequired("Reload the page and close again.")])
    tell_person = BooleanField("Tell her the chat is closed, with her case code", default=True)
    # Shown only where the survey is on (SURVEY_CHANNELS) and she is safe to contact.
    ask_survey = BooleanField('Then ask "Did this help? 1 yes 2 a little 3 no"', default=True)


def _not_in_the_past(_form: Any, field: Field) -> None:
    today = utcnow().astimezone(services().schedule.zone).date()  # the desk's calendar
    if field.data is not None and field.data < today:
        raise ValidationError("The due date is in the past.")


def _fields_for(item: FieldDefinition) -> dict[str, Field]:
    required = [InputRequired(f"{item.label}: please answer.")] if item.required else [Optional()]
    kind = item.type
    if kind == "choice":
        choices = [("", "choose…")] + [(o.key, o.label) for o in item.options]
        return {item.key: SelectField(item.label, choices=choices, validators=required)}
    if kind == "multi_choice":
        choices = [(o.key, o.label) for o in item.options]
        return {item.key: CheckboxesField(item.label, choices=choices, validators=required)}
    if kind == "text":
        limit = Length(
            max=item.max_length, message=f"{item.label}: at most {item.max_length} characters."
        )
        return {item.key: StringField(item.label, validators=[*required, limit])}
    if kind == "country":
        return {item.key: SelectField(item.label, choices=[], validators=required)}
    if kind == "referrals":
        return {item.key: CheckboxesField(item.label, coerce=int, choices=[], validators=required)}
    # follow_up: a task and its due date, both or neither
    return {
        item.key + TASK_SUFFIX: StringField(
            "Task", validators=[Optional(), Length(max=MAX_TASK_CHARS)]
        ),
        item.key + DUE_SUFFIX: DateField("Due", validators=[Optional(), _not_in_the_past]),
    }


def form_class(definition: FormDefinition) -> type[WrapUpFormBase]:
    attributes: dict[str, Any] = {}
    for item in definition.fields:
        attributes.update(_fields_for(item))
    return type("WrapUpForm", (WrapUpFormBase,), attributes)


def wrapup_form(**kwargs: Any) -> WrapUpFormBase:
    """A wrap-up form for this request, its choice lists filled from the data."""
    definition = form_definition()
    form = form_class(definition)(**kwargs)
    for item in definition.fields:
        if item.type == "country":
            form[item.key].choices = [("", "choose…"), *country_choices()]
        elif item.type == "referrals":
            form[item.key].choices = referral_choices()
    return form


def validate_follow_ups(form: WrapUpFormBase) -> bool:
    ok = True
    for item in form_definition().fields:
        if item.type != "follow_up":
            continue
        task, due = form[item.key + TASK_SUFFIX], form[item.key + DUE_SUFFIX]
        if bool((task.data or "").strip()) != bool(due.data):
            due.errors = [*due.errors, "A follow-up needs both a task and a due date."]
            ok = False
    return ok


def answers_from(form: WrapUpFormBase) -> tuple[dict[str, Any], tuple[str, date] | None]:
    """What a record stores: {field key: option key(s) / text / ids}, and the follow-up."""
    answers: dict[str, Any] = {}
    follow_up = None
    for item in form_definition().fields:
        if item.type == "follow_up":
            task = (form[item.key + TASK_SUFFIX].data or "").strip()
            due = form[item.key + DUE_SUFFIX].data
            if task and due:
                answers[item.key] = {"task": task, "due_on": due.isoformat()}
                follow_up = (task, due)
            continue
        value = form[item.key].data
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            answers[item.key] = value
    return answers, follow_up


def describe(wrapup: WrapUp, services: dict[int, str]) -> list[tuple[str, str]]:
    """A stored record as (label, words) pairs, in the order of today's definition."""
    definition = form_definition()
    countries = dict(country_choices())
    out = []
    for item in definition.fields:
        value = wrapup.answers.get(item.key)
        if value in (None, "", []):
            continue
        if item.type == "choice":
            text = item.label_of(str(value))
        elif item.type == "multi_choice":
            text = ", ".join(item.label_of(str(v)) for v in value)
        elif item.type == "country":
            text = countries.get(str(value), str(value))
        elif item.type == "referrals":
            text = ", ".join(services.get(int(v), f"entry {v}") for v in value)
        elif item.type == "follow_up" and isinstance(value, dict):
            text = f"{value.get('task', '')} (due {value.get('due_on', '?')})"
        else:
            text = str(value)
        out.append((item.label, text))
    return out


def referral_names(wrapups: list[WrapUp]) -> dict[int, str]:
    keys = [f.key for f in form_definition().fields if f.type == "referrals"]
    ids = {int(v) for w in wrapups for k in keys for v in (w.answers.get(k) or [])}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ReferralService.id, ReferralService.name_en).where(ReferralService.id.in_(ids))
    )
    return dict(rows.all())
