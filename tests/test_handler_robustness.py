"""Forged buttons that must not act, double taps that must not break a conversation, and
replies that must not be doubled or lost: each through the real dispatcher."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Chat, Message
from sqlalchemy import select

from db.models import Attendance, Registration, SchoolClass
from tests.flows import register
from tests.harness import (
    BOT_USER,
    ORGANIZER_ID,
    BotHarness,
    FakeUser,
    Sent,
    make_event,
    strip_tags,
)
from tests.test_classes import register_class

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
GROUP = -100500


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, checkin_code="Победа")]


def answers(replies: list[Sent]) -> list[AnswerCallbackQuery]:
    return [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]


def messages(replies: list[Sent]) -> list[SendMessage]:
    return [r.method for r in replies if isinstance(r.method, SendMessage)]


async def press_in_group(user: FakeUser, chat_id: int, data: str) -> list[Sent]:
    """A button pressed in a group chat (FakeUser.press presses in the private chat)."""
    harness = user.harness
    start = len(harness.session.sent)
    query = CallbackQuery(
        id=f"q{harness.next_message_id()}",
        from_user=user.tg,
        chat_instance="group",
        data=data,
        message=Message(
            message_id=harness.next_message_id(),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="supergroup", title="8 Б"),
            from_user=BOT_USER,
            text="…",
        ),
    )
    await harness.feed(callback_query=query)
    return harness.session.sent[start:]


async def checkins(harness: BotHarness) -> list[Attendance]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Attendance))).all())


async def registrations(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Registration))).all())


# --- forged buttons ----------------------------------------------------------------------------


async def test_a_class_is_checked_in_only_from_its_group_or_its_teacher(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    harness.clock.set(START + timedelta(minutes=5))
    button = f"chk:{school_class.event_id}:{school_class.id}"
    refusal = "Эта кнопка отмечает класс: она действует только в группе класса и в чате педагога."

    # Anyone in a private chat, another group, another event's id: polite refusals, no check-in.
    stranger = harness.user(77)
    [answer] = answers(await stranger.press(button))
    assert answer.text == refusal
    [answer] = answers(await press_in_group(stranger, -100999, button))
    assert answer.text == refusal
    [answer] = answers(await teacher.press(f"chk:{school_class.event_id + 1}:{school_class.id}"))
    assert answer.text != "✅ Класс отмечен: 8 «Б». Спасибо, что вы с нами!"
    assert await checkins(harness) == []

    # The class's own group checks it in.
    pupil = harness.user(51)
    [answer] = answers(await press_in_group(pupil, GROUP, button))
    assert answer.text == "✅ Класс отмечен: 8 «Б». Спасибо, что вы с нами!"
    [row] = await checkins(harness)
    assert row.class_id == school_class.id


async def test_a_teacher_checks_the_class_in_from_the_private_chat(harness: BotHarness) -> None:
    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    harness.clock.set(START + timedelta(minutes=5))
    [answer] = answers(await teacher.press(f"chk:{school_class.event_id}:{school_class.id}"))
    assert answer.text == "✅ Класс отмечен: 8 «Б». Спасибо, что вы с нами!"
    [row] = await checkins(harness)
    assert row.class_id == school_class.id


@pytest.mark.parametrize("data", ["clx:confirm", "clx:forged", "clx:roster-ok", "clx:accept"])
async def test_class_form_buttons_without_a_form_are_no_longer_active(
    harness: BotHarness, data: str
) -> None:
    user = harness.user(60)
    await user.send("/start")
    replies = await user.press(data)
    [answer] = answers(replies)
    assert answer.text == "Эта кнопка уже не действует."
    assert messages(replies) == []  # no apology: nothing went wrong
    async with harness.session_factory() as session:
        assert (await session.scalars(select(SchoolClass))).all() == []


# --- double taps -------------------------------------------------------------------------------


async def test_a_double_tap_on_register_keeps_the_open_form(harness: BotHarness) -> None:
    user = harness.user(61)
    await user.send("/start")
    first = await user.click("Зарегистрироваться")
    assert len(messages(first)) == 2  # the intro and the first question
    second = await user.click("Зарегистрироваться")
    assert messages(second) == []
    [answer] = answers(second)
    assert answer.text and "анкет" in answer.text
    # The form goes on from its first question: the name is taken as the name.
    await user.send("Иванов Иван Иванович")
    assert "стран" in user.last()


async def test_a_double_tap_on_register_a_class_keeps_the_open_form(harness: BotHarness) -> None:
    user = harness.user(62)
    await user.send("/start")
    await user.click("Зарегистрировать класс")
    await user.send("Петрова Анна Сергеевна")
    second = await user.click("Зарегистрировать класс")
    assert messages(second) == []
    await user.send("Россия")  # the second question's answer is still welcome
    assert "Город" in user.last() or "город" in user.last()


async def test_a_double_tap_on_cancel_participation_says_done_once(harness: BotHarness) -> None:
    user = harness.user(63)
    await register(user)
    await user.send("/unregister")
    first = await user.click("Да, отменить участие")
    assert "отмен" in user.last()
    second = await user.click("Да, отменить участие")
    assert messages(second) == []
    [answer] = answers(second)
    assert answer.text == "Участие уже отменено."
    assert "нет активной регистрации" not in " ".join(user.texts())
    assert len(messages(first)) == 1
    [row] = await registrations(harness)
    assert row.status == "cancelled"


async def test_a_double_tap_on_delete_my_data_says_done_once(harness: BotHarness) -> None:
    user = harness.user(64)
    await register(user)
    await user.send("/delete_me")
    await user.click("Да, удалить")
    assert "удалены" in user.last()
    second = await user.click("Да, удалить")
    assert messages(second) == []
    [answer] = answers(second)
    assert answer.text == "Ваши данные уже удалены."


async def test_a_double_tap_on_cancel_class_says_done_once(harness: BotHarness) -> None:
    teacher = harness.user(65)
    await register_class(harness, teacher)
    await teacher.send("/classes")
    await teacher.click("Отменить регистрацию класса")
    assert "отменена" in teacher.last()
    second = await teacher.click("Отменить регистрацию класса")
    assert messages(second) == []
    [answer] = answers(second)
    assert answer.text == "Регистрация этого класса уже отменена."


# --- the error handler -------------------------------------------------------------------------


async def test_a_press_answered_before_a_rule_error_is_answered_once(harness: BotHarness) -> None:
    """on_register answers the press, then the rule "already registered" raises."""
    user = harness.user(66)
    await register(user)
    replies = await user.press("reg:victory-2025")
    assert len(answers(replies)) == 1
    assert "уже зарегистрированы" in messages(replies)[-1].text


async def test_a_press_answered_before_a_crash_is_answered_once(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers import account

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(account, "show_mine", broken)  # after on_menu answered the press
    user = harness.user(67)
    await user.send("/start")
    replies = await user.press("menu:me")
    assert len(answers(replies)) == 1
    assert "что-то пошло не так" in messages(replies)[-1].text


async def test_a_press_that_fails_before_any_answer_still_gets_one(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard must not silence the error handler's own answer."""
    from handlers import attendance

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(attendance, "event_row", broken)  # before the check-in answers
    user = harness.user(68)
    await user.send("/start")
    replies = await user.press("chk:1:0")
    assert len(answers(replies)) == 1
    assert "что-то пошло не так" in messages(replies)[-1].text


