"""Texts the bot sends on its own initiative (reminders, the link), as pure functions of a
translator and data. Handlers' replies are built in handlers/views.py."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.services.events.catalog import Event, EventFormat
from bot.services.events.timefmt import moment_args
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


def venue_block(t: Translator, event: Event) -> str:
    venue = event.venue.get(t.lang) if event.venue else ""
    return t("reminder-venue", venue=escape(venue))


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
) -> str:
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
        parts += ["", venue_block(t, event)]
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
) -> tuple[str, str | None]:
    """The answer to /link for one registration, and the link it reveals (if any)."""
    title = escape(event.title.get(t.lang))
    head = t("link-for-event", event=title)
    parts = [head, when_text(t, event.starts_at)]
    if attends_offline(event, participation_format):
        parts += ["", venue_block(t, event)]
    if not link_released(event, now):
        release = link_release_at(event)
        assert release is not None
        parts += ["", t("link-comes-later"), when_text(t, release)]
        return "\n".join(parts), None
    parts += ["", link_block(t, event, link)]
    return "\n".join(parts), (link or None)
