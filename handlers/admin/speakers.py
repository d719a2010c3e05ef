"""/speakers: people who asked to speak, one at a time, Approve / Decline / Later; the
participant is told the decision in their own language."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.events.catalog import Event, EventCatalog
from bot.services.registration.countries import country_label
from db.models import EventRow, Registration, RegistrationStatus, User
from db.repositories import AuditRepository
from handlers.admin.callbacks import AdminSpeakerCb
from handlers.admin.common import register_event_action, title
from handlers.edits import drop_buttons

PENDING = "pending"
DECISIONS = {"approve": "approved", "decline": "declined"}


def _speakers_query(event_slug: str) -> object:
    return (
        select(Registration)
        .join(EventRow, EventRow.id == Registration.event_id)
        .where(
            EventRow.slug == event_slug,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.wants_to_speak.is_(True),
        )
    )


async def next_pending(
    session: AsyncSession, event_slug: str, after_id: int = 0
) -> tuple[Registration | None, int]:
    """The next speaker waiting for a decision (after `after_id`, so "Later" moves on), and how
    many are waiting in all."""
    base = _speakers_query(event_slug)
    pending = base.where(Registration.speaker_status == PENDING)  # type: ignore[attr-defined]
    waiting = await session.scalar(select(func.count()).select_from(pending.subquery()))
    row = await session.scalar(
        pending.where(Registration.id > after_id).order_by(Registration.id).limit(1)
    )
    if row is None and after_id:
        row = await session.scalar(pending.order_by(Registration.id).limit(1))
    return row, int(waiting or 0)


def speaker_card(t: Translator, reg: Registration, waiting: int) -> str:
    return "\n".join(
        [
            t("admin-speaker-waiting", count=waiting),
            "",
            f"<b>{escape(reg.full_name or '')}</b>",
            t(
                "admin-speaker-from",
                organization=escape(reg.organization or ""),
                city=escape(reg.city or ""),
                country=escape(country_label(t, reg.country)),
            ),
            t("admin-speaker-topic", topic=escape(reg.talk_topic or "—")),
        ]
    )


def speaker_keyboard(t: Translator, reg: Registration) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for decision in ("approve", "decline", "skip"):
        kb.button(
            text=t(f"admin-speaker-{decision}"),
            callback_data=AdminSpeakerCb(registration_id=reg.id, decision=decision),
        )
    kb.adjust(2, 1)
    return kb.as_markup()


async def show_next(
    bot: Bot, chat_id: int, t: Translator, session: AsyncSession, event: Event, after_id: int = 0
) -> None:
    reg, waiting = await next_pending(session, event.slug, after_id)
    if reg is None:
        await bot.send_message(chat_id, t("admin-speakers-none", event=title(t, event)))
        return
    await bot.send_message(
        chat_id, speaker_card(t, reg, waiting), reply_markup=speaker_keyboard(t, reg)
    )


async def on_decision(
    query: CallbackQuery,
    callback_data: AdminSpeakerCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    reg = await session.get(Registration, callback_data.registration_id)
    event_row = await session.get(EventRow, reg.event_id) if reg is not None else None
    event = catalog.get(event_row.slug) if event_row is not None else None
    if reg is None or event is None or reg.speaker_status != PENDING:
        await query.answer(t("admin-speaker-decided"), show_alert=True)
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    if callback_data.decision in DECISIONS:
        reg.speaker_status = DECISIONS[callback_data.decision]
        reg.updated_at = clock.now()
        AuditRepository(session).record(
            query.from_user.id,
            f"speaker_{reg.speaker_status}",
            clock.now(),
            event_id=reg.event_id,
            details={"registration_id": reg.id},
        )
        await session.commit()
        await bot.send_message(
            query.from_user.id,
            t(f"admin-speaker-{callback_data.decision}d", name=escape(reg.full_name or "")),
        )
        await _tell_participant(bot, i18n, session, reg, event)
    await show_next(bot, query.from_user.id, t, session, event, after_id=reg.id)


async def _tell_participant(
    bot: Bot, i18n: I18n, session: AsyncSession, reg: Registration, event: Event
) -> None:
    if reg.user_id is None:
        return
    user = await session.get(User, reg.user_id)
    if user is None or not user.is_reachable:
        return
    pt = i18n(user.language)
    key = "speaker-approved" if reg.speaker_status == "approved" else "speaker-declined"
    await bot.send_message(
        reg.user_id, pt(key, event=title(pt, event), topic=escape(reg.talk_topic or ""))
    )


async def speakers_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await show_next(data["bot"], chat_id, data["t"], data["session"], event)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "speakers", speakers_action)
    router.callback_query.register(on_decision, AdminSpeakerCb.filter())
    return router
