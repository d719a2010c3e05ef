"""/broadcast audiences (issue 14): every named audience against a hand-counted fixture, with
who of it cannot be reached and why; one person from the /find card; an uploaded list; a
broadcast scheduled with the injected clock, cancelled before it starts, started exactly once
by two replicas."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, CopyMessage, SendMessage
from aiogram.types import InlineKeyboardMarkup
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import insert, select, update

from bot.app import JobsInFlight, schedule_replica
from bot.factory import create_services
from bot.services.delivery.audience_list import parse_list
from bot.services.delivery.audience_reach import (
    Reach,
    email_recipients,
    reach,
    telegram_recipients,
)
from bot.services.delivery.broadcasts import BroadcastService, Progress
from bot.services.delivery.pacing import PacedSender
from bot.services.delivery.replicas import Replica
from db.audiences import Audience
from db.models import (
    Attendance,
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    DeliverVia,
    Delivery,
    EventRow,
    Registration,
    RegistrationStatus,
    SchoolClass,
    User,
)
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, strip_tags

NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)  # conftest's clock: 12:00 in Moscow


# --- the hand-counted fixture ------------------------------------------------------------------


@dataclass
class Person:
    """One registration of the fixture. `chat`: None (registered on the site), "ok" or
    "blocked"; `email`: None, "confirmed", "unconfirmed", "bounced" or "muted"."""

    reg_id: int
    chat: str | None
    lang: str
    role: str = "participant"
    fmt: str = "online"
    speaker: bool = False
    checked_in: bool = False
    email: str | None = None
    via: str = DeliverVia.BOTH
    status: str = RegistrationStatus.ACTIVE
    chat_lang: str | None = None  # the language chosen in the bot, when not the form's


PEOPLE = [
    Person(1, "ok", "ru", checked_in=True, email="confirmed"),
    Person(2, "ok", "ru", role="teacher", fmt="offline", speaker=True, checked_in=True),
    Person(3, "blocked", "zh"),
    Person(4, "blocked", "zh", role="teacher", speaker=True, email="confirmed"),
    Person(5, "ok", "ru", role="student", fmt="offline", checked_in=True, email="bounced"),
    Person(6, "blocked", "ru", email="bounced"),
    Person(7, "ok", "zh", fmt="offline", email="confirmed", via=DeliverVia.EMAIL),
    Person(8, "ok", "zh", role="teacher", checked_in=True, email="muted"),
    Person(9, "ok", "ru", speaker=True, chat_lang="zh"),  # chose Chinese in the bot
    Person(10, None, "zh", email="confirmed"),
    Person(11, None, "ru", role="teacher", fmt="offline", email="unconfirmed"),
    Person(12, None, "ru", email="bounced"),
    Person(13, None, "zh", fmt="offline", speaker=True, checked_in=True, email="muted"),
    Person(14, "ok", "ru", email="confirmed", via=DeliverVia.TELEGRAM),
    Person(15, "blocked", "zh", email="muted"),
    # Not in any audience: a cancelled registration, an address never confirmed (pending).
    Person(16, "ok", "ru", checked_in=True, status=RegistrationStatus.CANCELLED),
    Person(17, None, "ru", email="confirmed", status=RegistrationStatus.PENDING),
]
CHAT = 1000  # person n's Telegram id is CHAT + n


def user_row(person: Person) -> dict[str, Any]:
    return {
        "id": CHAT + person.reg_id,
        "language": person.chat_lang or person.lang,
        "is_reachable": person.chat == "ok",
        "unreachable_since": None if person.chat == "ok" else NOW,
        "reminders_muted": False,
        "created_at": NOW,
        "updated_at": NOW,
    }


def registration_row(person: Person, event_id: int) -> dict[str, Any]:
    email = person.email
    return {
        "id": person.reg_id,
        "user_id": CHAT + person.reg_id if person.chat else None,
        "event_id": event_id,
        "status": person.status,
        "source": "bot" if person.chat else "web",
        "language": person.lang,
        "full_name": f"Участник {person.reg_id}",
        "role": person.role,
        "participation_format": person.fmt,
        "wants_to_speak": person.speaker,
        "email": f"p{person.reg_id}@example.com" if email else None,
        "email_key": f"p{person.reg_id}@example.com" if email else None,
        "email_confirmed_at": NOW if email in ("confirmed", "bounced", "muted") else None,
        "email_bounced_at": NOW if email == "bounced" else None,
        "email_muted": email == "muted",
        "deliver_via": person.via,
        "consent_at": NOW,
        "consent_version": "test",
        "created_at": NOW,
        "updated_at": NOW,
    }


def class_row(code: str, event_id: int, teacher_id: int | None, **kw: Any) -> dict[str, Any]:
    return {
        "code": code,
        "event_id": event_id,
        "teacher_id": teacher_id,
        "status": kw.get("status", RegistrationStatus.ACTIVE),
        "language": "ru",
        "name": f"Класс {code}",
        "declared_size": 20,
        "email": kw.get("email"),
        "source": "bot" if teacher_id else "web",
        "consent_at": NOW,
        "consent_version": "test",
        "created_at": NOW,
        "updated_at": NOW,
    }


async def event_id_of(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        event_id: int | None = await session.scalar(select(EventRow.id))
    assert event_id is not None
    return event_id


async def seed(harness: BotHarness) -> int:
    event_id = await event_id_of(harness)
    teachers_only = [  # teachers of classes who never registered themselves
        {**user_row(Person(20, "ok", "ru")), "id": CHAT + 20},
        {**user_row(Person(21, "ok", "ru")), "id": CHAT + 21},
    ]
    async with harness.session_factory() as session:
        await session.execute(insert(User), [user_row(p) for p in PEOPLE if p.chat] + teachers_only)
        await session.execute(insert(Registration), [registration_row(p, event_id) for p in PEOPLE])
        await session.execute(
            insert(Attendance),
            [
                {
                    "event_id": event_id,
                    "registration_id": p.reg_id,
                    "method": "button",
                    "checked_at": NOW,
                }
                for p in PEOPLE
                if p.checked_in
            ],
        )
        await session.execute(
            insert(SchoolClass),
            [
                class_row("A", event_id, CHAT + 2),  # person 2 teaches two classes
                class_row("B", event_id, CHAT + 2),
                class_row("C", event_id, CHAT + 3),  # blocked the bot
                class_row("D", event_id, CHAT + 20),  # not registered as a participant
                class_row("E", event_id, None, email="school@example.cn"),  # from the site
                class_row("F", event_id, CHAT + 21, status=RegistrationStatus.CANCELLED),
            ],
        )
        await session.commit()
    return event_id


# Counted by hand from PEOPLE (e-mail off: only Telegram reaches anyone).
#   audience: (in it, reached, {reason: count})
EXPECTED_EMAIL_OFF: dict[Audience, tuple[int, int, dict[str, int]]] = {
    Audience.ALL: (15, 7, {"blocked": 4, "no-telegram": 4}),
    Audience.CHECKED_IN: (5, 4, {"no-telegram": 1}),
    Audience.NOT_CHECKED_IN: (10, 3, {"blocked": 4, "no-telegram": 3}),
    Audience.SPEAKERS: (4, 2, {"blocked": 1, "no-telegram": 1}),
    Audience.OFFLINE: (5, 3, {"no-telegram": 2}),
    Audience.ONLINE: (10, 4, {"blocked": 4, "no-telegram": 2}),
    Audience.TEACHERS: (4, 2, {"blocked": 1, "no-telegram": 1}),
    Audience.RUSSIAN: (7, 4, {"blocked": 1, "no-telegram": 2}),
    Audience.CHINESE: (8, 3, {"blocked": 3, "no-telegram": 2}),
    # Teachers 2 (two classes, counted once) and 20 reached; 3 blocked; class E from the site.
    Audience.CLASS_TEACHERS: (4, 2, {"blocked": 1, "site-class": 1}),
}


async def reach_of(harness: BotHarness, event_id: int, audience: Audience, **kw: Any) -> Reach:
    async with harness.session_factory() as session:
        return await reach(session, event_id, audience, **kw)


@pytest.mark.parametrize("audience", list(EXPECTED_EMAIL_OFF))
async def test_each_audience_counts_as_counted_by_hand(
    harness: BotHarness, audience: Audience
) -> None:
    event_id = await seed(harness)
    found = await reach_of(harness, event_id, audience, email_on=False)
    total, reached, missed = EXPECTED_EMAIL_OFF[audience]
    assert (found.total, found.reached, found.missed) == (total, reached, missed)
    assert found.unreachable == sum(missed.values())
    # What the broadcast stores is what was counted.
    async with harness.session_factory() as session:
        chats = await telegram_recipients(session, event_id, audience)
    assert len(chats) == found.telegram == reached


async def test_everyone_with_e_mail_on_explains_each_one_not_reached(
    harness: BotHarness,
) -> None:
    event_id = await seed(harness)
    found = await reach_of(harness, event_id, Audience.ALL, email_on=True)
    # Telegram: 1 2 5 8 9 14 (7 chose e-mail alone); letters: 1 4 7 10; not reached: 3 6 15
    # blocked the bot, 12 bounced, 13 unsubscribed, 11 never confirmed the address.
    assert (found.total, found.reached, found.telegram, found.email) == (15, 9, 6, 4)
    assert found.missed == {"blocked": 3, "bounced": 1, "unsubscribed": 1, "no-channel": 1}
    assert found.reasons() == [
        ("blocked", 3),
        ("unsubscribed", 1),
        ("bounced", 1),
        ("no-channel", 1),
    ]
    async with harness.session_factory() as session:
        chats = await telegram_recipients(session, event_id, Audience.ALL, by_email=True)
        letters = await email_recipients(session, event_id, Audience.ALL)
    assert chats == [CHAT + n for n in (1, 2, 5, 8, 9, 14)]
    assert letters == [1, 4, 7, 10]
    # A sticker cannot be a letter: Telegram takes everyone it reaches, person 10 is left out.
    sticker = await reach_of(harness, event_id, Audience.ALL, email_on=True, mail=False)
    assert (sticker.reached, sticker.telegram, sticker.email) == (7, 7, 0)
    assert sticker.missed == {
        "blocked": 4,
        "unsubscribed": 1,
        "bounced": 1,
        "not-a-letter": 1,
        "no-channel": 1,
    }


async def test_the_audience_screen_and_the_report_explain_who_is_missing(
    harness: BotHarness,
) -> None:
    await seed(harness)
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    screen = org.messages()[-1].method
    assert isinstance(screen, SendMessage) and isinstance(screen.reply_markup, InlineKeyboardMarkup)
    labels = [b.text for row in screen.reply_markup.inline_keyboard for b in row]
    assert "Всем участникам (7 из 15)" in labels
    assert "Отметившимся (4 из 5)" in labels
    assert "Участникам-педагогам (2 из 4)" in labels
    assert "Педагогам зарегистрированных классов (2 из 4)" in labels
    await org.click("Всем участникам (7 из 15)")
    chosen = strip_tags(org.last())
    assert "В аудитории: 15. Сообщение получат: 7." in chosen
    assert "• бот заблокирован: 4" in chosen
    assert "• нет чата с ботом, а отправка писем выключена: 4" in chosen
    await org.send("Новость")
    assert "Получателей: 7" in org.last() and "Не получат: 8" in org.last()
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    report = strip_tags(org.last())
    assert "Рассылка завершена" in report
    assert "В аудитории при отправке: 15, доступны: 7" in report
    assert "• бот заблокирован: 4" in report
    assert "Доставлено: 7 из 7" in report


async def test_class_teachers_get_it_in_their_own_chat_once(harness: BotHarness) -> None:
    await seed(harness)
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Педагогам зарегистрированных классов")
    assert "• класс зарегистрирован на сайте, у педагога нет чата с ботом: 1" in org.last()
    await org.send("Материалы для классов")
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    assert copies(harness) == {CHAT + 2: 1, CHAT + 20: 1}


# --- one person, from the /find card --------------------------------------------------------


def copies(harness: BotHarness) -> dict[int, int]:
    return dict(
        Counter(
            int(s.method.chat_id)
            for s in harness.session.sent
            if isinstance(s.method, CopyMessage)
            and s.method.chat_id != ORGANIZER_ID
            and not isinstance(s.result, Exception)
        )
    )


async def registration_id(harness: BotHarness, user: FakeUser) -> int:
    async with harness.session_factory() as session:
        reg_id = await session.scalar(
            select(Registration.id).where(Registration.user_id == user.id)
        )
    assert reg_id is not None
    return reg_id


async def test_one_person_from_the_find_card(harness: BotHarness) -> None:
    first, second = harness.user(1), harness.user(2)
    await register(first, name="Петрова Анна Сергеевна", email="anna@example.com")
    await register(second, email="other@example.com")
    org = harness.user(ORGANIZER_ID, "ru")
    await org.press(f"apm:{await registration_id(harness, first)}")
    asked = strip_tags(org.last())
    assert "Сообщение одному участнику: Петрова Анна Сергеевна" in asked
    assert "Получит: в Telegram" in asked
    # Written to one person: their name, never the words of a mass mailing.
    assert "Пришлите сообщение для Петрова Анна Сергеевна:" in asked
    assert "рассылк" not in asked.lower()
    await org.send("Анна, проверьте, пожалуйста, написание фамилии.")
    preview = strip_tags(org.last())
    assert "Так его увидит Петрова Анна Сергеевна (в Telegram). Отправить?" in preview
    assert "Получателей" not in preview
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    assert copies(harness) == {first.id: 1}
    async with harness.session_factory() as session:
        entry = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "broadcast"))
        ).one()
    assert entry.details["audience"] == "person"
    assert entry.details["registration_id"] == await registration_id(harness, first)


async def test_one_person_in_chinese_with_a_name_that_needs_escaping(harness: BotHarness) -> None:
    user = harness.user(1, "zh")
    await register(user, "zh")
    reg_id = await registration_id(harness, user)
    async with harness.session_factory() as session:
        await session.execute(
            update(Registration).where(Registration.id == reg_id).values(full_name="王<b>小明</b>")
        )
        await session.execute(update(User).where(User.id == ORGANIZER_ID).values(language="zh"))
        await session.commit()
    org = harness.user(ORGANIZER_ID, "zh")
    await org.press(f"apm:{reg_id}")
    asked = org.last()
    assert "请发送要发给 <b>王&lt;b&gt;小明&lt;/b&gt;</b> 的消息" in asked
    assert "群发" not in asked
    await org.send("请核对姓名。")
    preview = org.last()
    name = "<b>王&lt;b&gt;小明&lt;/b&gt;</b>"
    assert f"☝️ {name} 将看到以上内容（通过 Telegram）。确认发送吗？" in preview
    assert "收件人数" not in preview and "群发" not in preview


async def test_one_person_who_cannot_be_reached_is_told_why(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user)
    reg_id = await registration_id(harness, user)
    async with harness.session_factory() as session:
        await session.execute(update(User).where(User.id == 1).values(is_reachable=False))
        await session.commit()
    org = harness.user(ORGANIZER_ID, "ru")
    await org.press(f"apm:{reg_id}")
    assert "сообщение не дойдёт — бот заблокирован" in org.last()
    async with harness.session_factory() as session:
        await session.execute(update(Registration).values(status=RegistrationStatus.CANCELLED))
        await session.commit()
    await org.press(f"apm:{reg_id}")
    assert "регистрация отменена" in org.last()
    await org.press("apm:999")
    assert "Регистрация не найдена" in org.last()
    await org.send("текст")  # no dialogue was started
    assert copies(harness) == {}


async def test_one_person_by_e_mail_when_only_e_mail_reaches_them(harness: BotHarness) -> None:
    harness.broadcasts.email_on = True
    user = harness.user(1)
    await register(user, email="anna@example.com")
    reg_id = await registration_id(harness, user)
    async with harness.session_factory() as session:
        await session.execute(update(User).where(User.id == 1).values(is_reachable=False))
        await session.execute(update(Registration).values(email_confirmed_at=NOW))
        await session.commit()
    org = harness.user(ORGANIZER_ID, "ru")
    await org.press(f"apm:{reg_id}")
    assert "Получит: по e-mail" in org.last()
    await org.send("Письмо")
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    assert copies(harness) == {}
    async with harness.session_factory() as session:
        [letter] = (await session.scalars(select(Delivery))).all()
    assert letter.registration_id == reg_id and letter.kind.startswith("broadcast-")


# --- an uploaded list -------------------------------------------------------------------------


def test_a_list_is_read_from_any_reasonable_layout() -> None:
    entries = parse_list(
        "telegram_id;email;name\n101;;Иванов\n;Anna@Example.COM;Анна\n"
        "mailto:b@example.org, @Some_User 101 @no 12ab\n"
    )
    assert entries.telegram_ids == [101]
    assert entries.emails == ["anna@example.com", "b@example.org"]
    assert entries.usernames == ["some_user"]
    # telegram_id, email, name, Иванов, Анна, @no (too short for a username), 12ab
    assert entries.unrecognised == 7


async def test_an_uploaded_list_shows_what_matched_and_reaches_only_them(
    harness: BotHarness,
) -> None:
    users = [harness.user(1), harness.user(2), harness.user(3)]
    for n, user in enumerate(users, 1):
        await register(user, email=f"person{n}@example.com")
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("По списку")
    assert "файл .txt или .csv" in org.last()
    await org.send_document("list.xlsx", b"PK\x03\x04")
    assert "Нужен файл .txt или .csv" in org.last()
    data = "id;email\n1;\n;PERSON2@example.com\n777;\nnobody@example.com\n@ghost_user\n"
    await org.send_document("list.csv", data.encode("cp1251"))
    answer = strip_tags(org.last())
    assert "Найдено регистраций: 2 (записей в списке: 5)" in answer
    assert "Не найдены среди участников мероприятия: 3" in answer
    for entry in ("777", "nobody@example.com", "@ghost_user"):
        assert f"• {entry}" in answer
    assert "Не распознано и пропущено (не id, не e-mail, не @username и не телефон): 2" in answer
    assert "Сообщение получат: 2" in answer
    await org.send("Только для вас двоих")
    assert "Получателей: 2" in org.last()
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    assert copies(harness) == {1: 1, 2: 1}


def test_phones_are_told_from_telegram_ids_by_a_clear_rule() -> None:
    entries = parse_list(
        "89017654321\n+7 (901) 765-43-21\n8 901 765-43-21; 79017654321\n"
        "+86 138 0013 8000, 13800138000, 008613800138000\n"
        "+44 20 7946 0958\t901-765-43-21\n"
        # Telegram ids: ten digits at most, whatever they start with; a date is no phone.
        "7123456789 8123456789 9017654321 101\n2025-09-03\n"
    )
    # The same Russian number, however it is written, is one entry; so is the Chinese mobile.
    assert entries.phones == ["+79017654321", "+8613800138000", "+442079460958"]
    assert entries.telegram_ids == [7123456789, 8123456789, 9017654321, 101]
    assert entries.unrecognised == 1


async def test_a_list_of_phones_matches_registrations_however_their_phone_was_typed(
    harness: BotHarness,
) -> None:
    typed = {1: "+7 901 765-43-21", 2: "89027654321", 3: "+86 138 0013 8000", 4: "+79047654321"}
    for user_id in typed:
        await register(harness.user(user_id), email=f"p{user_id}@example.com")
    async with harness.session_factory() as session:
        for user_id, phone in typed.items():
            await session.execute(
                update(Registration).where(Registration.user_id == user_id).values(phone=phone)
            )
        await session.commit()
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("По списку")
    assert "номера телефонов" in org.last()
    await org.send("89017654321\n+7 (902) 765-43-21\n13800138000\n89997654321")
    answer = strip_tags(org.last())
    assert "Найдено регистраций: 3 (записей в списке: 4)" in answer
    assert "• +79997654321" in answer and "Не найдены среди участников мероприятия: 1" in answer
    assert "Сообщение получат: 3" in answer
    await org.send("По телефонам")
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))
    assert copies(harness) == {1: 1, 2: 1, 3: 1}
    async with harness.session_factory() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "broadcast"))
    assert entry is not None and entry.details["listed"] == 4


async def test_a_pasted_list_that_matches_nobody_is_asked_again(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("По списку")
    await org.send("просто текст")
    assert "В списке нет ни Telegram id" in org.last()
    await org.send("555, stranger@example.com")
    assert "Никого из списка нет среди участников" in org.last()
    await org.send("1")
    assert "Найдено регистраций: 1" in org.last()


# --- scheduled broadcasts ---------------------------------------------------------------------


async def schedule_everyone(org: FakeUser, when: str) -> None:
    await org.send("/broadcast")
    await org.click("Всем участникам")
    await org.send("Через час начинаем!")
    await org.click("Запланировать")
    await org.send(when)


async def stored_broadcasts(harness: BotHarness) -> list[Broadcast]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Broadcast).order_by(Broadcast.id))).all())


async def audit_actions(harness: BotHarness) -> list[str]:
    async with harness.session_factory() as session:
        entries = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [e.action for e in entries]


async def test_a_scheduled_broadcast_starts_at_its_time_and_reaches_late_registrants(
    harness: BotHarness,
) -> None:
    early = harness.user(1)
    await register(early)
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам")
    await org.send("Через час начинаем!")
    await org.click("Запланировать")
    assert "Время московское" in org.last()
    await org.send("завтра")
    assert "Не получилось разобрать время" in org.last()
    await org.send("20.08 11:59")  # 08:59 UTC, before the clock's 09:00
    assert "Это время уже прошло" in org.last()
    await org.send("20.08.2025 15:00")
    scheduled = org.last()
    assert "Рассылка запланирована" in scheduled
    assert "20 августа 2025 г., 15:00 МСК" in scheduled
    assert "20 августа 2025 г., 20:00 по пекинскому времени" in scheduled
    [broadcast] = await stored_broadcasts(harness)
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert broadcast.scheduled_at == datetime(2025, 8, 20, 12, 0, tzinfo=UTC)
    assert await audit_actions(harness) == ["broadcast_scheduled"]

    late = harness.user(2)
    await register(late, email="late@example.com")
    harness.clock.set(datetime(2025, 8, 20, 11, 59, tzinfo=UTC))
    assert await harness.broadcasts.start_due() == []
    assert copies(harness) == {}
    harness.clock.set(datetime(2025, 8, 20, 12, 0, tzinfo=UTC))
    assert await harness.broadcasts.start_due() == [broadcast.id]
    assert "Запланированная рассылка началась" in org.last()
    await harness.broadcasts._running[broadcast.id]
    assert copies(harness) == {early.id: 1, late.id: 1}
    assert "Доставлено: 2 из 2" in strip_tags(org.last())
    assert await harness.broadcasts.start_due() == []  # once
    [done] = await stored_broadcasts(harness)
    assert (done.status, done.total) == (BroadcastStatus.DONE, 2)
    assert await audit_actions(harness) == ["broadcast_scheduled", "broadcast"]


async def test_a_scheduled_broadcast_in_chinese_shows_beijing_time_first(
    harness: BotHarness,
) -> None:
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "zh")
    async with harness.session_factory() as session:
        await session.execute(update(User).where(User.id == ORGANIZER_ID).values(language="zh"))
        await session.commit()
    await org.send("/broadcast")
    await org.click("全体参会者")
    await org.send("通知")
    await org.click("定时发送")
    assert "北京时间" in org.last()
    # A Chinese organizer types Beijing time.
    await org.send("2025年8月20日 20:00")
    text = org.last()
    assert text.index("20:00（北京时间）") < text.index("15:00（莫斯科时间）")
    [broadcast] = await stored_broadcasts(harness)
    assert broadcast.scheduled_at == datetime(2025, 8, 20, 12, 0, tzinfo=UTC)


async def test_a_broadcast_is_scheduled_at_most_30_days_after_the_event(
    harness: BotHarness,
) -> None:
    """The event ends on 3 September 2025 at 13:00 in Moscow: 3 October, 13:00 is the last
    time allowed (certificates, feedback), and the refusal names it."""
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "ru")
    await schedule_everyone(org, "2099-01-01 10:00")
    refusal = strip_tags(org.last())
    assert "Так поздно рассылку не запланировать: не позже чем через 30 дней" in refusal
    assert "3 октября 2025 г., 13:00 МСК" in refusal
    assert "3 октября 2025 г., 18:00 по пекинскому времени" in refusal
    assert "1 января 2099 г., 10:00 МСК" in refusal  # what was understood
    await org.send("03.10.2025 13:01")
    assert "Так поздно" in org.last()
    assert await stored_broadcasts(harness) == []
    await org.send("03.10.2025 13:00")
    assert "Рассылка запланирована" in org.last()
    [broadcast] = await stored_broadcasts(harness)
    assert broadcast.scheduled_at == datetime(2025, 10, 3, 10, 0, tzinfo=UTC)


async def test_a_scheduled_broadcast_is_listed_and_cancelled_before_it_starts(
    harness: BotHarness,
) -> None:
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "ru")
    await schedule_everyone(org, "2025-08-21 10:00")
    await org.send("/broadcast")
    listing = org.texts()[-2]
    assert "Запланированные рассылки" in listing and "1. Всем участникам" in listing
    await org.click("Отменить № 1")
    assert "Запланированная рассылка отменена" in org.last()
    [broadcast] = await stored_broadcasts(harness)
    assert broadcast.status == BroadcastStatus.CANCELLED
    harness.clock.set(datetime(2025, 8, 21, 12, 0, tzinfo=UTC))
    assert await harness.broadcasts.start_due() == []
    assert await harness.broadcasts.resume_all() == []
    assert copies(harness) == {}
    # A second tap on the same (stale) button changes nothing.
    replies = await org.press(f"abu:{broadcast.id}")
    [alert] = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert alert.show_alert and "уже началась или отменена" in (alert.text or "")
    assert await audit_actions(harness) == ["broadcast_scheduled", "broadcast_unscheduled"]


async def test_a_started_broadcast_cannot_be_unscheduled(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "ru")
    await schedule_everyone(org, "2025-08-20 13:00")
    [broadcast] = await stored_broadcasts(harness)
    harness.clock.set(datetime(2025, 8, 20, 10, 0, tzinfo=UTC))
    assert await harness.broadcasts.start_due() == [broadcast.id]
    assert not await harness.broadcasts.unschedule(broadcast.id)
    await harness.broadcasts._running[broadcast.id]
    assert copies(harness) == {1: 1}


def service(harness: BotHarness) -> BroadcastService:
    return BroadcastService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        clock=harness.clock,
        sender=PacedSender(rate=400, private_interval=0, group_interval=0),
        replica=Replica(harness.session_factory),
        workers=4,
    )


async def test_two_replicas_start_a_scheduled_broadcast_once(harness: BotHarness) -> None:
    event_id = await seed(harness)
    first, second = service(harness), service(harness)
    started: list[int] = []

    async def on_progress(broadcast: Broadcast, progress: Progress) -> None:
        if progress.just_started:
            started.append(broadcast.id)

    first.on_progress = second.on_progress = on_progress
    stored = await first.create(
        event_id=event_id,
        author_id=ORGANIZER_ID,
        audience=Audience.ALL,
        source_chat_id=ORGANIZER_ID,
        source_message_id=7,
        scheduled_at=NOW + timedelta(hours=1),
    )
    assert await first.start_due() == [] and await second.start_due() == []
    harness.clock.advance(timedelta(hours=1))
    results = await asyncio.gather(first.start_due(), second.start_due())
    assert sorted(results) == [[], [stored.id]]
    assert started == [stored.id]
    # The other replica joins the sending, as with any broadcast started elsewhere.
    loser = second if results[0] else first
    await loser.resume_all()
    await asyncio.gather(*first._running.values(), *second._running.values())
    reached = [CHAT + n for n in (1, 2, 5, 7, 8, 9, 14)]
    assert copies(harness) == dict.fromkeys(reached, 1)
    async with harness.session_factory() as session:
        rows = (await session.scalars(select(BroadcastRecipient))).all()
        done = await session.get(Broadcast, stored.id)
    assert sorted(r.user_id for r in rows) == reached
    assert done is not None and done.status == BroadcastStatus.DONE
    assert done.audience_params["reach"] == {
        "total": 15,
        "reached": 7,
        "missed": {"blocked": 4, "no-telegram": 4},
    }


async def test_the_scheduler_looks_for_due_broadcasts(harness: BotHarness) -> None:
    services = create_services(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
    )
    scheduler = AsyncIOScheduler()
    schedule_replica(scheduler, services, JobsInFlight())
    job = scheduler.get_job("due-broadcasts")
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=services.replica.beat_every)
