"""/export for a purpose, through the real dispatcher, against a hand-counted fixture: who is in
each file, the new columns (@username, check-in, certificate and its delivery), XLSX cells
exactly as typed, the two CSV variants parsed back, countries folded as /stats folds them, the
classes' file, the audit entry; and /stats for an event with classes only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument
from aiogram.types import BufferedInputFile
from aiogram.types import User as TgUser
from openpyxl import load_workbook
from sqlalchemy import select

from bot.i18n import I18n
from bot.services.reports.certificate_states import Delivered, delivered
from bot.services.reports.export import COLUMNS, ExportPurpose
from db.models import (
    Attendance,
    AuditEntry,
    Certificate,
    ClassStudent,
    Delivery,
    Registration,
    SchoolClass,
    User,
)
from db.repositories import EventRepository
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, strip_tags
from tests.test_admin_stats import SLUG, add_registration

COLUMN = {column.header_key: index for index, column in enumerate(COLUMNS)}
CHECKED_IN_AT = datetime(2025, 9, 3, 7, 5, tzinfo=UTC)  # 10:05 in Moscow
TEACHER_ID = 60


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        row = await EventRepository(session).by_slug(SLUG)
        assert row is not None
        return row.id


def with_username(harness: BotHarness, user_id: int, username: str) -> FakeUser:
    return FakeUser(
        harness,
        TgUser(id=user_id, is_bot=False, first_name="Иван", language_code="ru", username=username),
    )


async def check_in(
    harness: BotHarness, *, registration_id: int | None = None, class_id: int | None = None
) -> None:
    async with harness.session_factory() as session:
        session.add(
            Attendance(
                event_id=await event_id(harness),
                registration_id=registration_id,
                class_id=class_id,
                method="button",
                checked_at=CHECKED_IN_AT,
            )
        )
        await session.commit()


async def certificate(
    harness: BotHarness,
    number: str,
    *,
    registration_id: int | None = None,
    class_id: int | None = None,
    recipient_id: int | None,
    sent: bool,
    error: str | None = None,
    letter: str | None = None,
) -> None:
    """A certificate row; `letter`: the status of its e-mail in the delivery ledger."""
    async with harness.session_factory() as session:
        row = Certificate(
            number=number,
            event_id=await event_id(harness),
            registration_id=registration_id,
            class_id=class_id,
            recipient_id=recipient_id,
            full_name="x",
            language="ru",
            issued_at=CHECKED_IN_AT,
            sent_at=CHECKED_IN_AT + timedelta(hours=4) if sent else None,
            error=error,
        )
        session.add(row)
        await session.flush()
        if letter is not None:
            assert registration_id is not None
            session.add(
                Delivery(
                    registration_id=registration_id,
                    event_id=row.event_id,
                    kind=f"certificate-{row.id}",
                    channel="email",
                    status=letter,
                    created_at=CHECKED_IN_AT,
                )
            )
        await session.commit()


async def add_class(harness: BotHarness) -> int:
    """A class without a group (its teacher's chat gets everything), two pupils, checked in."""
    async with harness.session_factory() as session:
        moment = datetime(2025, 8, 15, 9, 0, tzinfo=UTC)
        session.add(
            User(
                id=TEACHER_ID,
                language="ru",
                username="petrova_a",
                created_at=moment,
                updated_at=moment,
            )
        )
        await session.flush()  # the teacher first: the class refers to them
        school_class = SchoolClass(
            code="cls8b",
            event_id=await event_id(harness),
            teacher_id=TEACHER_ID,
            language="ru",
            name="8 «Б»",
            declared_size=25,
            teacher_name="Петрова Анна Сергеевна",
            country="россия",
            city="Хабаровск",
            school="Школа № 5",
            email="petrova@school5.ru",
            phone="+7 914 000-00-00",
            consent_at=moment,
            consent_version="test",
            created_at=moment,
            updated_at=moment,
        )
        session.add(school_class)
        await session.flush()
        for name in ("Иванов Иван", "Петров Пётр"):
            session.add(ClassStudent(class_id=school_class.id, full_name=name, created_at=moment))
        await session.commit()
        return school_class.id


async def add_fixture(harness: BotHarness) -> dict[str, int]:
    """Seven registrations, counted by hand:

    | who   | status    | format  | speaks | checked in | country typed |
    |-------|-----------|---------|--------|------------|---------------|
    | ivan  | active    | online  | no     | yes        | (button) RU   |
    | wang  | active    | offline | yes    | no         | 中国          |
    | eq    | active    | offline | yes    | yes        | " россия "    |
    | gone  | cancelled | online  | yes    | yes        | Россия        |
    | anon  | erased    | online  | no     | no         | -             |
    | bel1  | active    | online  | no     | no         | беларусь      |
    | bel2  | active    | online  | no     | no         | Беларусь      |
    """
    ivan = with_username(harness, 21, "ivan_petrov")
    await register(ivan, phone="+7 900 123-45-67")
    async with harness.session_factory() as session:
        ivan_id = await session.scalar(select(Registration.id).where(Registration.user_id == 21))
    assert ivan_id is not None
    ids = {"ivan": ivan_id}
    ids["wang"] = await add_registration(
        harness,
        22,
        lang="zh",
        full_name="王小明",
        country="中国",
        participation_format="offline",
        wants_to_speak=True,
        talk_topic="家书中的记忆",
        speaker_status="approved",
    )
    ids["eq"] = await add_registration(
        harness,
        23,
        full_name="=1+1",
        organization="@cmd|' /C calc'!A0",
        country=" россия ",
        phone="+7 999 000-00-00",
        participation_format="offline",
        wants_to_speak=True,
        talk_topic="-2+3",
        speaker_status="pending",
    )
    ids["gone"] = await add_registration(
        harness,
        24,
        status="cancelled",
        wants_to_speak=True,
        talk_topic="Тема",
        speaker_status="pending",
    )
    ids["anon"] = await add_registration(
        harness, None, status="cancelled", full_name=None, country=None, email=None
    )
    ids["bel1"] = await add_registration(harness, 25, country="беларусь")
    ids["bel2"] = await add_registration(harness, 26, country="Беларусь")
    await check_in(harness, registration_id=ids["ivan"])
    await check_in(harness, registration_id=ids["eq"])
    await check_in(harness, registration_id=ids["gone"])
    # Delivered in Telegram; Telegram blocked but the letter went; issued, not sent yet.
    await certificate(
        harness, "NP25-0001-AAAA", registration_id=ids["ivan"], recipient_id=21, sent=True
    )
    await certificate(
        harness,
        "NP25-0002-BBBB",
        registration_id=ids["wang"],
        recipient_id=22,
        sent=True,
        error="unreachable",
        letter="sent",
    )
    await certificate(
        harness, "NP25-0003-CCCC", registration_id=ids["eq"], recipient_id=23, sent=False
    )
    return ids


EXPECTED = {
    ExportPurpose.EVERYONE: ["ivan", "wang", "eq", "gone", "anon", "bel1", "bel2"],
    ExportPurpose.ACTIVE: ["ivan", "wang", "eq", "bel1", "bel2"],
    ExportPurpose.CHECKED_IN: ["ivan", "eq"],  # the cancelled one who checked in is not
    ExportPurpose.NOT_CHECKED_IN: ["wang", "bel1", "bel2"],
    ExportPurpose.SPEAKERS: ["wang", "eq"],
    ExportPurpose.OFFLINE: ["wang", "eq"],
    ExportPurpose.ONLINE: ["ivan", "bel1", "bel2"],
}
PURPOSE_LABELS = {
    ExportPurpose.EVERYONE: "Все регистрации",
    ExportPurpose.ACTIVE: "Только активные",
    ExportPurpose.CHECKED_IN: "🙋 Отметились",
    ExportPurpose.NOT_CHECKED_IN: "Не отметились",
    ExportPurpose.SPEAKERS: "Докладчики",
    ExportPurpose.OFFLINE: "Очные участники",
    ExportPurpose.ONLINE: "Онлайн-участники",
    ExportPurpose.CLASSES: "Педагоги и классы",
}
FORMAT_LABELS = {"xlsx": "XLSX", "csv-ru": "CSV «;»", "csv": "CSV «,»"}


def documents(harness: BotHarness, chat_id: int = ORGANIZER_ID) -> list[SendDocument]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument) and int(s.method.chat_id) == chat_id
    ]


