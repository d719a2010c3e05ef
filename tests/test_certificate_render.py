"""Certificates as PDF (bot/services/certificates/documents.py), read back with pypdf: the words,
the fonts embedded as subsets, where the text and the QR code lie on the page (positions and
widths taken from the PDF's own operators and font widths), class PDFs, characters no font has,
templates. That the QR code reads as the check address is tests/test_qr.py's."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

from bot.services.certificates.documents import (
    CertificateData,
    CertificateRenderer,
    LetterData,
    MissingGlyphs,
    QrPlace,
    TemplateConfig,
    TemplateUnavailable,
    TextField,
    certificate_data,
    check_template,
    letter_data,
    preview,
)
from bot.services.certificates.fonts import (
    UMING,
    WQY_ZENHEI,
    FontChain,
    FontConfig,
    FontFace,
    check_fonts,
    load_chain,
    load_face,
)
from bot.services.certificates.layout import (
    FOOTER_SIDE,
    GOLD,
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    fit_text,
    ornament_boxes,
    qr_box,
)
from bot.services.events.catalog import Event
from bot.services.events.qr import QUIET_ZONE
from tests.harness import make_event

REPO = Path(__file__).resolve().parent.parent

TITLE = {
    "ru": "Международная научно-практическая видеоконференция «Наша общая Победа»",
    "zh": "“我们共同的胜利”国际科学实践视频会议",
}
ORGANIZER = {"ru": "Международный Союз «Наследники Победы»", "zh": "国际“胜利继承者”联盟"}
EVENT = Event.model_validate(make_event(title=TITLE, organizer=ORGANIZER))
BOT = "victory_bot"
WEB = "https://conf.example.org"  # PUBLIC_URL: the QR codes point at its /verify/<number>
LONG_NAME = (
    "Александра-Виктория Константиновна Преображенская-Рождественская "
    "Alexandra Victoria Konstantinovna Preobrazhenskaya-Rozhdestvenskaya "
    "亚历山德拉·维多利亚·康斯坦丁诺夫娜 Оглы Мамедова Тер-Петросян Нурсултановна Акопяны"
)[:200]
assert len(LONG_NAME) == 200 and LONG_NAME.strip() == LONG_NAME
DEJAVU_BOLD = FontConfig().bold[0].path
EGYPTIAN = "\U00013000"  # EGYPTIAN HIEROGLYPH A001: in no configured font
PRIVATE_USE = "\ue000"


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def data(name: str, lang: str = "ru", *, bilingual: bool = False, seq: int = 123) -> Any:
    return certificate_data(
        EVENT,
        full_name=name,
        number=f"NP25-{seq:04d}-K7QX",
        lang=lang,  # type: ignore[arg-type]
        bilingual=bilingual,
        bot_username=BOT,
        web_address=WEB,
    )


# ---------------------------------------------------------------------------------------------
# Reading a PDF back: every text-showing operator with its position and width


@dataclass
class Span:
    text: str
    x0: float
    x1: float
    y: float
    size: float


@dataclass
class TextLine:
    text: str
    x0: float
    x1: float
    y: float
    size: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _font_tables(page: Any) -> dict[str, tuple[dict[int, str], list[float], int]]:
    tables = {}
    for name, ref in page["/Resources"]["/Font"].items():
        font = ref.get_object()
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        codes = {
            int(code, 16): chr(int(uni, 16))
            for code, uni in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]{4,6})>", cmap)
        }
        widths = [float(w) for w in font["/Widths"]]
        tables[name] = (codes, widths, int(font["/FirstChar"]))
    return tables


def spans(page: Any) -> list[Span]:
    """Each Tj of the page: the text (through the font's ToUnicode map), where it starts and
    ends (from the font's /Widths, the size and the character spacing) and its baseline. The
    renderer draws with an identity matrix and one Tm per line, which is all this follows
    (besides q/Q, which save and restore the character spacing)."""
    tables = _font_tables(page)
    state: dict[str, Any] = {"font": None, "size": 0.0, "tc": 0.0, "x": 0.0, "y": 0.0}
    saved: list[dict[str, Any]] = []
    found: list[Span] = []

    def visit(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"q":  # the text state is part of the graphics state
            saved.append(dict(state))
        elif op == b"Q":
            state.update(saved.pop())
        elif op == b"Tf":
            state["font"], state["size"] = str(args[0]), float(args[1])
        elif op == b"Tc":
            state["tc"] = float(args[0])
        elif op == b"Tm":
            assert [float(a) for a in args[:4]] == [1, 0, 0, 1], "unexpected text matrix"
            state["x"], state["y"] = float(args[4]), float(args[5])
        elif op == b"Tj":
            raw = getattr(args[0], "original_bytes", None) or bytes(args[0])
            codes, widths, first = tables[state["font"]]
            advance = sum(widths[b - first] * state["size"] / 1000 + state["tc"] for b in raw)
            text = "".join(codes.get(b, "\x00") for b in raw)
            x = state["x"]
            found.append(Span(text, x, x + advance - state["tc"], state["y"], state["size"]))
            state["x"] = x + advance

    page.extract_text(visitor_operand_before=visit)
    return found


def lines(page: Any) -> list[TextLine]:
    """Spans on one baseline, in drawing order, joined into lines."""
    result: list[TextLine] = []
    for span in spans(page):
        last = result[-1] if result else None
        if last and abs(last.y - span.y) < 0.01 and abs(last.x1 - span.x0) < span.size:
            last.text += span.text
            last.x1 = span.x1
        else:
            result.append(TextLine(span.text, span.x0, span.x1, span.y, span.size))
    return result


def pages(pdf: bytes) -> list[Any]:
    return list(PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------------------------------------
# Reading a PDF back: the QR code, from the rectangles the page fills

Rect = tuple[float, float, float, float]  # x, y, width, height
Box = tuple[float, float, float, float]  # left, bottom, right, top


def filled_paths(page: Any) -> list[list[Rect]]:
    """The rectangles (`re`) of each path the page fills, in drawing order. The renderer draws
    them in page coordinates (a `cm` only around a template's background image, within q/Q),
    which is all this follows."""
    paths: list[list[Rect]] = []
    current: list[Rect] = []
    transformed = [False]  # per saved graphics state: is the matrix other than the identity?
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"q":
            transformed.append(transformed[-1])
        elif operator == b"Q":
            transformed.pop()
        elif operator == b"cm":
            transformed[-1] |= [float(v) for v in operands] != [1, 0, 0, 1, 0, 0]
        elif operator == b"re":
            assert not transformed[-1], "a rectangle drawn in transformed coordinates"
            x, y, w, h = (float(v) for v in operands)
            current.append((x, y, w, h))
        elif operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            paths.append(current)
            current = []
        elif operator in (b"S", b"s", b"n"):
            current = []
    return paths


@dataclass(frozen=True)
class DrawnQr:
    box: Box  # the symbol, without its quiet zone
    modules: tuple[tuple[bool, ...], ...]  # True for dark, top row first

    @property
    def module(self) -> float:
        return (self.box[2] - self.box[0]) / len(self.modules)

    @property
    def quiet_box(self) -> Box:
        """The symbol with its quiet zone, which no other ink may enter."""
        q = QUIET_ZONE * self.module
        left, bottom, right, top = self.box
        return left - q, bottom - q, right + q, top + q


def drawn_qr(page: Any) -> DrawnQr:
    """The page's one QR code as drawn (the only filled path of many rectangles), read back
    module by module. Its box is that of the dark modules: the finder patterns fill three
    corners, so it is the symbol's."""
    (rects,) = [path for path in filled_paths(page) if len(path) > 20]
    step = min(h for *_, h in rects)
    left, bottom = min(r[0] for r in rects), min(r[1] for r in rects)
    right, top = max(r[0] + r[2] for r in rects), max(r[1] + r[3] for r in rects)
    size = round((right - left) / step)
    assert size == round((top - bottom) / step), "not square"
    grid = [[False] * size for _ in range(size)]
    for x, y, w, h in rects:
        assert h == pytest.approx(step, abs=1e-3), "a rectangle is more than one row high"
        row = round((top - y - h) / step)
        for column in range(round((x - left) / step), round((x + w - left) / step)):
            grid[row][column] = True
    return DrawnQr((left, bottom, right, top), tuple(tuple(row) for row in grid))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pages(pdf))


def find(found: list[TextLine], text: str) -> TextLine:
    matches = [line for line in found if line.text == text]
    assert matches, f"{text!r} not among {[line.text for line in found]}"
    return matches[0]


def name_lines(found: list[TextLine], name: str) -> list[TextLine]:
    """The consecutive lines that spell out `name` (broken at spaces or anywhere)."""
    squeezed = name.replace(" ", "")
    for start, line in enumerate(found):
        if line.text and squeezed.startswith(line.text.replace(" ", "")):
            taken, joined = [], ""
            for candidate in found[start:]:
                taken.append(candidate)
                joined += candidate.text.replace(" ", "")
                if joined == squeezed:
                    return taken
                if not squeezed.startswith(joined):
                    break
    raise AssertionError(f"{name!r} not found in {[line.text for line in found]}")


# ---------------------------------------------------------------------------------------------
# The words


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        ("Иванов Иван Иванович", "ru"),
        ("张伟", "zh"),
        ("Иван Ли 李", "ru"),
        ("Ли Мин 李明 Lee Ming", "zh"),
        ("O'Connor-Smith, Jean-Luc", "ru"),
        (LONG_NAME, "ru"),
    ],
)
def test_the_name_number_and_event_are_in_the_text(
    renderer: CertificateRenderer, name: str, lang: str
) -> None:
    cert = data(name, lang)
    pdf = renderer.render(cert)
    assert pdf.startswith(b"%PDF-")
    assert len(pages(pdf)) == 1
    text = text_of(pdf)
    flat = text.replace("\n", " ")
    if len(name) < 60:
        assert name in text.splitlines()
    else:
        assert name.replace(" ", "") in text.replace("\n", "").replace(" ", "")
    assert cert.number in text
    assert f"/verify {cert.number}" in flat and f"@{BOT}" in flat
    assert "commonwin@bk.ru" in flat  # the organizers' e-mail, for those without Telegram
    assert TITLE[lang].replace(" ", "") in flat.replace(" ", "")
    assert ORGANIZER[lang] in text
    if lang == "ru":
        assert "СЕРТИФИКАТ УЧАСТНИКА" in text and "3 сентября 2025 г." in text
        assert "参会证书" not in text
    else:
        assert "参会证书" in text and "2025年9月3日" in text
        assert "СЕРТИФИКАТ" not in text


