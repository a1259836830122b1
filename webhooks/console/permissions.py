"""Who may do what in the console: permissions as data, denied unless listed.

A view names the permission it needs with ``@requires("name")``. A role without that
permission, an unknown role, or a permission no role has (a typo) all get 403.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

log = logging.getLogger(__name__)

_COUNSELLOR = frozenset(
    {
        "queue.view",
        "conversation.view",  # waiting hand-offs and the counsellor's own conversations
        "handoff.claim",
        "conversation.reply",  # only in a conversation the counsellor holds
        "note.add",
        "handoff.transfer",  # hand one's own conversation to a colleague
        "handoff.close",  # close one's own conversation
        "referrals.view",  # the directory, unverified entries flagged
        "queue.preview",  # a line of the person's latest message in the queue
        "duty.self",  # set oneself on or off duty
        "cases.search",  # search within what the counsellor may read
        "conversations.closed",  # the conversations one closed
        "wellbeing.self",  # one's own danger cases and long conversations this shift
        "contact.mark_unsafe",  # mark a conversation one may read unsafe to contact (or safe)
        "recording.listen",  # play a voice note in a conversation one may read (audited)
        "phone.self",  # one's own phone for hotline calls (stored encrypted)
        "call.back",  # call a caller back from a conversation one holds (number masked)
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "counsellor": _COUNSELLOR,
    "supervisor": _COUNSELLOR
    | {
        "conversation.view_any",
        "conversations.view_all",
        "handoff.transfer_any",
        "handoff.close_any",
        "contact.reveal",
        "queue.breaches",
        "users.manage",
        "duty.manage",
        "audit.view",
        "referrals.manage",  # add, edit, verify, retire, import
        "stats.view",
        "stats.export",  # anonymised aggregates (CSV, JSON), audited
        "wellbeing.view_all",  # every counsellor's load this shift
        "conversation.erase",  # delete a person's messages on their request
        "contact.block",  # stop an abusive contact's messages reaching anyone (reversible)
        "followups.view_all",  # everyone's follow-ups, not only one's own
    },
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def has_permission(user: Any, permission: str) -> bool:
    if permission not in ALL_PERMISSIONS:
        log.warning("permission %r is not granted to any role: denied", permission)
        return False
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def requires(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log-in required, then 403 unless the user's role grants ``permission``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(current_user, permission):
                abort(403, description="You are not allowed to do this.")
            return view(*args, **kwargs)

        return login_required(checked)

    return decorate
