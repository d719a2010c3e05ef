"""/export: event -> what for (everyone, the active ones, checked in or not, speakers, offline,
online, teachers and classes) -> format (XLSX, CSV for Russian Excel, CSV) -> the files. What
goes into them is bot/services/reports/export.py; the layout, bot/services/reports/files.py."""

from __future__ import annotations

from typing import Any, TypeVar

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.events.catalog import Event, EventCatalog
from bot.services.events.time_input import organizer_zone
from bot.services.reports.export import (
    ExportPurpose,
    export_files,
    export_tables,
    purpose_counts,
)
from bot.services.reports.files import ExportFormat
from bot.services.reports.stats import country_aliases
from db.repositories import AuditRepository, EventRepository
from handlers.admin.callbacks import ADMIN_PREFIX
from handlers.admin.common import register_event_action, short_title, title

E = TypeVar("E", ExportPurpose, ExportFormat)

# The prefixes start like every organizer button's, so that anyone else pressing one gets the
# polite refusal.


class AdminExportPurposeCb(CallbackData, prefix=f"{ADMIN_PREFIX}exw"):
    """Who an event's export is about."""

    slug: str
    what: str


class AdminExportCb(CallbackData, prefix=f"{ADMIN_PREFIX}exp"):
    """The file format chosen for an event's export for a purpose."""

    slug: str
    what: str
    fmt: str


class LegacyExportCb(CallbackData, prefix=f"{ADMIN_PREFIX}exp"):
    """A format button sent before exports had a purpose (it carries no `what`): it still
    gives what it gave then, everyone's file."""

    slug: str
    fmt: str


# The formats in the order the organizer most likely wants them: CSV for the Excel of their
# language first.
FORMAT_ORDER = {
    "ru": (ExportFormat.XLSX, ExportFormat.CSV_RU, ExportFormat.CSV),
    "zh": (ExportFormat.XLSX, ExportFormat.CSV, ExportFormat.CSV_RU),
}


# --- views -----------------------------------------------------------------------------------


def purpose_keyboard(
    t: Translator, slug: str, counts: dict[ExportPurpose, int]
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for purpose, count in counts.items():
        kb.button(
            text=t("export-btn-purpose", purpose=purpose.value, count=count),
            callback_data=AdminExportPurposeCb(slug=slug, what=purpose.value),
        )
    kb.adjust(1)
    return kb.as_markup()


def format_keyboard(t: Translator, slug: str, purpose: ExportPurpose) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for fmt in FORMAT_ORDER.get(t.lang, tuple(ExportFormat)):
        kb.button(
            text=t(f"export-btn-{fmt.value}"),
            callback_data=AdminExportCb(slug=slug, what=purpose.value, fmt=fmt.value),
        )
    kb.adjust(1)
    return kb.as_markup()


async def ask_purpose(
    bot: Bot, chat_id: int, t: Translator, session: AsyncSession, event: Event
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    # The buttons stay after a tap: the organizer may want another list as well.
    await bot.send_message(
        chat_id,
        t("export-choose-purpose", event=title(t, event)),
        reply_markup=purpose_keyboard(t, event.slug, await purpose_counts(session, row.id)),
    )


# --- handlers --------------------------------------------------------------------------------


async def send_export(
    bot: Bot,
    chat_id: int,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    event: Event,
    purpose: ExportPurpose,
    fmt: ExportFormat,
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    if row is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    venues = {v.id: v.name.get(t.lang) for v in event.venues}  # the venue column's names
    export = await export_tables(session, t, row.id, purpose, country_aliases(i18n, t), venues)
    # Recorded before the files leave: a hand-out of personal data is in the audit log even if
    # sending it fails. The console lives in the organizer's private chat, so chat id = actor.
    AuditRepository(session).record(
        chat_id,
        "export",
        clock.now(),
        event_id=row.id,
        details={
            "purpose": purpose.value,
            "format": fmt.value,
            "rows": export.rows,
            "classes": export.classes,
        },
    )
    await session.commit()
    zone = organizer_zone(t.lang)
    files = await export_files(export, fmt, event.slug, purpose, clock.now(), zone)
    caption = t(
        "export-caption", event=short_title(t, event), purpose=purpose.value, count=export.rows
    )
    for index, file in enumerate(files):
        await bot.send_document(
            chat_id,
            BufferedInputFile(file.data, filename=file.name),
            caption=None if index else caption,
        )


async def on_purpose(
    query: CallbackQuery,
    callback_data: AdminExportPurposeCb,
    bot: Bot,
    t: Translator,
    catalog: EventCatalog,
) -> None:
    event = catalog.get(callback_data.slug)
    purpose = _enum(ExportPurpose, callback_data.what)
    if event is None or purpose is None:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    # The buttons stay after a tap: the organizer may want the other format as well.
    await bot.send_message(
        query.from_user.id,
        t("export-choose-format", event=title(t, event), purpose=purpose.value),
        reply_markup=format_keyboard(t, event.slug, purpose),
    )


async def on_format(
    query: CallbackQuery,
    callback_data: AdminExportCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    event = catalog.get(callback_data.slug)
    purpose = _enum(ExportPurpose, callback_data.what)
    fmt = _enum(ExportFormat, callback_data.fmt)
    if event is None or purpose is None or fmt is None:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await send_export(bot, query.from_user.id, t, i18n, session, clock, event, purpose, fmt)


async def on_legacy_format(
    query: CallbackQuery,
    callback_data: LegacyExportCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    everyone = AdminExportCb(
        slug=callback_data.slug, what=ExportPurpose.EVERYONE.value, fmt=callback_data.fmt
    )
    await on_format(query, everyone, bot, t, i18n, session, catalog, clock)


def _enum(kind: type[E], value: str) -> E | None:
    try:
        return kind(value)
    except ValueError:  # a forged button
        return None


async def export_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await ask_purpose(data["bot"], chat_id, data["t"], data["session"], event)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "export", export_action)
    router.callback_query.register(on_purpose, AdminExportPurposeCb.filter())
    router.callback_query.register(on_format, AdminExportCb.filter())
    router.callback_query.register(on_legacy_format, LegacyExportCb.filter())
    return router
