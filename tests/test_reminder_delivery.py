"""Reminder waves through the real ReminderService, the real database and the recording
session, with the clock moved by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.services.delivery.pacing import PacedSender
from bot.services.registration.registrations import sync_events
from bot.services.reminders.runner import ReminderService
from db.models import Delivery, User
from tests.flows import LABELS, register
from tests.harness import BotHarness, FakeUser, catalog_of, make_event, strip_tags

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
LINK = "https://voov.example/j/123"
MEETING = {"link": LINK, "id": "123 456 789", "passcode": "2025"}


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, meeting=MEETING)]


def texts_since(user: FakeUser, start: int) -> list[str]:
    return [strip_tags(t) for t in user.texts()[start:]]


async def ledger(harness: BotHarness) -> list[tuple[int, str, str, str | None]]:
    async with harness.session_factory() as session:
        rows = (await session.execute(select(Delivery).order_by(Delivery.id))).scalars().all()
        return [(r.registration_id, r.kind, r.status, r.link) for r in rows]


async def at(harness: BotHarness, moment: datetime) -> None:
    harness.clock.set(moment)
    await harness.reminders.run_due()


async def register_offline(user: FakeUser) -> None:
    await user.send("/start")
    await user.click(LABELS["ru"]["register"])
    for answer in ("Офлайнов Олег", "Россия", "Москва", "Школа"):
        await user.send(answer)
    await user.click("Педагог")
    await user.click("Очно")
    await user.click("Нет, только слушать")
    await user.send("oleg@example.com")
    await user.send("Пропустить")
    await user.click("Даю согласие")
    await user.click("Подтвердить")


async def test_a_whole_event_of_reminders(harness: BotHarness) -> None:
    ru, zh, muted, offline = (
        harness.user(i, c) for i, c in ((1, "ru"), (2, "zh"), (3, "ru"), (4, "ru"))
    )
    await register(ru)
    await register(zh, "zh", name="王芳")
    await register(muted)
    await muted.send("/reminders")
    assert "Напоминания выключены" in muted.last()
    await register_offline(offline)
    marks = {u.id: len(u.texts()) for u in (ru, zh, muted, offline)}

    # One day before: everybody but the muted one, in their language, no link yet.
    await at(harness, START - timedelta(days=1))
    [day_ru] = texts_since(ru, marks[1])
    assert "Напоминание" in day_ru and "через 1 день" in day_ru
    assert "10:00 МСК" in day_ru and "15:00 по пекинскому времени" in day_ru
    assert LINK not in day_ru and "ближе к началу" in day_ru
    [day_zh] = texts_since(zh, marks[2])
    assert "1天后" in day_zh and "2025年9月3日 15:00（北京时间）" in day_zh and LINK not in day_zh
    assert texts_since(muted, marks[3]) == []
    [day_off] = texts_since(offline, marks[4])
    assert "очной площадке: Москва, Дом дружбы" in day_off and LINK not in day_off

    # Running again changes nothing: the ledger knows.
    sent_before = len(harness.session.sent)
    await at(harness, START - timedelta(days=1) + timedelta(minutes=5))
    assert len(harness.session.sent) == sent_before

    # Ten minutes before: the link, the meeting ID and passcode, also for the muted one.
    await at(harness, START - timedelta(minutes=10))
    ten_ru = texts_since(ru, marks[1])[-1]
    assert "через 10 минут" in ten_ru and LINK in ten_ru and "123 456 789" in ten_ru
    assert "2025" in ten_ru and "VooV Meeting" in ten_ru
    assert "腾讯会议" in texts_since(zh, marks[2])[-1] and LINK in texts_since(zh, marks[2])[-1]
    assert LINK in texts_since(muted, marks[3])[-1]
    assert LINK not in texts_since(offline, marks[4])[-1]  # venue instead

    await at(harness, START)
    assert "начинается прямо сейчас" in texts_since(ru, marks[1])[-1]
    assert LINK in texts_since(ru, marks[1])[-1]
    assert "现在开始" in texts_since(zh, marks[2])[-1]

    # The one hour reminder was never sent (the clock jumped over it), nothing else doubled.
    counts = {u.id: len(texts_since(u, marks[u.id])) for u in (ru, zh, muted, offline)}
    assert counts == {1: 3, 2: 3, 3: 2, 4: 3}
    kinds = sorted({k for _, k, _, _ in await ledger(harness)})
    assert kinds == ["before-600", "before-86400", "shown", "start"] or kinds == [
        "before-600",
        "before-86400",
        "start",
    ]

    # Over: nothing more, however often the planner looks.
    sent_before = len(harness.session.sent)
    await at(harness, START + timedelta(hours=5))
    assert len(harness.session.sent) == sent_before


async def test_catch_up_after_downtime_sends_only_the_latest(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    mark = len(user.texts())
    await at(harness, START - timedelta(minutes=30))  # down through the 1 day and 1 hour marks
    [text] = texts_since(user, mark)
    assert "через 30 минут" in text
    await at(harness, START + timedelta(minutes=20))  # down through 10 minutes and the start
    [_, late] = texts_since(user, mark)
    assert "начинается прямо сейчас" in late and LINK in late


async def test_late_registrations_do_not_get_old_reminders(harness: BotHarness) -> None:
    harness.clock.set(START - timedelta(hours=3))
    user = harness.user()
    await register(user)
    mark = len(user.texts())
    await at(harness, START - timedelta(hours=2))
    assert texts_since(user, mark) == []  # the 1 day reminder was due before they registered
    await at(harness, START - timedelta(hours=1))
    assert "через 1 час" in texts_since(user, mark)[0]


async def test_link_shown_at_registration_once_released(harness: BotHarness) -> None:
    harness.clock.set(START - timedelta(minutes=5))
    user = harness.user()
    await register(user)
    confirmation = strip_tags(user.last())
    assert "Вы зарегистрированы" in confirmation and LINK in confirmation


async def test_registered_while_the_conference_runs_gets_the_link_and_no_promise(
    harness: BotHarness,
) -> None:
    """No reminder is due any more (the planner leaves late registrants to their
    confirmation): the confirmation carries the link, and does not promise reminders."""
    harness.clock.set(START + timedelta(minutes=20))
    user = harness.user()
    await register(user)
    confirmation = strip_tags(user.last())
    assert "Вы зарегистрированы" in confirmation and LINK in confirmation
    assert "Конференция уже началась" in confirmation
    assert "Перед началом бот пришлёт напоминания" not in confirmation
    mark = len(user.texts())
    await at(harness, START + timedelta(minutes=40))
    assert texts_since(user, mark) == []


async def test_cancelled_and_erased_get_nothing(harness: BotHarness) -> None:
    stays, leaves, erased = harness.user(1), harness.user(2), harness.user(3)
    for user in (stays, leaves, erased):
        await register(user)
    await leaves.send("/unregister")
    await leaves.click("Да, отменить участие")
    await erased.send("/delete_me")
    await erased.click("Да, удалить")
    marks = {u.id: len(u.texts()) for u in (stays, leaves, erased)}
    await at(harness, START - timedelta(minutes=10))
    assert len(texts_since(stays, marks[1])) == 1
    assert texts_since(leaves, marks[2]) == [] and texts_since(erased, marks[3]) == []


async def test_429_is_retried_and_403_marks_unreachable(harness: BotHarness) -> None:
    flood, blocked, fine = harness.user(1), harness.user(2), harness.user(3)
    for user in (flood, blocked, fine):
        await register(user)
    method = SendMessage(chat_id=1, text="x")
    harness.session.chat_failures[1] = [
        TelegramRetryAfter(method=method, message="Too Many Requests: retry after 0", retry_after=0)
    ]
    harness.session.chat_failures[2] = [
        TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
    ]
    marks = {u.id: len(u.texts()) for u in (flood, blocked, fine)}
    await at(harness, START - timedelta(hours=1))
    assert len(texts_since(flood, marks[1])) == 1  # retried, delivered once
    assert len(texts_since(fine, marks[3])) == 1
    async with harness.session_factory() as session:
        stored = await session.get(User, 2)
        assert stored is not None and stored.is_reachable is False
    assert {k for r, k, _, _ in await ledger(harness) if k.startswith("before")} == {"before-3600"}
    # No more attempts while blocked...
    sent = len(harness.session.sent)
    await at(harness, START - timedelta(minutes=10))
    tries_to_blocked = [
        s
        for s in harness.session.sent[sent:]
        if isinstance(s.method, SendMessage) and s.method.chat_id == 2
    ]
    assert tries_to_blocked == []
    # ...until they write to the bot again: then the latest reminder (with the link) comes.
    await blocked.send("/me")
    await at(harness, START - timedelta(minutes=9))
    assert LINK in strip_tags(blocked.texts()[-1])


async def test_stopping_mid_wave_then_resuming_sends_each_once(harness: BotHarness) -> None:
    import asyncio

    users = [harness.user(100 + i) for i in range(30)]
    for user in users:
        await register(user)
    harness.clock.set(START - timedelta(hours=1))
    slow = ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=PacedSender(rate=200, private_interval=0),
    )
    sent = 0
    stopped = asyncio.Event()

    def stop_after_ten(method: object) -> None:
        nonlocal sent
        if isinstance(method, SendMessage) and "через 1 час" in method.text:
            sent += 1
            if sent == 10:  # SIGTERM arrives now, in the middle of the wave
                task = asyncio.get_running_loop().create_task(slow.stop())
                task.add_done_callback(lambda _: stopped.set())

    harness.session.on_request = stop_after_ten
    await slow.reconcile()
    await stopped.wait()
    harness.session.on_request = None
    got = sum(1 for u in users if "через 1 час" in u.last())
    assert 10 <= got < 30
    await harness.reminders.run_due()  # "restarted"
    for user in users:
        assert sum("через 1 час" in t for t in user.texts()) == 1


async def test_changed_link_is_corrected_once_for_those_who_had_it(harness: BotHarness) -> None:
    early, late = harness.user(1), harness.user(2)
    await register(early)
    await at(harness, START - timedelta(minutes=10))  # early has the old link
    harness.clock.set(START - timedelta(minutes=8))
    await register(late)  # late registers after the link went out: sees it in the confirmation
    new_link = "https://voov.example/j/999"
    catalog = catalog_of(make_event(starts_at=START, meeting={**MEETING, "link": new_link}))
    async with harness.session_factory() as session:
        await sync_events(session, catalog, harness.clock)
    restarted = ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
    )
    mark = {u.id: len(u.texts()) for u in (early, late)}
    await restarted.run_due()
    for user in (early, late):
        [fix] = texts_since(user, mark[user.id])
        assert "Ссылка на подключение изменилась" in fix and new_link in fix
    await restarted.run_due()
    assert all(len(texts_since(u, mark[u.id])) == 1 for u in (early, late))
    harness.clock.set(START)
    await restarted.run_due()
    assert (
        new_link in texts_since(early, mark[1])[-1] and LINK not in texts_since(early, mark[1])[-1]
    )


async def test_link_command_before_and_after_release(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    await user.send("/link")
    answer = strip_tags(user.last())
    assert LINK not in answer and "пришлёт перед началом" in answer
    assert "9:50" in answer or "09:50" in answer  # 10 minutes before 10:00 Moscow time
    harness.clock.set(START - timedelta(minutes=10))
    await user.send("/link")
    assert LINK in strip_tags(user.last())
    stranger = harness.user(77)
    await stranger.send("/link")
    assert "зарегистрированным участникам" in stranger.last()


async def test_mute_toggles_from_the_menu(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    await user.click("Напоминания вкл/выкл")
    assert "выключены" in user.last()
    await user.click("Напоминания вкл/выкл")
    assert "включены" in user.last()


async def test_calendar_file_parses_and_matches_the_event(harness: BotHarness) -> None:
    from aiogram.methods import SendDocument
    from icalendar import Calendar

    user = harness.user()
    await register(user)
    [doc] = [s.method for s in harness.session.sent if isinstance(s.method, SendDocument)]
    assert doc.chat_id == user.id and doc.document.filename == "victory-2025.ics"
    calendar = Calendar.from_ical(doc.document.data)
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == START
    assert vevent.decoded("dtend") == START + timedelta(hours=3)
    assert str(vevent["summary"]) == "Конференция «victory-2025»"
    assert "VooV" in str(vevent["location"])  # the link is not out yet
    triggers = sorted(a.decoded("trigger") for a in vevent.walk("VALARM"))
    assert triggers == [-timedelta(days=1), -timedelta(hours=1), -timedelta(minutes=10)]
    assert "Календар" in (doc.caption or "")


async def test_moved_event_replans_without_repeating(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    await at(harness, START - timedelta(days=1))  # the 1 day reminder went out
    moved = START + timedelta(hours=2)
    catalog = catalog_of(make_event(starts_at=moved, meeting=MEETING))
    async with harness.session_factory() as session:
        await sync_events(session, catalog, harness.clock)
    restarted = ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
    )
    mark = len(user.texts())
    harness.clock.set(START - timedelta(hours=1))  # the old 1 hour mark: nothing now
    await restarted.run_due()
    assert texts_since(user, mark) == []
    harness.clock.set(moved - timedelta(hours=1))  # the new one
    await restarted.run_due()
    [text] = texts_since(user, mark)
    assert "через 1 час" in text and "12:00 МСК" in text
    harness.clock.set(moved - timedelta(days=1) + timedelta(hours=3))
    await restarted.run_due()
    assert len(texts_since(user, mark)) == 1  # the 1 day reminder is not repeated
