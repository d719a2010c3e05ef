"""Last in line: whatever no other handler took still gets an answer."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog
from handlers import registration


async def on_unknown_command(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    await message.answer(t("unknown-command"))
    await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog, session)


async def on_anything(message: Message, t: Translator) -> None:
    await message.answer(t("not-understood"))


async def on_stale_button(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    """A button from an old message, or callback data we never issued."""
    await query.answer(t("err-stale-button"), show_alert=False)
    await registration.resume_if_in_form(bot, query.from_user.id, state, t, catalog, session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_anything)
    router.callback_query.register(on_stale_button)
    return router
