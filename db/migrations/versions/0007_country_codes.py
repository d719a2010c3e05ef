"""countries stored as codes: "Россия" / "俄罗斯" become "RU", "Китай" / "中国" become "CN"

Until now the country buttons stored their label in the participant's language, and a typed
name was stored as typed. A name of Russia or China, in either language and whatever its case
or spacing, becomes the code the bot now stores; any other country stays as it was typed.
The downgrade writes the name back in the row's language.

The names are written out here rather than read from the locales: a migration must do the
same thing whenever it runs, whatever the locales say by then.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables with a country column; both have the language of the person who filled the form.
TABLES = ("registrations", "classes")

CODES_BY_NAME = {
    "россия": "RU",
    "俄罗斯": "RU",
    "китай": "CN",
    "中国": "CN",
}
NAMES_BY_CODE = {
    "RU": {"ru": "Россия", "zh": "俄罗斯"},
    "CN": {"ru": "Китай", "zh": "中国"},
}


def _fold(name: str) -> str:
    # As bot.services.registration.countries.fold_country, in Python: SQLite's lower() folds
    # only ASCII.
    return " ".join(name.split()).casefold()


def _table(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("country", sa.String),
        sa.column("language", sa.String),
    )


def upgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        table = _table(name)
        rows = connection.execute(
            sa.select(table.c.id, table.c.country).where(table.c.country.is_not(None))
        ).all()
        for row_id, country in rows:
            code = CODES_BY_NAME.get(_fold(country))
            if code is not None:
                connection.execute(table.update().where(table.c.id == row_id).values(country=code))


def downgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        table = _table(name)
        for code, names in NAMES_BY_CODE.items():
            for language, country in names.items():
                connection.execute(
                    table.update()
                    .where(table.c.country == code, table.c.language == language)
                    .values(country=country)
                )
            # A language the bot may learn later: the Russian name.
            connection.execute(
                table.update().where(table.c.country == code).values(country=names["ru"])
            )
