"""Claiming rows for work in a way that holds with several processes on one database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql


async def insert_new(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    returning: str,
) -> list[Any]:
    """Insert the rows whose `conflict` key is not taken yet; return `returning` of those
    inserted. Two processes inserting the same key: exactly one gets it back, the other
    waits for the first transaction (PostgreSQL) or for the write lock (SQLite)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"claims on {dialect}: the bot supports SQLite and PostgreSQL")
    base: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        # Imported only here (a PostgreSQL engine has loaded it already): 2 MB of memory that
        # a bot on SQLite need not hold.
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        base = postgresql_insert(table)
    else:
        base = sqlite.insert(table)
    statement = (
        base.values(list(rows))
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(table.c[returning])
    )
    return list((await session.execute(statement)).scalars().all())


def affected(result: object) -> int:
    """Rows an UPDATE or DELETE touched (the typed Result does not declare rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)
