"""Organizers' broadcasts by e-mail (issue 13), against a real SMTP server (aiosmtpd on
127.0.0.1): with e-mail on, /broadcast counts the audience per channel, the message goes as a
letter (its text as HTML and plain text, a photo or document attached, the subject naming the
event in the reader's language, one-click unsubscribe) to the registrations reachable by e-mail,
once, while Telegram gets its copies as before; muted, bounced, unconfirmed addresses and those
who chose Telegram alone get no letter, those who chose e-mail alone no copy; the report counts
both channels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import CopyMessage, GetFile
from aiogram.types import Document, MessageEntity, PhotoSize
from pydantic import SecretStr
from sqlalchemy import select

from bot.factory import create_mail, create_mail_links, create_mail_sender, create_services
from bot.services.delivery.broadcasts import MailPart, email_progress
from bot.services.delivery.mail.config import parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from db.audiences import Audience
from db.models import (
    Broadcast,
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
)
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, strip_tags
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_mail_certificates import SECRET, SENDER, WEB, bot_participant, change
from tests.test_mail_certificates import web_participant as web_registration

SLUG = "victory-2025"
JPEG = b"\xff\xd8\xff\xe0 a photo of the hall \xff\xd9"
PDF = b"%PDF-1.4 the programme"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


def outbox(harness: BotHarness, smtp: SmtpTestServer, *, bot: bool = True) -> MailOutbox:
    """As bot/factory.py create_mail builds it in the bot's process (`bot`), or in the pages'
    process without Telegram."""
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    return MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks(WEB, SECRET),
        replica=Replica(harness.session_factory),
        pending_days=7,
        bot=harness.bot if bot else None,
    )


@pytest.fixture
async def box(harness: BotHarness, smtp: SmtpTestServer) -> AsyncIterator[MailOutbox]:
    # E-mail on, as bot/factory.py create_services sets it with SMTP_URL.
    harness.broadcasts.email_on = True
    mail = outbox(harness, smtp)
    yield mail
    await mail.sender.close()


async def audience(harness: BotHarness) -> dict[str, Any]:
    """Everyone a broadcast to all must tell apart."""
    both = await bot_participant(harness, 1, email="both@example.com")
    muted = await bot_participant(harness, 3, email="muted@example.com", email_muted=True)
    bounced = await bot_participant(
        harness, 4, email="bounced@example.com", email_bounced_at=harness.clock.now()
    )
    email_only = await bot_participant(
        harness, 5, email="email-only@example.com", deliver_via=DeliverVia.EMAIL
    )
    telegram_only = await bot_participant(
        harness, 6, email="telegram-only@example.com", deliver_via=DeliverVia.TELEGRAM
    )
    unconfirmed = await bot_participant(
        harness, 7, email="unconfirmed@example.com", email_confirmed_at=None
    )
    web = await web_registration(harness, "li.wei@example.cn")
    return {
        "users": [both, muted, bounced, email_only, telegram_only, unconfirmed],
        "web": web,
        # Telegram: all but the one who chose e-mail alone; e-mail: confirmed, not muted,
        # not bounced, not Telegram alone.
        "telegram": sorted([1, 3, 4, 6, 7]),
        "email": sorted(["both@example.com", "email-only@example.com", "li.wei@example.cn"]),
    }


async def broadcast(harness: BotHarness, send: Any) -> FakeUser:
    """The organizer's dialogue to everyone; `send(org)` sends the message."""
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам (Telegram: 5, e-mail: 3)")
    await send(org)
    return org


async def confirm(harness: BotHarness, org: FakeUser) -> None:
    await org.click("Отправить")
    await next(iter(harness.broadcasts._running.values()))


def copies(harness: BotHarness) -> list[int]:
    return sorted(
        int(s.method.chat_id)
        for s in harness.session.sent
        if isinstance(s.method, CopyMessage) and s.method.chat_id != ORGANIZER_ID
    )


def recipients(smtp: SmtpTestServer) -> list[str]:
    return sorted(r.rcpt_tos[0] for r in smtp.received)


def letter_to(smtp: SmtpTestServer, address: str) -> EmailMessage:
    [message] = [r.message for r in smtp.received if r.rcpt_tos == [address]]
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def attachments(message: EmailMessage) -> list[tuple[str | None, str, object]]:
    return [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ]


async def ledger(harness: BotHarness) -> list[Delivery]:
    async with harness.session_factory() as session:
        rows = await session.scalars(
            select(Delivery)
            .where(Delivery.channel == DeliveryChannel.EMAIL, Delivery.kind.like("broadcast-%"))
            .order_by(Delivery.id)
        )
        return list(rows.all())


