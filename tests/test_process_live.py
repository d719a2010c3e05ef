"""/live in the bot running as a process (`python -m bot run`) against the fake Telegram server,
on the real clock and the runtime's scheduler: 500 registrants, two organizers watching (one in
Russian, one in Chinese), 150 check-ins arriving through the "I'm here" button while the boards
are open. The fake enforces Telegram's edit limits: a second edit of one message within a
second gets a 429 (with retry_after), an edit that changes nothing gets "message is not
modified"; neither may happen. Each board stays one message, edited in place, and ends with the
right counts; SIGTERM tells both boards that updates stopped. About 25 s on a 2-core machine."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.clock import SystemClock
from bot.services.events.catalog import load_events
from bot.services.registration.registrations import sync_events
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models import EventRow, Registration, User
from handlers.callbacks import CheckInCb
from tests.fake_telegram import Call, FakeTelegram, TelegramError
from tests.servers import participant_rows
from tests.test_process import SLUG, STARTUP_TIMEOUT, bot_process, db_path
from tests.test_process_reminders import assert_clean, wait_for_count

RU_ORGANIZER, ZH_ORGANIZER = 9000, 9001
FIRST = 10_000
REGISTRANTS = 500
CHECK_INS = 150
LAST_NAME = "Ли <Мин>"  # the last to check in: escaped on the board


def is_offline(user_id: int) -> bool:
    return (user_id - FIRST) % 5 == 0


def events_toml(now: datetime) -> str:
    """An event under way: check-in is open."""
    starts = now - timedelta(minutes=10)
    return f"""
[[events]]
slug = "{SLUG}"
format = "hybrid"
starts_at = {starts.isoformat()}
ends_at = {(starts + timedelta(hours=3)).isoformat()}

[events.title]
ru = "Проверка присутствия"
zh = "签到测试"

[events.description]
ru = "Описание"
zh = "简介"

[events.venue]
ru = "Москва"
zh = "莫斯科"

[events.contacts]
email = "org@example.com"
"""


async def seed(tmp_path: Path, now: datetime) -> int:
    """The event, both organizers (no registration) and the registrants, every fifth offline.
    Returns the event's id."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_path(tmp_path)}")
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, load_events(tmp_path / "events.toml"), SystemClock())
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
            assert event_id is not None
            people = [FIRST + i for i in range(REGISTRANTS)]
            users, registrations = participant_rows(
                event_id, [RU_ORGANIZER, ZH_ORGANIZER, *people], now
            )
            users[0]["language"], users[1]["language"] = "ru", "zh"
            for row in registrations:
                if is_offline(row["user_id"]):
                    row["participation_format"] = "offline"
                if row["user_id"] == FIRST + CHECK_INS - 1:
                    row["full_name"] = LAST_NAME
            await session.execute(insert(User), users)
            await session.execute(insert(Registration), registrations[2:])
            await session.commit()
            return event_id
    finally:
        await engine.dispose()


