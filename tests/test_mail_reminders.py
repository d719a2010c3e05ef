"""Reminder waves by e-mail beside Telegram, through the real ReminderService, the real
database, a recording Telegram session and a real SMTP server (aiosmtpd on 127.0.0.1): each
(registration, message, channel) once, the person's language, the countdown in the subject, the
link where the bot puts it, List-Unsubscribe only where a letter may be muted, where the person
wants messages (and never nobody), a refused address, a deferral, the server away and back, a
changed link, and the claims of a gone replica."""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import insert, select

from bot.app import assemble
from bot.factory import create_bot
from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.events.catalog import EventCatalog
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import CONFIRM, MailSender
from bot.services.registration import mail_links
from bot.services.registration.access import digest, new_secret
from bot.services.registration.registrations import sync_events
from bot.services.reminders.mail import PLANNING_MARGIN, MailChannel
from bot.services.reminders.planner import current_slot, slots_for, wave_lead
from bot.services.reminders.runner import ReminderService
from bot.settings import Settings
from db.models import (
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationStatus,
    User,
)
from handlers.attendance import checkin_keyboard
from tests.harness import BotHarness, RecordingSession, catalog_of, make_event, strip_tags
from tests.smtp_server import SmtpTestServer, running_smtp

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
LINK = "https://voov.example/j/123"
NEW_LINK = "https://voov.example/j/999"
MEETING = {"link": LINK, "id": "123 456 789", "passcode": "9may"}
SECRET = b"a-lasting-secret-of-the-tests"
REPO = Path(__file__).resolve().parent.parent
WEB = "https://conf.example.org"
SENDER = parse_sender("Наша общая Победа <noreply@example.org>")
DAY, TEN, AT_START = START - timedelta(days=1), START - timedelta(minutes=10), START
SIGNED = r"([0-9]+\.[A-Za-z0-9_-]{24})"
UNSUBSCRIBE_URL = re.compile(rf"{re.escape(WEB)}/unsubscribe/{SIGNED}")
PAGE_URL = re.compile(rf"{re.escape(WEB)}/me/{SIGNED}")


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START, meeting=MEETING)]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


Make = Callable[..., ReminderService]


@pytest.fixture
async def service(harness: BotHarness, smtp: SmtpTestServer) -> AsyncIterator[Make]:
    """ReminderServices with e-mail on, on the harness's bot and database and `smtp`."""
    made: list[ReminderService] = []
    senders: list[MailSender] = []

    def make(
        catalog: EventCatalog | None = None, replica: Replica | None = None, rate: float = 10_000
    ) -> ReminderService:
        server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
        mail = MailSender(SmtpTransport(server, SENDER.address), MailPacer(rate), SENDER)
        reminders = ReminderService(
            bot=harness.bot,
            session_factory=harness.session_factory,
            catalog=catalog or harness.catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            sender=harness.sender,
            replica=replica,
            mail=mail,
            links=MailLinks(WEB, SECRET),
        )
        reminders.start_markup = checkin_keyboard
        made.append(reminders)
        senders.append(mail)
        return reminders

    yield make
    for reminders in made:
        await reminders.stop()
    for mail in senders:
        await mail.close()


