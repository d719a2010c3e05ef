"""names as organizers search them: a comparison key next to each name, and indexes for /find

What changes (issue 14, "/find"): `registrations.name_key`, `classes.name_key` (of the
teacher's name) and `class_students.name_key` hold the name folded for comparison: lower case
in every script, ё as е, single spaces, no spaces inside a Chinese name. SQL cannot fold names
so on both backends (SQLite's lower() folds ASCII only; PostgreSQL's depends on the locale), so
the application computes the key whenever it sets a name (db/search_keys.py, kept by
db/models.py) and /find compares keys with LIKE. Existing rows get their keys here.

/find looks for any part of a name ("any part" means LIKE '%...%', which no B-tree can seek),
so it scans; `ix_registrations_find` and `ix_class_students_find` hold every column it compares,
and a scan of such an index reads a fraction of the wide rows (SQLite scans the covering index
instead of the table: half the time, bench/find.py). The other things /find looks up are
indexed already: certificate numbers (unique), Telegram ids (users' primary key,
registrations.user_id, classes.teacher_id). `classes` has a few hundred rows: no index.

The fold is written out here rather than imported: a migration must do the same thing whenever
it runs. It equals db/search_keys.name_key as of this revision (tests/test_admin_find.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the name column its key is of)
NAMES = (
    ("registrations", "full_name"),
    ("classes", "teacher_name"),
    ("class_students", "full_name"),
)
KEY_LENGTH = 255
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SPACE_IN_CHINESE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def fold(name: str | None) -> str | None:
    if name is None:
        return None
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    folded = _SPACE_IN_CHINESE.sub("", " ".join(folded.split()))
    return folded[:KEY_LENGTH] or None


def upgrade() -> None:
    connection = op.get_bind()
    for table_name, column in NAMES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_key", sa.String(length=KEY_LENGTH), nullable=True))
        table = sa.table(
            table_name,
            sa.column("id", sa.Integer),
            sa.column(column, sa.String),
            sa.column("name_key", sa.String),
        )
        rows = connection.execute(
            sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))
        ).all()
        keys = [{"row_id": row_id, "key": fold(name)} for row_id, name in rows]
        if keys:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values(name_key=sa.bindparam("key")),
                keys,
            )
    op.create_index(
        "ix_registrations_find",
        "registrations",
        ["name_key", "email_key", "phone", "user_id", "erased_at"],
        unique=False,
    )
    op.create_index(
        "ix_class_students_find", "class_students", ["name_key", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_class_students_find", table_name="class_students")
    op.drop_index("ix_registrations_find", table_name="registrations")
    for table_name, _ in NAMES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_column("name_key")
