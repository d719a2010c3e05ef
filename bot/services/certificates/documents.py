"""Certificates of participation (сертификат участника, 参会证书) and letters of thanks for
teachers (благодарственное письмо, 感谢信) as PDF: A4 landscape, in the participant's language
or in both, with the default design or an organizer's template.

Plain code: nothing here knows about Telegram or the database. The caller gives the words that
vary (`CertificateData`, `LetterData`, most easily built with `certificate_data` and
`letter_data` from an `Event`) and gets PDF bytes back:

    renderer = CertificateRenderer()                 # keep it for the process
    pdf = await renderer.render_async(certificate_data(
        event, full_name="Иванов Иван Иванович", number="NP25-0042-K7QX",
        lang="ru", bot_username="victory_bot", web_address="https://conf.example.org"))

With `web_address` (PUBLIC_URL, given by the caller: nothing here reads settings) the page gets
a QR code of the public check address, `<web_address>/verify/<number>`, next to the number.
Without it the page names no web address at all (the callers give None when PUBLIC_URL is not
set: a local address printed on paper leads nowhere); the verification line keeps the bot's
/verify and the organizers' e-mail.

Numbering is the caller's (bot/services/certificates/issue.py): it stores the number with the
certificate and passes it in.

Rendering takes about 5 ms of CPU per page (bench/certificates.py: 200 a second on one core;
the QR code adds about 3 ms, segno trying its eight masks for the most legible symbol)
and must not block the bot's event loop: the `*_async` methods run it in a worker thread
(asyncio.to_thread). Not a process pool: the fonts (about 80 MB once parsed) would be loaded and
a template prepared again in every worker process and every PDF pickled back, for no gain to a
bot that sends at most 25 messages a second. The thread gives the GIL back every 5 ms, so
handlers keep running while a certificate is drawn (the loop was late by 8 ms at most in the
benchmark). reportlab keeps per-document state in the shared fonts, so one document is drawn
at a time (a lock), which costs nothing under the GIL anyway. Fonts are loaded when the first
certificate is drawn (not at start-up: they take about 70 MB) and stay for the life of the
process. reportlab, pypdf, Pillow and segno are imported there too, not when this module is.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from bot.services.certificates.fonts import (
    FontConfig,
    FontUnavailable,
    MissingGlyphs,
    check_fonts,
    load_chain,
)
from bot.services.certificates.layout import (
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PALETTE,
    Chains,
    PageContent,
    Palette,
    QrPlace,
    TemplateConfig,
    TextField,
    draw_default,
    draw_template_fields,
    draw_template_qr,
)
from bot.services.events.catalog import Event, Localized
from bot.services.events.timefmt import BEIJING, MOSCOW, local_date

__all__ = [
    "CertificateData",
    "CertificateRenderer",
    "FontConfig",
    "FontUnavailable",
    "Lang",
    "LetterData",
    "MissingGlyphs",
    "QrPlace",
    "TemplateConfig",
    "TemplateUnavailable",
    "TextField",
    "certificate_data",
    "check_fonts",
    "check_template",
    "default_renderer",
    "letter_data",
    "preview",
    "verify_address",
    "verify_line",
]

Lang = Literal["ru", "zh"]
LANGS: tuple[Lang, Lang] = ("ru", "zh")


# ---------------------------------------------------------------------------------------------
# What goes on a page


@dataclass(frozen=True)
class CertificateData:
    """One certificate. `event_title`, `date`, `organizer` and `verify` are in both languages
    (`certificate_data` builds them from an Event): a certificate in `lang` uses that
    language's text, a bilingual one both, `lang` first."""

    full_name: str  # exactly as registered; printed as is
    number: str
    lang: Lang
    event_title: Localized
    date: Localized  # "3 сентября 2025 г." / "2025年9月3日"
    organizer: Localized | None = None
    verify: Localized | None = None  # the verification line; None: none printed
    bilingual: bool = False
    qr: str | None = None  # the check address the QR code encodes; None: no code

    def __post_init__(self) -> None:
        _check_lang(self.lang)
        if not self.full_name.strip():
            raise ValueError("full_name is empty")


