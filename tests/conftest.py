from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
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


@pytest.fixture
async def database_url() -> AsyncIterator[str | None]:
    """SQLite by default; with TEST_DATABASE=postgres every test gets a fresh PostgreSQL
    database on 127.0.0.1 (the scale path runs the same tests)."""
    if os.environ.get("TEST_DATABASE") != "postgres":
        yield None
        return
    async with scratch_postgres() as url:
        yield url


@pytest.fixture
async def harness(
    tmp_path: Path, clock: FrozenClock, events: list[dict], database_url: str | None
) -> AsyncIterator[BotHarness]:
    h = BotHarness(tmp_path, clock, catalog_of(*events), database_url=database_url)
    await h.start()
    try:
        yield h
    finally:
        await h.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # With pytest-xdist (scripts/test runs two workers), the tests that start bot processes
    # and measure real time all go to one worker, one after another: they never compete with
    # each other for the two cores, while the in-process tests run on the other worker.
    for item in items:
        # The browser tests join them: Chromium is a handful of processes, and with one worker
        # for them all the session starts it once.
        if item.module is not None and item.module.__name__.startswith(
            ("tests.test_process", "tests.test_browser")
        ):
            item.add_marker(pytest.mark.xdist_group("processes"))
