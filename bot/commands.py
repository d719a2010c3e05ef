"""The command menu shown by Telegram clients, per language, and per organizer role."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import I18n, Translator
from bot.services.organizers.roles import may_change
from db.models import Organizer, OrganizerRole, User

log = logging.getLogger(__name__)

PARTICIPANT_COMMANDS = (
    "start",
    "me",
    "link",
    "edit",
    "reminders",
    "class",
    "classes",
    "certificate",
    "verify",
    "unregister",
    "language",
    "contacts",
    "help",
    "cancel",
    "delete_me",
)


def commands_for(t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=t(f"cmd-{name.replace('_', '-')}"))
        for name in PARTICIPANT_COMMANDS
    ]


async def set_default_commands(bot: Bot, i18n: I18n) -> None:
    """Russian is the default menu; clients with a Chinese interface get the Chinese one."""
    await bot.set_my_commands(commands_for(i18n("ru")))
    for code in ("ru", "zh"):
        await bot.set_my_commands(commands_for(i18n(code)), language_code=code)


# What every organizer may do, read-only viewers included (/admin shows these to them).
READ_COMMANDS = ("admin", "stats", "live", "find", "export", "audit")
# What changes or sends something: full organizers only. A viewer who sends one of these is
# told their role is read-only (handlers/admin/refusal.py).
CHANGE_COMMANDS = (
    "broadcast", "setlink", "event", "speakers", "certificates", "attendance", "team",
)  # fmt: skip
ORGANIZER_COMMANDS = READ_COMMANDS + CHANGE_COMMANDS


def organizer_commands_for(
    t: Translator, role: OrganizerRole = OrganizerRole.ORGANIZER
) -> list[BotCommand]:
    names = ORGANIZER_COMMANDS if may_change(role) else READ_COMMANDS
    organizer = [BotCommand(command=name, description=t(f"cmd-{name}")) for name in names]
    return organizer + commands_for(t)


def chat_commands(t: Translator, role: OrganizerRole | None) -> list[BotCommand]:
    """The menu of one person's chat: a participant's, or an organizer's for their role."""
    return commands_for(t) if role is None else organizer_commands_for(t, role)


async def show_chat_commands(
    bot: Bot, user_id: int, t: Translator, role: OrganizerRole | None
) -> bool:
    """Set one chat's menu (after /language, or a change of their role in /team). Cosmetic:
    False, with a log line, when Telegram refuses (they have not started the bot)."""
    try:
        await bot.set_my_commands(
            chat_commands(t, role), scope=BotCommandScopeChat(chat_id=user_id)
        )
    except TelegramAPIError as exc:
        log.warning("could not set the command menu of %s: %s", user_id, exc)
        return False
    return True


async def set_organizer_commands(
    bot: Bot,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    admin_ids: frozenset[int],
) -> None:
    """Organizer commands appear only in the organizers' own chats (a per-chat scope), in each
    organizer's language: ADMIN_IDS and those added with /team, viewers with theirs only."""
    async with session_factory() as session:
        roles = dict.fromkeys(admin_ids, OrganizerRole.ORGANIZER)
        for row in (await session.execute(select(Organizer))).scalars():
            roles.setdefault(row.user_id, OrganizerRole(row.role))
        for user_id, role in roles.items():
            user = await session.get(User, user_id)
            await show_chat_commands(bot, user_id, i18n(user.language if user else None), role)
