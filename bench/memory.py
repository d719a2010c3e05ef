"""How much memory `python -m bot run` takes, idle and with 10,000 registrations, next to a
bare aiogram polling bot measured in the same run.

1. A fake Bot API (tests/fake_telegram.py) runs in this process on 127.0.0.1.
2. **The bare bot**: a tiny script, aiogram's Dispatcher with one echo handler and
   `start_polling`, against the fake. Once it polls, its RSS is read from /proc/<pid>/status;
   it is stopped.
3. **The bot**: `python -m bot run` as deployed (as tests/test_process.py starts it):
   TELEGRAM_API_URL pointing at the fake, a SQLite file in a temporary directory, one hybrid
   event ten days ahead. A first start migrates the empty database (its RSS once it polls is
   printed), SIGTERM; then the bot is started again, as after any restart, and once it polls
   and its start-up jobs have run: the idle RSS.
4. **10,000 registrations** while it runs: N - W of them are written straight into its
   database (users and active registrations, 2 of 3 Russian, 1 of 3 Chinese), then W users
   (100 by default) walk the whole form through the fake's getUpdates, 20 at a time, as
   people do: /start, Register, every question, consent, Confirm; each step waits for the
   bot's answer. Replies are paced at SEND_RATE (30/s at most), so a walk costs about 1 s of
   the bot's sending. The reminder planner looks at the database every 2 s meanwhile. Then
   the RSS again, and the peak (VmHWM).
5. Where the memory goes: the RSS of a fresh interpreter after importing each heavy package
   in turn, and what the bot's modules pull in.

    .venv/bin/python bench/memory.py [--registrations 10000] [--walks 100]

Exit status 1 when a goal is missed. See bench/README.md."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.i18n import I18n, Translator  # noqa: E402
from bot.services.registration.form import CONSENT_VERSION, LIMITS, Field  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.models import EventRow, Registration, RegistrationStatus, User  # noqa: E402
from tests.fake_telegram import Call, FakeTelegram, JSONDict  # noqa: E402
from tests.test_process import SLUG, BotProcess, bot_env, events_toml  # noqa: E402

IDLE_GOAL_MB = 40.0  # idle: at most this much above the bare bot
LOADED_GOAL_MB = 80.0  # with the registrations: at most this much above the bare bot
STARTUP_TIMEOUT = 90.0  # interpreter, imports, migrations on a loaded 2-core machine
STEP_TIMEOUT = 30.0
SETTLE = 5.0  # seconds of polling before a reading: start-up jobs done, nothing moving
CONCURRENT_WALKS = 20
FIRST_INSERTED_ID = 1_000_000
FIRST_WALKER_ID = 2_000_000

# The bare aiogram bot: what any aiogram polling bot costs, whatever it does.
BARE_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

dp = Dispatcher()


@dp.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "?")


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1]))
    await dp.start_polling(Bot(sys.argv[2], session=session))


asyncio.run(main())
"""

# Heavy packages, in the order the bot meets them; each measured on top of the previous ones.
HEAVY = (
    "aiogram",
    "sqlalchemy.ext.asyncio",
    "aiosqlite",
    "alembic",
    "apscheduler.schedulers.asyncio",
    "fluent.runtime",
    "babel.dates",
    "icalendar",
    "jinja2",
    "redis",
    "asyncpg",
    "xlsxwriter",
    "openpyxl",
    "reportlab.pdfgen.canvas",
    "pypdf",
    "PIL.Image",
    "matplotlib.figure",
)
# The bot's start-up path: imported at start by `python -m bot run`.
STARTUP_MODULES = ("bot.__main__", "bot.app", "bot.webhook")


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    hwm_mb: float


def memory_of(pid: int) -> Memory:
    """VmRSS and VmHWM (the peak RSS) of a running process, in MB."""
    fields: dict[str, float] = {}
    with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in {"VmRSS", "VmHWM"}:
                fields[name] = int(value.split()[0]) / 1024
    return Memory(fields["VmRSS"], fields["VmHWM"])


