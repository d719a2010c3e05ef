"""e-mail as a delivery channel: the ledger's channel, a confirmed address, bounces, muting

What changes:
- `deliveries.channel` ("telegram" or "email"): the ledger keeps one row per (registration,
  message, channel), so a reminder goes once to the chat and once to the address, each claimed
  and recorded by whichever replica sends it. Every existing row was a Telegram delivery.
- `deliveries.attempts` and `deliveries.not_before`: an e-mail the server deferred (4xx, or
  the server away) is queued again for a later try, with the tries counted, without losing
  its place; Telegram rows keep 0 and NULL.
- `registrations.email_confirmed_at`: the address was confirmed through the link e-mailed to
  it (double opt-in). Nothing but the confirmation goes to an address before that. Existing
  addresses were never confirmed, so they stay NULL.
- `registrations.email_bounced_at` / `email_error`: the mail server refused the address for
  good (5xx): it is not written to again until the person gives an address again.
- `registrations.email_muted`: the one-click unsubscribe of an e-mail (RFC 8058) mutes
  reminders and broadcasts by e-mail; the messages with the link, corrections and the
  certificate still come.
- `registrations.deliver_via`: where a person reachable both ways wants messages: "both" (the
  default: Telegram may not get through), "telegram" or "email".
- A registration made on the web while e-mail is on is "pending" until the address is
  confirmed: the partial unique index on (event, address) for registrations without a chat
  now covers pending ones too, so a second form with the same address finds the first.

The downgrade: the old code knows no pending status, so pending registrations are cancelled
(they were never confirmed: the person received nothing), e-mail ledger rows are deleted, and
the columns go.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL_INDEX = "uq_registrations_event_email"
OLD_LEDGER_KEY = "uq_deliveries_registration_kind"
LEDGER_KEY = "uq_deliveries_registration_kind_channel"


def _email_index(statuses: str) -> None:
    where = sa.text(f"status IN ({statuses}) AND user_id IS NULL")
    op.create_index(
        EMAIL_INDEX,
        "registrations",
        ["event_id", "email_key"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="telegram")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(OLD_LEDGER_KEY, type_="unique")
        batch_op.create_unique_constraint(LEDGER_KEY, ["registration_id", "kind", "channel"])
    with op.batch_alter_table("registrations", schema=None) as batch_op:
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
        batch_op.add_column(
            sa.Column("deliver_via", sa.String(length=16), nullable=False, server_default="both")
        )
    op.drop_index(EMAIL_INDEX, table_name="registrations")
    _email_index("'active', 'pending'")


def downgrade() -> None:
    registrations = sa.table(
        "registrations",
        sa.column("status", sa.String),
        sa.column("cancelled_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    deliveries = sa.table("deliveries", sa.column("channel", sa.String))
    connection = op.get_bind()
    connection.execute(
        registrations.update()
        .where(registrations.c.status == "pending")
        .values(status="cancelled", cancelled_at=registrations.c.updated_at)
    )
    connection.execute(deliveries.delete().where(deliveries.c.channel != "telegram"))
    op.drop_index(EMAIL_INDEX, table_name="registrations")
    _email_index("'active'")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("deliver_via")
        batch_op.drop_column("email_muted")
        batch_op.drop_column("email_error")
        batch_op.drop_column("email_bounced_at")
        batch_op.drop_column("email_confirmed_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(LEDGER_KEY, type_="unique")
        batch_op.create_unique_constraint(OLD_LEDGER_KEY, ["registration_id", "kind"])
        batch_op.drop_column("not_before")
        batch_op.drop_column("attempts")
        batch_op.drop_column("channel")
