"""A class with no Telegram group, with the bot running as a process (`python -m bot run`)
against the fake Telegram server on the real clock: its teacher's private chat gets the
reminder, the start message with the link and the class's check-in button, a link correction
after an organizer changes the link, and the class's certificate, each once.

The class is written into the database before the bot starts (tests/test_process_reminders.py
does the same for participants); the organizer and the teacher then talk to the bot through
the fake server. About 20 s, most of it waiting for the start."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import SystemClock
from bot.i18n import I18n
from bot.services.events.catalog import load_events
from bot.services.registration.registrations import sync_events
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models import (
    ClassStudent,
    EventRow,
    RegistrationSource,
    RegistrationStatus,
    SchoolClass,
    StudentStatus,
    User,
)
from tests.fake_telegram import Call, FakeTelegram
from tests.test_process import STARTUP_TIMEOUT, STEP_TIMEOUT, BotProcess, bot_process, db_path
from tests.test_process_reminders import (
    LINK,
    MEETING_ID,
    PASSCODE,
    SLUG,
    TITLE,
    assert_clean,
    events_toml,
    next_call_within,
)

TEACHER_ID = 5001
ORGANIZER_ID = 9001
NEW_LINK = "https://voov.example/j/456"
# The regular look at the database: a duplicate would come with the next one.
CHECK_SECONDS = 1
# The start, after the bot is up: interpreter start-up and imports take about 4 s on an idle
# 2-core machine, far longer while the other workers start too (this test runs first): over
# 25 s in a CI run on a slow machine. A bot up later than the start's wave skips the reminder
# (superseded), and the test then checks the rest without it; the wait costs the suite little,
# as the other workers use the cores meanwhile.
START_AFTER = timedelta(seconds=45)
T = I18n()("ru")
CLASS_HEAD = T("reminder-class-head", class_name="8 «Б»")  # as sent, with its markup


async def seed(tmp_path: Path, registered_at: datetime) -> None:
    """The schema, the event, the teacher's chat and a class registered in the bot, with no
    group bound."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_path(tmp_path)}")
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, load_events(tmp_path / "events.toml"), SystemClock())
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
            assert event_id is not None
            session.add(
                User(
                    id=TEACHER_ID,
                    language="ru",
                    is_reachable=True,
                    created_at=registered_at,
                    updated_at=registered_at,
                )
            )
            await session.flush()
            school_class = SchoolClass(
                code="cls8b",
                event_id=event_id,
                teacher_id=TEACHER_ID,
                status=RegistrationStatus.ACTIVE,
                language="ru",
                name="8 «Б»",
                declared_size=2,
                teacher_name="Петрова Анна Сергеевна",
                country="Россия",
                city="Хабаровск",
                school="Школа № 5",
                email="petrova@school5.ru",
                consent_at=registered_at,
                consent_version="test",
                source=RegistrationSource.BOT,
                created_at=registered_at,
                updated_at=registered_at,
            )
            session.add(school_class)
            await session.flush()
            session.add_all(
                ClassStudent(
                    class_id=school_class.id,
                    full_name=name,
                    status=StudentStatus.ACTIVE,
                    created_at=registered_at,
                )
                for name in ("Иванов Иван", "Сидорова Мария")
            )
            await session.commit()
    finally:
        await engine.dispose()


class Person:
    """Someone writing to the bot process in a private chat; each step waits for the bot."""

    ids = itertools.count(1)

    def __init__(self, tg: FakeTelegram, bot: BotProcess, user_id: int) -> None:
        self.tg, self.bot, self.user_id = tg, bot, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}

    async def _step(self, update: dict[str, Any], until: Callable[[Call], bool], what: str) -> Call:
        mark = self.tg.mark()
        self.tg.enqueue_update(update)
        reply: Call = await self.bot.until(
            self.tg.wait_for_call(until, after=mark, timeout=STEP_TIMEOUT, description=what)
        )
        return reply

    def replies(self, needle: str) -> Callable[[Call], bool]:
        return lambda c: (
            c.method == "sendMessage" and c.chat_id == self.user_id and needle in c.text
        )

    async def say(self, text: str, until: Callable[[Call], bool], what: str) -> Call:
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "from": self.user,
            "chat": {"id": self.user_id, "type": "private", "first_name": "Анна"},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return await self._step({"message": message}, until, what)

    async def tap(self, carrier: Call, data: str, until: Callable[[Call], bool], what: str) -> Call:
        assert data in carrier.callback_data(), (data, carrier.callback_data())
        query = {
            "id": f"q{next(self.ids)}",
            "from": self.user,
            "chat_instance": str(self.user_id),
            "data": data,
            "message": carrier.result,
        }
        return await self._step({"callback_query": query}, until, what)

    async def tap_label(self, label: str, until: Callable[[Call], bool], what: str) -> Call:
        """The newest button labelled `label` in the bot's messages to this person."""
        for call in reversed(self.tg.messages_to(self.user_id)):
            markup = call.reply_markup or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in button.get("text", "") and "callback_data" in button:
                        return await self.tap(call, button["callback_data"], until, what)
        raise AssertionError(f"no button {label!r} for {self.user_id}")


