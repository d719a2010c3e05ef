"""Tables laid out as files: an XLSX workbook (a sheet per table) or CSV (a file per table).

A table holds the values exactly as they were typed; each format keeps them so in its own way.
XLSX stores every string as a string, so "=1+1" or "+7 999" is text there, and marks the ones
Excel would read as a formula with Excel's own quote prefix (the value keeps no apostrophe, and
stays text when someone edits the cell). CSV has no types: a leading apostrophe is the only way
to keep a spreadsheet from running such a cell, so only CSV gets it.

CSV comes in two variants, both UTF-8 with a BOM (without it Excel reads the file in the local
ANSI code page and garbles Cyrillic and Chinese):
- with ";" for Excel with Russian settings, whose list separator is ";": it opens in columns on
  a double click. No "sep=;" line: Excel is reported to take that hint only as the file's
  very first bytes, where the BOM has to be, so the two do not combine reliably (one loses the
  columns or the encoding), and Russian settings need no hint;
- with "," for everything else: Excel with Chinese or English settings, LibreOffice, Google
  Sheets, scripts.
The two get different file names (`-excel-ru.csv`, `-comma.csv`): both may be downloaded.

A workbook's sheets are named in the reader's language (Excel's rules: at most 31 characters,
none of []:*?/\\, unique); a CSV file's suffix is the table's stable English name."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# A cell starting with one of these is taken for a formula by spreadsheet programs
# (CSV/formula injection); tab and carriage return are the same trick in disguise.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Excel refuses a sheet name longer than this, or with one of these characters.
MAX_SHEET_NAME = 31
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")

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
    CSV = "csv"  # "," : any program
    CSV_RU = "csv-ru"  # ";" : Excel with Russian settings

    @property
    def extension(self) -> str:
        return "xlsx" if self is ExportFormat.XLSX else "csv"

    @property
    def delimiter(self) -> str:
        return ";" if self is ExportFormat.CSV_RU else ","

    @property
    def file_tag(self) -> str:
        """What tells the two CSV variants apart in a file name ("" for XLSX)."""
        return {ExportFormat.CSV: "comma", ExportFormat.CSV_RU: "excel-ru"}.get(self, "")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    name: str  # the CSV file's suffix: a stable identifier, not translated
    title: str = ""  # the XLSX sheet's name, in the reader's language (else `name`)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, shown as the text it is (CSV only)."""
    return "'" + text if looks_like_formula(text) else text


async def render_xlsx(tables: Sequence[Table]) -> bytes:
    """One workbook, a sheet per table; written in a worker thread."""
    return await asyncio.to_thread(to_xlsx, *tables)


async def render_csv(table: Table, fmt: ExportFormat) -> bytes:
    return await asyncio.to_thread(to_csv, table, fmt.delimiter)


# --- CSV -------------------------------------------------------------------------------------


def to_csv(table: Table, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([neutralise(header) for header in table.headers])
    writer.writerows([_csv_text(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M}"
    if isinstance(cell, int):
        return str(cell)
    return neutralise(cell)


# --- XLSX ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Formats:
    header: Any
    moment: Any
    text_as_typed: Any  # Excel's quote prefix: shown and kept as text, the value unchanged


def to_xlsx(*tables: Table) -> bytes:
    # Imported at the first export: an idle bot need not hold the library (bench/memory.py).
    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, XLSX_OPTIONS)
    formats = _Formats(
        header=workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        moment=workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        text_as_typed=workbook.add_format({"quote_prefix": True}),
    )
    taken: set[str] = set()
    for table in tables:
        _write_sheet(workbook, table, formats, sheet_name(table, taken))
    workbook.close()
    return buffer.getvalue()


def sheet_name(table: Table, taken: set[str]) -> str:
    """The table's title as Excel accepts it, not one of `taken` (added to it)."""
    cleaned = _NOT_IN_SHEET_NAME.sub(" ", table.title or table.name)
    base = " ".join(cleaned.split()).strip("'")[:MAX_SHEET_NAME] or table.name
    name, number = base, 1
    while name.lower() in taken:  # Excel compares sheet names ignoring case
        number += 1
        suffix = f" ({number})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def _write_sheet(workbook: Any, table: Table, formats: _Formats, name: str) -> None:
    sheet = workbook.add_worksheet(name)
    for column_index, header in enumerate(table.headers):
        sheet.write_string(0, column_index, header, formats.header)
    for row_index, row in enumerate(table.rows, start=1):
        for column_index, cell in enumerate(row):
            _write_cell(sheet, row_index, column_index, cell, formats)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table.rows), len(table.headers) - 1)
    for column_index, width in enumerate(column_widths(table)):
        sheet.set_column(column_index, column_index, width)


def _write_cell(sheet: Any, row: int, column: int, cell: Cell, formats: _Formats) -> None:
    # One typed write per kind of value: nothing goes through write()'s guessing.
    if cell is None:
        return
    if isinstance(cell, datetime):
        sheet.write_datetime(row, column, cell, formats.moment)
    elif isinstance(cell, int):
        sheet.write_number(row, column, cell)
    elif looks_like_formula(cell):
        sheet.write_string(row, column, cell, formats.text_as_typed)
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
