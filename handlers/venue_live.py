"""/live for a venue's coordinator (who is not an organizer: organizers have the whole event in
handlers/admin/live.py): their venue's numbers only, on the same self-updating board
(handlers/admin/live_board.py): seats taken, checked in, the percentage, the waiting list and
the latest check-ins there. With several venues to keep, a button for each. For anyone else
/live does not exist (the catch-all answers "unknown command")."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import Event, EventCatalog, Venue
from bot.services.organizers.live import is_live
from bot.services.venues.door import coordinated_venues
from db.repositories import EventRepository
from handlers.admin.live_board import LiveBoards, stop_pressed
from handlers.admin.live_view import VenueLiveCb


async def is_coordinator(
    message: Message, catalog: EventCatalog, clock: Clock
) -> bool | dict[str, Any]:
    user = message.from_user
    if user is None:
        return False
    venues = coordinated_venues(catalog, user.id, clock.now())
    return {"venues": venues} if venues else False


def venues_keyboard(t: Translator, venues: list[tuple[Event, Venue]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for event, venue in venues:
        kb.button(
            text=t(
                "door-venue-button", venue=venue.name.get(t.lang), event=event.short_name(t.lang)
            ),
            callback_data=VenueLiveCb(action="open", slug=event.slug, venue=venue.id),
        )
    kb.adjust(1)
    return kb.as_markup()


async def open_board(
    bot: Bot,
    chat_id: int,
    t: Translator,
    session: AsyncSession,
    live: LiveBoards,
    clock: Clock,
    event: Event,
    venue: Venue,
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    if is_live(event, clock.now()):
        await live.open(chat_id, event, row.id, t, venue=venue.id)
    else:
        await live.snapshot(chat_id, event, row.id, t, venue=venue.id)


async def cmd_live(
    message: Message,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    live: LiveBoards,
    clock: Clock,
    venues: list[tuple[Event, Venue]],
) -> None:
    running = [(e, v) for e, v in venues if is_live(e, clock.now())] or venues[-1:]
    if len(running) > 1:
        await message.answer(t("door-choose-venue"), reply_markup=venues_keyboard(t, running))
        return
    [(event, venue)] = running
    await open_board(bot, message.chat.id, t, session, live, clock, event, venue)


async def on_open(
    query: CallbackQuery,
    callback_data: VenueLiveCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    live: LiveBoards,
    clock: Clock,
    catalog: EventCatalog,
) -> None:
    # The button's data can be forged: only a venue this person keeps now.
    mine = coordinated_venues(catalog, query.from_user.id, clock.now())
    chosen = [
        (e, v) for e, v in mine if e.slug == callback_data.slug and v.id == callback_data.venue
    ]
    if not chosen:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    [(event, venue)] = chosen
    await open_board(bot, query.from_user.id, t, session, live, clock, event, venue)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_live, Command("live"), is_coordinator)
    router.callback_query.register(on_open, VenueLiveCb.filter(F.action == "open"))
    router.callback_query.register(stop_pressed, VenueLiveCb.filter(F.action == "stop"))
    return router
