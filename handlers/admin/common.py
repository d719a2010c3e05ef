"""Shared pieces of the organizer console: choosing the event an action is about."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.events import Event
from handlers.admin.callbacks import AdminEventCb


def events_keyboard(t: Translator, events: Sequence[Event], action: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for event in events:
        kb.button(
            text=f"{event.title.get(t.lang)[:50]} ({event.slug})",
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
