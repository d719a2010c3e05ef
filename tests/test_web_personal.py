"""The personal page /me/<token> (web/routes/personal.py) through aiohttp's test client, on the
bot harness's database, services and clock: both languages, every action (edit, cancel,
restore, erase, the calendar file, the meeting link, check-in, the certificate, feedback,
"Connect Telegram", a new link), its private headers, CSRF on every form, forged and revoked
tokens; and the bot's way there, "My page in a browser" in /me, through the real dispatcher."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select

from bot.i18n import I18n
from bot.services.registration.form import CONSENT_VERSION, Field
from bot.services.registration.registrations import Channel, RegistrationService
from bot.services.reminders.ledger import SHOWN, record_link_shown, shown_link
from db.models import (
    Attendance,
    Certificate,
    Delivery,
    Feedback,
    Registration,
    RegistrationStatus,
)
from tests.conftest import BEFORE_EVENT
from tests.flows import register
from tests.harness import COMPILED_TEMPLATES, BotHarness, make_event
from tests.test_web_page_cost import statements
from web.app import create_web_app

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
LINK = "https://voov.example/j/123"
MEETING_ID = "123 456 789"
PASSCODE = "4321"
DEADLINE = START - timedelta(days=1)
LINK_FROM = START - timedelta(minutes=10)  # the last reminder before the start carries it
BOT = "victory_test_bot"
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HEADERS = {"ru": RU, "zh": ZH}
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def events() -> list[dict]:
    meeting = {"link": LINK, "id": MEETING_ID, "passcode": PASSCODE}
    return [make_event(SLUG, meeting=meeting, deadline=DEADLINE)]


@pytest.fixture
async def make_client(harness: BotHarness) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(bot_username: str | None = BOT) -> Client:
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=harness.settings,
            catalog=harness.catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            session_factory=harness.session_factory,
            bot_username=lambda: bot_username,
            # The bot's own renderer: the page hands out the document the bot sends.
            render_certificate=harness.certificates.render,
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


def answers(email: str = "li.wei@example.cn", name: str = "Ли Вэй") -> dict[str, Any]:
    return {
        Field.FULL_NAME: name,
        Field.COUNTRY: "CN",
        Field.CITY: "Харбин",
        Field.ORGANIZATION: "Школа № 1",
        Field.ROLE: "teacher",
        Field.FORMAT: "online",
        Field.WANTS_TO_SPEAK: False,
        Field.EMAIL: email,
        Field.PHONE: "",
        "consent_at": BEFORE_EVENT.isoformat(),
        "consent_version": CONSENT_VERSION,
    }


async def web_register(harness: BotHarness, email: str = "li.wei@example.cn") -> str:
    """A registration made on the web; its personal page's token."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(SLUG, answers(email), "zh", channel=Channel.web())
    assert reg.access_token is not None
    return reg.access_token


async def the_row(harness: BotHarness, registration_id: int | None = None) -> Registration:
    async with harness.session_factory() as session:
        query = select(Registration).order_by(Registration.id)
        if registration_id is not None:
            query = query.where(Registration.id == registration_id)
        row = (await session.scalars(query)).first()
    assert row is not None
    return row


async def get(client: Client, path: str, lang: str = "ru", status: int = 200) -> str:
    response = await client.get(path, headers=HEADERS[lang], allow_redirects=False)
    text = await response.text()
    assert response.status == status, text[:2000]
    return text


async def post(
    client: Client,
    path: str,
    data: dict[str, str] | None = None,
    *,
    lang: str = "ru",
    status: int = 303,
    form_page: str | None = None,
) -> Any:
    """A form post with the CSRF token of the page it comes from (the personal page)."""
    page_html = await get(client, form_page or path.rsplit("/", 1)[0], lang)
    token = CSRF.search(page_html)
    assert token, "the page has no form with a CSRF token"
    response = await client.post(
        path,
        data={"csrf_token": token.group(1), **(data or {})},
        headers=HEADERS[lang],
        allow_redirects=False,
    )
    assert response.status == status, (await response.text())[:2000]
    return response


