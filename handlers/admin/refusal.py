"""Organizer commands and buttons someone may not use.

- Someone who is not an organizer presses an organizer button (forged or forwarded): a polite
  alert. Their organizer commands get no special answer: for them those commands do not exist
  (handlers/fallback.py answers "unknown command").
- An organizer's button that no handler took (an old layout, a cut or malformed one, of any
  screen: settings, broadcast, export, certificates, speakers, live...) reaches the same place:
  an organizer is told it is outdated, not that it is "only for organizers".
- A read-only organizer (a viewer) sends a command or presses a button that would change or
  send something: they are told their role is read-only, in their language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import CHANGE_COMMANDS
from bot.filters import IsOrganizer
from bot.i18n import Translator
from bot.services.organizers.roles import role_of
from handlers.admin.callbacks import ADMIN_PREFIX
from handlers.admin.stale import answer_stale


async def refuse(
    query: CallbackQuery, t: Translator, session: AsyncSession, admin_ids: frozenset[int]
) -> None:
    # Only a button no organizer handler took gets here: from an organizer, it is outdated.
    if await role_of(session, admin_ids, query.from_user.id) is not None:
        await answer_stale(query, t)
        return
    await query.answer(t("admin-only"), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(refuse, F.data.startswith(ADMIN_PREFIX))
    return router


async def refuse_command_to_viewer(message: Message, t: Translator) -> None:
    await message.answer(t("admin-read-only"))


async def refuse_button_to_viewer(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t("admin-read-only-button"), show_alert=True)


def create_read_only_router() -> Router:
    """Placed under IsOrganizer, after the routers a viewer may use and those they may not:
    what reaches it from a viewer is a change command, or a button no read-only handler took.
    A full organizer's stale buttons pass on (to the alert above), as before roles."""
    router = Router(name=f"{__name__}.read_only")
    viewer = ~IsOrganizer(changes=True)
    router.message.filter(viewer)
    router.callback_query.filter(viewer)
    router.message.register(refuse_command_to_viewer, Command(*CHANGE_COMMANDS))
    router.callback_query.register(refuse_button_to_viewer, F.data.startswith(ADMIN_PREFIX))
    return router
