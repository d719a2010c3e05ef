"""The participant's own registration: /me (with its page in a browser), /edit, /unregister,
/delete_me and the menu."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import (
    RegistrationService,
    UserRegistration,
    answers_of,
)
from bot.services.reminders.runner import ReminderService
from bot.services.venues.seats import Promoted
from bot.services.venues.tickets import holds_seat
from bot.settings import Settings
from db.models import User
from handlers import registration, views
from handlers.callbacks import ConfirmCb, MenuCb, PickCb
from handlers.edits import drop_buttons
from handlers.home import show_home
from handlers.reminders import send_link, toggle_mute


async def _pick_one(
    bot: Bot,
    user_id: int,
    t: Translator,
    registrations: RegistrationService,
    action: str,
    slug: str | None,
) -> UserRegistration | None:
    """The registration an action applies to; with several, ask which one first."""
    regs = await registrations.upcoming_of_user(user_id)
    if slug is not None:
        regs = [r for r in regs if r.event.slug == slug]
    if not regs:
        await bot.send_message(user_id, t("err-not-registered"))
        return None
    if len(regs) > 1:
        events = [r.event for r in regs]
        await bot.send_message(
            user_id, t("pick-event"), reply_markup=views.pick_keyboard(t, action, events)
        )
        return None
    return regs[0]


async def show_mine(
    bot: Bot,
    user_id: int,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    public_url: str | None,
) -> None:
    mine = await registrations.of_user(user_id)
    if not mine:
        await bot.send_message(user_id, t("me-none"))
        await show_home(
            bot, user_id, user_id, t, catalog, clock, registrations, public_url=public_url
        )
        return
    for reg in mine:
        text = views.registration_text(t, reg.event, answers_of(reg.row), reg.active)
        await bot.send_message(user_id, text, reply_markup=registration_keyboard(t, reg))


def registration_keyboard(t: Translator, reg: UserRegistration) -> InlineKeyboardMarkup:
    """/me's buttons under a registration: its ticket (a seat at a venue: handlers/ticket.py),
    its page in a browser, then the main menu."""
    kb = InlineKeyboardBuilder()
    if holds_seat(reg.row) and reg.event.venue_by_id(reg.row.venue_id) is not None:
        kb.button(text=t("btn-ticket"), callback_data=PickCb(action="ticket", slug=reg.event.slug))
    kb.button(
        text=t("btn-browser-page"), callback_data=PickCb(action="browser", slug=reg.event.slug)
    )
    kb.attach(InlineKeyboardBuilder.from_markup(views.main_menu(t)))
    return kb.as_markup()


async def send_browser_link(
    bot: Bot,
    user_id: int,
    t: Translator,
    settings: Settings,
    registrations: RegistrationService,
    slug: str,
) -> None:
    """A fresh personal-page token for the registration, as a link (the page is the same for a
    registration made in the bot as for one made on the web). Issuing it revokes the previous
    one: only the newest link works."""
    reg = await registrations.find(user_id, slug)
    if reg is None:
        await bot.send_message(user_id, t("err-not-registered"))
        return
    token = await registrations.issue_access_token(reg.row)
    url = f"{settings.web_address}/me/{token}"
    await bot.send_message(
        user_id,
        t("browser-page-link", event=escape(reg.event.title.get(t.lang)), url=escape(url)),
        # No preview: Telegram's servers would fetch the private page.
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def begin_edit(
    bot: Bot,
    user_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    registrations: RegistrationService,
    slug: str | None = None,
) -> None:
    reg = await _pick_one(bot, user_id, t, registrations, "edit", slug)
    if reg is None:
        return
    await registration.start_form(
        bot,
        user_id,
        state,
        t,
        catalog,
        reg.event,
        answers=answers_of(reg.row),
        mode=registration.MODE_EDIT,
        session=registrations.session,
    )


async def ask_unregister(
    bot: Bot,
    user_id: int,
    t: Translator,
    registrations: RegistrationService,
    slug: str | None = None,
) -> None:
    reg = await _pick_one(bot, user_id, t, registrations, "unregister", slug)
    if reg is None:
        return
    event = reg.event
    await bot.send_message(
        user_id,
        t("unregister-confirm", event=escape(event.title.get(t.lang))),
        reply_markup=views.confirm_keyboard(t, "unregister", event.slug),
    )


async def cmd_me(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    settings: Settings,
) -> None:
    await show_mine(bot, message.chat.id, t, catalog, clock, registrations, settings.public_url)
    await registration.resume_if_in_form(
        bot, message.chat.id, state, t, catalog, registrations.session
    )


async def cmd_edit(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
) -> None:
    await begin_edit(bot, message.chat.id, state, t, catalog, registrations)


async def cmd_unregister(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    clock: Clock,
    registrations: RegistrationService,
) -> None:
    await state.clear()
    await ask_unregister(bot, message.chat.id, t, registrations)


async def cmd_delete_me(message: Message, t: Translator) -> None:
    await message.answer(t("delete-confirm"), reply_markup=views.confirm_keyboard(t, "delete"))


async def on_menu(
    query: CallbackQuery,
    callback_data: MenuCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    reminders: ReminderService,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    user_id = query.from_user.id
    action = callback_data.action
    await query.answer()
    if action == "me":
        await show_mine(bot, user_id, t, catalog, clock, registrations, settings.public_url)
        await registration.resume_if_in_form(bot, user_id, state, t, catalog, session)
    elif action == "edit":
        await begin_edit(bot, user_id, state, t, catalog, registrations)
    elif action == "unregister":
        await ask_unregister(bot, user_id, t, registrations)
    elif action == "language":
        await bot.send_message(
            user_id, t("language-choose"), reply_markup=views.language_keyboard(t)
        )
    elif action == "contacts":
        await bot.send_message(user_id, views.contacts_text(t, catalog.most_relevant(clock.now())))
        await registration.resume_if_in_form(bot, user_id, state, t, catalog, session)
    elif action == "link":
        await send_link(bot, user_id, t, clock, registrations, reminders)
        await registration.resume_if_in_form(bot, user_id, state, t, catalog, session)
    elif action == "mute":
        await toggle_mute(bot, user_id, t, session, user, clock)
    elif action == "help":
        await bot.send_message(user_id, t("help"))
        await registration.resume_if_in_form(bot, user_id, state, t, catalog, session)
    else:
        await show_home(
            bot,
            user_id,
            user_id,
            t,
            catalog,
            clock,
            registrations,
            public_url=settings.public_url,
        )


async def on_pick(
    query: CallbackQuery,
    callback_data: PickCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    settings: Settings,
) -> None:
    await query.answer()
    user_id = query.from_user.id
    if callback_data.action == "browser":
        await send_browser_link(bot, user_id, t, settings, registrations, callback_data.slug)
    elif callback_data.action == "edit":
        await begin_edit(bot, user_id, state, t, catalog, registrations, callback_data.slug)
    else:
        await ask_unregister(bot, user_id, t, registrations, callback_data.slug)


async def on_confirm(
    query: CallbackQuery,
    callback_data: ConfirmCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    registrations: RegistrationService,
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    user_is_new: bool = False,
) -> None:
    user_id = query.from_user.id
    if callback_data.yes and await _already_done(
        user_id, callback_data, registrations, user_is_new
    ):
        # A double tap: the first press did it and said so; this one only says it is done.
        key = "unregister-already" if callback_data.action == "unregister" else "deleted-already"
        await query.answer(t(key))
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    if not callback_data.yes:
        await bot.send_message(user_id, t("kept"))
        return
    if callback_data.action == "unregister":
        reg = await registrations.cancel(user_id, callback_data.slug)
        await bot.send_message(
            user_id, t("unregistered", event=escape(reg.event.title.get(t.lang)))
        )
        promoted: Sequence[Promoted] = reg.promoted
    elif callback_data.action == "delete":
        await state.clear()
        promoted = await registrations.erase_user(user_id)
        await bot.send_message(user_id, t("deleted"))
    else:
        return
    # A seat given up went to the first in line: they are told now.
    await registration.send_seat_notices(bot, session_factory, catalog, clock, i18n, promoted)


async def _already_done(
    user_id: int, callback_data: ConfirmCb, registrations: RegistrationService, user_is_new: bool
) -> bool:
    """Whether a "yes" was already carried out by an earlier press of the same button."""
    if callback_data.action == "unregister":
        reg = await registrations.find(user_id, callback_data.slug)
        return reg is not None and not reg.active
    # Whoever saw the "delete my data?" question was known to the bot; a user row created
    # by this very press means the first press erased them.
    return user_is_new


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_me, Command("me"))
    router.message.register(cmd_edit, Command("edit"))
    router.message.register(cmd_unregister, Command("unregister"))
    router.message.register(cmd_delete_me, Command("delete_me"))
    router.callback_query.register(on_menu, MenuCb.filter())
    router.callback_query.register(
        on_pick, PickCb.filter(F.action.in_({"edit", "unregister", "browser"}))
    )
    router.callback_query.register(
        on_confirm, ConfirmCb.filter(F.action.in_({"unregister", "delete"}))
    )
    return router
