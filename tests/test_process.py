"""The bot as it is deployed: `python -m bot run` in its own process, talking HTTP to a fake
Telegram (tests/fake_telegram.py), with a real SQLite file. One user walks the whole
registration form; SIGTERM then stops the bot cleanly, also while an update is being handled.

Starting the interpreter and importing aiogram takes seconds, so keep tests of this kind few.
BotProcess and bot_env are shared with tests/test_process_reminders.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import aiohttp

from bot.i18n import I18n
from bot.services.registration.form import LIMITS, Field
from tests.fake_telegram import Call, FakeTelegram

REPO = Path(__file__).resolve().parent.parent
TOKEN = "4242:TEST-token"
SLUG = "process-test"
TITLE_RU = "Проверочная конференция"
USER_ID = 1001
USER = {"id": USER_ID, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
CHAT = {"id": USER_ID, "type": "private", "first_name": "Иван"}
STARTUP_TIMEOUT = 60.0  # interpreter start, imports, migrations on a slow machine
STEP_TIMEOUT = 15.0
EXIT_TIMEOUT = 15.0


def events_toml(now: datetime) -> str:
    starts = (now + timedelta(days=10)).replace(second=0, microsecond=0)
    ends = starts + timedelta(hours=3)
    return f"""
[[events]]
slug = "{SLUG}"
format = "hybrid"
starts_at = {starts.isoformat()}
ends_at = {ends.isoformat()}
reminders = ["1d", "1h"]

[events.title]
ru = "{TITLE_RU}"
zh = "测试会议"

[events.description]
ru = "Описание"
zh = "简介"

[events.venue]
ru = "Москва"
zh = "莫斯科"

[events.contacts]
email = "org@example.com"
"""


def bot_env(tmp_path: Path, api_url: str, **settings: str) -> dict[str, str]:
    # Every setting is given explicitly, so neither the caller's environment nor a developer's
    # .env in the repository can change what this test runs.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(
            (
                "BOT_",
                "TELEGRAM_",
                "DATABASE_",
                "EVENTS_",
                "ADMIN_",
                "REDIS_",
                "REPLICA_",
                "WEB_",
                "PUBLIC_URL",
            )
        )
    }
    env.update(
        BOT_TOKEN=TOKEN,
        # Its own port for every process: replicas and other test runs must not meet there.
        WEB_PORT=str(free_port()),
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        EVENTS_FILE=str(tmp_path / "events.toml"),
        ADMIN_IDS="",
        LOG_LEVEL="INFO",
        SHUTDOWN_TIMEOUT="10",
        # A killed process's claims are taken over this many seconds after its last beat.
        REPLICA_TIMEOUT="3",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


class BotProcess:
    """`python -m bot run` as a child process; its stdout and stderr go to a log file.

    A file, not a pipe: nobody reads a pipe while the bot runs, and a full pipe would block
    the bot."""

    def __init__(
        self, proc: asyncio.subprocess.Process, log_path: Path, web_port: int = 8080
    ) -> None:
        self.proc = proc
        self.log_path = log_path
        self.web_port = web_port
        # Resolves with the exit code; steps race against it so a dead bot fails at once.
        self.exited: asyncio.Future[int] = asyncio.ensure_future(proc.wait())

    @classmethod
    async def start(
        cls, tmp_path: Path, env: dict[str, str], log_name: str, command: str = "run"
    ) -> BotProcess:
        log_path = tmp_path / log_name
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                command,
                cwd=REPO,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        return cls(proc, log_path, int(env.get("WEB_PORT", "8080")))

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def until(self, waiting: Awaitable[Any]) -> Any:
        """The awaited result, or a failure as soon as the bot process dies."""
        task = asyncio.ensure_future(waiting)
        either: set[asyncio.Future[Any]] = {task, self.exited}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise AssertionError(f"the bot exited with code {self.exited.result()}")

    async def terminate(self, timeout: float = EXIT_TIMEOUT) -> int:
        """SIGTERM, and the exit code once the bot has stopped."""
        self.proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(timeout):
            return await asyncio.shield(self.exited)

    async def kill(self) -> None:
        """SIGKILL, unless it has exited already; returns once it is gone."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await asyncio.shield(self.exited)


