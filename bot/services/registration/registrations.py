"""Registration rules over the database: who may register, saving, cancelling, erasing.

Knows nothing of Telegram; raises domain errors that the handlers turn into polite answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.events.catalog import Event, EventCatalog, EventFormat, EventState
from bot.services.registration.form import CONSENT_VERSION, Field, is_complete
from db.models import ClassStudent, Registration, RegistrationStatus, SchoolClass
from db.repositories import EventRepository, RegistrationRepository, UserRepository


class RegistrationError(Exception):
    """A rule refused the action; `key` is the Fluent message to show."""

    key = "err-generic"

    def __init__(self, event: Event | None = None) -> None:
        super().__init__(self.key)
        self.event = event


class RegistrationClosed(RegistrationError):
    key = "err-registration-closed"


class EventOver(RegistrationError):
    key = "err-event-over"


class AlreadyRegistered(RegistrationError):
    key = "err-already-registered"


class UnknownEvent(RegistrationError):
    key = "err-unknown-event"


class NotRegistered(RegistrationError):
    key = "err-not-registered"


class FormIncomplete(RegistrationError):
    key = "err-form-incomplete"


@dataclass(frozen=True)
class UserRegistration:
    """A registration together with the event config it belongs to."""

    row: Registration
    event: Event

    @property
    def active(self) -> bool:
        return self.row.status == RegistrationStatus.ACTIVE


async def sync_events(session: AsyncSession, catalog: EventCatalog, clock: Clock) -> None:
    """Mirror the events file into the database. Events removed from the file stay in the
    database: registrations refer to them."""
    repo = EventRepository(session)
    now = clock.now()
    for event in catalog:
        await repo.upsert(
            slug=event.slug,
            title_ru=event.title.ru,
            title_zh=event.title.zh,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            config=event.model_dump(mode="json"),
            now=now,
        )
    await session.commit()


class RegistrationService:
    def __init__(self, session: AsyncSession, catalog: EventCatalog, clock: Clock) -> None:
        self.session = session
        self.catalog = catalog
        self.clock = clock
        self.registrations = RegistrationRepository(session)
        self.events = EventRepository(session)
        self.users = UserRepository(session)

    def event(self, slug: str) -> Event:
        event = self.catalog.get(slug)
        if event is None:
            raise UnknownEvent()
        return event

    async def of_user(self, user_id: int) -> list[UserRegistration]:
        """The user's registrations for events still in the events file, in start order."""
        out = []
        for row in await self.registrations.for_user(user_id):
            event = self.catalog.get(row.event.slug)
            if event is not None:
                out.append(UserRegistration(row, event))
        return sorted(out, key=lambda r: r.event.starts_at)

    async def active_of_user(self, user_id: int) -> list[UserRegistration]:
        return [r for r in await self.of_user(user_id) if r.active]

    async def upcoming_of_user(self, user_id: int) -> list[UserRegistration]:
        """Active registrations for events not over yet: what a participant can still change
        and what reminders are about."""
        now = self.clock.now()
        return [
            r
            for r in await self.active_of_user(user_id)
            if r.event.state(now) is not EventState.OVER
        ]

    async def find(self, user_id: int, slug: str) -> UserRegistration | None:
        for reg in await self.of_user(user_id):
            if reg.event.slug == slug:
                return reg
        return None

    async def ensure_can_register(self, user_id: int, slug: str) -> Event:
        event = self.event(slug)
        state = event.state(self.clock.now())
        if state is EventState.OVER:
            raise EventOver(event)
        if state is EventState.CLOSED:
            raise RegistrationClosed(event)
        existing = await self.find(user_id, slug)
        if existing is not None and existing.active:
            raise AlreadyRegistered(event)
        return event

    async def register(
        self, user_id: int, slug: str, answers: dict[str, Any], language: str
    ) -> UserRegistration:
        """Save a completed form. A cancelled registration for the same event is reactivated
        with the new answers (one row per user and event)."""
        event = await self.ensure_can_register(user_id, slug)
        hybrid = event.format is EventFormat.HYBRID
        if not is_complete(answers, hybrid) or "consent_at" not in answers:
            raise FormIncomplete(event)
        row_event = await self.events.by_slug(slug)
        if row_event is None:  # the file and the database are synced at start-up
            raise UnknownEvent(event)
        now = self.clock.now()
        row = await self.registrations.get(user_id, row_event.id)
        if row is None:
            row = Registration(user_id=user_id, event_id=row_event.id, created_at=now)
            self.registrations.add(row)
        row.status = RegistrationStatus.ACTIVE
        row.cancelled_at = None
        row.language = language
        row.consent_at = _parse_time(answers["consent_at"])
        row.consent_version = str(answers.get("consent_version", CONSENT_VERSION))
        _fill(row, answers, event)
        row.updated_at = now
        try:
            await self.session.commit()
        except IntegrityError:
            # Two Confirm presses racing each other: the other one won.
            await self.session.rollback()
            raise AlreadyRegistered(event) from None
        await self.session.refresh(row, ["event"])
        return UserRegistration(row, event)

    async def update(self, user_id: int, slug: str, answers: dict[str, Any]) -> UserRegistration:
        """Save edited answers of an existing active registration."""
        reg = await self.find(user_id, slug)
        if reg is None or not reg.active:
            raise NotRegistered(self.catalog.get(slug))
        if reg.event.state(self.clock.now()) is EventState.OVER:
            raise EventOver(reg.event)
        if not is_complete(answers, reg.event.format is EventFormat.HYBRID):
            raise FormIncomplete(reg.event)
        _fill(reg.row, answers, reg.event)
        reg.row.updated_at = self.clock.now()
        await self.session.commit()
        return reg

    async def cancel(self, user_id: int, slug: str) -> UserRegistration:
        reg = await self.find(user_id, slug)
        if reg is None or not reg.active:
            raise NotRegistered(self.catalog.get(slug))
        now = self.clock.now()
        reg.row.status = RegistrationStatus.CANCELLED
        reg.row.cancelled_at = now
        reg.row.updated_at = now
        await self.session.commit()
        return reg

    async def _erase_classes(self, user_id: int, now: datetime) -> None:
        """A teacher's classes are cancelled and emptied: their details and the pupils' names
        were given by this person. A pupil's own join requests go too."""
        classes = (
            await self.session.execute(select(SchoolClass).where(SchoolClass.teacher_id == user_id))
        ).scalars()
        for school_class in classes:
            school_class.status = RegistrationStatus.CANCELLED
            school_class.cancelled_at = school_class.cancelled_at or now
            for name in ("teacher_name", "country", "city", "school", "email", "phone"):
                setattr(school_class, name, None)
            school_class.group_chat_id = None
            school_class.updated_at = now
            await self.session.execute(
                delete(ClassStudent).where(ClassStudent.class_id == school_class.id)
            )
        await self.session.execute(delete(ClassStudent).where(ClassStudent.user_id == user_id))

    async def erase_user(self, user_id: int) -> None:
        """Erase the person: their registrations become anonymous counts, the user row goes."""
        now = self.clock.now()
        await self.registrations.erase_user(user_id, now)
        await self._erase_classes(user_id, now)
        await self.users.delete(user_id)
        await self.session.commit()