def edit_form(**changes: str) -> dict[str, str]:
    form = {
        "full_name": "Ли Вэй",
        "country": "Китай",
        "city": "Харбин",
        "organization": "Школа № 1",
        "role": "teacher",
        "participation_format": "online",
        "wants_to_speak": "no",
        "talk_topic": "",
        "email": "li.wei@example.cn",
        "phone": "",
    }
    form.update(changes)
    return form


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_page_in_both_languages_with_status_and_answers(
    harness: BotHarness, client: Client, lang: str
) -> None:
    token = await web_register(harness)
    response = await client.get(f"/me/{token}", headers=HEADERS[lang])
    html = await response.text()
    assert response.status == 200
    t = T[lang]
    assert f'lang="{"ru" if lang == "ru" else "zh-CN"}"' in html[:80]
    assert harness.catalog.get(SLUG).title.get(lang) in html  # type: ignore[union-attr]
    assert t("status-active") in html
    # Answers as the bot shows them: the country in the reader's language, the role's label.
    assert t("country-CN") in html and t("role-teacher") in html
    assert "li.wei@example.cn" in html and "Ли Вэй" in html
    moscow, beijing = (
        html.index("МСК" if lang == "ru" else "莫斯科时间"),
        html.index("пекинскому" if lang == "ru" else "北京时间"),
    )
    assert (beijing < moscow) == (lang == "zh")  # Beijing time first for Chinese
    assert t("web-me-telegram-connect") in html  # «Подключить Telegram» / “关联 Telegram”
    assert t("me-welcome-title") not in html


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_edit_form_speaks_as_the_registration_form(
    harness: BotHarness, client: Client, lang: str
) -> None:
    """The same words as the event page's form: no chat-button emoji, and the same "optional"
    mark (in full-width brackets in Chinese)."""
    token = await web_register(harness)
    html = await get(client, f"/me/{token}", lang)
    t = T[lang]
    answers = html[html.index('id="answers"') :]
    for emoji in ("💻", "🏛", "🎤"):
        assert emoji not in answers, emoji
    assert t("web-form-optional") in answers
    assert "(选填)" not in answers and "(необязательно)" not in answers


async def test_private_headers_and_noindex(harness: BotHarness, client: Client) -> None:
    token = await web_register(harness)
    for path in (f"/me/{token}", f"/me/{token}/calendar.ics", f"/me/{token}/erase", "/me/x"):
        response = await client.get(path, headers=RU)
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "noindex" in response.headers["X-Robots-Tag"], path
        assert response.headers["Cache-Control"] == "no-store", path
    html = await get(client, f"/me/{token}")
    assert '<meta name="robots" content="noindex, nofollow">' in html


async def test_the_page_speaks_the_registrations_language_to_an_unknown_browser(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)  # registered in Chinese
    response = await client.get(f"/me/{token}", headers={"Accept-Language": "en"})
    assert response.status == 200
    assert T["zh"]("web-me-title") in await response.text()


async def test_the_welcome_banner_right_after_registering(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    html = await get(client, f"/me/{token}?welcome=1", "zh")
    assert T["zh"]("me-welcome-title") in html and T["zh"]("me-welcome-text") in html


@pytest.mark.parametrize("token", ["forged-token", "A" * 43, "x" * 300])
async def test_a_forged_token_is_a_404_that_reveals_nothing(
    harness: BotHarness, client: Client, token: str
) -> None:
    await web_register(harness)
    for path in (f"/me/{token}", f"/me/{token}/calendar.ics", f"/me/{token}/certificate.pdf"):
        html = await get(client, path, status=404)
        assert T["ru"]("web-error-404-title") in html
        assert "Ли Вэй" not in html and "victory-2025" not in html


async def test_only_the_tokens_hash_is_stored(harness: BotHarness, client: Client) -> None:
    token = await web_register(harness)
    row = await the_row(harness)
    assert row.access_token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(getattr(row, c.key)) for c in Registration.__table__.columns]
    assert not any(token in value for value in stored)
    # The hash itself opens nothing: it is what the token is looked up by, not a token.
    await get(client, f"/me/{row.access_token_hash}", status=404)


