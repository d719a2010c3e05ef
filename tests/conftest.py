from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from tests.harness import BotHarness, catalog_of, make_event

# A moment when the sample conference (3 September 2025) is open for registration.
BEFORE_EVENT = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BEFORE_EVENT)


@pytest.fixture
def events() -> list[dict]:
    return [make_event()]


@pytest.fixture
async def harness(
    tmp_path: Path, clock: FrozenClock, events: list[dict]
) -> AsyncIterator[BotHarness]:
    h = BotHarness(tmp_path, clock, catalog_of(*events))
    await h.start()
    try:
        yield h
    finally:
        await h.close()
