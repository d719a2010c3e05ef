"""The web registration form (web/routes/registration.py) through aiohttp's test client: both
languages, every field's error next to the field with the typed values kept, hybrid and online
events, the speaker's topic, the consent that names the personal page's erase button, the
honeypot, CSRF, the rate limit, the same address twice, closed and past events, the calendar
file, /stats and "I lost my link"."""

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
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FrozenClock
from bot.i18n import I18n
from bot.services.registration.form import CONSENT_VERSION
from bot.services.registration.registrations import sync_events
from bot.services.reports.stats import event_stats
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.models import EventRow, Registration
from tests.harness import (
    COMPILED_TEMPLATES,
    catalog_of,
    make_event,
    migrated_sqlite_url,
    shared_i18n,
)
from web.app import create_web_app

NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 15:00 in Beijing
HYBRID = "victory-2025"
ONLINE = "online-2025"
CLOSED = "closed-2025"
OVER = "victory-2024"
HEADERS = {"ru": {"Accept-Language": "ru-RU,ru;q=0.9"}, "zh": {"Accept-Language": "zh-CN"}}
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
WELCOME = re.compile(r"^/me/([A-Za-z0-9_-]{40,})\?welcome=1$")
Client = TestClient[web.Request, web.Application]
Factory = async_sessionmaker[AsyncSession]


def catalog() -> Any:
    return catalog_of(
        make_event(HYBRID, starts_at=START),
        make_event(ONLINE, starts_at=START, fmt="online"),
        make_event(CLOSED, starts_at=START, deadline=NOW - timedelta(days=1)),
        make_event(OVER, starts_at=datetime(2024, 9, 3, 7, 0, tzinfo=UTC)),
    )


@pytest.fixture
async def factory(tmp_path: Path) -> AsyncIterator[Factory]:
    engine = create_engine(await migrated_sqlite_url(tmp_path / "web.sqlite3"))
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        await sync_events(session, catalog(), FrozenClock(NOW))
    yield session_factory
    await engine.dispose()


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_client(factory: Factory) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(bot: str | None = "victory_test_bot", **values: Any) -> Client:
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=Settings(bot_token="4242:TEST-token-for-tests", _env_file=None, **values),  # type: ignore[call-arg, arg-type]
            catalog=catalog(),
            clock=FrozenClock(NOW),
            i18n=shared_i18n(),
            session_factory=factory,
            bot_username=lambda: bot,
        )
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


def answers(**changed: str) -> dict[str, str]:
    form = {
        "full_name": "Иванова Мария Петровна",
        "country": "RU",
        "country_other": "",
        "city": "Хабаровск",
        "organization": "Школа № 5",
        "role": "teacher",
        "participation_format": "online",
        "wants_to_speak": "no",
        "talk_topic": "",
        "email": "maria@example.ru",
        "phone": "",
        "consent": "yes",
        "homepage": "",
    }
    form.update(changed)
    return {name: value for name, value in form.items() if value is not None}


async def post_form(
    client: Client, lang: str = "ru", slug: str = HYBRID, **changed: str
) -> web.Response:
    """Open the event page (its CSRF cookie and token), then send the form as a browser does."""
    page = await client.get(f"/e/{slug}", headers=HEADERS[lang])
    found = CSRF.search(await page.text())
    assert found, "no form on the page"
    data = {"csrf_token": found.group(1), **answers(**changed)}
    return await client.post(  # type: ignore[return-value]
        f"/e/{slug}", data=data, headers=HEADERS[lang], allow_redirects=False
    )


async def rows(factory: Factory) -> list[Registration]:
    async with factory() as session:
        return list((await session.scalars(select(Registration).order_by(Registration.id))).all())


