"""Seats at an event's offline venues, and their waiting lists.

A registration holds a seat at a venue while it is active (or pending: a web form whose
address is not confirmed yet keeps what the form promised until it is confirmed or removed,
as it keeps its address) with `venue_id` set and `venue_waiting_since` NULL; with
`venue_waiting_since` set it is on the venue's waiting list, first come first served
(`ORDER BY venue_waiting_since, id`). A venue without a capacity never fills.

Race-free on SQLite and PostgreSQL alike: every change of seats takes the event's lock first
(`lock_seats`: a write to the event's row, which locks that row on PostgreSQL and takes the
database's write lock on SQLite until the transaction ends), then counts, then writes. Of two
people taking the last seat at once, the second waits for the first to commit, and its count,
a new statement, sees the first's seat (PostgreSQL's READ COMMITTED takes a snapshot per
statement; SQLite's transaction begins with the write). It is the lock registrations take for
the address check (`registrations.lock_event`), so a registration takes one lock for both.

A seat freed (a cancel, an erase, a switch to online or to another venue) goes to the first in
line in the same transaction, and the notice is queued with it in the delivery ledger, one kind
per promotion (`seat-<venue>-<n>`): a Telegram row for the bot to send
(bot/services/delivery/seat_notices.py) and, to a usable address, a letter for the mail
outbox. Once the event has started nobody is promoted: who still waits is told nothing new."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.events.catalog import Event, EventCatalog, Venue
from db.claims import insert_new
from db.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationStatus,
)
from db.reach import mail_usable

SEAT_KIND = "seat-"
# Statuses whose registration keeps its place (a seat or a place in line).
HOLDING = (RegistrationStatus.ACTIVE, RegistrationStatus.PENDING)


class VenueUnknown(Exception):
    """The venue chosen is not (or no longer) one of the event's."""


class VenueFull(Exception):
    """The venue has no free seat, and the person did not ask for its waiting list."""

    def __init__(self, venue: Venue) -> None:
        super().__init__(venue.id)
        self.venue = venue


