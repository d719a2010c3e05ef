"""Where messages go (issue 13), on the personal page: a person reachable both in Telegram and
at a confirmed address, with e-mail on, chooses both (the default), Telegram only or e-mail
only; saved and shown in both languages; a form like every other (CSRF), offered to nobody
else, and any other value answered in the page's language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from html import escape
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.i18n import I18n
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from bot.services.registration.registrations import Channel, RegistrationService
from db.models import DeliverVia, Registration
from tests.flows import register
from tests.harness import COMPILED_TEMPLATES, BotHarness
from tests.test_web_personal import answers as web_answers
from web.app import create_web_app

SLUG = "victory-2025"
HEADERS = {"ru": {"Accept-Language": "ru-RU,ru;q=0.9"}, "zh": {"Accept-Language": "zh-CN"}}
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = 'action="/me/{}/deliver-via"'
Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


def outbox(harness: BotHarness) -> MailOutbox:
    """E-mail on for the pages; never started, so nothing is sent."""
    sender = parse_sender("Наша общая Победа <noreply@example.org>")
    server = parse_smtp_url("smtp://127.0.0.1:1")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, sender.address), MailPacer(10_000), sender),
        links=MailLinks("https://conf.example.org", harness.settings.web_secret_key),
        replica=Replica(harness.session_factory),
        pending_days=7,
    )


@pytest.fixture
async def make_client(harness: BotHarness) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(*, mail: bool = True) -> Client:
        app = create_web_app(
            compiled_templates=COMPILED_TEMPLATES,
            settings=harness.settings,
            catalog=harness.catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            session_factory=harness.session_factory,
            bot_username=lambda: "victory_test_bot",
            mail=outbox(harness) if mail else None,
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


async def change(harness: BotHarness, registration_id: int, **values: Any) -> None:
    async with harness.session_factory() as session:
        await session.execute(
            update(Registration).where(Registration.id == registration_id).values(**values)
        )
        await session.commit()


async def page_token(harness: BotHarness, registration_id: int) -> str:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        row = await session.get(Registration, registration_id)
        assert row is not None
        return await service.issue_access_token(row)


async def reachable_both_ways(harness: BotHarness, lang: str = "ru") -> tuple[int, str]:
    """Registered in the bot, the address confirmed: (registration id, page token)."""
    user = harness.user(1001, lang)
    await register(user, lang)
    row = await the_row(harness)
    await change(harness, row.id, email_confirmed_at=harness.clock.now())
    return row.id, await page_token(harness, row.id)


async def web_only(harness: BotHarness) -> tuple[int, str]:
    """Registered on the web, the address confirmed, no Telegram chat."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(SLUG, web_answers(), "zh", channel=Channel.web())
    await change(harness, reg.row.id, email_confirmed_at=harness.clock.now())
    assert reg.access_token is not None
    return reg.row.id, reg.access_token


async def the_row(harness: BotHarness) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, 1)
    assert row is not None
    return row


async def get(client: Client, path: str, lang: str = "ru", status: int = 200) -> str:
    response = await client.get(path, headers=HEADERS[lang], allow_redirects=False)
    text = await response.text()
    assert response.status == status, text[:2000]
    return text


async def choose(
    client: Client, token: str, value: str, lang: str = "ru", status: int = 303
) -> Any:
    """The form posted from the page, with the page's CSRF token."""
    found = CSRF.search(await get(client, f"/me/{token}", lang))
    assert found is not None
    response = await client.post(
        f"/me/{token}/deliver-via",
        data={"csrf_token": found[1], "deliver_via": value},
        headers=HEADERS[lang],
        allow_redirects=False,
    )
    assert response.status == status, (await response.text())[:2000]
    return response


def checked(html: str) -> str:
    found = re.search(r'name="deliver_via" value="(\w+)" checked', html)
    assert found is not None, "no choice is checked"
    return found[1]


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_both_by_default_then_a_choice_saved_and_shown(
    harness: BotHarness, client: Client, lang: str
) -> None:
    registration_id, token = await reachable_both_ways(harness, lang)
    t = T[lang]
    html = await get(client, f"/me/{token}", lang)
    assert FORM.format(token) in html
    assert t("web-me-deliver-via") in html
    assert escape(t("web-me-deliver-via-hint", email="ivanov@example.com")) in html
    for choice in DeliverVia:
        assert t(f"web-me-deliver-via-{choice.value}") in html
    assert checked(html) == "both"
    response = await choose(client, token, "email", lang)
    assert response.headers["Location"] == f"/me/{token}?done=deliver-via"
    assert (await the_row(harness)).deliver_via == DeliverVia.EMAIL
    html = await get(client, response.headers["Location"], lang)
    assert t("web-me-deliver-via-saved") in html
    assert checked(html) == "email"
    await choose(client, token, "telegram", lang)
    assert (await the_row(harness)).deliver_via == DeliverVia.TELEGRAM
    assert checked(await get(client, f"/me/{token}", lang)) == "telegram"
    assert registration_id == (await the_row(harness)).id


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_another_value_is_answered_in_the_pages_language(
    harness: BotHarness, client: Client, lang: str
) -> None:
    _, token = await reachable_both_ways(harness, lang)
    for value in ("sms", "", "EMAIL"):
        response = await choose(client, token, value, lang, status=400)
        assert T[lang]("web-me-choose") in await response.text()
    assert (await the_row(harness)).deliver_via == DeliverVia.BOTH


async def test_a_forged_post_is_refused(harness: BotHarness, client: Client) -> None:
    _, token = await reachable_both_ways(harness)
    await get(client, f"/me/{token}")  # the browser has its CSRF cookie
    response = await client.post(
        f"/me/{token}/deliver-via", data={"deliver_via": "email"}, headers=HEADERS["ru"]
    )
    assert response.status == 403
    assert T["ru"]("web-error-403-title") in await response.text()
    response = await client.post(
        f"/me/{token}/deliver-via",
        data={"csrf_token": "0" * 64, "deliver_via": "email"},
        headers=HEADERS["ru"],
    )
    assert response.status == 403
    assert (await the_row(harness)).deliver_via == DeliverVia.BOTH


async def test_offered_only_to_a_person_reachable_both_ways(
    harness: BotHarness, make_client: MakeClient
) -> None:
    client = await make_client()
    registration_id, token = await reachable_both_ways(harness)
    # The address not confirmed, or refused by its server: one way only, no choice.
    for values in (
        {"email_confirmed_at": None},
        {"email_bounced_at": harness.clock.now()},
    ):
        await change(harness, registration_id, **values)
        assert FORM.format(token) not in await get(client, f"/me/{token}")
        await change(
            harness,
            registration_id,
            email_confirmed_at=harness.clock.now(),
            email_bounced_at=None,
        )
    assert FORM.format(token) in await get(client, f"/me/{token}")
    # E-mail off: no choice either.
    without_mail = await make_client(mail=False)
    assert FORM.format(token) not in await get(without_mail, f"/me/{token}")
    # A web registration without Telegram: nothing to choose, and a post changes nothing.
    web_id, web_token = await web_only(harness)
    html = await get(client, f"/me/{web_token}", "zh")
    assert FORM.format(web_token) not in html
    found = CSRF.search(html)
    assert found is not None
    response = await client.post(
        f"/me/{web_token}/deliver-via",
        data={"csrf_token": found[1], "deliver_via": "email"},
        headers=HEADERS["zh"],
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, f"/me/{web_token}")
    async with harness.session_factory() as session:
        row = await session.get(Registration, web_id)
        assert row is not None and row.deliver_via == DeliverVia.BOTH
