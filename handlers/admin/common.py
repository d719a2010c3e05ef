"""Shared pieces of the organizer console: choosing the event an action is about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.events.catalog import Event, EventCatalog
from handlers.admin.callbacks import AdminEventCb, AdminMenuCb
from handlers.views import button_title


def events_keyboard(t: Translator, events: Sequence[Event], action: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for event in events:
        kb.button(
            text=f"{button_title(t, event, limit=50)} ({event.slug})",
            callback_data=AdminEventCb(action=action, slug=event.slug),
        )
    kb.adjust(1)
    return kb.as_markup()


async def ask_event(
    bot: Bot, chat_id: int, t: Translator, events: Sequence[Event], action: str
) -> Event | None:
    """With one event, that one; with several, ask (the answer comes as AdminEventCb)."""
    if len(events) == 1:
        return events[0]
    if not events:
        await bot.send_message(chat_id, t("admin-no-events"))
        return None
    await bot.send_message(
        chat_id, t("admin-choose-event"), reply_markup=events_keyboard(t, events, action)
    )
    return None


def title(t: Translator, event: Event) -> str:
    return escape(event.title.get(t.lang))


def short_title(t: Translator, event: Event) -> str:
    return escape(event.short_name(t.lang))


# An organizer action about one event: (event, the organizer's chat, the handler data).
EventAction = Callable[[Event, int, dict[str, Any]], Awaitable[None]]
EventChoice = Callable[[EventCatalog, Clock], Sequence[Event]]


def all_events(catalog: EventCatalog, clock: Clock) -> Sequence[Event]:
    return list(catalog)


def events_not_over(catalog: EventCatalog, clock: Clock) -> Sequence[Event]:
    return catalog.not_over(clock.now())


def register_event_action(
    router: Router, action: str, run: EventAction, events: EventChoice = all_events
) -> None:
    """The command `/<action>`, its /admin menu button and the event buttons all lead to `run`
    for the chosen event (asked for only when there are several)."""

    async def start(chat_id: int, data: dict[str, Any]) -> None:
        bot: Bot = data["bot"]
        event = await ask_event(
            bot, chat_id, data["t"], events(data["catalog"], data["clock"]), action
        )
        if event is not None:
            await run(event, chat_id, data)

    async def on_command(message: Message, **data: Any) -> None:
        await start(message.chat.id, data)

    async def on_menu(query: CallbackQuery, **data: Any) -> None:
        await query.answer()
        await start(query.from_user.id, data)

    async def on_chosen(query: CallbackQuery, callback_data: AdminEventCb, **data: Any) -> None:
        await query.answer()
        event = data["catalog"].get(callback_data.slug)
        if event is None:
            await data["bot"].send_message(query.from_user.id, data["t"]("err-unknown-event"))
            return
        await run(event, query.from_user.id, data)

    router.message.register(on_command, Command(action))
    router.callback_query.register(on_menu, AdminMenuCb.filter(F.action == action))
    router.callback_query.register(on_chosen, AdminEventCb.filter(F.action == action))
