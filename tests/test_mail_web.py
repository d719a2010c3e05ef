"""The web half of e-mail (issue 13) through aiohttp's test client, with a real mail outbox
sending to aiosmtpd on 127.0.0.1: double opt-in (the form's "check your mail" page without
the link, the letter's signed link, a page that confirms nothing on GET, the Confirm button,
"you are registered" with the calendar file), the same address registered again (the same
page, a letter with the link, no copy), "I lost my link" by e-mail, forged and ended links, an
address changed or given in the bot, pending registrations removed after PENDING_DAYS, and
/stats and the export counting them. Both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from html import escape
from typing import Any

import icalendar
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.i18n import I18n
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import AGAIN, CONFIRM, REGISTERED, MailOutbox, MailSender
from bot.services.registration import mail_links
from bot.services.registration.registrations import Channel, EmailTaken, RegistrationService
from bot.services.reports.export import build_table, event_registrations
from bot.services.reports.stats import event_stats
from db.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationStatus,
)
from handlers.admin.stats import stats_text
from tests.flows import register as bot_register
from tests.harness import COMPILED_TEMPLATES, BotHarness, catalog_of, make_event
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_web_miniapp import ANSWERS as MINIAPP_ANSWERS
from tests.test_web_miniapp import PERSONAL_LINK, TELEGRAM_ID, signed_init_data
from tests.test_web_personal import answers as service_answers
from tests.test_web_registration import answers as form_answers
from web.app import create_web_app

SLUG = "victory-2025"
WEB = "https://conf.example.org"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
HEADERS = {"ru": {"Accept-Language": "ru-RU,ru;q=0.9"}, "zh": {"Accept-Language": "zh-CN"}}
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(rf"{re.escape(WEB)}(/me/[0-9]+\.[A-Za-z0-9_-]{{24}})")
CHECK_MAIL = f"/e/{SLUG}/check-mail"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def events() -> list[dict]:
    return [make_event(SLUG)]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


def outbox(harness: BotHarness, smtp: SmtpTestServer) -> MailOutbox:
    """As bot/factory.py create_mail builds it, its links signed with the pages' secret."""
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks(WEB, harness.settings.web_secret_key),
        replica=Replica(harness.session_factory),
        pending_days=harness.settings.pending_days,
    )


@pytest.fixture
async def box(harness: BotHarness, smtp: SmtpTestServer) -> AsyncIterator[MailOutbox]:
    """Not started: each test sends what is queued with `run_once`, when it wants."""
    mail = outbox(harness, smtp)
    yield mail
    await mail.sender.close()


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_client(harness: BotHarness) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(mail: MailOutbox | None) -> Client:
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=harness.settings,
            catalog=harness.catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            session_factory=harness.session_factory,
            bot_username=lambda: "victory_test_bot",
            mail=mail,
        )
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient, box: MailOutbox) -> Client:
    return await make_client(box)


# --- helpers ------------------------------------------------------------------------------------


async def get(client: Client, path: str, lang: str = "ru", status: int = 200) -> str:
    response = await client.get(path, headers=HEADERS[lang], allow_redirects=False)
    text = await response.text()
    assert response.status == status, text[:2000]
    return text


async def post_form(client: Client, lang: str = "ru", **changed: str) -> Any:
    """The registration form as a browser sends it, from the event page."""
    page = await get(client, f"/e/{SLUG}", lang)
    found = CSRF.search(page)
    assert found, "no form on the event page"
    return await client.post(
        f"/e/{SLUG}",
        data={"csrf_token": found.group(1), **form_answers(**changed)},
        headers=HEADERS[lang],
        allow_redirects=False,
    )


async def post(client: Client, path: str, form_page: str, lang: str = "ru", **data: str) -> Any:
    """A form posted with the CSRF token of the page it is on."""
    found = CSRF.search(await get(client, form_page, lang))
    assert found, f"no form on {form_page}"
    return await client.post(
        path,
        data={"csrf_token": found.group(1), **data},
        headers=HEADERS[lang],
        allow_redirects=False,
    )


async def registrations(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Registration).order_by(Registration.id))).all())


async def letters(harness: BotHarness) -> list[tuple[int, str, str]]:
    """The e-mail rows of the ledger: (registration, kind, status)."""
    async with harness.session_factory() as session:
        rows = await session.execute(
            select(Delivery.registration_id, Delivery.kind, Delivery.status)
            .where(Delivery.channel == DeliveryChannel.EMAIL)
            .order_by(Delivery.id)
        )
        return [(r, k, s) for r, k, s in rows]


