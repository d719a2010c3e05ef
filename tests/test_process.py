"""The bot as it is deployed: `python -m bot run` in its own process, talking HTTP to a fake
Telegram (tests/fake_telegram.py), with a real SQLite file. One user walks the whole
registration form; SIGTERM then stops the bot cleanly.

Starting the interpreter and importing aiogram takes seconds, so keep tests of this kind few."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from bot.i18n import I18n
from bot.services.registration_form import LIMITS, Field
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


def bot_env(tmp_path: Path, api_url: str) -> dict[str, str]:
    # Every setting is given explicitly, so neither the caller's environment nor a developer's
    # .env in the repository can change what this test runs.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("BOT_", "TELEGRAM_", "DATABASE_", "EVENTS_", "ADMIN_"))
    }
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        EVENTS_FILE=str(tmp_path / "events.toml"),
        ADMIN_IDS="",
        LOG_LEVEL="INFO",
        SHUTDOWN_TIMEOUT="10",
        PYTHONUNBUFFERED="1",
    )
    return env


class Walker:
    """One user talking to the bot process; every step waits for the bot's last reply."""

    def __init__(self, tg: FakeTelegram, bot_exited: asyncio.Future[int]) -> None:
        self.tg = tg
        self.bot_exited = bot_exited
        self.t = I18n()("ru")
        self.ids = itertools.count(1)
        self.query_ids: list[str] = []

    async def _until(self, waiting: Awaitable[Call]) -> Call:
        """The awaited reply, or a failure as soon as the bot process dies."""
        task = asyncio.ensure_future(waiting)
        either: set[asyncio.Future[Any]] = {task, self.bot_exited}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        raise AssertionError(f"the bot exited with code {self.bot_exited.result()}")

    async def _step(
        self, update: dict[str, Any], until: Callable[[Call], bool], what: str, timeout: float
    ) -> Call:
        mark = self.tg.mark()
        self.tg.enqueue_update(update)
        return await self._until(
            self.tg.wait_for_message(USER_ID, until, after=mark, timeout=timeout, description=what)
        )

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

    async def tap(self, data: str, until: Callable[[Call], bool], what: str) -> Call:
        """Tap the button with callback `data` on the newest bot message that carries it."""
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
        return await self._step({"callback_query": query}, until, what, STEP_TIMEOUT)

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
    log_path = tmp_path / "bot.log"
    async with FakeTelegram() as tg:
        with log_path.open("wb") as log:
            # A file, not a pipe: nobody reads a pipe while the bot runs, and a full pipe
            # would block the bot.
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=REPO,
                env=bot_env(tmp_path, tg.base_url),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        exited = asyncio.ensure_future(proc.wait())
        try:
            async with asyncio.timeout(150):
                await walk_the_form(tg, exited)
                before_stop = log_path.read_text(encoding="utf-8", errors="replace")
                assert "Traceback" not in before_stop

                proc.send_signal(signal.SIGTERM)
                async with asyncio.timeout(EXIT_TIMEOUT):
                    code = await exited
                assert code == 0
        except BaseException:
            print("---- bot stdout/stderr ----")
            print(log_path.read_text(encoding="utf-8", errors="replace"))
            raise
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            exited.cancel()

    commands = tg.calls_of("setMyCommands")
    assert any(c.params.get("language_code") == "zh" for c in commands)
    assert commands[-1].params.get("commands"), "an empty command menu"

    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT r.*, e.slug FROM registrations r JOIN events e ON e.id = r.event_id"
        ).fetchall()
    db.close()
    assert len(rows) == 1
    row = rows[0]
    assert row["slug"] == SLUG
    assert row["user_id"] == USER_ID
    assert row["full_name"] == "Иванов Иван Иванович"
    assert row["country"] == "Россия"
    assert row["role"] == "teacher"
    assert row["participation_format"] == "online"
    assert not row["wants_to_speak"]
    assert row["email"] == "ivanov@example.com"
    assert row["phone"] is None
    assert row["status"] == "active"
    assert row["consent_version"]
    assert row["language"] == "ru"


async def walk_the_form(tg: FakeTelegram, exited: asyncio.Future[int]) -> None:
    me = Walker(tg, exited)
    await me.say("/start", me.offers(f"reg:{SLUG}"), "the event card", timeout=STARTUP_TIMEOUT)
    await me.tap(f"reg:{SLUG}", me.asks("ask-full-name", Field.FULL_NAME), "the name question")
    await me.say("Иванов Иван Иванович", me.offers("ch:country:"), "the country question")
    await me.tap("ch:country:country-russia", me.asks("ask-city", Field.CITY), "the city question")
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
    registered = me.t("registered", event=escape(TITLE_RU))
    await me.tap("sum:confirm", lambda c: registered in c.text, "the confirmation")

    # Every tap was answered, so no client is left with a spinning button.
    answered = {c.params.get("callback_query_id") for c in tg.calls_of("answerCallbackQuery")}
    assert set(me.query_ids) <= answered
    # Choices are written into the question they answer.
    assert any("→" in c.text for c in tg.calls_of("editMessageText"))
    assert not [c for c in tg.calls if c.error], "the bot made a request Telegram refused"