@contextlib.asynccontextmanager
async def bot_process(
    tmp_path: Path, tg: FakeTelegram, log_name: str = "bot.log", **settings: str
) -> AsyncIterator[BotProcess]:
    """A running bot; its log is printed if the body fails, and it is killed at the end."""
    bot = await BotProcess.start(tmp_path, bot_env(tmp_path, tg.base_url, **settings), log_name)
    try:
        yield bot
    except BaseException:
        print(f"---- bot stdout/stderr ({log_name}) ----")
        print(bot.log)
        raise
    finally:
        await bot.kill()


def registration_rows(tmp_path: Path) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(db_path(tmp_path))) as db:
        db.row_factory = sqlite3.Row
        return db.execute(
            "SELECT r.*, e.slug FROM registrations r JOIN events e ON e.id = r.event_id"
        ).fetchall()


class Walker:
    """One user talking to the bot process; every step waits for the bot's last reply."""

    def __init__(self, tg: FakeTelegram, bot: BotProcess) -> None:
        self.tg = tg
        self.bot = bot
        self.t = I18n()("ru")
        self.ids = itertools.count(1)
        self.query_ids: list[str] = []

    async def _step(
        self, update: dict[str, Any], until: Callable[[Call], bool], what: str, timeout: float
    ) -> Call:
        mark = self.tg.mark()
        self.tg.enqueue_update(update)
        reply: Call = await self.bot.until(
            self.tg.wait_for_message(USER_ID, until, after=mark, timeout=timeout, description=what)
        )
        return reply

    async def say(
        self, text: str, until: Callable[[Call], bool], what: str, timeout: float = STEP_TIMEOUT
    ) -> Call:
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "from": USER,
            "chat": CHAT,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._step({"message": message}, until, what, timeout)

    def _tap_update(self, data: str) -> dict[str, Any]:
        """A tap on the button with callback `data` on the newest bot message that carries it."""
        carrier = next(
            (c for c in reversed(self.tg.messages_to(USER_ID)) if data in c.callback_data()),
            None,
        )
        assert carrier is not None, f"no message with a button {data!r}"
        query_id = str(next(self.ids))
        self.query_ids.append(query_id)
        query = {
            "id": query_id,
            "from": USER,
            "chat_instance": "-4242",
            "data": data,
            "message": carrier.result,
        }
        return {"callback_query": query}

    async def tap(self, data: str, until: Callable[[Call], bool], what: str) -> Call:
        return await self._step(self._tap_update(data), until, what, STEP_TIMEOUT)

    def tap_without_waiting(self, data: str) -> None:
        self.tg.enqueue_update(self._tap_update(data))

    # What the bot's reply that ends a step looks like.

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


async def test_registration_in_a_real_bot_process(tmp_path: Path) -> None:
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    async with FakeTelegram() as tg, bot_process(tmp_path, tg) as bot:
        async with asyncio.timeout(150):
            me = await fill_the_form(tg, bot)
            registered = me.t("registered", event=escape(TITLE_RU))
            await me.tap("sum:confirm", lambda c: registered in c.text, "the confirmation")
            # The calendar file follows the confirmation.
            await bot.until(
                tg.wait_for_call(
                    lambda c: c.method == "sendDocument" and c.chat_id == USER_ID,
                    timeout=STEP_TIMEOUT,
                    description="the calendar file",
                )
            )
            assert "Traceback" not in bot.log
            assert await bot.terminate() == 0
        # Every tap was answered, so no client is left with a spinning button.
        answered = {c.params.get("callback_query_id") for c in tg.calls_of("answerCallbackQuery")}
        assert set(me.query_ids) <= answered
        # Choices are written into the question they answer.
        assert any("→" in c.text for c in tg.calls_of("editMessageText"))
        refused = [f"{c.method}: {c.error}" for c in tg.calls if c.error]
        assert not refused, "the bot made requests Telegram refused"

        commands = tg.calls_of("setMyCommands")
        assert any(c.params.get("language_code") == "zh" for c in commands)
        assert commands[-1].params.get("commands"), "an empty command menu"

        rows = registration_rows(tmp_path)
        assert len(rows) == 1
        row = rows[0]
        assert row["slug"] == SLUG
        assert row["user_id"] == USER_ID
        assert row["full_name"] == "Иванов Иван Иванович"
        assert row["country"] == "RU"
        assert row["role"] == "teacher"
        assert row["participation_format"] == "online"
        assert not row["wants_to_speak"]
        assert row["email"] == "ivanov@example.com"
        assert row["phone"] is None
        assert row["status"] == "active"
        assert row["consent_version"]
        assert row["language"] == "ru"


