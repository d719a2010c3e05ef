"""Texts the bot sends on its own initiative (reminders, the link), as pure functions of a
translator and data. Handlers' replies are built in handlers/views.py."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.events.catalog import Event, EventFormat, Venue
from bot.services.events.timefmt import BEIJING, MOSCOW, moment_args, zoned_span
from bot.services.reminders.planner import (
    Countdown,
    Slot,
    countdown,
    link_release_at,
    link_released,
)


def countdown_text(t: Translator, parts: Countdown) -> str:
    if parts.days and parts.hours:
        return t("countdown-days-hours", days=parts.days, hours=parts.hours)
    if parts.days:
        return t("countdown-days", days=parts.days)
    if parts.hours and parts.minutes:
        return t("countdown-hours-minutes", hours=parts.hours, minutes=parts.minutes)
    if parts.hours:
        return t("countdown-hours", hours=parts.hours)
    return t("countdown-minutes", minutes=parts.minutes)


def when_text(t: Translator, moment: datetime) -> str:
    return t("time-moment", **moment_args(moment, t.lang))


def link_block(t: Translator, event: Event, link: str) -> str:
    """The VooV link, meeting ID and passcode with a one-line instruction, or a note that the
    organizers have not published the link yet."""
    if not link:
        return t("link-not-published")
    lines = [t("link-title"), t("link-url", link=escape(link))]
    if event.meeting.id:
        lines.append(t("link-meeting-id", meeting_id=escape(event.meeting.id)))
    if event.meeting.passcode:
        lines.append(t("link-passcode", passcode=escape(event.meeting.passcode)))
    lines.append(t("link-howto"))
    return "\n".join(lines)


def venue_block(
    t: Translator, event: Event, venue_id: str | None = None, *, waiting: bool = False
) -> str:
    """Where to come: the chosen venue (issue 15) with its address and, where its clock differs
    from Moscow's and Beijing's, the local time there; or, on its waiting list, that the seat
    is not promised yet. An event without venues (or a registration without one): the one
    venue text."""
    venue = event.venue_by_id(venue_id)
    if venue is None:
        if event.venue is not None:
            text = event.venue.get(t.lang)
        else:
            text = "; ".join(v.name.get(t.lang) for v in event.venues)
        return t("reminder-venue", venue=escape(text))
    key = "venue-waiting-block" if waiting else "venue-seat-block"
    name, address = escape(venue.name.get(t.lang)), escape(venue.address.get(t.lang))
    lines = [t(key, venue=name, address=address)]
    local = venue_time_line(t, event, venue)
    if local:
        lines.append(local)
    return "\n".join(lines)


def venue_time_line(t: Translator, event: Event, venue: Venue) -> str | None:
    """The event's time at the venue when its clock shows neither Moscow's nor Beijing's time
    then (Minsk, say, shows Moscow's: nothing to add); the two are always shown beside it."""
    zone = ZoneInfo(venue.timezone)
    start = event.starts_at
    offset = start.astimezone(zone).utcoffset()
    if offset in (start.astimezone(MOSCOW).utcoffset(), start.astimezone(BEIJING).utcoffset()):
        return None
    local = zoned_span(start, event.ends_at, zone, t.lang)
    return t(
        "venue-local-time",
        venue=escape(venue.name.get(t.lang)),
        date=local.date,
        start=local.start,
        end=local.end,
    )


def seat_freed_text(t: Translator, event: Event, venue: Venue) -> str:
    """The notice to the first in line that a seat is theirs now."""
    head = t(
        "seat-freed",
        venue=escape(venue.name.get(t.lang)),
        event=escape(event.title.get(t.lang)),
    )
    block = venue_block(t, event, venue.id)
    # Where the ticket is now: the seat is theirs, and the door wants the ticket.
    return "\n".join(
        [head, "", when_text(t, event.starts_at), "", block, "", t("seat-freed-ticket")]
    )


def attends_offline(event: Event, participation_format: str) -> bool:
    return event.format is EventFormat.OFFLINE or participation_format == "offline"


def reminder_text(
    t: Translator,
    event: Event,
    slot: Slot,
    *,
    now: datetime,
    participation_format: str,
    link: str,
    venue_id: str | None = None,
    waiting: bool = False,
) -> str:
    """`venue_id`, `waiting`: the venue chosen and whether its seat is still only a place on
    its waiting list (a reminder then says so, and promises no seat)."""
    title = escape(event.title.get(t.lang))
    if slot.offset:
        head = t(
            "reminder-before",
            event=title,
            countdown=countdown_text(t, countdown(event.starts_at - now)),
        )
    else:
        head = t("reminder-start", event=title)
    parts = [head, "", when_text(t, event.starts_at)]
    if attends_offline(event, participation_format):
        parts += ["", venue_block(t, event, venue_id, waiting=waiting)]
    elif slot.carries_link:
        parts += ["", link_block(t, event, link)]
    else:
        parts += ["", t("reminder-link-later")]
    return "\n".join(parts)


def link_update_text(t: Translator, event: Event, link: str, *, had_old_link: bool) -> str:
    title = escape(event.title.get(t.lang))
    head = t("link-changed" if had_old_link else "link-published", event=title)
    return "\n".join([head, "", when_text(t, event.starts_at), "", link_block(t, event, link)])


def link_answer(
    t: Translator,
    event: Event,
    *,
    now: datetime,
    participation_format: str,
    link: str,
    venue_id: str | None = None,
    waiting: bool = False,
) -> tuple[str, str | None]:
    """The answer to /link for one registration, and the link it reveals (if any)."""
    title = escape(event.title.get(t.lang))
    head = t("link-for-event", event=title)
    parts = [head, when_text(t, event.starts_at)]
    if attends_offline(event, participation_format):
        parts += ["", venue_block(t, event, venue_id, waiting=waiting)]
    if not link_released(event, now):
        release = link_release_at(event)
        assert release is not None
        parts += ["", t("link-comes-later"), when_text(t, release)]
        return "\n".join(parts), None
    parts += ["", link_block(t, event, link)]
    return "\n".join(parts), (link or None)