def test_a_bilingual_certificate_has_both_languages_the_participants_first(
    renderer: CertificateRenderer,
) -> None:
    for lang, first, second in (
        ("ru", "СЕРТИФИКАТ УЧАСТНИКА", "参会证书"),
        ("zh", "参会证书", "С"),
    ):
        text = text_of(renderer.render(data("Иван Ли 李", lang, bilingual=True)))
        assert text.index(first) < text.index(second)
        for words in (
            *TITLE.values(),
            *ORGANIZER.values(),
            "3 сентября 2025 г.",
            "2025年9月3日",
        ):
            assert words.replace(" ", "") in text.replace("\n", "").replace(" ", "")
        assert text.count("Иван Ли 李") == 1  # the name once, as registered


def test_the_date_is_moscows_in_russian_and_beijings_in_chinese() -> None:
    # 22:30 in Moscow on 3 September is 03:30 on 4 September in Beijing.
    late = Event.model_validate(
        make_event(starts_at=EVENT.starts_at.replace(hour=19, minute=30), organizer=ORGANIZER)
    )
    cert = certificate_data(late, full_name="Иван", number="X", lang="ru", bilingual=True)
    assert cert.date.ru == "3 сентября 2025\u00a0г." and cert.date.zh == "2025年9月4日"


def test_the_certificate_words_are_right_for_every_participant(
    renderer: CertificateRenderer,
) -> None:
    """No «принял(а)»: a wording right for women and men, with or without a patronymic; the
    sentence starts with a capital."""
    text = text_of(renderer.render(data("Ли Вэй", "ru")))
    assert "(а)" not in text
    assert "Настоящим подтверждается, что" in text.splitlines()
    assert "является участником мероприятия" in text.splitlines()


