"""Tables. All times are stored as aware UTC (see UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from db.search_keys import NAME_KEY_LENGTH, name_key


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend.

    SQLite keeps no offset, so a naive value read back is UTC by construction; refusing naive
    values on the way in keeps a local-time bug from being stored silently."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    # Made on the web page while e-mail is on, the address not confirmed yet: it receives
    # nothing but the confirmation, and goes after PENDING_DAYS (migration 0011).
    PENDING = "pending"


class DeliveryChannel(StrEnum):
    TELEGRAM = "telegram"
    EMAIL = "email"


class DeliverVia(StrEnum):
    """Where a person reachable both ways wants messages (the personal page sets it)."""

    BOTH = "both"
    TELEGRAM = "telegram"
    EMAIL = "email"


class RegistrationSource(StrEnum):
    """Where a registration was made (the last time it was made: a reactivation counts)."""

    BOT = "bot"
    WEB = "web"
    MINIAPP = "miniapp"


class User(Base):
    """A Telegram user who wrote to the bot. The primary key is the Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    # False while the language is only a guess: the person's Telegram app speaks neither
    # Russian nor Chinese, so /start asks until they choose.
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # False once Telegram says the user blocked the bot or the account is gone (403);
    # true again as soon as they write to the bot.
    is_reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Muted reminders: the messages that carry the meeting link still come.
    reminders_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The Telegram @username without "@", as last seen on an update from them (it can change
    # or vanish); for organizers finding and exporting people (migration 0013).
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    registrations: Mapped[list[Registration]] = relationship(back_populates="user")


class EventRow(Base):
    """An event as last read from the events file; kept after the event is over."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title_ru: Mapped[str] = mapped_column(Text)
    title_zh: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The whole validated config as JSON, so history survives edits of the events file.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What organizers changed from the chat (meeting link, times); wins over the file.
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Registration(Base):
    """One person's registration for one event with all the form answers, and the channels the
    person can be reached by: a Telegram chat (`user_id`) and the e-mail address they gave.
    A registration made on the web page has no Telegram chat until the person connects one
    (see migration 0009 for why the model is "a registration with optional channels")."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_registrations_user_event"),
        # Everything /find compares, so that it scans this index, not the wide rows
        # (bot/services/organizers/search.py, migration 0014).
        Index("ix_registrations_find", "name_key", "email_key", "phone", "user_id", "erased_at"),
        # Seats taken and the waiting list of a venue (migration 0017).
        Index("ix_registrations_event_venue", "event_id", "venue_id", "venue_waiting_since"),
        # Also a partial unique index, uq_registrations_event_email (event_id, email_key)
        # WHERE status IN ('active', 'pending') AND user_id IS NULL: a registration without a
        # chat is known by its address, one active (or pending) such registration per address
        # and event. It lives in migrations 0009 and 0011 only: declared here, its
        # postgresql_where would import SQLAlchemy's PostgreSQL dialect into every bot
        # (bench/memory.py, tests/test_lazy_imports.py).
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The person's Telegram chat, if any: NULL for a web registration not connected to
    # Telegram, and after an erasure (`erased_at` says which).
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.ACTIVE)
    source: Mapped[str] = mapped_column(
        String(16), default=RegistrationSource.BOT, server_default=RegistrationSource.BOT.value
    )
    language: Mapped[str] = mapped_column(String(8))

    full_name: Mapped[str | None] = mapped_column(String(200))
    # The name as /find compares it (db/search_keys.py), set with the name (migration 0014).
    name_key: Mapped[str | None] = mapped_column(String(NAME_KEY_LENGTH))
    # "RU", "CN" (see bot/services/registration/countries.py), or another country as typed.
    country: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    organization: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))
    participation_format: Mapped[str] = mapped_column(String(16))
    wants_to_speak: Mapped[bool] = mapped_column(Boolean, default=False)
    talk_topic: Mapped[str | None] = mapped_column(String(300))
    # For those who want to speak: pending until an organizer approves or declines.
    speaker_status: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    # The address compared for "already registered": lower-case, without surrounding spaces
    # (bot/services/registration/access.py). NULL when erased.
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    # E-mail delivery (migration 0011): the address confirmed through the e-mailed link; refused
    # for good by the mail server (and why); muted by the e-mail's one-click unsubscribe
    # (reminders and broadcasts only); and where a person reachable both ways wants messages.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(Text)
    email_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deliver_via: Mapped[str] = mapped_column(
        String(16), default=DeliverVia.BOTH, server_default=DeliverVia.BOTH.value
    )

    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))

    # Offline venues (migration 0017): the venue chosen (Venue.id in the event's config; NULL:
    # online, or an event without venues); on its waiting list since (NULL: holds a seat); the
    # ticket's code for the door (shown under the ticket's QR code; unique, not secret: it
    # checks in, and only a coordinator of the venue can use it).
    venue_id: Mapped[str | None] = mapped_column(String(32))
    venue_waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_code: Mapped[str | None] = mapped_column(String(16), unique=True)

    # The personal page's token and the "Connect Telegram" code, as SHA-256 hex digests only:
    # the plain values are shown once and never stored. NULL: none issued (or revoked, used).
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    bind_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    bind_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person erased their data: the row stays as an anonymous count.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(back_populates="registrations")
    event: Mapped[EventRow] = relationship()

    @validates("full_name")
    def _keep_name_key(self, _: str, value: str | None) -> str | None:
        self.name_key = name_key(value)
        return value