@dataclass(frozen=True)
class VenueSeats:
    """A venue's seats as counted now."""

    venue: Venue
    taken: int = 0
    waiting: int = 0

    @property
    def free(self) -> int | None:
        """Seats left; None: no limit."""
        if self.venue.capacity is None:
            return None
        return max(self.venue.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        """A newcomer gets no seat: none is free, or those in line come first."""
        return self.free is not None and (self.free == 0 or self.waiting > 0)


@dataclass(frozen=True)
class Promoted:
    """Someone a freed seat went to; the notice is queued under `kind`."""

    registration_id: int
    user_id: int | None
    language: str
    venue_id: str
    kind: str


def holds_place() -> ColumnElement[bool]:
    return Registration.status.in_(HOLDING)


def seated(venue_id: str | None = None) -> ColumnElement[bool]:
    """Holds a seat (at `venue_id`, or at any venue)."""
    where = and_(
        holds_place(),
        Registration.venue_id.is_not(None),
        Registration.venue_waiting_since.is_(None),
    )
    return where if venue_id is None else and_(where, Registration.venue_id == venue_id)


def waiting(venue_id: str | None = None) -> ColumnElement[bool]:
    """On the waiting list (of `venue_id`, or of any venue)."""
    where = and_(holds_place(), Registration.venue_waiting_since.is_not(None))
    return where if venue_id is None else and_(where, Registration.venue_id == venue_id)


def holds_seat(row: Registration) -> bool:
    """seated() of a loaded row."""
    return row.status in HOLDING and row.venue_id is not None and row.venue_waiting_since is None


async def lock_seats(session: AsyncSession, event_id: int) -> None:
    """The event's lock (see the module's docstring); held until the transaction ends."""
    await session.execute(update(EventRow).where(EventRow.id == event_id).values(id=EventRow.id))


async def seat_counts(session: AsyncSession, event: Event, event_id: int) -> list[VenueSeats]:
    """Every venue of the event, in the events file's order, with its seats taken and its
    waiting list's length (one query)."""
    rows = await session.execute(
        select(
            Registration.venue_id,
            func.count().filter(Registration.venue_waiting_since.is_(None)),
            func.count().filter(Registration.venue_waiting_since.is_not(None)),
        )
        .where(
            Registration.event_id == event_id,
            holds_place(),
            Registration.venue_id.is_not(None),
        )
        .group_by(Registration.venue_id)
    )
    counts = {venue_id: (int(taken), int(queued)) for venue_id, taken, queued in rows}
    return [VenueSeats(v, *counts.get(v.id, (0, 0))) for v in event.venues]


async def _taken(
    session: AsyncSession, event_id: int, venue_id: str, *, except_id: int | None
) -> tuple[int, int]:
    """Seats taken and people waiting at the venue, not counting the registration
    `except_id` (the one being placed)."""
    query = select(
        func.count().filter(Registration.venue_waiting_since.is_(None)),
        func.count().filter(Registration.venue_waiting_since.is_not(None)),
    ).where(Registration.event_id == event_id, holds_place(), Registration.venue_id == venue_id)
    if except_id is not None:
        query = query.where(Registration.id != except_id)
    taken, queued = (await session.execute(query)).one()
    return int(taken), int(queued)


async def place(
    session: AsyncSession,
    event: Event,
    row: Registration,
    venue_id: str | None,
    *,
    accept_waiting: bool,
    was_holding: bool,
    now: datetime,
) -> list[Promoted]:
    """Put the registration at `venue_id` (None: no venue: online, or an event without
    venues), under `lock_seats` taken by the caller, in the caller's transaction: a seat if
    one is free, else the waiting list if the person accepts it (`accept_waiting`), else
    VenueFull. `was_holding`: the row held its place before this change (an edit; not a new
    or reactivated registration), so a seat it leaves is freed and given to the first in line
    (returned). Keeping the same venue keeps the seat, or the place in line."""
    old_venue, old_waiting = row.venue_id, row.venue_waiting_since
    if venue_id is not None and event.venue_by_id(venue_id) is None:
        raise VenueUnknown(venue_id)
    if was_holding and venue_id == old_venue:
        return []
    # The row's id (a new row is inserted), so that the counts leave it out whatever the
    # database holds for it yet.
    await session.flush()
    promoted: list[Promoted] = []
    waiting_since = None
    if venue_id is not None:
        venue = event.venue_by_id(venue_id)
        assert venue is not None
        # Seats left to someone waiting go to them first (a capacity raised since, say).
        promoted += await fill(session, event, row.event_id, [venue_id], now, except_id=row.id)
        taken, queued = await _taken(session, row.event_id, venue_id, except_id=row.id)
        if venue.capacity is not None and (taken >= venue.capacity or queued > 0):
            if not accept_waiting:
                raise VenueFull(venue)
            waiting_since = now
    row.venue_id, row.venue_waiting_since = venue_id, waiting_since
    if was_holding and old_venue is not None and old_waiting is None:
        promoted += await fill(session, event, row.event_id, [old_venue], now, except_id=row.id)
    return promoted


async def place_many(
    session: AsyncSession,
    event: Event,
    event_id: int,
    rows: Sequence[tuple[Registration, str | None, bool]],
    now: datetime,
) -> list[Registration]:
    """New registrations (not written yet) of one event, each with its venue and whether it
    accepts the waiting list, placed in the order given under `lock_seats`, with one count
    per venue: the web page's batch. Returns the rows refused (VenueFull): the caller leaves
    them out."""
    counts = {s.venue.id: s for s in await seat_counts(session, event, event_id)}
    refused = []
    for row, venue_id, accept_waiting in rows:
        row.venue_id, row.venue_waiting_since = venue_id, None
        seats = counts.get(venue_id or "")
        if venue_id is None or seats is None:
            continue
        if seats.full:
            if not accept_waiting:
                refused.append(row)
                continue
            row.venue_waiting_since = now
            counts[venue_id] = VenueSeats(seats.venue, seats.taken, seats.waiting + 1)
        else:
            counts[venue_id] = VenueSeats(seats.venue, seats.taken + 1, seats.waiting)
    return refused


async def release(
    session: AsyncSession,
    event: Event,
    event_id: int,
    venues: Iterable[str | None],
    now: datetime,
) -> list[Promoted]:
    """Seats at `venues` were given up (cancel, erase) in the caller's transaction, after
    `lock_seats`: the first in line at each gets one."""
    freed = sorted({v for v in venues if v is not None})
    return await fill(session, event, event_id, freed, now) if freed else []


async def fill(
    session: AsyncSession,
    event: Event,
    event_id: int,
    venue_ids: Sequence[str] | None,
    now: datetime,
    *,
    except_id: int | None = None,
) -> list[Promoted]:
    """Give each free seat at the venues (None: all of the event's) to the first in line,
    with the notice queued; only before the event starts. Under `lock_seats`."""
    if now >= event.starts_at:
        return []
    promoted: list[Promoted] = []
    for venue in event.venues:
        if venue_ids is not None and venue.id not in venue_ids:
            continue
        taken, queued = await _taken(session, event_id, venue.id, except_id=except_id)
        if not queued:
            continue
        free = queued if venue.capacity is None else venue.capacity - taken
        if free <= 0:
            continue
        query = (
            select(Registration)
            .where(Registration.event_id == event_id, waiting(venue.id))
            .order_by(Registration.venue_waiting_since, Registration.id)
            .limit(free)
        )
        if except_id is not None:
            query = query.where(Registration.id != except_id)
        for row in (await session.scalars(query)).all():
            row.venue_waiting_since = None
            row.updated_at = now
            promoted.append(await _queue_notice(session, row, venue, now))
    return promoted


async def fill_after_changes(
    session: AsyncSession, catalog: EventCatalog, now: datetime
) -> list[Promoted]:
    """At start-up, once the events file is synced: seats a changed file freed (a venue's
    capacity raised, or its limit removed) go to the first in line, each told as when a seat is
    given up; a seat is otherwise freed only by someone leaving. Every event with venues that
    has not started, each under its lock (replicas starting together take turns); the caller
    commits."""
    promoted: list[Promoted] = []
    for event in catalog:
        if not event.venues or now >= event.starts_at:
            continue
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == event.slug))
        if event_id is None:
            continue
        await lock_seats(session, event_id)
        promoted += await fill(session, event, event_id, None, now)
    return promoted


