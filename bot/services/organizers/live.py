"""Live attendance of one event, for /live: who registered and who checked in, per place people
attend from (online; offline, one row per venue when the event lists venues, with each venue's
waiting list), the classes checked in with their pupils, and the latest check-ins.

A venue's coordinator sees their venue only (`venue_counts`): its seats taken, who checked in,
its waiting list and the latest check-ins there.

Counted once per update for every organizer watching the same event, and once for every
coordinator watching the same venue (the boards that show it: handlers/admin/live_board.py);
three small queries on indexed columns, whatever the size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.events.catalog import Event, EventFormat
from db.models import (
    Attendance,
    ClassStudent,
    Registration,
    RegistrationStatus,
    SchoolClass,
    StudentStatus,
)

# How often open boards are brought up to date. Telegram allows about one edit a second in a
# chat; a board is edited only when its text changed, so most ticks edit nothing.
UPDATE_EVERY = timedelta(seconds=5)
# The closest two edits of one board may come, even when ticks bunch up (a delayed job
# catching up): well clear of Telegram's one a second.
MIN_EDIT_GAP = timedelta(seconds=3)
# Any two messages of one board (the first, its edits, its last word) are at least this far
# apart: Telegram's limit of about one a second in a chat, which a Stop pressed just after an
# update would otherwise cross.
EDIT_SPACING = timedelta(seconds=1)
# A board opened long before the event (or forgotten) stops after this.
LONGEST = timedelta(hours=6)
# The latest check-ins a board lists.
RECENT = 5


@dataclass(frozen=True)
class PlaceCount:
    """One place people attend from: `place` is a participation format ("online", "offline"),
    and `venue` the venue's id for an offline row of an event with venues (None: online, or
    offline without a venue chosen). Only active registrations count: `registered` those with a
    place (a seat at the venue), `waiting` those on the venue's waiting list, who are not
    expected at the door and count in neither `registered` nor `checked_in`."""

    place: str
    registered: int
    checked_in: int
    venue: str | None = None
    waiting: int = 0

    @property
    def key(self) -> str:
        return place_key(self.place, self.venue)


def place_key(place: str, venue: str | None) -> str:
    """A row's name in `expected_places`: the format, or `offline@<venue id>`."""
    return f"{place}@{venue}" if venue else place


@dataclass(frozen=True)
class ClassCheckIn:
    """A class checked in: its name and its pupils (the roster, or the number the teacher
    declared while the roster is empty)."""

    name: str
    pupils: int
    checked_at: datetime


@dataclass(frozen=True)
class RecentCheckIn:
    """One of the latest check-ins: a participant (`name`, None once erased) or a class
    (`class_name`)."""

    checked_at: datetime
    method: str
    name: str | None
    class_name: str | None = None


@dataclass(frozen=True)
class LiveCounts:
    places: tuple[PlaceCount, ...]
    classes_registered: int
    classes: tuple[ClassCheckIn, ...]  # newest check-in first
    recent: tuple[RecentCheckIn, ...]  # newest first

    @property
    def registered(self) -> int:
        return sum(p.registered for p in self.places)

    @property
    def checked_in(self) -> int:
        return sum(p.checked_in for p in self.places)

    @property
    def percent(self) -> int:
        return percent(self.checked_in, self.registered)

    @property
    def waiting(self) -> int:
        return sum(p.waiting for p in self.places)

    @property
    def pupils(self) -> int:
        return sum(c.pupils for c in self.classes)


def percent(part: int, whole: int) -> int:
    """Rounded down: 100 only when everyone is there, 0 for nobody (and for an empty event)."""
    return part * 100 // whole if whole else 0


def checkin_closes(event: Event) -> datetime:
    """The last moment anyone can check in: after it, the numbers no longer move."""
    return event.ends_at + event.checkin_after_end


def live_until(event: Event, opened_at: datetime) -> datetime:
    """When a board opened at `opened_at` stops by itself."""
    return min(checkin_closes(event), opened_at + LONGEST)


def is_live(event: Event, now: datetime) -> bool:
    return now < checkin_closes(event)


def expected_places(event: Event) -> tuple[str, ...]:
    """The rows a board always shows, with zeros too: both formats of a hybrid event, and
    every venue of an event that lists them (in the events file's order)."""
    offline: tuple[str, ...] = ("offline",)
    if event.venues:
        offline = tuple(place_key("offline", venue.id) for venue in event.venues)
    if event.format is EventFormat.HYBRID:
        return ("online", *offline)
    if event.format is EventFormat.OFFLINE:
        return offline
    return (event.format.value,)


