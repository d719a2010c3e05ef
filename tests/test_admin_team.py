"""/team and organizer roles: adding (by id, Telegram's user picker, a forwarded message,
@username), changing a role, removing; ADMIN_IDS untouchable; read-only viewers; every change
audited; the person told in their language; command menus per role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SetMyCommands
from aiogram.types import (
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    SharedUser,
    UsersShared,
)
from aiogram.types import User as TgUser
from sqlalchemy import select

from bot.commands import READ_COMMANDS, set_organizer_commands
from db.models import AuditEntry, Organizer, OrganizerRole
from handlers.admin.team import PICK_REQUEST
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, Sent, strip_tags

VIEWER_ID = 501
CHANGE_COMMANDS_SENT = ["/broadcast", "/setlink", "/event", "/speakers", "/certificates", "/team"]


async def add_organizer(
    harness: BotHarness, user_id: int, role: OrganizerRole, name: str | None = None
) -> None:
    async with harness.session_factory() as session:
        session.add(
            Organizer(
                user_id=user_id,
                role=role.value,
                added_by=ORGANIZER_ID,
                added_at=harness.clock.now(),
                display_name=name,
            )
        )
        await session.commit()


async def audit(harness: BotHarness) -> list[AuditEntry]:
    async with harness.session_factory() as session:
        rows = await session.execute(select(AuditEntry).order_by(AuditEntry.id))
        return list(rows.scalars())


async def organizers(harness: BotHarness) -> dict[int, str]:
    async with harness.session_factory() as session:
        return {o.user_id: o.role for o in (await session.execute(select(Organizer))).scalars()}


def edits(harness: BotHarness, chat_id: int) -> list[EditMessageText]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, EditMessageText) and s.method.chat_id == chat_id
    ]


def shown(harness: BotHarness, user: FakeUser) -> str:
    """What the user sees last: the newest message or edit, without tags."""
    for s in reversed(harness.session.sent):
        m = s.method
        if isinstance(m, (SendMessage, EditMessageText)) and m.chat_id == user.id:
            return strip_tags(m.text)
    return ""


async def tap(harness: BotHarness, user: FakeUser, label: str) -> list[Sent]:
    """Tap the newest inline button containing `label` in a message or an edit this user got."""
    for s in reversed(harness.session.sent):
        m = s.method
        if not isinstance(m, (SendMessage, EditMessageText)) or m.chat_id != user.id:
            continue
        if isinstance(m.reply_markup, InlineKeyboardMarkup):
            for row in m.reply_markup.inline_keyboard:
                for button in row:
                    if label in button.text and button.callback_data:
                        message_id = (
                            m.message_id if isinstance(m, EditMessageText) else s.result.message_id
                        )
                        return await user.press(button.callback_data, message_id or 1)
    raise AssertionError(f"no button {label!r}; last: {shown(harness, user)!r}")


def alerts(replies: list[Sent]) -> list[str]:
    return [
        r.method.text or ""
        for r in replies
        if isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert
    ]


def commands_set(harness: BotHarness, chat_id: int) -> list[list[str]]:
    return [
        [c.command for c in s.method.commands]
        for s in harness.session.sent
        if isinstance(s.method, SetMyCommands)
        and isinstance(s.method.scope, BotCommandScopeChat)
        and s.method.scope.chat_id == chat_id
    ]


def organizer(harness: BotHarness) -> FakeUser:
    return harness.user(ORGANIZER_ID, "ru")


async def send_shared_user(user: FakeUser, shared: SharedUser) -> list[Sent]:
    return await user._feed_message(
        users_shared=UsersShared(request_id=PICK_REQUEST, users=[shared])
    )


async def send_forwarded(user: FakeUser, origin: Any) -> list[Sent]:
    return await user._feed_message(text="пересланное", forward_origin=origin)


# --- the list ----------------------------------------------------------------------------------


async def test_the_list_shows_settings_organizers_and_those_added(harness: BotHarness) -> None:
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/start")  # known to the bot: a username shows
    await add_organizer(harness, VIEWER_ID, OrganizerRole.VIEWER, name="Анна <Петрова>")
    await boss.send("/team")
    text = boss.last()
    assert "Из настроек (ADMIN_IDS)" in text and "<code>9000</code>" in text
    assert "Анна &lt;Петрова&gt; (<code>501</code>) — только просмотр" in text
    # Who added them, when, in both time zones; they have not started the bot yet.
    plain = strip_tags(text)
    assert "Кто и когда добавил: 9000, 20 августа 2025 г., 12:00 МСК" in plain
    assert "17:00 по пекинскому времени" in plain
    assert "Диалога с ботом ещё нет" in plain
    await tap(harness, boss, "Анна")
    assert "Права: только просмотр" in shown(harness, boss)


# --- adding ------------------------------------------------------------------------------------


async def test_add_by_id_as_viewer_tells_them_in_their_language(harness: BotHarness) -> None:
    newcomer = harness.user(VIEWER_ID, "zh", first_name="王芳")
    await newcomer.send("/start")
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    assert "Кого добавить" in boss.last()
    picker = boss.messages()[-1].method.reply_markup
    assert isinstance(picker, ReplyKeyboardMarkup)
    request = picker.keyboard[0][0].request_users
    assert request is not None and request.request_id == PICK_REQUEST and not request.user_is_bot
    await boss.send("12ab")
    assert "Не получилось понять" in boss.last()
    await boss.send(str(VIEWER_ID))
    person = boss.messages()[-2]
    assert isinstance(person.method.reply_markup, ReplyKeyboardRemove)  # the picker goes
    assert "Какие права дать?" in boss.last()
    mark = len(newcomer.texts())
    await tap(harness, boss, "Только просмотр")
    result = shown(harness, boss)
    assert "Добавлено в команду: 501 — только просмотр" in result
    assert "Сообщение об этом отправлено" in result
    [told] = newcomer.texts()[mark:]
    assert "您已被加入主办方团队" in told and "只读" in told
    assert await organizers(harness) == {VIEWER_ID: "viewer"}
    [entry] = await audit(harness)
    assert (entry.actor_id, entry.action) == (ORGANIZER_ID, "team-add")
    assert entry.details["user_id"] == VIEWER_ID and entry.details["role"] == "viewer"
    # Their menu now has the viewer's commands, in Chinese.
    menu = commands_set(harness, VIEWER_ID)[-1]
    assert menu[: len(READ_COMMANDS)] == list(READ_COMMANDS) and "broadcast" not in menu


async def test_add_by_telegram_picker_someone_who_never_wrote(harness: BotHarness) -> None:
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    shared = SharedUser(user_id=777, first_name="Ли", last_name="Мин", username="liming")
    await send_shared_user(boss, shared)
    assert "Ли Мин" in strip_tags(boss.texts()[-2])
    await tap(harness, boss, "Все права")
    result = shown(harness, boss)
    assert "Добавлено в команду: Ли Мин (777) — организатор, все права" in result
    assert "ещё не писал боту" in result and "/start" in result
    # Nothing was sent to them: Telegram would refuse.
    assert not [s for s in harness.session.sent if getattr(s.method, "chat_id", None) == 777]
    assert await organizers(harness) == {777: "organizer"}
    # Once they start the bot, the console is theirs.
    newcomer = harness.user(777, "ru")
    await newcomer.send("/start")
    await newcomer.send("/admin")
    assert "Консоль организатора" in newcomer.last()
    assert "team" in commands_set(harness, 777)[-1]  # the organizer menu, now it can be set


async def test_add_by_forwarded_message_and_by_username(harness: BotHarness) -> None:
    known = harness.user(600, "ru", first_name="Олег")
    known.tg = known.tg.model_copy(update={"username": "oleg_p"})
    await known.send("/start")
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    when = datetime(2025, 8, 1, tzinfo=UTC)
    await send_forwarded(boss, MessageOriginHiddenUser(date=when, sender_user_name="Скрытый"))
    assert "скрывает свой аккаунт" in boss.last()
    await send_forwarded(
        boss, MessageOriginUser(date=when, sender_user=TgUser(id=4243, is_bot=True, first_name="B"))
    )
    assert "Это бот" in boss.last()
    await boss.send("@nobody_here")
    assert "@nobody_here не найден" in boss.last()
    await boss.send("@Oleg_P")  # case does not matter
    assert "@oleg_p" in boss.texts()[-2] and "<code>600</code>" in boss.texts()[-2]
    await tap(harness, boss, "Только просмотр")
    assert (await organizers(harness))[600] == "viewer"
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    sender = TgUser(id=601, is_bot=False, first_name="Мария", last_name="Ким")
    await send_forwarded(boss, MessageOriginUser(date=when, sender_user=sender))
    assert "Мария Ким" in boss.texts()[-2]
    await tap(harness, boss, "Все права")
    assert await organizers(harness) == {600: "viewer", 601: "organizer"}


async def test_adding_is_cancelled_with_the_picker_gone(harness: BotHarness) -> None:
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    replies = await boss.send("/cancel")
    [reply] = [r.method for r in replies if isinstance(r.method, SendMessage)]
    assert isinstance(reply.reply_markup, ReplyKeyboardRemove)
    await boss.send("12345")  # no longer taken as an id
    assert await organizers(harness) == {}
    await tap(harness, boss, "Добавить")
    await boss.send("✖️ Отмена")  # the picker's own button
    assert "Отменено" in boss.last()


async def test_another_command_ends_adding_and_takes_the_picker_away(harness: BotHarness) -> None:
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    replies = await boss.send("/stats")
    [note, *_] = [r.method for r in replies if isinstance(r.method, SendMessage)]
    assert note.text == "✖️ Незавершённое действие прервано, ничего не сохранено."
    assert isinstance(note.reply_markup, ReplyKeyboardRemove)
    await boss.send("12345")  # no longer taken as the person to add
    assert "Какие права дать?" not in boss.last()
    assert await organizers(harness) == {}
    assert [entry.action for entry in await audit(harness)] == ["stats"]


async def test_a_malformed_team_button_is_called_outdated(harness: BotHarness) -> None:
    boss = organizer(harness)
    for data in ("atm:zz", "atm", "atm:card:x"):
        replies = await boss.press(data)
        answers = [r.method.text for r in replies if isinstance(r.method, AnswerCallbackQuery)]
        assert answers == ["Эта кнопка уже не действует."], data


# --- changing and removing ---------------------------------------------------------------------


async def test_role_change_and_removal_are_audited_and_told(harness: BotHarness) -> None:
    member = harness.user(VIEWER_ID, "ru")
    await member.send("/start")
    await add_organizer(harness, VIEWER_ID, OrganizerRole.VIEWER, name="Анна")
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Анна")
    await tap(harness, boss, "Дать все права")
    assert "Права изменены: Анна (501) — организатор, все права" in shown(harness, boss)
    assert "Ваши права в команде организаторов изменены" in member.last()
    assert "broadcast" in commands_set(harness, VIEWER_ID)[-1]
    await member.send("/broadcast")  # now they may
    assert "Кому отправить?" in member.last()
    await tap(harness, boss, "Удалить из команды")
    assert "Удалить из команды организаторов: Анна" in shown(harness, boss)
    await tap(harness, boss, "Отмена")
    assert await organizers(harness) == {VIEWER_ID: "organizer"}
    await tap(harness, boss, "Удалить из команды")
    await tap(harness, boss, "Да, удалить")
    assert "Удалено из команды: Анна" in shown(harness, boss)
    assert "Вы больше не в команде организаторов" in member.last()
    assert "admin" not in commands_set(harness, VIEWER_ID)[-1]
    assert await organizers(harness) == {}
    entries = await audit(harness)
    assert [(e.action, e.details.get("role"), e.details.get("previous_role")) for e in entries] == [
        ("team-role", "organizer", "viewer"),
        ("team-remove", "organizer", None),
    ]
    await member.send("/stats")
    assert member.last() == harness.i18n("ru")("unknown-command")
    # A stale "remove" button: nothing left to remove.
    replies = await boss.press(f"atm:remove:{VIEWER_ID}:")
    assert alerts(replies) == ["Этого человека уже нет в команде."]


async def test_settings_organizers_and_oneself_are_not_changed_here(harness: BotHarness) -> None:
    await add_organizer(harness, 700, OrganizerRole.ORGANIZER, name="Пётр")
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    await boss.send(str(ORGANIZER_ID))
    assert "организатор из настроек (ADMIN_IDS)" in boss.last()
    # Forged buttons about ADMIN_IDS, or about oneself, change nothing.
    peter = harness.user(700, "ru")
    await peter.send("/start")
    await peter.press(f"atm:remove-yes:{ORGANIZER_ID}:")
    assert "организатор из настроек" in shown(harness, peter)
    await peter.press("atm:role:700:viewer")
    assert "Свои права изменить нельзя" in shown(harness, peter)
    await peter.press("atm:remove-yes:700:")
    assert "Свои права изменить нельзя" in shown(harness, peter)
    assert await organizers(harness) == {700: "organizer"}
    assert await audit(harness) == []
    # Their own card has no buttons that would be refused.
    await peter.send("/team")
    await tap(harness, peter, "Пётр")
    assert [b.text for b in edits(harness, 700)[-1].reply_markup.inline_keyboard[0]] == [  # type: ignore[union-attr]
        "◀ К списку"
    ]


# --- read-only viewers -------------------------------------------------------------------------


async def test_a_viewer_sees_and_is_told_politely_what_they_cannot_do(harness: BotHarness) -> None:
    await add_organizer(harness, VIEWER_ID, OrganizerRole.VIEWER)
    viewer = harness.user(VIEWER_ID, "zh")
    await viewer.send("/admin")
    assert "只读" in viewer.last()
    menu = viewer.messages()[-1].method.reply_markup
    assert isinstance(menu, InlineKeyboardMarkup)
    labels = [b.text for row in menu.inline_keyboard for b in row]
    assert labels == ["📊 统计数据", "📡 实时签到", "🔎 查找", "📥 导出名单", "📜 操作记录"]
    await viewer.send("/stats")
    assert "只读" not in viewer.last()
    for command in CHANGE_COMMANDS_SENT:
        await viewer.send(command)
        assert viewer.last() == harness.i18n("zh")("admin-read-only"), command
    for data in ("am:broadcast", "ae:broadcast:victory-2025", "atm:add", "as:1:approve", "ax:1"):
        replies = await viewer.press(data)
        assert alerts(replies) == [harness.i18n("zh")("admin-read-only-button")], data
    assert [e.action for e in await audit(harness)] == ["stats"]  # looking only
    assert await organizers(harness) == {VIEWER_ID: "viewer"}


@pytest.mark.parametrize("command", ["/team", "/audit", "/find"])
async def test_new_commands_do_not_exist_for_others(harness: BotHarness, command: str) -> None:
    user = harness.user(1)
    await user.send(command)
    assert user.last() == harness.i18n("ru")("unknown-command")
    replies = await user.press("atm:add")
    assert alerts(replies) == ["Эта кнопка только для организаторов."]


async def test_a_full_organizer_menu_has_everything(harness: BotHarness) -> None:
    boss = organizer(harness)
    await boss.send("/admin")
    menu = boss.messages()[-1].method.reply_markup
    assert isinstance(menu, InlineKeyboardMarkup)
    labels = [b.text for row in menu.inline_keyboard for b in row]
    assert "👥 Команда" in labels and "📜 Журнал действий" in labels and "🔎 Поиск" in labels
    await boss.click("Команда")
    assert "Команда организаторов" in boss.last()


# --- command menus -----------------------------------------------------------------------------


async def test_start_up_menus_cover_organizers_added_in_the_chat(harness: BotHarness) -> None:
    await harness.user(VIEWER_ID, "zh").send("/start")
    await add_organizer(harness, VIEWER_ID, OrganizerRole.VIEWER)
    await add_organizer(harness, 700, OrganizerRole.ORGANIZER)
    await set_organizer_commands(
        harness.bot, harness.i18n, harness.session_factory, harness.settings.admin_ids
    )
    [viewer_menu] = [
        s.method for s in harness.session.sent if isinstance(s.method, SetMyCommands)
        and isinstance(s.method.scope, BotCommandScopeChat) and s.method.scope.chat_id == VIEWER_ID
    ]  # fmt: skip
    names = [c.command for c in viewer_menu.commands]
    assert names[: len(READ_COMMANDS)] == list(READ_COMMANDS) and "team" not in names
    assert viewer_menu.commands[1].description == "报名统计"  # their language
    for organizer_id in (ORGANIZER_ID, 700):
        [full] = commands_set(harness, organizer_id)
        assert "team" in full and "broadcast" in full


async def test_a_viewer_choosing_a_language_keeps_the_viewer_menu(harness: BotHarness) -> None:
    await add_organizer(harness, VIEWER_ID, OrganizerRole.VIEWER)
    viewer = harness.user(VIEWER_ID, "ru")
    await viewer.send("/language")
    await viewer.click("中文")
    menu = commands_set(harness, VIEWER_ID)[-1]
    assert "audit" in menu and "broadcast" not in menu


def test_every_organizer_command_and_button_has_its_words() -> None:
    from bot.commands import ORGANIZER_COMMANDS
    from bot.i18n import I18n
    from handlers.admin.menu import ADMIN_ACTIONS

    for t in I18n().all():
        missing = [f"cmd-{name}" for name in ORGANIZER_COMMANDS if not t.has(f"cmd-{name}")]
        missing += [f"admin-btn-{a}" for a in ADMIN_ACTIONS if not t.has(f"admin-btn-{a}")]
        assert missing == [], t.lang


async def test_someone_who_blocked_the_bot_is_removed_and_the_organizer_told(
    harness: BotHarness,
) -> None:
    from aiogram.exceptions import TelegramForbiddenError

    from db.models import User

    member = harness.user(VIEWER_ID, "ru")
    await member.send("/start")
    await add_organizer(harness, VIEWER_ID, OrganizerRole.ORGANIZER, name="Анна")
    boss = organizer(harness)
    await boss.send("/team")
    await tap(harness, boss, "Анна")
    await tap(harness, boss, "Удалить из команды")
    method = SendMessage(chat_id=VIEWER_ID, text="x")
    blocked = TelegramForbiddenError(
        method=method, message="Forbidden: bot was blocked by the user"
    )
    harness.session.chat_failures[VIEWER_ID] = [blocked]
    await tap(harness, boss, "Да, удалить")
    result = shown(harness, boss)
    assert "Удалено из команды: Анна" in result and "Сообщить об этом не удалось" in result
    assert await organizers(harness) == {}
    async with harness.session_factory() as session:
        user = await session.get(User, VIEWER_ID)
        assert user is not None and not user.is_reachable
