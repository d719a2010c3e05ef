"""Apply Alembic migrations from inside the running bot (or the `migrate` command).

Alembic costs about 12 MB of memory for the life of the process that imports it
(bench/memory.py). The running bot therefore never imports it: whether the database is up to
date is read from the migration files' `revision` lines and the `alembic_version` table, and
when it is not, the migration runs in a child process (`upgrade_in_child`), which takes its
memory with it when it exits."""

from __future__ import annotations

import ast
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, as env.py leaves it
REVISION_NAMES = ("revision", "down_revision")
# Any number, the same in every replica: the key of the start-up advisory lock.
STARTUP_LOCK = 0x76696374  # "vict"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _revision_lines(path: Path) -> dict[str, object]:
    """`revision` and `down_revision` of one migration file, read as text, not imported."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in REVISION_NAMES and value is not None:
            found[target.id] = ast.literal_eval(value)
    return found


def head_revision() -> str | None:
    """The newest revision of the migration files: the one no other file names as its
    `down_revision`. None when in doubt (a file read differently, several heads): Alembic
    decides then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        lines = _revision_lines(path)
        revision, parent = lines.get("revision"), lines.get("down_revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(parent, str):
            parents.add(parent)
        elif isinstance(parent, tuple | list):  # a merge revision
            parents.update(str(p) for p in parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _is_at_head(connection: Connection) -> bool:
    head = head_revision()
    if head is None or not inspect(connection).has_table(VERSION_TABLE):
        return False
    current = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return list(current) == [head]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        if revision == "head" and await connection.run_sync(_is_at_head):
            return  # nothing to do, and Alembic stays unimported
        await connection.run_sync(_upgrade, revision)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        return await connection.run_sync(_is_at_head)


# The child reads the address from its environment: a password in a command line would be
# visible to every user of the machine (ps).
_CHILD_URL = "VICTORY_MIGRATE_DATABASE_URL"


async def upgrade_in_child(database_url: str) -> None:
    """Migrate to the head in a separate Python process (its output goes to ours)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "db.migrate", env={**os.environ, _CHILD_URL: database_url}
    )
    if await process.wait() != 0:
        raise RuntimeError(f"database migration failed (exit status {process.returncode})")


async def migrate_at_startup(engine: AsyncEngine, database_url: str) -> None:
    """The running bot's migration: nothing when up to date, else a child process (an
    in-memory SQLite database exists only in this process, so it is migrated here)."""
    if await is_up_to_date(engine):
        return
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        await upgrade(engine)
        return
    await upgrade_in_child(database_url)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, revision)


@asynccontextmanager
async def startup_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Replicas starting together migrate and sync the events one after another (PostgreSQL
    advisory lock, released even if the process dies). SQLite: one writer at a time anyway."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            await connection.commit()


async def _migrate_from_environment() -> None:
    from db.engine import create_engine

    engine = create_engine(os.environ[_CHILD_URL])
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_migrate_from_environment())
