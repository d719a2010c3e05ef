"""The certificate by e-mail (issue 13), against a real SMTP server (aiosmtpd on 127.0.0.1): a
participant with a confirmed address gets the same PDF as in the bot (the same number, the
bot's file name in their language), the public check address and the feedback request with
the personal page's link; once, however often issuing runs; queued by both ways of issuing
(automatic after the event, an organizer's "send to everyone") and by a corrected name; never
to an address unconfirmed or refused, nor to someone who chose Telegram alone while Telegram
reaches them; and only by e-mail for someone who chose e-mail alone."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendDocument
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.app import no_username
from bot.i18n import I18n
from bot.services.certificates.documents import default_renderer
from bot.services.certificates.feedback import save_rating
from bot.services.certificates.issue import CertificateService
from bot.services.certificates.render import make_render
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.certificate_letter import certificate_kind
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from bot.services.registration.registrations import Channel, RegistrationService
from db.models import (
    Certificate,
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    Registration,
)
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, make_event
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_web_personal import answers as web_answers

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
AFTER = START + timedelta(hours=6)  # end (3 h) + the default delay (2 h) has passed
WEB = "https://conf.example.org"
SECRET = b"a-lasting-secret-of-the-tests"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
PAGE = re.compile(rf"{re.escape(WEB)}/me/[0-9]+\.[A-Za-z0-9_-]{{24}}")
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
NAMES = {"ru": "Иванова Мария Петровна", "zh": "王芳"}


@pytest.fixture
def events() -> list[dict]:
    return [make_event(SLUG, starts_at=START, require_attendance=False)]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
async def box(harness: BotHarness, smtp: SmtpTestServer) -> AsyncIterator[MailOutbox]:
    """The outbox as bot/factory.py create_mail builds it (with the bot's certificate renderer
    and PUBLIC_URL), not started: each test sends what is queued with `run_once`. Wired to the
    certificates as bot/app.py wires it: e-mail is on."""
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    mail = MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks(WEB, SECRET),
        replica=Replica(harness.session_factory),
        pending_days=7,
        render_certificate=harness.certificates.render,
        public_url=WEB,
    )
    harness.certificates.on_mail_queued = mail.wake
    yield mail
    await mail.sender.close()


async def bot_participant(
    harness: BotHarness,
    user_id: int,
    lang: str = "ru",
    *,
    email: str = "ivanov@example.com",
    **row: Any,
) -> FakeUser:
    """Registered in the bot, the address confirmed (unless `row` says otherwise)."""
    user = harness.user(user_id, lang)
    await register(user, lang, name=NAMES[lang], email=email)
    await change(harness, Registration.user_id == user_id, **row)
    return user


async def web_participant(harness: BotHarness, email: str = "li.wei@example.cn") -> int:
    """Registered on the web (no Telegram chat), the address confirmed."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(SLUG, web_answers(email), "zh", channel=Channel.web())
    await change(harness, Registration.id == reg.row.id)
    return reg.row.id


async def change(harness: BotHarness, where: Any, **values: Any) -> None:
    values.setdefault("email_confirmed_at", harness.clock.now())
    async with harness.session_factory() as session:
        await session.execute(update(Registration).where(where).values(**values))
        await session.commit()


async def issue(harness: BotHarness, box: MailOutbox) -> None:
    """The automatic path: the event's end plus the delay has passed; then the outbox sends."""
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await box.run_once()


async def certificates(harness: BotHarness) -> list[Certificate]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Certificate).order_by(Certificate.id))).all())


async def letters(harness: BotHarness) -> list[Delivery]:
    async with harness.session_factory() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.channel == DeliveryChannel.EMAIL).order_by(Delivery.id)
        )
        return [d for d in found.all() if d.kind.startswith("certificate-")]


def telegram_pdfs(harness: BotHarness, chat_id: int) -> list[SendDocument]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument)
        and s.method.chat_id == chat_id
        and s.method.document.filename.endswith(".pdf")
    ]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")