def subject(lang: str, key: str) -> str:
    return T[lang](key, event=make_event(SLUG)["title"][lang])


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
    assert found is not None
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """The personal page's path from a letter's link (the letter's address is PUBLIC_URL)."""
    found = LINK.search(text_of(message))
    assert found, text_of(message)
    return found[1]


async def sent(box: MailOutbox, smtp: SmtpTestServer) -> list[EmailMessage]:
    """Send what is queued; the letters that arrived meanwhile."""
    before = len(smtp.messages)
    await box.run_once()
    return smtp.messages[before:]


# --- double opt-in ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_register_confirm_by_the_letters_link_and_get_the_calendar(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer, lang: str
) -> None:
    t = T[lang]
    response = await post_form(client, lang)
    # Not the personal page: anyone can type an address, so the link goes by e-mail only.
    assert response.status == 303 and response.headers["Location"] == CHECK_MAIL
    page = await get(client, CHECK_MAIL, lang)
    assert t("web-check-mail-title") in page and "/me/" not in page
    # The organizers' address is labelled as theirs, not read as where the letter went.
    assert page.index(t("web-contacts-title")) < page.index("commonwin@bk.ru")
    [row] = await registrations(harness)
    assert (row.status, row.email_confirmed_at, row.language) == ("pending", None, lang)
    assert await letters(harness) == [(row.id, CONFIRM, DeliveryStatus.QUEUED)]

    [confirmation] = await sent(box, smtp)
    assert confirmation["To"].addresses[0].addr_spec == "maria@example.ru"
    assert confirmation["Subject"] == subject(lang, "mail-confirm-subject")
    home = link_in(confirmation)
    # Opening the link (as a mail scanner does) shows the button and confirms nothing.
    page = await get(client, home, lang)
    assert t("web-confirm-button") in page and f'action="{home}/confirm"' in page
    assert t("web-me-answers") not in page  # not the personal page yet
    [row] = await registrations(harness)
    assert (row.status, row.email_confirmed_at) == ("pending", None)
    # Its actions wait for the confirmation too.
    response = await client.get(f"{home}/calendar.ics", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == home

    response = await post(client, f"{home}/confirm", home, lang)
    assert response.status == 303 and response.headers["Location"] == f"{home}?done=confirmed"
    page = await get(client, f"{home}?done=confirmed", lang)
    assert t("web-confirmed") in page and "Иванова Мария Петровна" in page
    assert t("web-confirm-notice", email="maria@example.ru") not in page
    [row] = await registrations(harness)
    assert row.status == "active" and row.email_confirmed_at == harness.clock.now()

    [registered] = await sent(box, smtp)
    assert registered["Subject"] == subject(lang, "mail-registered-subject")
    assert link_in(registered) == home
    [attachment] = list(registered.iter_attachments())
    # The charset said (a reader assuming US-ASCII garbled the Russian and Chinese).
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("charset") == "utf-8"
    assert attachment.get_param("method") == "PUBLISH"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == harness.catalog.get(SLUG).starts_at  # type: ignore[union-attr]

    # Pressed again (a second tab): harmless, nothing more is sent.
    response = await post(client, f"{home}/confirm", home, lang)
    assert response.headers["Location"] == f"{home}?done=confirmed"
    assert await sent(box, smtp) == []
    assert [kind for _, kind, _ in await letters(harness)] == [CONFIRM, REGISTERED]


MEETING = {"link": "https://voov.example/j/123", "id": "123 456 789", "passcode": "2025"}
RUNNING = make_event(SLUG, meeting=MEETING)


@pytest.mark.parametrize("events", [[RUNNING]])
@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_confirmed_while_the_conference_runs_the_letter_carries_the_link(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer, lang: str
) -> None:
    """No reminder is due to someone who registers after the start (the planner leaves them to
    their confirmation): "you are registered" carries the link, as the bot's confirmation does,
    says the conference is on rather than promising reminders, and the ledger keeps the link, so
    that a later change of it is corrected."""
    t = T[lang]
    harness.clock.set(RUNNING["starts_at"] + timedelta(minutes=20))
    await post_form(client, lang)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home, lang)
    [registered] = await sent(box, smtp)
    body = text_of(registered)
    assert MEETING["link"] in body and MEETING["passcode"] in body
    assert t("mail-registered-next-started") in body
    assert t("mail-registered-next") not in body
    # The calendar file has the link, and no longer says it will appear on the page.
    [attachment] = list(registered.iter_attachments())
    [vevent] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(vevent["location"]) == MEETING["link"]
    assert MEETING["link"] in str(vevent["description"])
    assert t("web-me-calendar-description") not in str(vevent["description"])
    async with harness.session_factory() as session:
        kept = await session.scalar(select(Delivery.link).where(Delivery.kind == REGISTERED))
    assert kept == MEETING["link"]


