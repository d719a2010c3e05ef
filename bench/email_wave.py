"""How fast, how punctually and how exactly the bot delivers a reminder wave by e-mail.

N registrations with confirmed addresses (made on the web: no Telegram chat) are put straight
into a scratch database (a temporary SQLite file; --db postgres: a fresh PostgreSQL database)
for one online event whose reminder carries the link and is due just after the wave can be sent.
The bot's real ReminderService (real clock, the real MailSender: SmtpTransport over one kept
connection and MailPacer at EMAIL_RATE) delivers the wave to an SMTP server (aiosmtpd) that runs
in a child process on 127.0.0.1 and accepts every message, noting when it arrived, for whom, and
its Message-ID. Then a naive loop beside it: for each address, aiosmtplib.send() (a connection
of its own per message: connect, EHLO, MAIL, RCPT, DATA, QUIT) and a sleep of 1/rate.

    .venv/bin/python bench/email_wave.py [--registrations 5000] [--rate 200] [--naive 1000]
        [--slow-share 0] [--db sqlite|postgres]

See bench/README.md for what the figures mean."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import hashlib
import itertools
import logging
import math
import multiprocessing
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiosmtplib  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.scratch_db import Scratch, add_db_option, scratch_database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.factory import create_bot  # noqa: E402
from bot.i18n import I18n  # noqa: E402
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url  # noqa: E402
from bot.services.delivery.mail.message import build_message  # noqa: E402
from bot.services.delivery.mail.pacer import MailPacer  # noqa: E402
from bot.services.delivery.mail.transport import SmtpTransport  # noqa: E402
from bot.services.delivery.pacing import PacedSender  # noqa: E402
from bot.services.events.catalog import Event  # noqa: E402
from bot.services.mailing.letters import Addressee, reminder_letter  # noqa: E402
from bot.services.mailing.links import MailLinks  # noqa: E402
from bot.services.mailing.outbox import MailSender  # noqa: E402
from bot.services.registration.form import CONSENT_VERSION  # noqa: E402
from bot.services.registration.registrations import sync_events  # noqa: E402
from bot.services.reminders.mail import PLANNING_MARGIN  # noqa: E402
from bot.services.reminders.planner import Slot, slots_for, wave_lead  # noqa: E402
from bot.services.reminders.runner import ReminderService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import (  # noqa: E402
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationStatus,
)
from tests.harness import TOKEN, catalog_of, make_event  # noqa: E402

SLUG = "victory-online"
MEETING = {
    "link": "https://meet.example.org/victory-2025",
    "id": "123 456 7890",
    "passcode": "9may",
}
REMINDER = timedelta(minutes=10)  # the event's only reminder: it carries the link
SETTLE_SECONDS = 2.0  # from the end of set-up to the start of the wave
WEB = "https://conf.example.org"
SECRET = b"the benchmark's web secret"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


# --- the SMTP server, in a child process ------------------------------------------------------


class Accepting:
    """aiosmtpd's handler: accept everything, note (arrival, recipient, Message-ID)."""

    def __init__(self) -> None:
        self.accepted: list[tuple[float, str, str]] = []
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        found = MESSAGE_ID.search(envelope.original_content or envelope.content or b"")
        with self.lock:
            self.accepted.append(
                (time.time(), envelope.rcpt_tos[0], found[1].decode() if found else "")
            )
        return "250 2.0.0 Accepted"