SLOW_REQUEST = 2.0  # seconds the first request of the Confirm handler hangs


async def test_sigterm_while_confirm_is_handled_keeps_the_registration(tmp_path: Path) -> None:
    """SIGTERM arrives while the Confirm tap is being handled (its first Bot API request after
    answering the tap hangs): the bot finishes the update, then exits 0. Telegram counts the
    update as delivered once polling fetched it, so a lost handler would be a lost
    registration."""
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    slow_method = "editMessageReplyMarkup"  # drop_buttons() in on_summary_action
    async with FakeTelegram() as tg, bot_process(tmp_path, tg) as bot:
        async with asyncio.timeout(150):
            me = await fill_the_form(tg, bot)

            entered = asyncio.Event()

            async def slow(token: str, params: dict[str, Any]) -> Any:
                entered.set()
                await asyncio.sleep(SLOW_REQUEST)
                return await tg.builtin(token, slow_method, params)

            tg.handlers[slow_method] = slow
            mark = tg.mark()
            me.tap_without_waiting("sum:confirm")
            async with asyncio.timeout(STEP_TIMEOUT):
                await bot.until(entered.wait())
            # The bot is waiting for the answer right now (the fake records a call once it
            # has answered it).
            assert not [c for c in tg.calls[mark:] if c.method == slow_method]
            signalled = time.monotonic()
            code = await bot.terminate()
            stopped_after = time.monotonic() - signalled
            log = bot.log
            assert code == 0, f"exit code {code}"

        after = tg.calls[mark:]
        methods = [c.method for c in after if c.method != "getUpdates"]
        print(f"stopped {stopped_after:.2f} s after SIGTERM; requests since the tap: {methods}")
        # The whole handler ran: the buttons went, the confirmation and the calendar came.
        assert [c for c in after if c.method == slow_method and not c.error]
        registered = me.t("registered", event=escape(TITLE_RU))
        assert [c for c in after if c.method == "sendMessage" and registered in c.text], methods
        assert [c for c in after if c.method == "sendDocument" and not c.error], methods
        answered = {c.params.get("callback_query_id") for c in tg.calls_of("answerCallbackQuery")}
        assert set(me.query_ids) <= answered
        refused = [f"{c.method}: {c.error}" for c in tg.calls if c.error]
        assert not refused, "the bot made requests Telegram refused"
        assert "still running at shutdown" not in log
        assert "Traceback" not in log
        assert stopped_after >= SLOW_REQUEST * 0.5, "the bot cannot have waited for the request"

        rows = registration_rows(tmp_path)
        assert len(rows) == 1, "the registration was lost"
        assert rows[0]["user_id"] == USER_ID
        assert rows[0]["status"] == "active"
        assert rows[0]["slug"] == SLUG


async def fill_the_form(tg: FakeTelegram, bot: BotProcess) -> Walker:
    """/start and every question of the form, up to the summary with its Confirm button."""
    me = Walker(tg, bot)
    await me.say("/start", me.offers(f"reg:{SLUG}"), "the event card", timeout=STARTUP_TIMEOUT)
    await me.tap(f"reg:{SLUG}", me.asks("ask-full-name", Field.FULL_NAME), "the name question")
    await me.say("Иванов Иван Иванович", me.offers("ch:country:"), "the country question")
    await me.tap("ch:country:RU", me.asks("ask-city", Field.CITY), "the city question")
    await me.say("Москва", me.asks("ask-organization", Field.ORGANIZATION), "the organization")
    await me.say("Школа № 1", me.offers("ch:role:"), "the role question")
    await me.tap("ch:role:teacher", me.offers("ch:participation_format:"), "the format question")
    await me.tap(
        "ch:participation_format:online", me.offers("ch:wants_to_speak:"), "the talk question"
    )
    await me.tap("ch:wants_to_speak:no", me.asks("ask-email"), "the e-mail question")
    await me.say("ivanov@example.com", me.reply_keyboard, "the phone question")
    await me.say("Пропустить", me.offers("cons:1"), "the consent")
    await me.tap("cons:1", me.offers("sum:confirm"), "the summary")
    return me


