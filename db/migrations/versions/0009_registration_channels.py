"""registrations reachable without Telegram: source, e-mail key, personal-page token, bind code

The model. A registration is the person: it keeps the form answers and the channels the person
can be reached by, a Telegram chat (`user_id`, now optional) and the e-mail address from the
form. A separate "person with channels" table would be one more join in every query for
nothing the issue needs: a web registrant is known by one address per event, a Telegram
registrant by one chat per event, and "Connect Telegram" only fills in `user_id` of the web
registration. E-mail delivery (the next issue) reads `email` of the same row.

What changes:
- `erased_at` alone says "erased". Until now `user_id IS NULL` meant it, which a web
  registration (no chat, not erased) would break. Rows with no user and no `erased_at` (a
  user row deleted by hand: the foreign key set NULL) are marked erased as of their last update.
- `source`: bot, web or miniapp; every existing row came from the bot.
- `email_key`: the address lower-cased and stripped. A registration without a chat is known
  by its address, so among active registrations without a chat it is unique per event (a
  partial unique index, on SQLite and PostgreSQL alike); the service also refuses a web
  registration an address that a chat registered with, and a chat an address that a web
  registration holds. Registrations with a chat may share an address (a family's, a
  teacher's), as they always could: existing rows all have a chat or are erased, so the
  index is built without touching any of them.
- `access_token_hash` (the personal page), `bind_code_hash` and `bind_code_expires_at`
  ("Connect Telegram"): SHA-256 digests only, never the plain values.

The downgrade: the old model reads `user_id IS NULL` as erased, and cannot hold a registration
without a chat. Web registrations not connected to Telegram are therefore erased (kept as
anonymous counts, as the old code would have shown them) before the columns go.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL_INDEX = "uq_registrations_event_email"
PERSONAL = ("full_name", "country", "city", "organization", "talk_topic", "email", "phone")

registrations = sa.table(
    "registrations",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.BigInteger),
    sa.column("event_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
    sa.column("updated_at", sa.DateTime),
    sa.column("erased_at", sa.DateTime),
    *(sa.column(name, sa.String) for name in PERSONAL if name != "email"),
)


def _email_key(email: str) -> str:
    # As bot.services.registration.access.email_key, written out: a migration must do the same
    # thing whenever it runs. Python's lower(), not SQL's: SQLite's folds only ASCII.
    return email.strip().lower()


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="bot")
        )
        batch_op.add_column(sa.Column("email_key", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("access_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("bind_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("bind_code_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            "uq_registrations_access_token_hash", ["access_token_hash"]
        )
        batch_op.create_unique_constraint("uq_registrations_bind_code_hash", ["bind_code_hash"])

    connection = op.get_bind()
    r = registrations
    connection.execute(
        r.update()
        .where(r.c.user_id.is_(None), r.c.erased_at.is_(None))
        .values(erased_at=r.c.updated_at)
    )
    rows = connection.execute(
        sa.select(r.c.id, r.c.email).where(r.c.email.is_not(None), r.c.erased_at.is_(None))
    ).all()
    for row_id, email in rows:
        connection.execute(r.update().where(r.c.id == row_id).values(email_key=_email_key(email)))

    # Registrations without a chat (db.models.Registration explains the index).
    where = sa.text("status = 'active' AND user_id IS NULL")
    op.create_index(
        EMAIL_INDEX,
        "registrations",
        ["event_id", "email_key"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    connection = op.get_bind()
    r = registrations
    connection.execute(
        r.update()
        .where(r.c.user_id.is_(None), r.c.erased_at.is_(None))
        .values(
            status="cancelled",
            erased_at=r.c.updated_at,
            **dict.fromkeys(PERSONAL),
        )
    )
    op.drop_index(EMAIL_INDEX, table_name="registrations")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_registrations_bind_code_hash", type_="unique")
        batch_op.drop_constraint("uq_registrations_access_token_hash", type_="unique")
        batch_op.drop_column("bind_code_expires_at")
        batch_op.drop_column("bind_code_hash")
        batch_op.drop_column("access_token_hash")
        batch_op.drop_column("email_key")
        batch_op.drop_column("source")
