"""Organizer buttons pressed by someone who is not an organizer (forged or forwarded)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.i18n import Translator
from handlers.admin.callbacks import ADMIN_PREFIX


async def refuse(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t("admin-only"), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(refuse, F.data.startswith(ADMIN_PREFIX))
    return router
