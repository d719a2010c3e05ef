from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.clock import FrozenClock
from bot.services.registration.registrations import sync_events
from db.engine import create_engine, create_session_factory
from db.migrate import alembic_config, downgrade, upgrade
from db.models import Base, User
from db.repositories import EventRepository
from tests.harness import catalog_of, make_event


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_migrations_stairway_up_and_down(tmp_path: Path) -> None:
    """Every revision upgrades and downgrades cleanly, one step at a time."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'stairs.sqlite3'}")
    try:
        previous = "base"
        for revision in _revisions():
            await upgrade(engine, revision)
            await downgrade(engine, previous)
            await upgrade(engine, revision)
            previous = revision
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
    finally:
        await engine.dispose()


async def test_models_match_migrations(tmp_path: Path) -> None:
    """A model change without a migration is caught here (autogenerate finds no diff)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'diff.sqlite3'}")
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
        # The partial unique index on addresses is declared in migration 0009 only (see
        # db.models.Registration for why); everything else must match.
        migration_only = {"uq_registrations_event_email"}
        diff = [
            d
            for d in diff
            if not (d[0] == "remove_index" and getattr(d[1], "name", None) in migration_only)
        ]
        assert diff == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'db.sqlite3'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_times_are_aware_utc_and_naive_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'tz.sqlite3'}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    moscow = timezone(timedelta(hours=3))
    try:
        async with factory() as session:
            local = datetime(2025, 9, 3, 10, 0, tzinfo=moscow)
            session.add(
                User(id=1, language="ru", is_reachable=True, created_at=local, updated_at=local)
            )
            await session.commit()
        async with factory() as session:
            user = await session.get(User, 1)
            assert user is not None
            assert user.created_at == datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
            assert user.created_at.utcoffset() == timedelta(0)
        async with factory() as session:
            naive = datetime(2025, 9, 3, 10, 0)
            session.add(
                User(id=2, language="ru", is_reachable=True, created_at=naive, updated_at=naive)
            )
            with pytest.raises(Exception, match="naive datetime"):
                await session.commit()
    finally:
        await engine.dispose()


async def test_events_are_synced_and_never_deleted(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ev.sqlite3'}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    clock = FrozenClock(datetime(2025, 8, 1, tzinfo=UTC))
    try:
        async with factory() as session:
            await sync_events(session, catalog_of(make_event("one"), make_event("two")), clock)
        # "one" left the file, "two" moved: the row for "one" stays, "two" is updated.
        moved = datetime(2025, 10, 1, 7, 0, tzinfo=UTC)
        async with factory() as session:
            await sync_events(session, catalog_of(make_event("two", starts_at=moved)), clock)
        async with factory() as session:
            rows = {r.slug: r for r in await EventRepository(session).all()}
        assert set(rows) == {"one", "two"}
        assert rows["two"].starts_at == moved
        assert rows["two"].config["slug"] == "two"
    finally:
        await engine.dispose()