def answers_of(row: Registration) -> dict[str, Any]:
    """The form answers of a saved registration, for editing it with the same form."""
    answers: dict[str, Any] = {
        Field.FULL_NAME: row.full_name,
        Field.COUNTRY: row.country,
        Field.CITY: row.city,
        Field.ORGANIZATION: row.organization,
        Field.ROLE: row.role,
        Field.FORMAT: row.participation_format,
        Field.WANTS_TO_SPEAK: row.wants_to_speak,
        Field.EMAIL: row.email,
    }
    if row.wants_to_speak and row.talk_topic:
        answers[Field.TALK_TOPIC] = row.talk_topic
    answers[Field.PHONE] = row.phone or ""
    return {str(k): v for k, v in answers.items()}


def _fill(row: Registration, answers: dict[str, Any], event: Event) -> None:
    row.full_name = answers[Field.FULL_NAME]
    row.country = answers[Field.COUNTRY]
    row.city = answers[Field.CITY]
    row.organization = answers[Field.ORGANIZATION]
    row.role = answers[Field.ROLE]
    if event.format is EventFormat.HYBRID:
        row.participation_format = answers[Field.FORMAT]
    else:
        row.participation_format = event.format.value
    row.wants_to_speak = bool(answers[Field.WANTS_TO_SPEAK])
    row.talk_topic = answers.get(Field.TALK_TOPIC) if row.wants_to_speak else None
    # A new wish to speak waits for the organizers; an earlier decision stands.
    if not row.wants_to_speak:
        row.speaker_status = None
    elif row.speaker_status is None:
        row.speaker_status = "pending"
    row.email = answers[Field.EMAIL]
    row.phone = answers.get(Field.PHONE) or None


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
