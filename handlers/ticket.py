"""/ticket (and /me's "🎫 Ticket" button): the ticket of every registration holding a seat at an
offline venue, as a picture (the QR code, the code under it, the name, event, venue and time)
with a caption; for the rest, why there is none (online, on the waiting list, an event without
venues, no registration). A venue's coordinator gets the door's help first
(bot/services/venues/door.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import Event, EventCatalog, Venue
from bot.services.events.timefmt import BEIJING, MOSCOW, span_args, zoned_span
from bot.services.organizers.roles import may_change, role_of
from bot.services.registration.registrations import RegistrationService, UserRegistration
from bot.services.venues.door import DOORS_OPEN_BEFORE, coordinated_venues, doors_close
from bot.services.venues.tickets import (
    TicketPicture,
    holds_seat,
    is_waiting,
    issue_ticket,
    shown_code,
    ticket_png,
    waiting_place,
)
from handlers import registration
from handlers.callbacks import PickCb

# Telegram's limit for a photo's caption (characters, after the HTML is parsed); a longer one
# goes as a message of its own after the picture.
CAPTION_LIMIT = 1024
DOORS_OPEN_MINUTES = int(DOORS_OPEN_BEFORE.total_seconds() // 60)
# Flags before the time lines (🇷🇺, 🇨🇳): no font of the picture draws them.
_FLAGS = "".join(chr(code) for code in range(0x1F1E6, 0x1F200))


def local_times(t: Translator, event: Event, venue: Venue) -> str:
    """The venue's own clock, when it is neither Moscow's nor Beijing's at the event."""
    zone = ZoneInfo(venue.timezone)
    offset = event.starts_at.astimezone(zone).utcoffset()
    if offset in (event.starts_at.astimezone(z).utcoffset() for z in (MOSCOW, BEIJING)):
        return ""
    # As every other time line: an end on the next day carries its date.
    local = zoned_span(event.starts_at, event.ends_at, zone, t.lang)
    return t("ticket-local-time", date=local.date, local_start=local.start, local_end=local.end)


def ticket_caption(t: Translator, event: Event, venue: Venue, name: str, code: str) -> str:
    lines = [
        t(
            "ticket-caption",
            name=escape(name),
            event=escape(event.title.get(t.lang)),
            venue=escape(venue.name.get(t.lang)),
            address=escape(venue.address.get(t.lang)),
        ),
        t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)),
        local_times(t, event, venue),
        t("ticket-show", code=shown_code(code)),
    ]
    return "\n".join(line for line in lines if line)


def ticket_picture(t: Translator, event: Event, venue: Venue, name: str) -> TicketPicture:
    times = t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)).splitlines()
    local = local_times(t, event, venue)
    return TicketPicture(
        name=name,
        event=event.title.get(t.lang),
        venue=venue.name.get(t.lang),
        address=venue.address.get(t.lang),
        times=[line.strip(_FLAGS + " ") for line in [*times, local] if line],
    )


async def send_ticket(
    bot: Bot, chat_id: int, t: Translator, session: AsyncSession, reg: UserRegistration
) -> None:
    """One registration's answer: its ticket, or why it has none."""
    row, event = reg.row, reg.event
    title = escape(event.title.get(t.lang))
    venue = event.venue_by_id(row.venue_id)
    if holds_seat(row) and venue is not None:
        code = await issue_ticket(session, row)
        name = row.full_name or ""
        png = await asyncio.to_thread(ticket_png, code, ticket_picture(t, event, venue, name))
        caption = ticket_caption(t, event, venue, name, code)
        photo = BufferedInputFile(png, filename=f"ticket-{code}.png")
        if len(caption) <= CAPTION_LIMIT:
            await bot.send_photo(chat_id, photo, caption=caption)
        else:
            await bot.send_photo(chat_id, photo)
            await bot.send_message(chat_id, caption)
    elif is_waiting(row) and venue is not None:
        position = await waiting_place(session, row)
        name = escape(venue.name.get(t.lang))
        await bot.send_message(
            chat_id, t("ticket-waiting", event=title, venue=name, position=position)
        )
    elif row.participation_format == "online":
        await bot.send_message(chat_id, t("ticket-online", event=title))
    else:
        place = event.venue.get(t.lang) if event.venue else ""
        if not place:
            place = ", ".join(v.name.get(t.lang) for v in event.venues)
        await bot.send_message(chat_id, t("ticket-no-venue", event=title, venue=escape(place)))


def door_help(t: Translator, catalog: EventCatalog, user_id: int, now: datetime) -> str:
    """The door's help for a coordinator, naming their venues; "" for anyone else."""
    venues = coordinated_venues(catalog, user_id, now)
    if not venues:
        return ""
    separator = "、" if t.lang == "zh" else ", "
    names = separator.join(escape(venue.name.get(t.lang)) for _, venue in venues)
    return t("door-help", venues=names, minutes=DOORS_OPEN_MINUTES)


async def show_tickets(
    bot: Bot,
    user_id: int,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    admin_ids: frozenset[int],
    slug: str | None = None,
) -> None:
    now = clock.now()
    mine = [
        reg
        for reg in await registrations.active_of_user(user_id)
        if now < doors_close(reg.event) and (slug is None or reg.event.slug == slug)
    ]
    help_text = "" if slug else door_help(t, catalog, user_id, now)
    # A full organizer keeps every door; a read-only viewer none (handlers/venue_door.py).
    if not help_text and slug is None and may_change(await role_of(session, admin_ids, user_id)):
        help_text = _organizer_door_help(t, catalog, now)
    if help_text:
        await bot.send_message(user_id, help_text)
    for reg in mine:
        await send_ticket(bot, user_id, t, session, reg)
    if not mine and not help_text:
        await bot.send_message(user_id, t("ticket-none"))


def _organizer_door_help(t: Translator, catalog: EventCatalog, now: datetime) -> str:
    """Organizers check in at every venue: the help names the venues of events still on."""
    separator = "、" if t.lang == "zh" else ", "
    venues = [v for e in catalog if now < doors_close(e) for v in e.venues]
    if not venues:
        return ""
    names = separator.join(escape(v.name.get(t.lang)) for v in venues)
    return t("door-help", venues=names, minutes=DOORS_OPEN_MINUTES)


async def cmd_ticket(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    admin_ids: frozenset[int],
) -> None:
    await show_tickets(bot, message.chat.id, t, session, catalog, clock, registrations, admin_ids)
    # A command works in the middle of a form: the question comes again after it.
    await registration.resume_if_in_form(bot, message.chat.id, state, t, catalog, session)


async def on_ticket_button(
    query: CallbackQuery,
    callback_data: PickCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    admin_ids: frozenset[int],
) -> None:
    await query.answer()
    await show_tickets(
        bot,
        query.from_user.id,
        t,
        session,
        catalog,
        clock,
        registrations,
        admin_ids,
        slug=callback_data.slug,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_ticket, Command("ticket"))
    router.callback_query.register(on_ticket_button, PickCb.filter(F.action == "ticket"))
    return router
