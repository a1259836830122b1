"""Console accounts: argon2 passwords, throttled log-in, one-time passwords, session checks."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from flask_login import LoginManager, login_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select

from webhooks.audit import audit
from webhooks.console import sessions as console_sessions
from webhooks.console import throttle
from webhooks.extensions import db
from webhooks.http_input import parse_id
from webhooks.models import Role, User, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take about as long.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "console.auth.login"
login_manager.login_message = "Please log in."
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user_number = parse_id(user_id)
    if user_number is None:
        return None
    user = db.session.get(User, user_number)
    if user is None or not user.active:
        return None
    if not console_sessions.check(user):
        return None  # logged out, timed out, or ended by a password change
    return user


def one_time_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


def hash_password(password: str) -> str:
    return hasher.hash(password)


def validate_username(username: str) -> str | None:
    if not USERNAME_PATTERN.match(username):
        return (
            "A username is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return None


def validate_new_password(new: str, confirm: str, current: str | None = None) -> str | None:
    if len(new) < MIN_PASSWORD_LENGTH:
        return f"The new password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if len(new) > MAX_PASSWORD_LENGTH:
        return f"The new password must be at most {MAX_PASSWORD_LENGTH} characters long."
    if new != confirm:
        return "The two new passwords are not the same."
    if current is not None and new == current:
        return "The new password must be different from the current one."
    return None


def verify_password(user: User, password: str) -> bool:
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None
    retry_after: int = 0  # seconds to wait before the next try (throttled)


LOGIN_FAILED = (
    "Wrong username or password. After several failed attempts each new try must wait a "
    "little longer."
)


def attempt_login(username: str, password: str, ip: str | None = None) -> LoginResult:
    """Check the credentials unless throttled; count failures; always takes about as long."""
    started = time.monotonic()
    try:
        return _attempt_login(username.strip().lower()[:64], password, ip)
    finally:
        floor = current_app.config["CONSOLE_LOGIN_MIN_SECONDS"]
        remaining = floor - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)


def _attempt_login(username: str, password: str, ip: str | None) -> LoginResult:
    keys = throttle.keys_for(ip, username)
    wait = throttle.wait_seconds(keys)
    if wait:  # refused before any password is checked: guessing costs the guesser time
        return LoginResult(None, f"Too many failed attempts. Try again in {wait} seconds.", wait)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    now = utcnow()
    if user is None:
        _verify_dummy(password)
        audit("login_failed", reason="unknown_user")
        throttle.record_failure(keys, now)
        return LoginResult(None, LOGIN_FAILED)
    if not verify_password(user, password):
        audit("login_failed", user, reason="bad_password")
        throttle.record_failure(keys, now)
        return LoginResult(None, LOGIN_FAILED)
    if not user.active:
        audit("login_failed", user, reason="inactive")
        db.session.commit()
        return LoginResult(None, "This account has been deactivated. Ask a supervisor.")
    throttle.clear(keys["user"])
    user.last_login_at = now
    audit("login", user)
    db.session.commit()
    return LoginResult(user, None)


def _verify_dummy(password: str) -> None:
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_DUMMY_HASH, password)


def start_session(user: User) -> None:
    session.clear()  # nothing from before the login survives it
    console_sessions.begin(user)
    login_user(user)
    session.permanent = True


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """New password; every session of the account ends (the caller commits)."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    console_sessions.end_all(user, "password")
    throttle.clear(throttle.keys_for(None, user.username)["user"])


def supervisor_exists() -> bool:
    return (
        db.session.scalar(select(User.id).filter_by(role=Role.SUPERVISOR.value).limit(1))
        is not None
    )


def create_user(username: str, role: str) -> tuple[User, str]:
    """A new account with a one-time password it must change at first log-in."""
    password = one_time_password()
    user = User(username=username, role=role, active=True, must_change_password=True)
    user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user, password