def serve(conn: Connection) -> None:
    """Child process: aiosmtpd on a free port; answers "reset" and "log" on the pipe."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    handler = Accepting()

    class Counting(Controller):
        def factory(self) -> SMTP:
            handler.connections += 1
            return SMTP(self.handler, **self.SMTP_kwargs)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Counting(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    handler.connections = 0  # start() made one connection of its own to see the server up
    conn.send(port)
    while True:
        what = conn.recv()
        if what == "reset":
            with handler.lock:
                handler.accepted.clear()
                handler.connections = 0
            conn.send(True)
        elif what == "log":
            with handler.lock:
                conn.send((list(handler.accepted), handler.connections))
        else:
            break
    controller.stop()


@dataclass
class SmtpServer:
    port: int
    conn: Connection

    def reset(self) -> None:
        self.conn.send("reset")
        self.conn.recv()

    def log(self) -> tuple[list[tuple[float, str, str]], int]:
        self.conn.send("log")
        accepted, connections = self.conn.recv()
        return accepted, connections


@contextlib.contextmanager
def running_smtp() -> Iterator[SmtpServer]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve, args=(theirs,))
    child.start()
    try:
        if not ours.poll(30):
            raise SystemExit("the SMTP server did not start")
        yield SmtpServer(int(ours.recv()), ours)
    finally:
        ours.send("stop")
        child.join(10)
        if child.is_alive():
            child.terminate()


# --- the figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    expected: Sequence[str]
    accepted: list[tuple[float, str, str]]
    connections: int
    wall: float
    due: datetime | None = None
    deliveries: int | None = None
    # Letters a second the pace allows for these addresses: EMAIL_RATE, or less where one slow
    # provider's share of it is what makes the wave long (MailPacer.estimate_seconds).
    possible: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.accepted)

    @property
    def times(self) -> list[float]:
        return sorted(t for t, _, _ in self.accepted)

    @property
    def span(self) -> float:
        times = self.times
        return times[-1] - times[0] if len(times) > 1 else 0.0

    @property
    def per_second(self) -> float:
        return (self.count - 1) / self.span if self.span else 0.0

    @property
    def last_vs_due(self) -> float | None:
        if self.due is None or not self.accepted:
            return None
        return self.times[-1] - self.due.timestamp()

    @property
    def lost(self) -> int:
        got = {to for _, to, _ in self.accepted}
        return sum(1 for address in self.expected if address not in got)

    @property
    def duplicated(self) -> int:
        counts = collections.Counter(to for _, to, _ in self.accepted)
        return sum(1 for n in counts.values() if n > 1)

    def gaps(self, top: int = 5) -> list[tuple[float, float]]:
        times = self.times
        pairs = [(b - a, a - times[0]) for a, b in itertools.pairwise(times)]
        return sorted(pairs, reverse=True)[:top]


# --- the bot's side ---------------------------------------------------------------------------


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


def address(i: int, slow_every: int) -> str:
    """Most addresses at a provider with no pace of its own; every `slow_every`-th at qq.com,
    which MailPacer paces at a fifth of the rate (0: none)."""
    domain = "qq.com" if slow_every and i % slow_every == 0 else "example.com"
    return f"user{i}@{domain}"


async def insert_registrations(
    session_factory: Any, event_id: int, n: int, now: datetime, slow_every: int
) -> tuple[list[str], collections.Counter[str], int]:
    """N web registrations, 2 of 3 Russian, 1 of 3 Chinese, every 50th unsubscribed from
    reminders (the link letter comes anyway), each with a confirmed address."""
    addresses = [address(i, slow_every) for i in range(n)]
    languages = ["zh" if i % 3 == 2 else "ru" for i in range(n)]
    rows = [
        {
            "user_id": None,
            "event_id": event_id,
            "status": RegistrationStatus.ACTIVE,
            "source": "web",
            "language": lang,
            "full_name": f"Участник {i}" if lang == "ru" else f"参与者 {i}",
            "country": "RU" if lang == "ru" else "CN",
            "city": "Москва" if lang == "ru" else "北京",
            "organization": "Школа № 1",
            "role": "teacher",
            "participation_format": "online",
            "wants_to_speak": False,
            "email": to,
            "email_key": to,
            "email_confirmed_at": now,
            "email_muted": i % 50 == 7,
            "access_token_hash": hashlib.sha256(f"token {i}".encode()).hexdigest(),
            "consent_at": now,
            "consent_version": CONSENT_VERSION,
            "created_at": now,
            "updated_at": now,
        }
        for i, (to, lang) in enumerate(zip(addresses, languages, strict=True))
    ]
    async with session_factory() as session:
        await session.execute(insert(Registration), rows)
        await session.commit()
    return addresses, collections.Counter(languages), sum(1 for i in range(n) if i % 50 == 7)


def hms(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3]


async def wait_until(clock: SystemClock, moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - clock.now()).total_seconds()))
    for _ in range(1000):
        if clock.now() >= moment:
            return
        await asyncio.sleep(0.001)


async def bot_wave(
    smtp: SmtpServer, n: int, rate: float, database_url: str, slow_every: int
) -> tuple[Figures, str, list[str], Event]:
    clock = SystemClock()
    settings = Settings(bot_token=TOKEN, database_url=database_url, _env_file=None)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    session_factory = create_session_factory(engine)
    i18n = I18n()
    provisional = catalog_of(the_event(clock.now() + timedelta(days=1)))
    async with session_factory() as session:
        await sync_events(session, provisional, clock)
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
    assert event_id is not None
    addresses, languages, muted = await insert_registrations(
        session_factory, event_id, n, clock.now(), slow_every
    )

    pacer = MailPacer(rate)
    mail = MailSender(
        transport=SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{smtp.port}"), SENDER.address),
        pacer=pacer,
        sender=SENDER,
    )
    # The event placed so that the wave begins SETTLE_SECONDS from now (the bot's own rule:
    # the letters counted as the time their providers' pace takes, with its margin).
    lead = wave_lead(math.ceil(pacer.estimate_seconds(addresses) * rate * PLANNING_MARGIN), rate)
    due = clock.now() + timedelta(seconds=SETTLE_SECONDS) + lead
    catalog = catalog_of(the_event(due + REMINDER))
    (event,) = list(catalog)
    slot = link_slot(event)
    async with session_factory() as session:
        await sync_events(session, catalog, clock)

    bot = create_bot(settings)  # no Telegram recipient: the bot never calls it
    service = ReminderService(
        bot=bot,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=PacedSender(25),
        mail=mail,
        links=MailLinks(WEB, SECRET),
    )
    planned: list[datetime] = []
    service.on_next_wave = planned.append
    await service.run_due()  # the scheduler's regular look: it says when the wave begins
    if not planned:
        raise SystemExit("the bot planned no wave: check the event times")
    wave_start = planned[-1]

    smtp.reset()
    await wait_until(clock, wave_start)  # the scheduler's "date" job for the next wave
    triggered = clock.now()
    started = time.perf_counter()
    await service.run_due()
    wall = time.perf_counter() - started
    accepted, connections = smtp.log()
    async with session_factory() as session:
        deliveries = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.kind == slot.kind,
                Delivery.channel == DeliveryChannel.EMAIL,
                Delivery.status == DeliveryStatus.SENT,
            )
        )
    await service.stop()
    await mail.close()
    await bot.session.close()
    await engine.dispose()

    figures = Figures(
        "bot wave",
        addresses,
        accepted,
        connections,
        wall,
        due=slot.due_at,
        deliveries=deliveries,
        possible=min(rate, n / pacer.estimate_seconds(addresses)),
    )
    times = figures.times
    if times:
        figures.notes.append(
            f"wave planned by the bot to start at {hms(wave_start)}, due {hms(slot.due_at)} "
            f"({(slot.due_at - wave_start).total_seconds():.1f} s early for {n} letters at "
            f"{rate:g}/s); triggered +{(triggered - wave_start).total_seconds() * 1000:.0f} ms, "
            f"first letter accepted +{(times[0] - wave_start.timestamp()) * 1000:.0f} ms after "
            "the planned start"
        )
    slow = sum(1 for a in addresses if a.endswith("@qq.com"))
    summary = (
        f"{n} confirmed addresses ({languages['ru']} ru, {languages['zh']} zh, {muted} "
        f"unsubscribed, {slow} at qq.com), no Telegram chat, one online event, slot {slot.kind} "
        "carrying the link"
    )
    return figures, summary, addresses, event


async def naive_loop(
    smtp: SmtpServer, addresses: Sequence[str], rate: float, event: Event
) -> Figures:
    """What a handler-writer would do: build the letter, aiosmtplib.send() it (a connection
    each), sleep 1/rate, the next."""
    i18n = I18n()
    slot = link_slot(event)
    now = SystemClock().now()
    smtp.reset()
    started = time.perf_counter()
    for i, to in enumerate(addresses):
        lang = "zh" if i % 3 == 2 else "ru"
        page = Addressee(name=f"Участник {i}", participation_format="online", page_url=WEB)
        letter = reminder_letter(i18n(lang), event, slot, page, now)
        message = build_message(
            sender=SENDER,
            to_address=to,
            to_name=page.name,
            language=lang,
            subject=letter.subject,
            text=letter.body.text,
            html_body=letter.body.html,
            now=now,
        )
        await aiosmtplib.send(
            message, hostname="127.0.0.1", port=smtp.port, sender=SENDER.address, recipients=[to]
        )
        await asyncio.sleep(1 / rate)
    wall = time.perf_counter() - started
    accepted, connections = smtp.log()
    return Figures("naive loop", list(addresses), accepted, connections, wall)


async def bench(
    smtp: SmtpServer, n: int, naive_n: int, rate: float, database_url: str, slow_every: int
) -> tuple[Figures, Figures | None, str]:
    wave, summary, addresses, event = await bot_wave(smtp, n, rate, database_url, slow_every)
    naive = await naive_loop(smtp, addresses[:naive_n], rate, event) if naive_n else None
    return wave, naive, summary


# --- report -----------------------------------------------------------------------------------


def report(wave: Figures, naive: Figures | None, summary: str, rate: float, db: Scratch) -> bool:
    print(
        f"\n{summary}\n{db.description}\n"
        f"SMTP: aiosmtpd in a child process on 127.0.0.1, accepting everything; "
        f"EMAIL_RATE {rate:g}/s (MailPacer), one SmtpTransport"
        f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
    )
    runs = [wave] + ([naive] if naive else [])
    width = 14

    def row(label: str, values: Sequence[str], goal: str = "") -> None:
        cells = "".join(f"{v:>{width}}" for v in values)
        print(f"  {label:<30}{cells}  {goal}")

    row("", [r.name for r in runs], "goal")
    row("addresses", [str(len(r.expected)) for r in runs])
    row("letters accepted", [str(r.count) for r in runs])
    row("first to last accepted, s", [f"{r.span:.2f}" for r in runs])
    row("achieved letters/s", [f"{r.per_second:.1f}" for r in runs])
    ratios = [r.per_second / rate for r in runs]
    row("ratio to allowed rate", [f"{x:.3f}" for x in ratios], ">= 0.9")
    possible = wave.possible or rate
    if possible < rate:
        # qq.com's share of the rate makes the wave long: the goal is against that pace.
        ratios[0] = wave.per_second / possible
        row(f"ratio to the {possible:.1f}/s possible", [f"{ratios[0]:.3f}"], ">= 0.9")
    lateness = wave.last_vs_due
    row(
        "last letter vs due, s",
        [f"{lateness:+.3f}" if lateness is not None else "-"] + ["-"] * (len(runs) - 1),
        "<= 0",
    )
    row("lost", [str(r.lost) for r in runs], "0")
    row("duplicated", [str(r.duplicated) for r in runs], "0")
    row("SMTP connections", [str(r.connections) for r in runs])
    row(
        "deliveries rows (sent)",
        [str(wave.deliveries)] + ["-"] * (len(runs) - 1),
        str(len(wave.expected)),
    )
    row("sender's wall time, s", [f"{r.wall:.2f}" for r in runs])
    print()
    for note in wave.notes:
        print(f"  {note}")
    ideal = (len(wave.expected) - 1) / rate
    mean_gap = wave.span / max(1, wave.count - 1)
    print(
        f"  bot wave: {wave.span - ideal:+.3f} s over the ideal {ideal:.3f} s at {rate:g}/s; "
        f"mean interval {mean_gap * 1000:.2f} ms (ideal {1000 / rate:.2f} ms)\n"
        "  longest pauses between accepted letters: "
        + ", ".join(f"{g * 1000:.0f} ms at {at:.2f} s" for g, at in wave.gaps(5))
    )
    checks = {
        ">= 0.9 of the allowed rate" + (" (as possible)" if possible < rate else ""): ratios[0]
        >= 0.9,
        "last letter not after the due time": lateness is not None and lateness <= 0,
        "0 lost": wave.lost == 0,
        "0 duplicated": wave.duplicated == 0,
        "deliveries rows = addresses": wave.deliveries == len(wave.expected),
    }
    print(
        "\n  bot wave goals: "
        + "; ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in checks.items())
    )
    return all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--registrations", type=int, default=5000, help="default 5000")
    parser.add_argument("--rate", type=float, default=200.0, help="EMAIL_RATE (default 200)")
    parser.add_argument(
        "--naive",
        type=int,
        default=1000,
        help="addresses for the naive loop (default 1000; 0 skips it)",
    )
    parser.add_argument(
        "--slow-share",
        type=float,
        default=0.0,
        help="share of addresses at qq.com, paced at a fifth of the rate (default 0)",
    )
    add_db_option(parser)
    args = parser.parse_args(argv)
    if args.registrations < 1 or args.rate <= 0 or not 0 <= args.slow_share <= 1:
        parser.error("--registrations and --rate must be positive, --slow-share in [0, 1]")
    slow_every = round(1 / args.slow_share) if args.slow_share else 0
    naive_n = min(args.naive, args.registrations)
    # A warning per refused letter would drown the figures; there should be none.
    logging.basicConfig(level=logging.ERROR)

    with scratch_database(args.db, "bench_email") as db, running_smtp() as smtp:
        wave, naive, summary = asyncio.run(
            bench(smtp, args.registrations, naive_n, args.rate, db.url, slow_every)
        )
    ok = report(wave, naive, summary, args.rate, db)
    if naive is not None and naive_n < args.registrations:
        print(f"  the naive loop sent to the first {naive_n} addresses only")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