async def person(
    harness: BotHarness,
    n: int,
    *,
    lang: str = "ru",
    chat: bool = True,
    confirmed: bool = True,
    bounced: bool = False,
    via: DeliverVia = DeliverVia.BOTH,
    email_muted: bool = False,
    blocked: bool = False,
) -> int:
    """A registration for the event, as the web page or the bot leaves it: `chat` a Telegram
    chat (id n), an address p<n>@example.org, confirmed or not. Returns its id."""
    now = harness.clock.now()
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        if chat:
            await session.execute(
                insert(User).values(
                    id=n, language=lang, is_reachable=not blocked, created_at=now, updated_at=now
                )
            )
        registration = Registration(
            user_id=n if chat else None,
            event_id=event_id,
            status=RegistrationStatus.ACTIVE,
            language=lang,
            full_name="李伟" if lang == "zh" else "Иван Петров",
            role="teacher",
            participation_format="online",
            wants_to_speak=False,
            email=f"p{n}@example.org",
            email_key=f"p{n}@example.org",
            email_confirmed_at=now if confirmed else None,
            email_bounced_at=now if bounced else None,
            email_muted=email_muted,
            deliver_via=via,
            access_token_hash=digest(new_secret()),
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        session.add(registration)
        await session.commit()
        return registration.id


async def at(reminders: ReminderService, harness: BotHarness, moment: datetime) -> None:
    harness.clock.set(moment)
    await reminders.run_due()


def telegram(harness: BotHarness) -> Counter[int]:
    """Reminder messages per chat."""
    return Counter(
        int(s.method.chat_id)
        for s in harness.session.sent
        if isinstance(s.method, SendMessage) and not isinstance(s.result, Exception)
    )


def mailed(smtp: SmtpTestServer) -> Counter[str]:
    return Counter(r.rcpt_tos[0] for r in smtp.received)


def letters_to(smtp: SmtpTestServer, n: int) -> list[EmailMessage]:
    return [r.message for r in smtp.received if r.rcpt_tos == [f"p{n}@example.org"]]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def email_rows(harness: BotHarness) -> list[Delivery]:
    async with harness.session_factory() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.channel == DeliveryChannel.EMAIL).order_by(Delivery.id)
        )
        return list(found.all())


