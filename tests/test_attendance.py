"""Check-in: the button of the "we are starting" message and the code word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy import select

from db.models import Attendance
from tests.flows import register
from tests.harness import BotHarness, make_event

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, checkin_code="Победа", checkin_after_end="30m")]


async def checkins(harness: BotHarness) -> list[Attendance]:
    async with harness.session_factory() as session:
        return list((await session.execute(select(Attendance))).scalars().all())


async def test_start_message_button_checks_in_once(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user)
    harness.clock.set(START)
    await harness.reminders.run_due()
    start = user.messages()[-1]
    assert "начинается прямо сейчас" in start.method.text
    replies = await user.click("Я здесь")
    [answer] = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert answer.text == "✅ Вы отметились. Спасибо, что вы с нами!"
    replies = await user.click("Я здесь")
    assert any(getattr(r.method, "text", "") == "Вы уже отметились." for r in replies)
    [row] = await checkins(harness)
    assert row.method == "button" and row.checked_at == START


async def test_checkin_only_during_the_event(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user)
    harness.clock.set(START)
    await harness.reminders.run_due()
    harness.clock.set(START + timedelta(hours=3, minutes=31))  # 30 minutes after the end: closed
    replies = await user.click("Я здесь")
    assert any("только во время" in (getattr(r.method, "text", "") or "") for r in replies)
    assert await checkins(harness) == []


async def test_code_word_checks_in_and_is_otherwise_plain_text(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user)
    replies = await user.send("победа")  # before the start: right, but early
    assert replies[0].method.text == "Отметиться можно только во время конференции."
    assert await checkins(harness) == []
    harness.clock.set(START + timedelta(minutes=40))
    await user.send("  ПОБЕДА ")
    assert "Вы отметились" in user.last()
    [row] = await checkins(harness)
    assert row.method == "code"
    stranger = harness.user(2)
    await stranger.send("Победа")
    assert "только зарегистрированные" in stranger.last()


async def test_a_class_group_checks_in_with_its_button(harness: BotHarness) -> None:
    from tests.harness import BOT_USER
    from tests.test_classes import register_class
    from tests.test_handler_robustness import press_in_group

    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(-100500, f"/start@{BOT_USER.username} {school_class.code}")
    harness.clock.set(START)
    await harness.reminders.run_due()
    [start] = [
        s
        for s in harness.session.sent
        if isinstance(s.method, SendMessage)
        and s.method.chat_id == -100500
        and s.method.reply_markup
    ]
    button = start.method.reply_markup.inline_keyboard[0][0]  # type: ignore[union-attr]
    assert button.text == "✅ Мы здесь"  # the whole class, not «Я здесь»
    pupil = harness.user(51)
    await press_in_group(pupil, -100500, button.callback_data or "")  # in the class's group
    [row] = await checkins(harness)
    assert row.class_id == school_class.id