def the_pdf(message: EmailMessage) -> tuple[str, bytes]:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    filename = attachment.get_filename()
    assert filename is not None
    return filename, attachment.get_content()


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_certificate_goes_once_by_email_with_the_bots_pdf(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer, lang: str
) -> None:
    user = await bot_participant(harness, 1, lang)
    await issue(harness, box)
    await harness.certificates.reconcile()  # issuing again: nothing twice
    await box.run_once()
    [message] = smtp.messages
    [certificate] = await certificates(harness)
    number, t = certificate.number, T[lang]
    assert message["To"].addresses[0].addr_spec == "ivanov@example.com"
    event = harness.catalog.get(SLUG)
    assert event is not None
    assert message["Subject"] == t("mail-certificate-subject", event=event.title.get(lang))
    # Never muted by the unsubscribe link: a certificate is not a reminder.
    assert message["List-Unsubscribe"] is None
    filename, pdf = the_pdf(message)
    # The bot's document: the same file name in the reader's language, number and name.
    [in_telegram] = telegram_pdfs(harness, user.id)
    assert filename == in_telegram.document.filename
    assert filename == {"ru": f"Сертификат-{number}.pdf", "zh": f"参会证书-{number}.pdf"}[lang]
    assert number in pdf_text(pdf) and NAMES[lang] in pdf_text(pdf)
    assert pdf_text(pdf) == pdf_text(in_telegram.document.data)
    body = text_of(message)
    assert f"{WEB}/verify/{number}" in body
    assert number in body and NAMES[lang] in body
    assert t("mail-certificate-feedback") in body
    feedback_at = body.index(t("mail-certificate-feedback"))
    assert PAGE.search(body, feedback_at), "the personal page's link follows the request"
    html = message.get_body(("html",))
    assert html is not None and f'href="{WEB}/verify/{number}"' in str(html.get_content())
    [row] = await letters(harness)
    assert (row.kind, row.status) == (certificate_kind(certificate.id), DeliveryStatus.SENT)


