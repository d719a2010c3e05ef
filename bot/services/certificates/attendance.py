"""Check-in during the event: who was there decides who gets a certificate."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.events.catalog import Event
from db.models import Attendance, EventRow, Registration, RegistrationStatus, SchoolClass


class CheckIn(StrEnum):
    DONE = "done"
    ALREADY = "already"
    NOT_REGISTERED = "not-registered"
    CLOSED = "closed"


async def event_row(session: AsyncSession, event_id: int) -> EventRow | None:
    return await session.get(EventRow, event_id)


async def check_in_participant(
    session: AsyncSession, clock: Clock, event: Event, event_id: int, user_id: int, method: str
) -> CheckIn:
    now = clock.now()
    if not event.checkin_open(now):
        return CheckIn.CLOSED
    registration = await session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.user_id == user_id,
            Registration.status == RegistrationStatus.ACTIVE,
        )
    )
    if registration is None:
        return CheckIn.NOT_REGISTERED
    return await _record(
        session,
        Attendance(
            event_id=event_id, registration_id=registration.id, method=method, checked_at=now
        ),
    )


async def check_in_class(
    session: AsyncSession, clock: Clock, event: Event, class_id: int
) -> CheckIn:
    now = clock.now()
    if not event.checkin_open(now):
        return CheckIn.CLOSED
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None or school_class.status != RegistrationStatus.ACTIVE:
        return CheckIn.NOT_REGISTERED
    return await _record(
        session,
        Attendance(
            event_id=school_class.event_id, class_id=class_id, method="button", checked_at=now
        ),
    )


async def _record(session: AsyncSession, attendance: Attendance) -> CheckIn:
    session.add(attendance)
    try:
        await session.commit()
    except IntegrityError:  # the unique constraints say: checked in already
        await session.rollback()
        return CheckIn.ALREADY
    return CheckIn.DONE
