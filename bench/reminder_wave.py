"""How fast, how punctually and how exactly the bot delivers a reminder wave.

N registrations are put straight into a scratch database (a temporary SQLite file; with
--db postgres a fresh PostgreSQL database on 127.0.0.1:5432, dropped afterwards) for one
online event whose
reminder is due just after the wave can be sent (2 s of settling, then N / rate seconds). The
bot's real ReminderService (real clock, real PacedSender set to the allowed rate, real Bot over
HTTP) delivers the wave to a fake Bot API (bench/limited_api.py) that runs in a child process
on 127.0.0.1 and answers 429 Too Many Requests, as Telegram does, whenever the sender goes over
the allowed rate. Then a naive loop (send, sleep 1/rate, send...) is run against the same fake
for comparison.

    .venv/bin/python bench/reminder_wave.py [--registrations 5000] [--allowed-rate 250]
        [--db sqlite|postgres]

See bench/README.md for what the figures mean."""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aiogram import Bot  # noqa: E402
from aiogram.exceptions import TelegramRetryAfter  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.limited_api import RETRY_AFTER, Served, control, running  # noqa: E402
from bench.scratch_db import Scratch, add_db_option, scratch_database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.factory import create_bot  # noqa: E402
from bot.i18n import I18n  # noqa: E402
from bot.messages import reminder_text  # noqa: E402
from bot.services.delivery.pacing import PacedSender  # noqa: E402
from bot.services.events.catalog import Event, EventCatalog  # noqa: E402
from bot.services.registration.form import CONSENT_VERSION  # noqa: E402
from bot.services.registration.registrations import sync_events  # noqa: E402
from bot.services.reminders.planner import Slot, slots_for, wave_lead  # noqa: E402
from bot.services.reminders.runner import ReminderService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Delivery, EventRow, Registration, RegistrationStatus, User  # noqa: E402
from tests.harness import TOKEN, catalog_of, make_event  # noqa: E402

SLUG = "victory-online"
MEETING = {
    "link": "https://meet.example.org/victory-2025",
    "id": "123 456 7890",
    "passcode": "9may",
}
REMINDER = timedelta(minutes=10)  # the event's only reminder: it carries the link
FIRST_CHAT_ID = 300_000_000
SETTLE_SECONDS = 2.0  # from the end of set-up to the start of the wave


# --- the bot's side ---------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    expected: Sequence[int]
    served: Served
    wall: float  # seconds from the start of the run to its end, as the sender saw it
    due: datetime | None = None
    deliveries: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.served.accepted)

    @property
    def times(self) -> list[float]:
        return sorted(t for t, _ in self.served.accepted)

    @property
    def span(self) -> float:
        times = self.times
        return times[-1] - times[0] if len(times) > 1 else 0.0

    @property
    def per_second(self) -> float:
        return (self.count - 1) / self.span if self.span else 0.0

    @property
    def last_vs_due(self) -> float | None:
        if self.due is None or not self.served.accepted:
            return None
        return self.times[-1] - self.due.timestamp()

    @property
    def lost(self) -> int:
        got = {c for _, c in self.served.accepted}
        return sum(1 for chat in self.expected if chat not in got)

    @property
    def duplicated(self) -> int:
        counts = collections.Counter(c for _, c in self.served.accepted)
        return sum(1 for n in counts.values() if n > 1)

    def gaps(self, top: int = 5) -> list[tuple[float, float]]:
        """The longest pauses between consecutive accepted messages: (gap, at seconds)."""
        times = self.times
        pairs = [(b - a, a - times[0]) for a, b in itertools.pairwise(times)]
        return sorted(pairs, reverse=True)[:top]


