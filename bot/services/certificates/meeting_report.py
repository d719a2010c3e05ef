"""The participant report of a VooV Meeting / Tencent Meeting (腾讯会议) session, as organizers
export it ("参会成员明细" / "Participant details"): an .xlsx workbook or a .csv file.

Pure functions: bytes in, a `MeetingReport` out, or a `ReportError` whose key is a Fluent message
(locales/*/admin_attendance.ftl). Nothing here knows about Telegram or the database.

What is read (README, "Attendance imported from the meeting"):
- the header row is found under any title rows (meeting topic, meeting ID, time): the first row,
  within the first 30, that names a participant column and either join and leave times or a
  duration. Headers are recognised in Chinese, English and Russian, with or without units or
  notes in brackets: 用户昵称 / 入会昵称 / 参会者 / 姓名 / Name / Participant; 邮箱 / Email;
  手机号 / 电话 / Phone; 入会时间 / 首次入会时间 / Join time; 退会时间 / 最后退会时间 /
  Leave time; 参会时长 / 累计参会时长 / Duration. Other columns (序号, 用户角色, 终端, IP…) are
  ignored.
- Times without an offset are local to the account that exported the report: Beijing time
  (UTC+8) unless the title rows or the headers say otherwise ("UTC+03:00", "GMT+3", "北京时间",
  "московское время"). A time with an offset keeps it.
- A workbook's sheets are all looked at: a detail sheet (one row per join) wins over a summary
  (first join, last leave, total duration), which wins over durations alone.
- A person may appear on several rows (rejoined, or two devices): `attendees` groups the rows by
  e-mail, else phone, else name, and `Presence` merges overlapping intervals and clips them to
  the event's times."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from bot.services.events.timefmt import BEIJING, MOSCOW
from db.search_keys import name_key

MAX_FILE_BYTES = 5 * 1024 * 1024
SUPPORTED_EXTENSIONS = (".xlsx", ".csv")
# Rows read at most: a meeting of 2,000 people who each rejoined a few times fits easily.
MAX_ROWS = 50_000
_HEADER_SEARCH_ROWS = 30


class ReportError(Exception):
    """The report was refused; `key` names the Fluent message, `args_` its variables (numbers
    and fixed identifiers only, never text from the file)."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