@pytest.mark.parametrize("events", [[RUNNING]])
async def test_confirmed_before_the_link_is_out_the_letter_promises_it(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """A day before: the reminders will bring the link, the letter neither carries nor keeps it."""
    harness.clock.set(RUNNING["starts_at"] - timedelta(days=1))
    await post_form(client)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home)
    [registered] = await sent(box, smtp)
    body = text_of(registered)
    assert MEETING["link"] not in body and T["ru"]("mail-registered-next") in body
    async with harness.session_factory() as session:
        kept = await session.scalar(select(Delivery.link).where(Delivery.kind == REGISTERED))
    assert kept is None


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_same_address_again_looks_the_same_and_sends_the_link(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer, lang: str
) -> None:
    first = await post_form(client, lang)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home, lang)
    await sent(box, smtp)  # "you are registered"
    again = await post_form(client, lang, full_name="Кто-то Другой", email="Maria@Example.ru")
    # Exactly what a new address gets: nobody learns that this one is registered.
    assert (again.status, again.headers["Location"]) == (first.status, first.headers["Location"])
    assert len(await registrations(harness)) == 1
    [letter] = await sent(box, smtp)
    assert letter["Subject"] == subject(lang, "mail-again-subject")
    assert T[lang]("mail-not-you") in text_of(letter)
    assert link_in(letter) == home
    # Posted again within ten minutes: no second letter (the form cannot flood an address).
    await post_form(client, lang, email="maria@example.ru")
    assert await sent(box, smtp) == []
    # Someone typing the address of a pending registration: its confirmation comes again.
    await post_form(client, lang, email="anna@example.cn")
    [anna] = await sent(box, smtp)
    await post_form(client, lang, email="anna@example.cn")
    [again_anna] = await sent(box, smtp)
    assert again_anna["Subject"] == anna["Subject"]
    assert link_in(again_anna) == link_in(anna)
    assert [r.status for r in await registrations(harness)] == ["active", "pending"]


async def test_the_check_mail_page_is_the_same_for_a_bot_filling_the_honeypot(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    response = await post_form(client, homepage="http://spam.example")
    assert response.headers["Location"] == CHECK_MAIL
    assert await registrations(harness) == []
    assert await sent(box, smtp) == []


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_lost_link_goes_by_mail_and_the_page_says_the_same_either_way(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer, lang: str
) -> None:
    t = T[lang]
    await post_form(client, lang)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home, lang)
    await sent(box, smtp)
    page = await get(client, "/lost", lang)
    assert t("web-lost-intro-mail") in page
    known = await post(client, "/lost", "/lost", lang, email=" MARIA@example.ru ")
    unknown = await post(client, "/lost", "/lost", lang, email="nobody@example.ru")
    assert known.status == unknown.status == 200
    known_page, unknown_page = await known.text(), await unknown.text()
    assert known_page == unknown_page
    assert t("web-lost-done-text-mail") in known_page
    assert t("web-link-help-email") in known_page
    [letter] = await sent(box, smtp)
    assert letter["To"].addresses[0].addr_spec == "maria@example.ru"
    assert letter["Subject"] == subject(lang, "mail-lost-subject")
    assert link_in(letter) == home


