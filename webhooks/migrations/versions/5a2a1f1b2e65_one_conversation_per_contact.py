"""One conversation per contact, enforced by a unique constraint.

Before this, two first messages arriving together could each create a conversation for the
same contact. Such split conversations are merged first: each contact keeps its newest
conversation (the one later messages went to, and Rasa's tracker continues), and the older
halves' messages, hand-offs, notes, audit events, wrap-ups and follow-ups move onto it.

Revision ID: 5a2a1f1b2e65
Revises: 7c3e5a9d2b41
Create Date: 2026-11-28 03:58:35.927201

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a2a1f1b2e65"
down_revision = "7c3e5a9d2b41"
branch_labels = None
depends_on = None

CHILD_TABLES = ("messages", "handoffs", "notes", "audit_events", "wrapups", "follow_ups")
STATE_RANK = {"bot": 0, "waiting": 1, "with_counsellor": 2}


def merge_split_conversations(connection: sa.engine.Connection) -> None:
    pairs = connection.execute(
        sa.text(
            "SELECT c.id, k.keeper FROM conversations c JOIN (SELECT contact_id, MAX(id) AS "
            "keeper FROM conversations GROUP BY contact_id HAVING COUNT(*) > 1) k "
            "ON k.contact_id = c.contact_id WHERE c.id <> k.keeper ORDER BY c.id"
        )
    ).all()
    for old, keeper in pairs:
        ids = {"old": old, "keeper": keeper}
        for name in CHILD_TABLES:
            table = sa.table(name, sa.column("conversation_id"))
            connection.execute(
                sa.update(table)
                .where(table.c.conversation_id == old)
                .values(conversation_id=keeper)
            )
        rows = connection.execute(
            sa.text(
                "SELECT id, state, last_message_at, last_inbound_at, language, case_id "
                "FROM conversations WHERE id IN (:old, :keeper)"
            ),
            ids,
        ).all()
        kept = next(row for row in rows if row.id == keeper)
        # Someone waiting for a counsellor in the older half is still waiting.
        state = max((row.state for row in rows), key=lambda s: STATE_RANK.get(s, 0))
        last_message = max(row.last_message_at for row in rows)
        inbound = [row.last_inbound_at for row in rows if row.last_inbound_at is not None]
        connection.execute(
            sa.text(
                "UPDATE conversations SET state = :state, last_message_at = :last_message, "
                "last_inbound_at = :last_inbound, language = :language, case_id = :case_id "
                "WHERE id = :keeper"
            ),
            {
                "state": state,
                "last_message": last_message,
                "last_inbound": max(inbound) if inbound else None,
                "language": kept.language or next((r.language for r in rows if r.language), None),
                "case_id": kept.case_id or next((r.case_id for r in rows if r.case_id), None),
                "keeper": keeper,
            },
        )
        connection.execute(sa.text("DELETE FROM conversations WHERE id = :old"), ids)


def upgrade():
    merge_split_conversations(op.get_bind())
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_contact_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_conversations_contact_id"), ["contact_id"])


def downgrade():
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_conversations_contact_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_conversations_contact_id"), ["contact_id"], unique=False
        )
