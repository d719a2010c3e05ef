from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from bot.clock import FrozenClock
from db.engine import create_engine
from db.migrate import upgrade
from tests.harness import BotHarness, catalog_of, make_event
from tests.servers import scratch_postgres

# The real browser's fixtures (browser, site, open_phone) for tests/test_browser.py.
pytest_plugins = ["tests.browser"]

# A moment when the sample conference (3 September 2025) is open for registration.
BEFORE_EVENT = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BEFORE_EVENT)


@pytest.fixture
def events() -> list[dict]:
    return [make_event()]


def on_postgres() -> bool:
    return os.environ.get("TEST_DATABASE") == "postgres"


@pytest.fixture
async def database_url() -> AsyncIterator[str | None]:
    """SQLite by default; with TEST_DATABASE=postgres every test gets a fresh, empty
    PostgreSQL database on 127.0.0.1 (the scale path runs the same tests)."""
    if not on_postgres():
        yield None
        return
    async with scratch_postgres() as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_template() -> AsyncIterator[str | None]:
    """On PostgreSQL, a database migrated once per test process: each harness gets a copy
    (CREATE DATABASE ... TEMPLATE) instead of running every migration again."""
    if not on_postgres():
        yield None
        return
    async with scratch_postgres() as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()  # a template must have no connections
        yield make_url(url).database


@pytest.fixture
async def migrated_database_url(postgres_template: str | None) -> AsyncIterator[str | None]:
    """The harness's database: None for SQLite (BotHarness copies its own migrated
    template), else a fresh PostgreSQL copy of the migrated template."""
    if postgres_template is None:
        yield None
        return
    async with scratch_postgres(template=postgres_template) as url:
        yield url


@pytest.fixture
async def harness(
    tmp_path: Path, clock: FrozenClock, events: list[dict], migrated_database_url: str | None
) -> AsyncIterator[BotHarness]:
    h = BotHarness(tmp_path, clock, catalog_of(*events), database_url=migrated_database_url)
    await h.start()
    try:
        yield h
    finally:
        await h.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # With pytest-xdist (scripts/test runs three workers on two cores: the process tests spend
    # most of their time waiting for the clock), the tests that start bot processes and measure
    # real time are meant to go to one worker, one after another.
    # NOTE: pytest 9 made Item.nodeid read-only, and pytest-xdist 3.8 still renames it to
    # "<id>@<group>": the group is ignored for now and these tests spread over the workers
    # (they pass so; measured in the report of the test-speed change).
    for item in items:
        # The browser tests join them: Chromium is a handful of processes, and with one worker
        # for them all the session starts it once.
        if item.module is not None and item.module.__name__.startswith(
            ("tests.test_process", "tests.test_browser")
        ):
            item.add_marker(pytest.mark.xdist_group("processes"))
