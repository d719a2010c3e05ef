"""Issuing certificates: who gets one, numbering, delivery through the shared paced sender, and
what a participant or an organizer can ask later. Rendering is injected (the PDF renderer in
bot/services/certificates/documents.py); this module decides and records.

Restart-safe: a certificate row (with its permanent number) is written before the document is
sent, and `sent_at` right after Telegram accepted it, so a restart sends what is missing and
nothing twice (except at most the few in flight at a kill). Replicas sharing the database
issue under a lock on the event's row and claim certificates before sending them.

With e-mail on (`on_mail_queued` set), a participant with a confirmed address that has not
bounced gets the certificate by e-mail too, unless they chose Telegram alone and Telegram
reaches them: a letter is queued in the mail outbox (bot/services/mailing/outbox.py) in the
transaction that issues the certificate, and again, as a new letter, when an organizer
corrects the name or Telegram turns out to be blocked. One who chose e-mail alone, with such
an address, gets it by e-mail only."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot
from aiogram.types import BufferedInputFile
from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.certificates.attendance import attended_enough
from bot.services.delivery.pacing import Outcome, PacedSender, Priority, Result, Stats
from bot.services.delivery.replicas import Replica
from bot.services.events.catalog import Event, EventCatalog
from db.models import (
    Attendance,
    Certificate,
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SchoolClass,
    StudentStatus,
    User,
)
from db.reach import class_mail_usable, email_usable, mail_usable
from db.repositories import UserRepository

log = logging.getLogger(__name__)

# Automatic issuing looks back this far: a restart long after an event sends nothing old.
AUTOMATIC_WINDOW = timedelta(days=14)
# No 0/O, 1/I/L: a number read out over the phone must not be ambiguous.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def certificate_number(event: Event, sequence: int) -> str:
    """ "NP25-0042-K7QX": programme and year, a sequence, and a random tail so that numbers
    cannot be enumerated to read other people's names through /verify. A pupil's page in a
    class PDF carries the class's number and the pupil's place in it: "NP25-0042-K7QX/3"."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    return f"NP{event.starts_at:%y}-{sequence:04d}-{tail}"


# Cyrillic letters that look like Latin ones, as typed on a Russian keyboard (after upper()).
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_DASHES = re.compile("[\u2010-\u2015\u2212_]")  # ‐ ‑ ‒ – — ― and the minus sign
_SEPARATORS = re.compile(r"[\s-]+")
# With the dashes optional: the year has two digits and the tail four characters, so a number
# typed without dashes still splits in one way only.
_TYPED_NUMBER = re.compile(r"NP-?(\d{2})-?(\d{4,})-?([0-9A-Z]{4})(?:-?/-?(\d{1,3}))?")


def normalize_number(text: str) -> str | None:
    """A certificate number as a person typed it ("nр26 0005 rну2" with Cyrillic р, н, у,
    long dashes, spaces, no dashes) in the form it was issued ("NP26-0005-RHY2"), or None if
    it cannot be one."""
    cleaned = _DASHES.sub("-", text.upper().translate(_LOOKALIKES))
    cleaned = _SEPARATORS.sub("-", cleaned).strip("-")
    match = _TYPED_NUMBER.fullmatch(cleaned)
    if match is None:
        return None
    year, sequence, tail, pupil = match.groups()
    number = f"NP{year}-{sequence}-{tail}"
    return f"{number}/{int(pupil)}" if pupil else number


@dataclass(frozen=True)
class Document:
    filename: str
    caption: str
    data: bytes


def document_labels(
    t: Translator, certificate: Certificate, class_name: str = ""
) -> tuple[str, str]:
    """The caption and the file name of a certificate's PDF in the reader's language, the same
    whether it goes out on its own or on /certificate."""
    number = certificate.number
    if certificate.class_id is None:
        caption = t("certificate-caption", number=number)
        name = t("certificate-file-name", number=number)
    else:
        caption = t("certificate-class-caption", number=number, class_name=escape(class_name))
        name = t("certificate-class-file-name", number=number)
    return caption, f"{name}.pdf"


