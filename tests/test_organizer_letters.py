"""An organizer's change from the /find card reaches the person by e-mail too: a registration
cancelled or restored (and moved to another venue: tests/test_venues.py), told by a letter
queued with the change, each change once (cancel, restore, cancel again: three letters), where
the person's choice of channel allows; through the real dispatcher and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.organizer_letter import is_organizer_kind
from bot.services.mailing.outbox import MailOutbox, MailSender
from db.models import (
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    Registration,
)
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, make_event, strip_tags
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_admin_find import add_registration, registration_of
from tests.test_venues import VENUES

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START)]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


def mail_on(harness: BotHarness, smtp: SmtpTestServer) -> MailOutbox:
    """SMTP_URL set, as the handlers see it, and the outbox that sends the letters."""
    harness.dp["settings"] = harness.settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://{smtp.host}:{smtp.port}")}
    )
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks("https://conf.example.org", b"a-lasting-secret-of-the-tests"),
        replica=Replica(harness.session_factory),
        pending_days=7,
    )


async def letters(harness: BotHarness) -> list[tuple[str, str, str | None]]:
    """The ledger's letters of organizers' changes: kind, status, why not sent."""
    async with harness.session_factory() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.channel == DeliveryChannel.EMAIL).order_by(Delivery.id)
        )
        return [(d.kind, d.status, d.error) for d in rows.all() if is_organizer_kind(d.kind)]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def confirmed(harness: BotHarness, name: str, email: str, lang: str = "ru") -> int:
    """A web registration (no chat) whose address is confirmed."""
    now = harness.clock.now()
    return await add_registration(harness, name, email, email_confirmed_at=now, language=lang)


def organizer(harness: BotHarness) -> FakeUser:
    return harness.user(ORGANIZER_ID, "ru")


async def test_a_web_registrant_is_told_by_e_mail_each_time_once(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    box = mail_on(harness, smtp)
    await confirmed(harness, "Соколова Анна", "anna@example.ru")
    org = organizer(harness)
    await org.send("/find соколова")
    await org.click("Отменить регистрацию")
    assert "Участник получит об этом письмо." in org.last()
    await org.click("Да, отменить")
    assert "Участнику отправлено письмо." in org.texts()[-2]
    await box.run_once()
    [letter] = smtp.messages
    assert letter["Subject"] == "Регистрация отменена — Конференция «victory-2025»"
    assert letter["To"].addresses[0].addr_spec == "anna@example.ru"
    body = text_of(letter)
    assert "Организаторы отменили вашу регистрацию" in body
    assert "свяжитесь с организаторами" in body and "commonwin@bk.ru" in body
    assert "/contacts" not in body  # no bot command in a letter
    await org.click("Восстановить регистрацию")
    await box.run_once()
    await org.click("Отменить регистрацию")
    await org.click("Да, отменить")
    await box.run_once()
    await box.run_once()  # nothing twice
    subjects = [m["Subject"].split(" — ")[0] for m in smtp.messages]
    assert subjects == ["Регистрация отменена", "Регистрация восстановлена", "Регистрация отменена"]
    assert "Напоминания и ссылка на подключение придут" in text_of(smtp.messages[1])
    assert await letters(harness) == [
        ("cancelled-1", DeliveryStatus.SENT, None),
        ("restored-1", DeliveryStatus.SENT, None),
        ("cancelled-2", DeliveryStatus.SENT, None),
    ]


async def test_after_an_outage_only_what_holds_now_is_sent_in_the_persons_language(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    box = mail_on(harness, smtp)
    await confirmed(harness, "王芳", "wangfang@163.com", lang="zh")
    org = organizer(harness)
    await org.send("/find 王芳")
    await org.click("Отменить регистрацию")
    await org.click("Да, отменить")
    await org.click("Восстановить регистрацию")
    await box.run_once()  # both waited: only "restored" goes
    [letter] = smtp.messages
    assert letter["Subject"] == "报名已恢复：“victory-2025”会议"
    assert "主办方已恢复您的报名" in text_of(letter)
    assert [(kind, status) for kind, status, _ in await letters(harness)] == [
        ("cancelled-1", DeliveryStatus.FAILED),
        ("restored-1", DeliveryStatus.SENT),
    ]


@pytest.mark.parametrize(
    ("via", "telegram", "email", "told"),
    [
        (DeliverVia.BOTH, True, True, "Участнику сообщено в Telegram и отправлено письмо."),
        (DeliverVia.EMAIL, False, True, "Участнику отправлено письмо."),
        (DeliverVia.TELEGRAM, True, False, "Участнику сообщено в Telegram."),
    ],
)
async def test_a_person_reachable_both_ways_is_told_where_they_chose(
    harness: BotHarness,
    smtp: SmtpTestServer,
    via: DeliverVia,
    telegram: bool,
    email: bool,
    told: str,
) -> None:
    mail_on(harness, smtp)
    user = harness.user(901)
    await register(user, name="Белова Ольга", email="olga@example.ru")
    async with harness.session_factory() as session:
        await session.execute(
            update(Registration).values(email_confirmed_at=START, deliver_via=via.value)
        )
        await session.commit()
    before = len(user.texts())
    org = organizer(harness)
    await org.send("/find белова")
    await org.click("Отменить регистрацию")
    await org.click("Да, отменить")
    assert told in org.texts()[-2]
    heard = [text for text in user.texts()[before:] if "отменили вашу регистрацию" in text]
    assert len(heard) == (1 if telegram else 0)
    expected = [("cancelled-1", DeliveryStatus.QUEUED, None)] if email else []
    assert await letters(harness) == expected
    assert (await registration_of(harness, user.id)).status == "cancelled"


async def test_with_e_mail_off_a_web_registrant_cannot_be_told(harness: BotHarness) -> None:
    await confirmed(harness, "Соколова Анна", "anna@example.ru")
    org = organizer(harness)
    await org.send("/find соколова")
    await org.click("Отменить регистрацию")
    assert "Сообщить участнику не получится" in org.last()
    await org.click("Да, отменить")
    assert "Участнику не сообщено" in strip_tags(org.texts()[-2])
    assert await letters(harness) == []


@pytest.mark.parametrize("events", [[make_event(starts_at=START, venues=VENUES)]])
async def test_a_venue_changed_by_an_organizer_is_told_by_e_mail(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    box = mail_on(harness, smtp)
    await add_registration(
        harness,
        "Орлова Нина",
        "nina@example.ru",
        email_confirmed_at=START,
        participation_format="offline",
        venue_id="moscow",
    )
    org = organizer(harness)
    await org.send("/find орлова")
    await org.click("Сменить площадку")
    await org.click("Лондонский клуб")
    assert "Площадка изменена: Орлова Нина. Участнику отправлено письмо." in org.texts()[-2]
    await box.run_once()
    [letter] = smtp.messages
    assert letter["Subject"] == "Изменено место участия — Конференция «victory-2025»"
    body = text_of(letter)
    assert "Организаторы изменили место вашего участия" in body
    assert "Лондонский клуб" in body and "Бейкер-стрит, 1" in body
    assert await letters(harness) == [("venue-1", DeliveryStatus.SENT, None)]
