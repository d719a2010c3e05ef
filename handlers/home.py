"""The "home" view: what /start shows, depending on the user's registrations and open events."""

from __future__ import annotations

from html import escape

from aiogram import Bot

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import Event, EventCatalog
from bot.services.registration.registrations import RegistrationService
from handlers import views


async def show_event(
    bot: Bot, chat_id: int, t: Translator, event: Event, *, public_url: str | None
) -> None:
    """The event card. `public_url` is Settings.public_url: when it is https, the card's
    "Register" opens the form as a Mini App (see views.register_keyboard)."""
    await bot.send_message(
        chat_id,
        views.event_card(t, event),
        reply_markup=views.register_keyboard(t, event, public_url),
    )


async def show_home(
    bot: Bot,
    chat_id: int,
    user_id: int,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    *,
    public_url: str | None,
) -> None:
    """Registered: their status and the menu. Not yet: the open event (or a choice of them).
    Nothing open: registration is closed, and whom to contact."""
    now = clock.now()
    mine = await registrations.upcoming_of_user(user_id)
    registered = {r.event.slug for r in mine}
    open_events = [e for e in catalog.open(now) if e.slug not in registered]

    for reg in mine:
        await bot.send_message(
            chat_id,
            t("home-registered", event=escape(reg.event.title.get(t.lang)))
            + "\n"
            + views.time_span(t, reg.event),
            reply_markup=views.main_menu(t),
        )
    if len(open_events) == 1:
        await show_event(bot, chat_id, t, open_events[0], public_url=public_url)
    elif open_events:
        await bot.send_message(
            chat_id, t("home-choose-event"), reply_markup=views.events_keyboard(t, open_events)
        )
    elif not mine:
        await bot.send_message(
            chat_id, t("home-closed") + "\n\n" + views.contacts_text(t, catalog.most_relevant(now))
        )