@dataclass(frozen=True)
class LetterData:
    """The letter of thanks to a teacher who prepared a class, first page of a class's PDF."""

    teacher_name: str
    class_name: str  # as the school writes it: "8 «Б»", "初二（3）班"
    school: str  # may be empty
    lang: Lang
    event_title: Localized
    date: Localized
    organizer: Localized | None = None
    bilingual: bool = False
    number: str = ""  # the class certificate's number (its pupils' pages add /1, /2...)
    qr: str | None = None  # the check address of that number; None: no code

    def __post_init__(self) -> None:
        _check_lang(self.lang)
        if not self.teacher_name.strip():
            raise ValueError("teacher_name is empty")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'ru' or 'zh', not {lang!r}")


@dataclass(frozen=True)
class Words:
    """The fixed words of the pages in one language. Placeholders: {number}, {bot}, {email},
    {date}; in the letter {class_name}, {school} and {group} (school and class together).
    Non-breaking spaces (\u00a0) keep «№» with its number and «г.» with its year."""

    certificate_heading: str
    certificate_intro: str
    certificate_body: str
    certificate_closing: str
    letter_heading: str
    letter_intro: str
    letter_body: str
    letter_body_no_school: str
    letter_closing: str
    date: str
    organizer_label: str
    number: str
    letter_number: str
    verify: str
    verify_email: str  # added to `verify` when the event has a contact e-mail


WORDS: dict[str, Words] = {
    "ru": Words(
        certificate_heading="СЕРТИФИКАТ УЧАСТНИКА",
        certificate_intro="Настоящим подтверждается, что",
        # Not «принял(а) участие»: right for every name, with or without a patronymic.
        certificate_body="является участником мероприятия",
        certificate_closing="",
        letter_heading="БЛАГОДАРСТВЕННОЕ ПИСЬМО",
        # The name stands alone, as the addressee: after «выражают благодарность» it would
        # need the dative, which cannot be made reliably from any name.
        letter_intro="",
        letter_body=(
            "Организаторы выражают Вам искреннюю благодарность за подготовку учащихся класса "
            "{class_name} ({school}) к участию в мероприятии"
        ),
        letter_body_no_school=(
            "Организаторы выражают Вам искреннюю благодарность за подготовку учащихся класса "
            "{class_name} к участию в мероприятии"
        ),
        letter_closing="",
        date="{date}\u00a0г.",
        organizer_label="ОРГАНИЗАТОР",
        number="Сертификат №\u00a0{number}",
        letter_number="№\u00a0{number}",
        verify="Проверить подлинность: отправьте боту @{bot} в Telegram команду /verify {number}",
        verify_email=" или напишите на {email}",
    ),
    "zh": Words(
        certificate_heading="参会证书",
        certificate_intro="兹证明",
        certificate_body="参加了",
        certificate_closing="特发此证。",
        letter_heading="感谢信",
        letter_intro="衷心感谢",
        letter_body="老师悉心指导{group}的同学们参加",
        letter_body_no_school="老师悉心指导{group}的同学们参加",
        letter_closing="特此致谢！",
        date="{date}",
        organizer_label="主办方",
        number="证书编号：{number}",
        letter_number="编号：{number}",
        verify="验证真伪：向 Telegram 机器人 @{bot} 发送 /verify {number}",
        verify_email="，或发送邮件至 {email}",
    ),
}


def _both(make: Any) -> Localized:
    return Localized(ru=make("ru"), zh=make("zh"))


def event_date(moment: datetime) -> Localized:
    """The date as each side lived it: Moscow's for Russian, Beijing's for Chinese."""
    return Localized(
        ru=WORDS["ru"].date.format(date=local_date(moment.astimezone(MOSCOW), "ru")),
        zh=WORDS["zh"].date.format(date=local_date(moment.astimezone(BEIJING), "zh")),
    )


