"""Check-in at the door of an offline venue: a coordinator (or an organizer) scans a ticket's QR
code or types the code under it (bot/services/venues/tickets.py), and the holder is checked in
(attendance with method "ticket", the venue and who checked them in).

Who may: a venue's coordinators (their Telegram ids in the event's config) at their own venues,
and organizers at every venue. When: the doors open DOORS_OPEN_BEFORE the start and close with
check-in (`checkin_after_end` after the end), so that people arriving early queue no longer than
they must. A second scan of the same ticket is no error: it says when they came in. Nothing here
knows about Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.events.catalog import Event, EventCatalog, Venue
from bot.services.venues.tickets import valid_code
from db.models import Attendance, EventRow, Registration, RegistrationStatus
from db.repositories import AuditRepository

# The doors open this long before the start: offline guests come early, and a queue at the
# entrance at 10:00 sharp would delay the start for everybody.
DOORS_OPEN_BEFORE = timedelta(hours=1)
# Coordinators keep their door (a photo or a code they send is read as a ticket) until this long
# after check-in closed: a late scan is told "check-in has closed" rather than not understood.
DOOR_KEPT_AFTER = timedelta(hours=12)
METHOD = "ticket"


class Door(StrEnum):
    DONE = "done"  # checked in now
    ALREADY = "already"  # checked in before (a second scan, or the button)
    INVALID = "invalid"  # not a code the bot issues (a typo, an invented one, another QR)
    UNKNOWN = "unknown"  # a well-formed code nobody holds
    CANCELLED = "cancelled"  # the registration was cancelled or erased
    WAITING = "waiting"  # on the venue's waiting list: no seat
    NO_SEAT = "no-seat"  # no venue (any more): took part online, or changed their mind
    OTHER_VENUE = "other-venue"  # a ticket for a venue this coordinator does not keep
    NOT_OPEN = "not-open"  # before the doors open
    CLOSED = "closed"  # check-in has closed


@dataclass(frozen=True)
class DoorCheck:
    """What the door says about one ticket: the result, and (once the code was found) whose
    ticket, for which event and venue, and when they checked in."""

    result: Door
    code: str = ""
    name: str | None = None
    event: Event | None = None
    venue: Venue | None = None
    checked_at: datetime | None = None


# The audit's action of a check-in at the door.
DOOR_CHECK_IN = "door-checkin"


def doors_open(event: Event) -> datetime:
    return event.starts_at - DOORS_OPEN_BEFORE


def doors_close(event: Event) -> datetime:
    return event.ends_at + event.checkin_after_end


def coordinated_venues(
    catalog: EventCatalog, user_id: int, now: datetime
) -> list[tuple[Event, Venue]]:
    """The venues this person keeps the door of now: of events whose check-in has not closed
    long ago (DOOR_KEPT_AFTER)."""
    return [
        (event, venue)
        for event in catalog
        if now < doors_close(event) + DOOR_KEPT_AFTER
        for venue in event.coordinated_by(user_id)
    ]


def coordinator_ids(catalog: EventCatalog, now: datetime) -> set[int]:
    """Everyone who keeps a door now (their command menu shows /live and the door's help)."""
    return {
        user_id
        for event in catalog
        if now < doors_close(event) + DOOR_KEPT_AFTER
        for venue in event.venues
        for user_id in venue.coordinators
    }


async def check_in_ticket(
    session: AsyncSession,
    catalog: EventCatalog,
    now: datetime,
    text: str,
    *,
    checked_by: int,
    organizer: bool,
) -> DoorCheck:
    """Check in the holder of the ticket whose code is `text` (typed, or read from its QR code),
    for `checked_by`: an organizer anywhere, a coordinator at their own venues only."""
    code = valid_code(text)
    if code is None:
        return DoorCheck(Door.INVALID)
    found = (
        await session.execute(
            select(Registration, EventRow.slug)
            .join(EventRow, EventRow.id == Registration.event_id)
            .where(Registration.ticket_code == code)
        )
    ).first()
    event = catalog.get(found[1]) if found is not None else None
    if found is None or event is None:
        return DoorCheck(Door.UNKNOWN, code)
    row: Registration = found[0]
    venue = event.venue_by_id(row.venue_id)
    base = DoorCheck(Door.DONE, code, row.full_name, event, venue)
    if row.status != RegistrationStatus.ACTIVE or row.erased_at is not None:
        return _with(base, Door.CANCELLED)
    if venue is None:
        return _with(base, Door.NO_SEAT)
    if not organizer and checked_by not in venue.coordinators:
        return _with(base, Door.OTHER_VENUE)
    if row.venue_waiting_since is not None:
        return _with(base, Door.WAITING)
    earlier = await _checked_at(session, row.id)
    if earlier is not None:
        return _with(base, Door.ALREADY, earlier)
    if now < doors_open(event):
        return _with(base, Door.NOT_OPEN)
    if now >= doors_close(event):
        return _with(base, Door.CLOSED)
    session.add(
        Attendance(
            event_id=row.event_id,
            registration_id=row.id,
            method=METHOD,
            venue_id=venue.id,
            checked_by=checked_by,
            checked_at=now,
        )
    )
    # Who let whom in, where: /audit (ids only, the name looked up when shown).
    AuditRepository(session).record(
        checked_by,
        DOOR_CHECK_IN,
        now,
        event_id=row.event_id,
        details={"registration_id": row.id, "venue": venue.id},
    )
    try:
        await session.commit()
    except IntegrityError:  # scanned by two coordinators at the same moment
        await session.rollback()
        return _with(base, Door.ALREADY, await _checked_at(session, row.id))
    return _with(base, Door.DONE, now)


def _with(check: DoorCheck, result: Door, checked_at: datetime | None = None) -> DoorCheck:
    return DoorCheck(result, check.code, check.name, check.event, check.venue, checked_at)


async def _checked_at(session: AsyncSession, registration_id: int) -> datetime | None:
    found: datetime | None = await session.scalar(
        select(Attendance.checked_at).where(Attendance.registration_id == registration_id)
    )
    return found


# A phone's photo is at most 1280 px on its long side in Telegram; a file sent "as a document"
# may be a 48-megapixel original, which is read faster and as well at this size.
LARGEST_SIDE = 2000


def read_qr_codes(image: bytes) -> list[str]:
    """The texts of the QR codes in a picture, each once, in the order found; [] when none can
    be read (or the bytes are no picture). Runs for a moment: call it in a thread.

    zxing-cpp (the maintained C++ port of ZXing) reads codes on a screen photographed at an
    angle, under glare, inverted (light on dark) or small in a large photo; Pillow opens JPEG,
    PNG, WebP and HEIC-less phone photos. Both are imported here: only the door needs them."""
    import io

    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            picture = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []
    picture.thumbnail((LARGEST_SIDE, LARGEST_SIDE))
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormats(zxingcpp.QRCode))
    return list(dict.fromkeys(code.text for code in found if code.text))