# --- registering again, the code word ------------------------------------------------------------


async def test_registering_again_shows_the_previous_answers_before_consent(
    harness: BotHarness,
) -> None:
    user = harness.user(69)
    await register(user)
    await user.send("/unregister")
    await user.click("Да, отменить участие")
    await user.send("/start")
    replies = await user.click("Зарегистрироваться")
    welcome, consent = (strip_tags(m.text) for m in messages(replies))
    assert "С возвращением" in welcome
    # The answers the words announce are in the same message, before the consent.
    assert "Иванов Иван Иванович" in welcome and "ivanov@example.com" in welcome
    assert "согласи" in consent.casefold()


async def test_the_code_word_before_the_start_says_when_check_in_opens(
    harness: BotHarness,
) -> None:
    user = harness.user(70)
    await register(user)
    replies = await user.send("Победа")
    [reply] = messages(replies)
    assert reply.text == "Отметиться можно только во время конференции."
    assert await checkins(harness) == []


# --- countries -----------------------------------------------------------------------------------


async def test_a_country_is_stored_as_a_code_and_named_in_each_readers_language(
    harness: BotHarness,
) -> None:
    from tests.test_export import COLUMN, documents, export, file_bytes

    chinese = harness.user(71, "zh-hans")
    await register(chinese, "zh", name="张伟", email="zhangwei@163.com")  # taps 俄罗斯
    [row] = await registrations(harness)
    assert row.country == "RU"
    await chinese.send("/me")
    assert "俄罗斯" in strip_tags(chinese.last())

    organizer = harness.user(ORGANIZER_ID, "ru")
    document = await export(harness, organizer, "CSV")
    assert documents(harness, organizer.id) == [document]
    text = file_bytes(document).decode("utf-8-sig")
    # The CSV for Russian Excel: ";" between cells.
    [_, line] = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert line[COLUMN["export-col-country"]] == "Россия"
    await organizer.send("/stats")
    assert "• Россия: 1" in strip_tags(organizer.last())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [(" россия ", "RU"), ("РФ", "RU"), ("中国", "CN"), ("Китай", "CN"), ("Беларусь  ", "Беларусь")],
)
async def test_a_typed_country_is_folded_like_the_buttons(
    harness: BotHarness, typed: str, stored: str
) -> None:
    user = harness.user(72)
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван Иванович")
    await user.send(typed)
    await user.send("Москва")
    await user.send("Школа № 1")
    await user.click("Педагог")
    await user.click("Онлайн")
    await user.click("Нет, только слушать")
    await user.send("ivanov@example.com")
    await user.send("Пропустить")
    await user.click("Даю согласие")
    await user.click("Подтвердить")
    [row] = await registrations(harness)
    assert row.country == stored