def watch_polls(tg: FakeTelegram) -> asyncio.Event:
    """Set as soon as a getUpdates request arrives: the bot is past its start-up."""
    polling = asyncio.Event()

    async def get_updates(token: str, params: JSONDict) -> Any:
        polling.set()
        return await tg.builtin(token, "getUpdates", params)

    tg.handlers["getUpdates"] = get_updates
    return polling


async def settled(bot: BotProcess, polling: asyncio.Event) -> Memory:
    """The process's memory once it polls and SETTLE seconds have passed."""
    async with asyncio.timeout(STARTUP_TIMEOUT):
        await bot.until(polling.wait())
    await bot.until(asyncio.sleep(SETTLE))
    return memory_of(bot.proc.pid)


async def bare_bot(tmp: Path) -> Memory:
    script = tmp / "bare_bot.py"
    script.write_text(BARE_BOT, encoding="utf-8")
    async with FakeTelegram() as tg:
        polling = watch_polls(tg)
        log_path = tmp / "bare.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(script),
                tg.base_url,
                "4343:BARE-token",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        bare = BotProcess(proc, log_path)
        try:
            memory = await settled(bare, polling)
            # It works: one message in, its echo out.
            mark = tg.mark()
            tg.enqueue_update(
                {
                    "message": {
                        "message_id": 1,
                        "from": {"id": 7, "is_bot": False, "first_name": "A"},
                        "chat": {"id": 7, "type": "private"},
                        "date": int(time.time()),
                        "text": "echo",
                    }
                }
            )
            await bare.until(tg.wait_for_message(7, after=mark, timeout=STEP_TIMEOUT))
            return memory
        finally:
            await bare.kill()


# --- the registrations --------------------------------------------------------------------


async def insert_registrations(database_url: str, n: int) -> None:
    """N users with an active registration each, written straight into the bot's database."""
    engine = create_engine(database_url)
    try:
        session_factory = create_session_factory(engine)
        now = datetime.now(UTC)
        async with session_factory() as session:
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
            for start in range(0, n, 2000):  # a few commits, as a busy registration day does
                ids = range(FIRST_INSERTED_ID + start, FIRST_INSERTED_ID + min(n, start + 2000))
                users = [
                    {"id": i, "language": language(i), "created_at": now, "updated_at": now}
                    for i in ids
                ]
                rows = [registration_row(i, event_id, now) for i in ids]
                await session.execute(insert(User), users)
                await session.execute(insert(Registration), rows)
                await session.commit()
    finally:
        await engine.dispose()


def language(user_id: int) -> str:
    return "zh" if user_id % 3 == 2 else "ru"


def registration_row(user_id: int, event_id: int | None, now: datetime) -> dict[str, Any]:
    russian = language(user_id) == "ru"
    return {
        "user_id": user_id,
        "event_id": event_id,
        "status": RegistrationStatus.ACTIVE,
        "language": language(user_id),
        "full_name": f"Участник Номер {user_id}" if russian else f"参与者{user_id}",
        "country": "Россия" if russian else "中国",
        "city": "Москва" if russian else "北京",
        "organization": "Школа № 1" if russian else "北京第一中学",
        "role": "teacher",
        "participation_format": "online",
        "wants_to_speak": False,
        "email": f"user{user_id}@example.com",
        "consent_at": now,
        "consent_version": CONSENT_VERSION,
        "created_at": now,
        "updated_at": now,
    }


async def count_active(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.status == RegistrationStatus.ACTIVE)
            )
            return int(count or 0)
    finally:
        await engine.dispose()


