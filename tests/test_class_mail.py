"""Classes reached by e-mail (issue 14), against a real SMTP server (aiosmtpd on 127.0.0.1): a
class registered on the web page (no group, no teacher chat: normal in China) gets the
confirmation of its address, whose link opens the class page with a Confirm button (a GET
confirms nothing); then the reminders, the start letter with the meeting link and the class
page where it checks in, a link correction and the certificates letter, once each. A refused
address stops the letters; the one-click unsubscribe mutes the reminders but not the link; a
class reached in Telegram too gets both."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot.services.delivery.audience_reach import reach
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from bot.services.reminders.runner import ReminderService
from db.audiences import Audience
from db.models import Delivery, DeliveryChannel, SchoolClass
from tests.harness import COMPILED_TEMPLATES, ORGANIZER_ID, BotHarness, make_event
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_class_reach import class_messages, set_link
from tests.test_classes import register_class as register_bot_class
from tests.test_web_classes import (
    AFTER,
    DEADLINE,
    HEADERS,
    SLUG,
    START,
    Client,
    T,
    csrf,
    get,
    register_class,
)
from web.app import create_web_app

WEB = "https://conf.example.org"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
LINK = "https://voov.example/j/1"
NEW_LINK = "https://voov.example/j/2"
MEETING = {"link": LINK, "id": "123 456 789", "passcode": "4321"}
ADDRESS = "olga@school5.ru"
DAY, HOUR, TEN = (
    START - timedelta(days=1),
    START - timedelta(hours=1),
    START - timedelta(minutes=10),
)
CLASS_LINK = re.compile(rf"{re.escape(WEB)}(/class/[0-9]+\.[A-Za-z0-9_-]{{24}})")
UNSUBSCRIBE = re.compile(rf"{re.escape(WEB)}(/unsubscribe/class/[0-9]+\.[A-Za-z0-9_-]{{24}})")
TITLE = make_event(SLUG)["title"]


@pytest.fixture
def events() -> list[dict]:
    return [make_event(SLUG, meeting=MEETING, deadline=DEADLINE, require_attendance=False)]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
async def box(harness: BotHarness, smtp: SmtpTestServer) -> AsyncIterator[MailOutbox]:
    """The outbox as bot/app.py wires it (the certificates and the reminders wake it); not
    started: each test sends what is queued with `run_once`."""
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    mail = MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=MailSender(SmtpTransport(server, SENDER.address), MailPacer(10_000), SENDER),
        links=MailLinks(WEB, harness.settings.web_secret_key),
        replica=Replica(harness.session_factory),
        pending_days=7,
        render_certificate=harness.certificates.render,
        public_url=WEB,
    )
    harness.certificates.on_mail_queued = mail.wake
    yield mail
    await mail.sender.close()


@pytest.fixture
async def reminders(harness: BotHarness, box: MailOutbox) -> AsyncIterator[ReminderService]:
    """The reminder runner with e-mail on, beside the bot (as create_services builds it)."""
    service = ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
        replica=box.replica,
        mail=box.sender,
        links=box.links,
    )
    service.on_mail_queued = box.wake
    yield service
    await service.stop()


@pytest.fixture
async def client(harness: BotHarness, box: MailOutbox) -> AsyncIterator[Client]:
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=harness.settings,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        session_factory=harness.session_factory,
        bot_username=lambda: "victory_test_bot",
        render_certificate=harness.certificates.render,
        mail=box,
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def at(
    harness: BotHarness, reminders: ReminderService, box: MailOutbox, *moments: object
) -> None:
    """Each moment: the planner's look (twice: nothing doubles), then the outbox sends."""
    for moment in moments:
        harness.clock.set(moment)  # type: ignore[arg-type]
        await reminders.run_due()
        await reminders.run_due()
        await box.run_once()
        await box.run_once()


def letters(smtp: SmtpTestServer, address: str = ADDRESS) -> list[EmailMessage]:
    return [r.message for r in smtp.received if r.rcpt_tos == [address]]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def subject(lang: str, key: str, **args: object) -> str:
    return T[lang](key, event=TITLE[lang], **args)


async def the_class(harness: BotHarness) -> SchoolClass:
    async with harness.session_factory() as session:
        found = await session.scalar(select(SchoolClass))
    assert found is not None
    return found


async def class_rows(harness: BotHarness) -> list[tuple[str, str]]:
    async with harness.session_factory() as session:
        rows = await session.execute(
            select(Delivery.kind, Delivery.status)
            .where(Delivery.class_id.is_not(None), Delivery.channel == DeliveryChannel.EMAIL)
            .order_by(Delivery.id)
        )
    return [(k, s) for k, s in rows.all()]


