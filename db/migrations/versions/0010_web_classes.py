"""classes registered on the web page: source, class-page token

A class registered on the web page has no Telegram chat: `teacher_id` (already nullable) stays
NULL, and the teacher reaches the class page `/class/<token>` by an unguessable token of which
only the SHA-256 digest is stored (as the personal page's, migration 0009). The teacher's
e-mail address, a column already, is how the organizers reach them. `source` says where the
class was registered (bot, web); every existing class came from the bot.

The downgrade: the old model reads a class without a teacher as one whose teacher erased their
data (no certificate, nobody to reach), and has no way for the teacher to erase a web class.
Web classes are therefore cancelled and emptied of personal data (the teacher's details, the
pupils), kept as anonymous counts, before the columns go.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = ("teacher_name", "country", "city", "school", "email", "phone")

classes = sa.table(
    "classes",
    sa.column("id", sa.Integer),
    sa.column("teacher_id", sa.BigInteger),
    sa.column("source", sa.String),
    sa.column("status", sa.String),
    sa.column("updated_at", sa.DateTime),
    sa.column("cancelled_at", sa.DateTime),
    *(sa.column(name, sa.String) for name in PERSONAL),
)
students = sa.table("class_students", sa.column("class_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="bot")
        )
        batch_op.add_column(sa.Column("access_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_classes_access_token_hash", ["access_token_hash"])


def downgrade() -> None:
    connection = op.get_bind()
    c = classes
    web = sa.and_(c.c.source == "web", c.c.teacher_id.is_(None))
    web_ids = sa.select(c.c.id).where(web).scalar_subquery()
    connection.execute(students.delete().where(students.c.class_id.in_(web_ids)))
    connection.execute(
        c.update()
        .where(web)
        .values(
            status="cancelled",
            cancelled_at=sa.func.coalesce(c.c.cancelled_at, c.c.updated_at),
            **dict.fromkeys(PERSONAL),
        )
    )
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_classes_access_token_hash", type_="unique")
        batch_op.drop_column("access_token_hash")
        batch_op.drop_column("source")
