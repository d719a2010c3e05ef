from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.backup import BackupError, backup_sqlite
from tests.flows import register
from tests.harness import BotHarness


async def test_backup_of_a_live_database(harness: BotHarness, tmp_path: Path) -> None:
    await register(harness.user(1))
    copy = backup_sqlite(harness.settings.database_url, tmp_path / "copy.sqlite3")
    with sqlite3.connect(copy) as db:
        assert db.execute("select full_name from registrations").fetchall() == [
            ("Иванов Иван Иванович",)
        ]
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    with pytest.raises(BackupError, match="exists already"):
        backup_sqlite(harness.settings.database_url, copy)


def test_backup_refuses_postgres() -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://u@h/db", Path("x"))
