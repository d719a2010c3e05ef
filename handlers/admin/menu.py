"""/admin: the organizer's menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from handlers.admin.callbacks import AdminMenuCb

# Each action is also a command: /stats, /export, /broadcast, /setlink, /event, /speakers.
ADMIN_ACTIONS = ("stats", "export", "broadcast", "setlink", "event", "speakers", "certificates")


def admin_menu(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in ADMIN_ACTIONS:
        kb.button(text=t(f"admin-btn-{action}"), callback_data=AdminMenuCb(action=action))
    kb.adjust(2)
    return kb.as_markup()


async def cmd_admin(message: Message, t: Translator) -> None:
    await message.answer(t("admin-menu"), reply_markup=admin_menu(t))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_admin, Command("admin"))
    return router
