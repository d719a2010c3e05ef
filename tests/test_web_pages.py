"""The web pages (web/) through aiohttp's test client: languages, the event and verify pages,
error pages, CSRF, the rate limit, security headers, no external assets, page weight."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.i18n import I18n
from bot.services.registration.registrations import sync_events
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.models import Certificate, EventRow
from tests.harness import (
    COMPILED_TEMPLATES,
    catalog_of,
    make_event,
    migrated_sqlite_url,
    shared_i18n,
)
from web.app import create_web_app
from web.csrf import CSRF_COOKIE, CSRF_FIELD, csrf_token
from web.ratelimit import RATE_LIMIT, RateLimit
from web.render import html_response

NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)  # the sample event is open
SLUG = "victory-2025"
PAST = "victory-2024"
NUMBER = "NP25-0007-RHY2"
BOT = "victory_test_bot"
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
HTML_LANG = {"ru": 'lang="ru"', "zh": 'lang="zh-CN"'}
HEADERS = {"ru": RU, "zh": ZH}
t_ru, t_zh = I18n()("ru"), I18n()("zh")
T = {"ru": t_ru, "zh": t_zh}
Client = TestClient[web.Request, web.Application]


def settings(**values: Any) -> Settings:
    return Settings(bot_token="4242:TEST-token-for-tests", _env_file=None, **values)  # type: ignore[call-arg, arg-type]


async def form_page(request: web.Request) -> web.Response:
    """A form as the next pages will have it (tests only)."""
    token = csrf_token(request)
    return html_response(f'<form method="post"><input name="{CSRF_FIELD}" value="{token}">')


async def form_post(request: web.Request) -> web.Response:
    form = await request.post()
    return web.Response(text=f"got {form.get('name')}")


async def failing(request: web.Request) -> web.Response:
    raise RuntimeError("Иванов Иван, ivan@example.com")  # personal data: never in the log


@pytest.fixture
async def session_factory(tmp_path: Path) -> AsyncIterator[Any]:
    engine = create_engine(await migrated_sqlite_url(tmp_path / "web.sqlite3"))
    factory = create_session_factory(engine)
    async with factory() as session:
        await sync_events(session, catalog(), FrozenClock(NOW))
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
        assert event_id is not None
        session.add(
            Certificate(
                number=NUMBER,
                event_id=event_id,
                full_name="Иванов Иван Иванович",
                language="ru",
                issued_at=NOW,
            )
        )
        await session.commit()
    yield factory
    await engine.dispose()


def catalog() -> Any:
    return catalog_of(
        make_event(SLUG),
        make_event(PAST, starts_at=datetime(2024, 9, 3, 7, 0, tzinfo=UTC)),
    )


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_client(session_factory: Any) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(bot_username: str | None = BOT, **values: Any) -> Client:
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=settings(**values),
            catalog=catalog(),
            clock=FrozenClock(NOW),
            i18n=shared_i18n(),
            session_factory=session_factory,
            bot_username=lambda: bot_username,
        )
        app.router.add_get("/test-form", form_page)
        app.router.add_post("/test-form", form_post)
        app.router.add_get("/test-fail", failing)
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


async def page(client: Client, path: str, lang: str, status: int = 200) -> str:
    response = await client.get(path, headers=HEADERS[lang], allow_redirects=False)
    text = await response.text()
    assert response.status == status, text
    assert HTML_LANG[lang] in text.partition(">")[2][:40]  # <html lang=...>
    return text


# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/", "web-events-title"),
        (f"/e/{SLUG}", "web-event-about"),
        ("/verify", "web-verify-intro"),
        (f"/verify/{NUMBER}", "web-verify-valid"),
    ],
)
@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_every_page_in_both_languages(
    client: Client, path: str, key: str, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    text = await page(client, path, lang)
    assert T[lang](key) in text
    assert T[lang]("web-site-name") in text
    # The switch to the other language, on every page.
    other = "zh" if lang == "ru" else "ru"
    assert f'href="?lang={other}"' in text
    # Every message exists in this language (the translator logs the missing ones).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_language_comes_from_accept_language_else_a_choice(client: Client) -> None:
    assert t_zh("web-events-title") in await page(client, "/", "zh")
    assert t_ru("web-events-title") in await page(client, "/", "ru")
    for headers in (EN, {"Accept-Language": "de, fr;q=0.5"}, {}):
        response = await client.get("/", headers=headers)
        text = await response.text()
        assert response.status == 200
        # The bilingual choice, each language's link coming back to this address.
        assert t_ru("web-choose-title") in text and t_zh("web-choose-title") in text
        assert 'href="?lang=ru"' in text and 'href="?lang=zh"' in text
        assert t_ru("web-events-title") not in text
    # Quality values count: Russian preferred over Chinese.
    response = await client.get("/", headers={"Accept-Language": "en, zh;q=0.5, ru;q=0.8"})
    assert 'lang="ru"' in await response.text()


async def test_the_cookie_wins_and_lang_switches_and_comes_back(client: Client) -> None:
    response = await client.get("/verify?number=&lang=zh", headers=RU, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/verify?number="
    assert response.cookies["lang"].value == "zh"
    # The cookie now wins over the browser's Russian.
    text = await page(client, "/", "zh")
    assert t_zh("web-events-title") in text
    # And back, from a Chinese browser.
    await client.get("/?lang=ru", headers=ZH)
    response = await client.get("/", headers=ZH)
    assert t_ru("web-events-title") in await response.text()
    # A language we do not have changes nothing.
    response = await client.get("/?lang=en", headers=RU, allow_redirects=False)
    assert response.status == 303 and "lang" not in response.cookies


# --- the event page -------------------------------------------------------------------------


async def test_event_page_times_in_the_readers_order(client: Client) -> None:
    ru = await page(client, f"/e/{SLUG}", "ru")
    # 3 September 2025, 07:00 UTC: 10:00 in Moscow, 15:00 in Beijing.
    assert ru.index("10:00–13:00 по московскому") < ru.index("15:00–18:00 по пекинскому")
    zh = await page(client, f"/e/{SLUG}", "zh")
    assert zh.index("15:00—18:00（北京时间）") < zh.index("10:00—13:00（莫斯科时间）")
    assert "\U0001f1f7" not in ru + zh  # no flag emoji: many desktops draw them as letters


async def test_event_page_facts_contacts_and_where_to_register(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    text = await page(client, f"/e/{SLUG}", "ru")
    assert "Конференция «victory-2025»" in text and "Описание мероприятия" in text
    assert "онлайн (VooV Meeting) и очно" in text and "Москва, Дом дружбы" in text
    assert '<a href="mailto:commonwin@bk.ru">commonwin@bk.ru</a>' in text
    assert f'<form class="reg-form" method="post" action="/e/{SLUG}#register"' in text
    assert f'href="https://t.me/{BOT}?start={SLUG}"' in text
    # Before the bot is known (no token, Telegram unreachable): the form alone.
    client = await make_client(bot_username=None)
    text = await page(client, f"/e/{SLUG}", "zh")
    assert "t.me" not in text and 'class="reg-form"' in text
    # A past event: no registration, the certificate check instead.
    text = await page(client, f"/e/{PAST}", "ru")
    assert t_ru("web-register-over") in text and 'class="reg-form"' not in text


async def test_index_lists_open_events(client: Client) -> None:
    text = await page(client, "/", "ru")
    assert f'href="/e/{SLUG}"' in text and f'href="/e/{PAST}"' not in text
    assert t_ru("web-state-open") in text


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_conference_on_now_says_so(session_factory: Any, lang: str) -> None:
    """A visitor coming while it runs (registration is still open then) sees it is on now, on
    the list and on the event's page; nothing says so before the start."""
    clock = FrozenClock(NOW)
    running = make_event("running-2025", starts_at=NOW + timedelta(hours=1))
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=settings(),
        catalog=catalog_of(running),
        clock=clock,
        i18n=shared_i18n(),
        session_factory=session_factory,
        bot_username=lambda: BOT,
    )
    async with TestClient(TestServer(app)) as client:
        on_now = T[lang]("web-state-running")
        assert on_now not in await page(client, "/e/running-2025", lang)
        clock.set(NOW + timedelta(hours=1, minutes=20))
        for path in ("/", "/e/running-2025"):
            text = await page(client, path, lang)
            assert on_now in text and T[lang]("web-state-open") in text
            assert 'class="reg-form"' in text or path == "/"


