"""/live: attendance while the event runs, in one message that updates itself
(handlers/admin/live_board.py) until its Stop button, a new /live in the chat, or the close of
check-in. Open to every organizer, read-only viewers included: it only shows. After check-in
has closed, /live gives the final numbers once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram import Router

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import Event, EventCatalog
from bot.services.organizers.live import is_live
from db.repositories import AuditRepository, EventRepository
from handlers.admin.common import register_event_action
from handlers.admin.live_board import LiveBoards, stop_pressed
from handlers.admin.live_view import AdminLiveCb


def live_events(catalog: EventCatalog, clock: Clock) -> Sequence[Event]:
    """The events whose check-in has not closed; with none, the latest one (its final
    numbers)."""
    now = clock.now()
    running = [event for event in catalog if is_live(event, now)]
    return running or list(catalog)[-1:]


async def live_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    t: Translator = data["t"]
    live: LiveBoards = data["live"]
    clock: Clock = data["clock"]
    session = data["session"]
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await data["bot"].send_message(chat_id, t("err-unknown-event"))
        return
    # The console lives in the organizer's private chat: the chat id is the organizer's id.
    AuditRepository(session).record(chat_id, "live", clock.now(), event_id=row.id)
    await session.commit()
    if is_live(event, clock.now()):
        await live.open(chat_id, event, row.id, t)
    else:
        await live.snapshot(chat_id, event, row.id, t)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "live", live_action, live_events)
    router.callback_query.register(stop_pressed, AdminLiveCb.filter())
    return router
