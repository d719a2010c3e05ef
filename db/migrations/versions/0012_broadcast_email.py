"""broadcasts by e-mail: the organizer's text and file kept on the broadcast

An organizer's broadcast goes by e-mail too (issue 13): one e-mail row of the delivery ledger
per registration reachable by e-mail (kind `broadcast-<id>`), queued with the broadcast's
Telegram recipients, and built by the mail outbox when it is sent. The letter needs what
copyMessage never needed to store:
- `broadcasts.text_html`: the message's text or caption as Telegram HTML
  (`message.html_text`), turned into the letter's HTML and plain-text parts;
- `broadcasts.file_id`, `file_name`, `file_type`: the photo or document sent with it, as
  Telegram's file id (downloaded through the Bot API when the letter is built: the bytes are
  not stored), the attachment's name and its MIME type.
Existing broadcasts had no e-mail rows: the columns stay NULL.

The downgrade: the older code knows no broadcast letters, so the e-mail rows of broadcasts
are deleted (a queued one would never be sent), and the columns go.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("file_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("file_type", sa.String(length=128), nullable=True))


def downgrade() -> None:
    deliveries = sa.table(
        "deliveries", sa.column("channel", sa.String), sa.column("kind", sa.String)
    )
    op.get_bind().execute(
        deliveries.delete().where(
            deliveries.c.channel == "email", deliveries.c.kind.like("broadcast-%")
        )
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("file_type")
        batch_op.drop_column("file_name")
        batch_op.drop_column("file_id")
        batch_op.drop_column("text_html")
