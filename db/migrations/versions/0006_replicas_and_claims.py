"""replicas and work claims (several bot processes on one database)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMED_TABLES = ("deliveries", "group_deliveries", "broadcast_recipients", "certificates")


def upgrade() -> None:
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replicas")),
    )
    with op.batch_alter_table("replicas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replicas_seen_at"), ["seen_at"], unique=False)
    for table in CLAIMED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    for table in CLAIMED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("claimed_by")
    with op.batch_alter_table("replicas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replicas_seen_at"))
    op.drop_table("replicas")
