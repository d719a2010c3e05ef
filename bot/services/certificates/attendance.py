"""Check-in during the event: who was there decides who gets a certificate."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, exists, or_, select, true
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
    # A class button pressed somewhere else than the class's group or its teacher's chat.
    NOT_HERE = "not-here"


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
    return await check_in_registration(session, clock, event, registration, method)


async def check_in_registration(
    session: AsyncSession, clock: Clock, event: Event, registration: Registration, method: str
) -> CheckIn:
    """One registration checks in (the bot's button and code word, the personal page's
    button): while check-in is open, and only an active registration."""
    now = clock.now()
    if not event.checkin_open(now):
        return CheckIn.CLOSED
    if registration.status != RegistrationStatus.ACTIVE:
        return CheckIn.NOT_REGISTERED
    return await _record(
        session,
        Attendance(
            event_id=registration.event_id,
            registration_id=registration.id,
            method=method,
            checked_at=now,
        ),
    )


async def checked_in(session: AsyncSession, registration_id: int) -> bool:
    found = await session.scalar(
        select(Attendance.id).where(Attendance.registration_id == registration_id).limit(1)
    )
    return found is not None


def attended_enough(event: Event, event_id: int) -> ColumnElement[bool]:
    """With `min_attendance`, the condition a checked-in registration must also meet for a
    certificate, in SQL (bot/services/certificates/issue.py).

    Until a meeting report is imported for the event, a check-in is enough: the button and the
    code word stay the ways in, and an event whose report never comes still gives certificates.
    Once one is imported, it is the measure for those who attended online: their minutes must
    reach the minimum, and a check-in by button or code word that the report does not back (an
    online participant not found in it) is not enough. Offline participants are not in the
    meeting's report, so their check-in stays enough, and so does a mark an organizer set by hand
    in /find (method "organizer"): their own decision."""
    threshold = event.min_attendance_minutes
    if threshold is None:
        return true()
    report_imported = exists().where(
        Attendance.event_id == event_id, Attendance.minutes.is_not(None)
    )
    return or_(
        ~report_imported,
        Registration.participation_format == "offline",
        exists().where(
            Attendance.registration_id == Registration.id,
            or_(Attendance.method == "organizer", Attendance.minutes >= threshold),
        ),
    )


async def check_in_class(
    session: AsyncSession,
    clock: Clock,
    event: Event,
    event_id: int,
    class_id: int,
    *,
    chat_id: int,
    user_id: int,
) -> CheckIn:
    """A class is checked in from its own bound group, or by its teacher in the private chat
    (`chat_id == user_id`), and only for its own event: the button's data can be forged."""
    now = clock.now()
    if not event.checkin_open(now):
        return CheckIn.CLOSED
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None or school_class.status != RegistrationStatus.ACTIVE:
        return CheckIn.NOT_REGISTERED
    in_group = school_class.group_chat_id is not None and chat_id == school_class.group_chat_id
    by_teacher = chat_id == user_id and user_id == school_class.teacher_id
    if school_class.event_id != event_id or not (in_group or by_teacher):
        return CheckIn.NOT_HERE
    return await _record(
        session,
        Attendance(
            event_id=school_class.event_id, class_id=class_id, method="button", checked_at=now
        ),
    )


async def check_in_class_page(
    session: AsyncSession, clock: Clock, event: Event, school_class: SchoolClass
) -> CheckIn:
    """A class checked in by its teacher on the class page (web/routes/classes.py): the
    page's token authorises it, as the teacher's chat does in the bot."""
    if not event.checkin_open(clock.now()):
        return CheckIn.CLOSED
    if school_class.status != RegistrationStatus.ACTIVE:
        return CheckIn.NOT_REGISTERED
    return await _record(
        session,
        Attendance(
            event_id=school_class.event_id,
            class_id=school_class.id,
            method="web",
            checked_at=clock.now(),
        ),
    )


async def class_checked_in(session: AsyncSession, class_id: int) -> bool:
    found = await session.scalar(
        select(Attendance.id).where(Attendance.class_id == class_id).limit(1)
    )
    return found is not None


async def _record(session: AsyncSession, attendance: Attendance) -> CheckIn:
    session.add(attendance)
    try:
        await session.commit()
    except IntegrityError:  # the unique constraints say: checked in already
        await session.rollback()
        return CheckIn.ALREADY
    return CheckIn.DONE