@dataclass(frozen=True)
class Verified:
    """What /verify tells about a number: whose certificate (a pupil's, for a page of a class
    PDF) for which event."""

    number: str
    name: str
    event_slug: str


@dataclass(frozen=True)
class ClassPages:
    """What a class's PDF needs besides the teacher's certificate row."""

    class_name: str
    school: str
    pupils: list[str]


# (event, certificate, the class for a teacher's class PDF) -> the PDF
Render = Callable[[Event, Certificate, ClassPages | None], Awaitable[bytes]]
# After a participant's certificate went out (the feedback question).
AfterSend = Callable[[Certificate], Awaitable[None]]


def wants_mail(registration: Registration, *, telegram_usable: bool) -> bool:
    """Whether the certificate goes to this participant by e-mail: a usable address, and not
    "Telegram only" where Telegram reaches them (never nobody)."""
    if not mail_usable(registration):
        return False
    return registration.deliver_via != DeliverVia.TELEGRAM or not telegram_usable


def chose_mail_alone() -> ColumnElement[bool]:
    """Certificates whose participant chose e-mail alone and has a usable address: not sent
    in Telegram (with e-mail on)."""
    return exists().where(
        Registration.id == Certificate.registration_id,
        Registration.deliver_via == DeliverVia.EMAIL,
        email_usable(),
    )


