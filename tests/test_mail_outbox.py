"""The mail outbox against a real SMTP server (aiosmtpd on 127.0.0.1): the letters a person's
action asks for go once, in the person's language, with a signed link; a refused address is
marked and written to no more; a deferred letter is queued again without losing its place; the
server away pauses the outbox and costs no tries; what a stopping replica claimed goes back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import icalendar
import pytest
from sqlalchemy import select

from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import (
    CONFIRM,
    LOST,
    REGISTERED,
    MailOutbox,
    MailSender,
    asked_kind,
    queue,
)
from bot.services.registration import mail_links
from db.models import Delivery, DeliveryChannel, DeliveryStatus, Registration
from tests.harness import BotHarness
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_registration_channels import events, web_register  # noqa: F401

SECRET = b"a-lasting-secret-of-the-tests"
WEB = "https://conf.example.org"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
PAGE = re.compile(rf"{re.escape(WEB)}/me/([0-9]+\.[A-Za-z0-9_-]{{24}})")


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


def outbox(harness: BotHarness, smtp: SmtpTestServer, port: int | None = None) -> MailOutbox:
    server = parse_smtp_url(f"smtp://{smtp.host}:{port or smtp.port}")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks(WEB, SECRET),
        replica=Replica(harness.session_factory),
        pending_days=7,
    )


async def queued(harness: BotHarness, registration_id: int, kind: str) -> None:
    async with harness.session_factory() as session:
        await queue(
            session, registration_id=registration_id, event_id=1, kind=kind, now=harness.clock.now()
        )
        await session.commit()


async def ledger(harness: BotHarness) -> list[Delivery]:
    async with harness.session_factory() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.channel == DeliveryChannel.EMAIL).order_by(Delivery.id)
        )
        return list(found.all())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def test_the_confirmation_goes_once_in_chinese_with_a_signed_link(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    reg = await web_register(harness)
    await queued(harness, reg.row.id, CONFIRM)
    await queued(harness, reg.row.id, CONFIRM)  # queued twice: still one letter
    box = outbox(harness, smtp)
    await box.run_once()
    await box.run_once()
    [message] = smtp.messages
    assert message["Subject"].startswith("请验证您的电子邮箱")  # terms.md
    assert message["Content-Language"] == "zh-Hans"
    assert message["List-Unsubscribe"] is None  # a letter asked for is never muted
    body = text_of(message)
    assert "李伟，您好" in body and "验证电子邮箱" in body and "7天后" in body
    found = PAGE.search(body)
    assert found is not None
    async with harness.session_factory() as session:
        row = await session.get(Registration, reg.row.id)
        assert row is not None
        token_digest = row.access_token_hash
        assert mail_links.verify(SECRET, mail_links.PAGE, found[1], token_digest)
        assert not mail_links.verify(SECRET, mail_links.UNSUBSCRIBE, found[1], token_digest)
    [row] = await ledger(harness)
    assert (row.kind, row.status, row.attempts) == (CONFIRM, DeliveryStatus.SENT, 0)


async def test_registered_carries_the_calendar_file(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    reg = await web_register(harness)
    async with harness.session_factory() as session:
        row = await session.get(Registration, reg.row.id)
        assert row is not None
        row.email_confirmed_at = harness.clock.now()
        await session.commit()
    await queued(harness, reg.row.id, REGISTERED)
    await outbox(harness, smtp).run_once()
    [message] = smtp.messages
    assert message["Subject"].startswith("报名成功")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert [c.name for c in calendar.walk("VEVENT")] == ["VEVENT"]


async def test_a_refused_address_is_marked_and_written_to_no_more(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    reg = await web_register(harness)
    smtp.refuse("li.wei@example.cn")
    await queued(harness, reg.row.id, CONFIRM)
    box = outbox(harness, smtp)
    await box.run_once()
    assert smtp.messages == []
    async with harness.session_factory() as session:
        row = await session.get(Registration, reg.row.id)
        assert row is not None and row.email_bounced_at is not None
        assert "User unknown" in (row.email_error or "")
        assert "li.wei" not in (row.email_error or "")  # no address kept in the error
    await queued(harness, reg.row.id, asked_kind(LOST, harness.clock.now()))
    await box.run_once()
    assert [(d.status, d.error) for d in await ledger(harness)][-1] == (
        DeliveryStatus.FAILED,
        "undeliverable",
    )


async def test_a_deferred_letter_waits_and_keeps_its_place(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    reg = await web_register(harness)
    smtp.defer_next(1)
    await queued(harness, reg.row.id, CONFIRM)
    box = outbox(harness, smtp)
    await box.run_once()
    [row] = await ledger(harness)
    assert (row.status, row.attempts) == (DeliveryStatus.QUEUED, 1)
    assert row.not_before == harness.clock.now() + timedelta(seconds=20)
    await box.run_once()
    assert smtp.messages == []  # not before its time
    harness.clock.advance(timedelta(seconds=21))
    await box.run_once()
    assert len(smtp.messages) == 1
    assert (await ledger(harness))[0].status == DeliveryStatus.SENT


async def test_the_server_away_costs_no_tries_and_loses_nothing(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    first = await web_register(harness)
    second = await web_register(harness, email="anna@example.ru")
    await queued(harness, first.row.id, CONFIRM)
    await queued(harness, second.row.id, CONFIRM)
    smtp.stop()
    box = outbox(harness, smtp)
    assert not await box.run_once()
    assert box._server_pause > 0
    rows = await ledger(harness)
    assert [(r.status, r.attempts, r.claimed_by) for r in rows] == [
        (DeliveryStatus.QUEUED, 0, None),
        (DeliveryStatus.QUEUED, 0, None),
    ]
    with running_smtp() as back:
        await outbox(harness, back).run_once()
        assert sorted(m["To"].addresses[0].addr_spec for m in back.messages) == [
            "anna@example.ru",
            "li.wei@example.cn",
        ]


async def test_a_stopping_outbox_gives_its_claims_back(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    reg = await web_register(harness)
    await queued(harness, reg.row.id, CONFIRM)
    box = outbox(harness, smtp)
    assert await box._claim() == [1]
    await box.stop()
    [row] = await ledger(harness)
    assert (row.status, row.claimed_by) == (DeliveryStatus.QUEUED, None)
    await outbox(harness, smtp).run_once()
    assert len(smtp.messages) == 1
