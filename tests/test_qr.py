"""QR codes read by a real reader (zxing-cpp): the certificates' code, rasterised from the PDF
with poppler's pdftoppm as a viewer or a printer would (deploy/apt-packages.txt installs it),
decodes to the public check address `<PUBLIC_URL>/verify/<number>`, on every page of a class
PDF too and on an organizer's template; the code is drawn module for module as segno encodes
it; without PUBLIC_URL the running bot's certificates carry no code and no web address (the
local one would lead nowhere from paper); the poster PNG decodes to the event page's
address."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from bot.app import assemble
from bot.factory import create_bot
from bot.services.certificates.documents import (
    CertificateRenderer,
    TemplateConfig,
    TextField,
    certificate_data,
    letter_data,
    preview,
    verify_address,
)
from bot.services.certificates.issue import ClassPages
from bot.services.certificates.layout import MM, qr_box
from bot.services.certificates.render import make_render
from bot.services.events.catalog import Event, load_events
from bot.services.events.qr import (
    QUIET_ZONE,
    UnknownEvent,
    event_qr_png,
    event_url,
    main_qr,
    qr_modules,
)
from bot.settings import Settings
from db.models import Certificate
from tests.harness import BotHarness, RecordingSession, make_event
from tests.test_certificate_render import drawn_qr, pages, text_of

REPO = Path(__file__).resolve().parent.parent
WEB = "https://conf.example.org"
EVENT = Event.model_validate(make_event())
NUMBER = "NP25-0042-K7QX"


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def rasterised(pdf: bytes, page: int, dpi: int = 150) -> Image.Image:
    """One page of the PDF as pixels, drawn by poppler as a PDF viewer would."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    done = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(done.stdout))


def decoded(image: Image.Image) -> list[str]:
    """What a QR reader finds in the image: the text of every QR code."""
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.QRCode)]


def page_codes(pdf: bytes) -> list[list[str]]:
    return [decoded(rasterised(pdf, number)) for number in range(1, len(pages(pdf)) + 1)]


# ---------------------------------------------------------------------------------------------
# Certificates


@pytest.mark.parametrize(
    ("lang", "bilingual"), [("ru", False), ("zh", False), ("ru", True), ("zh", True)]
)
def test_the_certificates_qr_code_reads_as_its_check_address(
    renderer: CertificateRenderer, lang: str, bilingual: bool
) -> None:
    cert = certificate_data(
        EVENT,
        full_name="Иван Ли 李",
        number=NUMBER,
        lang=lang,  # type: ignore[arg-type]
        bilingual=bilingual,
        bot_username="victory_bot",
        web_address=WEB,
    )
    assert page_codes(renderer.render(cert)) == [[f"{WEB}/verify/{NUMBER}"]]


async def test_every_page_of_a_class_pdf_reads_as_the_check_address_of_its_number(
    renderer: CertificateRenderer,
) -> None:
    """As the certificate service draws them (make_render): the letter of thanks carries the
    class's number, each pupil's page that number with its place, "/1", "/2"; the web page's
    /verify/<number> takes the slash as it is."""

    async def username() -> str:
        return "victory_bot"

    render = make_render(renderer, username, WEB + "/")
    row = Certificate(number=NUMBER, full_name="Петрова Анна Сергеевна", language="ru")
    pdf = await render(EVENT, row, ClassPages("8 «Б»", "Школа № 1", ["Петров Пётр", "李明"]))
    base = f"{WEB}/verify/"
    assert page_codes(pdf) == [[base + NUMBER], [f"{base}{NUMBER}/1"], [f"{base}{NUMBER}/2"]]
    assert NUMBER in pages(pdf)[0].extract_text()  # the letter shows the number it encodes