def test_the_letter_of_thanks_addresses_the_teacher_by_name(
    renderer: CertificateRenderer,
) -> None:
    """The name in the nominative stands alone as the addressee; the sentence after it says
    «Вам» instead of putting the name after «выражают благодарность» (which needs the dative)."""
    letter = letter_data(
        EVENT, teacher_name="Петрова Анна Сергеевна", class_name="8 «Б»", school="Школа № 1",
        lang="ru",
    )  # fmt: skip
    texts = [line.text for line in lines(pages(renderer.render_class([], letter))[0])]
    name = texts.index("Петрова Анна Сергеевна")
    assert not any("благодарность" in text for text in texts[:name])
    assert (
        "Организаторы выражают Вам искреннюю благодарность за подготовку учащихся класса 8 «Б» "
        "(Школа № 1) к участию в мероприятии"
    ) in " ".join(texts[name + 1 :])


def test_a_non_breaking_space_keeps_the_number_sign_with_the_number() -> None:
    chain = load_chain(FontConfig().regular)
    fitted = fit_text(
        chain, "Сертификат №\u00a0NP25-0001-K7QX", size=10, max_width=1, max_lines=2, min_size=10
    )
    texts = ["".join(run.text for run in line.runs) for line in fitted.lines]
    assert len(texts) == 2 and not texts[0].endswith("№"), texts


def test_the_verification_line_gives_the_organizers_email_in_both_languages() -> None:
    verify = data("Иван", "ru", bilingual=True).verify
    assert verify is not None
    assert verify.ru == (
        f"Проверить подлинность: отправьте боту @{BOT} в Telegram команду /verify "
        "NP25-0123-K7QX или напишите на commonwin@bk.ru"
    )
    assert verify.zh == (
        f"验证真伪：向 Telegram 机器人 @{BOT} 发送 /verify NP25-0123-K7QX，"
        "或发送邮件至 commonwin@bk.ru"
    )
    # The address is the event's (events.toml), and there is none without one.
    for contacts, expected in (({"email": "info@example.org"}, "info@example.org"), ({}, None)):
        event = Event.model_validate(make_event(title=TITLE, contacts=contacts))
        line = certificate_data(
            event, full_name="Иван", number="N", lang="ru", bot_username=BOT
        ).verify
        assert line is not None and "/verify N" in line.ru
        assert (
            (expected in line.ru and expected in line.zh) if expected else "@" not in line.zh[-20:]
        )


# ---------------------------------------------------------------------------------------------
# Fonts


def _fonts(pdf: bytes) -> list[Any]:
    seen: dict[int, Any] = {}
    for page in pages(pdf):
        for ref in page["/Resources"]["/Font"].values():
            seen[ref.idnum] = ref.get_object()
    return list(seen.values())


