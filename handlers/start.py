"""/start (with deep-link payloads) and choosing among several open events."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog, EventState
from bot.services.registration.registrations import RegistrationService
from handlers import class_join, registration
from handlers.callbacks import EventCb
from handlers.home import show_event, show_home


async def on_start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    session: AsyncSession,
) -> None:
    assert message.from_user is not None
    if registration.in_a_form(await state.get_state()):
        # Nothing typed so far is lost: continue where they stopped.
        await message.answer(t("form-in-progress"))
        await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog)
        return
    payload = command.args or ""
    if payload.startswith(class_join.PAYLOAD_PREFIX):
        code = payload.removeprefix(class_join.PAYLOAD_PREFIX)
        await class_join.offer_join(message, code, state, t, session, catalog, clock)
        return
    await message.answer(t("welcome"))
    # A link like t.me/<bot>?start=<event slug> opens that event directly.
    event = catalog.get(payload)
    if event is not None and event.state(clock.now()) is EventState.OPEN:
        mine = await registrations.find(message.from_user.id, event.slug)
        if mine is None or not mine.active:
            await show_event(bot, message.chat.id, t, event)
            return
    await show_home(bot, message.chat.id, message.from_user.id, t, catalog, clock, registrations)


async def on_event_chosen(
    query: CallbackQuery,
    callback_data: EventCb,
    bot: Bot,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
) -> None:
    event = catalog.get(callback_data.slug)
    if event is None or event.state(clock.now()) is not EventState.OPEN:
        await query.answer(t("err-registration-closed-short"), show_alert=True)
        await show_home(
            bot, query.from_user.id, query.from_user.id, t, catalog, clock, registrations
        )
        return
    await query.answer()
    await show_event(bot, query.from_user.id, t, event)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_start, CommandStart())
    router.callback_query.register(on_event_chosen, EventCb.filter())
    return router
