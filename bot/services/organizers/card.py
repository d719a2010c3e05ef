"""What an organizer's /find card says about one hit: a registration, a class or a pupil.

Everything is read here, in a few queries, into plain data; the handlers (handlers/admin/find.py)
only word it. A card tells what happened, from the records kept anyway: the check-in, the
certificate (and its letter), the reminders in the delivery ledger per channel, and whether
Telegram and the e-mail address still reach the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.events.catalog import Event, EventCatalog, EventFormat
from bot.services.mailing.certificate_letter import CERTIFICATE
from bot.services.reminders.planner import BEFORE_PREFIX, LINK_PREFIX, START
from db.models import (
    Attendance,
    Certificate,
    ClassStudent,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    GroupDelivery,
    Registration,
    RegistrationStatus,
    SchoolClass,
    StudentStatus,
    User,
)


class Reach(StrEnum):
    """Whether a channel reaches the person."""

    NONE = "none"  # no chat, no address
    YES = "yes"
    BLOCKED = "blocked"  # Telegram: blocked the bot or the account is gone
    UNCONFIRMED = "unconfirmed"  # e-mail: the address was never confirmed
    BOUNCED = "bounced"  # e-mail: refused for good by the mail server
    MUTED = "muted"  # e-mail: unsubscribed from reminders and news (certificates still go)


class CertificateStatus(StrEnum):
    ISSUED = "issued"  # numbered, not sent (no chat, waiting, or e-mail only)
    SENT = "sent"
    ERROR = "error"  # could not be drawn, or Telegram refused


@dataclass(frozen=True)
class CertificateState:
    number: str
    name: str  # as printed: a corrected registration name shows until it is resent
    status: CertificateStatus
    error: str | None
    sent_at: datetime | None
    # The certificate's letter (latest one), None when none was queued.
    mail_status: str | None

    @classmethod
    def of(cls, certificate: Certificate, mail_status: str | None = None) -> CertificateState:
        if certificate.error:
            status = CertificateStatus.ERROR
        elif certificate.sent_at is not None:
            status = CertificateStatus.SENT
        else:
            status = CertificateStatus.ISSUED
        return cls(
            certificate.number,
            certificate.full_name,
            status,
            certificate.error,
            certificate.sent_at,
            mail_status,
        )


@dataclass(frozen=True)
class Reminder:
    """One reminder, start message or link correction in the ledger."""

    kind: str  # "before-86400", "start", "link-<hash>"
    channel: str
    status: str  # DeliveryStatus
    at: datetime

    @property
    def offset_seconds(self) -> int | None:
        """For a "before-<seconds>" reminder, how long before the start it went."""
        if self.kind.startswith(BEFORE_PREFIX):
            return int(self.kind.removeprefix(BEFORE_PREFIX))
        return None

    @property
    def is_start(self) -> bool:
        return self.kind == START

    @property
    def is_link(self) -> bool:
        return self.kind.startswith(LINK_PREFIX)


@dataclass(frozen=True)
class EventInfo:
    slug: str
    title_ru: str
    title_zh: str
    event: Event | None  # None: gone from the events file (history)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_ru

    @property
    def hybrid(self) -> bool:
        return self.event is not None and self.event.format is EventFormat.HYBRID


@dataclass(frozen=True)
class RegistrationCard:
    row: Registration
    event: EventInfo
    username: str | None
    telegram: Reach
    blocked_since: datetime | None
    email: Reach
    checked_in_at: datetime | None
    checkin_method: str | None
    certificate: CertificateState | None
    reminders: list[Reminder]

    @property
    def active(self) -> bool:
        return self.row.status == RegistrationStatus.ACTIVE

    @property
    def cancelled(self) -> bool:
        return self.row.status == RegistrationStatus.CANCELLED


@dataclass(frozen=True)
class ClassCard:
    row: SchoolClass
    event: EventInfo
    username: str | None
    telegram: Reach
    pupils: int
    pupils_waiting: int  # joined by link, not approved yet
    checked_in_at: datetime | None
    certificate: CertificateState | None
    group_messages: int  # reminders and start messages the bound group received


@dataclass(frozen=True)
class PupilCard:
    row: ClassStudent
    school_class: SchoolClass
    event: EventInfo
    username: str | None
    # The pupil's page in the class's certificate ("NP25-0042-K7QX/3"), once issued.
    certificate_number: str | None


def _event_info(row: EventRow, catalog: EventCatalog) -> EventInfo:
    return EventInfo(row.slug, row.title_ru, row.title_zh, catalog.get(row.slug))


def telegram_reach(user: User | None) -> Reach:
    if user is None:
        return Reach.NONE
    return Reach.YES if user.is_reachable else Reach.BLOCKED


def email_reach(row: Registration) -> Reach:
    if row.email is None:
        return Reach.NONE
    if row.email_bounced_at is not None:
        return Reach.BOUNCED
    if row.email_confirmed_at is None:
        return Reach.UNCONFIRMED
    return Reach.MUTED if row.email_muted else Reach.YES


async def registration_card(
    session: AsyncSession, catalog: EventCatalog, registration_id: int
) -> RegistrationCard | None:
    """None for an unknown or erased registration (nothing of the person is left to show)."""
    row = await session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .options(selectinload(Registration.event), selectinload(Registration.user))
    )
    if row is None or row.erased_at is not None:
        return None
    attendance = await session.scalar(
        select(Attendance).where(Attendance.registration_id == row.id)
    )
    certificate = await session.scalar(
        select(Certificate).where(Certificate.registration_id == row.id)
    )
    ledger = (
        await session.execute(
            select(Delivery)
            .where(
                Delivery.registration_id == row.id,
                or_(
                    Delivery.kind == START,
                    Delivery.kind.startswith(BEFORE_PREFIX),
                    Delivery.kind.startswith(LINK_PREFIX),
                    Delivery.kind.startswith(CERTIFICATE),
                ),
            )
            .order_by(Delivery.created_at, Delivery.id)
        )
    ).scalars()
    reminders, letters = [], []
    for entry in ledger:
        if entry.kind.startswith(CERTIFICATE):
            letters.append(entry)
        else:
            reminders.append(Reminder(entry.kind, entry.channel, entry.status, entry.created_at))
    user = row.user
    return RegistrationCard(
        row=row,
        event=_event_info(row.event, catalog),
        username=user.username if user else None,
        telegram=telegram_reach(user),
        blocked_since=user.unreachable_since if user and not user.is_reachable else None,
        email=email_reach(row),
        checked_in_at=attendance.checked_at if attendance else None,
        checkin_method=attendance.method if attendance else None,
        certificate=(
            CertificateState.of(certificate, _letter_status(certificate, letters))
            if certificate
            else None
        ),
        reminders=reminders,
    )


def _letter_status(certificate: Certificate, letters: list[Delivery]) -> str | None:
    """The status of the certificate's latest letter (kinds certificate-<id>[-<n>])."""
    own = f"{CERTIFICATE}{certificate.id}"
    mine = [
        d
        for d in letters
        if d.channel == DeliveryChannel.EMAIL and (d.kind == own or d.kind.startswith(f"{own}-"))
    ]
    return mine[-1].status if mine else None


