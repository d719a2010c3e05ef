"""The meeting link on request (/link), muting reminders, and the calendar file."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.messages import link_answer
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import RegistrationService
from bot.services.reminders.runner import ReminderService, effective_link
from db.models import User
from handlers import registration


async def send_link(
    bot: Bot,
    user_id: int,
    t: Translator,
    clock: Clock,
    registrations: RegistrationService,
    reminders: ReminderService,
) -> None:
    now = clock.now()
    regs = await registrations.upcoming_of_user(user_id)
    if not regs:
        await bot.send_message(user_id, t("link-no-registration"))
        return
    for reg in regs:
        link = effective_link(reg.event)
        text, shown = link_answer(
            t,
            reg.event,
            now=now,
            participation_format=reg.row.participation_format,
            link=link,
            venue_id=reg.row.venue_id,
            waiting=reg.row.venue_waiting_since is not None,
        )
        await bot.send_message(user_id, text)
        if shown:
            await reminders.record_link_shown(reg.row.id, reg.row.event_id, shown)


async def toggle_mute(
    bot: Bot, user_id: int, t: Translator, session: AsyncSession, user: User, clock: Clock
) -> None:
    user.reminders_muted = not user.reminders_muted
    user.updated_at = clock.now()
    await session.commit()
    await bot.send_message(
        user_id, t("reminders-muted" if user.reminders_muted else "reminders-on")
    )


async def cmd_link(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    clock: Clock,
    catalog: EventCatalog,
    registrations: RegistrationService,
    reminders: ReminderService,
) -> None:
    await send_link(bot, message.chat.id, t, clock, registrations, reminders)
    await registration.resume_if_in_form(
        bot, message.chat.id, state, t, catalog, registrations.session
    )


async def cmd_mute(
    message: Message, bot: Bot, t: Translator, session: AsyncSession, user: User, clock: Clock
) -> None:
    await toggle_mute(bot, message.chat.id, t, session, user, clock)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_link, Command("link"))
    router.message.register(cmd_mute, Command("reminders"))
    return router
