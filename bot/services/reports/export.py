"""The participants of one event as a file for the organizers: XLSX or CSV (UTF-8 with BOM).

`build_table` decides what goes into the file (headers in the organizer's language, one row per
registration, cells made safe); the writers only lay the table out in their format. Both run on
plain values, so the writing can go to a worker thread away from the database session."""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.events.timefmt import MOSCOW
from bot.services.registration.countries import country_label
from db.models import Registration

# Sheet names are stable identifiers that scripts may rely on, never translated.
PARTICIPANTS_SHEET = "participants"

# A cell starting with one of these is taken for a formula by spreadsheet programs
# (CSV/formula injection); tab and carriage return are the same trick in disguise.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

MIN_WIDTH, MAX_WIDTH = 8, 50
DATETIME_WIDTH = 17
XLSX_OPTIONS = {
    "in_memory": True,
    # Every string stays a string: nothing a participant typed becomes a formula, a link or
    # a number (a phone number would lose its "+" and leading zeros).
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

Cell = str | int | datetime | None


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class Column:
    header_key: str  # Fluent message with the column's name
    value: Callable[[Registration, Translator], Cell]
    personal: bool = False  # blank for a registration whose person erased their data


def _moscow(moment: datetime | None) -> datetime | None:
    """Moscow wall time without an offset: spreadsheets have no time zones."""
    return moment.astimezone(MOSCOW).replace(tzinfo=None) if moment else None


def _status(reg: Registration, t: Translator) -> str:
    return t("report-status", status="erased" if reg.erased_at else reg.status)


def _role(reg: Registration, t: Translator) -> str:
    key = f"role-{reg.role}"
    return t(key) if t.has(key) else reg.role


def _reachable(reg: Registration, t: Translator) -> str:
    """The channels the person can be reached by: their Telegram chat, their address."""
    channels = "-".join(
        name for name, present in (("telegram", reg.user_id), ("email", reg.email)) if present
    )
    return t("report-reachable", channels=channels or "none")


def _email_confirmed(reg: Registration, t: Translator) -> Cell:
    """When the address was confirmed (Moscow time); "no" for an address not confirmed."""
    if reg.email is None:
        return None
    return _moscow(reg.email_confirmed_at) or t("answer-no")


def _email_bounced(reg: Registration, t: Translator) -> str | None:
    """When the mail server refused the address for good, and what it said."""
    moment = _moscow(reg.email_bounced_at)
    if moment is None:
        return None
    return t("export-email-bounced", date=f"{moment:%Y-%m-%d %H:%M}", reason=reg.email_error or "")


def _speaker_status(reg: Registration, t: Translator) -> str | None:
    if not reg.speaker_status:
        return None
    return t("report-speaker-status", status=reg.speaker_status)


COLUMNS: tuple[Column, ...] = (
    Column("export-col-id", lambda r, t: r.id),
    Column("export-col-status", _status),
    Column("export-col-full-name", lambda r, t: r.full_name, personal=True),
    Column("export-col-country", lambda r, t: country_label(t, r.country), personal=True),
    Column("export-col-city", lambda r, t: r.city, personal=True),
    Column("export-col-organization", lambda r, t: r.organization, personal=True),
    Column("export-col-role", _role),
    Column("export-col-format", lambda r, t: t("report-format", format=r.participation_format)),
    Column(
        "export-col-wants-to-speak",
        lambda r, t: t("answer-yes") if r.wants_to_speak else t("answer-no"),
    ),
    Column("export-col-talk-topic", lambda r, t: r.talk_topic, personal=True),
    Column("export-col-speaker-status", _speaker_status),
    Column("export-col-email", lambda r, t: r.email, personal=True),
    Column("export-col-phone", lambda r, t: r.phone, personal=True),
    Column("export-col-language", lambda r, t: t("report-language", lang=r.language)),
    Column("export-col-registered-at", lambda r, t: _moscow(r.created_at)),
    Column("export-col-consent-at", lambda r, t: _moscow(r.consent_at)),
    Column("export-col-consent-version", lambda r, t: r.consent_version),
    Column("export-col-telegram-id", lambda r, t: r.user_id, personal=True),
    Column("export-col-source", lambda r, t: t("report-source", source=r.source)),
    Column("export-col-reachable", _reachable),
    Column("export-col-email-confirmed", _email_confirmed),
    # The server's answer may quote the address: personal.
    Column("export-col-email-bounced", _email_bounced, personal=True),
    Column("export-col-deliver-via", lambda r, t: t("report-deliver-via", via=r.deliver_via)),
)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    name: str = PARTICIPANTS_SHEET  # the XLSX sheet; a stable identifier, not translated


async def event_registrations(session: AsyncSession, event_id: int) -> Sequence[Registration]:
    """Every registration of the event, cancelled and erased ones included, oldest first."""
    result = await session.scalars(
        select(Registration).where(Registration.event_id == event_id).order_by(Registration.id)
    )
    return result.all()


def build_table(t: Translator, registrations: Sequence[Registration]) -> Table:
    return Table(
        headers=[t(column.header_key) for column in COLUMNS],
        rows=[_row(t, reg) for reg in registrations],
    )


def _row(t: Translator, reg: Registration) -> list[Cell]:
    # The erasure already blanked these in the database; checked again here so that a column
    # added later can never bring an erased person's data back into a file.
    erased = reg.erased_at is not None
    return [
        None if column.personal and erased else safe_cell(column.value(reg, t))
        for column in COLUMNS
    ]


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, shown as the text it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Cell) -> Cell:
    return neutralise(value) if isinstance(value, str) else value


