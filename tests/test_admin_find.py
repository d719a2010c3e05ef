"""/find: organizers find participants, classes and pupils, read their cards and fix them, through
the real dispatcher."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument, SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiogram.types import User as TgUser
from sqlalchemy import select

from bot.services.organizers.search import search
from db.models import (
    Attendance,
    AuditEntry,
    Certificate,
    ClassStudent,
    Delivery,
    EventRow,
    Organizer,
    Registration,
    SchoolClass,
    User,
)
from db.search_keys import name_key
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, make_event, strip_tags

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
VIEWER_ID = 9100


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START)]


def organizer(harness: BotHarness) -> FakeUser:
    return harness.user(ORGANIZER_ID, "ru")


def tg_user(harness: BotHarness, user_id: int, username: str, lang: str = "ru") -> FakeUser:
    return FakeUser(
        harness,
        TgUser(id=user_id, is_bot=False, first_name="X", username=username, language_code=lang),
    )


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(EventRow.id))
        assert found is not None
        return found


async def add_registration(harness: BotHarness, name: str, email: str, **values: Any) -> int:
    """A web registration (no chat) written straight to the database."""
    now = harness.clock.now()
    async with harness.session_factory() as session:
        row = Registration(
            user_id=None,
            event_id=await event_id(harness),
            status="active",
            source="web",
            language="ru",
            full_name=name,
            country="RU",
            city="Москва",
            organization="Школа № 1",
            role="teacher",
            participation_format="online",
            wants_to_speak=False,
            email=email,
            email_key=email.lower(),
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        await session.commit()
        return row.id


async def registration(harness: BotHarness, registration_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


async def registration_of(harness: BotHarness, user_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.scalar(select(Registration).where(Registration.user_id == user_id))
        assert row is not None
        return row


async def audit(harness: BotHarness) -> list[tuple[int, str, dict[str, Any]]]:
    async with harness.session_factory() as session:
        rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
        return [(a.actor_id, a.action, a.details) for a in rows]


def buttons(user: FakeUser) -> list[tuple[str, str]]:
    """(label, callback data) of the newest message with buttons sent to the user."""
    for sent in reversed(user.messages()):
        markup = sent.method.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]
    return []


def alerts(replies: list[Any]) -> list[str]:
    return [
        r.method.text or ""
        for r in replies
        if isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert
    ]


# --- searching --------------------------------------------------------------------------------


async def test_search_finds_by_every_key(harness: BotHarness) -> None:
    alena = tg_user(harness, 501, "Alena_Iv")
    await register(
        alena,
        name="Иванова Алёна Сергеевна",
        email="Alena.Iv@Example.com",
        phone="+7 (900) 123-45-67",
    )
    wang = tg_user(harness, 502, "wangxm", "zh")
    await register(wang, "zh", name="王 小明", email="wang@163.com")
    petrov = await add_registration(harness, "Петров Пётр", "petrov@example.com")
    alena_id = (await registration_of(harness, alena.id)).id
    async with harness.session_factory() as session:
        session.add(
            Certificate(
                number="NP25-0001-RHYK",
                event_id=await event_id(harness),
                registration_id=alena_id,
                recipient_id=alena.id,
                full_name="Иванова Алёна Сергеевна",
                language="ru",
                issued_at=harness.clock.now(),
            )
        )
        await session.commit()
    org = organizer(harness)
    for typed in (
        "алена",  # ё typed as е
        "ИВАНОВА",
        "сергеевна алёна",  # words in any order
        "@alena_iv",  # the username, in another case
        "alena_iv",
        "900 123-45-67",  # the phone without the country code, formatted otherwise
        "alena.iv@example",
        "501",
        "nр25 0001 rнyк",  # the certificate number with Cyrillic р, н and spaces
    ):
        await org.send(f"/find {typed}")
        card = strip_tags(org.last())
        assert card.startswith("👤 Иванова Алёна Сергеевна"), (typed, card)
    await org.send("/find 小明")
    assert strip_tags(org.last()).startswith("👤 王小明")
    await org.send("/find 王 小明")
    assert strip_tags(org.last()).startswith("👤 王小明")
    await org.send("/find пётр")
    assert strip_tags(org.last()).startswith("👤 Петров Пётр")
    # Several hits: a list, the name that starts with the text first.
    await org.send("/find ов")
    assert "2 совпадения" in strip_tags(org.last())
    assert [label for label, _ in buttons(org)] == ["👤 Иванова Алёна Сергеевна", "👤 Петров Пётр"]
    await add_registration(harness, "Алексеев Пётр", "alekseev@example.com")
    await org.send("/find петр")
    assert [label for label, _ in buttons(org)] == ["👤 Петров Пётр", "👤 Алексеев Пётр"]
    await org.click("Петров Пётр")
    assert strip_tags(org.last()).startswith("👤 Петров Пётр")
    for nothing in ("Сидоров", "@nobody_here", "NP25-0001-XXXX"):
        await org.send(f"/find {nothing}")
        assert org.last().startswith("Ничего не найдено")
    await org.send("/find и")
    assert org.last().startswith("Слишком короткий запрос")
    assert petrov


async def test_erased_registrations_are_never_found(harness: BotHarness) -> None:
    user = harness.user(601)
    await register(user, name="Сидорова Анна")
    await user.send("/delete_me")
    await user.click("Да")
    async with harness.session_factory() as session:
        assert await search(session, "сидорова") is not None
        found = await search(session, "сидорова")
        assert found is not None and found.hits == []
        row = await session.scalar(select(Registration))
        assert row is not None and row.full_name is None and row.name_key is None


async def test_find_asks_for_text_pages_and_cancel(harness: BotHarness) -> None:
    for number in range(11):
        await add_registration(harness, f"Тестова Мария {number:02d}", f"m{number}@example.com")
    org = organizer(harness)
    await org.send("/find")
    assert "Кого найти" in org.last()
    await org.send_sticker()
    assert "Пришлите, пожалуйста, текст" in org.last()
    await org.send("/cancel")
    assert "отменено" in org.last()
    await org.send("тестова")  # no longer a query
    assert "совпадени" not in org.last()
    await org.send("/find")
    await org.send("тестова")
    first = buttons(org)
    assert "11 совпадений" in org.last() and len(first) == 9 and first[-1][0] == "▶"
    replies = await org.click("▶")
    [edit] = [r.method for r in replies if isinstance(r.method, EditMessageText)]
    assert edit.text.endswith("2/2")
    assert edit.reply_markup is not None
    labels = [b.text for row in edit.reply_markup.inline_keyboard for b in row]
    assert labels == ["👤 Тестова Мария 08", "👤 Тестова Мария 09", "👤 Тестова Мария 10", "◀"]
    # A page button of an older search: the list is outdated.
    await org.send("/find мария 01")
    replies = await org.press(first[-1][1])
    assert alerts(replies) == ["Этот список устарел: повторите поиск командой /find."]


# --- the card ---------------------------------------------------------------------------------


async def test_card_tells_everything_known(harness: BotHarness) -> None:
    user = tg_user(harness, 701, "Maria_S")
    await register(user, name="Смирнова Мария", email="maria@example.com", speak=True)
    row = await registration_of(harness, user.id)
    now = harness.clock.now()
    async with harness.session_factory() as session:
        session.add_all(
            [
                Attendance(
                    event_id=row.event_id, registration_id=row.id, method="code", checked_at=START
                ),
                Certificate(
                    number="NP25-0007-ABCD",
                    event_id=row.event_id,
                    registration_id=row.id,
                    recipient_id=user.id,
                    full_name="Смирнова Мария",
                    language="ru",
                    issued_at=now,
                    sent_at=now,
                    error="unreachable",
                ),
                Delivery(
                    registration_id=row.id,
                    event_id=row.event_id,
                    kind="before-86400",
                    channel="telegram",
                    status="sent",
                    created_at=now,
                ),
                Delivery(
                    registration_id=row.id,
                    event_id=row.event_id,
                    kind="start",
                    channel="email",
                    status="failed",
                    created_at=now,
                ),
            ]
        )
        blocked = await session.get(User, user.id)
        assert blocked is not None
        blocked.is_reachable = False
        db_row = await session.get(Registration, row.id)
        assert db_row is not None
        db_row.email_bounced_at = now
        db_row.email_error = "550 mailbox unavailable"
        await session.commit()
    org = organizer(harness)
    await org.send("/find смирнова")
    card = strip_tags(org.last())
    for expected in (
        "Конференция «victory-2025»",
        "Статус: ✅ активна",
        "в боте",
        "ФИО: Смирнова Мария",
        "E-mail: maria@example.com",
        "Тема выступления: Память о войне",
        "Заявка на выступление: ждёт решения",
        "Telegram: @Maria_S, 701 — 🚫 бот заблокирован",
        "письма не доходят",
        "550 mailbox unavailable",
        "Отметка о присутствии: 3 сентября 2025 г., 10:00 МСК",
        "(кодовым словом)",
        "Сертификат NP25-0007-ABCD: 🚫 в Telegram не доставлен",
        "Telegram: за 1 день ✅",
        "E-mail: о начале ⚠️",
    ):
        assert expected in card, expected
    labels = [label for label, _ in buttons(org)]
    assert labels == [
        "✏️ Изменить ответы",
        "❌ Отменить регистрацию",
        "↩️ Снять отметку о присутствии",
        "🎓 Отправить сертификат заново",
        "✉️ Написать этому человеку",
    ]
    # "Send this person a message" carries the broadcast's callback for one registration.
    assert buttons(org)[-1][1] == f"apm:{row.id}"


async def test_a_viewer_sees_the_card_without_buttons_and_cannot_change(
    harness: BotHarness,
) -> None:
    registration_id = await add_registration(harness, "Кузнецов Олег", "oleg@example.com")
    async with harness.session_factory() as session:
        session.add(
            Organizer(user_id=VIEWER_ID, role="viewer", added_by=ORGANIZER_ID, added_at=START)
        )
        await session.commit()
    viewer = harness.user(VIEWER_ID)
    await viewer.send("/find кузнецов")
    assert strip_tags(viewer.last()).startswith("👤 Кузнецов Олег")
    assert buttons(viewer) == []
    stranger = harness.user(42)
    for data in (
        f"afnda:r:{registration_id}:cancel-yes",
        f"afnda:r:{registration_id}:attend",
        f"afndf:{registration_id}:full_name",
        f"afndc:{registration_id}:role:pupil",
    ):
        for person in (viewer, stranger):
            replies = await person.press(data)
            assert len(alerts(replies)) == 1, (person.id, data)
    assert (
        "только для организаторов" in alerts(await stranger.press(f"afndo:r:{registration_id}"))[0]
    )
    row = await registration(harness, registration_id)
    assert row.status == "active" and row.role == "teacher"
    async with harness.session_factory() as session:
        assert (await session.execute(select(Attendance))).first() is None
    assert await audit(harness) == []


# --- changes ----------------------------------------------------------------------------------


async def test_each_answer_is_edited_with_the_forms_rules(harness: BotHarness) -> None:
    registration_id = await add_registration(harness, "Орлова Нина", "nina@example.com")
    await add_registration(harness, "Другая Анна", "anna@example.com")
    org = organizer(harness)
    await org.send("/find орлова")
    await org.click("Изменить ответы")
    assert "Какой ответ изменить" in org.last()
    await org.click("ФИО")
    assert "Сейчас: Орлова Нина" in org.last()
    await org.send("Орлова 2")
    assert org.last() == "В имени не должно быть цифр. Напишите фамилию, имя и отчество буквами."
    await org.send("орлова нина сергеевна")  # tidied as the form tidies
    assert "✅ Сохранено: ФИО." in org.texts()[-2]
    assert strip_tags(org.last()).startswith("👤 Орлова Нина Сергеевна")
    await org.click("Изменить ответы")
    await org.click("E-mail")
    await org.send("не адрес")
    assert org.last().startswith("Это не похоже на адрес e-mail")
    await org.send("ANNA@example.com")  # another active registration of the event has it
    assert org.last().startswith("Не сохранено: этот e-mail уже указан")
    await org.click("Изменить ответы")
    await org.click("E-mail")
    await org.send("nina.new@example.com")
    assert "ещё не подтверждён" in org.texts()[-2]
    await org.click("Изменить ответы")
    await org.click("Страна")
    await org.send("china")
    await org.click("Изменить ответы")
    await org.click("Телефон")
    await org.send("12")
    assert org.last().startswith("Не получается разобрать номер")
    await org.send("+86 138 0013 8000")
    await org.click("Изменить ответы")
    await org.click("Категория участника")
    await org.click("Историк")
    await org.click("Изменить ответы")
    await org.click("Выступление")
    await org.click("Да")
    assert "тему выступления" in org.last()
    await org.send("Вой")
    assert org.last().startswith("Слишком коротко")
    await org.send("Письма с фронта")
    row = await registration(harness, registration_id)
    assert (row.full_name, row.name_key) == ("Орлова Нина Сергеевна", "орлова нина сергеевна")
    assert (row.email, row.email_key, row.email_confirmed_at) == (
        "nina.new@example.com",
        "nina.new@example.com",
        None,
    )
    assert (row.country, row.phone, row.role) == ("CN", "+8613800138000", "historian")
    assert (row.wants_to_speak, row.talk_topic, row.speaker_status) == (
        True,
        "Письма с фронта",
        "pending",
    )
    await org.click("Изменить ответы")
    await org.click("Телефон")
    await org.click("Удалить телефон")
    assert (await registration(harness, registration_id)).phone is None
    # An edit left for a new search: the next text is a query, not the answer.
    await org.click("Изменить ответы")
    await org.click("Город")
    await org.send("/find")
    await org.send("Казань")
    assert org.last().startswith("Ничего не найдено")
    assert (await registration(harness, registration_id)).city == "Москва"
    edits = [
        (actor, d["field"]) for actor, action, d in await audit(harness) if action == "find_edit"
    ]
    assert edits == [
        (ORGANIZER_ID, "full_name"),
        (ORGANIZER_ID, "email"),
        (ORGANIZER_ID, "country"),
        (ORGANIZER_ID, "phone"),
        (ORGANIZER_ID, "role"),
        (ORGANIZER_ID, "wants_to_speak, talk_topic"),
        (ORGANIZER_ID, "phone"),
    ]  # the refused address left no entry


async def test_a_name_is_corrected_after_the_event_and_the_certificate_resent(
    harness: BotHarness,
) -> None:
    user = harness.user(801)
    await register(user, name="Морозов Иван")
    row = await registration_of(harness, user.id)
    async with harness.session_factory() as session:
        session.add(
            Attendance(
                event_id=row.event_id, registration_id=row.id, method="code", checked_at=START
            )
        )
        await session.commit()
    harness.clock.set(START + timedelta(hours=6))  # over: certificates go out
    await harness.certificates.reconcile()
    first = [s.method for s in harness.session.sent if isinstance(s.method, SendDocument)]
    assert [d.chat_id for d in first if d.document.filename.endswith(".pdf")] == [user.id]
    org = organizer(harness)
    await org.send("/find морозов")
    await org.click("Изменить ответы")
    await org.click("ФИО")
    await org.send("Морозов Иван Петрович")
    assert "пока прежнее имя" in org.texts()[-2]
    assert "На сертификате другое имя: Морозов Иван." in strip_tags(org.last())
    mark = len(harness.session.sent)
    await org.click("Отправить сертификат заново")
    again = [
        s.method
        for s in harness.session.sent[mark:]
        if isinstance(s.method, SendDocument) and s.method.chat_id == user.id
    ]
    async with harness.session_factory() as session:
        [certificate] = (await session.execute(select(Certificate))).scalars().all()
    assert len(again) == 1 and certificate.number in (again[0].caption or "")
    assert certificate.full_name == "Морозов Иван Петрович" and certificate.reissued == 1
    assert f"Сертификат {certificate.number} выпущен заново с тем же номером: ✅" in strip_tags(
        org.last()
    )
    actions = [action for _, action, _ in await audit(harness)]
    assert actions == ["find_edit", "find_certificate_resend"]


async def test_cancel_and_restore_tell_the_participant(harness: BotHarness) -> None:
    user = harness.user(901)
    await register(user, name="Белова Ольга")
    org = organizer(harness)
    await org.send("/find белова")
    await org.click("Отменить регистрацию")
    assert "получит сообщение об этом в Telegram" in org.last()
    await org.click("Да, отменить")
    assert "Организаторы отменили вашу регистрацию" in user.last()
    assert "Участнику сообщено в Telegram" in org.texts()[-2]
    assert "Статус: ❌ отменена" in strip_tags(org.last())
    assert (await registration_of(harness, user.id)).status == "cancelled"
    await org.click("Восстановить регистрацию")
    assert "Организаторы восстановили вашу регистрацию" in user.last()
    assert (await registration_of(harness, user.id)).status == "active"
    # Once registration is closed, restoring is refused, as on the personal page.
    await org.click("Отменить регистрацию")
    await org.click("Да, отменить")
    harness.clock.set(START + timedelta(hours=4))  # the event is over
    replies = await org.click("Восстановить регистрацию")
    assert alerts(replies) == ["Восстановить нельзя: регистрация на мероприятие закрыта."]
    assert (await registration_of(harness, user.id)).status == "cancelled"
    actions = [(actor, action) for actor, action, _ in await audit(harness)]
    assert actions == [
        (ORGANIZER_ID, "find_cancel"),
        (ORGANIZER_ID, "find_restore"),
        (ORGANIZER_ID, "find_cancel"),
    ]


async def test_attendance_is_marked_and_unmarked(harness: BotHarness) -> None:
    registration_id = await add_registration(harness, "Зайцев Павел", "pavel@example.com")
    harness.clock.set(START + timedelta(minutes=30))  # check-in is open
    org = organizer(harness)
    await org.send("/find зайцев")
    await org.click("Отметить присутствие")
    assert "Присутствие отмечено" in org.texts()[-2]
    assert "(организатором)" in strip_tags(org.last())
    async with harness.session_factory() as session:
        [mark] = (await session.execute(select(Attendance))).scalars().all()
    assert (mark.registration_id, mark.method) == (registration_id, "organizer")
    await org.click("Снять отметку о присутствии")
    assert "Отметки о присутствии нет." in org.last()
    async with harness.session_factory() as session:
        assert (await session.execute(select(Attendance))).first() is None
    replies = await org.press(f"afnda:r:{registration_id}:unattend")  # an old button
    assert any(isinstance(r.method, SendMessage) and "и так нет" in r.method.text for r in replies)
    actions = [action for _, action, _ in await audit(harness)]
    assert actions == ["find_attended", "find_not_attended"]


async def test_attendance_is_not_marked_before_check_in_opens(harness: BotHarness) -> None:
    registration_id = await add_registration(harness, "Зайцев Павел", "pavel@example.com")
    org = organizer(harness)
    await org.send("/find зайцев")  # two weeks before the event
    replies = await org.click("Отметить присутствие")
    assert alerts(replies) == [
        "Отметить присутствие можно с начала мероприятия: "
        "3 сентября 2025 г., 10:00 МСК (15:00 по пекинскому времени)."
    ]
    async with harness.session_factory() as session:
        assert (await session.execute(select(Attendance))).first() is None
    assert await audit(harness) == []
    # In Chinese, Beijing time first.
    async with harness.session_factory() as session:
        session.add(
            Organizer(user_id=9200, role="organizer", added_by=ORGANIZER_ID, added_at=START)
        )
        await session.commit()
    zh = harness.user(9200, "zh")
    replies = await zh.press(f"afnda:r:{registration_id}:attend")
    assert alerts(replies) == [
        "活动开始后才能代为签到。开始时间：2025年9月3日 15:00（北京时间），莫斯科时间10:00。"
    ]
    # After the event (check-in closed), organizers still fix attendance.
    harness.clock.set(START + timedelta(days=2))
    await org.send("/find зайцев")
    await org.click("Отметить присутствие")
    assert "Присутствие отмечено" in org.texts()[-2]
    async with harness.session_factory() as session:
        [mark] = (await session.execute(select(Attendance))).scalars().all()
    assert mark.checked_at == START + timedelta(days=2)


# --- a command ends an edit half done -----------------------------------------------------------


async def test_any_command_ends_an_edit_half_done(harness: BotHarness) -> None:
    registration_id = await add_registration(harness, "Орлова Нина", "nina@example.com")
    class_id, (artem, _, _) = await add_class(harness)
    org = organizer(harness)
    await org.send("/find орлова")
    await org.click("Изменить ответы")
    await org.click("ФИО")
    replies = await org.send("/stats")
    sent = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert sent[0] == "✖️ Незавершённое действие прервано, ничего не сохранено."
    assert len(sent) > 1  # and /stats answered
    await org.send("Новая Фамилия")
    assert (await registration(harness, registration_id)).full_name == "Орлова Нина"
    # A menu button is a command too.
    await org.send("/find орлова")
    await org.click("Изменить ответы")
    await org.click("Город")
    await org.press("am:audit")
    assert "Незавершённое действие прервано" in org.texts()[-2]
    await org.send("Казань")
    assert (await registration(harness, registration_id)).city == "Москва"
    # A pupil's name, and a search asked for.
    await org.send("/find елкин")
    await org.click("Исправить имя")
    await org.send("/help")
    await org.send("Ёлкин Артемий")
    await org.send("/find")
    await org.send("/unknown_thing")
    assert "Незавершённое действие прервано" in org.texts()[-2]
    await org.send("орлова")  # not a query any more
    assert not org.last().startswith("👤")
    async with harness.session_factory() as session:
        pupil = await session.get(ClassStudent, artem)
        assert pupil is not None and pupil.full_name == "Ёлкин Артём"
    # /cancel still ends a dialogue with its own words.
    await org.send("/find орлова")
    await org.click("Изменить ответы")
    await org.click("ФИО")
    await org.send("/cancel")
    assert org.last() == "Действие отменено, ничего не изменено."
    assert [action for _, action, _ in await audit(harness)] == ["stats"]
    assert class_id


async def test_a_command_outside_a_dialogue_says_nothing_extra(harness: BotHarness) -> None:
    org = organizer(harness)
    replies = await org.send("/stats")
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert not any("прервано" in text for text in texts)


# --- phones, class names, schools ---------------------------------------------------------------


async def test_a_phone_is_found_however_its_trunk_prefix_is_typed(harness: BotHarness) -> None:
    user = harness.user(1401)
    await register(user, name="Громова Ирина", phone="8 (901) 765-43-21")
    stored = (await registration_of(harness, user.id)).phone
    assert stored == "89017654321"  # the form keeps the 8 as typed
    await add_registration(harness, "Носов Глеб", "gleb@example.com", phone="+79001234567")
    org = organizer(harness)
    for typed in (
        "+7 901 765-43-21",
        "79017654321",
        "8 901 765 43 21",
        "9017654321",
        "765-43-21",
    ):
        await org.send(f"/find {typed}")
        assert strip_tags(org.last()).startswith("👤 Громова Ирина"), typed
    for typed in ("8 900 123-45-67", "+7 (900) 123-45-67", "79001234567"):
        await org.send(f"/find {typed}")
        assert strip_tags(org.last()).startswith("👤 Носов Глеб"), typed
    await org.send("/find 8 902 765-43-21")
    assert org.last().startswith("Ничего не найдено")


async def add_named_class(harness: BotHarness, code: str, name: str, school: str) -> int:
    now = harness.clock.now()
    async with harness.session_factory() as session:
        school_class = SchoolClass(
            code=code,
            event_id=await event_id(harness),
            status="active",
            language="ru",
            name=name,
            declared_size=20,
            teacher_name=f"Педагог {code}",
            country="RU",
            city="Тула",
            school=school,
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        session.add(school_class)
        await session.commit()
        return school_class.id


async def test_classes_are_found_by_their_name_and_school(harness: BotHarness) -> None:
    await add_class(harness)  # 8 «Б», Гимназия № 7
    await add_named_class(harness, "c8a", "8А", "Школа № 5")
    await add_named_class(harness, "c10", "10 «В»", "ШКОЛА № 15")
    org = organizer(harness)
    for typed in ("8Б", "8 б", "8 «Б»", '8 "Б"', "8-Б", "гимназия № 7", "ГИМНАЗИЯ 7"):
        await org.send(f"/find {typed}")
        assert strip_tags(org.last()).startswith("🏫 8 «Б»"), typed
    for typed in ("8а", "8 «А»"):
        await org.send(f"/find {typed}")
        assert strip_tags(org.last()).startswith("🏫 8А"), typed
    await org.send("/find 10в")
    assert strip_tags(org.last()).startswith("🏫 10 «В»")
    await org.send("/find школа № 5")  # and № 15: every word is in both
    assert [label for label, _ in buttons(org)] == [
        "🏫 Педагог c10 — 10 «В»",
        "🏫 Педагог c8a — 8А",
    ]
    await org.send("/find 8Г")
    assert org.last().startswith("Ничего не найдено")


# --- stale buttons and Chinese lists ------------------------------------------------------------


async def test_a_malformed_find_button_is_called_outdated(harness: BotHarness) -> None:
    registration_id = await add_registration(harness, "Орлова Нина", "nina@example.com")
    org = organizer(harness)
    for data in ("afndo:zz", "afndo", f"afnda:r:{registration_id}", "afndp:x:y", "afndc:1"):
        replies = await org.press(data)
        assert alerts(replies) == ["Эта кнопка уже не действует."], data
    stranger = harness.user(42)
    assert "только для организаторов" in alerts(await stranger.press("afndo:zz"))[0]


async def test_lists_made_by_code_use_chinese_punctuation(harness: BotHarness) -> None:
    user = tg_user(harness, 502, "wangxm", "zh")
    await register(user, "zh", name="王小明", email="wang@163.com")
    org = harness.user(ORGANIZER_ID, "zh")
    await org.send("/find 王小明")
    card = org.last()
    assert "Telegram：@wangxm（<code>502</code>）" in card
    await org.click("修改报名信息")
    await org.click("发言")
    await org.click("是")
    await org.send("家书中的战争记忆")
    assert "✅ 已保存：发言、发言题目。" in org.texts()[-2]


# --- classes and pupils -----------------------------------------------------------------------


async def add_class(harness: BotHarness) -> tuple[int, list[int]]:
    now = harness.clock.now()
    async with harness.session_factory() as session:
        session.add(
            User(id=1201, language="ru", username="T_Lebedeva", created_at=now, updated_at=now)
        )
        await session.flush()  # the teacher's row first: no relationship orders the inserts
        school_class = SchoolClass(
            code="c8b",
            event_id=await event_id(harness),
            teacher_id=1201,
            status="active",
            language="ru",
            name="8 «Б»",
            declared_size=25,
            teacher_name="Лебедева Татьяна Ивановна",
            country="RU",
            city="Казань",
            school="Гимназия № 7",
            email="lebedeva@example.com",
            phone="+79001112233",
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        school_class.students = [
            ClassStudent(full_name="Ёлкин Артём", status="active", created_at=now),
            ClassStudent(full_name="Соколова Дарья", status="active", created_at=now),
            ClassStudent(full_name="Новиков Лев", status="pending", user_id=1202, created_at=now),
        ]
        session.add(school_class)
        await session.flush()
        session.add(
            Certificate(
                number="NP25-0009-WXYZ",
                event_id=school_class.event_id,
                class_id=school_class.id,
                recipient_id=1201,
                full_name="Лебедева Татьяна Ивановна",
                language="ru",
                issued_at=now,
            )
        )
        await session.commit()
        return school_class.id, [s.id for s in school_class.students]


async def test_classes_and_pupils_are_found_and_pupils_renamed(harness: BotHarness) -> None:
    class_id, (artem, darya, _) = await add_class(harness)
    org = organizer(harness)
    await org.send("/find елкин")  # Ё typed as е
    card = strip_tags(org.last())
    assert card.startswith("🎒 Ёлкин Артём")
    assert "Класс: 8 «Б»" in card and "Педагог: Лебедева Татьяна Ивановна" in card
    assert "Страница в сертификате класса: NP25-0009-WXYZ/1" in card
    await org.send("/find NP25-0009-WXYZ/2")
    assert strip_tags(org.last()).startswith("🎒 Соколова Дарья")
    for typed in ("лебедева", "@t_lebedeva", "1201", "8 (900) 111-22-33", "LEBEDEVA@example.com"):
        await org.send(f"/find {typed}")
        card = strip_tags(org.last())
        assert card.startswith("🏫 8 «Б»"), (typed, card)
    for expected in (
        "Педагог: Лебедева Татьяна Ивановна",
        "Школа: Гимназия № 7 (Казань, Россия)",
        "Учеников в списке: 2 (заявлено: 25)",
        "Ждут подтверждения педагога: 1",
        "Группа Telegram не привязана.",
        "Сертификат NP25-0009-WXYZ: выпущен",
    ):
        assert expected in card, expected
    await org.click("Ученики (3)")
    assert [label for label, _ in buttons(org)] == [
        "🎒 Ёлкин Артём",
        "🎒 Соколова Дарья",
        "🎒 Новиков Лев ⏳",
    ]
    await org.click("Соколова Дарья")
    await org.click("Исправить имя")
    await org.send("Соколова 1")
    assert org.last() == "В имени не должно быть цифр. Напишите фамилию, имя и отчество буквами."
    await org.send("соколова дарья андреевна")
    assert "Имя исправлено: Соколова Дарья Андреевна" in org.texts()[-2]
    async with harness.session_factory() as session:
        pupil = await session.get(ClassStudent, darya)
        assert pupil is not None and pupil.full_name == "Соколова Дарья Андреевна"
        assert pupil.name_key == "соколова дарья андреевна"
    assert [(a, action, d) for a, action, d in await audit(harness)] == [
        (ORGANIZER_ID, "find_pupil_rename", {"class_id": class_id, "student_id": darya})
    ]
    assert artem


# --- the key --------------------------------------------------------------------------------


def test_the_migration_folds_names_as_the_application_does() -> None:
    migration = importlib.import_module("db.migrations.versions.0014_find_indexes")
    for name in ("Ёлкин  Артём", "王 小明", "STRASSE Straße", "  Li  Wei ", "", "İstanbul"):
        assert migration.fold(name) == name_key(name)
    assert name_key("ИВАНОВА  Алёна") == "иванова алена"
    assert name_key("王 小明") == "王小明"


async def test_a_chinese_speaking_organizer_reads_the_card_in_chinese(harness: BotHarness) -> None:
    user = harness.user(1301, "zh")
    await register(user, "zh", name="李华", email="lihua@163.com")
    row = await registration_of(harness, user.id)
    async with harness.session_factory() as session:
        session.add(
            Attendance(
                event_id=row.event_id, registration_id=row.id, method="button", checked_at=START
            )
        )
        await session.commit()
    org = harness.user(ORGANIZER_ID, "zh")
    await org.send("/find 李")
    card = strip_tags(org.last())
    assert card.startswith("👤 李华")
    for expected in (
        "状态：✅ 有效",
        "通过机器人",
        "签到：2025年9月3日 15:00",
        "（按钮签到）",
        "尚无证书。",
    ):
        assert expected in card, expected
    labels = [label for label, _ in buttons(org)]
    assert labels[0] == "✏️ 修改报名信息" and labels[-1] == "✉️ 给此人发消息"