# --- editing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_edit_with_errors_next_to_the_fields_then_a_fix(
    harness: BotHarness, client: Client, lang: str
) -> None:
    token = await web_register(harness)
    t = T[lang]
    bad = edit_form(
        full_name="Ли Вэй 2", email="li.wei@", wants_to_speak="yes", talk_topic="", phone="12"
    )
    response = await post(client, f"/me/{token}/edit", bad, lang=lang, status=400)
    html = await response.text()
    assert t("web-me-fix-errors") in html
    # The chat form's texts, each next to its field, and everything typed kept.
    assert f'<p class="field-error" id="full_name-error">{t("err-name-digits")}</p>' in html
    assert f'id="email-error">{t("err-email-invalid")}</p>' in html
    assert f'id="talk_topic-error">{t("err-too-short", min=5)}</p>' in html
    # The page's own words where the chat's speak of its "Skip" button.
    assert f'id="phone-error">{t("web-form-phone-invalid")}</p>' in html
    assert t("btn-skip") not in html
    assert 'value="Ли Вэй 2"' in html and 'value="li.wei@"' in html
    assert '<details class="edit" open>' in html
    assert (await the_row(harness)).full_name == "Ли Вэй"  # nothing saved

    good = edit_form(
        full_name="ли вэй",
        country="россия",
        wants_to_speak="yes",
        talk_topic="Память о войне в письмах",
        phone="+7 900 123-45-67",
    )
    response = await post(client, f"/me/{token}/edit", good, lang=lang)
    assert response.headers["Location"] == f"/me/{token}?done=saved"
    row = await the_row(harness)
    # The same rules as the chat: the name tidied, the typed country stored as its code.
    assert (row.full_name, row.country, row.phone) == ("Ли Вэй", "RU", "+79001234567")
    assert (row.wants_to_speak, row.speaker_status) == (True, "pending")
    html = await get(client, response.headers["Location"], lang)
    assert t("web-me-saved") in html and t("country-RU") in html


