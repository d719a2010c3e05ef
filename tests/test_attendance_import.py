"""Attendance from the meeting's report: the VooV / Tencent Meeting participant list read from
.xlsx and .csv (UTF-8 with BOM, GBK), rejoins merged and clipped to the event, matched to
registrations (sure, unsure for the organizer, unmatched), marked with minutes through the real
dispatcher, and `min_attendance` deciding certificates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.services.certificates.attendance_import import Known, Tier, Why, match_people
from bot.services.certificates.meeting_report import (
    Column,
    Presence,
    ReportError,
    attendees,
    merged_seconds,
    parse_report,
)
from bot.services.events.catalog import EventsFileError
from db.models import Attendance, AuditEntry, EventRow, Organizer, Registration
from tests.harness import (
    ORGANIZER_ID,
    BotHarness,
    FakeUser,
    Sent,
    catalog_of,
    make_event,
    strip_tags,
)

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 15:00 in Beijing, 10:00 in Moscow
END = START + timedelta(hours=3)
SESSION = 3 * 3600
DATA = Path(__file__).parent / "data"

TITLE_ROWS = [
    ["会议主题：“我们共同的胜利”国际科学实践视频会议"],
    ["会议号：123 456 789"],
    ["会议时间：2025/09/03 15:00-18:00"],
    [],
]
HEADER = [
    "序号", "用户昵称", "入会时间", "退会时间", "参会时长（分钟）", "用户角色", "邮箱", "手机号",
]  # fmt: skip


def at(hh_mm: str) -> str:
    """A time of the event's day as the report writes it: Beijing time, no offset."""
    return f"2025-09-03 {hh_mm}:00"


ROWS = [
    # Rejoined, the two stays overlapping by five minutes; joined before the start.
    [1, "王小明", at("14:50"), at("16:10"), 80, "参会者", "", "138****8000"],
    [2, "王小明", at("16:05"), at("17:30"), 85, "参会者", "", "138****8000"],
    # Words in the other order than registered: unsure. Stayed after the end.
    [3, "Иван Иванов", at("15:00"), at("18:30"), 210, "参会者", "", ""],
    # Found by e-mail whatever the nickname; 50 minutes.
    [4, "Anna P.", at("15:10"), at("16:00"), 50, "参会者", "Petrova@Example.com", ""],
    # Found by phone (8 instead of +7).
    [5, "Gosha", at("15:00"), at("17:00"), 120, "参会者", "", "89001234567"],
    [6, "iPhone", at("15:00"), at("15:20"), 20, "参会者", "", ""],
    # The host's row, upper case, ё: the same name as registered.
    [7, "СИДОРОВ ПЁТР(主持人)", at("14:30"), at("18:05"), 215, "主持人", "", ""],
    # A class's screen.
    [8, "8Б 哈尔滨一中", at("15:00"), at("18:00"), 180, "参会者", "", ""],
    # Only before the event.
    [9, "早到的人", at("13:00"), at("14:00"), 60, "参会者", "", ""],
]  # fmt: skip


