"""Editing messages the user already has: cosmetic, so a refusal never stops the real work.

Telegram refuses edits for reasons outside our control ("message is not modified" after a
double tap, "message to edit not found" when the user deleted it, messages too old)."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import CallbackQuery, Message

log = logging.getLogger(__name__)


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message that was tapped, so it cannot be tapped again."""
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        # Removing buttons is cosmetic: flood control that outlasted the retries of
        # bot/middlewares/flood_control.py must not stop the handler's real work.
        except (TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter) as exc:
            log.debug("could not remove buttons: %s", exc)


async def replace_text(message: Message, text: str) -> None:
    try:
        await message.edit_text(text, reply_markup=None)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.debug("could not edit message: %s", exc)
