"""Accounts (supervisors) and one's own duty status (everyone).

Each account action is its own route with its own small form; a one-time password is shown
once in the response, never flashed (the session cookie is signed, not encrypted).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from webhooks.audit import audit
from webhooks.console import auth, throttle
from webhooks.console import sessions as console_sessions
from webhooks.console.login import safe_next
from webhooks.console.permissions import requires
from webhooks.extensions import db
from webhooks.models import Handoff, HandoffStatus, Role, User, utcnow

accounts_blueprint = Blueprint("accounts", __name__)

ROLES = [(role.value, role.value) for role in Role]


def _username_rule(_form: Any, field: Any) -> None:
    field.data = (field.data or "").strip().lower()
    problem = auth.validate_username(field.data)
    if problem:
        raise ValidationError(problem)
    if db.session.scalar(select(User).filter_by(username=field.data)):
        raise ValidationError("An account with that username already exists.")


class NewUserForm(FlaskForm):
    username = StringField("Username", validators=[_username_rule])
    role = SelectField("Role", choices=ROLES, validators=[DataRequired("Choose a role.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLES, validate_choice=False)


class ActionForm(FlaskForm):
    """An account action: the CSRF token is the only field."""


def _users_page(status: int = 200, error: str | None = None, **extra: Any) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.role.desc(), User.username)).all()
    page = render_template(
        "console/users.html",
        users=users,
        roles=[role.value for role in Role],
        now=utcnow(),
        slowed=throttle.slowed_usernames(),
        error=error,
        new_form=extra.pop("new_form", None) or NewUserForm(formdata=None),
        action_form=ActionForm(),
        **extra,
    )
    return page, status


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="There is no such account.")
    return user


def _updated(user: User) -> BaseResponse:
    db.session.commit()
    flash(f"Account {user.username} updated.", "success")
    return redirect(url_for(".users"), code=303)


@accounts_blueprint.get("/users")
@requires("users.manage")
def users() -> tuple[str, int]:
    return _users_page()


@accounts_blueprint.post("/users")
@requires("users.manage")
def create_user() -> tuple[str, int]:
    form = NewUserForm()
    if not form.validate():
        problem = next(iter(form.username.errors or form.role.errors), "Not valid.")
        return _users_page(400, problem, new_form=form)
    user, password = auth.create_user(form.username.data, form.role.data)
    audit("user_created", current_user, user_id=user.id, role=user.role)
    db.session.commit()
    return _users_page(201, one_time=(user.username, password))


@accounts_blueprint.post("/users/<int:user_id>/deactivate")
@requires("users.manage")
def deactivate(user_id: int) -> Any:
    user = _user(user_id)
    if user.id == current_user.id:
        return _users_page(400, "You cannot deactivate your own account.")
    held = db.session.scalar(
        select(func.count(Handoff.id)).filter_by(
            counsellor_id=user.id, status=HandoffStatus.ACTIVE.value
        )
    )
    if held:
        return _users_page(
            409, f"{user.username} still holds {held} conversation(s): transfer them first."
        )
    user.active = False
    user.on_duty = False
    console_sessions.end_all(user, "deactivated")
    audit("user_deactivated", current_user, user_id=user.id)
    return _updated(user)


@accounts_blueprint.post("/users/<int:user_id>/activate")
@requires("users.manage")
def activate(user_id: int) -> Any:
    user = _user(user_id)
    user.active = True
    audit("user_activated", current_user, user_id=user.id)
    return _updated(user)


@accounts_blueprint.post("/users/<int:user_id>/role")
@requires("users.manage")
def set_role(user_id: int) -> Any:
    user = _user(user_id)
    form = RoleForm()
    if form.role.data not in {r.value for r in Role}:
        return _users_page(400, "Choose a role.")
    if user.id == current_user.id and form.role.data != user.role:
        return _users_page(400, "You cannot change your own role.")
    user.role = form.role.data
    audit("user_role_changed", current_user, user_id=user.id, role=user.role)
    return _updated(user)


@accounts_blueprint.post("/users/<int:user_id>/reset-password")
@requires("users.manage")
def reset_password(user_id: int) -> tuple[str, int]:
    user = _user(user_id)
    password = auth.one_time_password()
    auth.set_password(user, password, must_change=True)
    audit("password_reset", current_user, user_id=user.id)
    db.session.commit()
    return _users_page(200, one_time=(user.username, password))


@accounts_blueprint.post("/users/<int:user_id>/unlock")
@requires("users.manage")
def unlock(user_id: int) -> Any:
    user = _user(user_id)
    throttle.clear(throttle.keys_for(None, user.username)["user"])
    audit("user_unlocked", current_user, user_id=user.id)
    return _updated(user)


def _set_duty(user: User, on_duty: bool) -> None:
    user.on_duty = on_duty
    audit("duty_changed", current_user, user_id=user.id, on_duty=on_duty)


@accounts_blueprint.post("/users/<int:user_id>/duty/<any(on, off):state>")
@requires("duty.manage")
def set_duty(user_id: int, state: str) -> Any:
    user = _user(user_id)
    if state == "on" and not user.active:
        return _users_page(400, "An inactive account cannot be on duty.")
    _set_duty(user, state == "on")
    return _updated(user)


@accounts_blueprint.post("/duty/<any(on, off):state>")
@requires("duty.self")
def my_duty(state: str) -> BaseResponse:
    """A counsellor sets herself on or off duty (new hand-offs count on who is on duty)."""
    if ActionForm().validate_on_submit():
        _set_duty(current_user, state == "on")
        db.session.commit()
        flash("You are now on duty." if state == "on" else "You are now off duty.", "success")
    back = safe_next(request.form.get("next"), url_for("console.queue.page"))
    return redirect(back, code=303)
