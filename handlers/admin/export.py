"""/export: event -> format (XLSX or CSV) -> the participants as a document. The file itself is
bot/services/reports/export.py."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.classes.export import (
    class_tables,
    event_classes,
    event_feedback,
    feedback_table,
)
from bot.services.events.catalog import Event, EventCatalog
from bot.services.reports.export import (
    ExportFormat,
    build_table,
    event_registrations,
    file_name,
    render,
)
from db.repositories import AuditRepository, EventRepository
from handlers.admin.callbacks import ADMIN_PREFIX
from handlers.admin.common import register_event_action, short_title, title


class AdminExportCb(CallbackData, prefix=f"{ADMIN_PREFIX}exp"):
    """The file format chosen for an event's export. The prefix starts like every organizer
    button's, so that anyone else pressing it gets the polite refusal."""

    slug: str
    fmt: str


# --- views -----------------------------------------------------------------------------------


def format_keyboard(t: Translator, slug: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for fmt in ExportFormat:
        kb.button(
            text=t(f"export-btn-{fmt.value}"), callback_data=AdminExportCb(slug=slug, fmt=fmt.value)
        )
    kb.adjust(2)
    return kb.as_markup()


async def ask_format(bot: Bot, chat_id: int, t: Translator, event: Event) -> None:
    # The buttons stay after a tap: the organizer may want the other format as well.
    await bot.send_message(
        chat_id,
        t("export-choose-format", event=title(t, event)),
        reply_markup=format_keyboard(t, event.slug),
    )


# --- handlers --------------------------------------------------------------------------------


async def send_export(
    bot: Bot,
    chat_id: int,
    t: Translator,
    session: AsyncSession,
    clock: Clock,
    event: Event,
    fmt: ExportFormat,
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    table = build_table(t, await event_registrations(session, row.id))
    classes = await event_classes(session, row.id)
    class_table, student_table = class_tables(t, classes)
    # Recorded before the file leaves: a hand-out of personal data is in the audit log even if
    # sending it fails. The console lives in the organizer's private chat, so chat id = actor.
    AuditRepository(session).record(
        chat_id,
        "export",
        clock.now(),
        event_id=row.id,
        details={"format": fmt.value, "rows": len(table.rows), "classes": len(classes)},
    )
    await session.commit()
    # A caption is short: the event's short name («Наша общая Победа»).
    caption = t("export-caption", event=short_title(t, event), count=len(table.rows))
    now = clock.now()
    if fmt is ExportFormat.XLSX:
        # One workbook: "participants", and "classes" and "students" sheets.
        feedback = feedback_table(t, await event_feedback(session, row.id))
        data = await render(table, fmt, class_table, student_table, feedback)
        await bot.send_document(
            chat_id,
            BufferedInputFile(data, filename=file_name(event.slug, fmt, now)),
            caption=caption,
        )
        return
    await bot.send_document(
        chat_id,
        BufferedInputFile(await render(table, fmt), filename=file_name(event.slug, fmt, now)),
        caption=caption,
    )
    if classes:  # CSV holds one table: classes and students come as two more files
        for extra in (class_table, student_table):
            await bot.send_document(
                chat_id,
                BufferedInputFile(
                    await render(extra, fmt), filename=file_name(event.slug, fmt, now, extra.name)
                ),
            )


async def on_format(
    query: CallbackQuery,
    callback_data: AdminExportCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    event = catalog.get(callback_data.slug)
    fmt = _format(callback_data.fmt)
    if event is None or fmt is None:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await send_export(bot, query.from_user.id, t, session, clock, event, fmt)


def _format(value: str) -> ExportFormat | None:
    try:
        return ExportFormat(value)
    except ValueError:  # a forged button
        return None


async def export_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await ask_format(data["bot"], chat_id, data["t"], event)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "export", export_action)
    router.callback_query.register(on_format, AdminExportCb.filter())
    return router