def verify_line(number: str, bot_username: str, email: str = "") -> Localized:
    """How to check the certificate: /verify with the bot and, as Telegram is not reachable
    for everyone (mainland China), the organizers' e-mail when there is one."""
    bot = bot_username.removeprefix("@")

    def line(lang: Lang) -> str:
        words = WORDS[lang]
        text = words.verify.format(bot=bot, number=number)
        return text + words.verify_email.format(email=email) if email else text

    return _both(line)


def verify_address(web_address: str, number: str) -> str:
    """The public check page of a certificate, `<PUBLIC_URL>/verify/<number>` (web/routes/
    verify.py); a pupil's page keeps its slash: `.../verify/NP25-0042-K7QX/3`."""
    return f"{web_address.rstrip('/')}/verify/{quote(number, safe='/')}"


def certificate_data(
    event: Event,
    *,
    full_name: str,
    number: str,
    lang: Lang,
    bilingual: bool = False,
    bot_username: str | None = None,
    web_address: str | None = None,
) -> CertificateData:
    """The certificate of `full_name` for `event`; with the verification line when the bot's
    username is given (and the e-mail of the event's contacts in it), and the QR code of the
    check page when the web pages' address is."""
    return CertificateData(
        full_name=full_name,
        number=number,
        lang=lang,
        event_title=event.title,
        date=event_date(event.starts_at),
        organizer=event.organizer,
        verify=verify_line(number, bot_username, event.contacts.email) if bot_username else None,
        bilingual=bilingual,
        qr=verify_address(web_address, number) if web_address else None,
    )


def letter_data(
    event: Event,
    *,
    teacher_name: str,
    class_name: str,
    school: str,
    lang: Lang,
    bilingual: bool = False,
    number: str = "",
    web_address: str | None = None,
) -> LetterData:
    """The letter of thanks; with the class certificate's number, and the QR code of its check
    page when the web pages' address is given too."""
    return LetterData(
        teacher_name=teacher_name,
        class_name=class_name,
        school=school,
        lang=lang,
        event_title=event.title,
        date=event_date(event.starts_at),
        organizer=event.organizer,
        bilingual=bilingual,
        number=number,
        qr=verify_address(web_address, number) if web_address and number else None,
    )


def _langs(lang: Lang, bilingual: bool) -> tuple[Lang, ...]:
    other: Lang = "zh" if lang == "ru" else "ru"
    return (lang, other) if bilingual else (lang,)


def _joined(left: str, right: str) -> str:
    """School and class in a Chinese sentence: together when Chinese, with a space otherwise."""
    if not left or not right:
        return left + right
    cjk = "\u3000" <= left[-1] <= "\u9fff" or "\u3000" <= right[0] <= "\uffef"
    return left + right if cjk else f"{left} {right}"


def certificate_content(data: CertificateData) -> PageContent:
    langs = _langs(data.lang, data.bilingual)
    words = [WORDS[lang] for lang in langs]
    fields: dict[str, tuple[str, ...]] = {
        "heading": tuple(w.certificate_heading for w in words),
        "intro": tuple(w.certificate_intro for w in words),
        "name": (data.full_name,),
        "body": tuple(w.certificate_body for w in words),
        "event": tuple(data.event_title.get(lang) for lang in langs),
        "date": tuple(data.date.get(lang) for lang in langs),
        "closing": tuple(w.certificate_closing for w in words),
        "number": tuple(w.number.format(number=data.number) for w in words),
    }
    if data.organizer is not None:
        fields["organizer_label"] = tuple(w.organizer_label for w in words)
        fields["organizer"] = tuple(data.organizer.get(lang) for lang in langs)
    if data.verify is not None:
        fields["verify"] = tuple(data.verify.get(lang) for lang in langs)
    title = f"{words[0].certificate_heading.capitalize()}: {data.full_name}"
    return PageContent(fields, title, data.qr)