def test_fonts_are_embedded_as_subsets_and_only_those_used(renderer: CertificateRenderer) -> None:
    pdf = renderer.render(data("Иван Ли 李", "ru", bilingual=True))
    fonts = _fonts(pdf)
    names = sorted(str(font["/BaseFont"]) for font in fonts)
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        assert re.fullmatch(r"/[A-Z]{6}\+\S+", str(font["/BaseFont"])), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object()
        assert len(embedded.get_data()) > 1000
    assert any("DejaVuSerif-Bold" in n for n in names)
    assert any("DejaVuSerif" in n and "Bold" not in n for n in names)
    # Chinese in a serif (Ming) face like DejaVu Serif; the fallback font is not needed.
    assert any("UMing" in n for n in names)
    assert not any("WenQuanYi" in n for n in names)
    # A Russian certificate has no Chinese on it, so the Chinese font is not embedded at all.
    russian = [str(f["/BaseFont"]) for f in _fonts(renderer.render(data("Иванов Иван", "ru")))]
    assert not any("UMing" in n or "WenQuanYi" in n for n in russian)


def test_no_character_is_drawn_as_an_empty_box(renderer: CertificateRenderer) -> None:
    for name, lang in (("Иван Ли 李", "ru"), ("张伟", "zh"), (LONG_NAME, "zh")):
        for page in pages(renderer.render(data(name, lang, bilingual=True))):
            for span in spans(page):
                assert "\x00" not in span.text, span  # code 0 is .notdef in every subset


def test_invisible_characters_are_left_out_and_the_rest_is_drawn(
    renderer: CertificateRenderer,
) -> None:
    pasted = "\ufeffИванов\u200b Иван\u00ad Иванович\u200e"  # BOM, zero-width space, ...
    text = text_of(renderer.render(data(pasted)))
    assert "Иванов Иван Иванович" in text.splitlines()


def test_without_organizer_and_bot_the_lines_are_left_out(renderer: CertificateRenderer) -> None:
    bare_event = Event.model_validate(make_event(title=TITLE))
    assert bare_event.organizer is None
    cert = certificate_data(bare_event, full_name="Иван", number="NP25-0001-K7QX", lang="ru")
    text = text_of(renderer.render(cert))
    assert "Иван" in text.splitlines() and "NP25-0001-K7QX" in text
    assert "ОРГАНИЗАТОР" not in text and "/verify" not in text


def test_a_mixed_name_is_split_into_runs_by_the_font_that_has_the_glyphs() -> None:
    chain = load_chain(FontConfig().bold)
    runs = chain.shape("Иван Ли 李").runs()
    assert [(r.text, r.face.face.path) for r in runs] == [("Иван Ли ", DEJAVU_BOLD), ("李", UMING)]
    # Quotes and digits follow their neighbours: Chinese quotes with the Chinese font.
    quoted = chain.shape("“胜利” 2025年").runs()
    assert len(quoted) == 1 and quoted[0].face.face.path == UMING
    # Between two scripts, spaces and signs go with the Latin word: "@bot" is one Latin run.
    mixed = chain.shape("机器人 @victory_bot 发送").runs()
    assert [r.text for r in mixed] == ["机器人", " @victory_bot ", "发送"]
    assert mixed[1].face.face.path == DEJAVU_BOLD


def test_the_chinese_in_a_mixed_name_is_as_bold_as_the_rest(
    renderer: CertificateRenderer,
) -> None:
    """UMing has one light weight: in the bold chain (the name) it is stroked as well as filled,
    with a line as wide as the bold config says, and more than in running text."""
    bold, regular = FontConfig().bold, FontConfig().regular
    assert bold[1].path == regular[1].path == UMING
    assert bold[1].embolden >= 0.05 > regular[1].embolden > 0
    pdf = renderer.render(data("王小明 (Wang Xiaoming)", "zh"))
    (page,) = pages(pdf)
    (name,) = name_lines(lines(page), "王小明 (Wang Xiaoming)")
    fonts = {key: str(ref.get_object()["/BaseFont"]) for key, ref in _font_resources(pdf).items()}
    stream = page.get_contents().get_data().decode("latin-1")
    # Each text object drawn in fill-and-stroke mode (2 Tr): the stroke width, font and size.
    stroked = [
        (float(width), fonts[font], float(size))
        for width, font, size in re.findall(
            r"([\d.]+) w\s+BT [^\n]*?2 Tr (/\S+) ([\d.]+) Tf", stream
        )
    ]
    assert stroked and all("UMing" in font for _, font, _ in stroked), stroked
    # The name's Hanzi, at the name's size, with the bold chain's stroke.
    assert any(
        size == pytest.approx(name.size) and width == pytest.approx(size * bold[1].embolden)
        for width, _, size in stroked
    ), (stroked, name.size)


def _font_resources(pdf: bytes) -> dict[str, Any]:
    return dict(pages(pdf)[0]["/Resources"]["/Font"].items())


def test_the_fallback_font_is_loaded_only_for_characters_the_others_lack() -> None:
    loaded: list[Path] = []

    def load(face: FontFace) -> Any:
        loaded.append(face.path)
        return load_face(face)

    chain = FontChain(FontConfig().regular, load)
    chain.shape("Иванов 王小明")
    assert loaded == [FontConfig().regular[0].path, UMING]
    runs = chain.shape("王刏").runs()  # 刏 (U+5208) is not in UMing
    assert loaded[-1] == WQY_ZENHEI and runs[-1].face.face.path == WQY_ZENHEI


