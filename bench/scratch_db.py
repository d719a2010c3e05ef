"""The database a benchmark runs on: a SQLite file in a temporary directory (the default, as
deployed) or, with `--db postgres`, a fresh PostgreSQL database on 127.0.0.1:5432 (trust auth,
user postgres, administrative database `test`, as tests/conftest.py uses), created for the run
and dropped after it, also when the run fails or is interrupted with Ctrl-C. Shared by
bench/registration.py, bench/reminder_wave.py and bench/broadcast.py.

    add_db_option(parser)
    ...
    with scratch_database(args.db, "bench_reminders") as db:
        ...db.url (SQLAlchemy URL), db.tmp (a temporary directory), db.label, db.description...

When the server does not answer, a one-line reason goes to stderr and the process exits with
status UNAVAILABLE (3), before anything is run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

BACKENDS = ("sqlite", "postgres")
PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
PG_ADMIN_DATABASE = "test"
CONNECT_TIMEOUT = 5.0  # seconds; a server that does not answer in this time counts as down
UNAVAILABLE = 3  # exit status when PostgreSQL is asked for and does not answer


@dataclass(frozen=True)
class Scratch:
    backend: str  # "sqlite" or "postgres"
    url: str  # for db.engine.create_engine
    tmp: Path  # a temporary directory for the run, removed afterwards
    label: str  # "SQLite" or "PostgreSQL", for the figures' headings
    description: str  # one line for the header of the output


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        choices=BACKENDS,
        default="sqlite",
        help="database back end: a SQLite file in a temporary directory (default) or a fresh "
        f"PostgreSQL database on {PG_HOST}:{PG_PORT}, dropped afterwards",
    )


class _Unreachable(Exception):
    pass


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user=PG_USER,
            database=PG_ADMIN_DATABASE,
            timeout=CONNECT_TIMEOUT,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "no answer"
        raise _Unreachable(f"{type(exc).__name__}: {reason}") from exc


async def _create(name: str) -> str:
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        return str(await admin.fetchval("SHOW server_version")).split()[0]
    finally:
        await admin.close()


async def _drop(name: str) -> None:
    admin = await _admin()
    try:
        # FORCE: connections a failed or interrupted run left open are terminated.
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.contextmanager
def scratch_database(backend: str, prefix: str) -> Iterator[Scratch]:
    """The run's database for the duration of the block. Call it outside asyncio.run(): the
    PostgreSQL database is created and dropped in event loops of their own, so that it is
    dropped even when the benchmark's loop ends with an exception or KeyboardInterrupt."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix.replace('_', '-')}-") as tmp:
        if backend == "sqlite":
            path = Path(tmp) / "bot.sqlite3"
            yield Scratch(
                backend,
                f"sqlite+aiosqlite:///{path}",
                Path(tmp),
                "SQLite",
                "database: SQLite (aiosqlite, WAL) in a temporary directory",
            )
            return
        if backend != "postgres":
            raise ValueError(f"unknown back end {backend!r}; expected one of {BACKENDS}")
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        try:
            version = asyncio.run(_create(name))
        except _Unreachable as exc:
            print(
                f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}, database "
                f"{PG_ADMIN_DATABASE}) did not answer: {exc}",
                file=sys.stderr,
            )
            raise SystemExit(UNAVAILABLE) from None
        except BaseException:  # e.g. Ctrl-C right after CREATE DATABASE
            _drop_quietly(name)
            raise
        try:
            yield Scratch(
                backend,
                f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}",
                Path(tmp),
                "PostgreSQL",
                f"database: PostgreSQL {version} at {PG_HOST}:{PG_PORT} (asyncpg), scratch "
                f"database {name}, dropped afterwards",
            )
        finally:
            _drop_quietly(name)


def _drop_quietly(name: str) -> None:
    """Drop the scratch database; if that fails, say so (with the name, to drop it by hand)
    without hiding the exception the run may be ending with."""
    try:
        asyncio.run(_drop(name))
    except Exception as exc:
        print(
            f"could not drop the scratch database {name} on {PG_HOST}:{PG_PORT}: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