def letter_content(data: LetterData) -> PageContent:
    langs = _langs(data.lang, data.bilingual)
    words = [WORDS[lang] for lang in langs]
    has_school = bool(data.school.strip())
    bodies = tuple(
        (w.letter_body if has_school else w.letter_body_no_school).format(
            class_name=data.class_name,
            school=data.school,
            group=_joined(data.school, data.class_name) if has_school else data.class_name,
        )
        for w in words
    )
    fields: dict[str, tuple[str, ...]] = {
        "heading": tuple(w.letter_heading for w in words),
        "intro": tuple(w.letter_intro for w in words),
        "name": (data.teacher_name,),
        "body": bodies,
        "event": tuple(data.event_title.get(lang) for lang in langs),
        "date": tuple(data.date.get(lang) for lang in langs),
        "closing": tuple(w.letter_closing for w in words),
    }
    if data.number:
        fields["number"] = tuple(w.letter_number.format(number=data.number) for w in words)
    if data.organizer is not None:
        fields["organizer_label"] = tuple(w.organizer_label for w in words)
        fields["organizer"] = tuple(data.organizer.get(lang) for lang in langs)
    title = f"{words[0].letter_heading.capitalize()}: {data.teacher_name}"
    return PageContent(fields, title, data.qr)


# ---------------------------------------------------------------------------------------------
# Templates


class TemplateUnavailable(Exception):
    """The template's background cannot be used; the message says why."""


def check_template(template: TemplateConfig) -> list[str]:
    """Problems with a template, one line each, for start-up (empty when all is well)."""
    try:
        _Background.load(template.background)
    except TemplateUnavailable as exc:
        return [str(exc)]
    problems = []
    for name, spec in template.fields.items():
        half = spec.max_width_mm / 2
        left = {"left": spec.x_mm, "center": spec.x_mm - half, "right": spec.x_mm - 2 * half}
        start = left[spec.align]
        if start < -0.01 or start + spec.max_width_mm > 297.01:
            problems.append(f"template field {name!r}: max_width_mm reaches outside the page")
    return problems