async def test_an_email_taken_by_another_registration_is_refused(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    await web_register(harness, "other@example.cn")
    response = await post(
        client, f"/me/{token}/edit", edit_form(email="Other@Example.cn"), status=400
    )
    html = await response.text()
    assert f'id="email-error">{T["ru"]("web-me-email-taken")}</p>' in html
    assert 'value="Other@Example.cn"' in html
    assert (await the_row(harness)).email == "li.wei@example.cn"


async def test_after_the_event_answers_cannot_be_edited(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    harness.clock.set(START + timedelta(days=1))
    html = await get(client, f"/me/{token}")
    assert 'action="/me/' + token + '/edit"' not in html
    response = await post(client, f"/me/{token}/edit", edit_form(city="Пекин"), status=409)
    assert T["ru"]("web-me-edit-closed") in await response.text()
    assert (await the_row(harness)).city == "Харбин"


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_answers_saved_in_a_tab_opened_before_a_cancel_say_it_was_cancelled(
    harness: BotHarness, client: Client, lang: str
) -> None:
    """Found by a tester: they said the event was over, nine days before it."""
    token = await web_register(harness)
    page = await get(client, f"/me/{token}", lang)  # the edit form, in a tab left open
    found = CSRF.search(page)
    assert found is not None
    await post(client, f"/me/{token}/cancel", form_page=f"/me/{token}/cancel", lang=lang)
    response = await client.post(
        f"/me/{token}/edit",
        data={**edit_form(city="Пекин"), "csrf_token": found.group(1)},
        headers=HEADERS[lang],
    )
    html = await response.text()
    assert response.status == 409
    assert T[lang]("web-me-edit-cancelled") in html and T[lang]("web-me-edit-closed") not in html
    assert (await the_row(harness)).city == "Харбин"


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_language_switch_on_a_refused_edit_goes_to_the_personal_page(
    harness: BotHarness, client: Client, lang: str
) -> None:
    """The refused edit is drawn at /me/<token>/edit, an address for forms only: the switch
    (found by a tester to end on a 405 page) leads to the personal page in the other language."""
    token = await web_register(harness)
    await post(client, f"/me/{token}/edit", edit_form(email="not-an-email"), lang=lang, status=400)
    other = "zh" if lang == "ru" else "ru"
    response = await client.get(
        f"/me/{token}/edit?lang={other}", headers=HEADERS[lang], allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, f"/me/{token}")
    page = await get(client, f"/me/{token}", lang)  # the cookie now says `other`
    assert f'<html lang="{ {"ru": "ru", "zh": "zh-CN"}[other] }"' in page


# --- cancel, restore, erase ----------------------------------------------------------------


async def test_cancel_after_a_confirmation_then_restore(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    confirm = await get(client, f"/me/{token}/cancel")
    assert T["ru"]("web-me-cancel-title") in confirm
    await post(client, f"/me/{token}/cancel", form_page=f"/me/{token}/cancel")
    row = await the_row(harness)
    assert row.status == RegistrationStatus.CANCELLED
    html = await get(client, f"/me/{token}?done=cancelled")
    assert T["ru"]("status-cancelled") in html and T["ru"]("web-me-restore") in html
    # Nothing to put in a calendar any more: no button, and the file's address leads back here.
    assert "calendar.ics" not in html
    response = await client.get(f"/me/{token}/calendar.ics", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == f"/me/{token}"

    response = await post(client, f"/me/{token}/restore", form_page=f"/me/{token}")
    assert response.headers["Location"] == f"/me/{token}?done=restored"
    row = await the_row(harness)
    assert (row.status, row.cancelled_at) == (RegistrationStatus.ACTIVE, None)


async def test_restore_follows_the_rules_of_registering_again(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    await post(client, f"/me/{token}/cancel", form_page=f"/me/{token}/cancel")
    # Meanwhile the address was registered again: restoring would make a second one.
    await web_register(harness)
    response = await post(client, f"/me/{token}/restore", form_page=f"/me/{token}", status=409)
    assert T["ru"]("web-me-email-taken") in await response.text()
    # Registration closed: no restore offered, and a forged post is refused.
    harness.clock.set(DEADLINE)
    assert T["ru"]("web-me-restore") not in await get(client, f"/me/{token}")
    response = await post(client, f"/me/{token}/restore", form_page=f"/me/{token}", status=409)
    assert T["ru"]("err-registration-closed-short") in await response.text()
    assert (await the_row(harness)).status == RegistrationStatus.CANCELLED


async def test_erase_after_a_confirmation_kills_the_token(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    confirm = await get(client, f"/me/{token}/erase", "zh")
    assert T["zh"]("web-me-erase-title") in confirm
    response = await post(
        client, f"/me/{token}/erase", lang="zh", status=200, form_page=f"/me/{token}/erase"
    )
    assert T["zh"]("web-me-erased-title") in await response.text()
    assert response.headers["Referrer-Policy"] == "no-referrer"
    row = await the_row(harness)
    # The rule of /delete_me: an anonymous count stays.
    assert row.erased_at is not None and row.status == RegistrationStatus.CANCELLED
    assert (row.full_name, row.email, row.access_token_hash) == (None, None, None)
    await get(client, f"/me/{token}", status=404)


# --- the calendar and the meeting link -----------------------------------------------------


async def test_the_calendar_file_parses_and_has_the_link_only_once_released(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    response = await client.get(f"/me/{token}/calendar.ics", headers=RU)
    assert response.status == 200
    assert response.content_type == "text/calendar"
    assert f'filename="{SLUG}.ics"' in response.headers["Content-Disposition"]
    [vevent] = Calendar.from_ical(await response.read()).walk("VEVENT")
    assert str(vevent["summary"]) == harness.catalog.get(SLUG).title.ru  # type: ignore[union-attr]
    assert vevent.decoded("dtstart") == START
    assert LINK not in str(vevent["location"]) and "url" not in vevent
    harness.clock.set(LINK_FROM)
    response = await client.get(f"/me/{token}/calendar.ics", headers=RU)
    [vevent] = Calendar.from_ical(await response.read()).walk("VEVENT")
    assert str(vevent["location"]) == LINK and str(vevent["url"]) == LINK


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_meeting_link_from_the_moment_the_bot_shows_it(
    harness: BotHarness, client: Client, lang: str
) -> None:
    token = await web_register(harness)
    user = harness.user(1001)
    await register(user)
    html = await get(client, f"/me/{token}", lang)
    assert LINK not in html and PASSCODE not in html and MEETING_ID not in html
    assert T[lang]("web-me-meeting-later") in html
    harness.clock.set(LINK_FROM - timedelta(seconds=1))
    assert LINK not in await get(client, f"/me/{token}", lang)
    await user.send("/link")
    assert LINK not in user.last()
    # The bot's /link shows it now, and so does the page.
    harness.clock.set(LINK_FROM)
    await user.send("/link")
    assert LINK in user.last()
    html = await get(client, f"/me/{token}", lang)
    assert f'href="{LINK}"' in html and MEETING_ID in html and PASSCODE in html
    # Not for a cancelled registration.
    await post(client, f"/me/{token}/cancel", form_page=f"/me/{token}/cancel")
    assert LINK not in await get(client, f"/me/{token}", lang)


async def test_the_link_the_page_shows_is_recorded_once_for_corrections(
    harness: BotHarness, client: Client
) -> None:
    """As /link in the chat: a person who saw the link on the page is sent a later change of
    it. Recorded when it differs from the one recorded, read with the page's one query."""
    token = await web_register(harness)
    row = await the_row(harness)
    await get(client, f"/me/{token}")
    async with harness.session_factory() as session:
        assert await shown_link(session, row.id) is None  # not shown yet
    harness.clock.set(LINK_FROM)
    await get(client, f"/me/{token}")
    async with harness.session_factory() as session:
        assert await shown_link(session, row.id) == LINK
    with statements(harness) as seen:
        await get(client, f"/me/{token}")
    assert seen == ["SELECT"]  # recorded already: nothing written
    # An older link recorded (the bot's /link before a change): the page records this one.
    async with harness.session_factory() as session:
        await record_link_shown(
            session,
            registration_id=row.id,
            event_id=row.event_id,
            link="https://voov.example/j/old",
            now=harness.clock.now(),
        )
        await session.commit()
    await get(client, f"/me/{token}")
    async with harness.session_factory() as session:
        assert await shown_link(session, row.id) == LINK
        kinds = await session.scalars(
            select(Delivery.kind).where(Delivery.registration_id == row.id)
        )
        assert list(kinds) == [SHOWN]


# --- check-in, certificate, feedback ----------------------------------------------------------


async def attendance(harness: BotHarness) -> list[Attendance]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Attendance))).all())


async def test_check_in_only_while_it_is_open(harness: BotHarness, client: Client) -> None:
    token = await web_register(harness)
    button = T["ru"]("checkin-button")
    assert button not in await get(client, f"/me/{token}")
    response = await post(client, f"/me/{token}/checkin", form_page=f"/me/{token}")
    assert response.headers["Location"] == f"/me/{token}?done=checkin-closed"
    assert await attendance(harness) == []

    harness.clock.set(START + timedelta(minutes=5))
    assert button in await get(client, f"/me/{token}")
    response = await post(client, f"/me/{token}/checkin", form_page=f"/me/{token}")
    assert response.headers["Location"] == f"/me/{token}?done=checkin-done"
    [row] = await attendance(harness)
    assert (row.method, row.registration_id) == ("web", (await the_row(harness)).id)
    html = await get(client, response.headers["Location"])
    assert T["ru"]("web-me-checked-in") in html and button not in html
    # Pressed again (another tab): still one check-in.
    response = await post(client, f"/me/{token}/checkin", form_page=f"/me/{token}")
    assert response.headers["Location"] == f"/me/{token}?done=checkin-already"
    assert len(await attendance(harness)) == 1


async def issue_certificate(harness: BotHarness, number: str = "NP25-0042-K7QX") -> None:
    row = await the_row(harness)
    async with harness.session_factory() as session:
        session.add(
            Certificate(
                number=number,
                event_id=row.event_id,
                registration_id=row.id,
                full_name="Ли Вэй",
                language="ru",
                issued_at=START + timedelta(hours=5),
            )
        )
        await session.commit()


@pytest.mark.parametrize(
    ("lang", "name"),
    [("ru", "Сертификат-NP25-0042-K7QX.pdf"), ("zh", "参会证书-NP25-0042-K7QX.pdf")],
)
async def test_the_certificate_pdf_with_its_localised_file_name(
    harness: BotHarness, client: Client, lang: str, name: str
) -> None:
    token = await web_register(harness)
    await get(client, f"/me/{token}/certificate.pdf", lang, status=404)  # not issued yet
    assert "certificate.pdf" not in await get(client, f"/me/{token}", lang)
    await issue_certificate(harness)
    html = await get(client, f"/me/{token}", lang)
    assert "NP25-0042-K7QX" in html and f"/me/{token}/certificate.pdf" in html
    response = await client.get(f"/me/{token}/certificate.pdf", headers=HEADERS[lang])
    assert response.status == 200 and response.content_type == "application/pdf"
    data = await response.read()
    assert data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert 'filename="certificate-NP25-0042-K7QX.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # The document /certificate sends in the bot (the same pages; a PDF's trailer ID differs
    # from one drawing to the next).
    async with harness.session_factory() as session:
        certificate = await session.scalar(select(Certificate))
    assert certificate is not None
    event = harness.catalog.get(SLUG)
    assert event is not None
    sent = await harness.certificates.document(event, certificate, T[lang])
    assert pdf_text(data) == pdf_text(sent.data) and name == sent.filename
    assert "NP25-0042-K7QX" in pdf_text(data)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_feedback_is_stored_where_the_bot_stores_it(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    assert T["ru"]("web-me-feedback-send") not in await get(client, f"/me/{token}")
    await issue_certificate(harness)
    response = await post(client, f"/me/{token}/feedback", {"comment": "Без оценки"}, status=400)
    assert T["ru"]("web-me-feedback-need-rating") in await response.text()
    response = await post(
        client, f"/me/{token}/feedback", {"rating": "4", "comment": " Спасибо! <b>ура</b> "}
    )
    assert response.headers["Location"] == f"/me/{token}?done=feedback"
    async with harness.session_factory() as session:
        [feedback] = (await session.scalars(select(Feedback))).all()
    assert (feedback.rating, feedback.comment) == (4, "Спасибо! <b>ура</b>")
    html = await get(client, response.headers["Location"])
    assert T["ru"]("feedback-thanks") in html and "★★★★" in html


# --- Telegram and a new link -------------------------------------------------------------------


async def test_connect_telegram_gives_a_bind_code_the_bot_accepts(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    html = await get(client, f"/me/{token}", "zh")
    assert f'href="/me/{token}/telegram"' in html and "关联 Telegram" in html
    response = await client.get(f"/me/{token}/telegram", allow_redirects=False)
    assert response.status == 303
    location = response.headers["Location"]
    code = location.removeprefix(f"https://t.me/{BOT}?start=bind-")
    assert code != location and len(f"bind-{code}") <= 64
    user = harness.user(7, "zh")
    await user.send(f"/start bind-{code}")
    assert (await the_row(harness)).user_id == 7
    html = await get(client, f"/me/{token}", "zh")
    assert T["zh"]("web-me-telegram-connected") in html
    assert f"/me/{token}/telegram" not in html


async def test_without_a_known_bot_the_page_offers_no_telegram(
    harness: BotHarness, make_client: MakeClient
) -> None:
    client = await make_client(bot_username=None)
    token = await web_register(harness)
    html = await get(client, f"/me/{token}")
    assert 'id="telegram"' not in html and "t.me" not in html
    assert T["ru"]("web-me-telegram") not in html  # no heading over nothing
    response = await client.get(f"/me/{token}/telegram", allow_redirects=False)
    assert response.headers["Location"] == f"/me/{token}"


async def test_a_new_link_is_shown_once_and_the_old_one_stops_working(
    harness: BotHarness, client: Client
) -> None:
    token = await web_register(harness)
    response = await post(client, f"/me/{token}/new-link", status=200, form_page=f"/me/{token}")
    html = await response.text()
    found = re.search(r"http://127\.0\.0\.1:8080/me/([A-Za-z0-9_-]{43})", html)
    assert found and found.group(1) != token
    new = found.group(1)
    assert T["ru"]("web-me-new-link-text") in html
    # The page's own forms already use the new token.
    assert f'action="/me/{new}/edit"' in html and f"/me/{token}/" not in html
    await get(client, f"/me/{token}", status=404)
    html = await get(client, f"/me/{new}")
    assert "Ли Вэй" in html and T["ru"]("web-me-new-link-title") not in html  # shown once


# --- CSRF ------------------------------------------------------------------------------------

POSTS = ["edit", "cancel", "restore", "erase", "checkin", "feedback", "new-link"]


@pytest.mark.parametrize("action", POSTS)
async def test_every_form_needs_its_csrf_token(
    harness: BotHarness, client: Client, action: str
) -> None:
    token = await web_register(harness)
    await get(client, f"/me/{token}")  # the browser has its CSRF cookie
    before = await the_row(harness)
    response = await client.post(f"/me/{token}/{action}", data=edit_form(rating="5"), headers=RU)
    assert response.status == 403
    # The answers' form is shown again (test below); every other action is refused.
    expected = "web-me-edit-expired" if action == "edit" else "web-error-403-title"
    assert escape(T["ru"](expected)) in await response.text()
    after = await the_row(harness)
    assert (after.status, after.access_token_hash, after.erased_at) == (
        before.status,
        before.access_token_hash,
        None,
    )


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_answers_refused_for_their_token_are_shown_again_as_typed(
    harness: BotHarness, client: Client, lang: str
) -> None:
    """A tab left open after the browser was closed: the changes are not saved, and the page
    shows them in the open form with a new token, which saves them."""
    token = await web_register(harness)
    await get(client, f"/me/{token}", lang)
    changed = edit_form(city="Пекин <центр>", organization="Школа № 2")
    stale = {**changed, "csrf_token": "0" * 64}
    response = await client.post(f"/me/{token}/edit", data=stale, headers=HEADERS[lang])
    html = await response.text()
    assert response.status == 403
    assert escape(T[lang]("web-me-edit-expired")) in html
    assert '<details class="edit" open>' in html
    assert 'value="Пекин &lt;центр&gt;"' in html and 'value="Школа № 2"' in html
    assert (await the_row(harness)).city == "Харбин"
    found = CSRF.search(html)
    assert found is not None and found.group(1) != "0" * 64
    again = {**changed, "csrf_token": found.group(1)}
    response = await client.post(
        f"/me/{token}/edit", data=again, headers=HEADERS[lang], allow_redirects=False
    )
    assert response.status == 303
    assert (await the_row(harness)).city == "Пекин <центр>"


# --- the bot's way to the page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "label"), [("ru", "Моя страница в браузере"), ("zh", "在浏览器中打开个人页面")]
)
async def test_me_in_the_bot_gives_a_fresh_browser_link(
    harness: BotHarness, client: Client, lang: str, label: str
) -> None:
    user = harness.user(1001, lang)
    await register(user, lang)
    await user.send("/me")
    await user.click(label)
    first = re.search(r"http://127\.0\.0\.1:8080/me/([A-Za-z0-9_-]{43})", user.last())
    assert first, user.last()
    assert T[lang]("browser-page-link", event="x", url="y").splitlines()[-1] in user.last()
    html = await get(client, f"/me/{first.group(1)}", lang)
    assert "ivanov@example.com" in html
    assert T[lang]("web-me-telegram-connected") in html
    # Again: a new link, and the first one stops working.
    await user.send("/me")
    await user.click(label)
    second = re.search(r"/me/([A-Za-z0-9_-]{43})", user.last())
    assert second and second.group(1) != first.group(1)
    await get(client, f"/me/{first.group(1)}", lang, status=404)
    await get(client, f"/me/{second.group(1)}", lang)