class CertificateService:
    def __init__(
        self,
        *,
        bot: Bot | None,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        sender: PacedSender,
        render: Render,
        i18n: I18n,
        replica: Replica | None = None,
        claim_size: int = 10,
    ) -> None:
        self.bot = bot
        self.i18n = i18n
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.sender = sender
        self.render = render
        self.replica = replica or Replica(session_factory)
        self.claim_size = claim_size
        self.after_send: AfterSend | None = None
        # E-mail on: the mail outbox's wake, called after certificate letters were queued
        # (None: e-mail off, no letters are queued).
        self.on_mail_queued: Callable[[], None] | None = None
        self._stopping = False

    # --- who ----------------------------------------------------------------------------

    async def _event_id(self, session: AsyncSession, event: Event) -> int | None:
        return await session.scalar(select(EventRow.id).where(EventRow.slug == event.slug))

    async def eligible_registrations(
        self, session: AsyncSession, event: Event, event_id: int
    ) -> list[Registration]:
        # A registration without a Telegram chat (made on the web page) gets its certificate
        # too: issued with no recipient, so it is not sent in Telegram; the personal page
        # offers the PDF, and "Connect Telegram" sets the recipient (then it goes out).
        query = select(Registration).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.erased_at.is_(None),
        )
        if event.require_attendance:
            query = query.where(exists().where(Attendance.registration_id == Registration.id))
            query = query.where(attended_enough(event, event_id))  # min_attendance
        return list((await session.execute(query.order_by(Registration.id))).scalars().all())

    async def eligible_classes(
        self, session: AsyncSession, event: Event, event_id: int
    ) -> list[SchoolClass]:
        # A bot class whose teacher is gone (the user row deleted) has nobody to thank; a
        # class registered on the web page never had a chat: its certificate is issued with
        # no recipient and handed out on the class page (web/routes/classes.py).
        query = select(SchoolClass).where(
            SchoolClass.event_id == event_id,
            SchoolClass.status == RegistrationStatus.ACTIVE,
            or_(
                SchoolClass.teacher_id.is_not(None),
                SchoolClass.source == RegistrationSource.WEB,
            ),
        )
        if event.require_attendance:
            # A class checks in with the button in its group, or its teacher does.
            query = query.where(exists().where(Attendance.class_id == SchoolClass.id))
        return list((await session.execute(query.order_by(SchoolClass.id))).scalars().all())

    # --- issuing --------------------------------------------------------------------------

    async def issue_missing(self, event: Event) -> int:
        """Certificate rows (with numbers) for everyone eligible who has none yet."""
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event)
            if event_id is None:
                return 0
            # A write first: it locks the event's row (PostgreSQL) or takes the write lock
            # (SQLite) before anything is read, so a replica issuing at the same moment waits
            # here until these rows are committed, then finds them: no holder gets two
            # certificates, no number is given twice.
            await session.execute(
                update(EventRow).where(EventRow.id == event_id).values(id=EventRow.id)
            )
            have_regs = set(
                (
                    await session.execute(
                        select(Certificate.registration_id).where(Certificate.event_id == event_id)
                    )
                ).scalars()
            )
            have_classes = set(
                (
                    await session.execute(
                        select(Certificate.class_id).where(Certificate.event_id == event_id)
                    )
                ).scalars()
            )
            count = await session.scalar(
                select(func.count())
                .select_from(Certificate)
                .where(Certificate.event_id == event_id)
            )
            sequence = int(count or 0)
            now = self.clock.now()
            registrations = [
                r
                for r in await self.eligible_registrations(session, event, event_id)
                if r.id not in have_regs
            ]
            classes = [
                c
                for c in await self.eligible_classes(session, event, event_id)
                if c.id not in have_classes
            ]
            # (registration id, class id, recipient, name on the certificate, language)
            holders = [(r.id, None, r.user_id, r.full_name, r.language) for r in registrations] + [
                (None, c.id, c.teacher_id, c.teacher_name, c.language) for c in classes
            ]
            new = [
                Certificate(
                    number=certificate_number(event, sequence + index),
                    event_id=event_id,
                    registration_id=registration_id,
                    class_id=class_id,
                    recipient_id=recipient,
                    full_name=name or "",
                    language=language,
                    issued_at=now,
                )
                for index, (registration_id, class_id, recipient, name, language) in enumerate(
                    holders, start=1
                )
            ]
            session.add_all(new)
            letters = await self._queue_letters(session, registrations, new, now)
            letters += await self._queue_class_letters(session, classes, new, now)
            await session.commit()
        if letters:
            self._wake_mail()
        return len(new)

    # --- e-mail ---------------------------------------------------------------------------

    async def _queue_letters(
        self,
        session: AsyncSession,
        registrations: list[Registration],
        certificates: list[Certificate],
        now: datetime,
    ) -> int:
        """The certificate letters of newly issued certificates, in the issuing transaction."""
        if self.on_mail_queued is None:
            return 0
        by_id = {r.id: r for r in registrations if mail_usable(r)}
        if not by_id:
            return 0
        await session.flush()  # the certificates' ids
        chats = {r.user_id for r in by_id.values() if r.user_id is not None}
        blocked = set(
            (
                await session.scalars(
                    select(User.id).where(User.id.in_(chats), User.is_reachable.is_(False))
                )
            ).all()
        )
        from bot.services.mailing.certificate_letter import certificate_kind
        from bot.services.mailing.outbox import queue_many

        letters = [
            (registration.id, certificate.event_id, certificate_kind(certificate.id))
            for certificate in certificates
            if (registration := by_id.get(certificate.registration_id or 0)) is not None
            and wants_mail(
                registration,
                telegram_usable=registration.user_id is not None
                and registration.user_id not in blocked,
            )
        ]
        return await queue_many(session, letters, now=now) if letters else 0

    async def _queue_class_letters(
        self,
        session: AsyncSession,
        classes: list[SchoolClass],
        certificates: list[Certificate],
        now: datetime,
    ) -> int:
        """A letter to each class's confirmed address saying its letter of thanks and pupils'
        certificates are on the class page (besides the teacher's chat, if any: a teacher in
        China may not get Telegram), in the issuing transaction."""
        if self.on_mail_queued is None:
            return 0
        by_id = {c.id: c for c in classes if class_mail_usable(c)}
        if not by_id:
            return 0
        await session.flush()  # the certificates' ids
        from bot.services.mailing.certificate_letter import certificate_kind
        from bot.services.mailing.class_mail import queue_class_letters

        letters = [
            (certificate.class_id, certificate.event_id, certificate_kind(certificate.id))
            for certificate in certificates
            if certificate.class_id is not None and certificate.class_id in by_id
        ]
        return await queue_class_letters(session, letters, now=now) if letters else 0

    async def _queue_letter(
        self, session: AsyncSession, certificate: Certificate, *, telegram_usable: bool | None
    ) -> bool:
        """One certificate's letter (a corrected one, or Telegram found blocked), in the
        caller's transaction. `telegram_usable` None: as the participant's chat is now."""
        if self.on_mail_queued is None or certificate.registration_id is None:
            return False
        registration = await session.get(Registration, certificate.registration_id)
        if registration is None or registration.status != RegistrationStatus.ACTIVE:
            return False
        if telegram_usable is None:
            user = await session.get(User, registration.user_id) if registration.user_id else None
            telegram_usable = user is not None and user.is_reachable
        if not wants_mail(registration, telegram_usable=telegram_usable):
            return False
        from bot.services.mailing.certificate_letter import certificate_kind
        from bot.services.mailing.outbox import queue

        first = certificate_kind(certificate.id)
        waiting = await session.scalar(
            select(Delivery.id).where(
                Delivery.registration_id == registration.id,
                Delivery.channel == DeliveryChannel.EMAIL,
                Delivery.status == DeliveryStatus.QUEUED,
                or_(Delivery.kind == first, Delivery.kind.startswith(f"{first}-")),
            )
        )
        if waiting is not None:
            return False  # a letter not sent yet: it is drawn when sent, with the new name
        return await queue(
            session,
            registration_id=registration.id,
            event_id=certificate.event_id,
            kind=certificate_kind(certificate.id, certificate.reissued),
            now=self.clock.now(),
        )

    def _wake_mail(self) -> None:
        if self.on_mail_queued is not None:
            self.on_mail_queued()

    async def _class_pages(self, class_id: int) -> ClassPages | None:
        return await class_pages(self.session_factory, class_id)

    async def document(self, event: Event, certificate: Certificate, t: Translator) -> Document:
        """The PDF with its caption and file name in the language of `t` (the reader's)."""
        pages = None
        if certificate.class_id is not None:
            pages = await self._class_pages(certificate.class_id)
        data = await self.render(event, certificate, pages)
        caption, filename = document_labels(t, certificate, pages.class_name if pages else "")
        return Document(filename=filename, caption=caption, data=data)

    async def deliver_pending(self, event: Event, progress: Stats | None = None) -> Stats:
        """Send every issued certificate that has not gone out yet (and is not being sent by
        another replica or task)."""
        stats = progress or Stats()
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event)
        if event_id is None:
            return stats
        while not self._stopping:
            claimed = await self._claim(event_id)
            if not claimed:
                break
            for index, certificate in enumerate(claimed):
                if self._stopping:
                    await self._release([c.id for c in claimed[index:]])
                    break
                await self._send(event, certificate, stats)
        return stats

    async def _claim(self, event_id: int) -> list[Certificate]:
        await self.replica.join()
        claimable = (
            select(Certificate.id)
            .where(
                Certificate.event_id == event_id,
                Certificate.sent_at.is_(None),
                Certificate.recipient_id.is_not(None),
                self.replica.free_or_gone(Certificate.claimed_by),
                *([~chose_mail_alone()] if self.on_mail_queued is not None else []),
            )
            .order_by(Certificate.id)
            .limit(self.claim_size)
            .with_for_update(skip_locked=True)
        )
        async with self.session_factory() as session:
            ids = (
                await session.execute(
                    update(Certificate)
                    .where(Certificate.id.in_(claimable.scalar_subquery()))
                    .values(claimed_by=self.replica.id)
                    .returning(Certificate.id)
                )
            ).scalars()
            claimed = sorted(ids)
            await session.commit()
            rows = await session.execute(
                select(Certificate).where(Certificate.id.in_(claimed)).order_by(Certificate.id)
            )
            return list(rows.scalars().all())

    async def _release(self, certificate_ids: list[int]) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(Certificate)
                .where(
                    Certificate.id.in_(certificate_ids),
                    Certificate.claimed_by == self.replica.id,
                    Certificate.sent_at.is_(None),
                )
                .values(claimed_by=None)
            )
            await session.commit()

    async def _send(self, event: Event, certificate: Certificate, stats: Stats) -> None:
        chat_id = int(certificate.recipient_id or 0)
        language = await self.user_language(chat_id) or certificate.language
        try:
            document = await self.document(event, certificate, self.i18n(language))
        except Exception as exc:
            # A name no configured font can draw (MissingGlyphs) or a broken template: told to
            # the organizer in the report, never sent with empty boxes.
            # The reason (it may quote the name) goes to the row, not to the log.
            log.error(
                "certificate %s cannot be rendered: %s", certificate.number, type(exc).__name__
            )
            stats.add(Result(Outcome.FAILED, error=str(exc)))
            await self._mark(certificate.id, error=str(exc))
            return

        bot = self.bot
        assert bot is not None, "deliver_pending sends in Telegram: it needs the bot"

        async def call() -> object:
            return await bot.send_document(
                chat_id,
                BufferedInputFile(document.data, filename=document.filename),
                caption=document.caption,
            )

        result = await self.sender.send(
            chat_id, call, stopping=lambda: self._stopping, priority=Priority.CERTIFICATE
        )
        if result.outcome is Outcome.ABANDONED:
            await self._release([certificate.id])
            return
        stats.add(result)
        mailed = False
        async with self.session_factory() as session:
            row = await session.get(Certificate, certificate.id)
            if row is None:
                return
            if result.outcome is Outcome.SENT:
                row.sent_at = self.clock.now()
                row.error = None
            elif result.outcome is Outcome.UNREACHABLE:
                row.error = "unreachable"
                row.sent_at = self.clock.now()  # not retried; /certificate gives it on request
                await UserRepository(session).mark_unreachable(chat_id, self.clock.now())
                # Blocked in Telegram: by e-mail after all, even for "Telegram only".
                mailed = await self._queue_letter(session, row, telegram_usable=False)
            else:
                row.error = result.error
                row.sent_at = self.clock.now()
            await session.commit()
        if mailed:
            self._wake_mail()
        if result.outcome is Outcome.SENT and self.after_send is not None:
            try:
                await self.after_send(certificate)
            except Exception:  # the question after the certificate is a courtesy
                log.exception("feedback question for certificate %s failed", certificate.number)

    async def _mark(self, certificate_id: int, error: str) -> None:
        async with self.session_factory() as session:
            row = await session.get(Certificate, certificate_id)
            if row is not None:
                row.error = error
                row.sent_at = self.clock.now()  # not retried until an organizer corrects it
                await session.commit()

    async def reconcile(self) -> None:
        """Automatic issuing: events whose end plus the configured delay has passed."""
        now = self.clock.now()
        for event in self.catalog:
            if now < event.certificates_from or self._stopping:
                continue
            # Only recent events: a restart years later must not mail old certificates.
            if now > event.certificates_from + AUTOMATIC_WINDOW:
                continue
            await self.issue_missing(event)
            if self.bot is not None:
                await self.deliver_pending(event)
            # Without a bot (the pages alone, e-mail on): issued, and queued as letters by
            # issue_missing; the chats get theirs once a bot runs (deliver_pending).

    async def stop(self) -> None:
        self._stopping = True

    # --- asking later -------------------------------------------------------------------

    async def of_user(self, user_id: int) -> list[Certificate]:
        async with self.session_factory() as session:
            rows = await session.execute(
                select(Certificate)
                .where(Certificate.recipient_id == user_id)
                .order_by(Certificate.id)
            )
            return list(rows.scalars().all())

    async def of_registration(self, registration_id: int) -> Certificate | None:
        """The certificate issued for a registration, if any (the personal page's PDF)."""
        async with self.session_factory() as session:
            return await session.scalar(
                select(Certificate).where(Certificate.registration_id == registration_id)
            )

    async def by_number(self, typed: str) -> tuple[Certificate, str] | None:
        return await find_certificate(self.session_factory, typed)

    async def verify(self, typed: str) -> Verified | None:
        return await verify_certificate(self.session_factory, typed)

    async def correct_name(self, number: str, new_name: str) -> Certificate | None:
        """An organizer fixes a name: the certificate keeps its number and goes out again."""
        found = await self.by_number(number)
        if found is None:
            return None
        async with self.session_factory() as session:
            certificate = await session.get(Certificate, found[0].id)
            if certificate is None:
                return None
            certificate.full_name = new_name
            certificate.reissued += 1
            certificate.sent_at = None
            certificate.claimed_by = None  # free to be sent again, by any replica
            if certificate.registration_id is not None:
                registration = await session.get(Registration, certificate.registration_id)
                if registration is not None:
                    registration.full_name = new_name
            # The corrected certificate by e-mail too, as a new letter.
            mailed = await self._queue_letter(session, certificate, telegram_usable=None)
            await session.commit()
        if mailed:
            self._wake_mail()
        return certificate

    async def user_language(self, user_id: int) -> str | None:
        async with self.session_factory() as session:
            user = await session.get(User, user_id)
            return user.language if user else None


