"""The command menu shown by Telegram clients, per language, per organizer role, and for the
coordinators of offline venues (/live for their venue, /ticket with the door's help)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

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
    "ticket",
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


# A venue coordinator's own commands, before the participant's: their venue's /live, and /ticket
# described as the door's help (it shows that first, then their own ticket if they have one).
COORDINATOR_COMMANDS = {"live": "cmd-live-venue", "ticket": "cmd-ticket-door"}


def coordinator_commands_for(t: Translator) -> list[BotCommand]:
    own = [
        BotCommand(command=name, description=t(key)) for name, key in COORDINATOR_COMMANDS.items()
    ]
    return own + [c for c in commands_for(t) if c.command not in COORDINATOR_COMMANDS]


def chat_commands(
    t: Translator, role: OrganizerRole | None, *, coordinator: bool = False
) -> list[BotCommand]:
    """The menu of one person's chat: a participant's, a venue coordinator's, or an
    organizer's for their role (an organizer's /live shows every venue already)."""
    if role is not None:
        return organizer_commands_for(t, role)
    return coordinator_commands_for(t) if coordinator else commands_for(t)


async def show_chat_commands(
    bot: Bot,
    user_id: int,
    t: Translator,
    role: OrganizerRole | None,
    *,
    coordinator: bool = False,
) -> bool:
    """Set one chat's menu (after /language, or a change of their role in /team). Cosmetic:
    False, with a log line, when Telegram refuses (they have not started the bot)."""
    try:
        await bot.set_my_commands(
            chat_commands(t, role, coordinator=coordinator),
            scope=BotCommandScopeChat(chat_id=user_id),
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
    coordinators: Iterable[int] = (),
) -> None:
    """Organizer commands appear only in the organizers' own chats (a per-chat scope), in each
    organizer's language: ADMIN_IDS and those added with /team, viewers with theirs only; and
    the venue coordinators' (`coordinators`, from the events file) in theirs."""
    async with session_factory() as session:
        roles: dict[int, OrganizerRole | None] = dict.fromkeys(admin_ids, OrganizerRole.ORGANIZER)
        for row in (await session.execute(select(Organizer))).scalars():
            roles.setdefault(row.user_id, OrganizerRole(row.role))
        for user_id in coordinators:
            roles.setdefault(user_id, None)
        for user_id, role in roles.items():
            user = await session.get(User, user_id)
            await show_chat_commands(
                bot, user_id, i18n(user.language if user else None), role, coordinator=role is None
            )
