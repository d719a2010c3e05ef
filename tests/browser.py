"""A real browser for the tests (tests/test_browser.py): Debian's Chromium driven by Playwright,
never a downloaded browser (`scripts/test` installs the `chromium` package with apt, from
deploy/apt-packages-dev.txt). It checks what the route tests cannot: the layout on a phone,
cookies, redirects, downloads, and that the pages work as people use them.

One browser per test session; each test gets the web app served in-process on a free port of
127.0.0.1 (on the bot harness's database, so a test can create data, read it back and talk to
the bot), and phone-sized browser contexts, one per visitor. Every request a page makes is
recorded, and a test fails when one leaves 127.0.0.1 or the page logs an error (a Content
Security Policy violation, a missing file).

`site` with e-mail on (`@pytest.mark.parametrize("site", ["mail"], indirect=True)`): a mail
outbox sends, as in production, to aiosmtpd on 127.0.0.1 (tests/smtp_server.py), its links
pointing to the site; `site.letters(n)` waits for the first n letters."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web

from bot.clock import FrozenClock
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from tests.conftest import BEFORE_EVENT
from tests.harness import COMPILED_TEMPLATES, BotHarness, catalog_of, make_event
from tests.smtp_server import SmtpTestServer, running_smtp
from web.app import create_web_app, web_site

try:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Response,
        async_playwright,
    )
except ImportError:  # an old .venv: the browser tests skip and say why
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# As root (tests in containers and CI) Chromium needs --no-sandbox; the rest keep it from
# calling home (updates, sync, safe browsing lists): the machine refuses outside connections,
# and a test must not wait on them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_WIDTH, PHONE_HEIGHT = 360, 740
# What the browser says it reads (navigator.language and the Accept-Language header).
LOCALES = {
    "zh": ("zh-CN", "zh-CN,zh;q=0.9"),
    "ru": ("ru-RU", "ru-RU,ru;q=0.9"),
    "en": ("en-US", "en-US,en;q=0.9"),
}

SLUG = "victory-2025"  # open for registration at BEFORE_EVENT
PAST = "victory-2024"
VENUES = "venues-2025"  # open too, with offline venues (long names, seats counted)
VENUE_LIST: list[dict[str, Any]] = [
    {
        "id": "harbin",
        "name": {"ru": "Харбинский политехнический университет", "zh": "哈尔滨工业大学"},
        "address": {"ru": "Харбин, ул. Сидачжи, 92", "zh": "哈尔滨市南岗区西大直街92号"},
        "timezone": "Asia/Shanghai",
        "capacity": 80,
    },
    {
        "id": "moscow",
        "name": {"ru": "Дом дружбы с народами зарубежных стран", "zh": "莫斯科友谊之家"},
        "address": {"ru": "Москва, ул. Воздвиженка, 16", "zh": "莫斯科沃兹德维任卡街16号"},
        "timezone": "Europe/Moscow",
        "capacity": 1,
    },
]
BOT = "victory_test_bot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Site:
    """The web app on 127.0.0.1, and the bot on the same database (tests/harness.py); with
    e-mail on, the SMTP server its letters go to."""

    url: str
    harness: BotHarness
    app: web.Application
    smtp: SmtpTestServer | None = None

    def __call__(self, path: str) -> str:
        return self.url + path

    async def letters(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """The first `count` letters the site sent, once they have arrived."""
        assert self.smtp is not None, "e-mail is off on this site"
        for _ in range(int(timeout / 0.05)):
            if len(self.smtp.messages) >= count:
                break
            await asyncio.sleep(0.05)
        assert len(self.smtp.messages) >= count, f"{len(self.smtp.messages)} letters"
        return self.smtp.messages[:count]


@dataclass
class Phone:
    """One visitor: a phone-sized browser context in one language, with one page open."""

    context: BrowserContext
    page: Page
    site: Site
    shots: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def open(self, path: str) -> Response:
        response = await self.page.goto(self.site(path))
        assert response is not None, path
        return response

    async def text(self) -> str:
        """What a person reads (rendered text, not the HTML)."""
        return await self.page.inner_text("body")

    async def scroll_width(self) -> int:
        width: int = await self.page.evaluate("document.documentElement.scrollWidth")
        return width

    async def screenshot(self, name: str) -> Path:
        """For a person to look at (pytest's tmp_path); not compared pixel by pixel."""
        path = self.shots / f"{name}.png"
        await self.page.screenshot(path=path, full_page=True)
        return path

    def record_failed_asset(self, response: Response) -> None:
        # A page may answer 404 (the test says so); its stylesheet may not.
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def record_console_error(self, message: ConsoleMessage) -> None:
        # "Failed to load resource" is Chromium's line for every 4xx/5xx, the pages' own
        # included: record_failed_asset judges those.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def outside_requests(self) -> list[str]:
        return [url for url in self.requests if urlsplit(url).hostname != "127.0.0.1"]


OpenPhone = Callable[[str], Awaitable[Phone]]


def what_is_missing() -> str | None:
    if async_playwright is None:
        return "playwright is not installed (.venv/bin/pip install -e '.[dev]')"
    if not CHROMIUM.is_file():
        return (
            f"no Chromium at {CHROMIUM}: apt-get install chromium (scripts/test does it), "
            "or set CHROMIUM=/path/to/chromium"
        )
    return None


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    missing = what_is_missing()
    if missing and os.environ.get("CI"):
        # CI installs the browser (deploy/apt-packages-dev.txt): there, a missing one is a
        # broken set-up, and a skip would hide that the browser tests ran on nothing.
        pytest.fail(f"no real browser on CI: {missing}")
    if missing:
        pytest.skip(f"no real browser: {missing}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


def site_mail(harness: BotHarness, smtp: SmtpTestServer, url: str) -> MailOutbox:
    """The outbox as bot/factory.py create_mail builds it, sending to `smtp`."""
    sender = parse_sender("Наша общая Победа <noreply@example.org>")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(
            SmtpTransport(parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}"), sender.address),
            MailPacer(10_000),
            sender,
        ),
        links=MailLinks(url, harness.settings.web_secret_key),
        replica=Replica(harness.session_factory),
        pending_days=harness.settings.pending_days,
    )


@pytest_asyncio.fixture(loop_scope="session")
async def site(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Site]:
    """An open event and a past one; the sample event's registration is open (BEFORE_EVENT).
    Parametrized with "mail": e-mail on (see the module's docstring)."""
    catalog = catalog_of(
        make_event(SLUG),
        make_event(PAST, starts_at=datetime(2024, 9, 3, 7, 0, tzinfo=UTC)),
        make_event(VENUES, starts_at=datetime(2025, 9, 10, 7, 0, tzinfo=UTC), venues=VENUE_LIST),
    )
    harness = BotHarness(tmp_path, FrozenClock(BEFORE_EVENT), catalog)
    await harness.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        smtp, mail = None, None
        if getattr(request, "param", None) == "mail":
            smtp = stack.enter_context(running_smtp())
            mail = site_mail(harness, smtp, url)
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=harness.settings.model_copy(update={"web_port": port}),
            catalog=catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            session_factory=harness.session_factory,
            bot_username=lambda: BOT,
            # As `python -m bot run` wires it: the personal page hands out the bot's documents.
            render_certificate=harness.certificates.render,
            mail=mail,
        )
        try:
            async with web_site(app, "127.0.0.1", port, shutdown_timeout=1):
                if mail is not None:
                    await mail.replica.join()
                    mail.start()
                try:
                    yield Site(url, harness, app, smtp)
                finally:
                    if mail is not None:
                        await mail.stop()
        finally:
            await harness.close()


