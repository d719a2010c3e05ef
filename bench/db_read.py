"""What one read of the database costs the event loop, by the road it takes: the personal page's
read (bench/web.py) as the page makes it, and the same row by leaner roads, on asyncio's loop
and on uvloop, against the same row read by the `sqlite3` module inline as the baseline.

    .venv/bin/python bench/db_read.py [--reads 3000] [--registrations 300]

A SQLite file (WAL) in a temporary directory, migrated and filled with web registrations
through `RegistrationService`; then each road reads the registrations by their tokens' digests
in turn, one read at a time, and the figure is the event loop thread's CPU time per read
(`time.thread_time`; aiosqlite's own thread is not counted, so the figures are lower bounds
of what a read costs the server). No goal: it explains bench/web.py's (see bench/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiosqlite  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.loop import loop_factory  # noqa: E402
from bot.services.events.catalog import EventCatalog, parse_events  # noqa: E402
from bot.services.registration.form import CONSENT_VERSION, Field  # noqa: E402
from bot.services.registration.registrations import (  # noqa: E402
    Channel,
    RegistrationService,
    sync_events,
    token_params,
)
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from web.routes.personal import PAGE_QUERY  # noqa: E402

SLUG = "bench-read"
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
ROW_BY_DIGEST = "SELECT * FROM registrations WHERE access_token_hash = ?"


def catalog() -> EventCatalog:
    starts = NOW + timedelta(days=30)
    return parse_events(
        {
            "events": [
                {
                    "slug": SLUG,
                    "title": {"ru": "Конференция", "zh": "会议"},
                    "description": {"ru": "Описание", "zh": "简介"},
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=3),
                    "format": "online",
                }
            ]
        }
    )


async def fill(path: Path, registrations: int) -> list[str]:
    """The database with `registrations` web registrations; their tokens' digests."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        events, clock = catalog(), FrozenClock(NOW)
        async with factory() as session:
            await sync_events(session, events, clock)
            await session.commit()
        digests = []
        for n in range(registrations):
            answers = {
                Field.FULL_NAME: f"Иванова Мария {n}",
                Field.COUNTRY: "RU",
                Field.CITY: "Москва",
                Field.ORGANIZATION: "Школа № 5",
                Field.ROLE: "teacher",
                Field.WANTS_TO_SPEAK: False,
                Field.EMAIL: f"reader{n}@example.org",
                Field.PHONE: "",
                "consent_at": NOW.isoformat(),
                "consent_version": CONSENT_VERSION,
            }
            async with factory() as session:
                service = RegistrationService(session, events, clock)
                reg = await service.register(SLUG, answers, "ru", channel=Channel.web())
            assert reg.access_token is not None
            params = token_params(reg.access_token)
            assert params is not None
            digests.append(str(params["token_hash"]))
        return digests
    finally:
        await engine.dispose()


Read = Callable[[str], Awaitable[object]]


async def per_read(reads: int, digests: list[str], read: Read) -> float:
    """The loop thread's CPU time per read, in ms, after a warm-up."""
    for digest in digests[:50]:
        assert await read(digest) is not None
    began = time.thread_time()
    for n in range(reads):
        found = await read(digests[n % len(digests)])
        if found is None:
            raise RuntimeError("a registration was not found")
    return (time.thread_time() - began) / reads * 1000


async def roads(path: Path, digests: list[str], reads: int) -> list[tuple[str, float]]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    factory = create_session_factory(engine)
    figures = []
    try:

        async def page_read(digest: str) -> object:
            async with factory() as session:
                return (await session.execute(PAGE_QUERY, {"token_hash": digest})).first()

        async def core_read(digest: str) -> object:
            async with engine.connect() as connection:
                query = text(ROW_BY_DIGEST.replace("?", ":digest"))
                return (await connection.execute(query, {"digest": digest})).first()

        figures.append(("the personal page's read (AsyncSession, ORM, joins)", page_read))
        figures.append(("one row, SQLAlchemy Core (AsyncConnection)", core_read))
        measured = [(label, await per_read(reads, digests, read)) for label, read in figures]
    finally:
        await engine.dispose()
    async with aiosqlite.connect(path) as db:

        async def aiosqlite_read(digest: str) -> object:
            async with db.execute(ROW_BY_DIGEST, (digest,)) as cursor:
                return await cursor.fetchone()

        measured.append(
            ("one row, aiosqlite alone", await per_read(reads, digests, aiosqlite_read))
        )
    return measured


def inline(path: Path, digests: list[str], reads: int) -> float:
    db = sqlite3.connect(path)
    try:
        began = time.thread_time()
        for n in range(reads):
            if db.execute(ROW_BY_DIGEST, (digests[n % len(digests)],)).fetchone() is None:
                raise RuntimeError("a registration was not found")
        return (time.thread_time() - began) / reads * 1000
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=3000, help="reads per road")
    parser.add_argument("--registrations", type=int, default=300, help="rows to read among")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        path = Path(tmp) / "read.sqlite3"
        digests = asyncio.run(fill(path, args.registrations))
        baseline = inline(path, digests, args.reads)
        print(f"{args.registrations} registrations, {args.reads} reads per road, one at a time")
        print(f"{'event loop CPU per read':<56} {'asyncio':>9} {'uvloop':>9}")
        results: dict[str, list[float]] = {}
        for loop in ("asyncio", "uvloop"):
            with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
                for label, cost in runner.run(roads(path, digests, args.reads)):
                    results.setdefault(label, []).append(cost)
        for label, costs in results.items():
            shown = "".join(f"{c:7.3f} ms" for c in costs)
            ratio = costs[-1] / baseline if baseline else 0.0
            print(f"{label:<56} {shown}  ({ratio:.0f}x the baseline on uvloop)")
        print(f"{'baseline: one row, sqlite3 inline (no event loop)':<56} {baseline:7.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