# --- the public check: the bot's /verify and the web's /verify/<number> -------------------------
# Module functions, not CertificateService methods: the web page checks numbers without a Bot.


async def class_pages(
    session_factory: async_sessionmaker[AsyncSession], class_id: int
) -> ClassPages | None:
    async with session_factory() as session:
        school_class = await session.get(
            SchoolClass, class_id, options=[selectinload(SchoolClass.students)]
        )
        if school_class is None:
            return None
        return ClassPages(
            school_class.name,
            school_class.school or "",
            [s.full_name for s in school_class.students if s.status == StudentStatus.ACTIVE],
        )


async def class_certificate(
    session_factory: async_sessionmaker[AsyncSession], class_id: int
) -> Certificate | None:
    """The certificate issued for a class (its letter of thanks and its pupils' pages)."""
    async with session_factory() as session:
        return await session.scalar(select(Certificate).where(Certificate.class_id == class_id))


async def class_documents(
    render: Render, event: Event, certificate: Certificate, pages: ClassPages, t: Translator
) -> list[tuple[str, bytes]]:
    """A class's certificates one PDF each, for the class page's ZIP: the letter of thanks,
    then every pupil's certificate with the number printed on the pupil's page of the class
    PDF ("NP25-0042-K7QX/3", which /verify finds). (file name, PDF) in the reader's language;
    the same renderer, so the same documents as the class PDF's pages."""
    _, letter_name = document_labels(t, certificate, pages.class_name)
    letter = await render(event, certificate, ClassPages(pages.class_name, pages.school, []))
    files = [(letter_name, letter)]
    for index, name in enumerate(pages.pupils, 1):
        pupil = Certificate(
            number=f"{certificate.number}/{index}",
            event_id=certificate.event_id,
            full_name=name,
            language=certificate.language,
            issued_at=certificate.issued_at,
        )
        data = await render(event, pupil, None)
        files.append((f"{index:02d} {_file_safe(name)}.pdf", data))
    return files


