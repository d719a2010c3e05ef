"""Errors become answers: a rule's refusal is explained, a bug gets an apology and a log line."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, ErrorEvent

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.classes.classes import ClassError
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import (
    EventOver,
    RegistrationClosed,
    RegistrationError,
    UnknownEvent,
)
from handlers import views

log = logging.getLogger(__name__)


async def _answer_callback(event: ErrorEvent, answered: set[str] | None) -> None:
    """Stop the button's spinner, unless the handler answered the press before it failed:
    Telegram refuses a second answer. `answered` comes from CallbackAnswerScope."""
    query = event.update.callback_query
    if query is None or (answered is not None and query.id in answered):
        return
    try:
        await query.answer()
    except Exception:  # too old, or refused: the message below still goes
        log.debug("could not answer callback %s", query.id)


async def on_rule_error(
    event: ErrorEvent,
    bot: Bot,
    i18n: I18n,
    catalog: EventCatalog,
    clock: Clock,
    event_chat: Chat | None = None,
    t: Translator | None = None,
    state: FSMContext | None = None,
    answered_callbacks: set[str] | None = None,
    **_: Any,
) -> None:
    error = event.exception
    assert isinstance(error, RegistrationError)
    t = t or i18n(None)
    await _answer_callback(event, answered_callbacks)
    if state is not None and isinstance(error, RegistrationClosed | EventOver | UnknownEvent):
        # The form cannot be finished any more: do not leave the user inside it.
        await state.clear()
    if event_chat is None:
        return
    title = escape(error.event.title.get(t.lang)) if error.event else ""
    text = t(error.key, event=title)
    if error.key in {"err-registration-closed", "err-event-over"}:
        text += "\n\n" + views.contacts_text(t, error.event or catalog.most_relevant(clock.now()))
    await bot.send_message(event_chat.id, text, reply_markup=views.main_menu(t))


async def on_unexpected(
    event: ErrorEvent,
    bot: Bot,
    i18n: I18n,
    event_chat: Chat | None = None,
    t: Translator | None = None,
    answered_callbacks: set[str] | None = None,
    **_: Any,
) -> None:
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    await _answer_callback(event, answered_callbacks)
    if event_chat is None:
        return
    try:
        await bot.send_message(event_chat.id, (t or i18n(None))("err-unexpected"))
    except Exception:
        log.exception("could not apologise for update %s", event.update.update_id)


async def on_class_error(
    event: ErrorEvent,
    bot: Bot,
    i18n: I18n,
    event_chat: Chat | None = None,
    t: Translator | None = None,
    answered_callbacks: set[str] | None = None,
    **_: Any,
) -> None:
    error = event.exception
    assert isinstance(error, ClassError)
    await _answer_callback(event, answered_callbacks)
    if event_chat is not None:
        args = {k: escape(str(v)) if isinstance(v, str) else v for k, v in error.args_.items()}
        await bot.send_message(event_chat.id, (t or i18n(None))(error.key, **args))


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_class_error, ExceptionTypeFilter(ClassError))
    router.errors.register(on_rule_error, ExceptionTypeFilter(RegistrationError))
    router.errors.register(on_unexpected)
    return router