def welcome_token(response: Any) -> str:
    assert response.status == 303, response.status
    found = WELCOME.match(response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


# --- registering ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_register_in_the_pages_language_and_land_on_the_personal_page(
    client: Client, factory: Factory, lang: str
) -> None:
    name = "Иванова Мария Петровна" if lang == "ru" else "王小明"
    response = await post_form(client, lang, full_name=name, country="CN", phone="+7 900 123-45-67")
    token = welcome_token(response)
    [row] = await rows(factory)
    assert (row.full_name, row.country, row.language, row.source) == (name, "CN", lang, "web")
    assert (row.user_id, row.email, row.phone, row.role) == (
        None,
        "maria@example.ru",
        "+79001234567",
        "teacher",
    )
    assert row.consent_version == CONSENT_VERSION and row.consent_at is not None
    assert row.participation_format == "online" and row.wants_to_speak is False
    assert token not in str([getattr(row, c.key) for c in Registration.__table__.columns])
    # What happens next: the personal page with its welcome, the times in the reader's order.
    page = await client.get(response.headers["Location"], headers=HEADERS[lang])
    text = await page.text()
    assert page.status == 200 and T[lang]("me-welcome-title") in text
    if lang == "zh":
        assert text.index("15:00—18:00（北京时间）") < text.index("10:00—13:00（莫斯科时间）")
    else:
        assert text.index("10:00–13:00 по московскому") < text.index("15:00–18:00 по пекинскому")


async def test_the_calendar_file_of_the_next_page_parses(client: Client) -> None:
    token = welcome_token(await post_form(client))
    page = await (await client.get(f"/me/{token}?welcome=1", headers=HEADERS["ru"])).text()
    assert f"/me/{token}/calendar.ics" in page
    response = await client.get(f"/me/{token}/calendar.ics", headers=HEADERS["ru"])
    assert response.status == 200
    [event] = Calendar.from_ical(await response.read()).walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert str(event["summary"]) == f"Конференция «{HYBRID}»"


async def test_a_web_registration_counts_in_stats_as_web(client: Client, factory: Factory) -> None:
    welcome_token(await post_form(client))
    async with factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == HYBRID))
        assert event_id is not None
        stats = await event_stats(session, event_id)
    assert stats.by_source == {"web": 1} and stats.active == 1


# --- the form and its errors ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_form_has_the_chat_forms_questions_and_labels(client: Client, lang: str) -> None:
    t = T[lang]
    text = await (await client.get(f"/e/{HYBRID}", headers=HEADERS[lang])).text()
    form = text[text.index('<form class="reg-form"') : text.index("</form>")]
    for key in ("field-full-name", "field-country", "field-city", "field-role", "field-email"):
        assert str(escape(t(key))) in form, key
    assert str(escape(t("ask-city", min=2, max=100))) in form
    assert t("role-compatriot") in form and t("country-CN") in form
    assert str(escape(t("web-consent-text").split("\n")[-1])) in form  # the web's consent
    assert CONSENT_VERSION in form
    # Every visible input has a label; e-mail and phone bring their keyboards.
    for input_id in re.findall(r'<(?:input|textarea)[^>]*\sid="([^"]+)"', form):
        labelled = f'for="{input_id}"' in form or re.search(
            rf'<label class="option[^"]*"><input[^>]*id="{input_id}"', form
        )
        assert labelled, input_id
    assert 'type="email" id="email" name="email" autocomplete="email" inputmode="email"' in form
    assert 'autocomplete="tel" inputmode="tel"' in form and 'autocomplete="name"' in form
    assert "<script" not in text and "style=" not in text


# name, value (None: left out), the message expected next to it, and where it shows
ERRORS: list[tuple[str, str | None, tuple[str, dict[str, Any]], str]] = [
    ("full_name", "И", ("err-too-short", {"min": 2}), "full_name"),
    ("full_name", "Ivan 2", ("err-name-digits", {}), "full_name"),
    ("city", "  ", ("web-form-required", {}), "city"),
    ("organization", "123", ("err-need-letters", {}), "organization"),
    ("email", "maria@", ("err-email-invalid", {}), "email"),
    ("email", "", ("web-form-required", {}), "email"),
    ("phone", "12", ("web-form-phone-invalid", {}), "phone"),
    ("role", None, ("web-form-choose", {}), "role"),
    ("role", "boss", ("web-form-choose", {}), "role"),
    ("participation_format", None, ("web-form-choose", {}), "participation_format"),
    ("wants_to_speak", None, ("web-form-choose", {}), "wants_to_speak"),
    ("country", None, ("web-form-choose", {}), "country"),
    ("consent", None, ("web-form-consent-required", {}), "consent"),
]