async def registration(harness: BotHarness, registration_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


# --- once on each channel, in the person's language ------------------------------------------


async def test_a_wave_goes_once_by_telegram_and_once_by_email(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    await person(harness, 1, lang="ru")
    await person(harness, 2, lang="zh")
    reminders = service()
    await at(reminders, harness, DAY)
    await at(reminders, harness, DAY + timedelta(minutes=5))  # the ledger knows: nothing more
    await service().run_due()  # nor does another replica send anything
    assert telegram(harness) == {1: 1, 2: 1}
    assert mailed(smtp) == {"p1@example.org": 1, "p2@example.org": 1}
    [ru] = letters_to(smtp, 1)
    [zh] = letters_to(smtp, 2)
    assert ru["Subject"] == "Конференция «victory-2025» — начало через 1 день"
    assert zh["Subject"] == "“victory-2025”会议将于1天后开始"
    assert (ru["Content-Language"], zh["Content-Language"]) == ("ru", "zh-Hans")
    assert "Иван Петров" in text_of(ru) and "10:00 МСК" in text_of(ru)
    assert "李伟，您好" in text_of(zh) and "北京时间" in text_of(zh)
    assert LINK not in text_of(ru) and "пришлём письмом" in text_of(ru)
    rows = await email_rows(harness)
    assert [(r.kind, r.status) for r in rows] == [("before-86400", DeliveryStatus.SENT)] * 2


async def test_only_the_letters_without_the_link_can_be_muted(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    rid = await person(harness, 1)
    reminders = service()
    await at(reminders, harness, DAY)
    await at(reminders, harness, TEN)
    await at(reminders, harness, AT_START)
    day, ten, start = letters_to(smtp, 1)
    token_digest = (await registration(harness, rid)).access_token_hash

    # The day before: List-Unsubscribe (RFC 8058) and the same address in the footer.
    # (The header is folded on the wire: a space is left where the fold was.)
    address = str(day["List-Unsubscribe"]).strip().strip("<>")
    assert day["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = UNSUBSCRIBE_URL.fullmatch(address)
    assert found is not None
    assert mail_links.verify(SECRET, mail_links.UNSUBSCRIBE, found[1], token_digest)
    assert address in text_of(day)

    # The last reminder and the start carry the link, the meeting ID and passcode: no header.
    assert ten["Subject"] == "Конференция «victory-2025» — начало через 10 минут"
    for letter in (ten, start):
        body = text_of(letter)
        assert letter["List-Unsubscribe"] is None and "/unsubscribe/" not in body
        assert LINK in body and "123 456 789" in body and "9may" in body

    # The start: its own subject, and the check-in is the personal page's button.
    assert start["Subject"] == "Начинаем — Конференция «victory-2025»"
    body = text_of(start)
    assert "Отметьтесь" in body and "«✅ Я здесь»" in body
    page = PAGE_URL.search(body)
    assert page is not None and mail_links.verify(SECRET, mail_links.PAGE, page[1], token_digest)
    assert body.count(page[0]) == 1  # given once, with the check-in
    rows = await email_rows(harness)
    assert [r.link for r in rows] == [None, LINK, LINK]


async def test_a_muted_address_gets_only_the_letters_with_the_link(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    await person(harness, 1, email_muted=True)
    reminders = service()
    for moment in (DAY, START - timedelta(hours=1), TEN, AT_START):
        await at(reminders, harness, moment)
    assert [m["Subject"].split(" — ")[-1] for m in letters_to(smtp, 1)] == [
        "начало через 10 минут",
        "Конференция «victory-2025»",
    ]
    assert telegram(harness) == {1: 4}  # muting e-mail mutes nothing in Telegram


# --- where messages go ----------------------------------------------------------------------


async def test_the_person_chooses_the_channel_and_is_never_left_without_one(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    await person(harness, 1, via=DeliverVia.EMAIL)
    await person(harness, 2, via=DeliverVia.TELEGRAM)
    await person(harness, 3, via=DeliverVia.EMAIL, confirmed=False)  # the address unusable...
    await person(harness, 4, via=DeliverVia.EMAIL, bounced=True)  # ...so Telegram it is
    await person(harness, 5, via=DeliverVia.TELEGRAM, blocked=True)  # Telegram unusable
    await person(harness, 6, chat=False)  # registered on the web
    await person(harness, 7, chat=False, confirmed=False)  # the address never confirmed
    await at(service(), harness, DAY)
    assert telegram(harness) == {2: 1, 3: 1, 4: 1}
    assert mailed(smtp) == {f"p{n}@example.org": 1 for n in (1, 5, 6)}


async def test_without_email_the_choice_of_email_still_gets_telegram(
    harness: BotHarness,
) -> None:
    await person(harness, 1, via=DeliverVia.EMAIL)
    harness.clock.set(DAY)
    await harness.reminders.run_due()  # the harness's service: e-mail off
    assert telegram(harness) == {1: 1}


# --- refusals, deferrals, the server away ----------------------------------------------------


async def test_a_refused_address_is_marked_and_telegram_goes_on(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    both = await person(harness, 1)
    email_only = await person(harness, 2, via=DeliverVia.EMAIL)
    third = await person(harness, 3)
    smtp.refuse("p1@example.org")
    smtp.refuse("p2@example.org")
    reminders = service()
    await at(reminders, harness, DAY)
    assert mailed(smtp) == {"p3@example.org": 1}
    for rid in (both, email_only):
        row = await registration(harness, rid)
        assert row.email_bounced_at == DAY and "User unknown" in (row.email_error or "")
        assert "p1@" not in (row.email_error or "") and "p2@" not in (row.email_error or "")
    statuses = {(r.registration_id, r.status) for r in await email_rows(harness)}
    assert statuses == {
        (both, DeliveryStatus.UNREACHABLE),
        (email_only, DeliveryStatus.UNREACHABLE),
        (third, DeliveryStatus.SENT),
    }
    assert telegram(harness)[1] == 1
    # The one who chose e-mail alone is not left without the reminder: Telegram, at the next look.
    await at(reminders, harness, DAY + timedelta(seconds=30))
    assert telegram(harness) == {1: 1, 2: 1, 3: 1}
    # And the bounced addresses are written to no more.
    await at(reminders, harness, TEN)
    assert mailed(smtp) == {"p3@example.org": 2}


async def test_a_deferred_letter_is_retried_at_the_next_look(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    for n in (1, 2, 3):
        await person(harness, n)
    smtp.defer_next(1)  # the first RCPT: 451
    reminders = service()
    await at(reminders, harness, DAY)
    assert sum(mailed(smtp).values()) == 2
    rows = await email_rows(harness)
    assert [r.status for r in rows] == [DeliveryStatus.SENT] * 2  # the deferred one: no row
    await at(reminders, harness, DAY + timedelta(seconds=30))
    assert mailed(smtp) == {f"p{n}@example.org": 1 for n in (1, 2, 3)}
    assert telegram(harness) == {1: 1, 2: 1, 3: 1}


async def test_a_deferred_letter_superseded_by_a_newer_one_is_not_sent_late(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    await person(harness, 1)
    smtp.defer_next(1)
    reminders = service()
    await at(reminders, harness, START - timedelta(hours=1))
    assert mailed(smtp) == {}
    await at(reminders, harness, TEN)  # the 1 hour letter is no longer the one due
    [letter] = letters_to(smtp, 1)
    assert letter["Subject"].endswith("через 10 минут") and LINK in text_of(letter)


async def test_the_server_away_mid_wave_loses_nothing_and_doubles_nothing(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    people = range(1, 41)
    for n in people:
        await person(harness, n)
    reminders = service(rate=400)

    async def away_after_ten() -> None:
        while len(smtp.received) < 10:  # noqa: ASYNC110 (the server's thread appends)
            await asyncio.sleep(0.001)
        smtp.stop()

    away = asyncio.create_task(away_after_ten())
    await at(reminders, harness, DAY)
    await away
    assert 10 <= len(smtp.received) < len(people)
    rows = await email_rows(harness)
    assert all(r.status == DeliveryStatus.SENT for r in rows)  # the rest were given back
    assert len(rows) <= len(smtp.received)
    await at(reminders, harness, DAY + timedelta(seconds=30))  # still away: nothing lost
    smtp.start()  # back, on the same port
    await at(reminders, harness, DAY + timedelta(seconds=60))
    assert set(mailed(smtp)) == {f"p{n}@example.org" for n in people}
    # A letter in flight when the server went may have arrived and be sent again: the same
    # Message-ID, so the receiving server can drop the copy; at most that one.
    ids = Counter((r.rcpt_tos[0], r.message["Message-ID"]) for r in smtp.received)
    assert len(ids) == len(people) and sum(ids.values()) - len(people) <= 1
    assert telegram(harness) == dict.fromkeys(people, 1)
    assert len(await email_rows(harness)) == len(people)


# --- corrections, replicas, planning ---------------------------------------------------------


async def test_a_changed_link_is_corrected_by_email(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    await person(harness, 1, via=DeliverVia.EMAIL, lang="zh")
    await person(harness, 2)
    await at(service(), harness, TEN)  # both have the old link, one by e-mail alone
    catalog = catalog_of(make_event(starts_at=START, meeting={**MEETING, "link": NEW_LINK}))
    async with harness.session_factory() as session:
        await sync_events(session, catalog, harness.clock)
    restarted = service(catalog)
    harness.clock.set(TEN + timedelta(minutes=2))
    await restarted.run_due()
    await restarted.run_due()  # once
    [_, fix] = letters_to(smtp, 1)
    assert fix["Subject"] == "入会链接已更新：“victory-2025”会议"
    assert NEW_LINK in text_of(fix) and fix["List-Unsubscribe"] is None
    [_, fix2] = letters_to(smtp, 2)
    assert fix2["Subject"] == "Новая ссылка на подключение — Конференция «victory-2025»"
    assert telegram(harness) == {2: 2}  # Telegram: the reminder and its correction
    [*_, fix_in_chat] = [
        s.method.text
        for s in harness.session.sent
        if isinstance(s.method, SendMessage) and s.method.chat_id == 2
    ]
    assert NEW_LINK in strip_tags(fix_in_chat)
    await at(restarted, harness, AT_START)
    [*_, start] = letters_to(smtp, 1)
    assert NEW_LINK in text_of(start) and LINK not in text_of(start)


async def test_an_email_claimed_by_a_gone_replica_is_sent_once_by_another(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    first, second = await person(harness, 1), await person(harness, 2)
    wall = [datetime.now(UTC)]
    killed = Replica(harness.session_factory, timeout=30, now=lambda: wall[0])
    await killed.beat()
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        session.add(
            Delivery(
                registration_id=first,
                event_id=event_id,
                kind="before-86400",
                channel=DeliveryChannel.EMAIL,
                status=DeliveryStatus.CLAIMED,
                created_at=DAY,
                claimed_by=killed.id,
            )
        )
        await session.commit()
    survivor = service(replica=Replica(harness.session_factory, timeout=30, now=lambda: wall[0]))
    await at(survivor, harness, DAY)  # the killed replica beat a moment ago: its claim waits
    assert mailed(smtp) == {"p2@example.org": 1}
    wall[0] += timedelta(seconds=31)  # no beat for longer than the timeout: gone
    await at(survivor, harness, DAY + timedelta(seconds=30))
    await at(survivor, harness, DAY + timedelta(seconds=60))
    assert mailed(smtp) == {"p1@example.org": 1, "p2@example.org": 1}
    assert telegram(harness) == {1: 1, 2: 1}
    assert {r.registration_id for r in await email_rows(harness)} == {first, second}


async def test_stopping_leaves_the_outbox_claims_alone(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    """A letter the outbox claimed under the same replica is the outbox's to give back: the
    reminders' stop and take-over touch only their own kinds."""
    rid = await person(harness, 1, confirmed=False)
    replica = Replica(harness.session_factory)
    await replica.beat()
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        session.add(
            Delivery(
                registration_id=rid,
                event_id=event_id,
                kind=CONFIRM,
                channel=DeliveryChannel.EMAIL,
                status=DeliveryStatus.CLAIMED,
                created_at=DAY,
                claimed_by=replica.id,
            )
        )
        await session.commit()
    reminders = service(replica=replica)
    await at(reminders, harness, DAY)
    await reminders.stop()
    [row] = await email_rows(harness)
    assert (row.kind, row.status, row.claimed_by) == (CONFIRM, DeliveryStatus.CLAIMED, replica.id)


async def test_the_wave_begins_as_early_as_the_slower_channel_needs(
    harness: BotHarness, smtp: SmtpTestServer, service: Make
) -> None:
    for n in range(1, 31):
        await person(harness, n, via=DeliverVia.EMAIL if n > 10 else DeliverVia.BOTH)
    reminders = service(rate=1)  # 30 letters at 1 a second; 10 Telegram messages at 10,000
    planned: list[datetime] = []
    reminders.on_next_wave = planned.append
    await at(reminders, harness, DAY - timedelta(minutes=10))
    assert planned == [DAY - wave_lead(math.ceil(30 * PLANNING_MARGIN), 1)]
    # The planner's rule, on its own: the earlier of the two starts.
    event = harness.catalog.get("victory-2025")
    assert event is not None
    day = slots_for(event)[0]
    telegram_only = ({day.kind: 10}, 10_000.0)
    email = ({day.kind: 30}, 1.0)
    moment = DAY - timedelta(seconds=20)
    assert current_slot(event, moment, *telegram_only) is None
    assert current_slot(event, moment, *telegram_only, email) == day


async def test_the_running_bot_reminds_by_email_over_the_outboxs_connection(
    tmp_path: Path, smtp: SmtpTestServer
) -> None:
    """As `python -m bot run` assembles it with SMTP_URL: the reminders have the e-mail channel,
    on the very MailSender of the outbox (one connection, one pace, one daily count)."""
    settings = Settings(
        bot_token="4242:TEST-token",  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        events_file=REPO / "events.toml",
        smtp_url=f"smtp://{smtp.host}:{smtp.port}",  # type: ignore[arg-type]
        mail_from="Наша общая Победа <noreply@example.org>",
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = create_bot(settings, session=RecordingSession())
    async with assemble(settings, bot=bot) as runtime:
        telegram_channel, email = runtime.services.reminders.channels
        assert telegram_channel.name == DeliveryChannel.TELEGRAM
        assert isinstance(email, MailChannel) and runtime.mail is not None
        assert email.sender is runtime.mail.sender