class Column(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    JOIN = "join"
    LEAVE = "leave"
    DURATION = "duration"


@dataclass(frozen=True)
class ReportRow:
    row: int  # as the organizer sees it in Excel (the header and title rows counted)
    name: str
    email: str | None
    phone: str | None
    join: datetime | None  # aware
    leave: datetime | None  # aware; None: still in the meeting when the report was made
    duration: timedelta | None


@dataclass(frozen=True)
class MeetingReport:
    rows: tuple[ReportRow, ...]
    columns: tuple[Column, ...]  # the columns found, in the file's order
    zone: tzinfo  # what times without an offset were read in
    zone_from_file: bool  # the file named it; else Beijing time was assumed
    unreadable_rows: tuple[int, ...] = ()  # a name but no time or duration that could be read


# --- entry points -------------------------------------------------------------------------


def file_extension(filename: str) -> str:
    """The extension, lowercased, letters and digits only (safe to show); "" if none."""
    suffix = PurePath(filename.strip()).suffix.lower()
    cleaned = "".join(ch for ch in suffix[1:] if ch.isascii() and ch.isalnum())[:10]
    return f".{cleaned}" if cleaned else ""


def check_report_file(filename: str, size: int | None) -> str:
    """Refuse a document before downloading it; returns its extension."""
    extension = file_extension(filename)
    if extension == ".xls":
        raise ReportError("admin-att-old-xls")
    if extension not in SUPPORTED_EXTENSIONS:
        raise ReportError("admin-att-unsupported-type", extension=extension or "—")
    if size is not None and size > MAX_FILE_BYTES:
        raise ReportError("admin-att-too-large", size=-(-size // (1024 * 1024)), max_mb=_max_mb())
    return extension


def _max_mb() -> int:
    return MAX_FILE_BYTES // (1024 * 1024)


def parse_report(filename: str, data: bytes, *, event_start: datetime) -> MeetingReport:
    """The report's rows. `event_start` gives the date of a time written without one."""
    check_report_file(filename, len(data))
    if not data.strip():
        raise ReportError("admin-att-empty")
    if data.startswith(b"PK\x03\x04"):  # a workbook, whatever its name says
        tables = _xlsx_tables(data)
    elif file_extension(filename) == ".xlsx":
        raise ReportError("admin-att-bad-xlsx")
    else:
        tables = [_csv_table(text) for text in _decodings(data)]
    best = _best_table(tables)
    if best is None:
        if not any(any(_present(c) for c in row) for table in tables for row in table):
            raise ReportError("admin-att-empty")
        raise ReportError("admin-att-no-header")
    table, header_index, columns = best
    return _read_rows(table, header_index, columns, event_start)


# --- tables -------------------------------------------------------------------------------

Table = list[list[Any]]


def _present(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def _xlsx_tables(data: bytes) -> list[Table]:
    """Every worksheet, values only (a formula's last computed value)."""
    import openpyxl  # type: ignore[import-untyped]  # imported only when a workbook comes

    tables: list[Table] = []
    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style", unknown extensions: not the organizer's concern.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    sheet.reset_dimensions()  # some programs write a wrong sheet size
                    table: Table = []
                    for values in sheet.iter_rows(values_only=True):
                        table.append(list(values))
                        if len(table) >= MAX_ROWS:
                            break
                    tables.append(table)
            finally:
                workbook.close()
    except Exception:  # a damaged zip or XML: zipfile, KeyError, ValueError, lxml errors...
        raise ReportError("admin-att-bad-xlsx") from None
    return tables


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decodings(data: bytes) -> list[str]:
    """The text of a CSV file in each encoding it may be in, the likeliest first: the one a
    BOM names; else UTF-8; else GB18030 (a superset of GBK: Excel on Chinese Windows saves CSV
    so) and cp1251 (Russian Windows), ordered by how much the names look like names."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return [data.decode(encoding).lstrip("\ufeff")]
            except UnicodeDecodeError:
                raise ReportError("admin-att-bad-encoding") from None
    if b"\x00" in data[:4096]:
        raise ReportError("admin-att-bad-encoding")
    try:
        return [data.decode("utf-8")]
    except UnicodeDecodeError:
        pass
    texts = []
    for encoding in ("gb18030", "cp1251"):
        try:
            texts.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not texts:
        raise ReportError("admin-att-bad-encoding")
    # Stable: on a tie GB18030 stays first (the report comes from a Chinese product).
    return sorted(texts, key=_name_plausibility, reverse=True)


_CJK = "\u3400-\u9fff\uf900-\ufaff"
_NAME_WORD = re.compile(
    rf"(?:[{_CJK}·]+|[A-Za-zА-ЯЁа-яё]?[a-zа-яё]+(?:[-'][A-Za-zА-ЯЁа-яё][a-zа-яё]*)*\.?"
    r"|[A-ZА-ЯЁ]+\.?|[\x21-\x7e]+)"
)


def _name_plausibility(text: str) -> float:
    """Share of the lines with non-ASCII text whose words look like words of names: Chinese
    read as cp1251 gives "Сэ№ъ", Russian read as GB18030 gives several ideograph groups split by
    spaces, which a Chinese name never has."""
    lines = [line for line in text.splitlines()[:500] if not line.isascii()]
    if not lines:
        return 0.0
    good = 0
    for line in lines:
        cells = [cell.strip() for cell in re.split(r"[,;\t]", line) if not cell.isascii()]
        if cells and all(_looks_like_name(cell) for cell in cells):
            good += 1
    return good / len(lines)


def _looks_like_name(cell: str) -> bool:
    words = cell.split()
    hanzi_groups = sum(1 for word in words if re.fullmatch(f"[{_CJK}]{{2,}}", word))
    if hanzi_groups >= 2:
        return False
    return all(_NAME_WORD.fullmatch(word.strip("\"'()（）:：")) for word in words)


def _csv_table(text: str) -> Table:
    lines = text.splitlines()
    delimiter: str | None = None
    if lines and (sep := re.fullmatch(r"\s*sep=(.)\s*", lines[0])):
        delimiter = sep.group(1)  # Excel's hint on the first line
        lines = lines[1:]
    lines = lines[:MAX_ROWS]
    delimiter = delimiter or _sniff_delimiter(lines)
    try:
        return [
            list(cells) for cells in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        ]
    except csv.Error:
        raise ReportError("admin-att-bad-csv") from None


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter that splits most lines into the same number (>1) of columns. Title rows
    have one cell each, so the header and data decide."""
    sample = [line for line in lines if line.strip()][:60]
    best, best_score = ",", 0.0
    for delimiter in (",", "\t", ";"):
        widths = [len(next(csv.reader([line], delimiter=delimiter), [])) for line in sample]
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        common = max(set(wide), key=wide.count)
        score = wide.count(common) / len(sample)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- the header ----------------------------------------------------------------------------

# Exact header names (folded: see _fold), then roots a header may contain.
_EXACT: dict[Column, tuple[str, ...]] = {
    Column.NAME: (
        "用户昵称", "入会昵称", "昵称", "参会者", "参会人", "参会成员", "成员", "成员名称",
        "姓名", "名称", "用户名", "用户", "name", "username", "participant", "participants",
        "nickname", "displayname", "attendee", "имя", "фио", "участник", "пользователь",
    ),
    Column.EMAIL: ("邮箱", "电子邮箱", "邮件", "email", "e-mail", "mail", "почта"),
    Column.PHONE: ("手机号", "手机号码", "手机", "电话", "电话号码", "联系电话", "phone",
                   "mobile", "phonenumber", "телефон"),
    Column.JOIN: ("入会时间", "首次入会时间", "加入时间", "进入时间", "加入会议时间",
                  "jointime", "joined", "timejoined", "firstjointime", "вход", "времявхода",
                  "подключился", "времяподключения"),
    Column.LEAVE: ("退会时间", "最后退会时间", "离会时间", "离开时间", "退出时间",
                   "离开会议时间", "leavetime", "left", "timeleft", "lastleavetime", "exittime",
                   "выход", "времявыхода", "отключился", "времяотключения"),
    Column.DURATION: ("参会时长", "累计参会时长", "在会时长", "入会时长", "时长", "duration",
                      "attendanceduration", "totalduration", "minutes", "длительность",
                      "продолжительность", "минуты", "минут"),
}  # fmt: skip
_ROOTS: tuple[tuple[Column, tuple[str, ...]], ...] = (
    (Column.EMAIL, ("邮箱", "email", "e-mail", "почт")),
    (Column.PHONE, ("手机", "电话", "phone", "mobile", "телефон")),
    (Column.DURATION, ("时长", "duration", "длительн", "продолжительн")),
    (Column.LEAVE, ("退会时间", "离会时间", "离开时间", "退出时间", "leavetime", "leftat",
                    "выход", "отключ")),
    (Column.JOIN, ("入会时间", "加入时间", "进入时间", "jointime", "joinedat", "вход",
                   "подключ")),
    (Column.NAME, ("昵称", "姓名", "name", "имя", "фио")),
)  # fmt: skip
# A header with one of these is another column ("入会次数", "Join count", "用户角色", "会议号").
_NOT_THESE = (
    "次数", "count", "角色", "身份", "role", "类型", "type", "会议号", "会议名", "会议主题",
    "meeting", "topic", "роль",
)  # fmt: skip
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")


def _fold(cell: Any) -> str:
    text = unicodedata.normalize("NFKC", str(cell)).casefold().replace("ё", "е")
    return re.sub(r"[\s_:：*]+", "", text)


def column_of(cell: Any) -> Column | None:
    """What a header cell names, if it names something this module reads."""
    if not _present(cell):
        return None
    folded = _fold(cell)
    bare = _BRACKETS.sub("", folded) or folded
    for column, names in _EXACT.items():
        if bare in names:
            return column
    if any(word in bare for word in _NOT_THESE):
        return None
    for column, roots in _ROOTS:
        if any(root in bare for root in roots):
            return column
    return None


def _header_columns(row: Sequence[Any]) -> dict[Column, int]:
    found: dict[Column, int] = {}
    for index, cell in enumerate(row):
        column = column_of(cell)
        if column is not None and column not in found:
            found[column] = index
    return found


def _is_header(columns: dict[Column, int]) -> bool:
    times = Column.JOIN in columns and Column.LEAVE in columns
    return Column.NAME in columns and (times or Column.DURATION in columns)


_FIRST_LAST = ("首次", "最后", "first", "last", "первый", "последний")


def _table_rank(table: Table, index: int, columns: dict[Column, int]) -> int:
    """Detail rows (one per join) > a summary (first join, last leave) > durations alone."""
    if Column.JOIN not in columns or Column.LEAVE not in columns:
        return 1
    headers = _fold(table[index][columns[Column.JOIN]]) + _fold(table[index][columns[Column.LEAVE]])
    return 2 if any(word in headers for word in _FIRST_LAST) else 3


def _best_table(tables: Iterable[Table]) -> tuple[Table, int, dict[Column, int]] | None:
    best: tuple[Table, int, dict[Column, int]] | None = None
    best_rank = 0
    for table in tables:
        for index, row in enumerate(table[:_HEADER_SEARCH_ROWS]):
            columns = _header_columns(row)
            if _is_header(columns):
                rank = _table_rank(table, index, columns)
                if rank > best_rank:
                    best, best_rank = (table, index, columns), rank
                break
    return best


# --- the time zone -------------------------------------------------------------------------

_OFFSET = re.compile(r"(?:utc|gmt)\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_ZONE_WORDS: tuple[tuple[tzinfo, tuple[str, ...]], ...] = (
    (BEIJING, ("北京时间", "中国标准时间", "beijing", "china standard time", "пекинск")),
    (MOSCOW, ("莫斯科时间", "moscow", "московск", "мск", "msk")),
)


def zone_named_in(texts: Iterable[str]) -> tzinfo | None:
    """The zone the title rows or headers name, if any: an offset wins over a city's name."""
    joined = " ".join(texts)
    offset = _OFFSET.search(joined)
    if offset:
        sign = -1 if offset.group(1) in "-−" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        if delta <= timedelta(hours=14):
            return timezone(sign * delta)
    lowered = joined.casefold()
    for zone, words in _ZONE_WORDS:
        if any(word in lowered for word in words):
            return zone
    return None


# --- the rows ------------------------------------------------------------------------------

# A host's own row may carry its role: "王小明(主持人)", "Ivan (Host)", "李华（我）".
_ROLE_SUFFIX = re.compile(
    r"\s*[(（](?:主持人|联席主持人|我|host|co-host|cohost|me|организатор)[)）]\s*$", re.IGNORECASE
)
_TOTAL_ROWS = frozenset({"合计", "总计", "total", "итого", "всего"})
_STILL_IN = frozenset({"", "-", "--", "—", "会议中", "未退会", "inmeeting"})


def _read_rows(
    table: Table, header_index: int, columns: dict[Column, int], event_start: datetime
) -> MeetingReport:
    titles = [str(cell) for row in table[:header_index] for cell in row if _present(cell)]
    headers = [str(cell) for cell in table[header_index] if _present(cell)]
    named = zone_named_in(titles + headers)
    zone = named or BEIJING
    day = event_start.astimezone(zone).date()
    unit = (
        _duration_unit(table[header_index][columns[Column.DURATION]])
        if (Column.DURATION in columns)
        else "minutes"
    )

    def cell(row: Sequence[Any], column: Column) -> Any:
        index = columns.get(column)
        return row[index] if index is not None and index < len(row) else None

    rows: list[ReportRow] = []
    unreadable: list[int] = []
    for number, row in enumerate(table[header_index + 1 :], start=header_index + 2):
        raw_name = cell(row, Column.NAME)
        name = _ROLE_SUFFIX.sub("", " ".join(str(raw_name).split())) if _present(raw_name) else ""
        if not name or _fold(name) in _TOTAL_ROWS:
            continue
        join = _moment(cell(row, Column.JOIN), zone, day)
        leave_cell = cell(row, Column.LEAVE)
        leave = _moment(leave_cell, zone, day)
        duration = _duration(cell(row, Column.DURATION), unit)
        # No leave time: still in the meeting when the report was made (until the end).
        still_in = leave is None and _fold(leave_cell or "") in _STILL_IN
        unreadable_leave = leave is None and not still_in
        if join is not None and (unreadable_leave or (leave is not None and leave < join)):
            join = leave = None
        if join is None and duration is None:
            unreadable.append(number)
            continue
        rows.append(
            ReportRow(
                row=number,
                name=name,
                email=_email(cell(row, Column.EMAIL)),
                phone=_phone(cell(row, Column.PHONE)),
                join=join,
                leave=leave if join is not None else None,
                duration=duration,
            )
        )
    if not rows:
        raise ReportError("admin-att-no-rows")
    return MeetingReport(
        rows=tuple(rows),
        columns=tuple(sorted(columns, key=columns.__getitem__)),
        zone=zone,
        zone_from_file=named is not None,
        unreadable_rows=tuple(unreadable),
    )


_DATE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TIME_ONLY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _moment(value: Any, zone: tzinfo, day: date) -> datetime | None:
    """An aware moment from a cell: a workbook's date-time, or text in the usual shapes
    ("2025-09-03 15:02:11", "2025/9/3 15:02", "2025年9月3日 15:02", "03.09.2025 15:02",
    ISO with an offset); a time alone is on the event's day."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, time):
        return datetime.combine(day, value).replace(tzinfo=zone)
    if not _present(value) or not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        if match := _DATE_TIME.fullmatch(text):
            year, month, dom, hour, minute, second, offset = match.groups()
            moment = datetime(
                int(year), int(month), int(dom), int(hour or 0), int(minute or 0), int(second or 0)
            )
            return moment.replace(tzinfo=_offset(offset) if offset else zone)
        if match := _DAY_FIRST.fullmatch(text):
            dom, month, year, hour, minute, second = match.groups()
            moment = datetime(
                int(year), int(month), int(dom), int(hour or 0), int(minute or 0), int(second or 0)
            )
            return moment.replace(tzinfo=zone)
        if match := _TIME_ONLY.fullmatch(text):
            hour, minute, second = match.groups()
            clock = time(int(hour), int(minute), int(second or 0))
            return datetime.combine(day, clock).replace(tzinfo=zone)
    except ValueError:  # 2025-02-30, 25:00
        return None
    return None


def _offset(text: str) -> tzinfo:
    if text.lower() == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _duration_unit(header: Any) -> str:
    folded = _fold(header)
    if any(word in folded for word in ("秒", "sec", "(s)", "сек")):
        return "seconds"
    if any(word in folded for word in ("小时", "hour", "(h)", "час")):
        return "hours"
    return "minutes"


_DURATION_PARTS = re.compile(
    r"(\d+(?:\.\d+)?)\s*(小时|时|hours?|hrs?|h|час\w*|ч|分钟|分|min\w*|m|мин\w*|秒|sec\w*|s|сек\w*)",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{2}))?")


def _duration(value: Any, unit: str) -> timedelta | None:
    """ "95", 95.0, "95分钟", "1小时35分钟", "01:35:00", "1h 35m", "95 мин"; a bare number is
    in the header's unit (minutes unless it says seconds or hours)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, time):
        return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if isinstance(value, bool) or not _present(value):
        return None
    if isinstance(value, int | float):
        return timedelta(**{unit: float(value)}) if value >= 0 else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return timedelta(**{unit: float(text)})
    if match := _CLOCK.fullmatch(text):
        hours, minutes, seconds = match.groups()
        if seconds is None:  # "95:30" is minutes and seconds in a duration column
            return timedelta(minutes=int(hours), seconds=int(minutes))
        return timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds))
    parts = _DURATION_PARTS.findall(text)
    if not parts or _DURATION_PARTS.sub("", text).strip(" ,"):
        return None
    total = timedelta()
    for amount, word in parts:
        letter = word.lower()[0]
        if letter in "小h时ч":
            total += timedelta(hours=float(amount))
        elif letter in "秒sс":
            total += timedelta(seconds=float(amount))
        else:
            total += timedelta(minutes=float(amount))
    return total


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _email(value: Any) -> str | None:
    if not _present(value):
        return None
    text = str(value).strip().casefold()
    return text if _EMAIL.fullmatch(text) else None


def _phone(value: Any) -> str | None:
    """Digits of a phone number; None when masked ("138****8000") or too short to compare."""
    if not _present(value):
        return None
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if "*" in text:
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= 7 else None


# --- people and their time in the meeting ---------------------------------------------------


@dataclass(frozen=True)
class Presence:
    """Time in the meeting within the event, ready to be merged with another person's rows
    (one registration may be two devices) and stored in a form (JSON: epoch seconds).

    `spans`: join-leave intervals clipped to the event; `cap`: the total of the durations the
    report gives for those rows, when it gives one for each (a summary's "first join, last
    leave" span overstates a person who left in the middle); `extra`: seconds from rows with a
    duration and no times (clipping cannot apply to them)."""

    spans: tuple[tuple[int, int], ...] = ()
    cap: int | None = None
    extra: int = 0

    def seconds(self, session: int) -> int:
        merged = merged_seconds(self.spans)
        if self.cap is not None:
            merged = min(merged, self.cap)
        return min(merged + self.extra, session)

    def first(self) -> int | None:
        return min((start for start, _ in self.spans), default=None)

    def combine(self, other: Presence) -> Presence:
        timed = [p for p in (self, other) if p.spans]
        cap = None
        if timed and all(p.cap is not None for p in timed):
            cap = sum(p.cap or 0 for p in timed)
        return Presence(self.spans + other.spans, cap, self.extra + other.extra)

    def to_json(self) -> dict[str, Any]:
        return {"spans": [list(span) for span in self.spans], "cap": self.cap, "extra": self.extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Presence:
        spans = tuple((int(a), int(b)) for a, b in data.get("spans", []))
        cap = data.get("cap")
        return cls(spans, None if cap is None else int(cap), int(data.get("extra", 0)))


def merged_seconds(spans: Iterable[tuple[int, int]]) -> int:
    """Total length of the union of intervals: overlaps (two devices) count once."""
    total = 0
    end_so_far: int | None = None
    for start, end in sorted(spans):
        if end_so_far is None or start > end_so_far:
            total += end - start
            end_so_far = end
        elif end > end_so_far:
            total += end - end_so_far
            end_so_far = end
    return total


@dataclass(frozen=True)
class Attendee:
    """One person of the report: their rows grouped."""

    name: str
    email: str | None
    phone: str | None
    rows: tuple[int, ...]
    presence: Presence = field(default_factory=Presence)

    @property
    def key(self) -> str:
        return name_key(self.name) or ""


def attendees(report: MeetingReport, start: datetime, end: datetime) -> list[Attendee]:
    """The report's people, in the order of their first row: rows grouped by e-mail, else
    phone, else name (folded as /find folds names), times clipped to [start, end)."""
    groups: dict[str, list[ReportRow]] = {}
    for row in report.rows:
        key = (
            f"e:{row.email}" if row.email
            else f"p:{row.phone}" if row.phone
            else f"n:{name_key(row.name)}"
        )  # fmt: skip
        groups.setdefault(key, []).append(row)
    people = []
    for rows in groups.values():
        first = rows[0]
        people.append(
            Attendee(
                name=first.name,
                email=first.email,
                phone=first.phone,
                rows=tuple(r.row for r in rows),
                presence=presence_of(rows, start, end),
            )
        )
    return people


def presence_of(rows: Sequence[ReportRow], start: datetime, end: datetime) -> Presence:
    spans: list[tuple[int, int]] = []
    caps: list[timedelta | None] = []
    extra = timedelta()
    low, high = start.timestamp(), end.timestamp()
    for row in rows:
        if row.join is None:
            extra += row.duration or timedelta()
            continue
        leave = row.leave.timestamp() if row.leave is not None else high
        clipped = (max(row.join.timestamp(), low), min(leave, high))
        if clipped[1] > clipped[0]:
            spans.append((int(clipped[0]), int(clipped[1])))
        caps.append(row.duration)
    cap = None
    if caps and all(c is not None for c in caps):
        cap = int(sum((c for c in caps if c is not None), timedelta()).total_seconds())
    return Presence(tuple(spans), cap, int(extra.total_seconds()))
