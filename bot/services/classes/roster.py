"""A class roster (список учеников, 学生名单) as a teacher sends it: pasted text, or a .txt, .csv
or .xlsx file with one pupil per row. Pure functions: bytes or text in, a `Roster` out, or a
`RosterError` whose key is a Fluent message (locales/*/roster.ftl) saying which row is wrong and
how to fix it. The conversation is in handlers/classes.py and handlers/class_manage.py.

Row numbers are the ones the teacher sees: the line of the pasted message or text file, the row
of the spreadsheet (the header included). Error arguments are numbers or fixed identifiers,
never text from the file, so they can go into an HTML message as they are."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import PurePath
from typing import Any

from bot.services.registration.form import SPACE_IN_CHINESE

MAX_STUDENTS = 100
MAX_FILE_BYTES = 1_048_576  # 1 MB
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 200
SUPPORTED_EXTENSIONS = (".txt", ".csv", ".tsv", ".xlsx")
PREVIEW_NAMES = 5
# Repeated names listed one by one in a preview; more are counted (a message holds 4096 chars).
PREVIEW_DUPLICATES = 5
# A name longer than this is cut in a preview (never in the list): 100 names of 200 characters
# would not fit in one Telegram message.
PREVIEW_NAME_CHARS = 60

# Beyond this many non-empty rows a file is refused as too many without reading every name.
_MAX_SCAN_ROWS = 10_000
# A header (ФИО, Name, 姓名) may sit under up to two title rows ("Список 5 «А» класса").
_HEADER_SEARCH_ROWS = 3


class RosterError(Exception):
    """The roster was refused; `key` names the Fluent message, `args_` its variables.

    `bad_rows` lists every row with a bad name (the message is about the first one), so a
    handler can add `roster-more-bad-rows` and the teacher fixes them all in one go."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args
        self.bad_rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class Duplicate:
    """A name that occurs more than once; `Roster.names` keeps it once, at its first row."""

    name: str
    rows: tuple[int, ...]  # every row it occurs in, the first (kept) one included


@dataclass(frozen=True)
class Roster:
    """The roster as the bot understood it."""

    names: tuple[str, ...]  # cleaned, in the teacher's order, each once
    rows: tuple[int, ...]  # the row each name came from, parallel to `names`
    duplicates: tuple[Duplicate, ...]
    empty_rows: tuple[int, ...]  # blank rows between names, skipped
    header_rows: tuple[int, ...]  # a header row (ФИО, Name, 姓名) and any title rows above it
    source: str  # "text" (pasted), "txt", "csv", "xlsx"
    encoding: str | None = None  # of a text or CSV file: utf-8, utf-8-sig, utf-16, cp1251...

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def header_skipped(self) -> bool:
        return bool(self.header_rows)

    @property
    def repeated_rows(self) -> int:
        """How many rows were left out as repeats of an earlier one."""
        return sum(len(d.rows) - 1 for d in self.duplicates)

    def first(self, limit: int = PREVIEW_NAMES) -> tuple[str, ...]:
        return self.names[:limit]

    def preview_args(
        self, escape: Callable[[str], str], limit: int = PREVIEW_NAMES
    ) -> dict[str, Any]:
        """Variables for `roster-preview`: the first names numbered, one per line, escaped."""
        lines = [f"{i}. {escape(shown_name(name))}" for i, name in enumerate(self.first(limit), 1)]
        if self.count > limit:
            lines.append("…")
        return {"count": self.count, "first": "\n".join(lines)}

    def preview_notes(
        self, escape: Callable[[str], str], lang: str, limit: int = PREVIEW_DUPLICATES
    ) -> list[tuple[str, dict[str, Any]]]:
        """The lines under the names in a preview, as (Fluent key, variables): the header row
        recognised, each repeated name with its rows, the blank rows by number. The first
        upload and a replacement in /classes show the same ones (handlers/classes.py)."""

        def rows(numbers: Iterable[int]) -> str:
            return format_rows(numbers, lang=lang)

        notes: list[tuple[str, dict[str, Any]]] = []
        if self.header_rows:
            header = self.header_rows
            notes.append(("roster-header-line", {"count": len(header), "rows": rows(header)}))
        for duplicate in self.duplicates[:limit]:
            name = escape(shown_name(duplicate.name))
            notes.append(("roster-duplicate-line", {"name": name, "rows": rows(duplicate.rows)}))
        if len(self.duplicates) > limit:
            notes.append(("roster-more-duplicates", {"count": len(self.duplicates) - limit}))
        if not self.duplicates:
            notes.append(("roster-no-repeats", {}))
        if self.empty_rows:
            empty = self.empty_rows
            notes.append(("roster-empty-rows-line", {"count": len(empty), "rows": rows(empty)}))
        else:
            notes.append(("roster-no-empty-rows", {}))
        return notes