async def test_a_lost_link_of_a_pending_registration_is_its_confirmation(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await post_form(client)
    [confirmation] = await sent(box, smtp)
    await post(client, "/lost", "/lost", email="maria@example.ru")
    [letter] = await sent(box, smtp)
    assert letter["Subject"] == confirmation["Subject"]


# --- the links ----------------------------------------------------------------------------------


async def test_forged_and_ended_links_open_nothing(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await post_form(client)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home)
    [row] = await registrations(harness)
    digest = row.access_token_hash
    assert digest is not None
    forged = [
        # another secret, another purpose, another registration's id, a changed character
        mail_links.sign(b"not-the-web-secret-at-all", mail_links.PAGE, row.id, digest),
        mail_links.sign(harness.settings.web_secret_key, mail_links.UNSUBSCRIBE, row.id, digest),
        f"{row.id + 1}.{home.rsplit('.', 1)[1]}",
        home.removeprefix("/me/")[:-1] + ("A" if home[-1] != "A" else "B"),
    ]
    for token in forged:
        await get(client, f"/me/{token}", status=404)
        response = await client.post(f"/me/{token}/confirm", allow_redirects=False)
        assert response.status in (403, 404)
    # A new personal link ends the e-mailed ones (they are signed for the token it replaces).
    response = await post(client, f"{home}/new-link", home)
    assert response.status == 200
    await get(client, home, status=404)
    await get(client, f"{home}/calendar.ics", status=404)


async def test_the_pages_own_token_does_not_confirm_an_address(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """A registration made in the bot, its address unconfirmed: the page opened with its own
    token (the bot's "My page in a browser") says where the link is; the letter's link shows
    the button. Only a link from the mailbox proves the address."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(
            SLUG, service_answers(), "ru", channel=Channel.bot(1001), mail=True
        )
        token = await service.issue_access_token(reg.row)
    assert reg.row.status == RegistrationStatus.ACTIVE
    t = T["ru"]
    page = await get(client, f"/me/{token}")
    assert t("web-confirm-notice-sent", email="li.wei@example.cn") in page
    assert f"/me/{token}/confirm" not in page
    response = await post(client, f"/me/{token}/confirm", f"/me/{token}")
    assert response.headers["Location"] == f"/me/{token}"
    assert (await registrations(harness))[0].email_confirmed_at is None
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    page = await get(client, home)
    assert t("web-confirm-notice", email="li.wei@example.cn") in page
    assert f'action="{home}/confirm"' in page
    response = await post(client, f"{home}/confirm", home)
    assert response.headers["Location"] == f"{home}?done=confirmed"
    [row] = await registrations(harness)
    assert row.email_confirmed_at is not None and row.status == "active"
    [registered] = await sent(box, smtp)
    assert len(list(registered.iter_attachments())) == 1


async def test_a_changed_address_is_confirmed_again(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await post_form(client)
    [confirmation] = await sent(box, smtp)
    home = link_in(confirmation)
    await post(client, f"{home}/confirm", home)
    await sent(box, smtp)
    edit = {**form_answers(), "country": "Россия", "email": "maria.new@example.ru"}
    for name in ("consent", "homepage", "country_other"):
        edit.pop(name)
    response = await post(client, f"{home}/edit", home, **edit)
    assert response.status == 303
    [row] = await registrations(harness)
    assert (row.email, row.email_confirmed_at, row.status) == (
        "maria.new@example.ru",
        None,
        "active",
    )
    [letter] = await sent(box, smtp)
    assert letter["To"].addresses[0].addr_spec == "maria.new@example.ru"
    assert letter["Subject"] == confirmation["Subject"]
    assert [k for _, k, _ in await letters(harness)] == [CONFIRM, REGISTERED, "confirm-2"]
    # The link in it is the same page (the token did not change): confirmed from there.
    new_home = link_in(letter)
    assert new_home == home
    await post(client, f"{home}/confirm", home)
    [row] = await registrations(harness)
    assert row.email_confirmed_at is not None
    assert await sent(box, smtp) == []  # "you are registered" went once already


# --- what a pending registration is, and its end ------------------------------------------------


async def test_pending_registrations_go_after_pending_days_and_are_counted_meanwhile(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    clock = harness.clock
    assert isinstance(clock, FrozenClock)
    await post_form(client, email="old@example.ru")
    clock.advance(timedelta(days=2))
    await post_form(client, email="newer@example.ru")
    await post_form(client, email="confirmed@example.ru")
    for message in await sent(box, smtp):
        if message["To"].addresses[0].addr_spec == "confirmed@example.ru":
            home = link_in(message)
            await post(client, f"{home}/confirm", home)
    # /stats and the export say which are pending.
    async with harness.session_factory() as session:
        stats = await event_stats(session, await event_id(harness))
        rows = await event_registrations(session, await event_id(harness))
    assert (stats.total, stats.active, stats.pending, stats.cancelled) == (3, 1, 2, 0)
    event = harness.catalog.get(SLUG)
    assert event is not None
    for lang in ("ru", "zh"):
        t = T[lang]
        assert t("stats-pending", count=2) in stats_text(t, event, stats)
        table = build_table(t, rows)
        statuses = [r[table.headers.index(t("export-col-status"))] for r in table.rows]
        pending = t("report-status", status="pending")
        assert pending != "pending"
        assert statuses == [pending, pending, t("report-status", status="active")]

    # Seven days (PENDING_DAYS) after the first: it goes, with its letters; the rest stay.
    clock.advance(timedelta(days=5, seconds=1))
    assert await box.purge_pending() == 1
    assert [r.email for r in await registrations(harness)] == [
        "newer@example.ru",
        "confirmed@example.ru",
    ]
    async with harness.session_factory() as session:
        # newer's confirmation, confirmed's confirmation and "you are registered"
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 3
    clock.advance(timedelta(days=2))
    assert await box.purge_pending() == 1
    [left] = await registrations(harness)
    assert (left.email, left.status) == ("confirmed@example.ru", "active")
    # The address is free again.
    await post_form(client, email="old@example.ru")
    assert [r.status for r in await registrations(harness)] == ["active", "pending"]


async def test_the_lost_form_checks_the_address(client: Client) -> None:
    response = await post(client, "/lost", "/lost", "zh", email="maria@")
    text = await response.text()
    assert response.status == 400 and 'id="email-error"' in text
    assert str(escape(T["zh"]("err-email-invalid"))) in text and 'value="maria@"' in text


async def test_with_mail_off_everything_is_as_before(
    harness: BotHarness, make_client: MakeClient
) -> None:
    client = await make_client(None)
    response = await post_form(client)
    assert response.status == 303 and response.headers["Location"].startswith("/me/")
    [row] = await registrations(harness)
    assert row.status == "active" and await letters(harness) == []
    await get(client, CHECK_MAIL, status=404)
    page = await get(client, response.headers["Location"])
    assert T["ru"]("web-confirm-title") not in page
    # No letter can bring the link: /lost gives the other ways at once, with no form.
    assert T["ru"]("web-lost-done-text") in (page := await get(client, "/lost"))
    assert 'type="email"' not in page
    assert await letters(harness) == []


# --- the bot's registrants ----------------------------------------------------------------------


@pytest.fixture
async def mail_harness(tmp_path: Any, clock: FrozenClock) -> AsyncIterator[BotHarness]:
    """A bot with e-mail on (SMTP_URL set): its handlers queue the confirmation."""
    h = BotHarness(tmp_path, clock, catalog_of(make_event(SLUG)))
    h.settings = h.settings.model_copy(
        update={"smtp_url": SecretStr("smtp://127.0.0.1:2525"), "mail_from": "noreply@example.org"}
    )
    await h.start()
    try:
        yield h
    finally:
        await h.close()


async def test_a_bot_registrant_stays_active_and_is_asked_to_confirm(
    mail_harness: BotHarness,
) -> None:
    woken = []

    class Outbox:  # the outbox as the dispatcher holds it (bot/app.py): only wake() is used
        def wake(self) -> None:
            woken.append(True)

    mail_harness.dp["mail_outbox"] = Outbox()
    await bot_register(mail_harness.user(1001))
    [row] = await registrations(mail_harness)
    assert row.status == "active" and row.user_id == 1001
    assert await letters(mail_harness) == [(row.id, CONFIRM, DeliveryStatus.QUEUED)]
    assert woken == [True]  # sent at once, not at the outbox's next look


async def test_a_mini_app_registrant_stays_active_and_is_asked_to_confirm(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """The Mini App is Telegram: the person is known, the registration active at once, and
    the address is confirmed by e-mail as for the chat's registrants."""
    response = await client.post(
        f"/app/e/{SLUG}?hl=ru", data={**MINIAPP_ANSWERS, "init_data": signed_init_data()}
    )
    html = await response.text()
    assert response.status == 200 and PERSONAL_LINK.search(html), html[:2000]
    [row] = await registrations(harness)
    assert (row.status, row.user_id) == ("active", TELEGRAM_ID)
    [confirmation] = await sent(box, smtp)
    assert confirmation["Subject"] == subject("ru", "mail-confirm-subject")


async def test_the_services_own_web_registration_follows_the_same_rules(
    harness: BotHarness,
) -> None:
    """`RegistrationService.register(channel=Channel.web())`, the one-at-a-time path beside
    the form's batches: pending with its confirmation, the same address again a letter and
    EmailTaken, nothing with e-mail off."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(
            SLUG, service_answers(), "zh", channel=Channel.web(), mail=True
        )
        assert reg.pending and reg.access_token is not None
        with pytest.raises(EmailTaken):
            await service.register(
                SLUG, service_answers("LI.WEI@example.cn"), "zh", channel=Channel.web(), mail=True
            )
    [(registration, kind, _), (again_to, again, _)] = await letters(harness)
    assert (registration, kind) == (again_to, CONFIRM) and again.startswith(AGAIN)
    assert len(await registrations(harness)) == 1
