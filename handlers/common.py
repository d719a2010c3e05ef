"""/help, /contacts and /cancel."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog
from handlers import registration, views


async def cmd_help(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    await message.answer(t("help"))
    await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog, session)


async def cmd_contacts(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    session: AsyncSession,
) -> None:
    await message.answer(views.contacts_text(t, catalog.most_relevant(clock.now())))
    await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog, session)


async def cmd_cancel(message: Message, state: FSMContext, t: Translator) -> None:
    current = await state.get_state()
    await state.clear()
    if registration.in_a_form(current):
        # ReplyKeyboardRemove: the phone step may have left its keyboard open.
        await message.answer(t("form-cancelled"), reply_markup=ReplyKeyboardRemove())
    elif current is not None:  # an organizer dialogue (/setlink, /broadcast...)
        await message.answer(t("action-cancelled"))
    else:
        await message.answer(t("nothing-to-cancel"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_contacts, Command("contacts"))
    router.message.register(cmd_cancel, Command("cancel"))
    return router