def shown_name(name: str, limit: int = PREVIEW_NAME_CHARS) -> str:
    """A name as a preview shows it: cut with "…" past `limit` characters."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


# A list of numbers takes ", " in Russian and the enumeration comma "、" in Chinese.
_LIST_SEPARATORS = {"ru": ", ", "zh": "、"}


def format_rows(rows: Iterable[int], limit: int = 10, lang: str = "ru") -> str:
    """Row numbers for a message: "3, 7, 12–15" ("3、7、12–15" in Chinese), at most `limit`
    items, then "…"."""
    spans: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if spans and row == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], row)
        else:
            spans.append((row, row))
    items: list[str] = []
    for a, b in spans:
        items += [str(a)] if a == b else [str(a), str(b)] if b == a + 1 else [f"{a}–{b}"]
    separator = _LIST_SEPARATORS.get(lang, ", ")
    return separator.join(items[:limit] + (["…"] if len(items) > limit else []))


# --- entry points -------------------------------------------------------------------------


def parse_roster_text(text: str) -> Roster:
    """A roster pasted in the chat: one name per line."""
    lines = text.splitlines()
    _refuse_huge(sum(1 for line in lines if line.strip()))
    return _build_roster(_text_rows(lines), source="text", encoding=None)


def check_roster_file(filename: str, size: int | None) -> str:
    """Refuse a document before downloading it; returns its extension (".csv")."""
    extension = file_extension(filename)
    if extension not in SUPPORTED_EXTENSIONS:
        raise RosterError("roster-unsupported-type", extension=extension or "none")
    if size is not None and size > MAX_FILE_BYTES:
        raise RosterError(
            "roster-file-too-large", size_kb=-(-size // 1024), max_kb=MAX_FILE_BYTES // 1024
        )
    return extension


def parse_roster_file(filename: str, data: bytes) -> Roster:
    """A roster sent as a document: .txt (one name per line), .csv/.tsv or .xlsx."""
    extension = check_roster_file(filename, len(data))
    if not data.strip():
        raise RosterError("roster-empty")
    if extension == ".xlsx":
        return _build_roster(_xlsx_rows(data), source="xlsx", encoding=None)
    text, encoding = decode_text(data)
    if extension == ".txt":
        lines = text.splitlines()
        _refuse_huge(sum(1 for line in lines if line.strip()))
        return _build_roster(_text_rows(lines), source="txt", encoding=encoding)
    return _build_roster(_csv_rows(text, tsv=extension == ".tsv"), source="csv", encoding=encoding)


def file_extension(filename: str) -> str:
    """The extension, lowercased (".xlsx" for "Список 5А.XLSX"), letters and digits only so
    that it is safe to show; "" when there is none."""
    suffix = PurePath(filename.strip()).suffix.lower()
    cleaned = "".join(ch for ch in suffix[1:] if ch.isascii() and ch.isalnum())[:10]
    return f".{cleaned}" if cleaned else ""


# --- names --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
# "1. ", "1) ", "1.", "№1 ", "№ 12 - ", "1、" (Chinese lists), "１．" (full-width), "3 " (a number
# column pasted from a spreadsheet): never part of a name.
_NUMBERING = re.compile(r"(?:№\s*)?\d{1,4}(?:\s*[.)\]:、．）]|\s*[-–—](?=\s)|(?=\s))\s*")
# A numbered slot left blank: "25.", "25)", "№7". A bare "25" is not: it is refused as digits.
_NUMBER_ONLY = re.compile(r"(?:№\s*)?\d{1,4}\s*[.)\]:、．）]|№\s*\d{1,4}")
_BULLET = re.compile(r"[-–—•·*▪●◦‣○■□►✓✔]\s*")
_QUOTES = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“", "”": "”", "‘": "’", "「": "」"}


def clean_name(raw: str) -> str:
    """NFC, one line, without list numbering, bullets or surrounding quotes.

    Returns "" for a blank line or a numbered slot with no name ("25.")."""
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", raw).translate(_INVISIBLE)).strip()
    previous = None
    while value != previous:
        previous = value
        if _NUMBER_ONLY.fullmatch(value):
            return ""
        value = _strip_quotes(value)
        value = _strip_prefix(_BULLET, value)
        value = _strip_prefix(_NUMBERING, value)
        value = value.rstrip(",;").strip()
    return SPACE_IN_CHINESE.sub("", value)


def _strip_prefix(pattern: re.Pattern[str], value: str) -> str:
    match = pattern.match(value)
    if match and match.end() < len(value):
        return value[match.end() :].strip()
    return value


def _strip_quotes(value: str) -> str:
    if len(value) >= 2 and _QUOTES.get(value[0]) == value[-1]:
        return value[1:-1].strip()
    return value


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def name_problem(name: str, row: int) -> RosterError | None:
    """Why a cleaned, non-empty name is not acceptable, or None."""
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return RosterError("roster-bad-row", row=row, reason="control")
    if len(name) < NAME_MIN_LENGTH:
        return RosterError("roster-name-too-short", row=row, min=NAME_MIN_LENGTH)
    if len(name) > NAME_MAX_LENGTH:
        return RosterError("roster-name-too-long", row=row, max=NAME_MAX_LENGTH)
    has_digit = any(ch.isdigit() for ch in name)
    if not _has_letter(name):
        reason = "digits-only" if has_digit else "no-letters"
        return RosterError("roster-bad-row", row=row, reason=reason)
    if has_digit:
        # As in the registration form: a certificate name has no digits; a class ("5А"), a date
        # of birth or a number left in the cell is a mistake the teacher should see.
        return RosterError("roster-bad-row", row=row, reason="digits")
    return None


# --- headers ------------------------------------------------------------------------------

_FULL_NAME_HEADERS = frozenset(
    {
        # Russian (ё folded to е)
        "фио", "ф и о", "фамилия имя отчество", "фамилия имя", "имя фамилия", "фамилия и имя",
        "имя и фамилия", "фамилия имя и отчество", "полное имя", "фио ученика",
        "фио учащегося", "фио обучающегося", "фио участника", "фио ребенка", "имя ученика",
        "фамилия и имя ученика", "ученик", "ученики", "учащийся", "учащиеся", "обучающийся",
        "обучающиеся", "участник", "участники", "список", "список учеников", "список класса",
        # English
        "name", "names", "full name", "fullname", "student", "students", "student name",
        "pupil", "pupils", "pupil name", "participant", "participants", "name surname",
        "surname name", "first and last name", "last name first name", "first name last name",
        # Chinese
        "姓名", "学生姓名", "名字", "学生", "学生名单", "名单", "学员", "学员姓名", "参会者",
        "参会者姓名", "学生名字",
    }
)  # fmt: skip
_SURNAME_HEADERS = frozenset({"фамилия", "last name", "lastname", "surname", "family name", "姓"})
_GIVEN_NAME_HEADERS = frozenset({"имя", "first name", "firstname", "given name", "名"})
_PATRONYMIC_HEADERS = frozenset({"отчество", "middle name", "patronymic"})
_PART_HEADERS = _SURNAME_HEADERS | _GIVEN_NAME_HEADERS | _PATRONYMIC_HEADERS
# Words of a numbering column's header: "№", "№ п/п", "No.", "序号".
_NUMBER_HEADER_WORDS = frozenset({"№", "#", "n", "no", "nr", "номер", "п", "序号", "编号"})
# A header that only starts with the name words: "ФИО ученика (полностью)", "姓名（拼音）".
_FULL_NAME_HEADER_STARTS = frozenset({"фио", "姓名", "学生姓名"})
_HEADER_PUNCTUATION = re.compile(r"[.,;:*/\\_()\[\]\"'«»“”（）：，-]")


def _header_words(cell: object) -> list[str] | None:
    if not isinstance(cell, str):
        return None
    text = unicodedata.normalize("NFC", cell).casefold().replace("ё", "е")
    words = _HEADER_PUNCTUATION.sub(" ", text).split()
    while words and words[0] in _NUMBER_HEADER_WORDS:
        words.pop(0)
    return words


def _header_kind(cell: object) -> str | None:
    """Whether a header cell names the full name (ФИО, Name, 姓名: "full") or a part of it
    (Фамилия, Имя, Отчество, 姓, 名: "part"); None otherwise."""
    words = _header_words(cell)
    if not words:
        return None
    text = " ".join(words)
    if text in _FULL_NAME_HEADERS or words[0] in _FULL_NAME_HEADER_STARTS:
        return "full"
    if text in _PART_HEADERS:
        return "part"
    return None


def _name_columns_from_header(cells: Sequence[object]) -> tuple[int, ...] | None:
    """The column(s) a header row names: the full-name one, else Фамилия + Имя + Отчество."""
    kinds = [_header_kind(cell) for cell in cells]
    if "full" in kinds:
        return (kinds.index("full"),)
    parts = tuple(i for i, kind in enumerate(kinds) if kind == "part")
    return parts or None


def _is_title(cells: Sequence[object]) -> bool:
    """A lone first line such as "Список 5 «А» класса:"."""
    present = [cell for cell in cells if _present(cell)]
    return len(present) == 1 and isinstance(present[0], str) and present[0].strip().endswith(":")


# --- rows ---------------------------------------------------------------------------------

_Row = tuple[int, list[object]]  # row number (1-based, as the teacher sees it), cells


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _single_column(lines: Sequence[str]) -> list[_Row]:
    return [(number, [line]) for number, line in enumerate(lines, 1)]


def _text_rows(lines: Sequence[str]) -> list[_Row]:
    """One name a line; but columns separated by tabs (Excel's "Text (tab delimited)", cells
    copied from a table) when a header names them: "№ <tab> ФИО <tab> Класс". Without such a
    header the tabs are spaces, so "Иванов <tab> Иван" stays one name."""
    if any("\t" in line for line in lines):
        columns: list[_Row] = [(n, list(line.split("\t"))) for n, line in enumerate(lines, 1)]
        nonempty = [row for row in columns if any(_present(cell) for cell in row[1])]
        if nonempty and _find_header(nonempty)[1] is not None:
            return columns
    return _single_column(lines)


def _refuse_huge(nonempty_rows: int) -> None:
    if nonempty_rows > _MAX_SCAN_ROWS:
        raise RosterError("roster-too-many", count=nonempty_rows, max=MAX_STUDENTS)


def _build_roster(rows: list[_Row], source: str, encoding: str | None) -> Roster:
    nonempty = [row for row in rows if any(_present(cell) for cell in row[1])]
    if not nonempty:
        raise RosterError("roster-empty")
    header_rows, columns = _find_header(nonempty)
    data = [row for row in rows if row[0] > (header_rows[-1] if header_rows else 0)]
    if columns is None:
        columns = _guess_name_column(data)

    entries: list[tuple[int, str]] = []
    blanks: list[int] = []
    errors: list[RosterError] = []
    for number, cells in data:
        try:
            name = _name_from_cells(cells, columns, number)
        except RosterError as error:
            errors.append(error)
            continue
        if name:
            entries.append((number, name))
        else:
            blanks.append(number)

    names, rows_of_names, duplicates = _without_repeats(entries)
    distinct = len(names) + len(errors)
    if distinct > MAX_STUDENTS:
        raise RosterError("roster-too-many", count=distinct, max=MAX_STUDENTS)
    if errors:
        first = errors[0]
        first.bad_rows = tuple(error.args_["row"] for error in errors)
        raise first
    if not names:
        raise RosterError("roster-empty")
    # Only blank rows inside the list are worth mentioning, not those after the last name.
    first_row = nonempty[0][0]
    last_row = entries[-1][0]  # a repeat may come last
    return Roster(
        names=names,
        rows=rows_of_names,
        duplicates=duplicates,
        empty_rows=tuple(n for n in blanks if first_row < n < last_row),
        header_rows=header_rows,
        source=source,
        encoding=encoding,
    )


def _find_header(nonempty: list[_Row]) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """Rows to skip as header/title, and the name columns the header names (None: guess)."""
    for index, (_, cells) in enumerate(nonempty[:_HEADER_SEARCH_ROWS]):
        columns = _name_columns_from_header(cells)
        if columns is not None:
            return tuple(number for number, _ in nonempty[: index + 1]), columns
    if _is_title(nonempty[0][1]):
        return (nonempty[0][0],), None
    return (), None


def _guess_name_column(data: list[_Row]) -> tuple[int, ...]:
    """No header: the first column with letters in it (not a numbering column), else the
    first non-empty one."""
    width = max((len(cells) for _, cells in data), default=0)
    for wanted in (_has_letters_in_text, _present):
        for column in range(width):
            if any(column < len(cells) and wanted(cells[column]) for _, cells in data):
                return (column,)
    return (0,)


def _has_letters_in_text(cell: object) -> bool:
    return isinstance(cell, str) and _has_letter(cell)


def _name_from_cells(cells: Sequence[object], columns: Sequence[int], row: int) -> str:
    parts: list[str] = []
    for column in columns:
        cell = cells[column] if column < len(cells) else None
        if not _present(cell):
            continue
        if not isinstance(cell, str):
            raise RosterError("roster-bad-row", row=row, reason=_reason_for_value(cell))
        part = clean_name(cell)
        if part:
            parts.append(part)
    name = _join_name_parts(parts)
    if name and (problem := name_problem(name, row)) is not None:
        raise problem
    return name


def _reason_for_value(value: object) -> str:
    if isinstance(value, bool):
        return "not-text"
    if isinstance(value, date | time | timedelta):
        return "date"
    if isinstance(value, int | float):
        return "number"
    return "not-text"


def _is_cjk(ch: str) -> bool:
    return (
        "\u3400" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003ffff"
    )


def _join_name_parts(parts: Sequence[str]) -> str:
    """Фамилия + Имя with a space; 姓 + 名 without one (张 + 伟 = 张伟)."""
    joined = ""
    for part in parts:
        if joined and not (_is_cjk(joined[-1]) and _is_cjk(part[0])):
            joined += " "
        joined += part
    return joined


def _without_repeats(
    entries: list[tuple[int, str]],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[Duplicate, ...]]:
    # Case-insensitive, as ClassService.add_students compares names.
    first_of: dict[str, int] = {}
    occurrences: dict[str, list[int]] = {}
    names: list[str] = []
    rows: list[int] = []
    for row, name in entries:
        key = name.casefold()
        occurrences.setdefault(key, []).append(row)
        if key not in first_of:
            first_of[key] = len(names)
            names.append(name)
            rows.append(row)
    duplicates = tuple(
        Duplicate(name=names[first_of[key]], rows=tuple(found))
        for key, found in occurrences.items()
        if len(found) > 1
    )
    return tuple(names), tuple(rows), duplicates


# --- text files ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Pictures, PDFs, Word and Excel files (zip or the old binary format), archives.
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"RIFF",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"II*\x00",
    b"MM\x00*",
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85")
_PLAUSIBLE = 0.8


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding of a .txt/.csv file: a BOM (UTF-8, UTF-16, UTF-32) decides; else UTF-8;
    else whichever of cp1251 (Russian Windows) and GB18030 (a superset of GBK, Chinese Windows)
    gives plausible names."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise RosterError("roster-bad-encoding") from None
            return _checked_text(text.lstrip("\ufeff")), encoding
    if b"\x00" in data or data.startswith(_BINARY_SIGNATURES):
        raise RosterError("roster-binary")
    try:
        return _checked_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    cyrillic = data.decode("cp1251", errors="replace")
    chinese = data.decode("gb18030", errors="replace")
    cyrillic_score = _plausibility(cyrillic, _looks_russian)
    chinese_score = _plausibility(chinese, _looks_chinese)
    # Ties go to cp1251: a lone surname in cp1251 can pass for two ideographs, while Chinese
    # read as cp1251 turns into mixed-case Cyrillic with symbols that never passes for Russian.
    if cyrillic_score >= max(chinese_score, _PLAUSIBLE):
        return _checked_text(cyrillic), "cp1251"
    if chinese_score >= _PLAUSIBLE:
        return _checked_text(chinese), "gb18030"
    raise RosterError("roster-bad-encoding")


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise RosterError("roster-binary")
    controls = sum(
        1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS
    )
    if controls > max(2, len(text) // 200):
        raise RosterError("roster-binary")
    return text.rstrip("\x1a")  # the DOS end-of-file mark


def _plausibility(text: str, looks_right: Callable[[str], bool]) -> float:
    """Share of the lines with non-ASCII characters that look like names in the language."""
    lines = [line for line in text.splitlines() if not line.isascii()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if looks_right(line)) / len(lines)


_RU_UPPER = "А-ЯЁІЇЄҐЎ"
_RU_LOWER = "а-яёіїєґў"
_RU_PART = f"(?:[{_RU_UPPER}]?[{_RU_LOWER}]+|[{_RU_UPPER}]+)"
_RU_WORD = re.compile(f"(?:{_RU_PART}(?:[-'’]{_RU_PART})*\\.?|(?:[{_RU_UPPER}]\\.)+[{_RU_UPPER}]?)")
_TOKEN_SEPARATORS = re.compile(r"[\s,;|]+")  # CSV delimiters included
_WORD_EDGE = "\"'«»„“”()[],;:–—…*•·"


def _looks_russian(line: str) -> bool:
    """Every word with a non-ASCII letter is a Russian-cased Cyrillic word ("Иванов", "ПЕТРОВ",
    "Петров-Водкин", "И.И."); Chinese read as cp1251 gives "ХЕО°", "Нх·ј"."""
    if "\ufffd" in line:
        return False
    words = 0
    for token in _TOKEN_SEPARATORS.split(line):
        word = token.strip(_WORD_EDGE + "0123456789")  # "5А", "1."
        if word.isascii() or not _has_letter(word):
            continue  # Latin names, numbering, "№"
        if not _RU_WORD.fullmatch(word):
            return False
        words += 1
    return words > 0


_CJK_MARKS = frozenset("·•、，。（）《》：；“”‘’…—\u3000")


def _looks_chinese(line: str) -> bool:
    """Ideographs, CJK punctuation and ASCII only, and not several multi-character groups
    separated by spaces: "王 芳" (padding) is Chinese, Russian "Иванов Иван" read as GB18030
    ("肉囗钼 肉囗") is not. Odd-length Russian words leave U+FFFD, refused here too."""
    if not any(_is_cjk(ch) for ch in line):
        return False
    if not all(
        ch.isascii() or _is_cjk(ch) or ch in _CJK_MARKS or "\uff01" <= ch <= "\uff5e" for ch in line
    ):
        return False
    groups = [word for word in line.split() if any(_is_cjk(ch) for ch in word)]
    return sum(1 for word in groups if len(word) >= 2) < 2


def _csv_rows(text: str, tsv: bool) -> list[_Row]:
    lines = text.splitlines()
    delimiter: str | None = "\t" if tsv else None
    if lines and (sep := re.fullmatch(r"\s*sep=(.)\s*", lines[0])):
        # Excel's hint on the first line; Excel does not show it as a row, so neither do we.
        delimiter = sep.group(1)
        lines = lines[1:]
    _refuse_huge(sum(1 for line in lines if line.strip()))
    delimiter = delimiter or _sniff_delimiter(lines)
    if delimiter is None:
        return _single_column(lines)
    rows: list[_Row] = []
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, 1):
            rows.append((number, list(cells)))
    except csv.Error:
        raise RosterError("roster-bad-row", row=len(rows) + 1, reason="csv") from None
    return rows


def _sniff_delimiter(lines: Sequence[str]) -> str | None:
    """The delimiter that splits most lines into the same number (>1) of columns."""
    sample = [line for line in lines if line.strip()][:50]
    if not sample:
        return None
    best: str | None = None
    best_score = 0.0
    for delimiter in ("\t", ";", ","):
        widths = [len(next(csv.reader([line], delimiter=delimiter), [])) for line in sample]
        common = max(set(widths), key=widths.count)
        score = widths.count(common) / len(sample) if common > 1 else 0.0
        if score > best_score:
            best, best_score = delimiter, score
    return best if best_score >= 0.5 else None


# --- spreadsheets -------------------------------------------------------------------------

# Rows read from a worksheet at most: a roster does not start below row 100,000, and a 1 MB
# workbook of empty formatted rows should not keep the bot busy.
_MAX_SHEET_ROWS = 100_000


def _xlsx_rows(data: bytes) -> list[_Row]:
    """The first worksheet, values only (a formula's last computed value)."""
    import openpyxl  # type: ignore[import-untyped]  # imported only when a workbook comes

    if not data.startswith(b"PK\x03\x04"):
        raise RosterError("roster-bad-xlsx")
    rows: list[_Row] = []
    nonempty = 0
    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style", unknown extensions: not the teacher's concern.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise RosterError("roster-empty")
                sheet = workbook.worksheets[0]
                # Some programs write a wrong sheet size; read the rows that are really there.
                sheet.reset_dimensions()
                for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                    cells = list(values)
                    if any(_present(cell) for cell in cells):
                        nonempty += 1
                    rows.append((number, cells))
                    if number >= _MAX_SHEET_ROWS:
                        break
            finally:
                workbook.close()
    except RosterError:
        raise
    except Exception:  # a damaged zip or XML: zipfile, KeyError, ValueError, lxml errors...
        raise RosterError("roster-bad-xlsx") from None
    _refuse_huge(nonempty)
    return rows