# --- the web page beside the bot (web/) ------------------------------------------------------


async def web_page(bot: BotProcess, path: str = "/", lang: str = "ru") -> str:
    """The page once the process serves it (it starts listening after the migrations)."""
    url = f"http://127.0.0.1:{bot.web_port}{path}"
    async with aiohttp.ClientSession(cookies={"lang": lang}) as http:
        while True:
            try:
                async with http.get(url) as response:
                    assert response.status == 200, await response.text()
                    return await response.text()
            except aiohttp.ClientConnectionError:
                await bot.until(asyncio.sleep(0.2))


async def test_run_serves_the_web_page_and_telegram_at_once(tmp_path: Path) -> None:
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    async with FakeTelegram() as tg, bot_process(tmp_path, tg) as bot:
        async with asyncio.timeout(2 * STARTUP_TIMEOUT):
            walker = Walker(tg, bot)
            # The page may answer before the bot's polling has begun: on a busy machine (over
            # 15 s once, in CI) the first reply has the start-up's time.
            welcome = "the welcome"
            await walker.say("/start", lambda c: TITLE_RU in c.text, welcome, STARTUP_TIMEOUT)
            page = await web_page(bot, f"/e/{SLUG}")
            assert TITLE_RU in page
            # The bot is known by now: the page links to its registration.
            assert f"https://t.me/{tg.bot_username}?start={SLUG}" in page
            assert "测试会议" in await web_page(bot, "/", "zh")
            async with aiohttp.ClientSession() as http:
                health = f"http://127.0.0.1:{bot.web_port}/healthz"
                async with http.get(health) as response:
                    assert response.status == 200
            assert await bot.terminate() == 0
        assert "Traceback" not in bot.log


async def test_without_a_token_the_web_page_runs_alone(tmp_path: Path) -> None:
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    env = bot_env(tmp_path, "http://127.0.0.1:9", BOT_TOKEN="")
    bot = await BotProcess.start(tmp_path, env, "web-alone.log")
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            assert TITLE_RU in await web_page(bot, f"/e/{SLUG}")
        hints = [line for line in bot.log.splitlines() if "BOT_TOKEN is not set" in line]
        assert len(hints) == 1 and "joins once BOT_TOKEN" in hints[0]
        assert await bot.terminate() == 0
        assert "Traceback" not in bot.log
    except BaseException:
        print(bot.log)
        raise
    finally:
        await bot.kill()


async def test_a_refused_token_is_one_line_and_the_web_page_stays(tmp_path: Path) -> None:
    from tests.fake_telegram import TelegramError

    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")

    async def refuse(token: str, params: dict[str, Any]) -> Any:
        raise TelegramError(401, "Unauthorized", http_status=401)

    async with FakeTelegram() as tg, bot_process(tmp_path, tg) as bot:
        tg.handlers["getMe"] = refuse
        async with asyncio.timeout(STARTUP_TIMEOUT):
            page = await web_page(bot, f"/e/{SLUG}")
            assert TITLE_RU in page and "t.me" not in page
            while "refused BOT_TOKEN" not in bot.log:
                await bot.until(asyncio.sleep(0.2))
            # The token is fixed (a restart in real life; here Telegram changes its mind):
            # the bot joins on its next try, and the page links to it.
            del tg.handlers["getMe"]
            walker = Walker(tg, bot)
            await walker.say("/start", lambda c: TITLE_RU in c.text, "the welcome")
        [line] = [line for line in bot.log.splitlines() if "refused BOT_TOKEN" in line]
        assert "401 Unauthorized" in line and "web page keeps serving" in line
        assert "Traceback" not in bot.log
        assert await bot.terminate() == 0