@pytest.mark.parametrize("char", [EGYPTIAN, PRIVATE_USE, "\u05d0"])  # the last: Hebrew alef, RTL
def test_a_character_no_font_has_is_refused_not_drawn(
    renderer: CertificateRenderer, char: str
) -> None:
    with pytest.raises(MissingGlyphs) as caught:
        renderer.render(data(f"Иван {char}{char} Ли", "ru"))
    assert caught.value.chars == (char,)
    assert f"U+{ord(char):04X}" in str(caught.value)


def test_fonts_are_loaded_once_per_process() -> None:
    first, second = CertificateRenderer(), CertificateRenderer()
    assert first._chains.regular is second._chains.regular
    assert first._chains.bold.face(1) is load_chain(FontConfig().bold).face(1)


def test_check_fonts_names_each_problem_in_one_line(tmp_path: Path) -> None:
    assert check_fonts(FontConfig()) == []
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("hello")
    cff = tmp_path / "NotoSansCJK.otf"
    cff.write_bytes(b"OTTO" + bytes(60))
    config = FontConfig(
        regular=(FontFace(path=tmp_path / "missing.ttf"), FontFace(path=not_a_font)),
        bold=(FontFace(path=cff), FontFace(path=UMING, subfont_index=9)),
    )
    assert check_fonts(config) == [
        f"font {tmp_path / 'missing.ttf'}: file not found",
        f"font {not_a_font} (#0): not a TrueType font",
        f"font {cff} (#0): has CFF (PostScript) outlines; reportlab needs TrueType outlines",
        f"font {UMING}: has 4 fonts, no font #9",
    ]


# That start-up neither parses the fonts nor imports reportlab: tests/test_lazy_imports.py (one
# fresh interpreter for every such check).


# ---------------------------------------------------------------------------------------------
# Layout, by the positions of the text on the page

FRAME_LEFT, FRAME_RIGHT = GOLD, PAGE_WIDTH - GOLD
FRAME_BOTTOM, FRAME_TOP = GOLD, PAGE_HEIGHT - GOLD


def _inside_frame(found: list[TextLine]) -> None:
    for line in found:
        assert FRAME_LEFT + 5 * MM < line.x0 < line.x1 < FRAME_RIGHT - 5 * MM, line
        assert FRAME_BOTTOM + 3 * MM < line.y < FRAME_TOP - 10 * MM, line


def test_the_page_is_a4_landscape_and_the_type_has_a_hierarchy(
    renderer: CertificateRenderer,
) -> None:
    cert = data("Иванов Иван Иванович", "ru")
    (page,) = pages(renderer.render(cert))
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        (841.89, 595.28), abs=0.01
    )
    found = lines(page)
    _inside_frame(found)
    heading = find(found, "СЕРТИФИКАТ УЧАСТНИКА")
    intro = find(found, "Настоящим подтверждается, что")
    (name,) = name_lines(found, cert.full_name)
    body = find(found, "является участником мероприятия")
    event = [line for line in found if line.text in TITLE["ru"] and line.size > 15]
    date = find(found, "3 сентября 2025 г.")
    organizer = find(found, ORGANIZER["ru"])
    number = find(found, f"Сертификат № {cert.number}")
    verify = next(line for line in found if line.text.startswith("Проверить"))
    # Top to bottom.
    assert heading.y > intro.y > name.y > body.y > event[0].y > date.y > organizer.y > verify.y
    # Sizes: the name largest, then the heading, the event, the date; the small print smallest.
    assert name.size > heading.size > event[0].size > date.size > intro.size > organizer.size
    assert organizer.size > verify.size and number.size > verify.size
    # Centred: heading, name, event, date; organizer on the left, number on the right.
    for line in (heading, intro, name, body, *event, date, verify):
        assert line.centre == pytest.approx(PAGE_WIDTH / 2, abs=0.5), line
    assert organizer.x0 < PAGE_WIDTH / 3 and number.x1 > PAGE_WIDTH * 2 / 3
    assert organizer.x0 == pytest.approx(FOOTER_SIDE, abs=0.5)
    # The QR code right of the number and level with it, in the corner ornament's L.
    qr = drawn_qr(page)
    assert qr.box == pytest.approx(qr_box(), abs=0.01)
    assert number.x1 < qr.quiet_box[0] and qr.box[1] < number.y < qr.box[3]
    assert qr.box[2] > PAGE_WIDTH - FOOTER_SIDE


LONG_ORGANIZER = {
    "ru": "Международный Союз общественных объединений «Наследники Победы» при поддержке "
    "Российско-Китайского комитета дружбы, мира и развития",
    "zh": "国际“胜利继承者”社会团体联盟（在中俄友好、和平与发展委员会的支持下）",
}


def _ink_box(line: TextLine) -> tuple[float, float, float, float]:
    """Where a line's glyphs can put ink: from the descenders to above the capitals."""
    return line.x0, line.y - 0.3 * line.size, line.x1, line.y + 0.95 * line.size


def _overlap(a: tuple[float, ...], b: tuple[float, ...], margin: float) -> bool:
    return (
        a[0] < b[2] + margin
        and b[0] < a[2] + margin
        and a[1] < b[3] + margin
        and b[1] < a[3] + margin
    )