@pytest_asyncio.fixture(loop_scope="session")
async def open_phone(browser: Browser, site: Site, tmp_path: Path) -> AsyncIterator[OpenPhone]:
    """`await open_phone("zh")`: a new visitor on a 360 px phone whose browser reads Chinese
    ("ru" Russian, "en" neither: the page asks). Afterwards: no request left 127.0.0.1 and no
    page logged an error."""
    phones: list[Phone] = []

    async def open_one(lang: str) -> Phone:
        locale, accept_language = LOCALES[lang]
        context = await browser.new_context(
            viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale=locale,
            extra_http_headers={"Accept-Language": accept_language},
            accept_downloads=True,
        )
        context.set_default_timeout(5_000)  # a local page: anything slower is a failure
        phone = Phone(context, await context.new_page(), site, tmp_path)
        context.on("request", lambda request: phone.requests.append(request.url))
        context.on("response", phone.record_failed_asset)
        context.on("console", phone.record_console_error)
        context.on("weberror", lambda error: phone.errors.append(str(error.error)))
        phones.append(phone)
        return phone

    yield open_one
    for phone in phones:
        await phone.context.close()
    for phone in phones:
        outside = phone.outside_requests()
        assert not outside, f"requests that left 127.0.0.1: {outside}"
        assert not phone.errors, f"errors in the pages: {phone.errors}"
