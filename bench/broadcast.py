"""How fast and how exactly the bot sends an organizer's broadcast.

N participants with an active registration are put straight into a scratch database (a
temporary SQLite file; with --db postgres a fresh PostgreSQL database on 127.0.0.1:5432,
dropped afterwards).
The bot's real BroadcastService, wired as `python -m bot` wires it (bot.factory.create_services:
the shared PacedSender at 0.97 of the allowed rate, the organizer's progress hook), stores the
broadcast with its recipients (create) and sends it (run) through a real Bot over HTTP, with
copyMessage, to a fake Bot API (bench/limited_api.py) that runs in a child process on 127.0.0.1
and answers 429 Too Many Requests, as Telegram does, whenever the sender goes over the allowed
rate. Then the everyday hand-written broadcast, `copy_message; sleep(0.05)` in a loop, is run
against the same fake on the first recipients.

    .venv/bin/python bench/broadcast.py [--recipients 3000] [--allowed-rate 250] [--naive 600]
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

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aiogram import Bot  # noqa: E402
from aiogram.exceptions import TelegramRetryAfter  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bench.limited_api import RETRY_AFTER, Served, control, running  # noqa: E402
from bench.scratch_db import Scratch, add_db_option, scratch_database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.factory import create_bot, create_services  # noqa: E402
from bot.i18n import I18n  # noqa: E402
from bot.services.delivery.broadcasts import Progress  # noqa: E402
from bot.services.delivery.pacing import PacedSender  # noqa: E402
from bot.services.registration.form import CONSENT_VERSION  # noqa: E402
from bot.services.registration.registrations import sync_events  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.audiences import Audience  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import (  # noqa: E402
    Broadcast,
    BroadcastRecipient,
    EventRow,
    Registration,
    RegistrationStatus,
    User,
)
from handlers.admin.broadcast import progress_text, stop_keyboard  # noqa: E402
from tests.harness import ORGANIZER_ID, TOKEN, catalog_of, make_event  # noqa: E402

SLUG = "victory-broadcast"
FIRST_CHAT_ID = 400_000_000
SOURCE_MESSAGE_ID = 7  # the organizer's message in their chat with the bot, copied to everyone
NAIVE_SLEEP = 0.05  # seconds between two copies in the hand-written loop


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    expected: Sequence[int]
    served: Served
    wall: float  # seconds the sender took, as it saw it
    notes: list[str] = field(default_factory=list)

    @property
    def copies(self) -> list[tuple[float, int]]:
        """Accepted messages to the recipients (not the report to the organizer)."""
        wanted = set(self.expected)
        return [(t, c) for t, c in self.served.accepted if c in wanted]

    @property
    def count(self) -> int:
        return len(self.copies)

    @property
    def times(self) -> list[float]:
        return sorted(t for t, _ in self.copies)

    @property
    def span(self) -> float:
        times = self.times
        return times[-1] - times[0] if len(times) > 1 else 0.0

    @property
    def per_second(self) -> float:
        return (self.count - 1) / self.span if self.span else 0.0

    @property
    def lost(self) -> int:
        got = {c for _, c in self.copies}
        return sum(1 for chat in self.expected if chat not in got)

    @property
    def duplicated(self) -> int:
        counts = collections.Counter(c for _, c in self.copies)
        return sum(1 for n in counts.values() if n > 1)

    def gaps(self, top: int = 5) -> list[tuple[float, float]]:
        """The longest pauses between consecutive accepted copies: (gap, at seconds)."""
        times = self.times
        pairs = [(b - a, a - times[0]) for a, b in itertools.pairwise(times)]
        return sorted(pairs, reverse=True)[:top]


class Counting(logging.Handler):
    """Counts the bot's "429 for chat ..." warnings instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# --- set-up -----------------------------------------------------------------------------------


