"""End-to-end: real updates through the real dispatcher, a real database, recorded replies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import Registration, User
from tests.flows import LABELS, fill_form, register
from tests.harness import BotHarness, FakeUser, make_event, strip_tags


async def rows(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        return list((await session.execute(select(Registration))).scalars().all())


async def user_row(harness: BotHarness, user_id: int) -> User | None:
    async with harness.session_factory() as session:
        return await session.get(User, user_id)


async def test_russian_registration_end_to_end(harness: BotHarness) -> None:
    user = harness.user(language_code="ru")
    await user.send("/start")
    card = strip_tags(user.texts()[-1])
    assert "3 сентября 2025 г., 10:00–13:00" in card  # Moscow time
    assert "3 сентября 2025 г., 15:00–18:00 по пекинскому времени" in card
    await fill_form(user, "ru", speak=True, phone="+7 (900) 123-45-67")
    await user.click("Даю согласие")
    summary = user.last()
    assert "Иванов Иван Иванович" in summary and "+79001234567" in summary
    await user.click("Подтвердить")
    assert "Вы зарегистрированы" in user.last()

    [row] = await rows(harness)
    assert row.user_id == user.id
    assert row.status == "active"
    assert row.full_name == "Иванов Иван Иванович"
    assert row.country == "RU"
    assert row.role == "teacher"
    assert row.participation_format == "online"
    assert row.wants_to_speak is True
    assert row.talk_topic == "Память о войне в семейных письмах"
    assert row.email == "ivanov@example.com"
    assert row.phone == "+79001234567"
    assert row.language == "ru"
    assert row.consent_version
    assert row.consent_at == harness.clock.now()
    assert row.consent_at.tzinfo is not None


async def test_chinese_conversation_has_no_cyrillic(harness: BotHarness) -> None:
    user = harness.user(language_code="zh-hans")
    await register(user, "zh", name="张伟", email="zhangwei@163.com")
    [row] = await rows(harness)
    assert row.language == "zh" and row.full_name == "张伟" and row.country == "RU"
    seen = user.all_visible_text()
    assert any("2025年9月3日 15:00—18:00（北京时间）" in text for text in seen)
    # The language picker and the way back to Russian («Язык») are the one exception.
    switch = re.compile("Русский язык|Выберите язык|Язык|Русский")
    offenders = [t for t in seen if re.search("[А-Яа-яЁё]", switch.sub("", t))]
    assert offenders == []


@pytest.mark.parametrize("code", ["zh", "zh-hans", "zh-CN", "zh-TW", "ZH-hk"])
async def test_any_chinese_language_code_gets_chinese(harness: BotHarness, code: str) -> None:
    user = harness.user(language_code=code)
    await user.send("/start")
    assert "您好" in user.texts()[0]


# Other languages (en, none...) are asked first: tests/test_language_choice.py.
@pytest.mark.parametrize("code", ["ru", "ru-RU"])
async def test_russian_language_codes_get_russian(harness: BotHarness, code: str | None) -> None:
    user = harness.user(language_code=code)
    await user.send("/start")
    assert "Здравствуйте" in user.texts()[0]


async def test_user_input_is_escaped(harness: BotHarness) -> None:
    user = harness.user()
    name = "Иван <b>Жирный</b> & Co 🎖️"
    await register(user, name=name)
    [row] = await rows(harness)
    assert row.full_name == name
    summaries = [t for t in user.texts() if "Иван" in t and "Жирный" in t]
    assert summaries and all("&lt;b&gt;Жирный&lt;/b&gt; &amp; Co 🎖️" in t for t in summaries)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("И", "Слишком коротко"),
        ("Я" * 201, "Слишком длинно: 201"),
        ("12345", "буквы"),
        ("Иван 2", "цифр"),
    ],
)
async def test_bad_names_are_explained_and_asked_again(
    harness: BotHarness, answer: str, expected: str
) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    replies = await user.send(answer)
    texts = [r.method.text for r in replies]
    assert expected in texts[0]
    assert "Как вас зовут?" in texts[1]  # the question again
    await user.send("Иванов Иван")
    assert "Из какой вы страны?" in user.last()


async def test_every_bad_value_gets_a_reason(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван")
    await user.send("1")  # country
    assert "Из какой вы страны?" in user.last()
    await user.send("Россия")
    await user.send("Москва")
    await user.send("Школа")
    await user.send("главный историк")  # a role typed instead of tapped
    assert "кнопкой" in user.texts()[-2]
    await user.send("педагог")  # a typed label is accepted
    await user.click("Онлайн")
    await user.click("Нет, только слушать")
    for bad in ("ivanov", "ivanov@", "ivanov@mail", "iv anov@mail.ru", "a@b..ru"):
        replies = await user.send(bad)
        assert "не похоже на адрес e-mail" in replies[0].method.text, bad
    await user.send("Ivanov@Mail.RU")
    for bad in ("12", "телефон", "+7 900 12a"):
        replies = await user.send(bad)
        assert "Не получается разобрать номер" in replies[0].method.text, bad
    await user.send("Пропустить")
    await user.click("Даю согласие")
    assert "Ivanov@mail.ru" in user.last()


async def test_stickers_photos_and_stray_text_mid_form_get_hints(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    replies = await user.send_sticker()
    assert "ответьте текстом" in replies[0].method.text
    assert "Как вас зовут?" in replies[1].method.text
    await user.send("Иванов Иван")
    replies = await user.send_photo()
    assert "ответьте текстом" in replies[0].method.text
    assert "Из какой вы страны?" in replies[1].method.text
    # Nothing was lost: the name is still there.
    await user.send("Россия")
    await user.send("Москва")
    await user.send("Школа № 1")
    await user.click("Педагог")
    await user.click("Онлайн")
    await user.click("Нет, только слушать")
    await user.send("a@example.com")
    await user.send("Пропустить")
    replies = await user.send("ну что там")  # text at the consent step
    assert "кнопкой" in replies[0].method.text
    await user.click("Даю согласие")
    assert "Иванов Иван" in user.last()


async def test_unknown_command_mid_form_keeps_the_form(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    replies = await user.send("/foo")
    assert "Такой команды нет" in replies[0].method.text
    assert "Как вас зовут?" in replies[1].method.text
    await user.send("/help")
    assert "Как вас зовут?" in user.last()
    await user.send("/start")
    assert "продолжим с того же места" in user.texts()[-2]


async def test_phone_by_contact_button_and_foreign_contact(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await fill_form(user, phone="+7 900 000-00-00")
    await user.click("Даю согласие")
    await user.click("✏️ Телефон")  # edit from the summary
    keyboard = user.reply_keyboard()
    assert keyboard is not None and keyboard.keyboard[0][0].request_contact
    replies = await user.send_contact("79001112233", owner_id=999)
    assert "свой номер" in replies[0].method.text
    await user.send_contact("79001112233")
    await user.click("Подтвердить")
    [row] = await rows(harness)
    assert row.phone == "+79001112233"


async def test_consent_declined_stores_nothing(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await fill_form(user)
    await user.click("Не даю согласия")
    assert "Ничего не сохранено" in user.last()
    assert await rows(harness) == []
    replies = await user.send("Иванов")
    assert "Не удалось распознать" in replies[0].method.text


async def test_summary_edit_each_kind_of_field(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await fill_form(user, speak=False)
    await user.click("Даю согласие")
    await user.click("✏️ ФИО")
    await user.send("Петров Пётр")
    assert "Петров Пётр" in user.last() and "Проверьте данные" in user.last()
    # Turning "speak" on asks for the topic on the way back to the summary.
    await user.click("✏️ Выступление")
    await user.click("Да, хочу выступить")
    assert "тему выступления" in user.last()
    await user.send("Письма с фронта")
    assert "Письма с фронта" in user.last()
    # Turning it off drops the topic.
    await user.click("✏️ Выступление")
    await user.click("Нет, только слушать")
    assert "Письма с фронта" not in user.last()
    await user.click("✏️ Формат участия")
    await user.click("Очно")
    await user.click("Подтвердить")
    [row] = await rows(harness)
    assert (row.full_name, row.wants_to_speak, row.talk_topic) == ("Петров Пётр", False, None)
    assert row.participation_format == "offline"
    assert "на очной площадке: Москва, Дом дружбы" in user.last()  # offline: the venue


async def test_stale_and_forged_buttons_get_polite_answers(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван")
    # A role button while the bot asks for the city... (forged: not in that question)
    replies = await user.press("ch:role:teacher")
    assert any("не действует" in (getattr(r.method, "text", "") or "") for r in replies)
    # ...garbage callback data, a summary button outside the summary, an unknown role.
    for data in ("nonsense", "sum:confirm", "ed:full_name", "cons:1", "ch:country:country-mars"):
        replies = await user.press(data)
        assert replies, data
        assert any(type(r.method).__name__ == "AnswerCallbackQuery" for r in replies), data
    await user.send("Россия")
    assert "В каком городе" in user.last()
    assert await rows(harness) == []


async def test_double_confirm_registers_once(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await fill_form(user)
    await user.click("Даю согласие")
    await user.click("Подтвердить")
    await user.click("Подтвердить")  # the same old summary button again
    assert len(await rows(harness)) == 1


async def test_start_when_registered_shows_status_not_a_new_form(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    replies = await user.send("/start")
    assert "Вы зарегистрированы" in user.last()
    offered = " ".join(str(r.method.reply_markup) for r in replies)
    assert "Зарегистрироваться" not in offered and "reg:" not in offered
    # An old Register button refuses politely.
    replies = await user.press("reg:victory-2025")
    assert any("уже зарегистрированы" in (getattr(r.method, "text", "") or "") for r in replies)
    assert len(await rows(harness)) == 1


async def test_me_edit_unregister_and_register_again(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    await user.send("/me")
    assert "Иванов Иван Иванович" in user.last() and "активна" in user.last()
    await user.send("/edit")
    await user.click("✏️ Город")
    await user.send("Казань")
    await user.click("Подтвердить")
    assert "Изменения сохранены" in user.last()
    [row] = await rows(harness)
    assert row.city == "Казань"

    await user.send("/unregister")
    await user.click("Нет, оставить")
    assert (await rows(harness))[0].status == "active"
    await user.send("/unregister")
    await user.click("Да, отменить участие")
    assert "Регистрация отменена" in user.last()
    [row] = await rows(harness)
    assert row.status == "cancelled" and row.cancelled_at == harness.clock.now()
    await user.send("/edit")
    assert "нет активной регистрации" in user.last()

    # Coming back: the old answers are offered for confirmation.
    await user.send("/start")
    await user.click("Зарегистрироваться")
    assert "С возвращением" in user.texts()[-2]
    await user.click("Даю согласие")
    await user.click("Подтвердить")
    [row] = await rows(harness)
    assert row.status == "active" and row.city == "Казань" and row.cancelled_at is None


async def test_cancel_mid_form_saves_nothing(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван")
    await user.send("/cancel")
    assert "ничего не сохранено" in user.last()
    await user.send("/cancel")
    assert "нечего прерывать" in user.last()
    assert await rows(harness) == []


async def test_delete_me_erases_personal_data_keeps_counts(harness: BotHarness) -> None:
    user = harness.user()
    await register(user)
    await user.send("/delete_me")
    await user.click("Да, удалить мои данные")
    assert "удалены" in user.last()
    [row] = await rows(harness)
    assert row.user_id is None and row.full_name is None and row.email is None
    assert row.phone is None and row.city is None and row.status == "cancelled"
    assert row.role == "teacher"  # anonymous counts survive
    assert await user_row(harness, user.id) is None
    # The person can come back as new.
    await register(user)
    assert len(await rows(harness)) == 2


async def test_language_switch_mid_form_reasks_in_new_language(harness: BotHarness) -> None:
    user = harness.user(language_code="ru")
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван")
    await user.send("/language")
    await user.click("中文")
    assert "您来自哪个国家" in user.last()
    await user.click("中国")
    assert "您所在的城市" in user.last()
    stored = await user_row(harness, user.id)
    assert stored is not None and stored.language == "zh"
    commands = [
        s.method for s in harness.session.sent if type(s.method).__name__ == "SetMyCommands"
    ]
    assert commands and commands[-1].scope.chat_id == user.id  # type: ignore[union-attr]
    assert commands[-1].commands[0].description == "会议介绍与报名"


@pytest.mark.parametrize("clock_shift", [timedelta(days=30)])
async def test_deadline_passing_mid_form_refuses_at_confirm(
    harness: BotHarness, clock_shift: timedelta
) -> None:
    user = harness.user()
    await user.send("/start")
    await fill_form(user)
    await user.click("Даю согласие")
    harness.clock.advance(clock_shift)
    await user.click("Подтвердить")
    assert "уже прошло" in user.last() or "закрыта" in user.last()
    assert "commonwin@bk.ru" in user.last()
    assert await rows(harness) == []
    # The form is over: a stray text is not taken as an answer.
    replies = await user.send("Подтверждаю")
    assert "Не удалось распознать" in replies[0].method.text


class TestEventStates:
    @pytest.fixture
    def events(self) -> list[dict]:
        from datetime import UTC, datetime

        base = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
        return [
            make_event("victory-2025", starts_at=base),
            make_event("memory-2025", starts_at=base + timedelta(days=60), fmt="online"),
            make_event("closed-2025", starts_at=base, deadline=base - timedelta(days=30)),
        ]

    async def test_two_open_events_let_the_user_choose(self, harness: BotHarness) -> None:
        user = harness.user()
        await user.send("/start")
        assert "несколько мероприятий" in user.last()
        await user.click("memory-2025")
        assert "Формат: онлайн" in strip_tags(user.last())
        await register_online(user)
        await user.send("/start")
        assert "Вы зарегистрированы" in user.texts()[-2]
        assert "victory-2025" in user.last()  # the other event is still offered
        [row] = await rows(harness)
        assert row.participation_format == "online"

    async def test_closed_event_cannot_be_chosen(self, harness: BotHarness) -> None:
        user = harness.user()
        await user.send("/start")
        replies = await user.press("ev:closed-2025")
        assert any("закрыта" in (getattr(r.method, "text", "") or "") for r in replies)
        replies = await user.press("reg:closed-2025")
        assert any("закрыта" in (getattr(r.method, "text", "") or "") for r in replies)


async def register_online(user: FakeUser) -> None:
    await fill_form(user, hybrid=False)
    await user.click(LABELS["ru"]["accept"])
    await user.click(LABELS["ru"]["confirm"])


async def test_no_open_event_says_closed_with_contacts(harness: BotHarness) -> None:
    harness.clock.advance(timedelta(days=60))  # the sample event is over
    user = harness.user()
    await user.send("/start")
    assert "регистрация ни на одно мероприятие не открыта" in user.last()
    assert "commonwin@bk.ru" in user.last()
    await user.send("/contacts")
    assert "+79769738539" in user.last()


async def test_deep_link_to_event(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start victory-2025")
    assert "Зарегистрироваться" in str(user.messages()[-1].method.reply_markup)
    await user.send("/start no-such-event")
    assert "Зарегистрироваться" in str(user.messages()[-1].method.reply_markup)


async def test_blocked_user_is_marked_and_comes_back(harness: BotHarness) -> None:
    user = harness.user()
    await user.send("/start")
    await user.set_blocked(True)
    stored = await user_row(harness, user.id)
    assert stored is not None and not stored.is_reachable and stored.unreachable_since
    await user.set_blocked(False)
    stored = await user_row(harness, user.id)
    assert stored is not None and stored.is_reachable


async def test_group_commands_point_to_private_chat(harness: BotHarness) -> None:
    from datetime import UTC, datetime

    from aiogram.types import Chat, Message

    user = harness.user()
    await harness.feed(
        message=Message(
            message_id=1,
            date=datetime.now(UTC),
            chat=Chat(id=-100500, type="supergroup", title="8 Б"),
            from_user=user.tg,
            text="/start",
        )
    )
    [sent] = [s for s in harness.session.sent if type(s.method).__name__ == "SendMessage"]
    assert sent.method.chat_id == -100500
    assert "личном чате" in sent.method.text


async def test_unexpected_error_gets_an_apology(harness: BotHarness, monkeypatch) -> None:
    from bot.services.registration.registrations import RegistrationService

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(RegistrationService, "active_of_user", broken)
    user = harness.user()
    await user.send("/start")
    assert "что-то пошло не так" in user.last()


async def test_users_are_counted_once(harness: BotHarness) -> None:
    user = harness.user()
    for _ in range(3):
        await user.send("/start")
    async with harness.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_refused_edits_do_not_lose_the_answer(harness: BotHarness) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import EditMessageText

    user = harness.user()
    await user.send("/start")
    await user.click("Зарегистрироваться")
    for answer in ("Иванов Иван", "Россия", "Москва", "Школа"):
        await user.send(answer)
    harness.session.failures[EditMessageText] = TelegramBadRequest(
        method=EditMessageText(text="x"), message="Bad Request: message is not modified"
    )
    await user.click("Педагог")
    assert "Как вы будете участвовать?" in user.last()


@pytest.mark.parametrize(("lang", "word"), [("ru", "ссылк"), ("zh", "链接")])
async def test_the_confirmation_promises_the_link_once(
    harness: BotHarness, lang: str, word: str
) -> None:
    """Before the link is out the confirmation says when it comes, and says it once."""
    user = harness.user(language_code=lang)
    await register(user, lang)
    confirmation = next(t for t in user.texts() if "🎉" in t)
    assert confirmation.lower().count(word) == 1