@pytest.mark.parametrize("lang", ["ru", "zh"])
@pytest.mark.parametrize("bilingual", [False, True], ids=["one language", "bilingual"])
@pytest.mark.parametrize("organizer", [ORGANIZER, LONG_ORGANIZER], ids=["organizer", "long"])
def test_no_text_or_qr_code_touches_the_corner_ornaments_or_each_other(
    renderer: CertificateRenderer, lang: str, bilingual: bool, organizer: dict[str, str]
) -> None:
    """The organizer, the number and the verification line keep clear of the corner
    ornaments (with 2 mm to spare), on certificates and on letters of thanks; so does the QR
    code with its quiet zone (0.5 mm to spare), which no text comes within 1 mm of, however
    long the address (more modules, smaller ones: still 18 to 22 mm)."""
    event = Event.model_validate(make_event(title=TITLE, organizer=organizer))
    long_address = "https://conference.nasha-obshaya-pobeda.example.org"
    cert = certificate_data(
        event,
        full_name=LONG_NAME,
        number="NP25-12345-K7QX/30",
        lang=lang,  # type: ignore[arg-type]
        bilingual=bilingual,
        bot_username="a_rather_long_bot_username_bot",
        web_address=long_address,
    )
    letter = letter_data(
        event,
        teacher_name="Петрова Анна Сергеевна",
        class_name="8 «Б»",
        school="Государственное бюджетное общеобразовательное учреждение «Школа № 1234»",
        lang=lang,  # type: ignore[arg-type]
        bilingual=bilingual,
        number="NP25-12345-K7QX",
        web_address=long_address,
    )
    boxes = ornament_boxes()
    assert len(boxes) == 8
    for page in pages(renderer.render_class([cert], letter)):
        found = lines(page)
        assert any(line.text.startswith(("ОРГАНИЗАТОР", "主办方")) for line in found)
        for line in found:
            for box in boxes:
                assert not _overlap(_ink_box(line), box, 2 * MM), (line, box)
        qr = drawn_qr(page)
        assert 18 * MM <= qr.box[2] - qr.box[0] <= 22 * MM
        for box in boxes:
            assert not _overlap(qr.quiet_box, box, 0.5 * MM), box
        for line in found:
            assert not _overlap(qr.quiet_box, _ink_box(line), 1 * MM), line


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        ("Иван Ли 李", "ru"),
        ("张伟", "zh"),
        ("Преображенская Александра Викторовна", "ru"),  # shrunk to fit
    ],
)
def test_the_name_is_centred_on_one_line(
    renderer: CertificateRenderer, name: str, lang: str
) -> None:
    (page,) = pages(renderer.render(data(name, lang, bilingual=True)))
    found = lines(page)
    _inside_frame(found)
    (line,) = name_lines(found, name)
    assert line.text == name
    assert line.centre == pytest.approx(PAGE_WIDTH / 2, abs=0.5)
    assert line.size >= 40 * 0.7 - 0.01  # shrunk at most to the floor before wrapping


@pytest.mark.parametrize(
    "name",
    [LONG_NAME, "Ы" * 200, "李" * 200, ("Иванов " * 40)[:200].strip()],
    ids=["mixed words", "one long word", "200 Chinese characters", "many words"],
)
def test_a_very_long_name_shrinks_and_wraps_onto_two_lines_within_the_frame(
    renderer: CertificateRenderer, name: str
) -> None:
    assert len(name) == 200
    (page,) = pages(renderer.render(data(name, "ru", bilingual=True)))
    found = lines(page)
    _inside_frame(found)
    taken = name_lines(found, name)
    assert len(taken) == 2
    first, second = taken
    assert first.size == second.size >= 5.5  # 200 letters Ы are about 240 em wide
    assert first.y > second.y
    for line in taken:
        assert line.centre == pytest.approx(PAGE_WIDTH / 2, abs=0.5)
        assert line.x1 - line.x0 <= 245 * MM + 0.5
    # Balanced: neither line is much longer than the other.
    widths = sorted(line.x1 - line.x0 for line in taken)
    assert widths[0] > 0.6 * widths[1]


def test_fit_text_shrinks_first_then_wraps() -> None:
    chain = load_chain(FontConfig().regular)
    short = fit_text(chain, "Иван", size=40, max_width=300, max_lines=2)
    assert short.size == 40 and len(short.lines) == 1
    text = "Константин Константинопольский"
    natural = fit_text(chain, text, size=40, max_width=10_000).width
    shrunk = fit_text(chain, text, size=40, max_width=natural * 0.8, max_lines=2)
    assert len(shrunk.lines) == 1 and shrunk.size == pytest.approx(32, abs=0.01)
    wrapped = fit_text(chain, text, size=40, max_width=natural * 0.6, max_lines=2)
    assert len(wrapped.lines) == 2 and wrapped.size <= 40 and wrapped.width <= natural * 0.6
    assert [[r.text for r in line.runs] for line in wrapped.lines] == [
        ["Константин"],
        ["Константинопольский"],
    ]


# ---------------------------------------------------------------------------------------------
# Classes


