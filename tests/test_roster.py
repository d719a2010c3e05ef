"""Class rosters: pasted text, .txt in the encodings Windows produces, .csv, .xlsx; what the
teacher is told about repeats, blank rows and headers; every refusal names its row; every key
exists in both languages with the same variables."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.i18n import LOCALES_DIR, I18n
from bot.services.classes import roster as roster_module
from bot.services.classes.roster import (
    MAX_FILE_BYTES,
    MAX_STUDENTS,
    NAME_MAX_LENGTH,
    Duplicate,
    Roster,
    RosterError,
    check_roster_file,
    clean_name,
    format_rows,
    parse_roster_file,
    parse_roster_text,
)

CLASS_RU = ["Иванов Иван Иванович", "Петрова Анна", "Щукина Юлия", "Ёлкин Пётр"]
CLASS_ZH = ["张伟", "王芳", "欧阳娜娜", "李明"]
# Different names: "Ученик Аа", "Ученик Аб"...
HUNDRED_AND_ONE = [f"Ученик {chr(0x410 + i // 32)}{chr(0x430 + i % 32)}" for i in range(101)]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def xlsx(rows: list[list[Any]], *, second_sheet: list[list[Any]] | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for sheet_rows in [rows] + ([second_sheet] if second_sheet else []):
        sheet = workbook.add_worksheet()
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def refused(call: Any, *args: Any) -> RosterError:
    with pytest.raises(RosterError) as error:
        call(*args)
    return error.value


# --- pasted text --------------------------------------------------------------------------


def test_pasted_names_keep_their_order_and_script() -> None:
    roster = parse_roster_text("\n".join(CLASS_RU + CLASS_ZH + ["Zhang Wei", "O'Brien-Smith Ann"]))
    assert roster.names == (*CLASS_RU, *CLASS_ZH, "Zhang Wei", "O'Brien-Smith Ann")
    assert roster.rows == tuple(range(1, 11))
    assert roster.count == 10 and roster.source == "text" and roster.encoding is None
    assert roster.duplicates == () and roster.empty_rows == () and not roster.header_skipped


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1. Иванов Иван", "Иванов Иван"),
        ("1) Иванов Иван", "Иванов Иван"),
        ("12.Иванов Иван", "Иванов Иван"),
        ("№1 Иванов Иван", "Иванов Иван"),
        ("№ 12. Иванов Иван", "Иванов Иван"),
        ("3 - Иванов Иван", "Иванов Иван"),
        ("3\tИванов Иван", "Иванов Иван"),  # a number column copied from a spreadsheet
        ("1、张伟", "张伟"),
        ("１．王芳", "王芳"),
        ("• Петрова Анна", "Петрова Анна"),
        ("- Петрова Анна", "Петрова Анна"),
        ('"Петрова Анна"', "Петрова Анна"),
        ("1. «Петрова Анна»", "Петрова Анна"),
        ("“Zhang Wei”", "Zhang Wei"),
        ("  Петрова \u00a0  Анна\u200b ", "Петрова Анна"),
        ("Петрова Анна,", "Петрова Анна"),
        ("И\u0306ван Й", "Йван Й"),  # NFC
        ("王　芳", "王芳"),  # padded with an ideographic space to align the list
        ("Петров-Водкин К. С.", "Петров-Водкин К. С."),
    ],
)
def test_names_are_cleaned(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected
    assert parse_roster_text(raw).names == (expected,)


def test_numbered_slots_left_blank_are_empty_rows() -> None:
    roster = parse_roster_text("1. Иванов Иван\n2.\n3) Петрова Анна\n№4\n5.\n6.\n")
    assert roster.names == ("Иванов Иван", "Петрова Анна")
    # Blank rows after the last name are not worth mentioning.
    assert roster.empty_rows == (2,)


def test_repeats_are_kept_once_and_reported_with_rows() -> None:
    roster = parse_roster_text(
        "Иванов Иван\nПетрова Анна\nиванов  иван\n张伟\nИВАНОВ ИВАН\n张伟\nЩукина Юлия"
    )
    assert roster.names == ("Иванов Иван", "Петрова Анна", "张伟", "Щукина Юлия")
    assert roster.rows == (1, 2, 4, 7)
    assert roster.duplicates == (
        Duplicate(name="Иванов Иван", rows=(1, 3, 5)),
        Duplicate(name="张伟", rows=(4, 6)),
    )
    assert roster.repeated_rows == 3


def test_blank_lines_inside_are_reported_not_leading_or_trailing() -> None:
    roster = parse_roster_text("\n\nИванов Иван\n\n   \nПетрова Анна\n\n张伟\n\n\n")
    assert roster.names == ("Иванов Иван", "Петрова Анна", "张伟")
    assert roster.rows == (3, 6, 8)
    assert roster.empty_rows == (4, 5, 7)


@pytest.mark.parametrize(
    "header",
    [
        "ФИО",
        "Ф.И.О.",
        "Имя",
        "Фамилия",
        "Фамилия Имя",
        "Фамилия, имя, отчество",
        "№ п/п ФИО",
        "ФИО ученика (полностью)",
        "Список учеников",
        "Name",
        "Full name",
        "Student name",
        "姓名",
        "学生姓名",
        "序号 姓名",
    ],
)
def test_a_header_line_is_skipped(header: str) -> None:
    roster = parse_roster_text(f"{header}\nИванов Иван\n张伟")
    assert roster.header_skipped and roster.header_rows == (1,)
    assert roster.names == ("Иванов Иван", "张伟")


def test_a_title_line_above_the_list_is_skipped() -> None:
    roster = parse_roster_text("Список 5 «А» класса:\n1. Иванов Иван\n2. Петрова Анна")
    assert roster.header_rows == (1,)
    assert roster.names == ("Иванов Иван", "Петрова Анна")
    titled = parse_roster_text("Школа № 5, 7 «Б» класс\nФИО\n1. Иванов Иван")
    assert titled.header_rows == (1, 2) and titled.names == ("Иванов Иван",)


def test_a_name_is_not_taken_for_a_header() -> None:
    roster = parse_roster_text("Имамов Ринат\nНаумова Вера")
    assert not roster.header_skipped and roster.count == 2


def test_preview_arguments_and_messages_render() -> None:
    names = [f"Ученик <b>{chr(0x410 + i)}</b>" for i in range(7)]
    roster = parse_roster_text("ФИО\n" + "\n".join(names) + "\n\nУченик <b>А</b>")
    args = roster.preview_args(html.escape, limit=3)
    assert args == {
        "count": 7,
        "first": "1. Ученик &lt;b&gt;А&lt;/b&gt;\n2. Ученик &lt;b&gt;Б&lt;/b&gt;\n"
        "3. Ученик &lt;b&gt;В&lt;/b&gt;\n…",
    }
    assert roster.first(2) == roster.names[:2]
    ru, zh = I18n()("ru"), I18n()("zh")
    text = ru("roster-preview", **args)
    assert "7 учеников" in text and args["first"] in text
    assert "共7人" in zh("roster-preview", **args)  # no space between Hanzi and numerals
    # The header, each repeat with its rows, the blank rows: by row number, names escaped.
    assert roster.preview_notes(html.escape, "ru") == [
        ("roster-header-line", {"count": 1, "rows": "1"}),
        ("roster-duplicate-line", {"name": "Ученик &lt;b&gt;А&lt;/b&gt;", "rows": "2, 10"}),
        ("roster-empty-rows-line", {"count": 1, "rows": "9"}),
    ]
    clean = parse_roster_text("Иванов Иван\nПетров Пётр")
    assert [key for key, _ in clean.preview_notes(html.escape, "zh")] == [
        "roster-no-repeats",
        "roster-no-empty-rows",
    ]
    duplicate = roster.duplicates[0]
    line = ru("roster-duplicate-line", name=duplicate.name, rows=format_rows(duplicate.rows))
    assert line.endswith("встречается в строках 2, 10 — в список вошло один раз.")


def test_row_numbers_are_formatted_compactly() -> None:
    assert format_rows([3]) == "3"
    assert format_rows([7, 3, 4]) == "3, 4, 7"
    assert format_rows([1, 2, 3, 5, 9, 10, 11, 12]) == "1–3, 5, 9–12"
    assert format_rows(range(1, 40, 2), limit=3) == "1, 3, 5, …"
    # Chinese lists numbers with the enumeration comma: 第3、7、12–15行.
    assert format_rows([3, 7, 12, 13, 14, 15], lang="zh") == "3、7、12–15"
    assert format_rows(range(1, 40, 2), limit=3, lang="zh") == "1、3、5、…"


# --- text files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: s.encode("utf-8-sig"), "utf-8-sig"),
        (lambda s: s.encode("utf-16"), "utf-16"),  # Notepad's "Unicode": BOM + UTF-16LE
        (lambda s: b"\xfe\xff" + s.encode("utf-16-be"), "utf-16"),
        (lambda s: s.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
)
def test_unicode_text_files(encoded: Any, encoding: str) -> None:
    text = "ФИО\n" + "\n".join(CLASS_RU + CLASS_ZH) + "\n"
    roster = parse_roster_file("5А.txt", encoded(text))
    assert roster.names == (*CLASS_RU, *CLASS_ZH)
    assert roster.encoding == encoding and roster.source == "txt" and roster.header_skipped


@pytest.mark.parametrize(
    "names",
    [
        CLASS_RU,
        ["1. Иванов Иван", "2. ПЕТРОВА АННА", "3. Сидоров-Петров И.И.", "4. Ли Ян"],
        ["Иван", "Пётр"],  # one word a line: could pass for GB18030, cp1251 wins the tie
    ],
)
def test_cp1251_text_files(names: list[str]) -> None:
    roster = parse_roster_file("class.TXT", "\r\n".join(names).encode("cp1251"))
    assert roster.encoding == "cp1251"
    assert roster.names == tuple(clean_name(n) for n in names)


@pytest.mark.parametrize(
    "names",
    [
        CLASS_ZH,
        ["姓名", "1、张伟", "2、王　芳", "3、欧阳娜娜", "4、Zhang Wei"],
        ["张伟", "王 芳"],  # two-character names padded with a plain space
    ],
)
def test_gbk_text_files(names: list[str]) -> None:
    roster = parse_roster_file("名单.txt", "\r\n".join(names).encode("gbk"))
    assert roster.encoding == "gb18030"
    assert roster.names == tuple(clean_name(n) for n in names if n != "姓名")


def test_tab_separated_columns_are_used_when_a_header_names_them() -> None:
    # Excel's "Unicode text (*.txt)": UTF-16 with a BOM, tab-separated.
    table = "№\tФИО\tКласс\r\n1\tИванов Иван\t5А\r\n2\t张伟\t5А\r\n"
    roster = parse_roster_file("5А.txt", table.encode("utf-16"))
    assert roster.names == ("Иванов Иван", "张伟") and roster.header_rows == (1,)
    assert parse_roster_text(table).names == ("Иванов Иван", "张伟")  # cells pasted from a table
    parts = parse_roster_text("Фамилия\tИмя\tКласс\nИванов\tИван\t5А")
    assert parts.names == ("Иванов Иван",)
    # Without a header a tab is a space: the surname and the name stay together.
    assert parse_roster_text("Иванов\tИван\nПетрова\tАнна").names == (
        "Иванов Иван",
        "Петрова Анна",
    )


@pytest.mark.parametrize(
    "data",
    [
        "Müller Anna\nSchröder Jörg\n".encode("cp1252"),
        "Иванов Иван\nПетрова Анна\n".encode("koi8_r"),
        bytes(range(0x80, 0x100)) * 3,
    ],
)
def test_text_in_no_known_encoding_is_refused(data: bytes) -> None:
    assert refused(parse_roster_file, "a.txt", data).key == "roster-bad-encoding"


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_takes_the_name_column_by_its_header(delimiter: str) -> None:
    lines = [["№", "Класс", "ФИО", "E-mail"]] + [
        [str(i), "5А", name, f"p{i}@school.ru"] for i, name in enumerate(CLASS_RU + CLASS_ZH, 1)
    ]
    data = "\r\n".join(delimiter.join(cells) for cells in lines).encode("utf-8-sig")
    roster = parse_roster_file("export.csv", data)
    assert roster.names == (*CLASS_RU, *CLASS_ZH)
    assert roster.header_rows == (1,) and roster.rows[0] == 2 and roster.source == "csv"


def test_csv_joins_surname_name_and_patronymic_columns() -> None:
    data = (
        "sep=;\n"  # Excel's hint, not a row in Excel
        "№;Фамилия;Имя;Отчество;Класс\n"
        "1;Иванов;Иван;Иванович;5А\n"
        "2;Петрова;Анна;;5А\n"
        ";;;;\n"
        "3;Ёлкин;Пётр;Сергеевич;5А\n"
    ).encode("cp1251")
    roster = parse_roster_file("5А.csv", data)
    assert roster.encoding == "cp1251"
    assert roster.names == ("Иванов Иван Иванович", "Петрова Анна", "Ёлкин Пётр Сергеевич")
    assert roster.rows == (2, 3, 5) and roster.empty_rows == (4,)


def test_csv_joins_chinese_surname_and_given_name_without_a_space() -> None:
    data = "序号,姓,名\n1,张,伟\n2,欧阳,娜娜\n".encode("gbk")
    assert parse_roster_file("名单.csv", data).names == ("张伟", "欧阳娜娜")


def test_csv_without_a_header_takes_the_first_column_with_letters() -> None:
    data = "1;;Иванов Иван;5А\n2;;Петрова Анна;5А\n".encode()
    roster = parse_roster_file("list.csv", data)
    assert roster.names == ("Иванов Иван", "Петрова Анна") and not roster.header_skipped


def test_csv_quoted_fields_and_single_column() -> None:
    quoted = 'Name,Class\n"Müller, Anna",5A\n"Zhang ""Tony"" Wei",5A\n'.encode()
    assert parse_roster_file("a.csv", quoted).names == ("Müller, Anna", 'Zhang "Tony" Wei')
    single = "ФИО\n«Иванов Иван»\nПетрова Анна\n".encode()
    assert parse_roster_file("a.csv", single).names == ("Иванов Иван", "Петрова Анна")
    tsv = "Фамилия\tИмя\nИванов\tИван\n".encode()
    assert parse_roster_file("a.tsv", tsv).names == ("Иванов Иван",)


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_first_sheet_title_header_and_name_column() -> None:
    rows: list[list[Any]] = [
        ["Список 7 «Б» класса"],
        [],
        ["№", "ФИО ученика", "Дата рождения"],
        [1, "Иванов Иван Иванович", datetime(2012, 3, 1)],
        [2, "张伟", datetime(2012, 5, 9)],
        [3, None, None],
        [4, "  Петрова   Анна ", None],
        [5, "иванов иван иванович", None],
    ]
    roster = parse_roster_file("7Б.xlsx", xlsx(rows, second_sheet=[["Сидоров Сидор"]]))
    assert roster.names == ("Иванов Иван Иванович", "张伟", "Петрова Анна")
    assert roster.rows == (4, 5, 7)
    assert roster.header_rows == (1, 3)
    assert roster.empty_rows == (6,)
    assert roster.duplicates == (Duplicate("Иванов Иван Иванович", (4, 8)),)
    assert roster.source == "xlsx" and roster.encoding is None


def test_xlsx_separate_name_columns_and_no_header() -> None:
    parts = [["Фамилия", "Имя", "Отчество"], ["Иванов", "Иван", "Иванович"], ["Ли", "Ян", None]]
    assert parse_roster_file("a.xlsx", xlsx(parts)).names == ("Иванов Иван Иванович", "Ли Ян")
    bare = [[1, "Иванов Иван"], [2, "王芳"]]
    assert parse_roster_file("a.XLSX", xlsx(bare)).names == ("Иванов Иван", "王芳")


@pytest.mark.parametrize(
    ("value", "reason"),
    [(12345, "number"), (3.5, "number"), (datetime(2012, 3, 1), "date"), (True, "not-text")],
)
def test_xlsx_numbers_and_dates_in_the_name_column_are_bad_rows(value: Any, reason: str) -> None:
    data = xlsx([["ФИО"], ["Иванов Иван"], [value], ["Петрова Анна"]])
    error = refused(parse_roster_file, "a.xlsx", data)
    assert (error.key, error.args_) == ("roster-bad-row", {"row": 3, "reason": reason})


def test_corrupt_xlsx_is_refused() -> None:
    good = xlsx([["Иванов Иван"]])
    broken_zip = good[: len(good) // 2]
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "Иванов Иван")
    for data in (broken_zip, not_a_workbook.getvalue(), "Иванов Иван".encode().ljust(64), PNG):
        assert refused(parse_roster_file, "a.xlsx", data).key == "roster-bad-xlsx"


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("photo.txt", PNG),
        ("photo.txt", PNG.replace(b"\x00", b"\x01")),  # recognised by its signature too
        ("scan.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("list.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        ("list.csv", b"PK\x03\x04\x14\x00\x06\x00"),  # a workbook renamed .csv
        ("list.txt", "Иванов Иван\n".encode() + bytes(range(1, 9)) * 20),
    ],
)
def test_binary_files_are_refused(filename: str, data: bytes) -> None:
    assert refused(parse_roster_file, filename, data).key == "roster-binary"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("a.txt", b""),
        ("a.txt", b" \r\n\r\n\t"),
        ("a.txt", "\ufeff".encode()),
        ("a.txt", "\ufeff".encode("utf-16")),
        ("a.csv", "ФИО;Класс\n;\n".encode()),
        ("a.csv", " \r\n".encode("utf-16")),
        ("a.txt", b"1.\n2.\n3.\n"),
        ("a.xlsx", xlsx([["ФИО"]])),
        ("a.xlsx", xlsx([])),
    ],
)
def test_files_without_names_are_refused(filename: str, data: bytes) -> None:
    assert refused(parse_roster_file, filename, data).key == "roster-empty"


def test_empty_text_is_refused() -> None:
    for text in ("", "  \n\n", "ФИО\n"):
        assert refused(parse_roster_text, text).key == "roster-empty"


def test_files_over_one_megabyte_are_refused() -> None:
    line = "Иванов Иван\n".encode()
    data = line * (MAX_FILE_BYTES // len(line)) + b"x" * (MAX_FILE_BYTES % len(line))
    assert len(data) == MAX_FILE_BYTES
    with pytest.raises(RosterError) as just_fits:
        parse_roster_file("a.txt", data)  # fits the size, not the class
    assert just_fits.value.key == "roster-too-many"
    error = refused(parse_roster_file, "a.txt", data + b"x")
    assert (error.key, error.args_) == ("roster-file-too-large", {"size_kb": 1025, "max_kb": 1024})
    # The handler can refuse before downloading.
    assert refused(check_roster_file, "a.xlsx", MAX_FILE_BYTES + 1).key == "roster-file-too-large"
    assert check_roster_file("a.xlsx", MAX_FILE_BYTES) == ".xlsx"
    assert check_roster_file("Список.CSV", None) == ".csv"


def test_more_than_a_hundred_names_are_refused() -> None:
    names = HUNDRED_AND_ONE
    error = refused(parse_roster_text, "\n".join(names))
    assert (error.key, error.args_) == ("roster-too-many", {"count": 101, "max": MAX_STUDENTS})
    # A hundred different names and a repeat fit.
    assert parse_roster_text("\n".join(names[:100] + names[:1])).count == 100
    data = xlsx([["ФИО"]] + [[n] for n in names])
    assert refused(parse_roster_file, "a.xlsx", data).args_["count"] == 101


def test_a_huge_list_is_refused_without_reading_every_name() -> None:
    error = refused(parse_roster_text, "Иванов Иван\n" * 20_000)
    assert (error.key, error.args_["count"]) == ("roster-too-many", 20_000)


def test_a_long_name_is_refused_with_its_row() -> None:
    text = "ФИО\nИванов Иван\n\n" + "Я" * (NAME_MAX_LENGTH + 1) + "\nПетрова Анна"
    error = refused(parse_roster_text, text)
    assert (error.key, error.args_) == ("roster-name-too-long", {"row": 4, "max": 200})
    assert parse_roster_text("Я" * NAME_MAX_LENGTH).names == ("Я" * NAME_MAX_LENGTH,)
    data = text.encode("utf-8")
    assert refused(parse_roster_file, "a.txt", data).args_ == {"row": 4, "max": 200}


@pytest.mark.parametrize(
    ("line", "key", "args"),
    [
        ("12345", "roster-bad-row", {"reason": "digits-only"}),
        ("25", "roster-bad-row", {"reason": "digits-only"}),
        ("01.09.2012", "roster-bad-row", {"reason": "digits-only"}),
        ("!!!", "roster-bad-row", {"reason": "no-letters"}),
        ("Иванов Иван 5А", "roster-bad-row", {"reason": "digits"}),
        ("R2D2", "roster-bad-row", {"reason": "digits"}),
        ("Иван\x07ов", "roster-bad-row", {"reason": "control"}),
        ("Я", "roster-name-too-short", {"min": 2}),
    ],
)
def test_bad_names_are_refused_with_their_row(line: str, key: str, args: dict[str, Any]) -> None:
    error = refused(parse_roster_text, f"Иванов Иван\n{line}\nПетрова Анна")
    assert (error.key, error.args_) == (key, {"row": 2, **args})
    assert error.bad_rows == (2,)


def test_every_bad_row_is_listed() -> None:
    error = refused(parse_roster_text, "Иванов Иван\n123\nПетрова Анна\n\n5А\n!!!")
    assert error.args_ == {"row": 2, "reason": "digits-only"}
    assert error.bad_rows == (2, 5, 6)


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        ("список.docx", ".docx"),
        ("список.xls", ".xls"),
        ("photo.JPG", ".jpg"),
        ("roster", "none"),
        ("", "none"),
        ("a.<b>x&", ".bx"),  # never raw file-name text in an HTML message
    ],
)
def test_unsupported_files_are_refused(filename: str, extension: str) -> None:
    error = refused(parse_roster_file, filename, "Иванов Иван".encode())
    assert (error.key, error.args_) == ("roster-unsupported-type", {"extension": extension})


# --- messages -----------------------------------------------------------------------------


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


def _roster_messages(lang: str) -> dict[str, set[str]]:
    resource = FluentParser().parse((LOCALES_DIR / lang / "roster.ftl").read_text("utf-8"))
    messages: dict[str, set[str]] = {}
    for entry in resource.body:
        assert not isinstance(entry, ast.Junk), entry.content
        if isinstance(entry, ast.Message):
            collector = _Variables()
            collector.visit(entry)
            messages[entry.id.name] = collector.names
    return messages


def _keys_raised_in_code() -> set[str]:
    source = Path(roster_module.__file__).read_text("utf-8")
    return set(re.findall(r'RosterError\(\s*"([a-z-]+)"', source))


def test_every_raised_key_exists_in_both_languages_with_the_same_variables() -> None:
    ru, zh = _roster_messages("ru"), _roster_messages("zh")
    assert ru == zh
    raised = _keys_raised_in_code()
    assert len(raised) == 10
    assert sorted(raised - set(ru)) == []
    preview_keys = (
        "roster-preview",
        "roster-preview-question",
        "roster-header-line",
        "roster-duplicate-line",
        "roster-more-duplicates",
        "roster-no-repeats",
        "roster-empty-rows-line",
        "roster-no-empty-rows",
    )
    for key in preview_keys:
        assert key in ru
    assert ru["roster-preview"] == {"count", "first"}


ERROR_CASES: list[tuple[Any, tuple[Any, ...]]] = [
    (parse_roster_text, ("",)),
    (parse_roster_text, ("\n".join(HUNDRED_AND_ONE),)),
    (parse_roster_text, ("Я" * 201,)),
    (parse_roster_text, ("Я",)),
    (parse_roster_text, ("123",)),
    (parse_roster_file, ("a.txt", b"x" * (MAX_FILE_BYTES + 1))),
    (parse_roster_file, ("a.docx", b"x")),
    (parse_roster_file, ("a.txt", PNG)),
    (parse_roster_file, ("a.txt", bytes(range(0x80, 0x100)))),
    (parse_roster_file, ("a.xlsx", b"PK\x03\x04broken")),
]


@pytest.mark.parametrize(("call", "args"), ERROR_CASES)
@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_error_renders_with_the_variables_it_carries(
    call: Any, args: tuple[Any, ...], lang: str
) -> None:
    error = refused(call, *args)
    variables = _roster_messages(lang)[error.key]
    assert set(error.args_) == variables
    text = I18n()(lang)(error.key, **error.args_)
    assert text != error.key and "{" not in text
    digits = re.sub(r"(?<=\d)[\u00a0,](?=\d{3})", "", text)  # "1 025", "1,025"
    for value in error.args_.values():
        if isinstance(value, int):
            assert str(value) in digits


def test_error_cases_cover_every_raised_key() -> None:
    covered = {refused(call, *args).key for call, args in ERROR_CASES}
    assert covered == _keys_raised_in_code()


def test_roster_is_frozen() -> None:
    roster = parse_roster_text("Иванов Иван")
    assert isinstance(roster, Roster)
    with pytest.raises(AttributeError):
        roster.names = ()  # type: ignore[misc]