class DeliveryStatus(StrEnum):
    # An e-mail waiting for its turn (a confirmation, a link asked for, a deferred retry): the
    # mail outbox claims it when `not_before` has passed.
    QUEUED = "queued"
    # Taken by a replica (`claimed_by`), not sent yet: nobody else sends it meanwhile.
    CLAIMED = "claimed"
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class Delivery(Base):
    """The ledger: one row per (registration, message kind, channel) that was handled, so a
    restart never sends a reminder twice and never forgets one. Kinds: "before-3600", "start",
    "link-<hash>" (a changed link sent to those who had the old one). A class's e-mails are
    rows here too, with `class_id` instead of `registration_id` (migration 0015)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "registration_id", "kind", "channel", name="uq_deliveries_registration_kind_channel"
        ),
        UniqueConstraint("class_id", "kind", "channel", name="uq_deliveries_class_kind_channel"),
        CheckConstraint("(registration_id IS NULL) <> (class_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A registration's message, or (class_id) a class's: exactly one of the two.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Telegram or e-mail: each channel has its own row for the same message (migration 0011).
    channel: Mapped[str] = mapped_column(
        String(16), default=DeliveryChannel.TELEGRAM, server_default=DeliveryChannel.TELEGRAM.value
    )
    status: Mapped[str] = mapped_column(String(16))
    # The meeting link this message carried, if any: a later change of link is corrected.
    link: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The replica (see Replica) that took this row to send it; kept after sending.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    # E-mail only: tries so far, and not before when the next may be made (a deferral).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchoolClass(Base):
    """A class a teacher registered for an event: the teacher's details, the roster, and the
    class's Telegram group once it is bound. `code` goes into the group and pupil links."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.ACTIVE)
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    declared_size: Mapped[int] = mapped_column(Integer)
    teacher_name: Mapped[str | None] = mapped_column(String(200))
    # teacher_name as /find compares it (db/search_keys.py), set with it (migration 0014).
    name_key: Mapped[str | None] = mapped_column(String(NAME_KEY_LENGTH))
    country: Mapped[str | None] = mapped_column(String(100))  # as Registration.country
    city: Mapped[str | None] = mapped_column(String(100))
    school: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    # Where the class was registered: the bot (a teacher's chat in `teacher_id`) or the web
    # page (no chat: the teacher reaches the class page by its token, see migration 0010).
    source: Mapped[str] = mapped_column(
        String(16), default=RegistrationSource.BOT, server_default=RegistrationSource.BOT.value
    )
    # The class page's token as a SHA-256 hex digest only (bot/services/registration/access.py);
    # NULL: none issued (a bot class), or revoked.
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # E-mail to the teacher's address, as for registrations (migration 0015): confirmed through
    # the e-mailed link, refused for good by the mail server (and why), muted by the one-click
    # unsubscribe (reminders and broadcasts only).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(Text)
    email_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    group_title: Mapped[str | None] = mapped_column(String(255))
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    students: Mapped[list[ClassStudent]] = relationship(
        back_populates="school_class", order_by="ClassStudent.id", cascade="all, delete-orphan"
    )

    @validates("teacher_name")
    def _keep_name_key(self, _: str, value: str | None) -> str | None:
        self.name_key = name_key(value)
        return value


class StudentStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # a pupil who joined by link, waiting for the teacher