class Counting(logging.Handler):
    """Counts the bot's "429 for chat ..." warnings instead of printing 5000 lines."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def the_event(starts_at: datetime) -> dict[str, Any]:
    return make_event(
        SLUG,
        starts_at=starts_at,
        duration=timedelta(hours=2),
        fmt="online",
        meeting=MEETING,
        reminders=["10m"],
    )


def link_slot(event: Event) -> Slot:
    (slot,) = [s for s in slots_for(event) if s.offset == REMINDER]
    return slot


async def insert_registrations(
    session_factory: Any, event_id: int, n: int, now: datetime
) -> tuple[list[int], collections.Counter[str], int]:
    """N distinct users, 2 of 3 Russian-speaking, 1 of 3 Chinese, every 50th muted, all
    reachable, each with an active online registration for the event."""
    chats = [FIRST_CHAT_ID + i for i in range(n)]
    languages = ["zh" if i % 3 == 2 else "ru" for i in range(n)]
    muted = [i % 50 == 7 for i in range(n)]
    users = [
        {
            "id": chat,
            "language": lang,
            "is_reachable": True,
            "reminders_muted": mute,
            "created_at": now,
            "updated_at": now,
        }
        for chat, lang, mute in zip(chats, languages, muted, strict=True)
    ]
    registrations = [
        {
            "user_id": chat,
            "event_id": event_id,
            "status": RegistrationStatus.ACTIVE,
            "language": lang,
            "full_name": f"Участник {i}" if lang == "ru" else f"参与者 {i}",
            "country": "Россия" if lang == "ru" else "中国",
            "city": "Москва" if lang == "ru" else "北京",
            "organization": "Школа № 1",
            "role": "teacher",
            "participation_format": "online",
            "wants_to_speak": False,
            "email": f"user{i}@example.com",
            "consent_at": now,
            "consent_version": CONSENT_VERSION,
            "created_at": now,
            "updated_at": now,
        }
        for i, (chat, lang) in enumerate(zip(chats, languages, strict=True))
    ]
    async with session_factory() as session:
        await session.execute(insert(User), users)
        await session.execute(insert(Registration), registrations)
        await session.commit()
    return chats, collections.Counter(languages), sum(muted)


def hms(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3]


async def wait_until(clock: SystemClock, moment: datetime) -> None:
    """Sleep until the real clock reads `moment` (never wake before it, as the scheduler)."""
    await asyncio.sleep(max(0.0, (moment - clock.now()).total_seconds()))
    # The loop's monotonic timer and the wall clock may disagree by a fraction of a ms.
    for _ in range(1000):
        if clock.now() >= moment:
            return
        await asyncio.sleep(0.001)


async def bot_wave(
    base_url: str, n: int, send_rate: float, database_url: str
) -> tuple[Figures, str, Bot, list[int], dict[str, str]]:
    clock = SystemClock()
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=base_url,
        database_url=database_url,
        _env_file=None,
    )
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    session_factory = create_session_factory(engine)
    i18n = I18n()
    # Set-up: the event a day away while registrations are written, then moved so that the
    # wave starts SETTLE_SECONDS after set-up (the wave length depends on N and the rate).
    provisional = catalog_of(the_event(clock.now() + timedelta(days=1)))
    async with session_factory() as session:
        await sync_events(session, provisional, clock)
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
    assert event_id is not None
    chats, languages, muted = await insert_registrations(session_factory, event_id, n, clock.now())

    bot = create_bot(settings)  # AiohttpSession pointed at the fake, as TELEGRAM_API_URL does
    await bot.get_me()  # a running bot has its HTTP session open already

    lead = wave_lead(n, send_rate)
    due = clock.now() + timedelta(seconds=SETTLE_SECONDS) + lead
    catalog: EventCatalog = catalog_of(the_event(due + REMINDER))
    (event,) = list(catalog)
    slot = link_slot(event)
    async with session_factory() as session:
        await sync_events(session, catalog, clock)

    service = ReminderService(
        bot=bot,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=PacedSender(send_rate),
    )
    planned: list[datetime] = []
    service.on_next_wave = planned.append
    # The scheduler's regular look: nothing is due yet; it says when the wave begins.
    await service.run_due()
    if not planned:
        raise SystemExit("the bot planned no wave: check the event times")
    wave_start = planned[-1]

    texts = {
        lang: reminder_text(
            i18n(lang),
            event,
            slot,
            now=wave_start,
            participation_format="online",
            link=MEETING["link"],
        )
        for lang in ("ru", "zh")
    }

    await control(base_url, "reset")
    await wait_until(clock, wave_start)  # the scheduler's "date" job for the next wave
    triggered = clock.now()
    started = time.perf_counter()
    await service.run_due()
    wall = time.perf_counter() - started
    served = await control(base_url, "log")
    assert served is not None

    async with session_factory() as session:
        deliveries = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == slot.kind)
        )
    await engine.dispose()

    figures = Figures("bot wave", chats, served, wall, due=slot.due_at, deliveries=deliveries)
    times = figures.times
    if times:
        figures.notes.append(
            f"wave planned by the bot to start at {hms(wave_start)}, due {hms(slot.due_at)} "
            f"(wave_lead {lead.total_seconds():.1f} s for {n} at {send_rate:g}/s); triggered "
            f"+{(triggered - wave_start).total_seconds() * 1000:.0f} ms, first message accepted "
            f"+{(times[0] - wave_start.timestamp()) * 1000:.0f} ms after the planned start"
        )
    summary = (
        f"{n} registrations ({languages['ru']} ru, {languages['zh']} zh, {muted} muted, all "
        f"reachable), one online event, slot {slot.kind} carrying the link"
    )
    return figures, summary, bot, chats, texts


async def naive_loop(
    base_url: str, bot: Bot, chats: Sequence[int], rate: float, texts: dict[str, str]
) -> Figures:
    """What a handler-writer would do: one message, sleep 1/rate, the next; wait out a 429."""
    await control(base_url, "reset")
    started = time.perf_counter()
    for i, chat in enumerate(chats):
        text = texts["zh" if i % 3 == 2 else "ru"]
        while True:
            try:
                await bot.send_message(chat, text)
                break
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
        await asyncio.sleep(1 / rate)
    wall = time.perf_counter() - started
    served = await control(base_url, "log")
    assert served is not None
    return Figures("naive loop", chats, served, wall)


async def bench(
    base_url: str, n: int, naive_n: int, rate: float, send_rate: float, database_url: str
) -> tuple[Figures, Figures | None, str]:
    wave, summary, bot, chats, texts = await bot_wave(base_url, n, send_rate, database_url)
    try:
        naive = await naive_loop(base_url, bot, chats[:naive_n], rate, texts) if naive_n else None
    finally:
        await bot.session.close()
    return wave, naive, summary


# --- report -----------------------------------------------------------------------------------


def report(
    wave: Figures,
    naive: Figures | None,
    summary: str,
    rate: float,
    send_rate: float,
    window: float,
    bot_429s: int,
    db: Scratch,
) -> bool:
    print(
        f"\n{summary}\n{db.description}\n"
        f"fake Bot API: at most {wave.served.limit} accepted sendMessage in any "
        f"{window:g} s (allowed rate {rate:g}/s), else 429 retry_after={RETRY_AFTER}; "
        f"PacedSender({send_rate:g}/s)"
        f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
    )
    runs = [wave] + ([naive] if naive else [])
    width = 14

    def row(label: str, values: Sequence[str], goal: str = "") -> None:
        cells = "".join(f"{v:>{width}}" for v in values)
        print(f"  {label:<28}{cells}  {goal}")

    row("", [r.name for r in runs], "goal")
    row("registrations", [str(len(r.expected)) for r in runs])
    row("messages accepted", [str(r.count) for r in runs])
    row("first to last accepted, s", [f"{r.span:.2f}" for r in runs])
    row("achieved msg/s", [f"{r.per_second:.1f}" for r in runs])
    ratios = [r.per_second / rate for r in runs]
    row("ratio to allowed rate", [f"{x:.3f}" for x in ratios], ">= 0.95")
    row("429s received", [str(r.served.refused) for r in runs], "0")
    lateness = wave.last_vs_due
    row(
        "last message vs due, s",
        [f"{lateness:+.3f}" if lateness is not None else "-"] + ["-"] * (len(runs) - 1),
        "<= 0",
    )
    row("lost", [str(r.lost) for r in runs], "0")
    row("duplicated", [str(r.duplicated) for r in runs], "0")
    row(
        "deliveries rows", [str(wave.deliveries)] + ["-"] * (len(runs) - 1), str(len(wave.expected))
    )
    row("sender's wall time, s", [f"{r.wall:.2f}" for r in runs])
    print()
    for note in wave.notes:
        print(f"  {note}")
    if bot_429s:
        print(f"  the bot logged {bot_429s} '429 for chat' warnings (PacedSender)")
    ideal = (len(wave.expected) - 1) / send_rate
    mean_gap = wave.span / max(1, wave.count - 1)
    print(
        f"  bot wave: {wave.span - ideal:+.3f} s over the ideal {ideal:.3f} s at {send_rate:g}/s;"
        f" mean interval between accepted messages {mean_gap * 1000:.2f} ms "
        f"(ideal {1000 / send_rate:.2f} ms)\n  longest pauses between accepted messages: "
        + ", ".join(f"{g * 1000:.0f} ms at {at:.2f} s" for g, at in wave.gaps(5))
    )

    checks = {
        ">= 0.95 of the allowed rate": ratios[0] >= 0.95,
        "last message not after the due time": lateness is not None and lateness <= 0,
        "0 lost": wave.lost == 0,
        "0 duplicated": wave.duplicated == 0,
        "deliveries rows = registrations": wave.deliveries == len(wave.expected),
    }
    print(
        "\n  bot wave goals: "
        + "; ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in checks.items())
    )
    return all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--registrations", type=int, default=5000, help="default 5000")
    parser.add_argument(
        "--allowed-rate", type=float, default=250.0, help="fake's limit, msg/s (default 250)"
    )
    parser.add_argument(
        "--send-rate",
        type=float,
        default=None,
        help="the bot's PacedSender rate (default: 0.97 of the allowed rate, as SEND_RATE=25 "
        "stays under Telegram's ~30/s)",
    )
    parser.add_argument(
        "--window", type=float, default=1.0, help="fake's sliding window, s (default 1)"
    )
    parser.add_argument(
        "--naive",
        type=int,
        default=None,
        help="registrations for the naive loop (default: all; 0 skips it)",
    )
    add_db_option(parser)
    args = parser.parse_args(argv)
    if args.registrations < 1 or args.allowed_rate <= 0 or args.window <= 0:
        parser.error("--registrations, --allowed-rate and --window must be positive")
    send_rate = args.send_rate or args.allowed_rate * 0.97
    naive_n = args.registrations if args.naive is None else min(args.naive, args.registrations)

    pacing_log = logging.getLogger("bot.services.delivery.pacing")
    counter = Counting()
    pacing_log.addHandler(counter)
    pacing_log.propagate = False

    # The fake runs in its own process, as Telegram is not in the bot's event loop either.
    with (
        scratch_database(args.db, "bench_reminders") as db,
        running(args.allowed_rate, args.window) as base_url,
    ):
        wave, naive, summary = asyncio.run(
            bench(base_url, args.registrations, naive_n, args.allowed_rate, send_rate, db.url)
        )
    ok = report(wave, naive, summary, args.allowed_rate, send_rate, args.window, counter.count, db)
    if naive is not None and naive_n < args.registrations:
        print(f"  the naive loop sent to the first {naive_n} registrations only")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the scratch database is dropped by then
        print("interrupted", file=sys.stderr)
        sys.exit(130)
