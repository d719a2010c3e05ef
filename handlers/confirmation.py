"""What a participant gets on registering: the confirmation, the link when it is already out,
and the "Add to calendar" file."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import Bot
from aiogram.types import BufferedInputFile

from bot.clock import Clock
from bot.i18n import Translator
from bot.messages import attends_offline, link_block, venue_block, when_text
from bot.services.registration.registrations import UserRegistration
from bot.services.reminders.calendar import attendee_ics
from bot.services.reminders.planner import link_release_at, link_released
from bot.services.reminders.runner import ReminderService, effective_link
from handlers import views


def registered_text(t: Translator, reg: UserRegistration, now: datetime, link: str) -> str:
    event = reg.event
    lines = [t("registered", event=escape(event.title.get(t.lang))), "", views.time_span(t, event)]
    if attends_offline(event, reg.row.participation_format):
        waiting = reg.row.venue_waiting_since is not None
        lines += ["", venue_block(t, event, reg.row.venue_id, waiting=waiting)]
    elif link_released(event, now):
        lines += ["", link_block(t, event, link)]
    else:
        release = link_release_at(event)
        assert release is not None  # "not released" implies a release time
        lines += ["", t("link-comes-later"), when_text(t, release)]
    # Registered while the conference runs: no reminder comes any more.
    lines += ["", t("registered-next-started" if now >= event.starts_at else "registered-next")]
    return "\n".join(lines)


async def announce_registration(
    bot: Bot,
    user_id: int,
    t: Translator,
    reg: UserRegistration,
    clock: Clock,
    reminders: ReminderService,
) -> None:
    """The confirmation (with the link if it is already out) and the calendar file."""
    event = reg.event
    now = clock.now()
    link = effective_link(event)
    offline = attends_offline(event, reg.row.participation_format)
    shows_link = not offline and link_released(event, now) and bool(link)
    await bot.send_message(
        user_id, registered_text(t, reg, now, link), reply_markup=views.main_menu(t)
    )
    if shows_link:
        await reminders.record_link_shown(reg.row.id, reg.row.event_id, link)
    ics = attendee_ics(
        event,
        lang=t.lang,
        offline=offline,
        venue_id=reg.row.venue_id,
        link=link,
        now=now,
        note=t("calendar-description-bot"),
        online_location=t("calendar-location-online"),
    )
    await bot.send_document(
        user_id,
        BufferedInputFile(ics, filename=f"{event.slug}.ics"),
        caption=t("calendar-caption"),
    )