class _Background:
    """A template background prepared once: an image becomes a JPEG file (reportlab then copies
    its bytes into each PDF instead of recompressing the pixels every time); a PDF page is kept
    parsed and merged under the text with pypdf."""

    MAX_PIXELS_WIDE = 2480  # about 210 dpi across A4 landscape: sharp in print, ~0.5 MB

    def __init__(self, image: Path | None, pdf_page: Any | None, cleanup: Path | None) -> None:
        self.image = image
        self.pdf_page = pdf_page
        if cleanup is not None:
            weakref.finalize(self, _remove, cleanup)

    @classmethod
    def load(cls, path: Path) -> _Background:
        try:
            head = path.read_bytes()[:8]
        except FileNotFoundError:
            raise TemplateUnavailable(f"template background {path}: file not found") from None
        except OSError as exc:
            raise TemplateUnavailable(
                f"template background {path}: cannot be read: {exc.strerror}"
            ) from None
        if head.startswith(b"%PDF"):
            return cls(None, _load_pdf_page(path), None)
        return _load_image(path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _load_image(path: Path) -> _Background:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGBA") if opened.mode in ("RGBA", "LA", "P") else opened
            if image.mode == "RGBA":
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            image = image.convert("RGB")
            width, height = image.size
    except UnidentifiedImageError:
        raise TemplateUnavailable(
            f"template background {path}: not an image (PNG or JPEG) or a PDF"
        ) from None
    except OSError as exc:
        raise TemplateUnavailable(f"template background {path}: {exc}") from None
    ratio = (width / height) / (297 / 210)
    if not 0.97 <= ratio <= 1.03:
        raise TemplateUnavailable(
            f"template background {path}: {width}x{height} pixels is not A4 landscape (297:210)"
        )
    if width > _Background.MAX_PIXELS_WIDE:
        size = (_Background.MAX_PIXELS_WIDE, round(height * _Background.MAX_PIXELS_WIDE / width))
        image = image.resize(size, Image.Resampling.LANCZOS)
    handle, name = tempfile.mkstemp(prefix="certificate-background-", suffix=".jpg")
    os.close(handle)
    jpeg = Path(name)
    image.save(jpeg, format="JPEG", quality=92, subsampling=0, optimize=True)
    return _Background(jpeg, None, jpeg)


def _load_pdf_page(path: Path) -> Any:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise TemplateUnavailable(
            f"template background {path}: a PDF background needs the pypdf package "
            "(pip install pypdf); or give a PNG"
        ) from None
    try:
        reader = PdfReader(path)
        pages = len(reader.pages)
        page = reader.pages[0] if pages else None
    except Exception as exc:  # pypdf's PdfReadError and friends
        raise TemplateUnavailable(
            f"template background {path}: not a readable PDF: {exc}"
        ) from None
    if pages != 1 or page is None:
        raise TemplateUnavailable(f"template background {path}: {pages} pages, expected 1")
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if page.rotation % 180:
        width, height = height, width
    if abs(width - PAGE_WIDTH) > 2 * MM or abs(height - PAGE_HEIGHT) > 2 * MM:
        raise TemplateUnavailable(
            f"template background {path}: page is {width / MM:.0f}x{height / MM:.0f} mm, "
            "expected A4 landscape (297x210 mm)"
        )
    return page


# ---------------------------------------------------------------------------------------------
# Rendering

# reportlab keeps per-document state in the (shared) fonts: one document at a time.
_RENDERING = threading.Lock()


@dataclass(frozen=True)
class _Page:
    content: PageContent
    template: TemplateConfig | None
    background: _Background | None


class CertificateRenderer:
    """Draws certificates and class PDFs. Create one per configuration and keep it: the
    template is prepared when it is created, the fonts are loaded (once per process) when the
    first page is drawn or the first name checked.

    Raises TemplateUnavailable if the template's background cannot be used. `render*` and
    `check_names` raise FontUnavailable if a font cannot be loaded, MissingGlyphs for text no
    font can draw."""

    def __init__(
        self,
        fonts: FontConfig | None = None,
        template: TemplateConfig | None = None,
        *,
        letter_template: TemplateConfig | None = None,
        palette: Palette = PALETTE,
    ) -> None:
        self.fonts = fonts or FontConfig()
        self.template = template
        self.letter_template = letter_template
        self.palette = palette
        self._background = _Background.load(template.background) if template else None
        self._letter_background = (
            _Background.load(letter_template.background) if letter_template else None
        )

    # -- public API

    def render(self, data: CertificateData) -> bytes:
        """One certificate: a one-page PDF."""
        return self._render([self._certificate_page(data)], author=data.organizer, lang=data.lang)

    def render_class(self, pages: Sequence[CertificateData], letter: LetterData) -> bytes:
        """A class's PDF: the letter of thanks to the teacher first, then a certificate per
        pupil in the given order. Every name is checked before anything is drawn, so a
        MissingGlyphs names all characters of all pupils at once."""
        self.check_names([letter.teacher_name, *(p.full_name for p in pages)])
        built = [self._letter_page(letter), *(self._certificate_page(p) for p in pages)]
        return self._render(built, author=letter.organizer, lang=letter.lang)

    async def render_async(self, data: CertificateData) -> bytes:
        """`render` in a worker thread, so the event loop keeps serving updates."""
        return await asyncio.to_thread(self.render, data)

    async def render_class_async(
        self, pages: Sequence[CertificateData], letter: LetterData
    ) -> bytes:
        return await asyncio.to_thread(self.render_class, pages, letter)

    def check_names(self, names: Sequence[str]) -> None:
        """Raise MissingGlyphs if any of the names has a character no font can draw (e.g. to
        check a roster when it is uploaded, long before certificates are made)."""
        missing: dict[str, None] = {}
        for name in names:
            for chain in (self._chains.bold, self._chains.regular):
                missing.update(dict.fromkeys(chain.missing(name)))
        if missing:
            raise MissingGlyphs(list(missing))

    # -- internals

    @property
    def _chains(self) -> Chains:
        # The chains are shared by the process (load_chain is cached); they load their faces
        # as characters need them.
        return Chains(load_chain(self.fonts.regular), load_chain(self.fonts.bold))

    def _certificate_page(self, data: CertificateData) -> _Page:
        return _Page(certificate_content(data), self.template, self._background)

    def _letter_page(self, letter: LetterData) -> _Page:
        return _Page(letter_content(letter), self.letter_template, self._letter_background)

    def _render(self, pages: Sequence[_Page], *, author: Localized | None, lang: Lang) -> bytes:
        from reportlab.pdfgen.canvas import Canvas

        buffer = io.BytesIO()
        with _RENDERING, _binary_streams():
            canvas = Canvas(
                buffer,
                pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
                pageCompression=1,
                # Else every page would name Helvetica, a font it does not use or embed.
                initialFontName=self._chains.regular.face(0).name,
            )
            canvas.setTitle(pages[0].content.title)
            if author is not None:
                canvas.setAuthor(author.get(lang))
            canvas.setCreator("victory-conference-bot")
            for page in pages:
                self._draw(canvas, page)
                canvas.showPage()
            canvas.save()
            pdf = buffer.getvalue()
            if any(p.background is not None and p.background.pdf_page is not None for p in pages):
                # Under the lock too: the background's parsed page is shared.
                pdf = _merge_pdf_backgrounds(pdf, [p.background for p in pages])
        return pdf

    def _draw(self, canvas: Any, page: _Page) -> None:
        if page.template is None:
            draw_default(canvas, page.content, self._chains, self.palette)
            return
        if page.background is not None and page.background.image is not None:
            canvas.drawImage(str(page.background.image), 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
        draw_template_fields(canvas, page.content, self._chains, page.template.fields)
        draw_template_qr(canvas, page.content, page.template.qr)


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Streams written in binary, not ASCII85: reportlab 4 encodes ASCII85 in pure Python,
    which took 0.5 s for a template's background image, and ASCII85 makes streams a quarter
    larger; binary PDFs are the norm anyway. Set only while a document is drawn, under the
    lock, so reportlab's global setting is unchanged for anyone else."""
    from reportlab import rl_config

    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _merge_pdf_backgrounds(pdf: bytes, backgrounds: Sequence[_Background | None]) -> bytes:
    """Put each page's PDF background under the text reportlab drew (pypdf)."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    for page, background in zip(writer.pages, backgrounds, strict=True):
        if background is not None and background.pdf_page is not None:
            page.merge_page(background.pdf_page, over=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def default_renderer() -> CertificateRenderer:
    """The renderer with the default fonts and design, shared by the whole process."""
    return CertificateRenderer()


# ---------------------------------------------------------------------------------------------
# Organizers' preview (python -m bot certificate preview)


def preview(
    event: Event,
    name: str,
    lang: Lang,
    bilingual: bool,
    out_path: Path,
    *,
    number: str | None = None,
    bot_username: str = "bot",
    web_address: str | None = None,
    fonts: FontConfig | None = None,
    template: TemplateConfig | None = None,
) -> Path:
    """Write one certificate of `event` for `name` to `out_path` and return the path, so an
    organizer can see the design (or their template) with a real name before certificates go
    out. `number` defaults to a sample of the shape real numbers have, `bot_username` to
    "bot" (give the real one to see the real verification line), `web_address` to none: give
    PUBLIC_URL for the QR code, as the certificates that go out have it only then.

    For `python -m bot certificate preview --event <slug> --name "…" [--lang zh]
    [--bilingual] [--out FILE]`: raises MissingGlyphs (the message names the characters),
    FontUnavailable and TemplateUnavailable with one-line messages to print as they are."""
    renderer = CertificateRenderer(fonts, template)
    data = certificate_data(
        event,
        full_name=name,
        number=number or f"NP{event.starts_at:%y}-0000-PREV",
        lang=lang,
        bilingual=bilingual,
        bot_username=bot_username,
        web_address=web_address,
    )
    out_path.write_bytes(renderer.render(data))
    return out_path