async def confirm_by_letter(client: Client, message: EmailMessage, harness: BotHarness) -> str:
    """Open the letter's link (nothing confirmed), then press Confirm: the class page's path."""
    found = CLASS_LINK.search(text_of(message))
    assert found, text_of(message)
    path = found.group(1)
    page = await get(client, path)
    assert T["ru"]("class-mail-confirm-notice", email=ADDRESS) in page
    assert (await the_class(harness)).email_confirmed_at is None  # a GET confirms nothing
    response = await client.post(
        f"{path}/confirm-email",
        data={"csrf_token": await csrf(client, path, "ru")},
        headers=HEADERS["ru"],
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"{path}?done=email-confirmed"
    assert (await the_class(harness)).email_confirmed_at is not None
    page = await get(client, response.headers["Location"])
    assert "Адрес подтверждён: напоминания и ссылка на подключение для класса 8" in page
    assert T["ru"]("class-mail-confirm-notice", email=ADDRESS) not in page
    return path


async def confirmed_web_class(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> str:
    await register_class(client)
    await box.run_once()
    [confirmation] = letters(smtp)
    return await confirm_by_letter(client, confirmation, harness)


# --- a class registered on the web --------------------------------------------------------------


async def test_a_web_class_confirms_its_address_then_gets_every_letter_once(
    harness: BotHarness,
    client: Client,
    box: MailOutbox,
    reminders: ReminderService,
    smtp: SmtpTestServer,
) -> None:
    token = await register_class(client)
    # The page the teacher lands on says where the confirmation went.
    page = await get(client, f"/class/{token}")
    assert T["ru"]("class-mail-confirm-notice-sent", email=ADDRESS) in page
    await box.run_once()
    await box.run_once()
    [confirmation] = letters(smtp)
    assert confirmation["Subject"] == subject("ru", "class-mail-confirm-subject")
    assert "8 «Б»" in text_of(confirmation)
    assert confirmation["List-Unsubscribe"] is None

    # Until confirmed, nothing else goes to the address: the day-before reminder is skipped.
    await at(harness, reminders, box, DAY)
    assert len(letters(smtp)) == 1

    # The page opened from the letter (a forged signature is a 404) confirms with its button.
    forged = CLASS_LINK.search(text_of(confirmation))
    assert forged is not None
    await get(client, forged.group(1)[:-3] + "AAA", status=404)
    await confirm_by_letter(client, confirmation, harness)

    await at(harness, reminders, box, HOUR, TEN, START)
    hour, ten, start = letters(smtp)[1:]
    assert "через 1 час" in hour["Subject"]
    assert "Класс: 8 «Б»" in text_of(hour) and LINK not in text_of(hour)
    assert hour["List-Unsubscribe"] is not None  # a reminder without the link may be muted
    assert LINK in text_of(ten) and "123 456 789" in text_of(ten)
    assert ten["List-Unsubscribe"] is None
    assert start["Subject"] == subject("ru", "mail-start-subject")
    body = text_of(start)
    assert LINK in body and "«✅ Мы здесь»" in body and "страницу класса" in body
    checkin_page = CLASS_LINK.search(body)
    assert checkin_page is not None and checkin_page.group(1).startswith("/class/")

    # A changed link is corrected once, by e-mail too.
    await set_link(harness, NEW_LINK)
    await at(harness, reminders, box, START + timedelta(minutes=5))
    [correction] = letters(smtp)[4:]
    assert correction["Subject"] == subject("ru", "mail-link-changed-subject")
    assert NEW_LINK in text_of(correction)

    # The certificates: a letter with the class page, where the ZIP and the letter of thanks are.
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await box.run_once()
    [certificates] = letters(smtp)[5:]
    assert certificates["Subject"] == subject("ru", "class-mail-certificates-subject")
    found = CLASS_LINK.search(text_of(certificates))
    assert found is not None
    zip_page = await get(client, found.group(1))
    assert "certificates.zip" in zip_page

    # Everything again: nothing doubles.
    await harness.certificates.reconcile()
    await at(harness, reminders, box, AFTER + timedelta(minutes=1))
    assert len(letters(smtp)) == 6
    kinds = [kind.split("-")[0] for kind, status in await class_rows(harness) if status == "sent"]
    assert kinds == ["confirm", "before", "before", "start", "link", "certificate"]


async def test_a_refused_address_stops_the_class_letters(
    harness: BotHarness,
    client: Client,
    box: MailOutbox,
    reminders: ReminderService,
    smtp: SmtpTestServer,
) -> None:
    await confirmed_web_class(harness, client, box, smtp)
    smtp.refuse(ADDRESS)
    await at(harness, reminders, box, DAY)
    school_class = await the_class(harness)
    assert school_class.email_bounced_at is not None and school_class.email_error
    await at(harness, reminders, box, HOUR, TEN, START)
    assert len(letters(smtp)) == 1  # the confirmation only
    assert ("before-86400", "unreachable") in await class_rows(harness)


async def test_unsubscribing_mutes_the_reminders_but_not_the_link(
    harness: BotHarness,
    client: Client,
    box: MailOutbox,
    reminders: ReminderService,
    smtp: SmtpTestServer,
) -> None:
    await confirmed_web_class(harness, client, box, smtp)
    await at(harness, reminders, box, DAY)
    day = letters(smtp)[-1]
    found = UNSUBSCRIBE.search(text_of(day))
    assert found is not None and found.group(0) in str(day["List-Unsubscribe"])
    # RFC 8058: a POST with no cookie and no CSRF token, authorised by the address alone.
    response = await client.post(found.group(1), data={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert (await the_class(harness)).email_muted
    # A registration's unsubscribe address cannot mute a class, nor the other way round.
    await get(client, found.group(1).replace("/class/", "/"), status=404)

    await at(harness, reminders, box, HOUR)
    assert len(letters(smtp)) == 2  # the hour-before reminder is muted
    await at(harness, reminders, box, TEN, START)
    ten, start = letters(smtp)[2:]
    assert LINK in text_of(ten) and LINK in text_of(start)


# --- a class reached in Telegram and by e-mail ----------------------------------------------


async def test_a_bot_class_gets_the_teachers_chat_and_the_address_both(
    harness: BotHarness, box: MailOutbox, reminders: ReminderService, smtp: SmtpTestServer
) -> None:
    teacher = harness.user(50)
    school_class = await register_bot_class(harness, teacher)
    address = school_class.email
    assert address is not None
    await box.run_once()
    [confirmation] = letters(smtp, address)
    assert CLASS_LINK.search(text_of(confirmation))  # a bot class gets its class page too
    async with harness.session_factory() as session:
        await session.execute(update(SchoolClass).values(email_confirmed_at=harness.clock.now()))
        await session.commit()

    await at(harness, reminders, box, DAY, HOUR, TEN, START)
    assert len(class_messages(harness, teacher.id)) == 4
    got = letters(smtp, address)[1:]
    assert len(got) == 4
    assert all("Класс: 8 «Б»" in text_of(m) for m in got)
    assert LINK in text_of(got[-1])


async def test_without_an_address_or_before_confirming_nothing_but_the_confirmation_goes(
    harness: BotHarness, box: MailOutbox, reminders: ReminderService, smtp: SmtpTestServer
) -> None:
    teacher = harness.user(50)
    school_class = await register_bot_class(harness, teacher)
    await at(harness, reminders, box, DAY, HOUR, TEN, START)
    assert len(class_messages(harness, teacher.id)) == 4
    assert [m["Subject"] for m in letters(smtp, school_class.email or "")] == [
        subject("ru", "class-mail-confirm-subject")
    ]


async def test_the_classes_card_says_where_the_messages_go(
    harness: BotHarness, box: MailOutbox
) -> None:
    teacher = harness.user(50)
    await register_bot_class(harness, teacher)
    await teacher.send("/classes")
    assert "Группа не привязана: напоминания и ссылка на подключение приходят вам в этот чат." in (
        teacher.last()
    )


async def test_a_broadcast_to_teachers_reaches_a_web_class_by_e_mail(
    harness: BotHarness, client: Client, box: MailOutbox, smtp: SmtpTestServer
) -> None:
    await confirmed_web_class(harness, client, box, smtp)
    async with harness.session_factory() as session:
        event_id = (await the_class(harness)).event_id
        by_mail = await reach(session, event_id, Audience.CLASS_TEACHERS, email_on=True)
        by_chat = await reach(session, event_id, Audience.CLASS_TEACHERS, email_on=False)
    assert (by_mail.total, by_mail.reached, by_mail.email) == (1, 1, 1)
    assert (by_chat.reached, by_chat.missed) == (0, {"site-class": 1})


async def test_certificates_counts_the_classes_that_may_get_one(
    harness: BotHarness, client: Client
) -> None:
    await register_class(client)
    organizer = harness.user(ORGANIZER_ID)
    await organizer.send("/certificates")
    assert "Могут получить сертификат: 1" in organizer.last()
