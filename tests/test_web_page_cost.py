"""What keeps the pages cheap under load (bench/web.py): the personal page reads everything it
shows in one query, and a translation that always comes out the same is formatted once."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, select

from bot.i18n import I18n, Translator
from bot.services.registration.form import CONSENT_VERSION, Field
from bot.services.registration.registrations import Channel, RegistrationService
from db.models import Attendance, Certificate, EventRow, Feedback, Registration
from tests.conftest import BEFORE_EVENT
from tests.harness import COMPILED_TEMPLATES, BotHarness, make_event
from web.app import create_web_app
from web.context import CONFIG
from web.csrf import sign
from web.render import RENDERER

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def events() -> list[dict]:
    return [make_event(SLUG, starts_at=START)]


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[Client]:
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=harness.settings,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        session_factory=harness.session_factory,
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


@contextmanager
def statements(harness: BotHarness) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(harness.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", record)


async def web_registration(harness: BotHarness) -> tuple[str, Registration]:
    answers = {
        Field.FULL_NAME: "Ли Вэй",
        Field.COUNTRY: "CN",
        Field.CITY: "Харбин",
        Field.ORGANIZATION: "Школа № 1",
        Field.ROLE: "teacher",
        Field.FORMAT: "online",
        Field.WANTS_TO_SPEAK: False,
        Field.EMAIL: "li.wei@example.cn",
        Field.PHONE: "",
        "consent_at": BEFORE_EVENT.isoformat(),
        "consent_version": CONSENT_VERSION,
    }
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(SLUG, answers, "ru", channel=Channel.web())
    assert reg.access_token is not None
    return reg.access_token, reg.row


async def page(client: Client, path: str) -> str:
    response = await client.get(path, headers=RU)
    assert response.status == 200
    return await response.text()


async def test_the_personal_page_is_one_query(harness: BotHarness, client: Client) -> None:
    token, row = await web_registration(harness)
    with statements(harness) as seen:
        html = await page(client, f"/me/{token}")
    assert seen == ["SELECT"]
    t = harness.i18n("ru")
    assert t("web-me-checked-in") not in html and "/certificate.pdf" not in html
    # With everything it can show: the certificate, the rating and the check-in.
    async with harness.session_factory() as session:
        certificate = Certificate(
            number="NP25-0042-K7QX",
            event_id=row.event_id,
            registration_id=row.id,
            full_name="Ли Вэй",
            language="ru",
            issued_at=START + timedelta(hours=5),
        )
        session.add(certificate)
        await session.flush()
        session.add(
            Feedback(
                certificate_id=certificate.id,
                event_id=row.event_id,
                rating=4,
                created_at=START + timedelta(hours=6),
            )
        )
        session.add(
            Attendance(
                event_id=row.event_id,
                registration_id=row.id,
                method="web",
                checked_at=START + timedelta(minutes=5),
            )
        )
        await session.commit()
    with statements(harness) as seen:
        html = await page(client, f"/me/{token}")
    assert seen == ["SELECT"]
    assert "NP25-0042-K7QX" in html and f"/me/{token}/certificate.pdf" in html
    assert t("web-me-feedback-given", stars="★★★★") in html
    assert t("web-me-checked-in") in html
    # An unknown token: the same one query, and the 404 page.
    with statements(harness) as seen:
        response = await client.get("/me/" + "x" * 43, headers=RU)
    assert response.status == 404 and seen == ["SELECT"]


CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def without_token(html: str) -> str:
    return CSRF_FIELD.sub('name="csrf_token" value=""', html)


@contextmanager
def drawings(client: Client) -> Iterator[list[str]]:
    """The templates the app draws meanwhile."""
    renderer = client.app[RENDERER]
    drawn: list[str] = []
    draw = renderer._render

    def counted(template: str, *args: Any) -> str:
        drawn.append(template)
        return draw(template, *args)

    renderer._render = counted  # type: ignore[method-assign]
    try:
        yield drawn
    finally:
        renderer._render = draw  # type: ignore[method-assign]


async def test_the_event_page_is_drawn_once_with_each_visitors_own_token(
    harness: BotHarness, client: Client
) -> None:
    secret = client.app[CONFIG].secret
    with drawings(client) as drawn:
        # Two new browsers (the test client keeps cookies: forgotten after each).
        first = await client.get(f"/e/{SLUG}", headers=RU)
        client.session.cookie_jar.clear()
        second = await client.get(f"/e/{SLUG}", headers=RU)
        client.session.cookie_jar.clear()
        assert drawn == ["event.html"]
        pages = [await first.text(), await second.text()]
        keys = [r.cookies["csrf"].value for r in (first, second)]
        assert keys[0] != keys[1]
        tokens = [CSRF_FIELD.findall(html) for html in pages]
        # Each page carries its visitor's token, made for the key in their cookie.
        assert tokens == [[sign(secret, keys[0])], [sign(secret, keys[1])]]
        assert without_token(pages[0]) == without_token(pages[1])
        # A visitor who has a key keeps it: no new cookie, the token for their key.
        again = await client.get(f"/e/{SLUG}", headers=RU, cookies={"csrf": keys[0]})
        assert "csrf" not in again.cookies
        assert CSRF_FIELD.findall(await again.text()) == [sign(secret, keys[0])]
        # Chinese is a drawing of its own.
        client.session.cookie_jar.clear()
        zh = await client.get(f"/e/{SLUG}", headers={"Accept-Language": "zh-CN"})
        assert drawn == ["event.html", "event.html"]
        assert harness.i18n("zh")("web-register-title") in await zh.text()
    # The second visitor's form is theirs: it registers with their own cookie only.
    form = {
        "full_name": "Ли Вэй",
        "country": "CN",
        "city": "Харбин",
        "organization": "Школа № 1",
        "role": "teacher",
        "participation_format": "online",
        "wants_to_speak": "no",
        "email": "li.wei@example.cn",
        "consent": "yes",
    }
    for key, status in ((keys[0], 403), (keys[1], 303)):
        client.session.cookie_jar.clear()
        response = await client.post(
            f"/e/{SLUG}",
            data={"csrf_token": tokens[1][0], **form},
            headers=RU,
            cookies={"csrf": key},
            allow_redirects=False,
        )
        assert response.status == status


async def test_the_event_page_follows_the_event_and_the_clock(
    harness: BotHarness, client: Client
) -> None:
    event = harness.catalog.get(SLUG)
    assert event is not None
    t = harness.i18n("ru")
    html = await page(client, f"/e/{SLUG}")
    assert event.title.ru in html and 'name="csrf_token"' in html
    # An organizer changes the event (a new object in the catalog): the page shows it.
    renamed = event.model_copy(update={"title": event.title.model_copy(update={"ru": "Новое"})})
    harness.catalog.replace(renamed)
    html = await page(client, f"/e/{SLUG}")
    assert "<h1>Новое</h1>" in html and event.title.ru not in html
    # The event is over (its registration closes at its end): no form any more.
    harness.clock.set(renamed.deadline + timedelta(minutes=1))
    html = await page(client, f"/e/{SLUG}")
    assert t("web-register-over") in html and 'name="csrf_token"' not in html


async def test_the_personal_pages_actions_still_find_the_registration(
    harness: BotHarness, client: Client
) -> None:
    token, _ = await web_registration(harness)
    response = await client.get(f"/me/{token}/calendar.ics", headers=RU)
    assert response.status == 200 and response.content_type == "text/calendar"
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        found = await service.registration_by_token(token)
        assert found is not None and found.event.slug == SLUG
        assert found.row.event.slug == SLUG  # the row's event came with it, in the one query
        assert await service.registration_by_token(token[:-1]) is None
        assert await service.registration_by_token("") is None
        assert await service.registration_by_token("y" * 200) is None
        assert (await session.scalar(select(Registration.id))) == found.row.id


@pytest.fixture
def counted() -> Iterator[tuple[Translator, list[str]]]:
    t = I18n()("ru")
    formatted: list[str] = []
    original = t._bundle.format_pattern

    def format_pattern(pattern: Any, args: Any = None) -> Any:
        formatted.append(pattern)
        return original(pattern, args)

    t._bundle.format_pattern = format_pattern  # type: ignore[method-assign]
    yield t, formatted


def test_a_message_without_arguments_is_formatted_once(
    counted: tuple[Translator, list[str]],
) -> None:
    t, formatted = counted
    assert t("web-me-title") == t("web-me-title") == t("web-me-title")
    assert len(formatted) == 1


def test_a_message_with_numbers_is_formatted_once_per_numbers(
    counted: tuple[Translator, list[str]],
) -> None:
    t, formatted = counted
    first = t("ask-city", min=2, max=100)
    assert t("ask-city", max=100, min=2) == first and "100" in first
    assert len(formatted) == 1
    assert t("ask-city", min=3, max=100) != first
    assert len(formatted) == 2


def test_other_arguments_are_formatted_every_time(
    counted: tuple[Translator, list[str]],
) -> None:
    """A name or an address is nobody's business to keep: formatted, never stored."""
    t, formatted = counted
    assert "Ли Вэй" in t("web-me-feedback-given", stars="Ли Вэй")
    t("web-me-feedback-given", stars="Ли Вэй")
    assert len(formatted) == 2
    assert "Ли Вэй" not in repr(t.__dict__)


