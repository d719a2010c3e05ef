"""Classes are reached whatever chat they use: with no Telegram group bound (classes in China
use WeChat; the bot removed from the group), the reminders, the start message with its check-in
button, link corrections and the certificate come to the teacher's private chat; a bound group
gets them instead, never both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMessage
from aiogram.types import Chat, ChatMemberLeft, ChatMemberMember, ChatMemberUpdated
from sqlalchemy import select

from db.models import Attendance, Certificate, GroupDelivery, SchoolClass, User
from tests.flows import register
from tests.harness import BOT_USER, ORGANIZER_ID, BotHarness, FakeUser, Sent, make_event, strip_tags
from tests.test_classes import finish, register_class, teacher_details
from tests.test_handler_robustness import press_in_group

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
OLD_LINK = "https://voov.example/j/old"
NEW_LINK = "https://voov.example/j/new"
GROUP = -100321
# The event's reminders: a day before, an hour before, ten minutes before (with the link).
MOMENTS = (START - timedelta(days=1), START - timedelta(hours=1), START - timedelta(minutes=10))
CLASS_HEAD = "👩‍🏫 Класс: 8 «Б»"


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, meeting={"link": OLD_LINK, "id": "1", "passcode": "2"})]


def to_chat(harness: BotHarness, chat_id: int) -> list[SendMessage]:
    """Messages Telegram accepted for `chat_id`, in order."""
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendMessage)
        and int(s.method.chat_id) == chat_id
        and not isinstance(s.result, Exception)
    ]


def class_messages(harness: BotHarness, chat_id: int) -> list[str]:
    return [
        strip_tags(m.text) for m in to_chat(harness, chat_id) if CLASS_HEAD in strip_tags(m.text)
    ]


def starts_of(harness: BotHarness, chat_id: int) -> list[SendMessage]:
    """The class's "we are starting" messages in this chat."""
    return [
        m
        for m in to_chat(harness, chat_id)
        if CLASS_HEAD in strip_tags(m.text) and "начинается прямо сейчас" in m.text
    ]


async def run_at(harness: BotHarness, *moments: datetime) -> None:
    for moment in moments:
        harness.clock.set(moment)
        await harness.reminders.run_due()
        await harness.reminders.run_due()  # twice: nothing doubles