async def insert_participants(
    session_factory: async_sessionmaker[AsyncSession], event_id: int, n: int, now: datetime
) -> tuple[list[int], collections.Counter[str]]:
    """The organizer (no registration) and N distinct participants, 2 of 3 Russian-speaking,
    1 of 3 Chinese, all reachable, each with an active online registration for the event."""
    chats = [FIRST_CHAT_ID + i for i in range(n)]
    languages = ["zh" if i % 3 == 2 else "ru" for i in range(n)]
    users = [
        {
            "id": chat,
            "language": lang,
            "is_reachable": True,
            "reminders_muted": False,
            "created_at": now,
            "updated_at": now,
        }
        for chat, lang in zip([ORGANIZER_ID, *chats], ["ru", *languages], strict=True)
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
    return chats, collections.Counter(languages)


# --- the two senders ------------------------------------------------------------------------------


async def bot_broadcast(
    base_url: str, n: int, send_rate: float, database_url: str
) -> tuple[Figures, str, Bot, list[int], bool]:
    """The broadcast as the organizer's Send button starts it; also whether the database and
    the report agree with it (every recipient row sent, the broadcast done, one report)."""
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
    catalog = catalog_of(
        make_event(SLUG, starts_at=clock.now() + timedelta(days=7), fmt="online", reminders=[])
    )
    async with session_factory() as session:
        await sync_events(session, catalog, clock)
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
    assert event_id is not None
    chats, languages = await insert_participants(session_factory, event_id, n, clock.now())

    bot = create_bot(settings)  # AiohttpSession pointed at the fake, as TELEGRAM_API_URL does
    await bot.get_me()  # a running bot has its HTTP session open already
    sender = PacedSender(send_rate)
    services = create_services(
        bot=bot,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=sender,
    )
    service = services.broadcasts

    # What the organizer's Send button does (handlers/admin/broadcast.py on_confirm): store the
    # broadcast with its recipients, post the progress message, start.
    t = i18n("ru")
    stored = time.perf_counter()
    broadcast = await service.create(
        event_id=event_id,
        author_id=ORGANIZER_ID,
        audience=Audience.ALL,
        source_chat_id=ORGANIZER_ID,
        source_message_id=SOURCE_MESSAGE_ID,
    )
    create_seconds = time.perf_counter() - stored
    progress_message = await bot.send_message(
        ORGANIZER_ID,
        progress_text(t, Progress(total=broadcast.total), sender.rate),
        reply_markup=stop_keyboard(t, broadcast.id),
    )
    await service.set_progress_message(broadcast.id, progress_message.message_id)

    await control(base_url, "reset")
    started_at = time.time()
    started = time.perf_counter()
    failure: str | None = None
    try:
        progress = await service.run(broadcast.id)
    except Exception as exc:  # reported with the figures, which are still worth reading
        failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
        progress = Progress(total=broadcast.total)
    wall = time.perf_counter() - started
    served = await control(base_url, "log")
    assert served is not None

    async with session_factory() as session:
        rows = await session.execute(
            select(BroadcastRecipient.status, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast.id)
            .group_by(BroadcastRecipient.status)
        )
        statuses = dict(rows.all())
        status = (await session.get(Broadcast, broadcast.id)).status  # type: ignore[union-attr]
    await engine.dispose()

    figures = Figures("broadcast", chats, served, wall)
    times = figures.times
    reports = sum(1 for _, chat in served.accepted if chat == ORGANIZER_ID)
    if times:
        figures.notes.append(
            f"create() stored the broadcast and its {broadcast.total} recipients in "
            f"{create_seconds * 1000:.0f} ms; the first copy was accepted "
            f"{(times[0] - started_at) * 1000:.0f} ms after run() began"
        )
    returned = (
        f"raised {failure}"
        if failure
        else f"returned sent {progress.sent}, unreachable {progress.unreachable}, "
        f"failed {progress.failed}, done {progress.done}"
    )
    figures.notes.append(
        f"BroadcastService: {service.workers} workers; run() {returned}; "
        f"recipient rows {dict(sorted(statuses.items()))}, broadcast {status!r}; "
        f"report messages to the organizer: {reports}"
    )
    consistent = (
        failure is None
        and status == "done"
        and statuses == {"sent": n}
        and progress.done
        and progress.sent == n
        and reports == 1
    )
    summary = (
        f"{n} recipients ({languages['ru']} ru, {languages['zh']} zh, all reachable), audience "
        f"'all' of one event; the organizer's message copied with copyMessage"
    )
    return figures, summary, bot, chats, consistent


async def naive_loop(base_url: str, bot: Bot, chats: Sequence[int]) -> Figures:
    """The everyday hand-written broadcast: one copy, sleep 50 ms, the next. (A 429 would
    stop it with an exception; here it waits retry_after and tries again, so that a run is
    always complete. At 20 copies a second against this fake none comes.)"""
    await control(base_url, "reset")
    started = time.perf_counter()
    for chat in chats:
        while True:
            try:
                await bot.copy_message(chat, ORGANIZER_ID, SOURCE_MESSAGE_ID)
                break
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
        await asyncio.sleep(NAIVE_SLEEP)
    wall = time.perf_counter() - started
    served = await control(base_url, "log")
    assert served is not None
    return Figures("naive loop", chats, served, wall)


async def bench(
    base_url: str, n: int, naive_n: int, send_rate: float, database_url: str
) -> tuple[Figures, Figures | None, str, bool]:
    ours, summary, bot, chats, consistent = await bot_broadcast(
        base_url, n, send_rate, database_url
    )
    try:
        naive = await naive_loop(base_url, bot, chats[:naive_n]) if naive_n else None
    finally:
        await bot.session.close()
    return ours, naive, summary, consistent


# --- report -----------------------------------------------------------------------------------


def report(
    ours: Figures,
    naive: Figures | None,
    summary: str,
    consistent: bool,
    rate: float,
    send_rate: float,
    window: float,
    bot_429s: int,
    db: Scratch,
) -> bool:
    print(
        f"\n{summary}\n{db.description}\n"
        f"fake Bot API: at most {ours.served.limit} accepted sendMessage/copyMessage "
        f"in any {window:g} s (allowed rate {rate:g}/s), else 429 retry_after={RETRY_AFTER}; "
        f"PacedSender({send_rate:g}/s)"
        f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
    )
    runs = [ours] + ([naive] if naive else [])
    width = 14

    def row(label: str, values: Sequence[str], goal: str = "") -> None:
        cells = "".join(f"{v:>{width}}" for v in values)
        print(f"  {label:<28}{cells}  {goal}")

    row("", [r.name for r in runs], "goal (broadcast)")
    row("recipients", [str(len(r.expected)) for r in runs])
    row("copies accepted", [str(r.count) for r in runs])
    row("first to last accepted, s", [f"{r.span:.2f}" for r in runs])
    row("achieved msg/s", [f"{r.per_second:.1f}" for r in runs])
    ratios = [r.per_second / rate for r in runs]
    row("ratio to allowed rate", [f"{x:.3f}" for x in ratios], ">= 0.95")
    row("429s received", [str(r.served.refused) for r in runs])
    row("lost", [str(r.lost) for r in runs], "0")
    row("duplicated", [str(r.duplicated) for r in runs], "0")
    row("sender's wall time, s", [f"{r.wall:.2f}" for r in runs])
    print()
    for note in ours.notes:
        print(f"  {note}")
    if bot_429s:
        print(f"  the bot logged {bot_429s} '429 for chat' warnings (PacedSender)")
    ideal = (len(ours.expected) - 1) / send_rate
    mean_gap = ours.span / max(1, ours.count - 1)
    print(
        f"  broadcast: {ours.span - ideal:+.3f} s over the ideal {ideal:.3f} s at "
        f"{send_rate:g}/s; mean interval between accepted copies {mean_gap * 1000:.2f} ms "
        f"(ideal {1000 / send_rate:.2f} ms)\n  longest pauses between accepted copies: "
        + ", ".join(f"{g * 1000:.0f} ms at {at:.2f} s" for g, at in ours.gaps(5))
    )
    if naive is not None:
        print(
            f"  naive loop (copy_message, then sleep {NAIVE_SLEEP:g} s): measured on the first "
            f"{len(naive.expected)} of the {len(ours.expected)} recipients only; its figures "
            "are for those, nothing is extrapolated"
        )

    checks = {
        ">= 0.95 of the allowed rate": ratios[0] >= 0.95,
        "0 lost": ours.lost == 0,
        "0 duplicated": ours.duplicated == 0,
        "recipient rows all sent, broadcast done, one report": consistent,
    }
    if naive is not None:
        checks["ahead of the naive loop"] = ours.per_second > naive.per_second
    print(
        "\n  broadcast goals: "
        + "; ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in checks.items())
    )
    return all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=3000, help="default 3000")
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
        default=600,
        help="recipients for the naive loop, the first ones (default 600: 30 s; 0 skips it)",
    )
    add_db_option(parser)
    args = parser.parse_args(argv)
    if args.recipients < 1 or args.allowed_rate <= 0 or args.window <= 0:
        parser.error("--recipients, --allowed-rate and --window must be positive")
    send_rate = args.send_rate or args.allowed_rate * 0.97
    naive_n = max(0, min(args.naive, args.recipients))

    pacing_log = logging.getLogger("bot.services.delivery.pacing")
    counter = Counting()
    pacing_log.addHandler(counter)
    pacing_log.propagate = False

    # The fake runs in its own process, as Telegram is not in the bot's event loop either.
    with (
        scratch_database(args.db, "bench_broadcast") as db,
        running(args.allowed_rate, args.window) as base_url,
    ):
        ours, naive, summary, consistent = asyncio.run(
            bench(base_url, args.recipients, naive_n, send_rate, db.url)
        )
    ok = report(
        ours,
        naive,
        summary,
        consistent,
        args.allowed_rate,
        send_rate,
        args.window,
        counter.count,
        db,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the scratch database is dropped by then
        print("interrupted", file=sys.stderr)
        sys.exit(130)