async def class_card(
    session: AsyncSession, catalog: EventCatalog, class_id: int
) -> ClassCard | None:
    row = await session.scalar(
        select(SchoolClass)
        .where(SchoolClass.id == class_id)
        .options(selectinload(SchoolClass.students))
    )
    if row is None:
        return None
    event_row = await session.get(EventRow, row.event_id)
    assert event_row is not None  # a foreign key
    teacher = await session.get(User, row.teacher_id) if row.teacher_id else None
    attendance = await session.scalar(select(Attendance).where(Attendance.class_id == row.id))
    certificate = await session.scalar(select(Certificate).where(Certificate.class_id == row.id))
    group_messages = await session.scalar(
        select(func.count())
        .select_from(GroupDelivery)
        .where(GroupDelivery.class_id == row.id, GroupDelivery.status == DeliveryStatus.SENT)
    )
    return ClassCard(
        row=row,
        event=_event_info(event_row, catalog),
        username=teacher.username if teacher else None,
        telegram=telegram_reach(teacher),
        pupils=sum(1 for s in row.students if s.status == StudentStatus.ACTIVE),
        pupils_waiting=sum(1 for s in row.students if s.status != StudentStatus.ACTIVE),
        checked_in_at=attendance.checked_at if attendance else None,
        certificate=CertificateState.of(certificate) if certificate else None,
        group_messages=int(group_messages or 0),
    )


async def pupil_card(
    session: AsyncSession, catalog: EventCatalog, student_id: int
) -> PupilCard | None:
    row = await session.get(ClassStudent, student_id)
    if row is None:
        return None
    school_class = await session.get(SchoolClass, row.class_id)
    assert school_class is not None  # a foreign key
    event_row = await session.get(EventRow, school_class.event_id)
    assert event_row is not None
    user = await session.get(User, row.user_id) if row.user_id else None
    number = None
    if row.status == StudentStatus.ACTIVE:
        certificate = await session.scalar(
            select(Certificate.number).where(Certificate.class_id == school_class.id)
        )
        if certificate is not None:
            # Its place among the active pupils in roster order: the page it is printed on.
            place = await session.scalar(
                select(func.count())
                .select_from(ClassStudent)
                .where(
                    ClassStudent.class_id == school_class.id,
                    ClassStudent.status == StudentStatus.ACTIVE,
                    ClassStudent.id <= row.id,
                )
            )
            number = f"{certificate}/{int(place or 0)}"
    return PupilCard(
        row=row,
        school_class=school_class,
        event=_event_info(event_row, catalog),
        username=user.username if user else None,
        certificate_number=number,
    )


async def class_pupils(
    session: AsyncSession, class_id: int, page: int, page_size: int
) -> tuple[list[ClassStudent], int]:
    """One page of a class's roster (roster order) and the roster's size."""
    total = await session.scalar(
        select(func.count()).select_from(ClassStudent).where(ClassStudent.class_id == class_id)
    )
    rows = await session.execute(
        select(ClassStudent)
        .where(ClassStudent.class_id == class_id)
        .order_by(ClassStudent.id)
        .limit(page_size)
        .offset(max(page, 0) * page_size)
    )
    return list(rows.scalars().all()), int(total or 0)