async def test_text_reaches_each_channel_once_with_a_report_per_channel(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    people = await audience(harness)

    async def send(org: FakeUser) -> None:
        text = "Важно: начинаем в 10:00 <по Москве>"
        await org._feed_message(
            text=text, entities=[MessageEntity(type="bold", offset=0, length=5)]
        )

    org = await broadcast(harness, send)
    assert "в Telegram — 5, по e-mail — 3" in org.last()
    await confirm(harness, org)
    assert copies(harness) == people["telegram"]
    # The report comes when Telegram is done: the letters are counted as they stand.
    report = strip_tags(org.last())
    assert "Доставлено: 5 из 5" in report
    assert "Отправлено: 0, адрес отклонён почтовым сервером: 0, ошибки: 0, ждут отправки: 3" in (
        report
    )
    assert [row.status for row in await ledger(harness)] == [DeliveryStatus.QUEUED] * 3

    await box.run_once()
    await box.run_once()  # nothing is sent twice
    assert recipients(smtp) == people["email"]
    event = harness.catalog.get(SLUG)
    assert event is not None
    title = event.title
    ru, zh = letter_to(smtp, "both@example.com"), letter_to(smtp, "li.wei@example.cn")
    assert ru["Subject"] == f"Новости: {title.get('ru')}"
    assert zh["Subject"] == f"{title.get('zh')}：通知"
    plain, html = parts(ru)
    assert "Важно: начинаем в 10:00 <по Москве>" in plain
    assert "<b>Важно</b>: начинаем в 10:00 &lt;по Москве&gt;" in html
    assert "<script" not in html
    # Muted by the unsubscribe: the header (RFC 8058) and the footer say how.
    assert ru["List-Unsubscribe"].strip().startswith(f"<{WEB}/unsubscribe/")
    assert ru["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{WEB}/unsubscribe/" in plain
    assert attachments(ru) == []
    async with harness.session_factory() as session:
        [stored] = (await session.scalars(select(Broadcast))).all()
        letters = await email_progress(session, stored.id)
    assert (letters.sent, letters.waiting, letters.bounced) == (3, 0, 0)


@pytest.mark.parametrize("kind", ["photo", "document"])
async def test_photo_or_document_is_attached_downloaded_once(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer, kind: str
) -> None:
    people = await audience(harness)
    harness.session.files["big"] = JPEG if kind == "photo" else PDF

    async def send(org: FakeUser) -> None:
        media: dict[str, Any] = (
            {
                "photo": [
                    PhotoSize(file_id="small", file_unique_id="s", width=90, height=60),
                    PhotoSize(file_id="big", file_unique_id="b", width=1280, height=853),
                ]
            }
            if kind == "photo"
            else {
                "document": Document(
                    file_id="big",
                    file_unique_id="b",
                    file_name="Программа.pdf",
                    mime_type="application/pdf",
                )
            }
        )
        entities = [MessageEntity(type="italic", offset=0, length=9)]
        await org._feed_message(caption="Программа конференции", caption_entities=entities, **media)

    org = await broadcast(harness, send)
    await confirm(harness, org)
    await box.run_once()
    await box.run_once()
    assert recipients(smtp) == people["email"]
    expected = (
        ("photo.jpg", "image/jpeg", JPEG)
        if kind == "photo"
        else ("Программа.pdf", "application/pdf", PDF)
    )
    for address in people["email"]:
        message = letter_to(smtp, address)
        assert attachments(message) == [expected]
    plain, html = parts(letter_to(smtp, "both@example.com"))
    assert "Программа конференции" in plain and "<i>Программа</i> конференции" in html
    # One download for all the letters.
    downloads = [s.method for s in harness.session.sent if isinstance(s.method, GetFile)]
    assert [d.file_id for d in downloads] == ["big"]


async def test_a_file_waits_for_an_outbox_with_the_bot(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """The pages' process (no Telegram) cannot download the photo: it leaves those letters to
    the bot's outbox, and sends a text-only broadcast itself."""
    await bot_participant(harness, 1, email="both@example.com")
    harness.session.files["big"] = JPEG

    async def photo(org: FakeUser) -> None:
        size = PhotoSize(file_id="big", file_unique_id="b", width=10, height=10)
        await org._feed_message(photo=[size], caption="Фото")

    org = harness.user(ORGANIZER_ID, "ru")
    for send in (photo, lambda org: org.send("Только текст")):
        await org.send("/broadcast")
        await org.click("Всем участникам (Telegram: 1, e-mail: 1)")
        await send(org)
        await confirm(harness, org)
        harness.broadcasts._running.clear()
    pages = outbox(harness, smtp, bot=False)
    await pages.run_once()
    await pages.sender.close()
    assert [attachments(r.message) for r in smtp.received] == [[]]
    await box.run_once()
    assert len(smtp.received) == 2
    assert attachments(smtp.received[1].message)[0][2] == JPEG


async def test_unsubscribed_after_queueing_gets_nothing(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    """Who gets the letter is asked again when it is sent: an unsubscribe meanwhile counts."""
    await bot_participant(harness, 1, email="both@example.com")
    web = await web_registration(harness, "li.wei@example.cn")
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам (Telegram: 1, e-mail: 2)")
    await org.send("Новость")
    await confirm(harness, org)
    await change(harness, Registration.id == web, email_muted=True)
    await box.run_once()
    assert recipients(smtp) == ["both@example.com"]
    assert sorted((row.status, row.error) for row in await ledger(harness)) == [
        (DeliveryStatus.FAILED, "muted"),
        (DeliveryStatus.SENT, None),
    ]


async def test_a_sticker_goes_to_telegram_only(harness: BotHarness, box: MailOutbox) -> None:
    await bot_participant(harness, 1, email="both@example.com")
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам (Telegram: 1, e-mail: 1)")
    await org.send_sticker()
    assert "в Telegram — 1, по e-mail — 0" in org.last()
    assert "По e-mail такое сообщение не уйдёт" in org.last()
    await confirm(harness, org)
    assert copies(harness) == [1]
    assert await ledger(harness) == []
    assert "E-mail" not in strip_tags(org.last())


async def test_stop_leaves_the_letters_unsent(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1, email="both@example.com")
    async with harness.session_factory() as session:
        event_id = (await session.scalars(select(EventRow.id))).one()
    stored = await harness.broadcasts.create(
        event_id=event_id,
        author_id=ORGANIZER_ID,
        audience=Audience.ALL,
        source_chat_id=ORGANIZER_ID,
        source_message_id=5,
        mail=MailPart("Новость"),
    )
    await harness.broadcasts.cancel(stored.id)  # Stop, before anything went
    await harness.broadcasts._running[stored.id]
    await box.run_once()
    assert smtp.received == [] and copies(harness) == []
    [row] = await ledger(harness)
    assert (row.status, row.error) == (DeliveryStatus.FAILED, "stopped")
    report = strip_tags(harness.session.sent[-1].method.text)  # type: ignore[attr-defined]
    assert "Рассылка остановлена" in report and "ошибки: 1, ждут отправки: 0" in report


async def test_e_mail_off_changes_nothing(harness: BotHarness) -> None:
    """Without SMTP_URL the dialogue and the report are as before, and no letter is queued."""
    await bot_participant(harness, 1, email="both@example.com")
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам (1)")
    await org.send("Новость")
    assert "Получателей: 1" in org.last()
    await confirm(harness, org)
    assert await ledger(harness) == []
    assert "E-mail" not in strip_tags(org.last())


async def test_wired_with_e_mail_on(harness: BotHarness, smtp: SmtpTestServer) -> None:
    """bot/factory.py: with SMTP_URL the broadcasts queue letters, and the bot's outbox has the
    Bot to download their files."""
    settings = harness.settings.model_copy(
        update={
            "smtp_url": SecretStr(f"smtp://{smtp.host}:{smtp.port}"),
            "mail_from": "noreply@example.org",
        }
    )
    sender = create_mail_sender(settings)
    assert sender is not None
    services = create_services(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
        mail=sender,
        mail_links=create_mail_links(settings),
    )
    mail = create_mail(
        settings,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        replica=services.replica,
        sender=sender,
        bot=harness.bot,
    )
    assert services.broadcasts.email_on and mail is not None and mail.bot is harness.bot
    await sender.close()
    assert not harness.broadcasts.email_on  # without SMTP_URL (the harness): e-mail off


async def test_telegram_away_delays_the_file_and_loses_nothing(
    harness: BotHarness, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await bot_participant(harness, 1, email="both@example.com")
    harness.session.files["big"] = PDF

    async def document(org: FakeUser) -> None:
        await org._feed_message(document=Document(file_id="big", file_unique_id="b"))

    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам (Telegram: 1, e-mail: 1)")
    await document(org)
    await confirm(harness, org)
    harness.session.failures[GetFile] = TelegramNetworkError(
        method=GetFile(file_id="big"), message="timeout"
    )
    await box.run_once()
    [row] = await ledger(harness)
    assert (row.status, row.attempts, smtp.received) == (DeliveryStatus.QUEUED, 1, [])
    harness.clock.advance(timedelta(seconds=30))
    await box.run_once()
    [message] = [r.message for r in smtp.received]
    assert attachments(message) == [("document", "application/octet-stream", PDF)]