def xlsx_bytes(rows: list[list[Any]], title_rows: list[list[Any]] = TITLE_ROWS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [*title_rows, HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([*TITLE_ROWS, HEADER, *rows])
    return out.getvalue().encode(encoding)


def write_samples() -> dict[str, bytes]:
    """The sample files in the shape Tencent Meeting exports, written for reading and for the
    README's example; nothing binary is kept in the repository."""
    samples = {
        "voov_report_sample.xlsx": xlsx_bytes(ROWS),
        "voov_report_sample.csv": csv_bytes(ROWS, "utf-8-sig"),
        "voov_report_sample_gbk.csv": csv_bytes(ROWS, "gbk"),
    }
    DATA.mkdir(exist_ok=True)
    for name, data in samples.items():
        (DATA / name).write_bytes(data)
    return samples


def minutes_by_name(filename: str, data: bytes) -> dict[str, int]:
    report = parse_report(filename, data, event_start=START)
    return {a.name: a.presence.seconds(SESSION) // 60 for a in attendees(report, START, END)}


EXPECTED_MINUTES = {
    "王小明": 150,  # 15:00-17:30: clipped at the start, the overlap counted once
    "Иван Иванов": 180,  # clipped at the end
    "Anna P.": 50,
    "Gosha": 120,
    "iPhone": 20,
    "СИДОРОВ ПЁТР": 180,
    "8Б 哈尔滨一中": 180,
    "早到的人": 0,
}


# --- reading the report ------------------------------------------------------------------------


def test_the_sample_files_are_read_alike_in_xlsx_utf8_and_gbk_csv() -> None:
    samples = write_samples()
    assert samples["voov_report_sample.csv"].startswith(b"\xef\xbb\xbf")
    for name, data in samples.items():
        assert minutes_by_name(name, data) == EXPECTED_MINUTES, name
    report = parse_report("x.xlsx", samples["voov_report_sample.xlsx"], event_start=START)
    assert report.columns == (
        Column.NAME, Column.JOIN, Column.LEAVE, Column.DURATION, Column.EMAIL, Column.PHONE
    )  # fmt: skip
    assert not report.zone_from_file  # no zone named: Beijing time assumed
    assert report.rows[0].row == 6  # the header is row 5, under four title rows
    assert report.rows[0].join == datetime(2025, 9, 3, 6, 50, tzinfo=UTC)
    wang = attendees(report, START, END)[0]
    assert wang.rows == (6, 7) and wang.phone is None  # a masked phone is not compared


def test_an_english_report_with_its_zone_and_a_summary_sheet_is_read() -> None:
    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "Overview"
    summary.append(["Name", "First Join Time", "Last Leave Time", "Duration (Minutes)"])
    summary.append(["Ivan Petrov", "2025-09-03 10:00", "2025-09-03 13:00", 60])
    details = workbook.create_sheet("Participant details")
    details.append(["Meeting time zone: (UTC+03:00) Moscow"])
    details.append(["Participant", "E-mail", "Join time", "Leave time", "Join count"])
    details.append(
        ["Ivan Petrov", "", datetime(2025, 9, 3, 10, 0), datetime(2025, 9, 3, 10, 30), 2]
    )
    details.append(["Ivan Petrov", "", "2025-09-03 12:30", "2025-09-03 13:00", 2])
    details.append(["Total", "", "", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    report = parse_report("report.xlsx", out.getvalue(), event_start=START)
    assert report.zone_from_file
    # The detail sheet wins over the summary: two stays of 30 minutes, not 3 hours.
    assert [a.presence.seconds(SESSION) // 60 for a in attendees(report, START, END)] == [60]


def test_durations_alone_and_other_shapes_of_time() -> None:
    text = (
        "参会者,首次入会时间,最后退会时间,累计参会时长\n"
        "王小明,15:00:00,17:00:00,1小时30分钟\n"  # time only: the event's day; the duration caps
        "李华,2025年9月3日 15:30,2025年9月3日 18:00,02:30:00\n"
        "张伟,--,,45分钟\n"  # no times: the duration alone
        "赵敏,2025-09-03 16:00,会议中,\n"  # still in the meeting when exported: until the end
    )
    minutes = minutes_by_name("r.csv", text.encode("gbk"))
    assert minutes == {"王小明": 90, "李华": 150, "张伟": 45, "赵敏": 120}


def test_a_russian_csv_in_cp1251_with_moscow_time() -> None:
    text = (
        "Время: МСК\r\nИмя;Время входа;Время выхода\r\n"
        "Иванов Иван Петрович;03.09.2025 10:00;03.09.2025 11:00\r\n"
    )
    assert minutes_by_name("r.csv", text.encode("cp1251")) == {"Иванов Иван Петрович": 60}


def test_merging_and_clipping() -> None:
    assert merged_seconds([(0, 10), (5, 20), (30, 40), (35, 36)]) == 30
    assert Presence(((0, 100),), cap=40).seconds(1000) == 40
    two_devices = Presence(((0, 600),), cap=600).combine(Presence(((300, 900),), cap=600))
    assert two_devices.seconds(10_000) == 900  # the overlap counts once
    assert Presence(extra=5000).seconds(3600) == 3600  # never more than the session


@pytest.mark.parametrize(
    ("filename", "data", "key"),
    [
        ("report.pdf", b"%PDF-1.4", "admin-att-unsupported-type"),
        ("report.xls", b"\xd0\xcf\x11\xe0", "admin-att-old-xls"),
        ("report.csv", b"", "admin-att-empty"),
        ("report.csv", b" \r\n", "admin-att-empty"),
        ("report.csv", b"a,b,c\n1,2,3\n", "admin-att-no-header"),
        ("report.xlsx", b"PK\x03\x04broken", "admin-att-bad-xlsx"),
        ("report.xlsx", b"not a workbook", "admin-att-bad-xlsx"),
        ("report.csv", "用户昵称,入会时间,退会时间\n王小明,?,?\n".encode(), "admin-att-no-rows"),
        ("report.csv", b"\xff\xfe\x00\xd8", "admin-att-bad-encoding"),
    ],
)
def test_bad_files_are_named(filename: str, data: bytes, key: str) -> None:
    with pytest.raises(ReportError) as refused:
        parse_report(filename, data, event_start=START)
    assert refused.value.key == key


def test_too_large_before_reading() -> None:
    with pytest.raises(ReportError) as refused:
        parse_report("r.csv", b"x" * (5 * 1024 * 1024 + 1), event_start=START)
    assert refused.value.key == "admin-att-too-large"
    assert refused.value.args_ == {"size": 6, "max_mb": 5}


# --- matching ------------------------------------------------------------------------------------


def known(id_: int, name: str, email: str | None = None, phone: str | None = None) -> Known:
    from db.search_keys import name_key

    return Known(id_, name, name_key(name) or "", email, phone)


def test_matching_goes_from_sure_to_unsure() -> None:
    registrations = [
        known(1, "王小明"),
        known(2, "Иванов Иван"),
        known(3, "Петрова Анна Сергеевна", email="petrova@example.com"),
        known(4, "Гоша Кузнецов", phone="9001234567"),
        known(5, "Сидоров Пётр"),
        known(6, "Смирнова Ольга Ивановна"),
        known(7, "李华"),
        known(8, "Alexander Smith"),
    ]
    report = parse_report("r.xlsx", xlsx_bytes(ROWS), event_start=START)
    people = {p.name: p for p in match_people(attendees(report, START, END), registrations)}
    assert (people["王小明"].registration_id, people["王小明"].tier) == (1, Tier.NAME)
    assert (people["Anna P."].registration_id, people["Anna P."].tier) == (3, Tier.EMAIL)
    assert (people["Gosha"].registration_id, people["Gosha"].tier) == (4, Tier.PHONE)
    assert (people["СИДОРОВ ПЁТР"].registration_id, people["СИДОРОВ ПЁТР"].tier) == (5, Tier.NAME)
    ivan = people["Иван Иванов"]
    assert (ivan.registration_id, ivan.tier, ivan.why) == (2, Tier.UNSURE, Why.ORDER)
    for nobody in ("iPhone", "8Б 哈尔滨一中"):
        assert people[nobody].registration_id is None, nobody

    def guess(name: str) -> tuple[int | None, Why | None]:
        report = parse_report("r.csv", f"Name,Duration\n{name},60\n".encode(), event_start=START)
        [person] = match_people(attendees(report, START, END), registrations)
        assert person.tier in (Tier.UNSURE, None), name
        return person.registration_id, person.why

    assert guess("Смирнова Ольга") == (6, Why.PARTIAL)  # no patronymic
    assert guess("Смирнова О.И.") == (6, Why.PARTIAL)  # initials
    assert guess("李华-哈尔滨一中") == (7, Why.PARTIAL)  # a nickname holding the name
    assert guess("Alexandr Smith") == (8, Why.SIMILAR)  # a spelling
    assert guess("Completely Different") == (None, None)


def test_a_name_in_latin_letters_is_offered_as_unsure() -> None:
    """A meeting nickname in Latin letters, in any of the usual transliterations, for a
    registration in Cyrillic (and the other way round): unsure, for the organizer to confirm."""
    registrations = [
        known(1, "Иванов Иван"),
        known(2, "Козлова Юлия Сергеевна"),
        known(3, "Хрущёв Михаил"),
        known(4, "Цветков Фёдор"),
        known(5, "Щукин Алексей"),
        known(6, "Жукова Наталья"),
        known(7, "Chaikina Tatiana"),
        known(8, "王小明"),
    ]

    def guess(name: str) -> tuple[int | None, Tier | None, Why | None]:
        report = parse_report("r.csv", f"Name,Duration\n{name},60\n".encode(), event_start=START)
        [person] = match_people(attendees(report, START, END), registrations)
        return person.registration_id, person.tier, person.why

    latin = (Tier.UNSURE, Why.LATIN)
    nicknames: tuple[tuple[str, int], ...] = (
        ("ivanov ivan", 1),
        ("Ivan Ivanoff", 1),  # -off, and the words in another order
        ("IVANOV I.", 1),  # the surname and an initial, as "Смирнова О.И." in Cyrillic
        ("Yuliya Kozlova", 2),  # no patronymic
        ("Iuliia Kozlova", 2),
        ("Julija Kozlova", 2),
        ("Mikhail Khrushchev", 3),
        ("Mihail Hrushev", 3),
        ("Fyodor Tsvetkov", 4),
        ("Zvetkov Fedor", 4),  # a similar spelling of the Latin form
        ("Aleksey Shchukin", 5),
        ("Alexei Schukin", 5),
        ("Natalia Zhukova", 6),
        ("Natal'ya Zhukova", 6),
        ("Чайкина Татьяна", 7),  # Cyrillic in the report, Latin in the registration
    )
    for nickname, expected in nicknames:
        assert guess(nickname) == (expected, *latin), nickname
    # Never sure: the organizer confirms each one. Pinyin is no transliteration of Chinese.
    assert guess("Wang Xiaoming") == (None, None, None)
    assert guess("Completely Different") == (None, None, None)


# --- through the dispatcher --------------------------------------------------------------------


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START, min_attendance="50%")]


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(EventRow.id))
        assert found is not None
        return found


async def add_registration(harness: BotHarness, name: str, **values: Any) -> int:
    now = harness.clock.now()
    async with harness.session_factory() as session:
        row = Registration(
            user_id=None,
            event_id=await event_id(harness),
            status="active",
            source="web",
            language="ru",
            full_name=name,
            country="RU",
            role="teacher",
            participation_format="online",
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        await session.commit()
        return row.id


async def check_in(harness: BotHarness, registration_id: int, method: str = "button") -> None:
    async with harness.session_factory() as session:
        session.add(
            Attendance(
                event_id=await event_id(harness),
                registration_id=registration_id,
                method=method,
                checked_at=START + timedelta(minutes=5),
            )
        )
        await session.commit()


async def attendance(harness: BotHarness) -> dict[int, tuple[str, int | None]]:
    async with harness.session_factory() as session:
        rows = (await session.execute(select(Attendance))).scalars()
        return {a.registration_id or 0: (a.method, a.minutes) for a in rows}


async def eligible(harness: BotHarness) -> set[int]:
    event = harness.catalog.get("victory-2025")
    assert event is not None
    async with harness.session_factory() as session:
        found = await harness.certificates.eligible_registrations(
            session, event, await event_id(harness)
        )
        return {r.id for r in found}


def last_edit(harness: BotHarness, chat_id: int) -> EditMessageText:
    for sent in reversed(harness.session.sent):
        if isinstance(sent.method, EditMessageText) and sent.method.chat_id == chat_id:
            return sent.method
    raise AssertionError("no edit")


def button_data(harness: BotHarness, chat_id: int, label: str) -> str:
    """The callback data of a button of the newest message (sent or edited) that has it."""
    for sent in reversed(harness.session.sent):
        method = sent.method
        if getattr(method, "chat_id", None) != chat_id:
            continue
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            for row in markup.inline_keyboard:
                for button in row:
                    if label in button.text and button.callback_data:
                        return button.callback_data
    raise AssertionError(f"no button {label!r}")


def alerts(replies: list[Sent]) -> list[str]:
    return [
        r.method.text or ""
        for r in replies
        if isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert
    ]


def edited_buttons(harness: BotHarness, chat_id: int) -> list[str]:
    markup = last_edit(harness, chat_id).reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [b.text for row in markup.inline_keyboard for b in row]


async def registrations(harness: BotHarness) -> dict[str, int]:
    return {
        "wang": await add_registration(harness, "王小明"),
        "ivanov": await add_registration(harness, "Иванов Иван"),
        "petrova": await add_registration(
            harness, "Петрова Анна Сергеевна", email="petrova@example.com"
        ),
        "gosha": await add_registration(harness, "Кузнецов Георгий", phone="+7 900 123-45-67"),
        "sidorov": await add_registration(harness, "Сидоров Пётр"),
        # Checked in by the button, not in the report.
        "button_only": await add_registration(harness, "Орлова Мария"),
        "offline": await add_registration(harness, "Лебедев Павел", participation_format="offline"),
        "by_organizer": await add_registration(harness, "Новиков Игорь"),
    }


async def upload(organizer: FakeUser, filename: str, data: bytes) -> str:
    await organizer.send("/attendance")
    await organizer.send_document(filename, data)
    return strip_tags(organizer.last())


async def test_the_organizer_imports_the_report_and_certificates_follow(
    harness: BotHarness,
) -> None:
    ids = await registrations(harness)
    harness.clock.set(START + timedelta(minutes=30))
    await check_in(harness, ids["sidorov"])  # the button, during the event
    await check_in(harness, ids["button_only"])
    await check_in(harness, ids["offline"])
    await check_in(harness, ids["by_organizer"], method="organizer")
    harness.clock.set(END + timedelta(hours=1))
    # Before any report: a check-in is enough, min_attendance or not.
    assert await eligible(harness) == {
        ids["sidorov"], ids["button_only"], ids["offline"], ids["by_organizer"]
    }  # fmt: skip

    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/attendance")
    assert "Пришлите файл" in org.last() and "UTC+8" in org.last()
    await org.send("просто текст")
    assert org.last().startswith("Пришлите, пожалуйста, отчёт файлом")
    summary = strip_tags(await upload(org, "参会成员明细.xlsx", xlsx_bytes(ROWS)))
    assert "Строк в отчёте: 9, людей в нём: 8." in summary
    assert "прочитано как пекинское (UTC+8)" in summary
    assert "✅ Найдены точно: 4" in summary
    assert "по e-mail — 1; по телефону — 1; по имени — 2" in summary
    assert "❓ Нужно подтвердить: 1" in summary
    assert "Иван Иванов → Иванов Иван (другой порядок слов), 180 минут" in summary
    assert "❔ Не найдены среди регистраций: 2" in summary
    assert "• iPhone (строки: 11), 20 минут" in summary and "8Б 哈尔滨一中" in summary
    assert "вне времени мероприятия (не учитываются): 1" in summary
    # Anna: 50 of the 90 minutes min_attendance asks for.
    assert "Пробыли меньше 90 минут (нужно для сертификата): 1" in summary
    assert "не найдены в отчёте: 1" in summary  # Орлова Мария (offline and organizer's mark aside)

    await org.click("Проверить по одному")
    card = strip_tags(last_edit(harness, org.id).text)
    assert "Совпадение 1 из 1" in card and "В отчёте: Иван Иванов" in card
    assert "Регистрация: Иванов Иван" in card
    assert edited_buttons(harness, org.id)[:2] == [
        "✅ Да, это один человек",
        "✖️ Нет, это другой человек",
    ]
    no_on_the_card = button_data(harness, org.id, "Нет, это другой")
    await org.press(button_data(harness, org.id, "Да, это один"))
    back = strip_tags(last_edit(harness, org.id).text)
    assert "✅ Иван Иванов → Иванов Иван" in back
    assert "✅ Отметить посещение (5)" in edited_buttons(harness, org.id)
    # The same card tapped again: no longer active.
    assert "Эта кнопка уже не действует." in alerts(await org.press(no_on_the_card))

    save = button_data(harness, org.id, "Отметить посещение")
    await org.press(save)
    result = strip_tags(org.last())
    assert "Посещение отмечено по отчёту" in result
    assert "Новых отметок: 4" in result  # wang, ivanov, petrova, gosha
    assert "Обновлено минут у отметившихся раньше: 1" in result  # sidorov's button check-in
    marks = await attendance(harness)
    assert marks[ids["wang"]] == ("report", 150)
    assert marks[ids["ivanov"]] == ("report", 180)
    assert marks[ids["petrova"]] == ("report", 50)
    assert marks[ids["gosha"]] == ("report", 120)
    assert marks[ids["sidorov"]] == ("button", 180)  # the check-in stays, with the minutes
    assert marks[ids["button_only"]] == ("button", None)
    # A report was imported: online participants need 90 minutes by it; Petrova has 50 and
    # Орлова is not in it; the offline participant and the organizer's own mark still count.
    assert await eligible(harness) == {
        ids["wang"], ids["ivanov"], ids["gosha"], ids["sidorov"], ids["offline"],
        ids["by_organizer"],
    }  # fmt: skip
    assert "Сейчас под условия сертификата подходят: 6" in result
    async with harness.session_factory() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "attendance_import")
        )
    assert entry is not None and entry.actor_id == ORGANIZER_ID
    assert entry.details["report_file"] == "参会成员明细.xlsx"
    assert entry.details["confirmed_unsure"] == 1 and entry.details["unmatched"] == 2
    assert (entry.details["marked_new"], entry.details["minutes_updated"]) == (4, 1)
    # The preview is gone: its buttons no longer act.
    assert "Эта кнопка уже не действует." in alerts(await org.press(save))

    # The same report again changes nothing (the unsure match is not confirmed this time).
    await upload(org, "参会成员明细.xlsx", xlsx_bytes(ROWS))
    await org.click("Отметить посещение")
    again = strip_tags(org.last())
    assert "Новых отметок: 0" in again and "Обновлено минут у отметившихся раньше: 0" in again
    assert "Без изменений: 4" in again
    assert await attendance(harness) == marks

    # A corrected report (Anna stayed till 17:00): her minutes change, and she now qualifies.
    corrected = [list(row) for row in ROWS]
    corrected[3][3] = "2025-09-03 17:00:00"
    corrected[3][4] = 110
    await upload(org, "corrected.csv", csv_bytes(corrected, "gbk"))
    await org.click("Отметить посещение")
    assert "Обновлено минут у отметившихся раньше: 1" in strip_tags(org.last())
    assert (await attendance(harness))[ids["petrova"]] == ("report", 110)
    assert ids["petrova"] in await eligible(harness)


async def test_confirming_all_and_cancelling(harness: BotHarness) -> None:
    ids = await registrations(harness)
    harness.clock.set(END + timedelta(hours=1))
    org = harness.user(ORGANIZER_ID, "zh")
    await org.send("/language")  # the organizer reads Chinese
    summary = strip_tags(await upload(org, "report.csv", csv_bytes(ROWS, "utf-8-sig")))
    assert "文件中的时间未注明时区，已按北京时间（UTC+8）读取。" in summary, summary
    assert "❓ 需要确认：1人" in summary
    earlier = button_data(harness, org.id, "全部确认")
    # A corrected export sent while the preview is open replaces it; the old buttons are dead.
    await org.send_document("report.xlsx", xlsx_bytes(ROWS))
    assert "❓ 需要确认：1人" in strip_tags(org.last())
    assert "此按钮已失效。" in alerts(await org.press(earlier))
    await org.click("全部确认")
    assert "✅ Иван Иванов → Иванов Иван" in strip_tags(last_edit(harness, org.id).text)
    await org.press(button_data(harness, org.id, "取消"))
    assert last_edit(harness, org.id).text == "已取消，未做任何更改。"
    assert await attendance(harness) == {}
    assert ids


@pytest.mark.parametrize(
    ("filename", "data", "answer"),
    [
        ("report.pdf", b"%PDF-1.4 ...", "Файл .pdf не подходит"),
        ("report.xls", b"\xd0\xcf\x11\xe0", "старого формата Excel"),
        ("report.csv", b"", "Файл пустой"),
        ("report.csv", b"a,b\n1,2\n", "Не найдена строка заголовков"),
        ("report.csv", b"x" * (5 * 1024 * 1024 + 1), "Файл слишком большой: 6 МБ"),
        ("report.xlsx", b"PK\x03\x04broken", "Не удалось открыть файл как таблицу Excel"),
        # Moscow times read as Beijing time: the whole report falls before the event.
        (
            "report.csv",
            "用户昵称,入会时间,退会时间\n王小明,2025-09-03 10:00,2025-09-03 13:00\n".encode(),
            "Ни одна строка отчёта не попадает во время мероприятия",
        ),
    ],
)
async def test_bad_files_get_a_clear_answer_and_another_try(
    harness: BotHarness, filename: str, data: bytes, answer: str
) -> None:
    await add_registration(harness, "王小明")
    harness.clock.set(END + timedelta(hours=1))
    org = harness.user(ORGANIZER_ID, "ru")
    assert answer in await upload(org, filename, data)
    # Still waiting for the file: a good one goes through.
    await org.send_document("good.xlsx", xlsx_bytes(ROWS))
    assert "Найдены точно: 1" in strip_tags(org.last())


async def test_a_viewer_cannot_import_and_no_report_before_the_start(harness: BotHarness) -> None:
    async with harness.session_factory() as session:
        session.add(Organizer(user_id=9100, role="viewer", added_by=ORGANIZER_ID, added_at=START))
        await session.commit()
    viewer = harness.user(9100, "ru")
    await viewer.send("/attendance")
    assert "права только на просмотр" in viewer.last()
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/attendance")  # the clock is before the event
    assert org.last() == harness.i18n("ru")("admin-no-events")


# --- min_attendance in the events file ----------------------------------------------------------


def test_min_attendance_is_a_share_or_minutes() -> None:
    def event(**extra: Any) -> Any:
        [parsed] = list(catalog_of(make_event(starts_at=START, **extra)))
        return parsed

    assert event(min_attendance="50%").min_attendance_minutes == 90
    assert event(min_attendance="33 %").min_attendance_minutes == 60  # rounded up
    assert event(min_attendance=90).min_attendance_minutes == 90
    assert event().min_attendance_minutes is None
    for wrong, words in (
        ("half", "a share like"),
        ("0%", "a share like"),
        ("150%", "a share like"),
        ("181", "longer than the session"),
    ):
        with pytest.raises(EventsFileError, match=words):
            event(min_attendance=wrong)
    with pytest.raises(EventsFileError, match="require_attendance"):
        event(min_attendance="50%", require_attendance=False)
