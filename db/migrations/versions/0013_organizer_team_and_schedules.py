"""organizers added from the chat, Telegram usernames, scheduled broadcasts

What changes (issue 14, "organizers find and fix anything"):
- `organizers`: organizers added with /team besides ADMIN_IDS, with a role: "organizer"
  (everything) or "viewer" (read-only: stats, find, export, audit). Who added them and when;
  every change is also in the audit log.
- `users.username`: the Telegram @username as last seen, so /find finds "@name" and the export
  has a column for it. Existing users get theirs the next time they write.
- `broadcasts.scheduled_at` and `broadcasts.audience_params`: a broadcast can wait for a time
  (status "scheduled", its recipients resolved when it starts) and an audience can carry what
  its name does not say (one registration, an uploaded list, a venue).

The downgrade: scheduled broadcasts that never started are cancelled (the older code would
never start them), and the table and columns go.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organizers",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_organizers")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_username"), ["username"], unique=False)
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("audience_params", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_broadcasts_scheduled_at"), ["scheduled_at"], unique=False
        )


def downgrade() -> None:
    broadcasts = sa.table("broadcasts", sa.column("status", sa.String))
    op.get_bind().execute(
        broadcasts.update().where(broadcasts.c.status == "scheduled").values(status="cancelled")
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_scheduled_at"))
        batch_op.drop_column("audience_params")
        batch_op.drop_column("scheduled_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_username"))
        batch_op.drop_column("username")
    op.drop_table("organizers")