def file_of(document: SendDocument) -> tuple[str, bytes]:
    assert isinstance(document.document, BufferedInputFile)
    return document.document.filename or "", document.document.data


async def export(
    harness: BotHarness, purpose: ExportPurpose, fmt: str, organizer: FakeUser | None = None
) -> list[SendDocument]:
    organizer = organizer or harness.user(ORGANIZER_ID, "ru")
    before = len(documents(harness))
    await organizer.send("/export")
    await organizer.click(PURPOSE_LABELS[purpose])
    await organizer.click(FORMAT_LABELS[fmt])
    return documents(harness)[before:]


def xlsx_rows(data: bytes, sheet: str = "Участники") -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


# --- who is in each file ---------------------------------------------------------------------


async def test_the_purpose_buttons_count_as_counted_by_hand(harness: BotHarness) -> None:
    await add_fixture(harness)
    await add_class(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/export")
    assert "Кого включить в файл?" in organizer.last()
    markup = harness.session.sent[-1].method.reply_markup
    labels = [row[0].text for row in markup.inline_keyboard]
    assert labels == [
        "👥 Все регистрации, включая отменённые — 7",
        "✅ Только активные — 5",
        "🙋 Отметились — 2",
        "⏳ Не отметились — 3",
        "🎤 Докладчики — 2",
        "🏛 Очные участники — 2",
        "💻 Онлайн-участники — 3",
        "🏫 Педагоги и классы — 1",
    ]


@pytest.mark.parametrize("purpose", list(EXPECTED))
async def test_each_file_holds_its_purpose(harness: BotHarness, purpose: ExportPurpose) -> None:
    ids = await add_fixture(harness)
    [document] = await export(harness, purpose, "xlsx")
    name, data = file_of(document)
    assert name == f"victory-2025-{purpose.value}-2025-08-20-1200.xlsx"
    _, *rows = xlsx_rows(data)
    by_id = {value: key for key, value in ids.items()}
    assert [by_id[row[COLUMN["export-col-id"]]] for row in rows] == EXPECTED[purpose]
    assert document.caption is not None
    assert f"Регистраций в файле: {len(EXPECTED[purpose])}." in document.caption
    async with harness.session_factory() as session:
        [entry] = (await session.scalars(select(AuditEntry))).all()
    assert (entry.actor_id, entry.action) == (ORGANIZER_ID, "export")
    assert entry.details == {
        "purpose": purpose.value,
        "format": "xlsx",
        "rows": len(EXPECTED[purpose]),
        "classes": 0,
    }


# --- the columns and the cells ---------------------------------------------------------------


async def test_xlsx_cells_hold_exactly_what_was_typed(harness: BotHarness) -> None:
    ids = await add_fixture(harness)
    [document] = await export(harness, ExportPurpose.ACTIVE, "xlsx")
    workbook = load_workbook(io.BytesIO(file_of(document)[1]))
    sheet = workbook["Участники"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    row = {r[COLUMN["export-col-id"]]: r for r in rows}
    ivan, wang, eq = row[ids["ivan"]], row[ids["wang"]], row[ids["eq"]]

    # No apostrophe in XLSX: the phone is the phone, the formula is text.
    assert ivan[COLUMN["export-col-phone"]] == "+79001234567"
    assert eq[COLUMN["export-col-phone"]] == "+7 999 000-00-00"
    assert eq[COLUMN["export-col-full-name"]] == "=1+1"
    assert eq[COLUMN["export-col-organization"]] == "@cmd|' /C calc'!A0"
    assert eq[COLUMN["export-col-talk-topic"]] == "-2+3"
    cells = [cell for r in sheet.iter_rows(min_row=2) for cell in r if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in texts)
    # Excel's own "this is text" mark on what it would run, so editing keeps it text.
    formula_like = {cell.value for cell in texts if cell.quotePrefix}
    assert {"=1+1", "@cmd|' /C calc'!A0", "-2+3", "+79001234567"} <= formula_like
    assert "Иванов Иван Иванович" not in formula_like

    # The new columns.
    assert header[COLUMN["export-col-username"]] == "Telegram (@имя пользователя)"
    assert ivan[COLUMN["export-col-username"]] == "@ivan_petrov"
    assert wang[COLUMN["export-col-username"]] is None
    assert ivan[COLUMN["export-col-checked-in-at"]] == datetime(2025, 9, 3, 10, 5)
    assert wang[COLUMN["export-col-checked-in-at"]] is None
    certificate = COLUMN["export-col-certificate"]
    delivered = COLUMN["export-col-certificate-delivered"]
    assert [(r[certificate], r[delivered]) for r in (ivan, wang, eq)] == [
        ("NP25-0001-AAAA", "Telegram"),
        ("NP25-0002-BBBB", "e-mail"),  # blocked in Telegram, the letter went
        ("NP25-0003-CCCC", "ещё не отправлен"),
    ]
    assert row[ids["bel1"]][certificate] is None and row[ids["bel1"]][delivered] is None


async def test_countries_are_folded_as_stats_folds_them(harness: BotHarness) -> None:
    ids = await add_fixture(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    [document] = await export(harness, ExportPurpose.ACTIVE, "xlsx", organizer)
    _, *rows = xlsx_rows(file_of(document)[1])
    country = {r[COLUMN["export-col-id"]]: r[COLUMN["export-col-country"]] for r in rows}
    assert [country[ids[k]] for k in ("ivan", "wang", "eq", "bel1", "bel2")] == [
        "Россия",
        "Китай",  # typed 中国: the same country as the button's
        "Россия",  # typed " россия "
        "Беларусь",  # typed "беларусь": shown as one spelling, as /stats counts it
        "Беларусь",
    ]
    await organizer.send("/stats")
    stats = strip_tags(organizer.texts()[-1])
    assert "• Россия: 2" in stats and "• Беларусь: 2" in stats and "• Китай: 1" in stats


async def test_chinese_organizer_gets_chinese_headers_and_names(harness: BotHarness) -> None:
    ids = await add_fixture(harness)
    organizer = harness.user(ORGANIZER_ID, "zh-hans")
    await organizer.send("/export")
    await organizer.click("已签到")
    await organizer.click("逗号分隔")
    [document] = documents(harness)
    assert document.caption is not None and "已签到，共2条报名记录" in document.caption
    text = file_of(document)[1].decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    t = harness.i18n("zh")
    assert header == [t(column.header_key) for column in COLUMNS]
    assert "签到时间（北京时间）" in header and "证书编号" in header
    by_id = {int(r[COLUMN["export-col-id"]]): r for r in rows}
    assert by_id[ids["ivan"]][COLUMN["export-col-country"]] == "俄罗斯"
    # The organizer who asked reads the file: Beijing time (10:05 in Moscow).
    assert by_id[ids["ivan"]][COLUMN["export-col-checked-in-at"]] == "2025-09-03 15:05"


# --- CSV -------------------------------------------------------------------------------------


async def test_csv_for_russian_excel_uses_semicolons(harness: BotHarness) -> None:
    ids = await add_fixture(harness)
    [document] = await export(harness, ExportPurpose.ACTIVE, "csv-ru")
    name, data = file_of(document)
    assert name == "victory-2025-active-2025-08-20-1200-excel-ru.csv"
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it as UTF-8
    text = data.decode("utf-8-sig")
    assert not text.startswith("sep=")  # see bot/services/reports/files.py for why
    first_line = text.splitlines()[0]
    assert first_line.count(";") == len(COLUMNS) - 1 and "," not in first_line
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert header == [harness.i18n("ru")(column.header_key) for column in COLUMNS]
    by_id = {int(r[COLUMN["export-col-id"]]): r for r in rows}
    assert set(by_id) == {ids[k] for k in EXPECTED[ExportPurpose.ACTIVE]}
    ivan, eq = by_id[ids["ivan"]], by_id[ids["eq"]]
    # In CSV, and only there, the apostrophe keeps a spreadsheet from running the cell.
    assert ivan[COLUMN["export-col-phone"]] == "'+79001234567"
    assert ivan[COLUMN["export-col-username"]] == "'@ivan_petrov"
    assert eq[COLUMN["export-col-full-name"]] == "'=1+1"
    assert ivan[COLUMN["export-col-full-name"]] == "Иванов Иван Иванович"
    assert ivan[COLUMN["export-col-checked-in-at"]] == "2025-09-03 10:05"
    assert ivan[COLUMN["export-col-organization"]] == "Школа № 1"


async def test_plain_csv_uses_commas(harness: BotHarness) -> None:
    await add_fixture(harness)
    [document] = await export(harness, ExportPurpose.SPEAKERS, "csv")
    name, data = file_of(document)
    assert name == "victory-2025-speakers-2025-08-20-1200-comma.csv"
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(header) == len(COLUMNS) and len(rows) == 2
    assert [r[COLUMN["export-col-talk-topic"]] for r in rows] == ["家书中的记忆", "'-2+3"]


# --- everyone and the classes ----------------------------------------------------------------


async def test_classes_file(harness: BotHarness) -> None:
    await add_fixture(harness)
    class_id = await add_class(harness)
    await check_in(harness, class_id=class_id)
    await certificate(
        harness, "NP25-0004-DDDD", class_id=class_id, recipient_id=TEACHER_ID, sent=True
    )
    [document] = await export(harness, ExportPurpose.CLASSES, "xlsx")
    name, data = file_of(document)
    assert name == "victory-2025-classes-2025-08-20-1200.xlsx"
    assert document.caption is not None and "Классов в файле: 1." in document.caption
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Классы", "Ученики"]
    header, row = [list(r) for r in workbook["Классы"].iter_rows(values_only=True)]
    t = harness.i18n("ru")
    cell = {
        key: row[header.index(t(key))]
        for key in (
            "export-col-class-name",
            "export-col-teacher",
            "export-col-organization",
            "export-col-country",
            "export-col-phone",
            "export-col-students",
            "export-col-group",
            "export-col-checked-in-at",
            "export-col-certificate",
            "export-col-certificate-delivered",
            "export-col-username",
        )
    }
    assert cell == {
        "export-col-class-name": "8 «Б»",
        "export-col-teacher": "Петрова Анна Сергеевна",
        "export-col-organization": "Школа № 5",
        "export-col-country": "Россия",
        "export-col-phone": "+7 914 000-00-00",
        "export-col-students": 2,
        "export-col-group": "не привязана",
        "export-col-checked-in-at": datetime(2025, 9, 3, 10, 5),
        "export-col-certificate": "NP25-0004-DDDD",
        "export-col-certificate-delivered": "Telegram",
        "export-col-username": "@petrova_a",
    }
    _, *pupils = [list(r) for r in workbook["Ученики"].iter_rows(values_only=True)]
    assert [p[4] for p in pupils] == ["Иванов Иван", "Петров Пётр"]

    # In CSV: the classes, then their pupils, each a file named after the purpose.
    files = await export(harness, ExportPurpose.CLASSES, "csv-ru")
    assert [file_of(d)[0] for d in files] == [
        "victory-2025-classes-2025-08-20-1200-excel-ru.csv",
        "victory-2025-classes-students-2025-08-20-1200-excel-ru.csv",
    ]
    header, row = list(
        csv.reader(io.StringIO(file_of(files[0])[1].decode("utf-8-sig")), delimiter=";")
    )
    assert row[header.index(t("export-col-phone"))] == "'+7 914 000-00-00"


async def test_everyone_gets_the_whole_event(harness: BotHarness) -> None:
    await add_fixture(harness)
    await add_class(harness)
    [document] = await export(harness, ExportPurpose.EVERYONE, "xlsx")
    workbook = load_workbook(io.BytesIO(file_of(document)[1]))
    assert workbook.sheetnames == ["Участники", "Классы", "Ученики", "Отзывы"]
    files = await export(harness, ExportPurpose.EVERYONE, "csv")
    # Feedback has no rows: no empty file for it.
    assert [file_of(d)[0] for d in files] == [
        "victory-2025-everyone-2025-08-20-1200-comma.csv",
        "victory-2025-everyone-classes-2025-08-20-1200-comma.csv",
        "victory-2025-everyone-students-2025-08-20-1200-comma.csv",
    ]
    async with harness.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [e.details for e in entries] == [
        {"purpose": "everyone", "format": "xlsx", "rows": 7, "classes": 1},
        {"purpose": "everyone", "format": "csv", "rows": 7, "classes": 1},
    ]


@pytest.mark.parametrize(
    "data",
    ["aexw:victory-2025:vips", "aexp:victory-2025:teachers:xlsx", "aexp:victory-2025:active:pdf"],
)
async def test_forged_buttons_export_nothing(harness: BotHarness, data: str) -> None:
    await add_fixture(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    [answer] = [r.method for r in await organizer.press(data)]
    assert isinstance(answer, AnswerCallbackQuery)
    assert answer.text == harness.i18n("ru")("err-stale-button")
    assert documents(harness) == []


@pytest.mark.parametrize("data", ["aexw:victory-2025:active", "aexp:victory-2025:active:csv-ru"])
async def test_purpose_buttons_are_refused_to_participants(harness: BotHarness, data: str) -> None:
    await add_fixture(harness)
    calendar_file = documents(harness, 21)  # sent when the person registered
    [answer] = [r.method for r in await harness.user(21).press(data)]
    assert isinstance(answer, AnswerCallbackQuery) and answer.show_alert
    assert answer.text == harness.i18n("ru")("admin-only")
    assert documents(harness, 21) == calendar_file and documents(harness) == []


# --- /stats with classes only ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_stats_with_classes_only_shows_the_classes(harness: BotHarness, lang: str) -> None:
    await add_class(harness)
    organizer = harness.user(ORGANIZER_ID, "zh-hans" if lang == "zh" else "ru")
    await organizer.send("/stats")
    t = harness.i18n(lang)
    text = organizer.texts()[-1]
    assert t("stats-empty") not in text
    assert t("stats-no-individual") in text
    assert t("stats-classes", classes=1, students=2, groups=0) in text


async def test_stats_without_anything_says_so(harness: BotHarness) -> None:
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/stats")
    assert "Регистраций пока нет." in organizer.texts()[-1]


async def test_a_format_button_from_before_purposes_still_exports_everyone(
    harness: BotHarness,
) -> None:
    await add_fixture(harness)
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.press("aexp:victory-2025:csv")  # sent by the bot before this version
    [document] = documents(harness)
    name, data = file_of(document)
    assert name == "victory-2025-everyone-2025-08-20-1200-comma.csv"
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 1 + 7


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "📊 Excel (XLSX)",
                "📄 CSV «;» — Excel с русскими настройками",
                "📄 CSV «,» — другие программы",
            ],
        ),
        (
            "zh",
            [
                "📊 Excel（XLSX）",
                "📄 CSV（逗号分隔，适用于中文版 Excel 及其他程序）",
                "📄 CSV（分号分隔，适用于俄文版 Excel）",
            ],
        ),
    ],
)
async def test_the_csv_for_the_organizers_excel_comes_first(
    harness: BotHarness, lang: str, expected: list[str]
) -> None:
    organizer = harness.user(ORGANIZER_ID, "zh-hans" if lang == "zh" else "ru")
    await organizer.send("/export")
    await organizer.click("👥")
    assert "XLSX" in organizer.last()
    markup = harness.session.sent[-1].method.reply_markup
    assert [row[0].text for row in markup.inline_keyboard] == expected