def consent_paragraphs(text: str) -> list[str]:
    """A consent's paragraphs as the form shows them (the first line is its heading)."""
    return [p.strip() for p in text.split("\n", 1)[1].split("\n\n") if p.strip()]


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_web_consent_names_the_personal_pages_erase_button_not_delete_me(
    client: Client, factory: Factory, lang: str
) -> None:
    """A web registrant may have no Telegram: the consent names the button that withdraws it
    on the personal page (where the form leads), the same consent under the same version."""
    t = T[lang]
    web_text, bot_text = t("web-consent-text"), t("consent-text")
    assert t("web-me-erase") in web_text and "/delete_me" not in web_text
    assert "/delete_me" in bot_text  # the bot's stays the bot's
    # The same statement: the same heading and the same list of data.
    assert web_text.split("\n")[0] == bot_text.split("\n")[0]
    data = {"ru": r"\(ФИО[^)]*\)", "zh": r"（姓名[^）]*）"}[lang]
    assert re.findall(data, web_text) == re.findall(data, bot_text) != []
    page = await (await client.get(f"/e/{HYBRID}", headers=HEADERS[lang])).text()
    form = page[page.index('<form class="reg-form"') : page.index("</form>")]
    assert "/delete_me" not in form
    for paragraph in consent_paragraphs(web_text):
        assert str(escape(paragraph)) in form
    # The words the text tells to tick are the checkbox's.
    checkbox = {"ru": "«Даю согласие»", "zh": "“同意”"}[lang]
    assert checkbox in web_text
    assert re.search(rf'name="consent" value="yes"[^>]*> {checkbox[1:-1]}</label>', form)
    # Sent back with a refused field: still the web's consent.
    refused = await (await post_form(client, lang, email="not an address")).text()
    assert "/delete_me" not in refused
    assert str(escape(consent_paragraphs(web_text)[0])) in refused
    # Registered under the one consent version; the page it leads to has the button it names.
    token = welcome_token(await post_form(client, lang))
    [row] = await rows(factory)
    assert row.consent_version == CONSENT_VERSION
    personal = await (await client.get(f"/me/{token}?welcome=1", headers=HEADERS[lang])).text()
    assert f">{escape(t('web-me-erase'))}</a>" in personal
    if lang == "zh":  # the registrant's own statement, as the bot's (test_locale_quality)
        assert "我" in web_text and "您" not in web_text


@pytest.mark.parametrize("lang", ["ru", "zh"])
@pytest.mark.parametrize(("name", "value", "message", "where"), ERRORS)
async def test_each_wrong_field_is_shown_next_to_it_with_everything_typed_kept(
    client: Client,
    factory: Factory,
    lang: str,
    name: str,
    value: str | None,
    message: tuple[str, dict[str, Any]],
    where: str,
) -> None:
    changed: dict[str, Any] = {name: value}
    if name != "city":
        changed["city"] = 'Хабаровск "<b>центр</b>"'  # kept, and escaped
    response = await post_form(client, lang, **changed)
    text = await response.text()
    assert response.status == 400
    shown = str(escape(T[lang](message[0], **message[1])))
    # The message is next to its field, which points at it.
    assert f'<p class="field-error" id="{where}-error">{shown}</p>' in text
    assert re.search(rf'aria-describedby="[^"]*\b{where}-error\b', text)
    # ... and in the summary at the top, linked to the field.
    assert 'id="form-problems"' in text and shown in text.split('id="form-problems"')[1]
    # Everything typed is kept.
    assert 'value="Иванова Мария Петровна"' in text or name == "full_name"
    assert 'value="maria@example.ru"' in text or name == "email"
    if name != "city":
        assert 'value="Хабаровск &#34;&lt;b&gt;центр&lt;/b&gt;&#34;"' in text
    assert 'id="role-teacher" value="teacher" checked' in text or name == "role"
    assert 'name="consent" value="yes" required checked' in text or name == "consent"
    assert await rows(factory) == []


