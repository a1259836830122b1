"""The gateway's own cost per message: a budget of database statements for a plain turn.

bench/overhead.py measures the time; this guards the work. Every statement is a round trip
(and on SQLite a lock), and a commit expiring everything used to reload each object again.
"""

from __future__ import annotations

from sqlalchemy import event

from webhooks.extensions import db

# find the conversation with its contact, store the inbound message (insert; update the
# conversation), store the replies (insert; update the inbound message): five; one spare.
STATEMENT_BUDGET = 6


def test_a_returning_persons_message_stays_within_the_statement_budget(app, twilio):
    assert twilio.post("hello", sender="+9779800000601").status_code == 200
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "SAVEPOINT")):
            statements.append(statement.split("\n")[0][:80])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert twilio.post("how do i get a labour permit", sender="+9779800000601").status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= STATEMENT_BUDGET, "\n".join(statements)