async def test_a_class_without_a_group_is_reached_in_the_teachers_chat(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # The reminder (the last before the start: with the link) is due already, so the bot sends
    # it as soon as it is up (the class was registered before it was due); the start message
    # follows at the start.
    starts = now + START_AFTER
    (tmp_path / "events.toml").write_text(
        events_toml(starts=starts, ends=starts + timedelta(hours=1), reminders=["10m"]),
        encoding="utf-8",
    )
    await seed(tmp_path, registered_at=now - timedelta(hours=1))
    title = escape(TITLE["ru"])
    before_head = T("reminder-before", event=title, countdown="\x00").split("\x00")[0]
    start_head = T("reminder-start", event=title)

    def for_class(call: Call) -> bool:
        return (
            call.method == "sendMessage" and call.chat_id == TEACHER_ID and CLASS_HEAD in call.text
        )

    def document(call: Call) -> bool:
        return call.method == "sendDocument" and call.chat_id == TEACHER_ID

    async with (
        FakeTelegram() as tg,
        bot_process(
            tmp_path,
            tg,
            REMINDER_CHECK_SECONDS=str(CHECK_SECONDS),
            ADMIN_IDS=str(ORGANIZER_ID),
        ) as bot,
    ):
        teacher = Person(tg, bot, TEACHER_ID)
        organizer = Person(tg, bot, ORGANIZER_ID)
        first = await bot.until(
            tg.wait_for_call(
                lambda c: for_class(c) and (before_head in c.text or start_head in c.text),
                timeout=STARTUP_TIMEOUT + START_AFTER.total_seconds(),
                description="the class's reminder in the teacher's chat",
            )
        )
        reminder: Call | None = first
        if start_head in first.text:
            # Up after the start (a machine far slower than START_AFTER allows for): the
            # reminder was superseded by the start message, as it must be, never sent late.
            print("the bot came up after the start: no reminder is due")
            reminder, start = None, first
        else:
            start = await bot.until(
                tg.wait_for_call(
                    lambda c: for_class(c) and start_head in c.text,
                    timeout=(starts - datetime.now(UTC)).total_seconds() + 15,
                    description="the class's start message in the teacher's chat",
                )
            )

        # An organizer changes the link: the teacher's chat gets it as a correction.
        await organizer.say("/setlink", organizer.replies("https://"), "asks the link")
        await organizer.say(NEW_LINK, organizer.replies(T("admin-ask-meeting-id")), "meeting id")
        await organizer.tap_label(T("admin-skip"), organizer.replies(T("admin-ask-passcode")), "pc")
        await organizer.tap_label(T("admin-skip"), organizer.replies(NEW_LINK), "the summary")
        correction = await organizer.tap_label(
            T("admin-confirm"),
            lambda c: for_class(c) and NEW_LINK in c.text,
            "the correction in the teacher's chat",
        )

        # The class's check-in button works in the teacher's private chat.
        [checkin] = [d for d in start.callback_data() if d.startswith("chk:")]
        answer = await teacher.tap(
            start,
            checkin,
            lambda c: c.method == "answerCallbackQuery",
            "the check-in's answer",
        )

        # The organizer sends the certificates: the class's comes to the teacher's chat.
        await organizer.say(
            "/certificates",
            lambda c: f"acert:send:{SLUG}" in c.callback_data(),
            "the certificate actions",
        )
        certificate = await organizer.tap_label(
            T("admin-cert-send"), document, "the certificate in the teacher's chat"
        )

        # A duplicate would come with a later look at the database.
        extra = await next_call_within(
            tg,
            lambda c: for_class(c) or document(c),
            after=tg.mark(),
            seconds=2 * CHECK_SECONDS + 1,
        )
        assert extra is None, f"one message too many: {extra}"
        assert await bot.terminate() == 0
        log = bot.log

    if reminder is not None:
        assert LINK in reminder.text and MEETING_ID in reminder.text
        assert PASSCODE in reminder.text
    assert LINK in start.text
    assert T("checkin-button-class") in start.button_texts()
    assert T("link-changed", event=title).splitlines()[0] in correction.text
    assert answer.params.get("text") == T("checkin-class-done", class_name="8 «Б»")
    assert str(certificate.params.get("caption", "")).startswith("🎓 Благодарственное письмо")
    # Once each: the reminder, the start message, the correction; one certificate.
    told = [reminder.text] if reminder is not None else []
    assert [c.text for c in tg.calls if for_class(c)] == [*told, start.text, correction.text]
    assert len([c for c in tg.calls if document(c)]) == 1
    refused = [f"{c.method}: {c.error}" for c in tg.calls if c.error]
    assert not refused, "the bot made requests Telegram refused"
    assert_clean(log)
