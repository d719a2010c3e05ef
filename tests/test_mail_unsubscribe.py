"""The e-mails' one-click unsubscribe, /unsubscribe/<token> (web/routes/unsubscribe.py), through
aiohttp's test client on the harness's database: a mail provider's POST from a reminder's
List-Unsubscribe header, with no cookie and no form token, mutes the reminders by e-mail (the
letters with the link still come); the page's GET changes nothing and its button posts; a
forged, malformed, other-purpose or outdated token is the 404 page in the page's language; the
other forms still need their CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.services.delivery.mail.config import parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailSender
from bot.services.registration import mail_links
from bot.services.registration.access import digest, new_secret
from bot.services.reminders.runner import ReminderService
from db.models import Registration
from tests.harness import COMPILED_TEMPLATES, BotHarness
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_mail_reminders import (
    DAY,
    LINK,
    SENDER,
    TEN,
    events,  # noqa: F401
    letters_to,
    person,
    text_of,
)
from web.app import create_web_app

Client = TestClient[web.Request, web.Application]
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
HOUR = TEN - timedelta(minutes=50)  # the 1 hour reminder


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


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


def links(harness: BotHarness) -> MailLinks:
    """Signed as the running bot signs them: with the web app's secret."""
    return MailLinks(harness.settings.web_address, harness.settings.web_secret_key)


async def stored(harness: BotHarness, registration_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


async def unsubscribe_path(harness: BotHarness, registration_id: int) -> str:
    url = links(harness).unsubscribe(await stored(harness, registration_id))
    return url.removeprefix(harness.settings.web_address)


async def test_the_one_click_post_from_a_letter_mutes_the_reminders_but_not_the_link(
    harness: BotHarness, smtp: SmtpTestServer, client: Client
) -> None:
    rid = await person(harness, 1, lang="zh", chat=False)
    mail = MailSender(
        SmtpTransport(parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}"), SENDER.address),
        MailPacer(10_000),
        SENDER,
    )
    reminders = ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
        mail=mail,
        links=links(harness),
    )
    try:
        harness.clock.set(DAY)
        await reminders.run_due()
        [day] = letters_to(smtp, 1)
        url = str(day["List-Unsubscribe"]).strip().strip("<>")
        path = url.removeprefix(harness.settings.web_address)
        assert path.startswith("/unsubscribe/")

        # What Gmail or Mail.ru does (RFC 8058): a POST with this body, no cookie, no token.
        client.session.cookie_jar.clear()
        response = await client.post(
            path,
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 200
        page = await response.text()
        assert "退订成功" in page  # the person's language: the request has none of its own
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert (await stored(harness, rid)).email_muted is True
        again = await client.post(path, data="List-Unsubscribe=One-Click")
        assert again.status == 200  # a second click: the same answer

        harness.clock.set(HOUR)
        await reminders.run_due()
        assert len(letters_to(smtp, 1)) == 1  # the 1 hour reminder is muted...
        harness.clock.set(TEN)
        await reminders.run_due()
        [_, ten] = letters_to(smtp, 1)
        assert LINK in text_of(ten)  # ...the one with the link is not
    finally:
        await reminders.stop()
        await mail.close()


async def test_the_page_asks_first_and_its_button_posts(
    harness: BotHarness, client: Client
) -> None:
    rid = await person(harness, 1, chat=False)
    path = await unsubscribe_path(harness, rid)
    shown = await client.get(path, headers=RU)
    assert shown.status == 200
    page = await shown.text()
    assert "Отписаться от напоминаний и новостей по почте?" in page
    assert (await stored(harness, rid)).email_muted is False  # a GET (a mail scanner) mutes nothing
    action = FORM_ACTION.search(page)
    assert action is not None and action[1] == path
    done = await client.post(action[1], data={"List-Unsubscribe": "One-Click"}, headers=RU)
    assert done.status == 200 and "больше не будет" in await done.text()
    assert (await stored(harness, rid)).email_muted is True
    # Opened again later: it says so, and offers no button.
    later = await (await client.get(path, headers=RU)).text()
    assert "больше не будет" in later and FORM_ACTION.search(later) is None


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_forged_or_outdated_token_is_refused(
    harness: BotHarness, client: Client, lang: str
) -> None:
    rid = await person(harness, 1, chat=False)
    row = await stored(harness, rid)
    secret = harness.settings.web_secret_key
    real = (await unsubscribe_path(harness, rid)).removeprefix("/unsubscribe/")
    forged = [
        real[:-1] + ("A" if real[-1] != "A" else "B"),  # one character changed
        mail_links.sign(b"another secret of sixteen+", mail_links.UNSUBSCRIBE, rid, "x" * 64),
        mail_links.sign(secret, mail_links.PAGE, rid, row.access_token_hash or ""),  # a page link
        mail_links.sign(secret, mail_links.UNSUBSCRIBE, rid + 1, row.access_token_hash or ""),
        "not-a-token",
        f"{rid}.",
    ]
    headers = RU if lang == "ru" else ZH
    title = "Страница не найдена" if lang == "ru" else "页面不存在"
    for token in forged:
        for method in ("GET", "POST"):
            response = await client.request(method, f"/unsubscribe/{token}", headers=headers)
            assert response.status == 404, (token, method)
            assert title in await response.text()
    assert (await stored(harness, rid)).email_muted is False

    # A new personal link (a new digest) ends the old unsubscribe links too.
    async with harness.session_factory() as session:
        current = await session.get(Registration, rid)
        assert current is not None
        current.access_token_hash = digest(new_secret())
        await session.commit()
    response = await client.post(f"/unsubscribe/{real}", headers=headers)
    assert response.status == 404
    assert (await stored(harness, rid)).email_muted is False


async def test_the_other_forms_still_need_their_token(client: Client) -> None:
    response = await client.post("/me/some-token/cancel", data={}, headers=RU)
    assert response.status == 403
