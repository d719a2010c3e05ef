"""The command menu shown by Telegram clients, per language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import I18n, Translator
from db.models import User

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


ORGANIZER_COMMANDS = (
    "admin",
    "stats",
    "export",
    "broadcast",
    "setlink",
    "event",
    "speakers",
    "certificates",
)


def organizer_commands_for(t: Translator) -> list[BotCommand]:
    organizer = [
        BotCommand(command=name, description=t(f"cmd-{name}")) for name in ORGANIZER_COMMANDS
    ]
    return organizer + commands_for(t)


async def set_organizer_commands(
    bot: Bot,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    admin_ids: frozenset[int],
) -> None:
    """Organizer commands appear only in the organizers' own chats (a per-chat scope), in each
    organizer's language."""
    async with session_factory() as session:
        for admin_id in admin_ids:
            user = await session.get(User, admin_id)
            t = i18n(user.language if user else None)
            try:
                await bot.set_my_commands(
                    organizer_commands_for(t), scope=BotCommandScopeChat(chat_id=admin_id)
                )
            except TelegramAPIError as exc:  # they have not started the bot yet
                log.warning("organizer commands for %s: %s", admin_id, exc)