async def live_counts(
    session: AsyncSession, event_id: int, places: Sequence[str] = ()
) -> LiveCounts:
    """The event's attendance now. `places`: rows shown even when nobody registered there
    (expected_places); others appear when someone registered with them."""
    return LiveCounts(
        places=await _places(session, event_id, places),
        classes_registered=await _classes_registered(session, event_id),
        classes=await _classes_checked_in(session, event_id),
        recent=await _recent(session, event_id),
    )


async def venue_counts(session: AsyncSession, event_id: int, venue: str) -> LiveCounts:
    """A coordinator's view: one venue's row, and the latest check-ins of its people."""
    key = place_key("offline", venue)
    rows = await _places(session, event_id, (key,), Registration.venue_id == venue)
    row = next((r for r in rows if r.key == key), PlaceCount("offline", 0, 0, venue))
    return LiveCounts(
        places=(row,),
        classes_registered=0,
        classes=(),
        recent=await _recent(session, event_id, Registration.venue_id == venue),
    )


async def _places(
    session: AsyncSession,
    event_id: int,
    expected: Sequence[str],
    only: ColumnElement[bool] | None = None,
) -> tuple[PlaceCount, ...]:
    waiting = Registration.venue_waiting_since.is_not(None)
    query = (
        select(
            Registration.participation_format,
            Registration.venue_id,
            waiting,
            func.count(Registration.id),
            func.count(Attendance.id),
        )
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
        )
        .group_by(Registration.participation_format, Registration.venue_id, waiting)
    )
    if only is not None:
        query = query.where(only)
    counted: dict[str, PlaceCount] = {}
    for place, venue, on_list, registered, checked in await session.execute(query):
        # A venue kept by an online registration (changed their mind) is no seat.
        venue = venue if place == "offline" else None
        row = counted.get(place_key(place, venue), PlaceCount(place, 0, 0, venue))
        if on_list and venue is not None:
            row = PlaceCount(place, row.registered, row.checked_in, venue, row.waiting + registered)
        else:
            row = PlaceCount(
                place, row.registered + registered, row.checked_in + checked, venue, row.waiting
            )
        counted[row.key] = row
    ordered = [counted.pop(key, _empty(key)) for key in expected]
    return (*ordered, *(counted[key] for key in sorted(counted)))


def _empty(key: str) -> PlaceCount:
    place, _, venue = key.partition("@")
    return PlaceCount(place, 0, 0, venue or None)


async def _classes_registered(session: AsyncSession, event_id: int) -> int:
    count = await session.scalar(
        select(func.count(SchoolClass.id)).where(
            SchoolClass.event_id == event_id, SchoolClass.status == RegistrationStatus.ACTIVE
        )
    )
    return count or 0


async def _classes_checked_in(session: AsyncSession, event_id: int) -> tuple[ClassCheckIn, ...]:
    roster = (
        select(func.count(ClassStudent.id))
        .where(ClassStudent.class_id == SchoolClass.id, ClassStudent.status == StudentStatus.ACTIVE)
        .correlate(SchoolClass)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(SchoolClass.name, SchoolClass.declared_size, roster, Attendance.checked_at)
        .join(Attendance, Attendance.class_id == SchoolClass.id)
        .where(SchoolClass.event_id == event_id, SchoolClass.status == RegistrationStatus.ACTIVE)
        .order_by(Attendance.checked_at.desc(), Attendance.id.desc())
    )
    return tuple(
        ClassCheckIn(name, listed or declared, checked_at)
        for name, declared, listed, checked_at in rows
    )


async def _recent(
    session: AsyncSession, event_id: int, only: ColumnElement[bool] | None = None
) -> tuple[RecentCheckIn, ...]:
    query = (
        select(Attendance.checked_at, Attendance.method, Registration.full_name, SchoolClass.name)
        .outerjoin(Registration, Registration.id == Attendance.registration_id)
        .outerjoin(SchoolClass, SchoolClass.id == Attendance.class_id)
        .where(Attendance.event_id == event_id)
        .order_by(Attendance.checked_at.desc(), Attendance.id.desc())
        .limit(RECENT)
    )
    if only is not None:
        query = query.where(only)
    rows = await session.execute(query)
    return tuple(
        RecentCheckIn(checked_at, method, full_name, class_name)
        for checked_at, method, full_name, class_name in rows
    )
