"""Organizer buttons whose data no longer fits their callback class (an old layout, a cut or
edited message): the organizer is told the button is outdated. Without this, such a button
would go on to the refusal for strangers (handlers/admin/refusal.py) and tell an organizer the
button is "only for organizers".

Register `answer_stale` with `buttons_of(...)` after the handlers of the same callback classes,
in the same router: a well-formed button is taken by its own handler first, and a viewer's
change button still gets the read-only refusal (its router is never reached)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from magic_filter import MagicFilter

from bot.i18n import Translator


def buttons_of(*callbacks: type[CallbackData]) -> MagicFilter:
    """Any callback data under the prefix of one of `callbacks`, well-formed or not."""
    prefixes = {(cb.__prefix__, cb.__separator__) for cb in callbacks}

    def under_prefix(data: str) -> bool:
        return any(data == prefix or data.startswith(prefix + sep) for prefix, sep in prefixes)

    return F.data.func(under_prefix)


async def answer_stale(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t("err-stale-button"), show_alert=True)
