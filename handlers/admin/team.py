"""/team: who the organizers are, and adding, re-roling and removing them (full organizers only).

The list shows ADMIN_IDS (from the settings: full rights, changed only there) and those added
here, with their role and who added them when. A person is added by Telegram's own "choose a
user" button (KeyboardButtonRequestUsers: works whatever their privacy settings), by forwarding
a message of theirs, by their numeric Telegram id, or by the @username of someone who wrote to
the bot. The change is stored and audited (bot/services/organizers/team.py); the person is told
in their language and their command menu follows their role. Telegram lets a bot write only to
those who started it: for anyone else the organizer is told to have them press /start."""

from __future__ import annotations

import logging
import re

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import show_chat_commands
from bot.i18n import I18n, Translator
from bot.services.organizers.team import Change, Member, Person, Team
from db.models import OrganizerRole
from db.repositories import UserRepository
from handlers.admin.callbacks import AdminMenuCb
from handlers.admin.labels import moment_label, person_button, person_label
from handlers.admin.stale import answer_stale, buttons_of
from handlers.filters import PLAIN_TEXT

log = logging.getLogger(__name__)

# The request_id of the "choose in Telegram" button; its answer (users_shared) carries it back.
PICK_REQUEST = 14
_USER_ID = re.compile(r"\d{1,15}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


class AdminTeamCb(CallbackData, prefix="atm"):
    """list | add | card | role (add or change, with `role`) | remove | remove-yes."""

    action: str
    user_id: int = 0
    role: str = ""


class TeamAdd(StatesGroup):
    who = State()
    role = State()


# --- views -----------------------------------------------------------------------------------


def _member_lines(t: Translator, member: Member) -> list[str]:
    who = person_label(t, member.person)
    if member.from_settings:
        lines = [t("team-line-settings", who=who)]
    else:
        lines = [t("team-line", who=who, role=member.role.value)]
        if member.added_by is not None and member.added_at is not None:
            by = person_label(t, member.added_by)
            lines.append(t("team-line-added", by=by, when=moment_label(t, member.added_at)))
    if not member.person.started_the_bot:
        lines.append(t("team-line-no-start"))
    return lines


def team_text(t: Translator, members: list[Member]) -> str:
    parts = [t("team-title"), "", t("team-from-settings")]
    for member in members:
        if member.from_settings:
            parts += _member_lines(t, member)
    parts += ["", t("team-added-here")]
    added = [member for member in members if not member.from_settings]
    if not added:
        parts.append(t("team-none-added"))
    for member in added:
        parts += _member_lines(t, member)
    parts += ["", t("team-hint")]
    return "\n".join(parts)


def _role_icon(role: OrganizerRole) -> str:
    return "👁" if role is OrganizerRole.VIEWER else "🛠"


def team_keyboard(t: Translator, members: list[Member]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for member in members:
        if not member.from_settings:
            kb.button(
                text=f"{_role_icon(member.role)} {person_button(member.person)}",
                callback_data=AdminTeamCb(action="card", user_id=member.person.user_id),
            )
    kb.button(text=t("team-btn-add"), callback_data=AdminTeamCb(action="add"))
    kb.adjust(1)
    return kb.as_markup()


def card_text(t: Translator, member: Member) -> str:
    lines = [t("team-person", who=person_label(t, member.person))]
    lines.append(t("team-card-role", role=member.role.value))
    lines += _member_lines(t, member)[1:]
    return "\n".join(lines)


def card_keyboard(t: Translator, member: Member, actor_id: int) -> InlineKeyboardMarkup:
    """One's own card, and a settings organizer's, have no buttons that would be refused."""
    kb = InlineKeyboardBuilder()
    user_id = member.person.user_id
    if not member.from_settings and user_id != actor_id:
        other = (
            OrganizerRole.ORGANIZER if member.role is OrganizerRole.VIEWER else OrganizerRole.VIEWER
        )
        kb.button(
            text=t(f"team-btn-make-{other.value}"),
            callback_data=AdminTeamCb(action="role", user_id=user_id, role=other.value),
        )
        kb.button(
            text=t("team-btn-remove"), callback_data=AdminTeamCb(action="remove", user_id=user_id)
        )
    kb.button(text=t("team-btn-back"), callback_data=AdminTeamCb(action="list"))
    kb.adjust(1)
    return kb.as_markup()


def role_keyboard(t: Translator, user_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for role in (OrganizerRole.ORGANIZER, OrganizerRole.VIEWER):
        kb.button(
            text=t(f"team-btn-role-{role.value}"),
            callback_data=AdminTeamCb(action="role", user_id=user_id, role=role.value),
        )
    kb.button(text=t("admin-cancel"), callback_data=AdminTeamCb(action="list"))
    kb.adjust(1)
    return kb.as_markup()


def pick_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """Telegram's own user picker: it shares the chosen user's id, name and @username."""
    pick = KeyboardButton(
        text=t("team-btn-pick"),
        request_users=KeyboardButtonRequestUsers(
            request_id=PICK_REQUEST,
            user_is_bot=False,
            max_quantity=1,
            request_name=True,
            request_username=True,
        ),
    )
    return ReplyKeyboardMarkup(
        keyboard=[[pick], [KeyboardButton(text=t("admin-cancel"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:  # "message is not modified": the same view again
        log.debug("team view not edited: %s", exc.message)


# --- the list and the cards --------------------------------------------------------------------


async def cmd_team(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    await state.clear()
    members = await Team(session, admin_ids).members()
    await message.answer(team_text(t, members), reply_markup=team_keyboard(t, members))


async def on_menu(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    await query.answer()
    await state.clear()
    members = await Team(session, admin_ids).members()
    await bot.send_message(
        query.from_user.id, team_text(t, members), reply_markup=team_keyboard(t, members)
    )


async def on_list(
    query: CallbackQuery,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    await query.answer()
    if await state.get_state() == TeamAdd.role.state:
        await state.clear()  # "Cancel" under the role question
    members = await Team(session, admin_ids).members()
    await _edit(query, team_text(t, members), team_keyboard(t, members))


async def on_card(
    query: CallbackQuery,
    callback_data: AdminTeamCb,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    member = await Team(session, admin_ids).member(callback_data.user_id)
    if member is None:
        await query.answer(t("team-not-member"), show_alert=True)
        return
    await query.answer()
    await _edit(query, card_text(t, member), card_keyboard(t, member, query.from_user.id))


# --- adding: who -------------------------------------------------------------------------------


async def on_add(query: CallbackQuery, bot: Bot, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.clear()
    await state.set_state(TeamAdd.who)
    await bot.send_message(query.from_user.id, t("team-ask-who"), reply_markup=pick_keyboard(t))


async def _chosen(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
    user_id: int,
    name: str | None,
) -> None:
    """Someone was named: refuse who cannot be changed here, else ask which role."""
    assert message.from_user is not None
    team = Team(session, admin_ids)
    person = await team.person(user_id, name)
    who = person_label(t, person)
    if user_id in admin_ids:
        await state.clear()
        await message.answer(t("team-who-settings", who=who), reply_markup=ReplyKeyboardRemove())
        return
    if user_id == message.from_user.id:
        await state.clear()
        await message.answer(t("team-who-yourself"), reply_markup=ReplyKeyboardRemove())
        return
    await state.set_state(TeamAdd.role)
    await state.set_data({"user_id": user_id, "name": person.name})
    # The picker keyboard goes with this message; the role buttons need a message of their own.
    await message.answer(t("team-person", who=who), reply_markup=ReplyKeyboardRemove())
    await message.answer(t("team-ask-role"), reply_markup=role_keyboard(t, user_id))


async def on_shared_user(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    assert message.users_shared is not None
    shared = message.users_shared.users[0]
    name = " ".join(part for part in (shared.first_name, shared.last_name) if part)
    await _chosen(message, state, t, session, admin_ids, shared.user_id, name or None)


async def on_forwarded(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginHiddenUser):
        await message.answer(t("team-who-hidden"))
        return
    if not isinstance(origin, MessageOriginUser):  # forwarded from a channel or a group
        await message.answer(t("team-who-invalid"))
        return
    sender = origin.sender_user
    if sender.is_bot:
        await message.answer(t("team-who-bot"))
        return
    name = " ".join(part for part in (sender.first_name, sender.last_name) if part)
    await _chosen(message, state, t, session, admin_ids, sender.id, name or None)


async def on_who_text(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    text = (message.text or "").strip()
    if text == t("admin-cancel"):  # the reply keyboard's own cancel button
        await state.clear()
        await message.answer(t("admin-cancelled"), reply_markup=ReplyKeyboardRemove())
        return
    if _USER_ID.fullmatch(text) and int(text) > 0:
        await _chosen(message, state, t, session, admin_ids, int(text), None)
        return
    username = _USERNAME.fullmatch(text)
    if username is None:
        await message.answer(t("team-who-invalid"))
        return
    user_id = await Team(session, admin_ids).by_username(username[1])
    if user_id is None:
        # _USERNAME lets only letters, digits and "_" through: nothing to escape.
        await message.answer(t("team-who-unknown-username", username=username[1]))
        return
    await _chosen(message, state, t, session, admin_ids, user_id, None)


async def on_who_other(message: Message, t: Translator) -> None:
    await message.answer(t("team-who-invalid"))


async def on_cancel(message: Message, state: FSMContext, t: Translator) -> None:
    """/cancel while adding: the picker keyboard goes too (the general /cancel leaves it)."""
    await state.clear()
    await message.answer(t("admin-cancelled"), reply_markup=ReplyKeyboardRemove())


async def on_use_buttons(message: Message, t: Translator) -> None:
    await message.answer(t("admin-use-buttons"))


# --- changing: role, removal -------------------------------------------------------------------


async def _tell(
    bot: Bot,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    person: Person,
    key: str,
    role: OrganizerRole | None,
) -> str:
    """Tell the person of the change, in their language, and give them the command menu of
    their new role (None: a participant's). The key of what the organizer is told about it."""
    if not person.started_the_bot:
        return "team-not-told-no-start"
    t = i18n(person.language)
    told = "team-not-told-blocked"
    if person.reachable:
        try:
            text = t(key) if role is None else t(key, role=role.value)
            await bot.send_message(person.user_id, text)
            told = "team-told"
        except TelegramForbiddenError:
            await UserRepository(session).mark_unreachable(person.user_id, clock.now())
            await session.commit()
        except TelegramAPIError as exc:
            log.warning("could not tell %s of a team change: %s", person.user_id, exc)
    # Even untold: a removed organizer's menu must not keep the organizer commands.
    await show_chat_commands(bot, person.user_id, t, role)
    return told


async def on_role(
    query: CallbackQuery,
    callback_data: AdminTeamCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    admin_ids: frozenset[int],
) -> None:
    try:
        role = OrganizerRole(callback_data.role)
    except ValueError:
        await query.answer()
        return
    await query.answer()
    data = await state.get_data()
    name = data.get("name") if data.get("user_id") == callback_data.user_id else None
    if await state.get_state() == TeamAdd.role.state:
        await state.clear()
    team = Team(session, admin_ids)
    person = await team.person(callback_data.user_id, name)
    who = person_label(t, person)
    change = await team.set_role(query.from_user.id, person, role, clock.now())
    if change is Change.FROM_SETTINGS:
        await _edit(query, t("team-who-settings", who=who), None)
        return
    if change is Change.YOURSELF:
        await _edit(query, t("team-who-yourself"), None)
        return
    if change is Change.UNCHANGED:
        result = t("team-role-same")
    else:
        added = change is Change.ADDED
        told = await _tell(
            bot, i18n, session, clock, person, "team-you-added" if added else "team-you-role", role
        )
        head = "team-added" if added else "team-role-changed"
        result = t(head, who=who, role=role.value) + "\n" + t(told)
    member = await team.member(callback_data.user_id)
    if member is None:
        await _edit(query, result, None)
        return
    await _edit(
        query,
        result + "\n\n" + card_text(t, member),
        card_keyboard(t, member, query.from_user.id),
    )


async def on_remove(
    query: CallbackQuery,
    callback_data: AdminTeamCb,
    t: Translator,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> None:
    member = await Team(session, admin_ids).member(callback_data.user_id)
    if member is None or member.from_settings:
        await query.answer(t("team-not-member"), show_alert=True)
        return
    await query.answer()
    kb = InlineKeyboardBuilder()
    user_id = callback_data.user_id
    kb.button(
        text=t("team-btn-remove-yes"),
        callback_data=AdminTeamCb(action="remove-yes", user_id=user_id),
    )
    kb.button(text=t("admin-cancel"), callback_data=AdminTeamCb(action="card", user_id=user_id))
    kb.adjust(1)
    who = person_label(t, member.person)
    await _edit(query, t("team-confirm-remove", who=who), kb.as_markup())


async def on_remove_confirmed(
    query: CallbackQuery,
    callback_data: AdminTeamCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    admin_ids: frozenset[int],
) -> None:
    await query.answer()
    team = Team(session, admin_ids)
    person = await team.person(callback_data.user_id)
    who = person_label(t, person)
    change = await team.remove(query.from_user.id, callback_data.user_id, clock.now())
    back = InlineKeyboardBuilder()
    back.button(text=t("team-btn-back"), callback_data=AdminTeamCb(action="list"))
    if change is Change.REMOVED:
        told = await _tell(bot, i18n, session, clock, person, "team-you-removed", None)
        text = t("team-removed", who=who) + "\n" + t(told)
    elif change is Change.FROM_SETTINGS:
        text = t("team-who-settings", who=who)
    elif change is Change.YOURSELF:
        text = t("team-who-yourself")
    else:
        text = t("team-not-member")
    await _edit(query, text, back.as_markup())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_team, Command("team"))
    router.callback_query.register(on_menu, AdminMenuCb.filter(F.action == "team"))
    router.callback_query.register(on_list, AdminTeamCb.filter(F.action == "list"))
    router.callback_query.register(on_card, AdminTeamCb.filter(F.action == "card"))
    router.callback_query.register(on_add, AdminTeamCb.filter(F.action == "add"))
    router.callback_query.register(on_role, AdminTeamCb.filter(F.action == "role"))
    router.callback_query.register(on_remove, AdminTeamCb.filter(F.action == "remove"))
    router.callback_query.register(
        on_remove_confirmed, AdminTeamCb.filter(F.action == "remove-yes")
    )
    router.callback_query.register(answer_stale, buttons_of(AdminTeamCb))  # malformed, old
    adding = StateFilter(TeamAdd.who, TeamAdd.role)
    router.message.register(on_cancel, adding, Command("cancel"))
    router.message.register(on_shared_user, TeamAdd.who, F.users_shared.request_id == PICK_REQUEST)
    router.message.register(on_forwarded, TeamAdd.who, F.forward_origin)
    router.message.register(on_who_text, TeamAdd.who, PLAIN_TEXT)
    router.message.register(on_who_other, TeamAdd.who, ~(F.text & F.text.startswith("/")))
    router.message.register(on_use_buttons, TeamAdd.role, ~(F.text & F.text.startswith("/")))
    return router