async def render(table: Table, fmt: ExportFormat, *more: Table) -> bytes:
    """One file: a CSV of `table`, or a workbook with a sheet for it and each of `more`."""
    if fmt is ExportFormat.XLSX:
        return await asyncio.to_thread(to_xlsx, table, *more)
    return await asyncio.to_thread(to_csv, table)


def file_name(slug: str, fmt: ExportFormat, now: datetime, what: str = PARTICIPANTS_SHEET) -> str:
    return f"{slug}-{what}-{now.astimezone(MOSCOW):%Y-%m-%d-%H%M}.{fmt.value}"


# --- CSV -------------------------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM: without it Excel reads the file as the local ANSI code page and
    Cyrillic and Chinese come out garbled."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_csv_text(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M}"
    return str(cell)


# --- XLSX ------------------------------------------------------------------------------------


def to_xlsx(table: Table, *more: Table) -> bytes:
    # Imported at the first export: an idle bot need not hold the library (bench/memory.py).
    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, XLSX_OPTIONS)
    header_format = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    moment_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for sheet_table in (table, *more):
        _write_sheet(workbook, sheet_table, header_format, moment_format)
    workbook.close()
    return buffer.getvalue()


def _write_sheet(workbook: Any, table: Table, header_format: Any, moment_format: Any) -> None:
    sheet = workbook.add_worksheet(table.name)
    sheet.write_row(0, 0, table.headers, header_format)
    for row_index, row in enumerate(table.rows, start=1):
        for column_index, cell in enumerate(row):
            _write_cell(sheet, row_index, column_index, cell, moment_format)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table.rows), len(table.headers) - 1)
    for column_index, width in enumerate(column_widths(table)):
        sheet.set_column(column_index, column_index, width)


def _write_cell(sheet: Any, row: int, column: int, cell: Cell, moment_format: Any) -> None:
    # One typed write per kind of value: nothing goes through write()'s guessing.
    if cell is None:
        return
    if isinstance(cell, datetime):
        sheet.write_datetime(row, column, cell, moment_format)
    elif isinstance(cell, int):
        sheet.write_number(row, column, cell)
    else:
        sheet.write_string(row, column, cell)


def column_widths(table: Table) -> list[int]:
    """Wide enough for the longest value (CJK characters take two places), within limits; the
    header wraps, so it only sets the minimum."""
    widths = []
    for index, header in enumerate(table.headers):
        longest = max((_display_width(row[index]) for row in table.rows), default=0)
        header_share = min(_display_width(header), 20)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(longest, header_share) + 2)))
    return widths


def _display_width(cell: Cell) -> int:
    if cell is None:
        return 0
    if isinstance(cell, datetime):
        return DATETIME_WIDTH
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(cell))
