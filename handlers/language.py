"""/language: switch between Russian and Chinese at any moment, even mid-form."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import show_chat_commands
from bot.i18n import LANGUAGES, I18n, Translator
from bot.services.events.catalog import EventCatalog
from bot.services.organizers.roles import role_of
from bot.services.registration.registrations import RegistrationService
from bot.services.venues.door import coordinated_venues
from bot.settings import Settings
from db.models import User
from db.repositories import UserRepository
from handlers import registration, start, views
from handlers.callbacks import LanguageCb


async def cmd_language(message: Message, t: Translator) -> None:
    await message.answer(t("language-choose"), reply_markup=views.language_keyboard(t))


async def on_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    i18n: I18n,
    clock: Clock,
    catalog: EventCatalog,
    admin_ids: frozenset[int],
    registrations: RegistrationService,
    settings: Settings,
) -> None:
    if callback_data.code not in LANGUAGES:
        await query.answer()
        return
    await UserRepository(session).set_language(user, callback_data.code, clock.now())
    await session.commit()
    t = i18n(callback_data.code)
    await query.answer(t("language-set"))
    chat_id = query.from_user.id
    pending = await start.forget_pending_start(state)
    if registration.in_a_form(await state.get_state()):
        await registration.resume_if_in_form(bot, chat_id, state, t, catalog, session)
    elif pending is not None and isinstance(query.message, Message):
        # A newcomer's first /start asked for the language: now the welcome (and the event or
        # class the link pointed to) follows in that language.
        await start.greet(
            query.message,
            pending,
            bot,
            state,
            t,
            catalog,
            clock,
            registrations,
            session,
            public_url=settings.public_url,
        )
    else:
        await bot.send_message(chat_id, t("language-set") + "\n" + t("language-next"))
    # The command menu follows the chosen language in this chat, whatever the app's language
    # (an organizer's, the one of their role). Cosmetic: the conversation goes on without it.
    role = await role_of(session, admin_ids, chat_id)
    coordinator = bool(coordinated_venues(catalog, chat_id, clock.now()))
    await show_chat_commands(bot, chat_id, t, role, coordinator=coordinator)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(on_language, LanguageCb.filter())
    return router
