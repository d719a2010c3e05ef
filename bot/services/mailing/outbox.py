"""The letters a person's action asks for, sent through the delivery ledger exactly once: the
confirmation of an address (double opt-in), "you are registered" with the calendar file, the
personal link to an address registered again or asking for it ("I lost my link"); and the
participant's certificate with its PDF, queued where the certificate is issued
(bot/services/certificates/issue.py); and an organizer's broadcast, queued where the broadcast
is stored (bot/services/delivery/broadcasts.py), its photo or document downloaded through the
Bot API when the letter is built (an outbox without the bot leaves those to one that has it);
and a class's letters (rows with `class_id`: bot/services/mailing/class_mail.py), whose
confirmations it queues itself; and the letter of an organizer's change from the /find card
(a registration cancelled or restored, its venue changed: kinds `cancelled-<n>`, `restored-<n>`,
`venue-<n>`, queued with the change by bot/services/organizers/notices.py: organizer_letter.py).

`queue()` writes a `queued` e-mail row of the ledger in the caller's transaction (with the
registration it concerns, so neither exists without the other). Any replica's outbox claims
queued rows, builds each letter at sending time (in the person's language, with the event as
it is then), sends it at the e-mail pace and records the outcome:
- sent;
- refused for good for this address (5xx about the address): the row says so and the
  registration's address is marked undeliverable (`email_bounced_at`), not written to again;
- deferred (4xx for this message): queued again after a growing pause, the tries counted, and
  given up (failed) after about a day;
- the server away (no connection, our login refused...): the row goes back as it was and the
  whole outbox pauses, longer each time up to five minutes, so an hour's outage costs no tries
  and loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, String, and_, cast, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.certificates.feedback import feedback_of
from bot.services.delivery.broadcasts import BROADCAST_KIND, broadcast_by_email, broadcast_of_kind
from bot.services.delivery.limiter import Priority
from bot.services.delivery.mail.config import Sender
from bot.services.delivery.mail.message import InvalidAddress, build_message
from bot.services.delivery.mail.pacer import DailyLimitReached, MailPacer
from bot.services.delivery.mail.transport import Outcome, SendResult, SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.events.catalog import Event, EventCatalog
from bot.services.mailing.broadcast_letter import attachment_of, broadcast_letter
from bot.services.mailing.certificate_letter import (
    CERTIFICATE,
    CertificateFile,
    certificate_letter,
    certificate_of_kind,
)
from bot.services.mailing.letters import (
    Addressee,
    Letter,
    again_letter,
    confirm_letter,
    lost_letter,
    registered_letter,
)
from bot.services.mailing.links import MailLinks
from bot.services.mailing.organizer_letter import PREFIXES as ORGANIZER_PREFIXES
from bot.services.mailing.organizer_letter import is_organizer_kind, organizer_letter_for
from bot.services.mailing.seat_letter import seat_letter_for
from bot.services.registration.registrations import purge_pending
from bot.services.reminders.moved import MOVED_PREFIX, is_moved_kind, moved_letter_for
from bot.services.venues.seats import SEAT_KIND, is_seat_kind
from db.claims import affected, insert_new
from db.models import (
    Broadcast,
    Certificate,
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationStatus,
    SchoolClass,
    User,
)

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.services.certificates.issue import Render

log = logging.getLogger(__name__)

CONFIRM = "confirm"
# A later confirmation of the same registration (its address changed): `confirm-<n>`, since the
# ledger keeps one row per kind.
CONFIRM_AGAIN = "confirm-"
REGISTERED = "registered"
AGAIN = "again-"
LOST = "lost-"
# One "registered again" or "lost link" letter per address and ten minutes, however often the
# form is posted: anyone can type an address, and the letters must not become a way to flood it.
ASKED_WINDOW = timedelta(minutes=10)
# Deferred letters: the first tries soon, then at most an hour apart, given up after a day.
RETRY_PAUSES = (20, 60, 120, 300, 600, 1200, 1800, 3600)
GIVE_UP_AFTER = timedelta(days=1)
# The whole outbox when the server is away: 5 s, doubling, at most 5 minutes.
SERVER_PAUSE_FIRST = 5.0
SERVER_PAUSE_MAX = 300.0
CLAIM_SIZE = 20
PURGE_EVERY = 3600.0  # pending registrations past PENDING_DAYS are removed this often
POLL_SECONDS = 15.0  # queued rows of other replicas and deferred retries are found this often
# Where a failure is the server's or our configuration's, not this letter's
# (bot/services/delivery/mail/transport.py names the stages).
SERVER_STAGES = ("connect", "tls", "auth", "mail")
# A broadcast's file is downloaded once per outbox and kept for its letters: the last few.
FILES_KEPT = 4


class NotYet(Exception):
    """The letter cannot be built right now (Telegram did not give the broadcast's file): it
    goes back to the queue for a later try."""


def asked_kind(prefix: str, now: datetime) -> str:
    """`again-<n>` / `lost-<n>`: the ten-minute window the letter belongs to."""
    return f"{prefix}{int(now.timestamp() // ASKED_WINDOW.total_seconds())}"


def is_confirm(kind: str) -> bool:
    return kind == CONFIRM or kind.startswith(CONFIRM_AGAIN)


def retry_pause(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1])


async def queue(
    session: AsyncSession, *, registration_id: int, event_id: int, kind: str, now: datetime
) -> bool:
    """Queue a letter in the caller's transaction; False when this one is queued or sent
    already (the same kind for the same registration)."""
    return bool(await queue_many(session, [(registration_id, event_id, kind)], now=now))


async def queue_many(
    session: AsyncSession, letters: Sequence[tuple[int, int, str]], *, now: datetime
) -> int:
    """`queue` for many letters (registration id, event id, kind) in one statement: the web
    form's batch. How many were new."""
    inserted = await insert_new(
        session,
        Delivery.__table__,  # type: ignore[arg-type]
        [
            {
                "registration_id": registration_id,
                "event_id": event_id,
                "kind": kind,
                "channel": DeliveryChannel.EMAIL,
                "status": DeliveryStatus.QUEUED,
                "created_at": now,
                "attempts": 0,
            }
            for registration_id, event_id, kind in letters
        ],
        conflict=["registration_id", "kind", "channel"],
        returning="id",
    )
    return len(inserted)


@dataclass(frozen=True)
class Outgoing:
    """A letter built for a claimed row: where it goes, and whose address it is."""

    letter: Letter
    address: str
    name: str
    language: str
    unsubscribe: str | None
    registration_id: int | None = None
    class_id: int | None = None
    # The meeting link the letter carries (a class's reminders and corrections record it).
    link: str | None = None


@dataclass
class MailSender:
    """The SMTP side of e-mail: pace, build and send one letter."""

    transport: SmtpTransport
    pacer: MailPacer
    sender: Sender

    async def send(
        self,
        letter: Letter,
        *,
        address: str,
        name: str,
        language: str,
        now: datetime,
        key: str,
        unsubscribe_url: str | None,
        priority: float = Priority.REPLY,
    ) -> SendResult:
        """DailyLimitReached propagates (the caller keeps the message for later)."""
        try:
            message = build_message(
                sender=self.sender,
                to_address=address,
                to_name=name,
                language=language,
                subject=letter.subject,
                text=letter.body.text,
                html_body=letter.body.html,
                now=now,
                attachments=letter.attachments,
                unsubscribe_url=unsubscribe_url if letter.mutable else None,
                message_key=key,
            )
        except InvalidAddress as exc:
            return SendResult(Outcome.PERMANENT, "address", detail=str(exc))
        await self.pacer.acquire(address, int(priority))
        return await self.transport.send(message)

    async def close(self) -> None:
        await self.transport.close()


class MailOutbox:
    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        i18n: I18n,
        sender: MailSender,
        links: MailLinks,
        replica: Replica,
        pending_days: int,
        render_certificate: Render | None = None,
        public_url: str | None = None,
        bot: Bot | None = None,
    ) -> None:
        """`render_certificate`: the bot's certificate renderer (the same document as in
        Telegram), without which certificate letters cannot be built; `public_url`: PUBLIC_URL,
        for the certificate's public check address (none without it); `bot`: downloads a
        broadcast's photo or document (without it those letters wait for an outbox with one)."""
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.links = links
        self.replica = replica
        self.pending_days = pending_days
        self.render_certificate = render_certificate
        self.public_url = public_url
        self.bot = bot
        # Broadcast file id -> its bytes, downloaded once for all its letters (the last few).
        self._files: dict[str, bytes] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._server_pause = 0.0

    # --- the loop --------------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued (by this process): look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Let the letter in flight finish and be recorded; give back the rest of this
        replica's claims; close the connection."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._give_back(mine_only=True)
        await self.sender.close()

    async def _loop(self) -> None:
        last_beat = last_purge = -math.inf
        while not self._stopping:
            try:
                if time.monotonic() - last_purge >= PURGE_EVERY:
                    last_purge = time.monotonic()
                    await self.purge_pending()
                # The outbox may run without the bot's scheduler (the pages alone, or Telegram
                # out of reach): it says "alive" itself, so its claims are not taken for a
                # gone replica's.
                if time.monotonic() - last_beat >= self.replica.beat_every:
                    await self.replica.beat()
                    last_beat = time.monotonic()
                busy = await self.run_once()
            except Exception:
                log.exception("the mail outbox failed; it looks again shortly")
                busy = False
            if self._stopping:
                return
            if self._server_pause:
                await self._nap(self._server_pause)
            elif not busy:
                await self._nap(POLL_SECONDS)

    async def purge_pending(self) -> int:
        """Remove the registrations left pending (unconfirmed) for PENDING_DAYS; any replica
        may, as often as it likes."""
        async with self.session_factory() as session:
            removed = await purge_pending(
                session, now=self.clock.now(), days=self.pending_days, catalog=self.catalog
            )
            await session.commit()
        if removed:
            log.info("removed %s registrations unconfirmed for %s days", removed, self.pending_days)
        return removed

    async def _nap(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def run_once(self) -> bool:
        """Claim and send one batch; True when there may be more right away."""
        await self.replica.join()
        await self._give_back(mine_only=False)
        await self._queue_class_confirmations()
        claimed = await self._claim()
        for row_id in claimed:
            if self._stopping or self._server_pause or not await self._send_row(row_id):
                await self._give_back(mine_only=True)  # the rest, untouched, for later
                return False
        return len(claimed) == CLAIM_SIZE and not self._server_pause

    async def _queue_class_confirmations(self) -> None:
        """Classes whose address waits for its confirmation letter (made in the bot or on the
        web, or before e-mail was on): a query over a few hundred classes, cheap at each look."""
        from bot.services.mailing.class_mail import queue_confirmations

        async with self.session_factory() as session:
            queued = await queue_confirmations(session, now=self.clock.now())
            await session.commit()
        if queued:
            log.info("queued %s class address confirmations", queued)

    # --- claims ----------------------------------------------------------------------

    async def _claim(self) -> list[int]:
        now = self.clock.now()
        async with self.session_factory() as session:
            due = (
                select(Delivery.id)
                .where(
                    Delivery.channel == DeliveryChannel.EMAIL,
                    Delivery.status == DeliveryStatus.QUEUED,
                    or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
                    # Certificates only where they can be drawn: an outbox without the
                    # renderer leaves them to one that has it.
                    # (A class's certificate letter is a link to its page: no drawing.)
                    *(
                        []
                        if self.render_certificate
                        else [
                            ~and_(
                                Delivery.kind.startswith(CERTIFICATE), Delivery.class_id.is_(None)
                            )
                        ]
                    ),
                    # Broadcasts with a file only where the bot can download it.
                    *([] if self.bot else [~_broadcast_with_file()]),
                )
                .order_by(Delivery.id)
                .limit(CLAIM_SIZE)
            )
            ids = list((await session.scalars(due)).all())
            if not ids:
                return []
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.QUEUED)
                .values(status=DeliveryStatus.CLAIMED, claimed_by=self.replica.id)
            )
            await session.commit()
            mine = await session.scalars(
                select(Delivery.id).where(
                    Delivery.id.in_(ids),
                    Delivery.status == DeliveryStatus.CLAIMED,
                    Delivery.claimed_by == self.replica.id,
                )
            )
            return sorted(mine.all())

    async def _give_back(self, *, mine_only: bool) -> None:
        """Claimed and not sent: this replica's (a stop), or those of replicas that are gone.
        Only the outbox's kinds: reminder waves give theirs back themselves."""
        owner = (
            Delivery.claimed_by == self.replica.id
            if mine_only
            else self.replica.taken_from_gone(Delivery.claimed_by)
        )
        async with self.session_factory() as session:
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.channel == DeliveryChannel.EMAIL,
                    Delivery.status == DeliveryStatus.CLAIMED,
                    or_(
                        Delivery.kind.in_([CONFIRM, REGISTERED]),
                        Delivery.kind.startswith(CONFIRM_AGAIN),
                        Delivery.kind.startswith(AGAIN),
                        Delivery.kind.startswith(LOST),
                        Delivery.kind.startswith(CERTIFICATE),
                        Delivery.kind.startswith(BROADCAST_KIND),
                        Delivery.kind.startswith(MOVED_PREFIX),
                        Delivery.kind.startswith(SEAT_KIND),
                        *(Delivery.kind.startswith(p) for p in ORGANIZER_PREFIXES),
                        # Every class letter is the outbox's, reminders included (the runner
                        # queues them: bot/services/mailing/class_mail.py).
                        Delivery.class_id.is_not(None),
                    ),
                    owner,
                )
                .values(status=DeliveryStatus.QUEUED, claimed_by=None)
            )
            await session.commit()
        if not mine_only and affected(result):
            log.warning("taking over %s e-mails claimed by gone replicas", affected(result))

    # --- one letter ------------------------------------------------------------------

    async def _send_row(self, row_id: int) -> bool:
        """Send one claimed row and record it; False when it must wait (the daily limit)."""
        now = self.clock.now()
        async with self.session_factory() as session:
            row = await session.get(Delivery, row_id)
            if row is None or row.claimed_by != self.replica.id:
                return True
            slug = await session.scalar(select(EventRow.slug).where(EventRow.id == row.event_id))
            event = self.catalog.get(slug) if slug else None
            try:
                built = (
                    await self._class_outgoing(session, row, event, now)
                    if row.class_id is not None
                    else await self._outgoing(session, row, event, now)
                )
            except NotYet as exc:
                await session.rollback()
                await self._later(row_id, str(exc), now)
                return True
            if isinstance(built, str):
                # Erased, cancelled, the address changed or bounced meanwhile: nothing to send.
                row.status, row.error, row.claimed_by = DeliveryStatus.FAILED, built[:500], None
                await session.commit()
                return True
            await session.commit()  # a token issued for the links is kept
        try:
            result = await self.sender.send(
                built.letter,
                address=built.address,
                name=built.name,
                language=built.language,
                now=now,
                key=f"{row_id}:{row.kind}",
                unsubscribe_url=built.unsubscribe,
            )
        except DailyLimitReached as limit:
            await self._requeue(row_id, not_before=limit.resume_at, count=False)
            log.warning("the daily e-mail limit is reached; the outbox waits until %s", limit)
            return False
        await self._record(row_id, built, result)
        return True

    async def _outgoing(
        self, session: AsyncSession, row: Delivery, event: Event | None, now: datetime
    ) -> Outgoing | str:
        """A registration's letter, or why it is not sent."""
        registration = await session.get(Registration, row.registration_id)
        letter, reason = None, "obsolete"
        if registration is not None and event is not None:
            letter, reason = await self._letter(session, row.kind, registration, event, now)
        if letter is None or registration is None or registration.email is None:
            return reason
        return Outgoing(
            letter=letter,
            address=registration.email,
            name=registration.full_name or "",
            language=registration.language,
            unsubscribe=self.links.unsubscribe(registration) if letter.mutable else None,
            registration_id=registration.id,
            link=letter.link,
        )

    async def _class_outgoing(
        self, session: AsyncSession, row: Delivery, event: Event | None, now: datetime
    ) -> Outgoing | str:
        """A class's letter, to its teacher's address, or why it is not sent."""
        from bot.services.mailing.class_mail import class_addressee, class_letter_for

        school_class = await session.get(SchoolClass, row.class_id)
        if school_class is None or event is None or school_class.email is None:
            return "obsolete"
        if school_class.status != RegistrationStatus.ACTIVE:
            return "cancelled"
        if school_class.email_bounced_at is not None:
            return "undeliverable"
        t = self.i18n(school_class.language)
        to = class_addressee(self.links, school_class)
        link = None
        broadcast_id = broadcast_of_kind(row.kind)
        if broadcast_id is not None:
            letter, reason = await self._class_broadcast_letter(
                session, broadcast_id, school_class, event, t, to
            )
        else:
            letter, reason, link = await class_letter_for(
                session, row.kind, school_class, event, t, to, now
            )
        if letter is None:
            return reason
        return Outgoing(
            letter=letter,
            address=school_class.email,
            name=school_class.teacher_name or "",
            language=school_class.language,
            unsubscribe=to.unsubscribe_url if letter.mutable else None,
            class_id=school_class.id,
            link=link,
        )

    async def _class_broadcast_letter(
        self,
        session: AsyncSession,
        broadcast_id: int,
        school_class: SchoolClass,
        event: Event,
        t: Translator,
        to: Addressee,
    ) -> tuple[Letter | None, str]:
        """An organizer's message to the teachers of classes, by e-mail: to a confirmed,
        unmuted class address (asked again at sending time)."""
        if school_class.email_confirmed_at is None:
            return None, "unconfirmed"
        if school_class.email_muted:
            return None, "muted"
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.event_id != school_class.event_id:
            return None, "obsolete"
        attachment = None
        if broadcast.file_id is not None:
            await session.commit()  # nothing held while Telegram answers
            content = await self._broadcast_file(broadcast.file_id)
            if content is None:
                return None, "the file cannot be downloaded"
            attachment = attachment_of(broadcast, content)
        return broadcast_letter(t, event, to, broadcast.text_html, attachment), ""

    async def _letter(
        self,
        session: AsyncSession,
        kind: str,
        registration: Registration,
        event: Event,
        now: datetime,
    ) -> tuple[Letter | None, str]:
        """The letter `kind` asks for now, or None and why it is no longer wanted."""
        status = registration.status
        # The letter of an organizer's cancel goes to a cancelled registration.
        cancelled = status == RegistrationStatus.CANCELLED and not is_organizer_kind(kind)
        if registration.erased_at is not None or cancelled:
            return None, "cancelled"
        if registration.email_bounced_at is not None:
            return None, "undeliverable"
        t = self.i18n(registration.language)
        to = Addressee(
            name=registration.full_name or "",
            participation_format=registration.participation_format,
            page_url=self.links.page(registration),
            venue_id=registration.venue_id,
            venue_waiting=registration.venue_waiting_since is not None,
        )
        broadcast_id = broadcast_of_kind(kind)
        if broadcast_id is not None:
            return await self._broadcast_letter(session, broadcast_id, registration, event, t, to)
        certificate_id = certificate_of_kind(kind)
        if certificate_id is not None:
            return await self._certificate_letter(
                session, certificate_id, registration, event, t, to
            )
        if is_confirm(kind):
            if registration.email_confirmed_at is not None:
                return None, "confirmed already"
            return confirm_letter(t, event, to, pending_days=self.pending_days), ""
        if is_moved_kind(kind):  # an organizer moved the event (bot/services/reminders/moved.py)
            return moved_letter_for(kind, registration, event, t, to, now)
        if is_seat_kind(kind):  # a freed seat at a venue (bot/services/venues/seats.py)
            return seat_letter_for(registration, event, t, to, event.state(now))
        if is_organizer_kind(kind):  # an organizer's change (bot/services/organizers/notices.py)
            state = event.state(now)
            return await organizer_letter_for(session, kind, registration, event, t, to, state)
        if registration.email_confirmed_at is None and kind != REGISTERED:
            # The link goes only to an address that asked for it by confirming: an
            # unconfirmed one gets the confirmation again instead (its link opens the page).
            return confirm_letter(t, event, to, pending_days=self.pending_days), ""
        if kind == REGISTERED:
            return registered_letter(t, event, to, now), ""
        if kind.startswith(AGAIN):
            return again_letter(t, event, to), ""
        if kind.startswith(LOST):
            return lost_letter(t, event, to), ""
        return None, "unknown kind"

    async def _certificate_letter(
        self,
        session: AsyncSession,
        certificate_id: int,
        registration: Registration,
        event: Event,
        t: Translator,
        to: Addressee,
    ) -> tuple[Letter | None, str]:
        """The certificate, drawn now (a corrected name is the one that goes out), to a
        confirmed address of a person who did not choose Telegram alone where Telegram still
        reaches them (the rule the certificate was queued by, asked again at sending time)."""
        if registration.email_confirmed_at is None:
            return None, "unconfirmed"
        if registration.deliver_via == DeliverVia.TELEGRAM and registration.user_id is not None:
            user = await session.get(User, registration.user_id)
            if user is not None and user.is_reachable:
                return None, "telegram only"
        certificate = await session.get(Certificate, certificate_id)
        if certificate is None or certificate.registration_id != registration.id:
            return None, "obsolete"
        if self.render_certificate is None:
            log.error("certificate letters need the certificate renderer; this outbox has none")
            return None, "no renderer"
        ask_feedback = await feedback_of(session, certificate.id) is None
        # Nothing held while the PDF is drawn (a token issued for the links is kept).
        await session.commit()
        try:
            pdf = await self.render_certificate(event, certificate, None)
        except Exception as exc:
            # As in Telegram: a name no font can draw is not sent with empty boxes; an
            # organizer's correction queues the letter again.
            # The reason (it may quote the name) goes to the ledger, not to the log.
            log.error(
                "certificate %s cannot be rendered: %s", certificate.number, type(exc).__name__
            )
            return None, f"cannot be rendered: {exc}"
        doc = CertificateFile(certificate, pdf, self.public_url, ask_feedback)
        return certificate_letter(t, event, to, doc), ""

    async def _broadcast_letter(
        self,
        session: AsyncSession,
        broadcast_id: int,
        registration: Registration,
        event: Event,
        t: Translator,
        to: Addressee,
    ) -> tuple[Letter | None, str]:
        """The organizer's message, to a registration that a broadcast still reaches by e-mail
        (the rule it was queued by, asked again at sending time: an unsubscribe since, or a
        choice of Telegram alone, is respected)."""
        if registration.status != RegistrationStatus.ACTIVE:
            return None, "cancelled"
        still = await session.scalar(
            select(Registration.id).where(Registration.id == registration.id, *broadcast_by_email())
        )
        if still is None:
            return None, "muted" if registration.email_muted else "not by e-mail"
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.event_id != registration.event_id:
            return None, "obsolete"
        attachment = None
        if broadcast.file_id is not None:
            # Nothing held while Telegram answers (a token issued for the links is kept).
            await session.commit()
            content = await self._broadcast_file(broadcast.file_id)
            if content is None:
                return None, "the file cannot be downloaded"
            attachment = attachment_of(broadcast, content)
        to = Addressee(
            name=to.name,
            participation_format=to.participation_format,
            page_url=to.page_url,
            unsubscribe_url=self.links.unsubscribe(registration),
        )
        return broadcast_letter(t, event, to, broadcast.text_html, attachment), ""

    async def _broadcast_file(self, file_id: str) -> bytes | None:
        """The file's bytes through the Bot API, once per outbox; None when Telegram refuses
        it for good (gone, too big for a bot); NotYet when it did not answer."""
        from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

        content = self._files.get(file_id)
        if content is not None:
            return content
        if self.bot is None:  # not claimed without the bot (see _claim)
            raise NotYet("no bot to download the file")
        try:
            downloaded = await self.bot.download(file_id)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.error("a broadcast's file cannot be downloaded: %s", exc.message)
            return None
        except Exception as exc:
            raise NotYet(f"file download: {type(exc).__name__}") from exc
        if downloaded is None:
            raise NotYet("file download: nothing")
        content = downloaded.read()
        while len(self._files) >= FILES_KEPT:
            self._files.pop(next(iter(self._files)))
        self._files[file_id] = content
        return content

    async def _later(self, row_id: int, reason: str, now: datetime) -> None:
        """The letter could not be built now: queued again after a growing pause, tries
        counted, given up after a day (as a deferral is)."""
        async with self.session_factory() as session:
            row = await session.get(Delivery, row_id)
            if row is None or row.claimed_by != self.replica.id:
                return
            row.attempts += 1
            row.error = reason[:500]
            if now - row.created_at >= GIVE_UP_AFTER:
                row.status, row.claimed_by = DeliveryStatus.FAILED, None
            else:
                row.status, row.claimed_by = DeliveryStatus.QUEUED, None
                row.not_before = now + retry_pause(row.attempts)
            await session.commit()

    async def _record(self, row_id: int, sent: Outgoing, result: SendResult) -> None:
        now = self.clock.now()
        async with self.session_factory() as session:
            row = await session.get(Delivery, row_id)
            if row is None:
                return
            if result.outcome is Outcome.SENT:
                self._server_pause = 0.0
                row.status, row.error = DeliveryStatus.SENT, None
                if sent.link is not None:
                    row.link = sent.link  # a later change of link is corrected
            elif result.outcome is Outcome.PERMANENT:
                self._server_pause = 0.0
                row.status, row.error = DeliveryStatus.UNREACHABLE, result.detail[:500]
                owner: Registration | SchoolClass | None = (
                    await session.get(Registration, sent.registration_id)
                    if sent.registration_id is not None
                    else await session.get(SchoolClass, sent.class_id)
                )
                # The address the letter went to, not one typed since.
                if owner is not None and owner.email == sent.address:
                    owner.email_bounced_at = now
                    owner.email_error = result.detail[:500]
            elif result.stage in SERVER_STAGES:
                # The server, not this letter: back in the queue untouched, the outbox pauses.
                self._server_pause = min(
                    SERVER_PAUSE_MAX, max(SERVER_PAUSE_FIRST, self._server_pause * 2)
                )
                row.status, row.claimed_by = DeliveryStatus.QUEUED, None
                row.error = result.detail[:500]
            else:
                self._server_pause = 0.0
                row.attempts += 1
                row.error = result.detail[:500]
                if now - row.created_at >= GIVE_UP_AFTER:
                    row.status = DeliveryStatus.FAILED
                else:
                    row.status, row.claimed_by = DeliveryStatus.QUEUED, None
                    row.not_before = now + retry_pause(row.attempts)
            await session.commit()

    async def _requeue(self, row_id: int, *, not_before: datetime, count: bool) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(Delivery)
                .where(and_(Delivery.id == row_id, Delivery.claimed_by == self.replica.id))
                .values(
                    status=DeliveryStatus.QUEUED,
                    claimed_by=None,
                    not_before=not_before,
                    attempts=Delivery.attempts + (1 if count else 0),
                )
            )
            await session.commit()


def _broadcast_with_file() -> ColumnElement[bool]:
    """A broadcast's letter whose broadcast has a photo or document."""
    return and_(
        Delivery.kind.startswith(BROADCAST_KIND),
        exists().where(
            Broadcast.file_id.is_not(None),
            Delivery.kind == literal(BROADCAST_KIND) + cast(Broadcast.id, String),
        ),
    )