async def _queue_notice(
    session: AsyncSession, row: Registration, venue: Venue, now: datetime
) -> Promoted:
    """The notice of the seat, in the ledger: for the bot's chat (if any) and, to a usable
    address, for the mail outbox. Its kind counts this registration's earlier seat notices, so
    a second promotion (after a switch and a wait) is told too, and each only once."""
    earlier = await session.scalar(
        select(func.count(func.distinct(Delivery.kind))).where(
            Delivery.registration_id == row.id, Delivery.kind.startswith(SEAT_KIND)
        )
    )
    # The ledger's kind holds 32 characters: a long venue id is cut (the number tells apart).
    kind = f"{SEAT_KIND}{venue.id[:16]}-{int(earlier or 0) + 1}"
    channels = []
    if row.user_id is not None:
        channels.append(DeliveryChannel.TELEGRAM)
    if mail_usable(row):
        channels.append(DeliveryChannel.EMAIL)
    await insert_new(
        session,
        Delivery.__table__,  # type: ignore[arg-type]
        [
            {
                "registration_id": row.id,
                "event_id": row.event_id,
                "kind": kind,
                "channel": channel,
                "status": DeliveryStatus.QUEUED,
                "created_at": now,
                "attempts": 0,
            }
            for channel in channels
        ],
        conflict=["registration_id", "kind", "channel"],
        returning="id",
    )
    return Promoted(row.id, row.user_id, row.language, venue.id, kind)


def is_seat_kind(kind: str) -> bool:
    return kind.startswith(SEAT_KIND)
