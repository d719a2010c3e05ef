"""/admin: the organizer's menu, with what their role lets them use."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.commands import CHANGE_COMMANDS, READ_COMMANDS, show_chat_commands
from bot.i18n import Translator
from bot.services.organizers.roles import may_change
from db.models import OrganizerRole
from handlers.admin.callbacks import AdminMenuCb

# Each action is also a command (/stats, /find, ... /team); /admin itself is not a button.
READ_ACTIONS = tuple(name for name in READ_COMMANDS if name != "admin")
ADMIN_ACTIONS = READ_ACTIONS + CHANGE_COMMANDS


def admin_menu(
    t: Translator, role: OrganizerRole = OrganizerRole.ORGANIZER
) -> InlineKeyboardMarkup:
    """A viewer sees only what they can use: buttons that would be refused are not shown."""
    kb = InlineKeyboardBuilder()
    for action in ADMIN_ACTIONS if may_change(role) else READ_ACTIONS:
        kb.button(text=t(f"admin-btn-{action}"), callback_data=AdminMenuCb(action=action))
    kb.adjust(2)
    return kb.as_markup()


async def cmd_admin(
    message: Message, bot: Bot, t: Translator, organizer_role: OrganizerRole
) -> None:
    heading = "admin-menu" if may_change(organizer_role) else "admin-menu-viewer"
    await message.answer(t(heading), reply_markup=admin_menu(t, organizer_role))
    # Someone added with /team before they ever wrote to the bot could not be given the
    # organizer command menu then (Telegram refuses chats that never started): now they get it.
    await show_chat_commands(bot, message.chat.id, t, organizer_role)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_admin, Command("admin"))
    return router