async def test_a_too_long_answer_says_how_long(client: Client) -> None:
    text = await (await post_form(client, "zh", organization="校" * 301)).text()
    assert T["zh"]("err-too-long", max=300, length=301) in text


async def test_an_online_event_has_no_format_question(client: Client, factory: Factory) -> None:
    page = await (await client.get(f"/e/{ONLINE}", headers=HEADERS["ru"])).text()
    assert 'name="participation_format"' not in page
    hybrid = await (await client.get(f"/e/{HYBRID}", headers=HEADERS["ru"])).text()
    assert 'name="participation_format" id="participation_format-offline"' in hybrid
    welcome_token(await post_form(client, slug=ONLINE, participation_format=None))
    welcome_token(await post_form(client, email="b@example.ru", participation_format="offline"))
    online, hybrid_row = await rows(factory)
    assert online.participation_format == "online" and hybrid_row.participation_format == "offline"


async def test_a_speaker_needs_a_topic(client: Client, factory: Factory) -> None:
    response = await post_form(client, "ru", wants_to_speak="yes")
    text = await response.text()
    assert response.status == 400
    assert str(escape(T["ru"]("web-form-required"))) in text and 'id="talk_topic-error"' in text
    assert 'id="wants_to_speak-yes" value="yes" checked' in text
    welcome_token(await post_form(client, wants_to_speak="yes", talk_topic="Память о войне"))
    # A topic typed by someone who then chose not to speak is not kept.
    welcome_token(await post_form(client, email="x@example.ru", talk_topic="Тема доклада"))
    speaker, listener = await rows(factory)
    assert (speaker.wants_to_speak, speaker.talk_topic, speaker.speaker_status) == (
        True,
        "Память о войне",
        "pending",
    )
    assert (listener.wants_to_speak, listener.talk_topic) == (False, None)


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("CN", "", "CN"),
        ("other", " россия ", "RU"),
        ("other", "中国", "CN"),
        ("other", "Казахстан", "Казахстан"),
        ("", "Беларусь", "Беларусь"),  # typed without choosing "other"
    ],
)
async def test_the_country_is_stored_as_the_bot_stores_it(
    client: Client, factory: Factory, country: str, typed: str, stored: str
) -> None:
    welcome_token(await post_form(client, country=country, country_other=typed))
    [row] = await rows(factory)
    assert row.country == stored


async def test_another_country_needs_its_name(client: Client) -> None:
    text = await (await post_form(client, "zh", country="other", country_other="")).text()
    assert f'id="country_other-error">{escape(T["zh"]("web-form-required"))}' in text


# --- abuse ----------------------------------------------------------------------------------


async def test_a_filled_honeypot_is_thanked_and_nothing_is_saved(
    client: Client, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="web"):
        response = await post_form(client, homepage="http://spam.example")
    welcome_token(response)  # looks like a registration
    assert await rows(factory) == []
    [line] = [r.getMessage() for r in caplog.records if r.name == "web.routes.registration"]
    assert "honeypot" in line and HYBRID in line
    assert "maria" not in caplog.text and "Иванова" not in caplog.text
    # The trap is labelled for screen readers and kept out of the tab order.
    page = await (await client.get(f"/e/{HYBRID}", headers=HEADERS["ru"])).text()
    assert f'<label for="homepage">{escape(T["ru"]("web-form-honeypot"))}</label>' in page
    assert 'name="homepage" tabindex="-1" autocomplete="off"' in page