async def test_the_migration_turns_stored_country_names_into_codes_and_back(
    harness: BotHarness,
) -> None:
    from sqlalchemy import text

    from db.migrate import downgrade, upgrade
    from tests.test_admin_stats import add_registration

    names = {"ru": ["Россия", " китай ", "Беларусь"], "zh": ["俄罗斯", "中国", "白俄罗斯"]}
    for lang, countries in names.items():
        for country in countries:
            await add_registration(harness, None, lang=lang, country=country)
    school_class = await register_class(harness, harness.user(73))
    await downgrade(harness.engine, "0006")
    async with harness.engine.begin() as connection:
        await connection.execute(
            text("UPDATE classes SET country = 'Китай' WHERE id = :id"), {"id": school_class.id}
        )

    async def stored() -> tuple[list[str], str]:
        """Registrations' countries in insertion order, and the class's country."""
        async with harness.engine.connect() as connection:
            rows = await connection.scalars(text("SELECT country FROM registrations ORDER BY id"))
            country = await connection.scalar(text("SELECT country FROM classes"))
            return list(rows), country

    await upgrade(harness.engine)
    assert await stored() == (["RU", "CN", "Беларусь", "RU", "CN", "白俄罗斯"], "CN")
    await downgrade(harness.engine, "0006")  # the names come back in each row's language
    assert await stored() == (
        ["Россия", "Китай", "Беларусь", "俄罗斯", "中国", "白俄罗斯"],
        "Китай",
    )
    await upgrade(harness.engine)  # the harness's own shutdown speaks today's schema
