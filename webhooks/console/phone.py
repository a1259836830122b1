"""A counsellor's own phone for the hotline: rung for calls while on duty, and called first
when they press Call back (also here). Stored encrypted like contact addresses; shown masked;
audited."""

from __future__ import annotations

from typing import Any

import phonenumbers
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from webhooks.audit import audit
from webhooks.console.common import holds, mask, viewable
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.services import services
from webhooks.voice.callbacks import CallBackRefused, call_back

phone_blueprint = Blueprint("phone", __name__)


class PhoneForm(FlaskForm):
    number = StringField("Your phone number, with its country code (+977…, +974…)")
    remove = BooleanField("Remove my number")


def e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def current_masked() -> str | None:
    if not current_user.phone_encrypted:
        return None
    try:
        return mask(services().vault.decrypt(current_user.phone_encrypted))
    except ValueError:
        return "•••••••"


@phone_blueprint.route("/phone", methods=["GET", "POST"])
@requires("phone.self")
def page() -> Any:
    form = PhoneForm()
    if not form.is_submitted():
        return render_template("console/phone.html", form=form, masked=current_masked())
    user = current_user._get_current_object()
    if form.remove.data:
        user.phone_encrypted = None
        audit("phone_removed", user)
        db.session.commit()
        flash("Your number is removed: hotline calls will not ring your phone.", "success")
        return redirect(url_for("console.phone.page"), code=303)
    number = e164(form.number.data or "")
    if number is None:
        error = "That is not a phone number. Write it with its country code, e.g. +977 98…"
        return render_template("console/phone.html", form=form, masked=current_masked(),
                               error=error), 400  # fmt: skip
    user.phone_encrypted = services().vault.encrypt(number)
    audit("phone_set", user)
    db.session.commit()
    flash("Saved: while you are on duty, hotline calls ring this phone.", "success")
    return redirect(url_for("console.phone.page"), code=303)


@phone_blueprint.post("/conversations/<public_id>/call-back", endpoint="call_back")
@requires("call.back")
def call_back_view(public_id: str) -> Any:
    """Only the counsellor holding the conversation calls back (the person expects one voice)."""
    conversation, handoff = viewable(public_id)
    if conversation.channel != "voice" or not holds(handoff):
        abort(403, description="Only the counsellor holding a call's conversation can call back.")
    app_services = services()
    try:
        call_back(conversation, current_user._get_current_object(), app_services.caller,
                  app_services.vault)  # fmt: skip
    except CallBackRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Calling your phone now: answer it, and the hotline calls the person.", "success")
    return redirect(url_for("console.conversation.view", public_id=public_id), code=303)