async def ledger(harness: BotHarness) -> list[tuple[str, str, str | None]]:
    async with harness.session_factory() as session:
        rows = await session.execute(
            select(GroupDelivery.kind, GroupDelivery.status, GroupDelivery.link).order_by(
                GroupDelivery.id
            )
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def the_class(harness: BotHarness) -> SchoolClass:
    async with harness.session_factory() as session:
        school_class = await session.scalar(select(SchoolClass))
        assert school_class is not None
        return school_class


def answers(sent: list[Sent]) -> list[str]:
    return [s.method.text or "" for s in sent if isinstance(s.method, AnswerCallbackQuery)]


async def set_link(harness: BotHarness, link: str) -> None:
    """An organizer publishes a new link with /setlink."""
    organizer = harness.user(ORGANIZER_ID)
    await organizer.send("/setlink")
    await organizer.send(link)
    await organizer.click("Пропустить")
    await organizer.click("Пропустить")
    await organizer.click("Подтвердить")
    assert "Ссылка сохранена" in organizer.last()


# --- the teacher's chat when no group is bound ----------------------------------------------------


async def test_a_class_without_a_group_is_reached_in_the_teachers_chat(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await run_at(harness, *MOMENTS, START)
    got = class_messages(harness, teacher.id)
    assert len(got) == 4, got
    day, hour, ten, start = got
    assert "начнётся через 1 день" in day and OLD_LINK not in day
    assert "ссылку на конференцию бот пришлёт" in hour.lower() and OLD_LINK not in hour
    assert OLD_LINK in ten and "Идентификатор конференции: 1" in ten
    assert "начинается прямо сейчас" in start and OLD_LINK in start
    assert "отметьте его кнопкой «✅ Мы здесь»" in start
    [start_message] = starts_of(harness, teacher.id)
    button = start_message.reply_markup.inline_keyboard[0][0]  # type: ignore[union-attr]
    assert button.text == "✅ Мы здесь"
    assert [(kind, status) for kind, status, _ in await ledger(harness)] == [
        ("before-86400", "sent"),
        ("before-3600", "sent"),
        ("before-600", "sent"),
        ("start", "sent"),
    ]

    # The button checks the class in from the teacher's private chat, once.
    assert answers(await teacher.press(button.callback_data or "")) == [
        "✅ Класс отмечен: 8 «Б». Спасибо, что вы с нами!"
    ]
    assert answers(await teacher.press(button.callback_data or "")) == ["Класс уже отмечен: 8 «Б»."]
    async with harness.session_factory() as session:
        [attendance] = (await session.scalars(select(Attendance))).all()
    assert attendance.class_id == school_class.id


async def test_a_chinese_teacher_reads_the_class_messages_in_chinese(harness: BotHarness) -> None:
    teacher = harness.user(60, "zh")
    await teacher_details(teacher, "zh")
    await teacher.send("王小明\n李华")
    await finish(teacher, "zh")
    await run_at(harness, MOMENTS[2], START)
    texts = [strip_tags(m.text) for m in to_chat(harness, teacher.id)]
    class_texts = [t for t in texts if "👩‍🏫 班级：初二（3）班" in t]
    assert len(class_texts) == 2, texts
    assert "会议链接" in class_texts[0] and OLD_LINK in class_texts[1]
    assert "全班入会后，请点击“✅ 本班签到”。" in class_texts[1]


async def test_a_teacher_registered_in_person_gets_both_told_apart(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register(teacher)
    await teacher.send("/class")
    await register_class_from_command(teacher)
    await run_at(harness, START)
    starts = [m for m in to_chat(harness, teacher.id) if "начинается прямо сейчас" in m.text]
    assert len(starts) == 2
    personal, for_class = sorted(starts, key=lambda m: CLASS_HEAD in strip_tags(m.text))
    assert CLASS_HEAD not in strip_tags(personal.text)
    labels = {
        m.reply_markup.inline_keyboard[0][0].text  # type: ignore[union-attr]
        for m in (personal, for_class)
    }
    assert labels == {"✅ Я здесь", "✅ Мы здесь"}


async def register_class_from_command(teacher: FakeUser) -> None:
    for answer in ("Петрова Анна Сергеевна", "Россия", "Хабаровск", "Школа № 5", "p@school5.ru"):
        await teacher.send(answer)
    await teacher.click("Пропустить")
    await teacher.send("8 «Б»")
    await teacher.send("25")
    await teacher.send("Иванов Иван\nПетров Пётр")
    await finish(teacher)


async def test_a_teacher_who_muted_reminders_still_gets_the_link(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register_class(harness, teacher)
    await teacher.send("/reminders")
    assert "выключены" in teacher.last()
    await run_at(harness, *MOMENTS, START)
    got = class_messages(harness, teacher.id)
    assert len(got) == 2 and all(OLD_LINK in text for text in got)


async def test_a_blocked_teacher_gets_the_latest_message_on_return(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register_class(harness, teacher)
    harness.session.chat_failures[teacher.id] = [
        TelegramForbiddenError(method=None, message="Forbidden: bot was blocked by the user")  # type: ignore[arg-type]
    ]
    await run_at(harness, MOMENTS[0])
    assert class_messages(harness, teacher.id) == []
    async with harness.session_factory() as session:
        user = await session.get(User, teacher.id)
        assert user is not None and not user.is_reachable
    assert await ledger(harness) == []  # not recorded: it may still come
    await teacher.send("/start")  # back: reachable again
    await run_at(harness, MOMENTS[0] + timedelta(minutes=1))
    [text] = class_messages(harness, teacher.id)
    assert "🔔 Напоминание" in text


async def test_a_web_class_without_a_group_has_no_telegram_way(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register_class(harness, teacher)
    async with harness.session_factory() as session:
        school_class = await session.scalar(select(SchoolClass))
        assert school_class is not None
        school_class.teacher_id = None  # as registered on the web page
        school_class.source = "web"
        await session.commit()
    sent_before = len(harness.session.sent)
    await run_at(harness, *MOMENTS, START)
    assert harness.session.sent[sent_before:] == []
    assert await ledger(harness) == []


# --- a bound group, and a group lost --------------------------------------------------------------


async def test_a_bound_group_gets_the_messages_and_the_teacher_does_not(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    await run_at(harness, *MOMENTS, START)
    assert len(class_messages(harness, GROUP)) == 4
    assert class_messages(harness, teacher.id) == []


async def test_a_group_that_refuses_the_bot_hands_over_to_the_teacher(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    await run_at(harness, MOMENTS[0])
    assert len(class_messages(harness, GROUP)) == 1
    # Removed while the bot was not listening: the next message to the group is refused.
    harness.session.chat_failures[GROUP] = [
        TelegramForbiddenError(method=None, message="Forbidden: bot was kicked from the group")  # type: ignore[arg-type]
    ]
    await run_at(harness, MOMENTS[1])
    assert (await the_class(harness)).group_chat_id is None
    notice, reminder = [strip_tags(m.text) for m in to_chat(harness, teacher.id)][-2:]
    assert "больше не привязана к классу 8 «Б»" in notice
    assert "приходят вам в этот чат" in notice
    assert CLASS_HEAD in reminder and "начнётся через 1 час" in reminder
    await run_at(harness, MOMENTS[2], START)
    assert len(class_messages(harness, GROUP)) == 1  # nothing more to the lost group
    assert len(class_messages(harness, teacher.id)) == 3
    kinds = [kind for kind, status, _ in await ledger(harness) if status == "sent"]
    assert kinds == ["before-86400", "before-3600", "before-600", "start"]


async def test_the_bot_removed_from_the_group_tells_the_teacher_where_messages_go(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    await harness.feed(
        my_chat_member=ChatMemberUpdated(
            chat=Chat(id=GROUP, type="supergroup", title="8 Б"),
            from_user=teacher.tg,
            date=datetime.now(UTC),
            old_chat_member=ChatMemberMember(user=BOT_USER),
            new_chat_member=ChatMemberLeft(user=BOT_USER),
        )
    )
    assert "больше не привязана" in teacher.last()
    assert "приходят вам в этот чат" in teacher.last()
    await run_at(harness, START)
    assert class_messages(harness, GROUP) == []
    [start] = class_messages(harness, teacher.id)
    assert "начинается прямо сейчас" in start


# --- link corrections -----------------------------------------------------------------------------


async def test_a_changed_link_reaches_the_teacher_once(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register_class(harness, teacher)
    await run_at(harness, MOMENTS[2])
    harness.clock.set(START - timedelta(minutes=5))
    await set_link(harness, NEW_LINK)
    await harness.reminders.run_due()
    await harness.reminders.run_due()
    got = class_messages(harness, teacher.id)
    assert len(got) == 2, got
    correction = got[1]
    assert "Ссылка на подключение изменилась" in correction and NEW_LINK in correction
    assert "Мы здесь" not in correction  # no check-in before the start
    await run_at(harness, START)
    start = class_messages(harness, teacher.id)[-1]
    assert NEW_LINK in start and OLD_LINK not in start
    links = [(kind[:5], link) for kind, _, link in await ledger(harness)]
    assert links == [("befor", OLD_LINK), ("link-", NEW_LINK), ("start", NEW_LINK)]


async def test_a_changed_link_reaches_a_bound_group_not_the_teacher(harness: BotHarness) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    await run_at(harness, START)
    harness.clock.set(START + timedelta(minutes=5))
    await set_link(harness, NEW_LINK)
    await harness.reminders.run_due()
    await harness.reminders.run_due()
    got = class_messages(harness, GROUP)
    assert len(got) == 2 and NEW_LINK in got[1]
    assert class_messages(harness, teacher.id) == []


@pytest.mark.parametrize("events", [[make_event(starts_at=START)]])
async def test_a_link_published_late_reaches_the_class(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await register_class(harness, teacher)
    await run_at(harness, MOMENTS[2])
    [reminder] = class_messages(harness, teacher.id)
    assert "ещё не опубликовали ссылку" in reminder
    await set_link(harness, NEW_LINK)
    await harness.reminders.run_due()
    await harness.reminders.run_due()
    [_, published] = class_messages(harness, teacher.id)
    assert "Опубликована ссылка на подключение" in published and NEW_LINK in published


# --- check-in and certificates --------------------------------------------------------------------


async def test_a_forged_class_checkin_is_refused(harness: BotHarness) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    other_teacher = harness.user(52)
    await teacher_details(other_teacher)
    await other_teacher.send("Кузнецов Олег")
    await finish(other_teacher)
    harness.clock.set(START + timedelta(minutes=5))
    forged = f"chk:{school_class.event_id}:{school_class.id}"
    refusal = "Эта кнопка отмечает класс: она действует только в группе класса и в чате педагога."
    pupil, stranger = harness.user(51), harness.user(77)
    # A pupil of the class in a private chat, a stranger, another class's teacher, some group.
    for presser in (pupil, stranger, other_teacher):
        assert answers(await presser.press(forged)) == [refusal]
    assert answers(await press_in_group(stranger, -100999, forged)) == [refusal]
    # The teacher's own chat id as the "group": it is not the teacher pressing.
    assert answers(await press_in_group(stranger, teacher.id, forged)) == [refusal]
    async with harness.session_factory() as session:
        assert (await session.scalars(select(Attendance))).all() == []


async def test_the_class_certificate_reaches_the_teacher_whatever_the_group(
    harness: BotHarness,
) -> None:
    with_group, without_group = harness.user(50), harness.user(53)
    bound = await register_class(harness, with_group)
    await with_group.send_in_group(GROUP, f"/start@{BOT_USER.username} {bound.code}")
    await teacher_details(without_group)
    await without_group.send("Кузнецов Олег")
    await finish(without_group)
    await run_at(harness, START)
    # Both check in with the start message's button: in the group, and in the teacher's chat.
    [in_group] = starts_of(harness, GROUP)
    [in_chat] = starts_of(harness, without_group.id)
    pupil = harness.user(51)
    await press_in_group(pupil, GROUP, in_group.reply_markup.inline_keyboard[0][0].callback_data)  # type: ignore[union-attr, arg-type]
    await without_group.press(in_chat.reply_markup.inline_keyboard[0][0].callback_data or "")  # type: ignore[union-attr]
    harness.clock.set(START + timedelta(hours=6))
    await harness.certificates.reconcile()
    await harness.certificates.reconcile()  # once
    documents = [s.method for s in harness.session.sent if isinstance(s.method, SendDocument)]
    by_chat = sorted(int(d.chat_id) for d in documents if d.document.filename.endswith(".pdf"))
    assert by_chat == [with_group.id, without_group.id]
    assert all("класса 8 «Б»" in (d.caption or "") for d in documents)
    async with harness.session_factory() as session:
        rows = (await session.scalars(select(Certificate))).all()
    assert sorted(r.recipient_id or 0 for r in rows) == [with_group.id, without_group.id]
    assert all(r.sent_at is not None and r.error is None for r in rows)