class ClassStudent(Base):
    __tablename__ = "class_students"
    # What /find compares (migration 0014), as for registrations.
    __table_args__ = (Index("ix_class_students_find", "name_key", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name as /find compares it (db/search_keys.py), set with the name (migration 0014).
    name_key: Mapped[str | None] = mapped_column(String(NAME_KEY_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default=StudentStatus.ACTIVE)
    # Set when the pupil joined through the class link themselves.
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    school_class: Mapped[SchoolClass] = relationship(back_populates="students")

    @validates("full_name")
    def _keep_name_key(self, _: str, value: str) -> str:
        self.name_key = name_key(value)
        return value


class GroupDelivery(Base):
    """The Telegram ledger of class messages: one row per class and kind, whichever chat it
    went to (the bound group, or else the teacher's private chat), so the two never both get
    it. A class's e-mails are in `deliveries` (class_id)."""

    __tablename__ = "group_deliveries"
    __table_args__ = (UniqueConstraint("class_id", "kind", name="uq_group_deliveries_class_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    link: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The replica (see Replica) that took this row to send it; kept after sending.
    claimed_by: Mapped[str | None] = mapped_column(String(32))


class Attendance(Base):
    """A check-in: the "I'm here" button or the code word, during the event. One per
    registration, or per class for a class group."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("registration_id", name="uq_attendance_registration_id"),
        UniqueConstraint("class_id", name="uq_attendance_class_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # button | code | web | organizer | report | ticket
    method: Mapped[str] = mapped_column(String(16))
    # A check-in at the door of an offline venue: which venue, and the coordinator who did it
    # (migration 0017).
    venue_id: Mapped[str | None] = mapped_column(String(32))
    checked_by: Mapped[int | None] = mapped_column(BigInteger)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Minutes in the meeting by its imported report (migration 0016); NULL: no report says.
    minutes: Mapped[int | None] = mapped_column(Integer)


class Certificate(Base):
    """An issued certificate: the number is permanent, asking again gives the same one."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), unique=True
    )
    # Who gets the document: the participant, or the teacher for a class PDF.
    recipient_id: Mapped[int | None] = mapped_column(BigInteger)
    full_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reissued: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # The replica (see Replica) that took this row to send it; kept after sending.
    claimed_by: Mapped[str | None] = mapped_column(String(32))


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("certificate_id", name="uq_feedback_certificate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BroadcastStatus(StrEnum):
    # Waiting for `scheduled_at`; its recipients are resolved when it starts (migration 0013).
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An organizer's message to an audience, stored with its recipients before the first
    copy goes, so that a restart continues where it stopped."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    audience: Mapped[str] = mapped_column(String(32))
    # The organizer's own message, copied to every recipient (copyMessage keeps formatting
    # and media).
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same message as a letter (migration 0012): its text or caption as Telegram HTML, and
    # the photo or document as Telegram's file id (downloaded when the letter is built), with
    # the attachment's name and type. NULL: nothing of that kind in the message.
    text_html: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(128))
    # A broadcast set for a later time (status SCHEDULED until then), and what the audience
    # needs beyond its name: one registration's id, an uploaded list of ids and addresses, a
    # venue (migration 0013). NULL / {}: sent at once to a named audience.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    audience_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class RecipientStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a replica (`claimed_by`), being sent
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_recipients_broadcast_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=RecipientStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The replica (see Replica) that took this row to send it; kept after sending.
    claimed_by: Mapped[str | None] = mapped_column(String(32))


class AuditEntry(Base):
    """What an organizer did, when. Filled by the organizer console."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OrganizerRole(StrEnum):
    """What an organizer may do. ADMIN_IDS are always full organizers (and cannot be removed
    from the chat); others are added with /team and stored here."""

    ORGANIZER = "organizer"  # everything, /team included
    VIEWER = "viewer"  # read-only: /stats, /find (no buttons that change), /export, /audit


class Organizer(Base):
    """An organizer added from the chat with /team (migration 0013)."""

    __tablename__ = "organizers"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    # Who added them (an organizer's Telegram id) and when; the audit log has the history.
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A name to show in /team, from their Telegram profile when they were added or last seen.
    display_name: Mapped[str | None] = mapped_column(String(200))


class Replica(Base):
    """A running bot process. Replicas sharing one database claim work (reminders, broadcast
    copies, certificates) in its name; a replica that stops beating for longer than the
    timeout is gone, and what it had claimed but not sent is taken over by the others."""

    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # host and pid, for people reading logs
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
