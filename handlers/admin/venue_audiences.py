"""/broadcast's audiences of an event's offline venues (issue 15): for each venue, those who
hold a seat there, and (when anyone is on it) its waiting list, each with how many it reaches.
The button carries the venue: `AdminAudienceCb(audience="venue@<id>")` (or "venue-waiting@";
aiogram keeps ":" for itself)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.delivery.audience_reach import reach
from bot.services.events.catalog import Event
from db.audiences import Audience
from handlers.admin.callbacks import AdminAudienceCb

LABELS = {
    Audience.VENUE: "admin-audience-venue",
    Audience.VENUE_WAITING: "admin-audience-venue-waiting",
}


async def venue_audience_rows(
    t: Translator, session: AsyncSession, event: Event, event_id: int, *, email_on: bool
) -> list[list[InlineKeyboardButton]]:
    rows = []
    for venue in event.venues:
        for audience, key in LABELS.items():
            params = {"venue_id": venue.id}
            found = await reach(session, event_id, audience, params, email_on=email_on)
            if audience is Audience.VENUE_WAITING and not found.total:
                continue
            label = t(key, venue=venue.name.get(t.lang), count=found.reached)
            data = AdminAudienceCb(audience=f"{audience.value}@{venue.id}").pack()
            rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    return rows
