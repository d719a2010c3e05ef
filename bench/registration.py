"""How many registration-form updates per second the bot handles, and how long each step takes.

N simulated users fill in the whole form at the same time (each user's steps in order), fed
straight into the real dispatcher (bot.factory.create_dispatcher, via tests.harness.BotHarness)
with a real database (a SQLite file; with --db postgres a fresh PostgreSQL database on
127.0.0.1:5432, dropped afterwards) and a recording Bot session instead of Telegram. Then a
bare aiogram Dispatcher with one echo handler is fed the same number of updates the same way:
the ceiling that aiogram itself allows on this machine.

    .venv/bin/python bench/registration.py [--users N] [--db sqlite|postgres]

See bench/README.md for what the figures mean."""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.types import Message, Update  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bench.scratch_db import Scratch, add_db_option, scratch_database  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from db.models import Registration, RegistrationStatus  # noqa: E402
from tests.harness import BOT_USER, BotHarness, catalog_of, make_event  # noqa: E402

# The sample event of tests/harness.make_event (3 September 2025) is open at this moment.
NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
SLUG = "victory-2025"
FIRST_USER_ID = 100_000
WARM_UP_USER_ID = 99_999
SOLO_FIRST_USER_ID = 50_000
SOLO_USERS = 20

# One user's walk through the form: (step name, kind, payload). Every step gets a reply.
FORM: tuple[tuple[str, str, str], ...] = (
    ("/start", "text", "/start"),
    ("register", "tap", f"reg:{SLUG}"),
    ("full_name", "text", "Иванов Иван Иванович"),
    ("country", "tap", "ch:country:RU"),
    ("city", "text", "Москва"),
    ("organization", "text", "Школа № 1"),
    ("role", "tap", "ch:role:teacher"),
    ("participation_format", "tap", "ch:participation_format:online"),
    ("wants_to_speak", "tap", "ch:wants_to_speak:no"),
    ("email", "text", "ivanov@example.com"),
    ("phone", "text", "Пропустить"),
    ("consent", "tap", "cons:1"),
    ("confirm", "tap", "sum:confirm"),
)


@dataclass
class Run:
    name: str
    updates: int = 0
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


class Updates:
    """Update objects as polling would produce them: parsed from JSON and bound to the bot
    (an unbound Update costs feed_update a JSON round trip, which polling never pays)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Иван", "language_code": "ru"}

    def _chat(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": "Иван"}

    def _build(self, **content: Any) -> Update:
        raw = {"update_id": next(self._update_ids), **content}
        return Update.model_validate(raw, context={"bot": self.bot})

    def text(self, user_id: int, text: str) -> Update:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(NOW.timestamp()),
            "chat": self._chat(user_id),
            "from": self._user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return self._build(message=message)

    def tap(self, user_id: int, data: str) -> Update:
        # The message the button was on, as Telegram includes it in the callback query.
        message = {
            "message_id": next(self._message_ids),
            "date": int(NOW.timestamp()),
            "chat": self._chat(user_id),
            "from": BOT_USER.model_dump(exclude_none=True),
            "text": "Вопрос анкеты",
        }
        return self._build(
            callback_query={
                "id": str(next(self._message_ids)),
                "from": self._user(user_id),
                "chat_instance": str(user_id),
                "data": data,
                "message": message,
            }
        )

    def form(self, user_id: int) -> list[tuple[str, Update]]:
        out = []
        for step, kind, payload in FORM:
            update = self.text(user_id, payload) if kind == "text" else self.tap(user_id, payload)
            out.append((step, update))
        return out

    def echo(self, user_id: int, count: int) -> list[tuple[str, Update]]:
        return [("echo", self.text(user_id, f"Сообщение {i}")) for i in range(count)]


async def walk(dp: Dispatcher, bot: Bot, steps: Sequence[tuple[str, Update]], run: Run) -> None:
    """One user's updates in order, each fed once the previous one is handled."""
    for step, update in steps:
        started = time.perf_counter()
        await dp.feed_update(bot, update)
        run.latencies[step].append(time.perf_counter() - started)


async def drive(
    dp: Dispatcher, bot: Bot, users: Sequence[Sequence[tuple[str, Update]]], name: str
) -> Run:
    run = Run(name, updates=sum(len(u) for u in users))
    gc.collect()
    started = time.perf_counter()
    await asyncio.gather(*(walk(dp, bot, steps, run) for steps in users))
    run.seconds = time.perf_counter() - started
    return run


def echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def registrations_in(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.status == RegistrationStatus.ACTIVE,
                Registration.user_id >= FIRST_USER_ID,
            )
        )
    return int(count or 0)


async def bench(users: int, db: Scratch) -> tuple[Run, Run, Run]:
    harness = BotHarness(
        db.tmp, FrozenClock(NOW), catalog_of(make_event(SLUG)), database_url=db.url
    )
    await harness.start()
    try:
        make = Updates(harness.bot)
        # Warm-up: first use compiles SQL, Fluent messages, pydantic validators. It also
        # tells how many Bot API requests one clean walk through the form makes.
        await drive(harness.dp, harness.bot, [make.form(WARM_UP_USER_ID)], "warm-up")
        per_walk = len(harness.session.sent)
        harness.session.sent.clear()

        walks = [make.form(FIRST_USER_ID + i) for i in range(users)]
        form = await drive(harness.dp, harness.bot, walks, "registration form")
        requests = len(harness.session.sent)
        saved = await registrations_in(harness.session_factory)
        if saved != users or requests != users * per_walk:
            # An error reply, a lost update or a refused save: the figures would lie.
            raise SystemExit(
                f"the form run went wrong: {saved} of {users} registrations saved, "
                f"{requests} Bot API requests instead of {users * per_walk}"
            )

        # The same steps with nobody else around: the work per step, without queueing.
        solo = Run("one user at a time")
        for i in range(min(users, SOLO_USERS)):
            await walk(harness.dp, harness.bot, make.form(SOLO_FIRST_USER_ID + i), solo)

        # The ceiling: bare aiogram, one echo handler, the same session and load shape.
        echo = echo_dispatcher()
        per_user = len(FORM)
        await drive(echo, harness.bot, [make.echo(WARM_UP_USER_ID, per_user)], "warm-up")
        harness.session.sent.clear()
        echo_walks = [make.echo(FIRST_USER_ID + i, per_user) for i in range(users)]
        ceiling = await drive(echo, harness.bot, echo_walks, "bare aiogram echo")
    finally:
        await harness.close()
    print(f"Bot API requests per walk through the form: {per_walk}", end=" ")
    print(f"({per_walk / len(FORM):.1f} per update)")
    return form, solo, ceiling


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[98]


def rows(run: Run, solo: Run) -> Iterator[str]:
    for step, _kind, _payload in FORM:
        values = run.latencies.get(step)
        if values:
            p50, p99 = percentiles(values)
            alone, _ = percentiles(solo.latencies.get(step, []))
            yield (
                f"  {step:<22} {len(values):>7} {ms(alone)} {ms(p50)} {ms(p99)} {ms(max(values))}"
            )


def report(users: int, form: Run, solo: Run, ceiling: Run, db: Scratch) -> None:
    print(
        f"\n{users} users, {len(FORM)} updates each, fed concurrently "
        f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n{db.description}"
    )
    print(f"\nregistration form, real dispatcher and {db.label}; latency of each step in ms:")
    print(
        f"  {'step':<22} {'updates':>7} {'alone':>8} {'p50':>8} {'p99':>8} {'max':>8}"
        f"\n  {'':<22} {'':>7} {'p50':>8} {'loaded':>8} {'loaded':>8} {'loaded':>8}"
    )
    for line in rows(form, solo):
        print(line)
    print()
    for run in (form, ceiling):
        p50, p99 = percentiles(run.all_latencies())
        print(
            f"{run.name:<18} {run.updates:>6} updates in {run.seconds:6.2f} s = "
            f"{run.per_second:7.0f} updates/s, latency p50 {ms(p50).strip()} ms, "
            f"p99 {ms(p99).strip()} ms"
        )
    print(
        f"\nthe form runs at {form.per_second / ceiling.per_second:.1%} of the bare aiogram "
        f"ceiling ({ceiling.per_second / form.per_second:.1f}x the time per update)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    add_db_option(parser)
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    with scratch_database(args.db, "bench_registration") as db:
        form, solo, ceiling = asyncio.run(bench(args.users, db))
        report(args.users, form, solo, ceiling, db)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the scratch database is dropped by then
        print("interrupted", file=sys.stderr)
        sys.exit(130)