async def test_an_organizers_send_to_everyone_mails_a_web_participant(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """The organizer's path; a participant registered on the web has no chat: e-mail is how
    the certificate reaches them."""
    await web_participant(harness)
    harness.clock.set(AFTER)
    org = harness.user(ORGANIZER_ID)
    await org.send("/certificates")
    await org.click("Отправить всем")
    await org.send("/certificates")
    await org.click("Отправить всем")  # twice: still one letter
    await box.run_once()
    await box.run_once()
    [message] = smtp.messages
    [certificate] = await certificates(harness)
    assert message["To"].addresses[0].addr_spec == "li.wei@example.cn"
    assert message["Subject"].startswith("参会证书")  # registered in Chinese
    filename, pdf = the_pdf(message)
    assert filename == f"参会证书-{certificate.number}.pdf"
    assert certificate.number in pdf_text(pdf)
    assert len(await letters(harness)) == 1


async def test_not_to_an_unconfirmed_or_refused_address(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1, email="new@example.com", email_confirmed_at=None)
    await bot_participant(
        harness, 2, email="gone@example.com", email_bounced_at=harness.clock.now()
    )
    await web_participant(harness)
    await change(harness, Registration.user_id.is_(None), email_confirmed_at=None)
    await issue(harness, box)
    assert len(await certificates(harness)) == 3
    assert await letters(harness) == [] and smtp.messages == []


async def test_with_email_off_nothing_is_queued(harness: BotHarness) -> None:
    """No outbox wired: no letter is queued to wait forever."""
    await bot_participant(harness, 1)
    await web_participant(harness)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    assert len(await certificates(harness)) == 2
    assert await letters(harness) == []


async def test_a_certificate_queued_then_the_address_bounced_is_not_sent(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await change(harness, Registration.user_id == 1, email_bounced_at=harness.clock.now())
    await box.run_once()
    assert smtp.messages == []
    [row] = await letters(harness)
    assert (row.status, row.error) == (DeliveryStatus.FAILED, "undeliverable")


async def test_the_rule_is_asked_again_when_the_letter_leaves(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """Queued, then the address changed (not confirmed yet) or "Telegram only" chosen."""
    await bot_participant(harness, 1)
    await bot_participant(harness, 2, email="petrov@example.com")
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await change(
        harness, Registration.user_id == 1, email="other@example.com", email_confirmed_at=None
    )
    await change(harness, Registration.user_id == 2, deliver_via=DeliverVia.TELEGRAM)
    await box.run_once()
    assert smtp.messages == []
    assert sorted((r.status, r.error) for r in await letters(harness)) == [
        (DeliveryStatus.FAILED, "telegram only"),
        (DeliveryStatus.FAILED, "unconfirmed"),
    ]


async def test_telegram_only_gets_no_letter_unless_telegram_is_blocked(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    reachable = await bot_participant(harness, 1, deliver_via=DeliverVia.TELEGRAM)
    blocked = await bot_participant(
        harness, 2, email="blocked@example.com", deliver_via=DeliverVia.TELEGRAM
    )
    harness.session.chat_failures[blocked.id] = [
        TelegramForbiddenError(method=None, message="Forbidden: bot was blocked by the user")  # type: ignore[arg-type]
    ]
    await issue(harness, box)
    assert len(telegram_pdfs(harness, reachable.id)) == 1
    # Blocked in Telegram: by e-mail after all (never nobody).
    [message] = smtp.messages
    assert message["To"].addresses[0].addr_spec == "blocked@example.com"
    assert [r.registration_id for r in await letters(harness)] == [
        c.registration_id for c in await certificates(harness) if c.recipient_id == blocked.id
    ]


async def test_email_only_gets_it_by_email_and_not_in_telegram(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    user = await bot_participant(harness, 1, deliver_via=DeliverVia.EMAIL)
    await issue(harness, box)
    assert len(smtp.messages) == 1
    assert telegram_pdfs(harness, user.id) == []
    # The address refused meanwhile: Telegram after all, at the next look.
    await change(harness, Registration.user_id == 1, email_bounced_at=harness.clock.now())
    await harness.certificates.reconcile()
    assert len(telegram_pdfs(harness, user.id)) == 1


async def test_a_corrected_name_goes_out_again_by_email(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1)
    await issue(harness, box)
    [certificate] = await certificates(harness)
    org = harness.user(ORGANIZER_ID)
    await org.send("/certificates")
    await org.click("Исправить имя")
    await org.send(certificate.number)
    await org.send("Иванова Мария Павловна")
    await box.run_once()
    first, corrected = smtp.messages
    assert "Павловна" not in pdf_text(the_pdf(first)[1])
    assert "Иванова Мария Павловна" in pdf_text(the_pdf(corrected)[1])
    assert certificate.number in pdf_text(the_pdf(corrected)[1])
    assert [r.kind for r in await letters(harness)] == [
        certificate_kind(certificate.id),
        certificate_kind(certificate.id, 1),
    ]


async def test_a_name_corrected_before_the_letter_left_goes_once_with_the_new_name(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()  # queued, not sent yet
    [certificate] = await certificates(harness)
    await harness.certificates.correct_name(certificate.number, "Иванова Мария Павловна")
    await box.run_once()
    [message] = smtp.messages
    assert "Иванова Мария Павловна" in pdf_text(the_pdf(message)[1])
    assert len(await letters(harness)) == 1


async def test_feedback_given_already_is_not_asked_again(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    [certificate] = await certificates(harness)
    async with harness.session_factory() as session:
        await save_rating(session, harness.clock, certificate, 5)  # the bot's question answered
    await box.run_once()
    [message] = smtp.messages
    body = text_of(message)
    assert T["ru"]("mail-certificate-feedback") not in body
    assert PAGE.search(body)  # the page's address still closes the letter


async def test_a_name_no_font_can_draw_is_not_mailed(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(SLUG, web_answers(name="Ра 𓀀 Ка"), "ru", channel=Channel.web())
    await change(harness, Registration.id == reg.row.id)
    await issue(harness, box)
    assert smtp.messages == []
    [row] = await letters(harness)
    assert row.status == DeliveryStatus.FAILED
    assert (row.error or "").startswith("cannot be rendered")


async def test_an_outbox_that_cannot_draw_certificates_leaves_them_to_one_that_can(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    renderer, box.render_certificate = box.render_certificate, None
    await box.run_once()
    [row] = await letters(harness)
    assert (row.status, smtp.messages) == (DeliveryStatus.QUEUED, [])
    box.render_certificate = renderer
    await box.run_once()
    assert len(smtp.messages) == 1


async def test_without_a_bot_certificates_are_issued_and_mailed(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """The pages alone (no BOT_TOKEN, bot/app.py mail_reminders): the certificate service runs
    without a Bot, issues after the event and the letter goes; nothing is tried in Telegram."""
    await web_participant(harness)
    service = CertificateService(
        bot=None,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        sender=harness.sender,
        # As run_web_only draws them: no bot to name.
        render=make_render(default_renderer(), no_username, WEB),
        i18n=harness.i18n,
    )
    box.render_certificate = service.render
    woken: list[bool] = []
    service.on_mail_queued = lambda: woken.append(True)
    harness.clock.set(AFTER)
    calls_before = len(harness.session.sent)
    await service.reconcile()
    await box.run_once()
    [certificate] = await certificates(harness)
    [message] = smtp.messages
    assert certificate.number in text_of(message) and woken == [True]
    assert len(harness.session.sent) == calls_before  # no Bot API call at all
