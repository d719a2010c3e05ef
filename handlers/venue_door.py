"""The door of an offline venue in the bot: a coordinator (or an organizer) sends the photo of a
ticket's QR code, or types the code under it, and the bot checks the holder in and says who it
is (bot/services/venues/door.py). Placed before the catch-all, and only for those who keep a
door: anyone else's photo or text goes on as before (a participant's photo is not a ticket)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import EventCatalog, Venue
from bot.services.events.timefmt import MOSCOW
from bot.services.organizers.roles import may_change, role_of
from bot.services.venues.door import (
    Door,
    DoorCheck,
    check_in_ticket,
    coordinated_venues,
    doors_close,
    doors_open,
    read_qr_codes,
)
from bot.services.venues.tickets import found_codes, mentions_code, shown_code
from handlers.filters import PLAIN_TEXT

# Telegram lets a bot download files up to 20 MB.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# A photo (or a message) holding more ticket codes than this is checked for these only (a
# sheet of tickets photographed at once would flood the chat).
CODES_PER_PHOTO = 5


async def keeps_a_door(
    message: Message,
    catalog: EventCatalog,
    clock: Clock,
    session: AsyncSession,
    admin_ids: frozenset[int],
) -> bool | dict[str, Any]:
    """A venue's coordinator now, or an organizer while an event with venues is on. The handler
    gets `door_organizer` (a full organizer: checks in at every venue) and `door_read_only`
    (a read-only viewer who coordinates no venue: refused, as the console refuses a change;
    a coordinator who is also a viewer checks in at their own venues)."""
    user = message.from_user
    if user is None:
        return False
    now = clock.now()
    if coordinated_venues(catalog, user.id, now):
        role = await role_of(session, admin_ids, user.id)
        return {"door_organizer": may_change(role), "door_read_only": False}
    if not any(event.venues and now < doors_close(event) for event in catalog):
        return False
    role = await role_of(session, admin_ids, user.id)
    if role is None:
        return False
    return {"door_organizer": may_change(role), "door_read_only": not may_change(role)}


def is_image_document(message: Message) -> bool:
    document = message.document
    return document is not None and (document.mime_type or "").startswith("image/")


def _clock_at(moment: datetime | None, venue: Venue | None) -> str:
    """The time of day at the door: the venue's own clock (Moscow's without a venue)."""
    if moment is None:
        return ""
    zone = ZoneInfo(venue.timezone) if venue is not None else MOSCOW
    return moment.astimezone(zone).strftime("%H:%M")


def door_answer(t: Translator, check: DoorCheck) -> str:
    name = escape(check.name) if check.name else t("live-name-erased")
    venue = escape(check.venue.name.get(t.lang)) if check.venue else ""
    match check.result:
        case Door.INVALID:
            return t("door-invalid")
        case Door.UNKNOWN:
            return t("door-unknown", code=shown_code(check.code))
        case Door.DONE:
            return t("door-done", name=name, venue=venue)
        case Door.ALREADY:
            time = _clock_at(check.checked_at, check.venue)
            return t("door-already", name=name, venue=venue, time=time)
        case Door.OTHER_VENUE:
            event = escape(check.event.title.get(t.lang)) if check.event else ""
            return t("door-other-venue", name=name, venue=venue, event=event)
        case Door.WAITING:
            return t("door-waiting", name=name, venue=venue)
        case Door.CANCELLED:
            return t("door-cancelled", name=name)
        case Door.NO_SEAT:
            return t("door-no-seat", name=name)
        case Door.NOT_OPEN:
            opens = doors_open(check.event) if check.event else None
            return t("door-not-open", name=name, time=_clock_at(opens, check.venue))
        case Door.CLOSED:
            return t("door-closed", name=name)


async def _check(
    message: Message,
    text: str,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    door_organizer: bool,
) -> None:
    assert message.from_user is not None
    check = await check_in_ticket(
        session,
        catalog,
        clock.now(),
        text,
        checked_by=message.from_user.id,
        organizer=door_organizer,
    )
    await message.answer(door_answer(t, check))


async def on_code(
    message: Message,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    door_organizer: bool,
    door_read_only: bool,
) -> None:
    if door_read_only:
        await message.answer(t("admin-read-only"))
        return
    text = message.text or ""
    # A code inside a sentence ("код K7QP-3MXR") is checked in; a message that is only a
    # mistyped code is told so (INVALID).
    for code in found_codes(text)[:CODES_PER_PHOTO] or [text]:
        await _check(message, code, t, session, catalog, clock, door_organizer)


async def on_picture(
    message: Message,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    door_organizer: bool,
    door_read_only: bool,
) -> None:
    if door_read_only:
        await message.answer(t("admin-read-only"))
        return
    if message.photo:
        file_id, size = message.photo[-1].file_id, message.photo[-1].file_size  # the largest
    else:
        assert message.document is not None
        file_id, size = message.document.file_id, message.document.file_size
    if size is not None and size > DOWNLOAD_LIMIT:
        await message.answer(t("door-no-qr"))
        return
    downloaded = await bot.download(file_id)
    image = downloaded.read() if downloaded is not None else b""
    texts = await asyncio.to_thread(read_qr_codes, image)
    if not texts:
        await message.answer(t("door-no-qr"))
        return
    for text in texts[:CODES_PER_PHOTO]:
        await _check(message, text, t, session, catalog, clock, door_organizer)


def create_router() -> Router:
    """Placed before the catch-all, after the forms: a photo or a text inside a form is the
    form's."""
    router = Router(name=__name__)
    code = PLAIN_TEXT & F.text.func(mentions_code)
    router.message.register(on_code, code, keeps_a_door)
    router.message.register(on_picture, F.photo, keeps_a_door)
    router.message.register(on_picture, F.func(is_image_document), keeps_a_door)
    return router
