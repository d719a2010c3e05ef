"""The "Add to calendar" file: one VEVENT in UTC with alarms at the reminder offsets.

Built with the icalendar library, which gets RFC 5545's escaping and 75-octet line folding
right (Outlook refuses files that get them wrong)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.events.catalog import Event

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
