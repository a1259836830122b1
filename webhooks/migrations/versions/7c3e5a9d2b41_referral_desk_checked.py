"""referrals: desk-checked, distinct from verified by phone

Revision ID: 7c3e5a9d2b41
Revises: 01ea4412d960
Create Date: 2026-11-28 04:10:00.000000

Adds ``referral_services.desk_checked`` (the date someone checked the entry against a document
or official page without calling). Entries that were marked verified without anyone clicking
"Mark verified" in the console (``verified_by_id`` empty: the seed file or a CSV import, i.e.
"verified because a document says so") become desk-checked on their old ``last_verified``
date and stop reaching people until someone calls them. Downgrade keeps them unverified.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3e5a9d2b41"
down_revision = "01ea4412d960"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk_checked", sa.Date(), nullable=True))
    services = sa.table(
        "referral_services",
        sa.column("verified", sa.Boolean()),
        sa.column("last_verified", sa.Date()),
        sa.column("verified_by_id", sa.Integer()),
        sa.column("desk_checked", sa.Date()),
    )
    op.execute(
        services.update()
        .where(services.c.verified.is_(True), services.c.verified_by_id.is_(None))
        .values(desk_checked=services.c.last_verified, verified=False)
    )


def downgrade():
    with op.batch_alter_table("referral_services", schema=None) as batch_op:
        batch_op.drop_column("desk_checked")
