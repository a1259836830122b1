"""Log-in, log-out and changing one's password (the console's "auth" feature).

The checks themselves (argon2, lockout, session stamps) live in ``webhooks.console.auth``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webhooks.audit import audit
from webhooks.console import auth
from webhooks.console import sessions as console_sessions
from webhooks.extensions import db

auth_blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=auth.MAX_PASSWORD_LENGTH)]
    )
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password (at least 12 characters)")
    confirm_password = PasswordField("New password again")


def safe_next(target: str | None, default: str) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/console"):
            return target
    return default


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), url_for("console.queue.page"))
    form.next.data = next_url
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url)
        return render_template("console/login.html", form=form, error=None)
    if not form.validate():
        error = "Enter your username and password."
        return render_template("console/login.html", form=form, error=error), 400
    result = auth.attempt_login(form.username.data, form.password.data, request.remote_addr)
    if result.user is None:
        page = render_template("console/login.html", form=form, error=result.error)
        if result.retry_after:  # throttled (webhooks/console/throttle.py)
            return page, 429, {"Retry-After": str(result.retry_after)}
        return page, 401
    auth.start_session(result.user)
    if result.user.must_change_password:
        return redirect(url_for(".change_password"))
    return redirect(next_url)


@auth_blueprint.post("/logout")
def logout() -> BaseResponse:
    if current_user.is_authenticated:
        audit("logout", current_user)
    console_sessions.end_current("logout")  # a copied cookie is worth nothing from now on
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for(".login"))


@auth_blueprint.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    forced = current_user.must_change_password
    form = PasswordForm()
    if request.method == "GET":
        return render_template("console/password.html", form=form, forced=forced, error=None)
    error = None
    if not form.validate() or not auth.verify_password(current_user, form.current_password.data):
        error = "Your current password is not right."
    else:
        error = auth.validate_new_password(
            form.new_password.data or "", form.confirm_password.data or "",
            form.current_password.data,
        )  # fmt: skip
    if error:
        audit("password_change_failed", current_user)
        db.session.commit()
        return render_template("console/password.html", form=form, forced=forced,
                               error=error), 400  # fmt: skip
    auth.set_password(current_user, form.new_password.data, must_change=False)
    audit("password_changed", current_user)
    db.session.commit()
    # set_password ended every session of this account; this one starts afresh.
    auth.start_session(current_user._get_current_object())
    flash("Your password has been changed.", "success")
    return redirect(url_for("console.queue.page"))
