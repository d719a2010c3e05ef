"""Check-in: the "✅ I'm here" button of the "we are starting" message (in private chats), the
class's "✅ We are here" (in its group, or in its teacher's chat when no group is bound), or the
code word organizers announce during the conference."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.certificates.attendance import (
    CheckIn,
    check_in_class,
    check_in_participant,
    event_row,
)
from bot.services.events.catalog import Event, EventCatalog
from db.models import SchoolClass
from db.repositories import EventRepository
from handlers.callbacks import CheckInCb
from handlers.filters import PLAIN_TEXT


def checkin_keyboard(event_id: int, t: Translator, class_id: int | None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    # A class group checks in the whole class: «Мы здесь», not «Я здесь».
    label = t("checkin-button-class") if class_id else t("checkin-button")
    kb.button(text=label, callback_data=CheckInCb(event_id=event_id, class_id=class_id or 0))
    return kb.as_markup()


async def on_button(
    query: CallbackQuery,
    callback_data: CheckInCb,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    row = await event_row(session, callback_data.event_id)
    event = catalog.get(row.slug) if row else None
    if event is None:
        await query.answer(t("err-stale-button"))
        return
    if callback_data.class_id:
        chat = query.message.chat if query.message is not None else None
        result = await check_in_class(
            session,
            clock,
            event,
            callback_data.event_id,
            callback_data.class_id,
            # No message (an inline button elsewhere): neither the group nor the teacher's chat.
            chat_id=chat.id if chat is not None else 0,
            user_id=query.from_user.id,
        )
        if result in (CheckIn.DONE, CheckIn.ALREADY):
            # Passed the group-or-teacher check: the class may be named (a teacher may have
            # several classes in one chat).
            school_class = await session.get(SchoolClass, callback_data.class_id)
            name = school_class.name if school_class is not None else ""
            text = t(f"checkin-class-{result.value}", class_name=name)
            await query.answer(text, show_alert=result is not CheckIn.DONE)
            return
    else:
        result = await check_in_participant(
            session, clock, event, callback_data.event_id, query.from_user.id, "button"
        )
    await query.answer(t(f"checkin-{result.value}"), show_alert=result is not CheckIn.DONE)


async def on_code_word(
    message: Message, t: Translator, session: AsyncSession, catalog: EventCatalog, clock: Clock
) -> None:
    assert message.from_user is not None
    results = []
    for event in _matching(catalog, clock, message.text or ""):
        row = await EventRepository(session).by_slug(event.slug)
        if row is not None:
            results.append(
                await check_in_participant(
                    session, clock, event, row.id, message.from_user.id, "code"
                )
            )
    best = (
        CheckIn.DONE
        if CheckIn.DONE in results
        else (results[0] if results else CheckIn.NOT_REGISTERED)
    )
    await message.answer(t(f"checkin-{best.value}"))


async def on_early_code_word(message: Message, t: Translator) -> None:
    """The code word before the start: it is right, only early."""
    await message.answer(t("checkin-closed"))


def _with_code_word(catalog: EventCatalog, text: str) -> list[Event]:
    word = " ".join(text.split()).casefold()
    return [e for e in catalog if e.checkin_code and e.checkin_code.casefold() == word]


def _matching(catalog: EventCatalog, clock: Clock, text: str) -> list[Event]:
    """Events whose check-in is open and whose code word this is."""
    now = clock.now()
    return [e for e in _with_code_word(catalog, text) if e.checkin_open(now)]


def _not_started(catalog: EventCatalog, clock: Clock, text: str) -> list[Event]:
    """Events whose code word this is and which have not started yet."""
    now = clock.now()
    return [e for e in _with_code_word(catalog, text) if now < e.starts_at]


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_button, CheckInCb.filter())
    return router


def create_code_word_router() -> Router:
    """Placed before the catch-all: a code word is plain text outside any form."""
    router = Router(name=f"{__name__}.code")

    async def code_filter(message: Message, catalog: EventCatalog, clock: Clock) -> bool:
        return bool(_matching(catalog, clock, message.text or ""))

    async def early_filter(message: Message, catalog: EventCatalog, clock: Clock) -> bool:
        return bool(_not_started(catalog, clock, message.text or ""))

    router.message.register(on_code_word, PLAIN_TEXT, F.text, code_filter)
    router.message.register(on_early_code_word, PLAIN_TEXT, F.text, early_filter)
    return router