def test_the_code_is_drawn_module_for_module_as_encoded_where_the_layout_puts_it(
    renderer: CertificateRenderer,
) -> None:
    """Read from the PDF's own rectangles, without a rasteriser: the modules are segno's for
    the check address, in the box the layout gives; redrawn as pixels from those rectangles,
    the reader decodes the address again."""
    cert = certificate_data(EVENT, full_name="Иван", number=NUMBER, lang="ru", web_address=WEB)
    (page,) = pages(renderer.render(cert))
    qr = drawn_qr(page)
    address = f"{WEB}/verify/{NUMBER}"
    assert qr.modules == qr_modules(address)
    assert qr.box == pytest.approx(qr_box(), abs=0.01)
    assert qr.module > 0.5 * MM  # large enough for a phone's camera from a printed page
    assert decoded(pixels(qr.modules)) == [address]


def pixels(modules: tuple[tuple[bool, ...], ...], scale: int = 8) -> Image.Image:
    """The modules drawn black on white with their quiet zone."""
    side = (len(modules) + 2 * QUIET_ZONE) * scale
    image = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(image)
    for row, dark in enumerate(modules):
        for column, on in enumerate(dark):
            if on:
                x, y = (column + QUIET_ZONE) * scale, (row + QUIET_ZONE) * scale
                draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    return image


def test_a_certificate_without_the_web_address_has_no_code(renderer: CertificateRenderer) -> None:
    cert = certificate_data(EVENT, full_name="Иван", number=NUMBER, lang="ru")
    assert cert.qr is None
    assert page_codes(renderer.render(cert)) == [[]]


def test_the_code_reads_on_a_dark_template_background(tmp_path: Path) -> None:
    """An organizer's artwork may be dark where the code goes (here a night sky, as black as
    the code): its quiet zone is painted white, so it still reads, in the default corner or
    where the template puts it."""
    background = tmp_path / "night.png"
    Image.new("RGB", (1188, 840), (0, 0, 0)).save(background)
    fields = {"name": TextField(x_mm=148.5, y_mm=100, size_pt=32, max_width_mm=200)}
    cert = certificate_data(EVENT, full_name="Иван", number=NUMBER, lang="ru", web_address=WEB)
    for template in (
        TemplateConfig(background=background, fields=fields),
        TemplateConfig(background=background, fields=fields, qr={"x_mm": 20, "y_mm": 20}),  # type: ignore[arg-type]
    ):
        pdf = CertificateRenderer(template=template).render(cert)
        assert page_codes(pdf) == [[f"{WEB}/verify/{NUMBER}"]]


def test_the_check_address_keeps_a_pupils_slash_and_escapes_the_rest() -> None:
    assert verify_address(WEB + "/", f"{NUMBER}/3") == f"{WEB}/verify/{NUMBER}/3"
    assert verify_address(WEB, "NP25 0042?x") == f"{WEB}/verify/NP25%200042%3Fx"
    letter = letter_data(
        EVENT, teacher_name="Петрова", class_name="8Б", school="", lang="ru", web_address=WEB
    )
    assert letter.qr is None  # no number, nothing to check


async def test_the_services_draw_the_code_of_the_web_address_they_are_given(
    harness: BotHarness,
) -> None:
    """bot/app.py gives create_services PUBLIC_URL: the certificate service's PDFs carry its
    check address."""
    from bot.factory import create_services

    services = create_services(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
        web_address=WEB,
    )
    event = next(iter(harness.catalog))
    row = Certificate(number=NUMBER, full_name="Иван Ли 李", language="zh")
    pdf = await services.certificates.render(event, row, None)
    assert page_codes(pdf) == [[f"{WEB}/verify/{NUMBER}"]]