async def test_a_cancelled_class_is_in_everyone_not_in_the_classes_file(
    harness: BotHarness,
) -> None:
    class_id = await add_class(harness)
    async with harness.session_factory() as session:
        school_class = await session.get(SchoolClass, class_id)
        assert school_class is not None
        school_class.status = "cancelled"
        await session.commit()
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/export")
    assert "🏫 Педагоги и классы — 0" in [
        row[0].text for row in harness.session.sent[-1].method.reply_markup.inline_keyboard
    ]
    [classes_file] = await export(harness, ExportPurpose.CLASSES, "xlsx")
    assert xlsx_rows(file_of(classes_file)[1], "Классы")[1:] == []
    [everyone] = await export(harness, ExportPurpose.EVERYONE, "xlsx")
    [row] = xlsx_rows(file_of(everyone)[1], "Классы")[1:]
    assert row[1] == harness.i18n("ru")("report-class-status", status="cancelled")


def test_certificate_delivery_states() -> None:
    sent = datetime(2025, 9, 3, 14, 0, tzinfo=UTC)

    def state(letter: str | None = None, **fields: object) -> Delivered:
        values: dict[str, object] = {"recipient_id": 1, "sent_at": None, "error": None}
        values.update(fields)
        return delivered(Certificate(number="N", **values), letter)

    assert state(sent_at=sent) is Delivered.TELEGRAM
    assert state("sent", sent_at=sent) is Delivered.BOTH
    assert state("sent", sent_at=sent, error="unreachable") is Delivered.EMAIL
    assert state() is Delivered.WAITING  # issued, or corrected and going out again
    assert state("queued", sent_at=sent, error="unreachable") is Delivered.WAITING
    assert state(sent_at=sent, error="unreachable") is Delivered.FAILED
    assert state("failed", recipient_id=None) is Delivered.FAILED
    assert state(recipient_id=None) is Delivered.PAGE  # a web registration, no address used
    t = I18n()("ru")
    assert {t("report-certificate-delivered", state=s.value) for s in Delivered} == {
        "Telegram",
        "e-mail",
        "Telegram, e-mail",
        "ещё не отправлен",
        "не доставлен",
        "не отправлялся: доступен на сайте по личной ссылке",
    }