# --- verify ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [NUMBER, "nр25 0007 rну2", "np250007rhy2", "NP25\u20140007-RHY2"])
async def test_verify_finds_a_number_as_people_type_it(client: Client, typed: str) -> None:
    text = await page(client, f"/verify/{typed}", "ru")
    assert t_ru("web-verify-valid") in text
    assert NUMBER in text and "Иванов Иван Иванович" in text
    assert "Конференция «victory-2025»" in text and "3 сентября 2025" in text
    zh = await page(client, f"/verify/{typed}", "zh")
    assert t_zh("web-verify-valid") in zh and "2025年9月3日" in zh


async def test_verify_unknown_number_says_only_not_found(client: Client) -> None:
    for typed in ("NP25-0007-RHY3", "hello", "<b>x</b>"):
        text = await page(client, f"/verify/{typed}", "ru", status=404)
        assert t_ru("web-verify-not-found-title") in text
        assert "Иванов" not in text and NUMBER not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<b>x</b>" not in text  # shown back escaped
    text = await page(client, "/verify/NP25-0007-RHY3", "zh", status=404)
    assert t_zh("web-verify-not-found-title") in text


async def test_verify_form_goes_to_the_numbers_address(client: Client) -> None:
    response = await client.get(
        "/verify", params={"number": " nр25 0007 rну2 "}, headers=RU, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/verify/n%D1%8025%200007%20r%D0%BD%D1%832"
    response = await client.get("/verify", params={"number": " nр25 0007 rну2 "}, headers=RU)
    assert t_ru("web-verify-valid") in await response.text()
    text = await page(client, "/verify?number=+", "zh", status=400)
    assert t_zh("web-verify-empty") in text


# --- error pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_error_pages_in_the_page_language(
    make_client: MakeClient, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client(web_rate_limit=2, web_max_body=1024)
    t, headers = T[lang], HEADERS[lang]
    home = f'href="/">{t("web-home-link")}'

    async def error(response: Any, status: int) -> str:
        text = await response.text()
        assert response.status == status, text
        assert HTML_LANG[lang] in text and home in text
        assert t(f"web-error-{status}-title") in text
        assert "Traceback" not in text
        return str(text)

    await error(await client.get("/no-such-page", headers=headers), 404)
    await error(await client.get("/e/no-such-event", headers=headers), 404)
    response = await client.post("/", headers=headers)
    await error(response, 405)
    assert response.headers["Allow"] == "GET,HEAD"
    # A form without its token: refused (and counted by the rate limit).
    await error(await client.post("/test-form", data={"name": "x"}, headers=headers), 403)
    text = await error(
        await client.post("/test-form", data={"f": "x" * 2000}, headers=headers), 413
    )
    assert t("web-error-413-text", max_mb="0.000977") in text
    response = await client.post("/test-form", data={"name": "x"}, headers=headers)
    text = await error(response, 429)
    seconds = int(response.headers["Retry-After"])
    assert 55 <= seconds <= 60 and t("web-error-429-text", seconds=seconds) in text
    with caplog.at_level(logging.ERROR, logger="web"):
        text = await error(await client.get("/test-fail", headers=headers), 500)
    [record] = [r for r in caplog.records if r.name == "web.error_pages"]
    request_id = re.search(r"request ([0-9a-f]{8})", record.getMessage())
    assert request_id and request_id.group(1) in text
    assert "RuntimeError" in record.getMessage() and "/test-fail" in record.getMessage()
    assert "Иванов" not in caplog.text and "ivan@" not in caplog.text and "ivan@" not in text


async def test_error_page_before_a_language_is_known_is_bilingual(client: Client) -> None:
    response = await client.get("/no-such-page", headers=EN)
    text = await response.text()
    assert response.status == 404
    assert t_ru("web-error-404-title") in text and t_zh("web-error-404-title") in text
    assert 'href="?lang=zh"' in text


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_tokens() -> None:
    from web.csrf import sign, token_valid

    secret = b"s" * 32
    mine, theirs = "browser-one-key", "browser-two-key"
    token = sign(secret, mine)
    assert token_valid(secret, mine, token)
    assert not token_valid(secret, None, token)  # no cookie
    assert not token_valid(secret, mine, None)  # no field
    assert not token_valid(secret, mine, "")
    assert not token_valid(secret, mine, "0" * len(token))  # forged
    assert not token_valid(secret, mine, sign(secret, theirs))  # another browser's
    assert not token_valid(b"t" * 32, mine, token)  # another server secret


async def test_a_form_posts_with_its_token_only_from_its_browser(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    response = await client.get("/test-form", headers=RU)
    token = re.search(r'value="([0-9a-f]{64})"', await response.text())
    assert token and CSRF_COOKIE in response.cookies
    assert response.cookies[CSRF_COOKIE]["httponly"]
    posted = await client.post("/test-form", data={CSRF_FIELD: token.group(1), "name": "Аня"})
    assert posted.status == 200 and await posted.text() == "got Аня"
    # The same token from another browser (another cookie): refused.
    other = await make_client()
    await other.get("/test-form", headers=RU)
    refused = await other.post("/test-form", data={CSRF_FIELD: token.group(1)}, headers=RU)
    assert refused.status == 403
    assert t_ru("web-error-403-title") in await refused.text()


# --- rate limit -----------------------------------------------------------------------------


def test_rate_limit_window() -> None:
    now = [0.0]
    limit = RateLimit(2, now=lambda: now[0])
    assert limit.retry_after("a") is None and limit.retry_after("a") is None
    assert limit.retry_after("a") == 60
    assert limit.retry_after("b") is None  # per address
    now[0] = 59.5
    assert limit.retry_after("a") == 1
    now[0] = 60.0
    assert limit.retry_after("a") is None


async def over_limit(client: Client, forwarded: str) -> int:
    response = await client.post(
        "/test-form", data={}, headers={**RU, "X-Forwarded-For": forwarded}
    )
    return response.status


async def test_rate_limit_reads_forwarded_for_only_from_a_trusted_proxy(
    make_client: MakeClient,
) -> None:
    # Not trusted: X-Forwarded-For is the client's own claim, and all posts are 127.0.0.1's.
    client = await make_client(web_rate_limit=2)
    assert [await over_limit(client, f"10.0.0.{i}") for i in range(3)] == [403, 403, 429]
    # Behind a trusted proxy: each client address has its own limit.
    client = await make_client(web_rate_limit=2, web_trusted_proxies="127.0.0.1")
    statuses = [await over_limit(client, f"203.0.113.9, 10.0.0.{i}") for i in range(3)]
    assert statuses == [403, 403, 403]
    assert await over_limit(client, "10.0.0.1") == 403  # its second post
    assert await over_limit(client, "10.0.0.1") == 429  # its third
    assert client.app[RATE_LIMIT].per_minute == 2


# --- headers, assets, weight ----------------------------------------------------------------

ALL_PAGES = [
    "/",
    f"/e/{SLUG}",
    f"/e/{PAST}",
    "/verify",
    f"/verify/{NUMBER}",
    "/verify/NP00-0000-XXXX",
]


async def test_security_headers_everywhere(client: Client) -> None:
    for path in [*ALL_PAGES, "/static/site.css", "/no-such-page", "/?lang=zh", "/test-fail"]:
        response = await client.get(path, headers=RU, allow_redirects=False)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert headers["X-Frame-Options"] == "DENY", path
        csp = headers["Content-Security-Policy"]
        assert csp.startswith("default-src 'self'") and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp


LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_no_external_assets_and_pages_stay_light(client: Client, lang: str) -> None:
    css_response = await client.get("/static/site.css")
    css = await css_response.text()
    assert css_response.status == 200
    assert "url(" not in css and "@import" not in css and "http" not in css
    for path in ALL_PAGES:
        response = await client.get(path, headers=HEADERS[lang])
        html = await response.text()
        for link in LINK.findall(html):
            local = link.startswith(("/", "?", "#", "mailto:")) and not link.startswith("//")
            allowed = local or link.startswith(f"https://t.me/{BOT}?start=")
            assert allowed, (path, link)
        assert "<script" not in html and "style=" not in html, path
        weight = len(html.encode()) + len(css.encode())
        assert weight < 100 * 1024, (path, weight)


async def test_user_input_is_escaped(client: Client) -> None:
    response = await client.get(
        "/verify", params={"number": '"><script>alert(1)</script>'}, headers=RU
    )
    text = await response.text()
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_settings_of_the_web() -> None:
    values = settings()
    assert (values.web_host, values.web_port, values.web_rate_limit) == ("127.0.0.1", 8080, 30)
    assert values.web_max_body == 2 * 1024 * 1024 and values.public_url is None
    assert values.web_address == "http://127.0.0.1:8080"
    # The secret: derived from the token (the same on every replica), or WEB_SECRET.
    assert values.web_secret_key == settings().web_secret_key
    assert settings(web_secret="x" * 20).web_secret_key == b"x" * 20
    assert settings(public_url="https://conf.example.org/").web_address == (
        "https://conf.example.org"
    )
    no_token = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not no_token.has_bot_token and len(no_token.web_secret_key) == 32
    assert settings(web_trusted_proxies="10.0.0.1, ::1").web_trusted_proxies == {
        "10.0.0.1",
        "::1",
    }