def test_a_missing_message_stays_loud(
    counted: tuple[Translator, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    t, _ = counted
    with caplog.at_level(logging.ERROR, logger="bot.i18n"):
        assert t("no-such-message") == t("no-such-message") == "no-such-message"
    assert len([r for r in caplog.records if "no-such-message" in r.getMessage()]) == 2


async def test_a_connection_back_in_the_pool_is_rolled_back_only_when_it_must(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: one rollback after a session, not two (db/engine.py); a connection returned
    inside a transaction is still rolled back."""
    if harness.engine.dialect.name != "sqlite":
        pytest.skip("the pool's reset is changed for SQLite only")
    async with harness.engine.connect() as conn:
        adapted = type((await conn.get_raw_connection()).dbapi_connection)
    rollbacks: list[int] = []
    original = adapted.rollback

    def rollback(self: Any) -> None:
        rollbacks.append(1)
        original(self)

    monkeypatch.setattr(adapted, "rollback", rollback)
    async with harness.session_factory() as session:
        await session.scalar(select(Registration.id))
    assert len(rollbacks) == 1
    # Left inside a transaction without SQLAlchemy knowing: the pool rolls it back.
    async with harness.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        await driver.execute("BEGIN")
        await driver.execute("UPDATE events SET title_ru = 'never'")
        assert driver.in_transaction
    assert not driver.in_transaction  # back in the pool
    async with harness.session_factory() as session:
        assert await session.scalar(select(EventRow.id).where(EventRow.title_ru == "never")) is None
