"""A scheduled job running at shutdown ends on its own before the scheduler shuts down:
APScheduler's shutdown cancels a running coroutine job midway (a reminder reconcile closing its
database session) and logs the CancelledError with a traceback (seen in a process test)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import JobsInFlight


async def test_a_running_job_ends_before_the_scheduler_shuts_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def reconcile() -> None:
        started.set()
        await asyncio.sleep(0.3)  # a database round trip, say
        finished.set()

    jobs = JobsInFlight()
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(jobs.track(reconcile), "date", run_date=datetime.now().astimezone())
    scheduler.start()
    await asyncio.wait_for(started.wait(), 5)

    # What Runtime.on_shutdown does: no new job, the running one ends, then the shutdown.
    scheduler.pause()
    with caplog.at_level(logging.ERROR):
        assert await jobs.drain(5)
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0.05)
    assert finished.is_set()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_drain_says_when_a_job_outlasts_the_wait() -> None:
    release = asyncio.Event()

    async def stuck() -> None:
        await release.wait()

    jobs = JobsInFlight()
    task = asyncio.create_task(jobs.track(stuck)())
    await asyncio.sleep(0)
    assert not await jobs.drain(0.05)
    release.set()
    await task
    assert await jobs.drain(0.05)