@pytest.mark.parametrize("lang", ["ru", "zh"])
@pytest.mark.parametrize("token", [None, "0" * 64])
async def test_a_form_without_its_csrf_token_is_shown_again_with_what_was_typed(
    client: Client, factory: Factory, token: str | None, lang: str
) -> None:
    """A form refused for its token (a tab left open after the browser was closed, another
    browser's page, or a post forged elsewhere) saves nothing, and is the form again with the
    answers typed, a new token and a notice; the consent is asked again. Sent again from that
    page, it is a registration."""
    t = T[lang]
    await client.get(f"/e/{HYBRID}", headers=HEADERS[lang])
    typed = answers(full_name="Иванова <Мария>", city="Хабаровск", talk_topic="Победа & память")
    data = typed | ({"csrf_token": token} if token else {})
    response = await client.post(f"/e/{HYBRID}", data=data, headers=HEADERS[lang])
    page = await response.text()
    assert response.status == 403
    assert await rows(factory) == []
    assert t("web-form-expired-title") in page and escape(t("web-form-expired-text")) in page
    assert t("web-form-errors-title") not in page  # the answers were not judged
    assert 'value="Иванова &lt;Мария&gt;"' in page and 'value="Хабаровск"' in page
    assert "Победа &amp; память" in page
    assert 'name="consent" value="yes" required>' in page  # not ticked
    found = CSRF.search(page)
    assert found is not None and found.group(1) != token

    again = {**typed, "csrf_token": found.group(1)}
    response = await client.post(
        f"/e/{HYBRID}", data=again, headers=HEADERS[lang], allow_redirects=False
    )
    welcome_token(response)
    [row] = await rows(factory)
    assert row.full_name == "Иванова <Мария>"


@pytest.mark.parametrize("slug", [CLOSED, "no-such-event"])
async def test_a_form_refused_for_its_token_is_not_shown_where_none_is_taken(
    client: Client, factory: Factory, slug: str
) -> None:
    """The form again only while registration is open: after the deadline, the page that says
    so (as with a valid token); for an unknown event, the 404 page."""
    await client.get(f"/e/{HYBRID}", headers=HEADERS["ru"])
    response = await client.post(f"/e/{slug}", data=answers(), headers=HEADERS["ru"])
    text = await response.text()
    assert 'class="reg-form"' not in text
    if slug == CLOSED:
        assert response.status == 409 and T["ru"]("web-register-closed") in text
    else:
        assert response.status == 404 and T["ru"]("web-error-404-title") in text
    assert await rows(factory) == []


async def test_too_many_posts_get_the_429_page(make_client: MakeClient, factory: Factory) -> None:
    client = await make_client(web_rate_limit=2)
    welcome_token(await post_form(client))
    assert (await post_form(client, email="two@example.ru")).status == 303
    response = await post_form(client, email="three@example.ru")
    assert response.status == 429 and "Retry-After" in response.headers
    assert T["ru"]("web-error-429-title") in await response.text()
    assert len(await rows(factory)) == 2


async def test_the_same_address_twice_gives_no_copy_and_no_link(
    client: Client, factory: Factory
) -> None:
    first = welcome_token(await post_form(client, email="Maria@Example.ru"))
    for typed in ("maria@example.ru", "  MARIA@example.RU  "):
        response = await post_form(client, "zh", email=typed, full_name="王小明")
        text = await response.text()
        assert response.status == 409
        assert T["zh"]("web-taken-title") in text and T["zh"]("web-link-help-bot") in text
        # How to get the link: the organizers' address of this event.
        assert '<a href="mailto:commonwin@bk.ru">commonwin@bk.ru</a>' in text
        assert first not in text and "/me/" not in text
    assert len(await rows(factory)) == 1


