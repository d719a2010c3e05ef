from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

import bot.i18n
from bot.clock import FrozenClock
from db.engine import create_engine
from db.migrate import upgrade
from tests.harness import BotHarness, catalog_of, make_event
from tests.servers import scratch_postgres

# The real browser's fixtures (browser, site, open_phone) for tests/test_browser.py.
pytest_plugins = ["tests.browser"]

# Each .ftl text parsed once per test process. A dozen test modules build I18n() at import and
# many tests build their own: each parse of every file took about 0.35 s, which came to 6 s of
# every xdist worker's collection. The parse is a function of the text alone, and nothing
# changes the parsed tree (FluentBundle compiles its own objects from it), so sharing it
# between bundles is safe; a changed text is parsed anew.
bot.i18n.parse_ftl = functools.cache(bot.i18n.parse_ftl)

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


# Lanes for pytest-xdist (scripts/test: --dist loadgroup). A lane is one unit of work: one
# worker runs its tests one after another, and the largest lanes are handed out first.
#
# The tests that start `python -m bot` mostly wait for the real clock (a reminder due in 15 s)
# while using little CPU: in two lanes of about equal length (measured with -n 0
# --durations=0; about 110 s and 135 s on an idle 2-core machine) they start at once and run beside
# the rest, which keeps both cores busy. All in one lane they took longer than everything else;
# spread over all the workers, two or three of them at a time sat waiting.
WAITING_LANES = {
    "tests/test_process_reminders.py": "waiting-1",  # 57 s
    "tests/test_process_class_reach.py": "waiting-1",  # 50 s
    "tests/test_process.py": "waiting-2",  # 35 s, five tests
    "tests/test_process_mail.py": "waiting-2",  # 34 s
    "tests/test_process_live.py": "waiting-2",  # 19 s
    "tests/test_process_broadcast.py": "waiting-2",  # 16 s
    "tests/test_process_web.py": "waiting-2",  # 15 s
    "tests/test_process_replicas.py": "waiting-2",  # 15 s (with PostgreSQL and Redis)
}


# The longest tests outside the lanes (about 5 to 15 s each, most of it CPU), handed out first
# so that none of them is left running alone at the end.
FIRST = (
    "tests/test_fuzz.py",
    "tests/test_webhook.py",
    "tests/test_lazy_imports.py",
    "tests/test_settings.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))  # stable: the rest as before


def xdist_lane(nodeid: str) -> str | None:
    """The lane of a test, or None: a test of its own."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/test_browser"):
        # Chromium is a handful of processes: with one worker for all the browser tests the
        # session starts it once.
        return "browser"
    if path in WAITING_LANES:
        return WAITING_LANES[path]
    if path.startswith("tests/test_process"):
        return "waiting-2"  # a new one: balance the lanes above
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadgroup with the lanes above. pytest-xdist 3.8 reads a test's xdist_group from
    a "@group" suffix it adds to the node id, which pytest 9 no longer lets it change, so the
    marks were ignored; here the lane comes from the test's file instead."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class LaneScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_lane(nodeid) or super()._split_scope(nodeid)

    return LaneScheduling(config, log)