def test_a_class_pdf_has_the_letter_of_thanks_then_a_page_per_pupil(
    renderer: CertificateRenderer,
) -> None:
    names = [f"Ученик{i:02d} Иванов" if i % 3 else f"学生{i:02d} 王" for i in range(30)]
    certificates = [data(name, "ru", seq=1000 + i) for i, name in enumerate(names)]
    letter = letter_data(
        EVENT,
        teacher_name="Петрова Мария Сергеевна",
        class_name="8 «Б»",
        school="Школа № 1",
        lang="ru",
    )
    pdf = renderer.render_class(certificates, letter)
    read = pages(pdf)
    assert len(read) == 31
    first = read[0].extract_text()
    assert "БЛАГОДАРСТВЕННОЕ ПИСЬМО" in first and "Петрова Мария Сергеевна" in first
    flat = first.replace("\n", " ")
    assert "класса 8 «Б» (Школа № 1)" in flat
    for page, cert in zip(read[1:], certificates, strict=True):
        text = page.extract_text()
        assert cert.full_name in text.splitlines() and cert.number in text
    # The fonts are embedded once for the whole class, not once per page.
    single = len(renderer.render(certificates[0]))
    assert len(pdf) < 6 * single


def test_a_letter_in_chinese_reads_as_one_sentence(renderer: CertificateRenderer) -> None:
    letter = letter_data(
        EVENT, teacher_name="王芳", class_name="初二（3）班", school="北京市第一中学", lang="zh"
    )
    text = renderer.render_class([data("李明", "zh")], letter)
    first = pages(text)[0].extract_text()
    assert "感谢信" in first and "王芳" in first
    assert "老师悉心指导北京市第一中学初二（3）班的同学们参加" in first


def test_a_class_with_an_undrawable_name_is_refused_as_a_whole(
    renderer: CertificateRenderer,
) -> None:
    certificates = [data("Иван"), data(f"Пётр {EGYPTIAN}"), data(f"Анна {PRIVATE_USE}")]
    letter = letter_data(EVENT, teacher_name="Петрова", class_name="8Б", school="", lang="ru")
    with pytest.raises(MissingGlyphs) as caught:
        renderer.render_class(certificates, letter)
    assert caught.value.chars == (EGYPTIAN, PRIVATE_USE)


async def test_render_async_gives_the_same_certificate(renderer: CertificateRenderer) -> None:
    cert = data("Иван Ли 李", "zh", bilingual=True)
    pdf = await renderer.render_async(cert)
    assert text_of(pdf) == text_of(renderer.render(cert))
    letter = letter_data(EVENT, teacher_name="王芳", class_name="1班", school="", lang="zh")
    assert len(pages(await renderer.render_class_async([cert] * 3, letter))) == 4


# ---------------------------------------------------------------------------------------------
# Size


def test_a_certificate_is_small_thanks_to_subsetting(renderer: CertificateRenderer) -> None:
    russian = len(renderer.render(data("Иванов Иван Иванович", "ru")))
    bilingual = len(renderer.render(data("Иван Ли 李", "ru", bilingual=True)))
    # About 30 KB and 45 KB when written; the Chinese font alone is a 17 MB file.
    assert 10_000 < russian < 60_000
    assert russian < bilingual < 90_000


# ---------------------------------------------------------------------------------------------
# Templates

FIELDS = {
    "name": TextField(x_mm=148.5, y_mm=100, size_pt=32, max_width_mm=200, max_lines=2, bold=True),
    "event": TextField(x_mm=148.5, y_mm=125, size_pt=16, max_width_mm=220, max_lines=2),
    "date": TextField(x_mm=148.5, y_mm=150, size_pt=14, max_width_mm=120),
    # Left of the QR code, which goes in the bottom right corner unless placed elsewhere.
    "number": TextField(x_mm=258, y_mm=195, size_pt=10, max_width_mm=90, align="right"),
    "verify": TextField(x_mm=20, y_mm=195, size_pt=8, max_width_mm=150, align="left"),
}


def _png(path: Path, size: tuple[int, int] = (1188, 840)) -> Path:
    image = Image.new("RGBA", size, (244, 236, 216, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, size[0] - 30, size[1] - 30), outline=(32, 64, 96, 255), width=12)
    image.save(path)
    return path


def _background_pdf(path: Path, pages_count: int = 1) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    for _ in range(pages_count):
        canvas.setFont("Helvetica", 40)
        canvas.drawString(60, 500, "BACKGROUND ART")
        canvas.showPage()
    canvas.save()
    return path