# --- closed and past events -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
@pytest.mark.parametrize(
    ("slug", "key"), [(CLOSED, "web-register-closed"), (OVER, "web-register-over")]
)
async def test_no_form_when_registration_is_closed_or_over(
    client: Client, factory: Factory, lang: str, slug: str, key: str
) -> None:
    page = await client.get(f"/e/{slug}", headers=HEADERS[lang])
    text = await page.text()
    assert T[lang](key) in text and 'class="reg-form"' not in text
    # A form sent anyway (opened before the deadline): refused with the same words.
    open_page = await client.get(f"/e/{HYBRID}", headers=HEADERS[lang])
    found = CSRF.search(await open_page.text())
    assert found
    data = {"csrf_token": found.group(1), **answers()}
    response = await client.post(f"/e/{slug}", data=data, headers=HEADERS[lang])
    assert response.status == 409 and T[lang](key) in await response.text()
    assert await rows(factory) == []


async def test_an_unknown_event_is_a_404_page(client: Client) -> None:
    page = await client.get(f"/e/{HYBRID}", headers=HEADERS["zh"])
    found = CSRF.search(await page.text())
    assert found
    response = await client.post(
        "/e/no-such-event", data={"csrf_token": found.group(1)}, headers=HEADERS["zh"]
    )
    assert response.status == 404 and T["zh"]("web-error-404-title") in await response.text()


# --- escaping -------------------------------------------------------------------------------


async def test_a_name_with_markup_is_shown_as_text(client: Client, factory: Factory) -> None:
    name = "<script>alert('x')</script> Иван"
    # Shown back in the form...
    text = await (await post_form(client, full_name=name, email="")).text()
    assert "<script>alert" not in text and "&lt;script&gt;alert(&#39;x&#39;)" in text
    # ... and on the personal page after registering.
    token = welcome_token(await post_form(client, full_name=name))
    text = await (await client.get(f"/me/{token}", headers=HEADERS["ru"])).text()
    assert "<script>alert" not in text and "&lt;script&gt;" in text
    [row] = await rows(factory)
    assert row.full_name == name


# --- I lost my link -------------------------------------------------------------------------


async def lost(client: Client, email: str, lang: str = "ru") -> tuple[int, str]:
    # E-mail is off here: /lost has no form; the CSRF token of any page's form serves.
    page = await client.get(f"/e/{HYBRID}", headers=HEADERS[lang])
    found = CSRF.search(await page.text())
    assert found
    response = await client.post(
        "/lost", data={"csrf_token": found.group(1), "email": email}, headers=HEADERS[lang]
    )
    return response.status, CSRF.sub("", await response.text())


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_lost_link_answers_the_same_for_known_and_unknown_addresses(
    client: Client, lang: str
) -> None:
    t = T[lang]
    page = await (await client.get("/lost", headers=HEADERS[lang])).text()
    # E-mail off: no letter can bring the link, so the page gives the other ways at once.
    assert t("web-lost-done-text") in page and t("web-link-help-bot") in page
    assert 'type="email"' not in page
    welcome_token(await post_form(client, email="maria@example.ru"))
    known = await lost(client, "maria@example.ru", lang)
    unknown = await lost(client, "nobody@example.ru", lang)
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]
    assert t("web-lost-done-text") in known[1] and t("web-link-help-bot") in known[1]
    assert '<a href="mailto:commonwin@bk.ru">commonwin@bk.ru</a>' in known[1]
    assert "maria@" not in known[1]


async def test_without_a_bot_the_lost_page_does_not_send_people_to_it(
    make_client: MakeClient,
) -> None:
    t = T["ru"]
    client = await make_client(bot=None)  # the pages alone, or before Telegram answered
    _, page = await lost(client, "maria@example.ru", "ru")
    assert t("web-link-help-organizers-only") in page and "/me" not in page


async def test_lost_link_checks_its_token(client: Client) -> None:
    await client.get("/lost", headers=HEADERS["ru"])
    response = await client.post("/lost", data={"email": "a@b.ru"}, headers=HEADERS["ru"])
    assert response.status == 403