# Path separators and characters no file system takes: a pupil's name is a file's name here.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _file_safe(name: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", name).strip(" .") or "_"


async def find_certificate(
    session_factory: async_sessionmaker[AsyncSession], typed: str
) -> tuple[Certificate, str] | None:
    """The certificate (not a pupil's page) with the number a person typed (see
    `normalize_number`), and its event's slug."""
    number = normalize_number(typed)
    if number is None or "/" in number:
        return None
    async with session_factory() as session:
        row = await session.execute(
            select(Certificate, EventRow.slug)
            .join(EventRow, EventRow.id == Certificate.event_id)
            .where(Certificate.number == number)
        )
        found = row.first()
        return (found[0], found[1]) if found else None


async def verify_certificate(
    session_factory: async_sessionmaker[AsyncSession], typed: str
) -> Verified | None:
    """/verify, in the bot and on the web: whose certificate has the number a person typed, a
    pupil's page of a class PDF included ("NP25-0042-K7QX/3": the third pupil of the class, as
    printed)."""
    number, _, pupil = (normalize_number(typed) or "").partition("/")
    found = await find_certificate(session_factory, number) if number else None
    if found is None:
        return None
    certificate, slug = found
    if not pupil:
        return Verified(certificate.number, certificate.full_name, slug)
    class_id = certificate.class_id
    pages = await class_pages(session_factory, class_id) if class_id else None
    index = int(pupil)
    if pages is None or not 1 <= index <= len(pages.pupils):
        return None
    return Verified(f"{certificate.number}/{index}", pages.pupils[index - 1], slug)