@pytest.mark.parametrize("public_url", [None, WEB])
async def test_the_running_bot_prints_public_url_and_no_web_address_without_it(
    tmp_path: Path, public_url: str | None
) -> None:
    """As `python -m bot run` assembles it: with PUBLIC_URL the certificates' code reads as its
    check address; without it (the pages then answer on http://127.0.0.1:8080) no page carries
    a code or any web address, and the verification line keeps the bot's /verify and the
    organizers' e-mail."""
    settings = Settings(
        bot_token="4242:TEST-token",  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        events_file=REPO / "events.toml",
        public_url=public_url,
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = create_bot(settings, session=RecordingSession())
    async with assemble(settings, bot=bot) as runtime:
        event = next(iter(runtime.catalog))
        row = Certificate(number=NUMBER, full_name="Иван Ли 李", language="ru")
        single = await runtime.services.certificates.render(event, row, None)
        class_pdf = await runtime.services.certificates.render(
            event, row, ClassPages("8 «Б»", "Школа № 1", ["Петров Пётр"])
        )
    codes = page_codes(single) + page_codes(class_pdf)
    text = text_of(single) + text_of(class_pdf)
    if public_url is None:
        assert codes == [[], [], []]
        assert "http" not in text and "127.0.0.1" not in text
    else:
        assert codes == [[f"{WEB}/verify/{NUMBER}"]] * 2 + [[f"{WEB}/verify/{NUMBER}/1"]]
    assert f"/verify {NUMBER}" in text_of(single)
    assert event.contacts.email and event.contacts.email in text_of(single)


def test_the_organizers_preview_has_the_code_only_with_public_url(tmp_path: Path) -> None:
    """`python -m bot certificate preview` passes PUBLIC_URL: the preview looks as the
    certificates that go out will."""
    bare = preview(EVENT, "Иван", "ru", False, tmp_path / "bare.pdf").read_bytes()
    assert page_codes(bare) == [[]]
    public = preview(EVENT, "Иван", "ru", False, tmp_path / "web.pdf", web_address=WEB)
    assert page_codes(public.read_bytes()) == [[f"{WEB}/verify/NP25-0000-PREV"]]


# ---------------------------------------------------------------------------------------------
# Posters and WeChat: the event page's address


def test_the_poster_png_reads_as_the_event_pages_address(tmp_path: Path) -> None:
    url = event_url(WEB + "/", "victory-2025")
    assert url == f"{WEB}/e/victory-2025"
    path = event_qr_png(url, tmp_path / "poster.png")
    assert path == tmp_path / "poster.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width == image.height >= 500
        assert decoded(image) == [url]
        # Black on white, the quiet zone kept: the corner pixel is white.
        assert image.convert("L").getpixel((0, 0)) == 255


def test_main_qr_writes_the_png_of_an_events_page_at_public_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_file = REPO / "events.toml"
    slug = next(iter(load_events(events_file))).slug
    settings = Settings(
        bot_token="4242:TEST-token",  # type: ignore[arg-type]
        events_file=events_file,
        public_url=WEB,
        _env_file=None,  # type: ignore[call-arg]
    )
    out = main_qr(settings, slug, tmp_path / "qr.png")
    with Image.open(out) as image:
        assert decoded(image) == [f"{WEB}/e/{slug}"]
    # Without PUBLIC_URL, the local address; without --out, qr-<slug>.png where it runs.
    local = settings.model_copy(update={"public_url": None, "web_port": 8099})
    monkeypatch.chdir(tmp_path)
    default = main_qr(local, slug)
    assert default == Path(f"qr-{slug}.png")
    with Image.open(tmp_path / default) as image:
        assert decoded(image) == [f"http://127.0.0.1:8099/e/{slug}"]
    with pytest.raises(UnknownEvent, match="no event 'nope'"):
        main_qr(settings, "nope", tmp_path / "nope.png")
    assert not (tmp_path / "nope.png").exists()


def test_the_qr_command_writes_the_poster(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "EVENTS_FILE": str(REPO / "events.toml"),
        "PUBLIC_URL": WEB,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    run = [sys.executable, "-m", "bot", "qr"]
    done = subprocess.run(
        [*run, "victory-2025", "--out", str(tmp_path / "p.png")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"{WEB}/e/victory-2025" in done.stdout
    with Image.open(tmp_path / "p.png") as image:
        assert decoded(image) == [f"{WEB}/e/victory-2025"]
    unknown = subprocess.run([*run, "nope"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: no event 'nope' in " + str(REPO / "events.toml")
