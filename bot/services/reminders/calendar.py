"""The "Add to calendar" file: one VEVENT in UTC with alarms at the reminder offsets, its
SEQUENCE counting the organizers' changes of the times (Event.calendar_sequence). Every calendar
file the product serves is built here: the bot's confirmation, the personal and class pages, the
letters and the notice of a new time (moved.py).

Built with the icalendar library, which gets RFC 5545's escaping and 75-octet line folding
right (Outlook refuses files that get them wrong)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.events.catalog import Event
from bot.services.reminders.planner import link_released

PRODID = "-//Nasha obshchaya Pobeda//conference bot//RU"


def event_ics(
    event: Event,
    *,
    lang: str,
    description: str,
    location: str,
    url: str | None,
    now: datetime,
    uid_domain: str = "victory-conference-bot",
) -> bytes:
    # Imported here, at the first calendar file: an idle bot need not hold the library.
    from icalendar import Alarm, Calendar
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    vevent = VEvent()
    # Same UID for everyone and every download: importing twice updates, never duplicates.
    vevent.add("uid", f"{event.slug}@{uid_domain}")
    # One more with every change of the times (RFC 5545 3.8.7.4): a calendar holding the
    # entry takes the newer file's time instead of keeping its own.
    vevent.add("sequence", event.calendar_sequence)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.title.get(lang))
    vevent.add("description", description)
    if location:
        vevent.add("location", location)
    if url:
        vevent.add("url", url)
    for offset in sorted(set(event.reminders), reverse=True):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title.get(lang))
        alarm.add("trigger", -offset)
        vevent.add_component(alarm)
    calendar.add_component(vevent)
    return bytes(calendar.to_ical())


def offline_location(event: Event, venue_id: str | None, lang: str) -> str:
    """Where an offline participant comes, on one line: the venue they chose, with its address;
    without one, the event's one venue text (or, lacking it, its venues' names). The one rule
    for every calendar file and the personal and class pages' meeting block."""
    venue = event.venue_by_id(venue_id)
    comma, semicolon = ("，", "；") if lang == "zh" else (", ", "; ")
    if venue is not None:
        return f"{venue.name.get(lang)}{comma}{venue.address.get(lang)}"
    if event.venue is not None:
        return event.venue.get(lang)
    return semicolon.join(v.name.get(lang) for v in event.venues)


def attendee_ics(
    event: Event,
    *,
    lang: str,
    offline: bool,
    venue_id: str | None,
    link: str,
    now: datetime,
    note: str,
    online_location: str,
) -> bytes:
    """The calendar file of one attendee, as the bot's confirmation (handlers/confirmation.py),
    the personal and class pages, the letters and the notice of a new time give it: where they
    come (offline_location: the venue chosen, `venue_id`) for those who come in person; for
    the others the meeting `link` (as location and URL) once the bot would show it (/link's
    rule), else `online_location` ("online, the link on your page"). `note` follows the
    event's description (where the link will appear); once the link is out, the link does."""
    shows_link = not offline and bool(link) and link_released(event, now)
    if offline:
        location = offline_location(event, venue_id, lang)
    else:
        location = link if shows_link else online_location
    return event_ics(
        event,
        lang=lang,
        description=f"{event.description.get(lang)}\n\n{link if shows_link else note}",
        location=location,
        url=link if shows_link else None,
        now=now,
    )