def test_a_template_puts_the_fields_on_a_png_background(tmp_path: Path) -> None:
    template = TemplateConfig(background=_png(tmp_path / "bg.png"), fields=FIELDS)
    assert check_template(template) == []
    renderer = CertificateRenderer(template=template)
    cert = data("Иван Ли 李", "ru")
    (page,) = pages(renderer.render(cert))
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    assert [(i["/Subtype"], list(i["/Filter"]), i["/Width"]) for i in images] == [
        ("/Image", ["/DCTDecode"], 1188)
    ]
    found = lines(page)
    (name,) = name_lines(found, cert.full_name)
    assert name.centre == pytest.approx(148.5 * MM, abs=0.5)
    assert name.y == pytest.approx(PAGE_HEIGHT - 100 * MM, abs=0.01)
    assert name.size == 32
    number = find(found, f"Сертификат № {cert.number}")
    assert number.x1 == pytest.approx(258 * MM, abs=0.5)
    # The QR code in the bottom right corner, 20 mm, 12 mm from the edges, on a white square
    # as wide as its quiet zone (the artwork may be dark there).
    qr = drawn_qr(page)
    assert qr.box == pytest.approx((265 * MM, 12 * MM, 285 * MM, 32 * MM), abs=0.01)
    (backdrop,) = [path for path in filled_paths(page) if len(path) == 1]
    (x, y, w, h) = backdrop[0]
    assert (x, y, x + w, y + h) == pytest.approx(qr.quiet_box, abs=0.01)
    assert not _overlap(_ink_box(number), qr.quiet_box, 1 * MM)
    verify = next(line for line in found if line.text.startswith("Проверить"))
    assert verify.x0 == pytest.approx(20 * MM, abs=0.5)
    assert verify.x1 <= (20 + 150) * MM + 0.5
    # Fields the template leaves out are not printed.
    assert "СЕРТИФИКАТ" not in page.extract_text()
    # A long name is fitted into the field's width.
    (page,) = pages(renderer.render(data(LONG_NAME, "ru")))
    for line in name_lines(lines(page), LONG_NAME):
        assert line.x1 - line.x0 <= 200 * MM + 0.5


def test_a_template_with_a_pdf_background(tmp_path: Path) -> None:
    template = TemplateConfig(background=_background_pdf(tmp_path / "bg.pdf"), fields=FIELDS)
    assert check_template(template) == []
    renderer = CertificateRenderer(template=template)
    text = text_of(renderer.render(data("张伟", "zh", bilingual=True)))
    assert "BACKGROUND ART" in text and "张伟" in text and "2025年9月3日" in text
    letter = letter_data(EVENT, teacher_name="王芳", class_name="1班", school="", lang="zh")
    pdf = renderer.render_class([data("张伟", "zh")] * 3, letter)
    read = pages(pdf)
    assert len(read) == 4
    assert "BACKGROUND ART" not in read[0].extract_text()  # the letter: default design
    assert all("BACKGROUND ART" in page.extract_text() for page in read[1:])


def test_unusable_templates_are_reported_in_one_line(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.png": "file not found",
        _png(tmp_path / "square.png", (800, 800)): "is not A4 landscape",
        _background_pdf(tmp_path / "two.pdf", 2): "2 pages, expected 1",
    }
    (tmp_path / "text.png").write_text("not an image")
    cases[tmp_path / "text.png"] = "not an image (PNG or JPEG) or a PDF"
    for path, reason in cases.items():
        template = TemplateConfig(background=path, fields=FIELDS)
        (problem,) = check_template(template)
        assert str(path) in problem and reason in problem
        with pytest.raises(TemplateUnavailable):
            CertificateRenderer(template=template)
    wide = {**FIELDS, "date": TextField(x_mm=250, y_mm=150, size_pt=14, max_width_mm=120)}
    template = TemplateConfig(background=_png(tmp_path / "bg.png"), fields=wide)
    assert check_template(template) == [
        "template field 'date': max_width_mm reaches outside the page"
    ]


def test_the_template_config_reads_as_it_would_from_events_toml() -> None:
    import tomllib

    raw = tomllib.loads(
        """
        background = "templates/victory-2025.png"
        [fields.name]
        x_mm = 148.5
        y_mm = 105
        size_pt = 34
        max_width_mm = 220
        max_lines = 2
        bold = true
        [qr]
        x_mm = 20
        y_mm = 170
        size_mm = 22
        """
    )
    template = TemplateConfig.model_validate(raw)
    assert template.fields["name"].align == "center" and template.fields["name"].bold
    assert template.qr == QrPlace(x_mm=20, y_mm=170, size_mm=22)
    with pytest.raises(ValueError, match="outside the page"):
        QrPlace(x_mm=280, y_mm=170)
    with pytest.raises(ValueError, match="name"):
        TemplateConfig.model_validate({"background": "x.png", "fields": {}})
    with pytest.raises(ValueError):
        TemplateConfig.model_validate({"background": "x.png", "fields": {"nmae": {}}})


# ---------------------------------------------------------------------------------------------
# Data, preview


def test_data_is_validated() -> None:
    with pytest.raises(ValueError, match="lang"):
        CertificateData(
            full_name="Иван",
            number="1",
            lang="en",  # type: ignore[arg-type]
            event_title=EVENT.title,
            date=EVENT.title,
        )
    with pytest.raises(ValueError, match="empty"):
        LetterData(
            teacher_name=" ",
            class_name="1",
            school="",
            lang="ru",
            event_title=EVENT.title,
            date=EVENT.title,
        )
    no_bot = certificate_data(EVENT, full_name="Иван", number="1", lang="ru")
    assert no_bot.verify is None


def test_preview_writes_a_certificate_for_the_organizers(tmp_path: Path) -> None:
    out = preview(EVENT, "Иван Ли 李", "zh", True, tmp_path / "preview.pdf", bot_username=BOT)
    assert out == tmp_path / "preview.pdf"
    text = text_of(out.read_bytes())
    assert "Иван Ли 李" in text and "参会证书" in text and "NP25-0000-PREV" in text
    with pytest.raises(MissingGlyphs):
        preview(EVENT, EGYPTIAN, "ru", False, tmp_path / "bad.pdf")
    assert not (tmp_path / "bad.pdf").exists()
