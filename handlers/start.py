"""/start (with deep-link payloads) and choosing among several open events."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog, EventState
from bot.services.registration.access import BIND_PAYLOAD_PREFIX
from bot.services.registration.registrations import RegistrationService
from bot.settings import Settings
from db.models import User
from handlers import class_join, registration, views
from handlers.callbacks import EventCb
from handlers.home import show_event, show_home

# FSM data key: the /start payload (an event slug, a class link) kept while a new user chooses
# the language, so that the choice leads where the link pointed.
PENDING_START = "pending_start"


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
    settings: Settings,
    user: User | None = None,
) -> None:
    assert message.from_user is not None
    if registration.in_a_form(await state.get_state()):
        # Nothing typed so far is lost: continue where they stopped.
        await message.answer(t("form-in-progress"))
        await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog, session)
        return
    payload = command.args or ""
    if user is not None and not user.language_chosen:
        # Telegram has no Chinese interface, so many Chinese users run it in English: rather
        # than assume Russian, someone whose app speaks neither language chooses first (and
        # is asked again at every /start until they do).
        await state.update_data({PENDING_START: payload})
        await message.answer(t("language-choose"), reply_markup=views.language_keyboard(t))
        return
    await forget_pending_start(state)
    await greet(
        message,
        payload,
        bot,
        state,
        t,
        catalog,
        clock,
        registrations,
        session,
        public_url=settings.public_url,
    )


async def forget_pending_start(state: FSMContext) -> str | None:
    """The payload kept while the language was being chosen (None if none), removed."""
    data = await state.get_data()
    if PENDING_START not in data:
        return None
    payload = data.pop(PENDING_START)
    await state.set_data(data)
    return str(payload)


async def greet(
    reply_to: Message,
    payload: str,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    session: AsyncSession,
    *,
    public_url: str | None,
) -> None:
    """What /start shows: the class to join, or the welcome and then the linked event or home.
    `reply_to` is a message in the person's private chat (their /start or the language picker);
    `public_url` is Settings.public_url (the event card's Mini App button)."""
    chat_id = user_id = reply_to.chat.id  # a private chat: the chat is the person
    if payload.startswith(BIND_PAYLOAD_PREFIX):
        # "Connect Telegram" from the personal page; a refused code is explained by the
        # rule-error handler (handlers/errors.py).
        code = payload.removeprefix(BIND_PAYLOAD_PREFIX)
        bound = await registrations.bind_telegram(code, user_id)
        await bot.send_message(
            chat_id,
            t("bind-done", event=escape(bound.event.title.get(t.lang))),
            reply_markup=views.main_menu(t),
        )
        return
    if payload.startswith(class_join.PAYLOAD_PREFIX):
        code = payload.removeprefix(class_join.PAYLOAD_PREFIX)
        await class_join.offer_join(reply_to, code, state, t, session, catalog, clock)
        return
    await bot.send_message(chat_id, t("welcome"))
    # A link like t.me/<bot>?start=<event slug> opens that event directly.
    event = catalog.get(payload)
    if event is not None and event.state(clock.now()) is EventState.OPEN:
        mine = await registrations.find(user_id, event.slug)
        if mine is None or not mine.active:
            await show_event(bot, chat_id, t, event, public_url=public_url)
            return
    await show_home(bot, chat_id, user_id, t, catalog, clock, registrations, public_url=public_url)


async def on_event_chosen(
    query: CallbackQuery,
    callback_data: EventCb,
    bot: Bot,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    settings: Settings,
) -> None:
    event = catalog.get(callback_data.slug)
    if event is None or event.state(clock.now()) is not EventState.OPEN:
        await query.answer(t("err-registration-closed-short"), show_alert=True)
        await show_home(
            bot,
            query.from_user.id,
            query.from_user.id,
            t,
            catalog,
            clock,
            registrations,
            public_url=settings.public_url,
        )
        return
    await query.answer()
    await show_event(bot, query.from_user.id, t, event, public_url=settings.public_url)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_start, CommandStart())
    router.callback_query.register(on_event_chosen, EventCb.filter())
    return router