@dataclass
class EditLimits:
    """Telegram's rules for editMessageText, as the fake enforces them here."""

    tg: FakeTelegram
    last: dict[tuple[int, int], tuple[float, str]] = field(default_factory=dict)
    too_fast: list[tuple[int, int]] = field(default_factory=list)
    not_modified: list[tuple[int, int]] = field(default_factory=list)

    async def edit(self, token: str, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        now, text = time.monotonic(), str(params.get("text", ""))
        before = self.last.get(key)
        if before is not None and now - before[0] < 1.0:
            self.too_fast.append(key)
            raise TelegramError.flood(retry_after=1)
        if before is not None and before[1] == text:
            self.not_modified.append(key)
            raise TelegramError(400, "Bad Request: message is not modified", http_status=400)
        self.last[key] = (now, text)
        return await self.tg.builtin(token, "editMessageText", params)

    async def send(self, token: str, params: dict[str, Any]) -> Any:
        message = await self.tg.builtin(token, "sendMessage", params)
        key = (int(params["chat_id"]), int(message["message_id"]))
        self.last[key] = (time.monotonic(), str(params.get("text", "")))
        return message


def command(user_id: int, text: str, language: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Орг", "language_code": language}
    return {
        "message": {
            "message_id": 1,
            "from": user,
            "chat": {"id": user_id, "type": "private"},
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        }
    }


def tap(user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Участник", "language_code": "ru"}
    return {
        "callback_query": {
            "id": f"q{user_id}-{message_id}",
            "from": user,
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "text": "…",
            },
        }
    }


def showing(*parts: str) -> Callable[[Call], bool]:
    return lambda call: all(part in call.text for part in parts)


def edit_showing(chat_id: int, *parts: str) -> Callable[[Call], bool]:
    """A successful edit of the chat's board that shows every part."""

    def matches(call: Call) -> bool:
        return (
            call.method == "editMessageText"
            and call.chat_id == chat_id
            and call.error is None
            and all(part in call.text for part in parts)
        )

    return matches


def edits_of(tg: FakeTelegram, chat_id: int, after: int = 0) -> list[Call]:
    return [c for c in tg.calls[after:] if c.method == "editMessageText" and c.chat_id == chat_id]


async def test_live_boards_follow_check_ins_within_telegrams_edit_limits(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    (tmp_path / "events.toml").write_text(events_toml(now), encoding="utf-8")
    event_id = await seed(tmp_path, now - timedelta(days=1))
    # The "we are starting" wave goes to all 500 meanwhile, as on the day.
    settings = {"ADMIN_IDS": f"{RU_ORGANIZER},{ZH_ORGANIZER}", "SEND_RATE": "30"}
    async with FakeTelegram() as tg, bot_process(tmp_path, tg, **settings) as bot:
        limits = EditLimits(tg)
        tg.handlers["editMessageText"] = limits.edit
        tg.handlers["sendMessage"] = limits.send
        async with asyncio.timeout(STARTUP_TIMEOUT + 40):
            boards: dict[int, int] = {}
            for user_id, language, registered in (
                (RU_ORGANIZER, "ru", "Зарегистрировано: 500"),
                (ZH_ORGANIZER, "zh", "报名人数：500"),
            ):
                tg.enqueue_update(command(user_id, "/live", language))
                board = await bot.until(
                    tg.wait_for_message(
                        user_id,
                        showing(registered),
                        timeout=STARTUP_TIMEOUT,
                        description=f"the /live board of {user_id}",
                    )
                )
                boards[user_id] = int(board.result["message_id"])
            opened = time.monotonic()

            # Check-ins arrive over about ten seconds, the boards open meanwhile.
            button = CheckInCb(event_id=event_id).pack()
            for i in range(CHECK_INS - 1):
                tg.enqueue_update(tap(FIRST + i, button))
                if i % 15 == 14:
                    await asyncio.sleep(1.0)
            await wait_for_count(
                tg, bot, checked_in, CHECK_INS - 1, timeout=30, description="the check-ins"
            )
            mark = tg.mark()
            tg.enqueue_update(tap(FIRST + CHECK_INS - 1, button))
            await wait_for_count(
                tg, bot, checked_in, 1, after=mark, timeout=10, description="the last check-in"
            )

            online, offline = checked_in_by_format()
            ru_final = (
                f"Отметились: {CHECK_INS} из {REGISTRANTS} (30\u00a0%)",
                f"• онлайн: {online} из 400",
                f"• очно: {offline} из 100",
                "Ли &lt;Мин&gt;, кнопкой",
            )
            zh_final = (f"已签到：{CHECK_INS}/{REGISTRANTS}（30%）", f"• 线下：{offline}/100")
            for user_id, wanted in ((RU_ORGANIZER, ru_final), (ZH_ORGANIZER, zh_final)):
                await bot.until(
                    tg.wait_for_call(
                        edit_showing(user_id, *wanted),
                        timeout=15,
                        description=f"the final counts on the board of {user_id}",
                    )
                )
            watched = time.monotonic() - opened

            # The Chinese organizer presses Stop just after that update: the board's last word
            # keeps a second's distance from it (else the fake answers 429).
            tg.enqueue_update(tap(ZH_ORGANIZER, "alv:stop", boards[ZH_ORGANIZER]))
            stopped = await bot.until(
                tg.wait_for_call(
                    edit_showing(ZH_ORGANIZER, "已停止更新"),
                    timeout=10,
                    description="the stopped Chinese board",
                )
            )
            assert all(part in stopped.text for part in zh_final)
            assert stopped.reply_markup is None
            await asyncio.sleep(1.1)  # the last update is a second behind
            assert await bot.terminate() == 0

        # Every edit went to the board's own message; none too soon, none without a change.
        assert limits.too_fast == [] and limits.not_modified == []
        assert [c for c in tg.calls if c.error] == []
        for user_id, message_id in boards.items():
            mine = edits_of(tg, user_id)
            assert {int(c.params["message_id"]) for c in mine} == {message_id}
            assert len(tg.messages_to(user_id)) == 1
            # Updates every few seconds, not on every check-in.
            assert 2 <= len(mine) <= watched / 3 + 3, len(mine)
        assert "бот перезапускается" in edits_of(tg, RU_ORGANIZER)[-1].text
        assert query_count(tmp_path, "SELECT count(*) FROM attendance") == CHECK_INS
        assert_clean(bot.log)


def checked_in_by_format() -> tuple[int, int]:
    ids = [FIRST + i for i in range(CHECK_INS)]
    offline = sum(1 for uid in ids if is_offline(uid))
    return len(ids) - offline, offline


def checked_in(call: Call) -> bool:
    """The answer to a participant's tap that checked them in (no alert: "already" and
    "closed" come as alerts)."""
    return (
        call.method == "answerCallbackQuery"
        and str(call.params.get("callback_query_id", "")).startswith(f"q{FIRST // 10_000}")
        and not call.params.get("show_alert")
    )


def query_count(tmp_path: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path(tmp_path))) as db:
        return int(db.execute(sql).fetchone()[0])
