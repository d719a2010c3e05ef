"""The command menu shown by Telegram clients, per language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from bot.i18n import I18n, Translator

PARTICIPANT_COMMANDS = (
    "start",
    "me",
    "link",
    "edit",
    "reminders",
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
