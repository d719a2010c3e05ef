"""The organizer console: access, /setlink, /event, /speakers, /broadcast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, CopyMessage, SendMessage
from sqlalchemy import select

from bot.services.delivery.broadcasts import BroadcastService
from bot.services.events.settings import apply_stored_overrides
from db.audiences import Audience
from db.models import AuditEntry, Broadcast, BroadcastRecipient, EventRow, Registration, User
from handlers import callbacks as participant_callbacks
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, catalog_of, make_event, strip_tags

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
OLD_LINK = "https://voov.example/j/old"


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, meeting={"link": OLD_LINK, "id": "1", "passcode": "2"})]


def organizer(harness: BotHarness) -> FakeUser:
    return harness.user(ORGANIZER_ID, "ru")


async def audit_actions(harness: BotHarness) -> list[str]:
    async with harness.session_factory() as session:
        return [a.action for a in (await session.execute(select(AuditEntry))).scalars()]


@pytest.mark.parametrize(
    "command", ["/admin", "/stats", "/export", "/broadcast", "/setlink", "/event", "/speakers"]
)
async def test_organizer_commands_do_not_exist_for_others(
    harness: BotHarness, command: str
) -> None:
    user = harness.user(1)
    replies = await user.send(command)
    assert [r.method.text for r in replies] == [harness.i18n("ru")("unknown-command")]


@pytest.mark.parametrize(
    "data",
    [
        "am:stats",
        "ae:broadcast:victory-2025",
        "aa:all",
        "ac:broadcast:1",
        "ak:passcode",
        "af:victory-2025:starts_at",
        "as:1:approve",
        "ax:1",
    ],
)
async def test_forged_organizer_buttons_are_refused(harness: BotHarness, data: str) -> None:
    user = harness.user(1)
    replies = await user.press(data)
    assert len(replies) == 1
    [answer] = [r.method for r in replies]
    assert isinstance(answer, AnswerCallbackQuery) and answer.show_alert
    assert answer.text == "Эта кнопка только для организаторов."
    assert await audit_actions(harness) == []


def test_participant_buttons_never_look_like_organizer_ones() -> None:
    from aiogram.filters.callback_data import CallbackData

    prefixes = [
        cls.__prefix__
        for cls in vars(participant_callbacks).values()
        if isinstance(cls, type) and issubclass(cls, CallbackData) and cls is not CallbackData
    ]
    assert prefixes and not [p for p in prefixes if p.startswith("a")]


async def test_admin_menu(harness: BotHarness) -> None:
    org = organizer(harness)
    await org.send("/admin")
    assert "Консоль организатора" in org.last()
    await org.click("Мероприятие")
    assert "victory-2025" in org.last() and "Начало" in org.last()


async def test_setlink_validates_stores_and_corrects(harness: BotHarness) -> None:
    participant = harness.user(1)
    await register(participant)
    harness.clock.set(START - timedelta(minutes=10))
    await harness.reminders.run_due()  # the participant has the old link
    org = organizer(harness)
    await org.send("/setlink")
    assert "https://" in org.last()
    await org.send("voov.example/j/new")
    assert "не похоже на ссылку" in org.last()
    await org.send_sticker()
    assert "текст" in org.last()
    await org.send("https://voov.example/j/new")
    await org.send("987 654 321")
    await org.click("Пропустить")
    assert "987 654 321" in org.last() and "https://voov.example/j/new" in org.last()
    mark = len(participant.texts())
    await org.click("Подтвердить")
    assert "Ссылка сохранена" in org.last()
    await harness.reminders.run_due()
    [fix] = [strip_tags(t) for t in participant.texts()[mark:]]
    assert "https://voov.example/j/new" in fix and "987 654 321" in fix
    event = harness.catalog.get("victory-2025")
    assert event is not None and event.meeting.link == "https://voov.example/j/new"
    assert event.meeting.passcode == ""
    assert "set_link" in await audit_actions(harness)
    # Survives a restart: the file still says the old link, the database wins.
    fresh = catalog_of(make_event(starts_at=START, meeting={"link": OLD_LINK}))
    async with harness.session_factory() as session:
        await apply_stored_overrides(session, fresh)
    restored = fresh.get("victory-2025")
    assert restored is not None and restored.meeting.link == "https://voov.example/j/new"


async def test_event_times_change_from_the_chat(harness: BotHarness) -> None:
    org = organizer(harness)
    await org.send("/event")
    await org.click("Изменить начало")
    await org.send("завтра в десять")
    assert "Не получилось разобрать время" in org.last()
    await org.send("2025-09-03 14:00")  # later than the end: refused with the reason
    assert "Не сохранено: окончание должно быть позже начала." in org.last()
    assert "ends_at" not in org.last()  # the validator's English stays in the log
    await org.click("Изменить окончание")
    await org.send("2025-09-03 18:00 +03:00")
    assert "Сохранено" in org.texts()[-2]
    await org.click("Изменить начало")
    await org.send("2025-09-03 15:00")
    settings = strip_tags(org.last())
    assert "3 сентября 2025 г., 15:00 МСК" in settings
    event = harness.catalog.get("victory-2025")
    assert event is not None and event.starts_at == datetime(2025, 9, 3, 12, 0, tzinfo=UTC)
    async with harness.session_factory() as session:
        row = (await session.execute(select(EventRow))).scalar_one()
        assert row.starts_at == event.starts_at and row.overrides["starts_at"]
    assert (await audit_actions(harness)).count("set_starts_at") == 1


async def test_speakers_are_approved_and_declined(harness: BotHarness) -> None:
    ru, zh = harness.user(1, "ru"), harness.user(2, "zh")
    await register(ru, speak=True)
    await register(zh, "zh", name="李明", speak=True)
    org = organizer(harness)
    await org.send("/speakers")
    assert "Ждут решения: 2" in org.last() and "Иванов Иван Иванович" in org.last()
    await org.click("Одобрить")
    assert "одобрено" in ru.last() and "Память о войне" in ru.last()
    assert "李明" in org.last()
    await org.click("Отклонить")
    assert "很遗憾" in zh.last()
    assert "нет" in org.last()  # nobody else waiting
    async with harness.session_factory() as session:
        statuses = {
            r.full_name: r.speaker_status
            for r in (await session.execute(select(Registration))).scalars()
        }
    assert statuses == {"Иванов Иван Иванович": "approved", "李明": "declined"}
    replies = await org.press("as:1:approve")  # an old button: already decided
    assert any(isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert for r in replies)
    assert sorted(await audit_actions(harness)) == ["speaker_approved", "speaker_declined"]


async def test_broadcast_reaches_everyone_once_with_a_true_report(harness: BotHarness) -> None:
    users = [harness.user(10 + i, "zh" if i % 3 == 0 else "ru") for i in range(9)]
    for user in users:
        await register(user, "zh" if user.tg.language_code == "zh" else "ru")
    method = SendMessage(chat_id=1, text="x")
    harness.session.chat_failures[11] = [
        TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=0)
    ]
    harness.session.chat_failures[12] = [
        TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
    ]
    org = organizer(harness)
    await org.send("/broadcast")
    await org.click("Всем участникам (9)")
    await org.send("<b>Важно</b>: начинаем в 10:00")
    copies = [s.method for s in harness.session.sent if isinstance(s.method, CopyMessage)]
    assert [c.chat_id for c in copies] == [ORGANIZER_ID]  # the preview
    assert "Получателей: 9" in org.last()
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    copies = [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, CopyMessage) and not isinstance(s.result, Exception)
    ]
    delivered = sorted(c.chat_id for c in copies if c.chat_id != ORGANIZER_ID)
    assert delivered == sorted(u.id for u in users if u.id != 12)
    report = strip_tags(org.last())
    assert "Доставлено: 8 из 9" in report and "Недоступны (заблокировали бота): 1" in report
    async with harness.session_factory() as session:
        blocked = await session.get(User, 12)
        assert blocked is not None and not blocked.is_reachable
        statuses = sorted(
            r.status for r in (await session.execute(select(BroadcastRecipient))).scalars()
        )
        assert statuses == ["sent"] * 8 + ["unreachable"]
        [broadcast] = (await session.execute(select(Broadcast))).scalars().all()
        assert broadcast.status == "done" and broadcast.total == 9
    assert "broadcast" in await audit_actions(harness)


async def test_broadcast_audience_by_language(harness: BotHarness) -> None:
    ru, zh = harness.user(1, "ru"), harness.user(2, "zh")
    await register(ru)
    await register(zh, "zh", name="王芳")
    org = organizer(harness)
    await org.send("/broadcast")
    await org.click("Китайскоязычным (1)")
    await org.send("会议通知")
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    delivered = [
        s.method.chat_id
        for s in harness.session.sent
        if isinstance(s.method, CopyMessage) and s.method.chat_id != ORGANIZER_ID
    ]
    assert delivered == [zh.id]


async def test_broadcast_cancel_at_preview(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = organizer(harness)
    await org.send("/broadcast")
    await org.click("Всем участникам")
    await org.send("тест")
    await org.click("Отмена")
    assert "Отменено" in org.last()
    async with harness.session_factory() as session:
        assert (await session.execute(select(Broadcast))).first() is None


async def test_broadcast_stopped_midway_resumes_without_duplicates(harness: BotHarness) -> None:
    import asyncio

    users = [harness.user(100 + i) for i in range(20)]
    for user in users:
        await register(user)
    async with harness.session_factory() as session:
        event_id = (await session.execute(select(EventRow.id))).scalar_one()
    first = BroadcastService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        clock=harness.clock,
        sender=harness.sender,
        workers=2,
    )
    broadcast = await first.create(
        event_id=event_id,
        author_id=ORGANIZER_ID,
        audience=Audience.ALL,
        source_chat_id=ORGANIZER_ID,
        source_message_id=5,
    )
    copied = 0
    stopped = asyncio.Event()

    def stop_after_seven(method: object) -> None:
        nonlocal copied
        if isinstance(method, CopyMessage):
            copied += 1
            if copied == 7:  # the process is stopped here
                task = asyncio.get_running_loop().create_task(first.stop())
                task.add_done_callback(lambda _: stopped.set())

    harness.session.on_request = stop_after_seven
    first.start(broadcast.id)
    await stopped.wait()
    harness.session.on_request = None
    assert 7 <= copied < 20
    restarted = BroadcastService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        clock=harness.clock,
        sender=harness.sender,
    )
    assert await restarted.resume_all() == [broadcast.id]
    await restarted._running[broadcast.id]
    per_chat: dict[int, int] = {}
    for s in harness.session.sent:
        if isinstance(s.method, CopyMessage):
            per_chat[int(s.method.chat_id)] = per_chat.get(int(s.method.chat_id), 0) + 1
    assert per_chat == {u.id: 1 for u in users}


async def test_cancel_leaves_an_organizer_dialogue(harness: BotHarness) -> None:
    org = organizer(harness)
    await org.send("/setlink")
    await org.send("/cancel")
    assert "Действие отменено" in org.last()
    await org.send("https://voov.example/j/x")  # no longer taken as a link
    assert "Не удалось распознать" in org.last()


async def test_broadcast_report_survives_flood_control(harness: BotHarness) -> None:
    await register(harness.user(1))
    method = SendMessage(chat_id=ORGANIZER_ID, text="x")
    org = organizer(harness)
    await org.send("/broadcast")
    await org.click("Всем участникам")
    await org.send("Напоминание")
    # The report (a message to the organizer) meets flood control once.
    harness.session.chat_failures[ORGANIZER_ID] = []
    await org.click("Отправить")
    harness.session.chat_failures[ORGANIZER_ID] = [
        TelegramRetryAfter(method=method, message="Flood control exceeded", retry_after=0)
    ]
    await next(iter(harness.broadcasts._running.values()))
    assert "Рассылка завершена" in org.last()
