"""A consistent copy of a live SQLite database with sqlite3's online backup API: readers and the
running bot keep working, and the copy is never a half-written file (a plain file copy of a
database in WAL mode can be)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("backup copies SQLite databases; for PostgreSQL use pg_dump (see README)")
    return Path(url.database)


def backup_sqlite(database_url: str, target: Path) -> Path:
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"DATABASE_URL: {source} does not exist")
    if target.exists():
        raise BackupError(f"{target} exists already; choose another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target
