"""classes reached by e-mail: the class's address confirmed, bounced and muted, in the same ledger

What changes (issue 14, "classes are reached, whatever chat they use"): a class registered on
the web page (normal in China: WeChat, no Telegram) has no teacher chat and often no group, and
the address its teacher gave is the one way to reach it.
- `classes.email_confirmed_at` / `email_bounced_at` / `email_error` / `email_muted`: as for
  registrations (migration 0011): nothing but the confirmation goes to the address before the
  teacher confirms it through the e-mailed link; a permanent refusal (5xx about the address)
  stops the letters; the one-click unsubscribe mutes reminders and broadcasts by e-mail, never
  the letters with the link, corrections, the new time or the certificates.
- `deliveries.class_id`: the class e-mails are rows of the one delivery ledger, beside the
  registrations' e-mails, rather than a second ledger, so that the mail outbox claims, paces,
  retries, marks bounces and gives back class letters with the same code and in the same queue
  (one SMTP connection, one pace, one daily limit). A row is for a registration or for a class,
  never both (`ck_deliveries_one_recipient`); `registration_id` becomes nullable for that.
  `uq_deliveries_class_kind_channel` keeps one row per (class, message, channel), as the
  registrations' key does (NULLs are distinct on both backends, so neither key constrains the
  other's rows). Class messages in Telegram stay in `group_deliveries` (one per class and kind,
  whichever chat): the e-mail is a second channel beside it, as for registrations.

Existing addresses were never confirmed: they stay NULL, and each active class of an event not
over gets its confirmation letter once e-mail is on.

The downgrade: the class e-mail rows are deleted (the older ledger has no place for them), and
the columns and constraints go.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLASS_KEY = "uq_deliveries_class_kind_channel"
ONE_RECIPIENT = "ck_deliveries_one_recipient"


def upgrade() -> None:
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("email_bounced_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("email_error", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("email_muted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_id", sa.Integer(), nullable=True))
        batch_op.alter_column("registration_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_deliveries_class_id_classes"),
            "classes",
            ["class_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(op.f("ix_deliveries_class_id"), ["class_id"], unique=False)
        batch_op.create_unique_constraint(CLASS_KEY, ["class_id", "kind", "channel"])
        batch_op.create_check_constraint(
            op.f(ONE_RECIPIENT), "(registration_id IS NULL) <> (class_id IS NULL)"
        )


def downgrade() -> None:
    deliveries = sa.table("deliveries", sa.column("class_id", sa.Integer))
    op.get_bind().execute(deliveries.delete().where(deliveries.c.class_id.is_not(None)))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(ONE_RECIPIENT), type_="check")
        batch_op.drop_constraint(CLASS_KEY, type_="unique")
        batch_op.drop_index(op.f("ix_deliveries_class_id"))
        batch_op.drop_constraint(op.f("fk_deliveries_class_id_classes"), type_="foreignkey")
        batch_op.alter_column("registration_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("class_id")
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.drop_column("email_muted")
        batch_op.drop_column("email_error")
        batch_op.drop_column("email_bounced_at")
        batch_op.drop_column("email_confirmed_at")
