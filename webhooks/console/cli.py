"""``flask users``: the first supervisor, new accounts and password resets from a terminal.

A one-time password is printed once and never stored in clear; the account must change it
at its first log-in.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.console.auth import (
    create_user,
    one_time_password,
    set_password,
    supervisor_exists,
    validate_username,
)
from webhooks.extensions import db
from webhooks.models import Role, User

users_cli = AppGroup("users", help="Console accounts for counsellors and supervisors.")

ROLES = [role.value for role in Role]


def _print_one_time(username: str, password: str) -> None:
    click.echo(f"username: {username}")
    click.echo(f"one-time password: {password}")
    click.echo("It is shown only this once. It must be changed at the first log-in.")


@users_cli.command("bootstrap")
def bootstrap() -> None:
    """Create the first supervisor ('supervisor') if there is no supervisor yet."""
    if supervisor_exists():
        click.echo("A supervisor account already exists: nothing to do.")
        return
    if db.session.scalar(select(User).filter_by(username="supervisor")) is not None:
        raise click.ClickException(
            "an account named 'supervisor' exists but is not a supervisor; "
            "use `flask users create NAME --role supervisor`"
        )
    user, password = create_user("supervisor", Role.SUPERVISOR.value)
    audit("user_created", None, user_id=user.id, role=user.role, via="cli_bootstrap")
    db.session.commit()
    _print_one_time(user.username, password)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default=Role.COUNSELLOR.value,
              show_default=True)  # fmt: skip
def create(username: str, role: str) -> None:
    """Create an account with a one-time password."""
    username = username.strip().lower()
    problem = validate_username(username)
    if problem:
        raise click.ClickException(problem)
    if db.session.scalar(select(User).filter_by(username=username)) is not None:
        raise click.ClickException(f"an account named {username!r} already exists")
    user, password = create_user(username, role)
    audit("user_created", None, user_id=user.id, role=role, via="cli")
    db.session.commit()
    _print_one_time(user.username, password)


@users_cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Give an account a new one-time password (and unlock it)."""
    user = db.session.scalar(select(User).filter_by(username=username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    password = one_time_password()
    set_password(user, password, must_change=True)
    audit("password_reset", None, user_id=user.id, via="cli")
    db.session.commit()
    _print_one_time(user.username, password)