class FormWalker:
    """One person walking the form through the fake; each step waits for the bot's answer.
    Buttons are tapped on the message that offered them (the answer of the previous step)."""

    def __init__(self, tg: FakeTelegram, bot: BotProcess, user_id: int, t: Translator) -> None:
        self.tg, self.bot, self.user_id, self.t = tg, bot, user_id, t
        self.user = {"id": user_id, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
        self.ids = itertools.count(1)
        self.last: Call | None = None

    async def _step(
        self, update: JSONDict, until: Callable[[Call], bool], what: str, method: str
    ) -> None:
        mark = self.tg.mark()
        self.tg.enqueue_update(update)
        self.last = await self.bot.until(
            self.tg.wait_for_call(
                lambda c: c.method == method and c.chat_id == self.user_id and until(c),
                after=mark,
                timeout=STEP_TIMEOUT,
                description=what,
            )
        )

    async def say(self, text: str, until: Callable[[Call], bool], what: str) -> None:
        message: JSONDict = {
            "message_id": next(self.ids),
            "from": self.user,
            "chat": {"id": self.user_id, "type": "private", "first_name": "Иван"},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        await self._step({"message": message}, until, what, "sendMessage")

    async def tap(
        self,
        prefix: str,
        until: Callable[[Call], bool],
        what: str,
        method: str = "sendMessage",
    ) -> None:
        """Tap the first button whose data starts with `prefix` on the last answer."""
        assert self.last is not None
        data = next(d for d in self.last.callback_data() if d.startswith(prefix))
        query = {
            "id": f"{self.user_id}-{next(self.ids)}",
            "from": self.user,
            "chat_instance": str(self.user_id),
            "data": data,
            "message": self.last.result,
        }
        await self._step({"callback_query": query}, until, what, method)

    def asks(self, key: str, field: Field | None = None) -> Callable[[Call], bool]:
        args = dict(zip(("min", "max"), LIMITS[field], strict=True)) if field else {}
        expected = self.t(key, **args)
        return lambda call: expected in call.text

    @staticmethod
    def offers(prefix: str) -> Callable[[Call], bool]:
        return lambda call: any(d.startswith(prefix) for d in call.callback_data())

    @staticmethod
    def reply_keyboard(call: Call) -> bool:
        return "keyboard" in (call.reply_markup or {})

    async def register(self) -> None:
        """The whole form, as tests/test_process.fill_the_form, then Confirm."""
        n = self.user_id
        await self.say("/start", self.offers(f"reg:{SLUG}"), "the event card")
        await self.tap(f"reg:{SLUG}", self.asks("ask-full-name", Field.FULL_NAME), "the name")
        await self.say(f"Иванов {letters(n)} Иванович", self.offers("ch:country:"), "the country")
        await self.tap("ch:country:", self.asks("ask-city", Field.CITY), "the city question")
        await self.say("Москва", self.asks("ask-organization", Field.ORGANIZATION), "the org.")
        await self.say("Школа № 1", self.offers("ch:role:"), "the role question")
        await self.tap("ch:role:teacher", self.offers("ch:participation_format:"), "the format")
        await self.tap(
            "ch:participation_format:online", self.offers("ch:wants_to_speak:"), "the talk"
        )
        await self.tap("ch:wants_to_speak:no", self.asks("ask-email"), "the e-mail question")
        await self.say(f"user{n}@example.com", self.reply_keyboard, "the phone question")
        await self.say(self.t("btn-skip"), self.offers("cons:"), "the consent")
        await self.tap("cons:1", self.offers("sum:confirm"), "the summary")
        # The calendar file comes after the confirmation.
        await self.tap("sum:confirm", lambda call: True, "the .ics file", "sendDocument")


def letters(number: int) -> str:
    """A distinct name for each number: names may not contain digits."""
    alphabet = "абвгдежзиклмнопрстуфхцчшэюя"
    word = ""
    while True:
        number, digit = divmod(number, len(alphabet))
        word += alphabet[digit]
        if not number:
            return word.capitalize()


async def walk_forms(tg: FakeTelegram, bot: BotProcess, walks: int, first_id: int) -> float:
    """`walks` people register through the form, CONCURRENT_WALKS at a time; seconds taken."""
    t = I18n()("ru")
    started = time.monotonic()
    user_ids = iter(range(first_id, first_id + walks))

    async def walker() -> None:
        for user_id in user_ids:  # shared: each walker takes the next person
            await FormWalker(tg, bot, user_id, t).register()

    async with asyncio.TaskGroup() as group:
        for _ in range(min(CONCURRENT_WALKS, walks)):
            group.create_task(walker())
    return time.monotonic() - started


@dataclass(frozen=True)
class BotRun:
    first_start: Memory
    idle: Memory
    loaded: Memory
    registrations: int
    inserted: int
    walks: int
    walk_seconds: float
    per_walk_kb: float  # RSS added by each person of the second half of the walks


async def first_start(tmp: Path, env: dict[str, str], polling: asyncio.Event) -> Memory:
    """The first start on an empty database (it migrates it), until it polls; then SIGTERM."""
    bot = await BotProcess.start(tmp, env, "first-start.log")
    try:
        memory = await settled(bot, polling)
        if await bot.terminate() != 0:
            raise AssertionError(f"the first start did not stop cleanly:\n{bot.log}")
        return memory
    finally:
        await bot.kill()


async def the_bot(tmp: Path, registrations: int, walks: int) -> BotRun:
    (tmp / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    async with FakeTelegram() as tg:
        polling = watch_polls(tg)
        env = bot_env(
            tmp,
            tg.base_url,
            REMINDER_CHECK_SECONDS="2",
            LOG_LEVEL="WARNING",
            # Every request is paced at SEND_RATE (replies too): the most Telegram allows, so
            # that the walks take as little time as they can.
            SEND_RATE="30",
        )
        migrating = await first_start(tmp, env, polling)
        polling.clear()
        bot = await BotProcess.start(tmp, env, "bot.log")
        try:
            idle = await settled(bot, polling)
            inserted = registrations - walks
            await bot.until(insert_registrations(env["DATABASE_URL"], inserted))
            # In two halves: what the second half adds is what each further person costs.
            half = walks // 2
            walk_seconds = await walk_forms(tg, bot, half, FIRST_WALKER_ID)
            halfway = memory_of(bot.proc.pid)
            walk_seconds += await walk_forms(tg, bot, walks - half, FIRST_WALKER_ID + half)
            per_walk_kb = (
                (memory_of(bot.proc.pid).rss_mb - halfway.rss_mb) * 1024 / (walks - half or 1)
            )
            await bot.until(asyncio.sleep(SETTLE))  # a few more looks of the reminder planner
            loaded = memory_of(bot.proc.pid)
            count = await count_active(env["DATABASE_URL"])
            if "Traceback" in bot.log:
                raise AssertionError(f"the bot logged a traceback:\n{bot.log}")
            return BotRun(
                migrating, idle, loaded, count, inserted, walks, walk_seconds, per_walk_kb
            )
        except BaseException:
            print(f"---- bot log ----\n{bot.log}", file=sys.stderr)
            raise
        finally:
            await bot.kill()


# --- where the memory goes ------------------------------------------------------------------

IMPORT_COSTS = """
import importlib, sys

def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

print(f"interpreter {rss():.1f}")
for name in sys.argv[1:]:
    if name == "--bot":
        heavy = [m for m in HEAVY if m in sys.modules]
        print("loaded " + " ".join(heavy))
        continue
    before = rss()
    importlib.import_module(name)
    print(f"{name} {rss() - before:.1f} {rss():.1f}")
"""


def import_costs() -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]], str]:
    """(heavy package, MB it adds, RSS after) on top of those before it, in a fresh
    interpreter; the same for the bot's start-up modules imported first; and which heavy
    packages those pull in."""

    def run(names: Sequence[str]) -> list[str]:
        code = f"HEAVY = {list(HEAVY)!r}\n" + IMPORT_COSTS
        result = subprocess.run(
            [sys.executable, "-c", code, *names],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.splitlines()[1:]

    def parse(lines: list[str]) -> list[tuple[str, float, float]]:
        parsed = []
        for line in lines:
            name, added, total = line.split()
            parsed.append((name, float(added), float(total)))
        return parsed

    heavy = parse(run(HEAVY))
    lines = run([*STARTUP_MODULES, "--bot"])
    loaded = next(line for line in lines if line.startswith("loaded"))
    startup = parse([line for line in lines if not line.startswith("loaded")])
    return heavy, startup, loaded.removeprefix("loaded").strip()


# --- the report -----------------------------------------------------------------------------


def report(bare: Memory, run: BotRun) -> bool:
    idle_over = run.idle.rss_mb - bare.rss_mb
    loaded_over = run.loaded.rss_mb - bare.rss_mb
    idle_ok = idle_over <= IDLE_GOAL_MB
    loaded_ok = loaded_over <= LOADED_GOAL_MB
    print(f"\n{'process':<44} {'RSS MB':>8} {'peak MB':>8} {'above bare':>11}  goal")
    print(f"{'bare aiogram polling bot (echo handler)':<44} {bare.rss_mb:8.1f} {bare.hwm_mb:8.1f}")
    first = run.first_start
    print(
        f"{'python -m bot run, first start (migrates)':<44} {first.rss_mb:8.1f} "
        f"{first.hwm_mb:8.1f} {first.rss_mb - bare.rss_mb:+11.1f}"
    )
    print(
        f"{'python -m bot run, idle':<44} {run.idle.rss_mb:8.1f} {run.idle.hwm_mb:8.1f} "
        f"{idle_over:+11.1f}  <= +{IDLE_GOAL_MB:.0f}  {'PASS' if idle_ok else 'FAIL'}"
    )
    label = f"python -m bot run, {run.registrations:,} registrations"
    print(
        f"{label:<44} {run.loaded.rss_mb:8.1f} {run.loaded.hwm_mb:8.1f} "
        f"{loaded_over:+11.1f}  <= +{LOADED_GOAL_MB:.0f}  {'PASS' if loaded_ok else 'FAIL'}"
    )
    print(
        f"\nthe registrations: {run.inserted:,} written into the database while the bot ran, "
        f"{run.walks} walked through the whole form ({run.walk_seconds:.1f} s, "
        f"{CONCURRENT_WALKS} at a time); growth over idle "
        f"{run.loaded.rss_mb - run.idle.rss_mb:+.1f} MB; each person of the second half of "
        f"the walks added {run.per_walk_kb:+.0f} KB"
    )
    return idle_ok and loaded_ok


def print_import_costs() -> None:
    heavy, startup, loaded = import_costs()
    print("\nwhere the memory goes: RSS added by each import, each on top of those above it")
    for name, added, total in heavy:
        print(f"  {name:<34} {added:+7.1f} MB  ({total:.1f})")
    print("the bot's start-up modules in a fresh interpreter:")
    for name, added, total in startup:
        print(f"  {name:<34} {added:+7.1f} MB  ({total:.1f})")
    print(f"heavy packages they import: {loaded or 'none'}")
    print("(imported later, by the code that needs them: the others)")


async def bench(registrations: int, walks: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        bare = await bare_bot(tmp)
        run = await the_bot(tmp, registrations, walks)
    expected = registrations
    if run.registrations != expected:
        raise SystemExit(f"{run.registrations} active registrations, expected {expected}")
    return report(bare, run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000, help="default 10000")
    parser.add_argument(
        "--walks", type=int, default=100, help="of them, walked through the form (default 100)"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.walks <= args.registrations:
        parser.error("--walks must be between 0 and --registrations")
    print(
        f"python {sys.version.split()[0]}, pid {os.getpid()}; "
        "fake Bot API in this process, SQLite in a temporary directory"
    )
    passed = asyncio.run(bench(args.registrations, args.walks))
    print_import_costs()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
