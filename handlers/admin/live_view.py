"""What a /live board says: the numbers of bot/services/organizers/live.py in the reader's
language, and its Stop button. Pure functions of the translator and the data. An organizer's
board shows the whole event (a row per venue); a coordinator's, their venue only."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.events.catalog import Event, Venue
from bot.services.events.timefmt import moment_args
from bot.services.organizers.live import LiveCounts, PlaceCount, RecentCheckIn
from handlers.admin.common import title

# Beyond these the board says "and N more": a message holds 4096 characters at most.
CLASSES_SHOWN = 10


class AdminLiveCb(CallbackData, prefix="alv"):
    """The Stop button of an organizer's board; the board is the message it sits on."""

    action: str


class VenueLiveCb(CallbackData, prefix="vlv"):
    """The Stop button of a coordinator's board. Not an organizer button (those start with "a"
    and are refused to anyone else: handlers/admin/callbacks.py). Also the buttons that open
    the board of one of the person's venues (`open`, with the event's slug and the venue's id)."""

    action: str  # open | stop
    slug: str = ""
    venue: str = ""


def live_keyboard(t: Translator, venue: str | None = None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    stop = AdminLiveCb(action="stop") if venue is None else VenueLiveCb(action="stop")
    kb.button(text=t("live-btn-stop"), callback_data=stop)
    return kb.as_markup()


def live_body(t: Translator, event: Event, counts: LiveCounts, venue: str | None = None) -> str:
    """Everything but the last line (live_running or live_stopped). With `venue`: a
    coordinator's board of that venue."""
    place = event.venue_by_id(venue)
    if venue is not None:
        name = escape(place.name.get(t.lang)) if place else escape(venue)
        blocks = [
            t("live-venue-heading", venue=name, event=title(t, event)),
            _people(t, counts, event),
            _recent(t, counts.recent),
        ]
    else:
        blocks = [
            t("live-heading", event=title(t, event)),
            _people(t, counts, event),
            _classes(t, counts),
            _recent(t, counts.recent),
        ]
    return "\n\n".join(block for block in blocks if block)


def live_running(t: Translator, until: datetime) -> str:
    return t("live-running", **_clock(until, t.lang))


def live_stopped(t: Translator, reason: str) -> str:
    """reason: stop (the button), replaced (a new /live), ended (check-in closed), expired
    (open for LONGEST), shutdown, no-access (no longer an organizer), final (a snapshot)."""
    return t("live-stopped", reason=reason)


def live_text(t: Translator, body: str, footer: str) -> str:
    return f"{body}\n\n{footer}"


def _people(t: Translator, counts: LiveCounts, event: Event) -> str:
    if not counts.registered and not counts.waiting:
        return t("live-no-registrations")
    lines = [
        t("live-registered", count=counts.registered),
        t(
            "live-checked-in",
            count=counts.checked_in,
            total=counts.registered,
            percent=counts.percent,
        ),
    ]
    # One row per place; with a single place the total says it all (and its waiting list).
    if len(counts.places) > 1:
        lines += [_place(t, place, event.venue_by_id(place.venue)) for place in counts.places]
    elif counts.waiting:
        lines.append(t("live-waiting", waiting=counts.waiting))
    return "\n".join(lines)


def _place(t: Translator, place: PlaceCount, venue: Venue | None) -> str:
    if place.venue is not None:
        return t(
            "live-venue",
            venue=escape(venue.name.get(t.lang) if venue else place.venue),
            count=place.checked_in,
            total=place.registered,
            waiting=place.waiting,
        )
    return t(
        "live-place",
        place=place.place,
        count=place.checked_in,
        total=place.registered,
    )


def _classes(t: Translator, counts: LiveCounts) -> str:
    if not counts.classes_registered:
        return ""
    lines = [
        t(
            "live-classes",
            count=len(counts.classes),
            total=counts.classes_registered,
            students=counts.pupils,
        )
    ]
    shown = counts.classes[:CLASSES_SHOWN]
    lines += [t("live-class", class_name=escape(c.name), students=c.pupils) for c in shown]
    if len(counts.classes) > len(shown):
        lines.append(t("live-classes-more", count=len(counts.classes) - len(shown)))
    return "\n".join(lines)


def _recent(t: Translator, recent: tuple[RecentCheckIn, ...]) -> str:
    if not recent:
        return t("live-recent-none")
    return "\n".join([t("live-recent-heading"), *(_check_in(t, r) for r in recent)])


def _check_in(t: Translator, check_in: RecentCheckIn) -> str:
    when = _clock(check_in.checked_at, t.lang)
    if check_in.class_name is not None:
        return t(
            "live-recent-class",
            class_name=escape(check_in.class_name),
            method=check_in.method,
            **when,
        )
    name = escape(check_in.name) if check_in.name else t("live-name-erased")
    return t("live-recent-person", name=name, method=check_in.method, **when)


def _clock(moment: datetime, lang: str) -> dict[str, str]:
    """The time of day in both zones: a board covers one event day."""
    args = moment_args(moment, lang)
    return {"msk_time": args["msk_time"], "bjt_time": args["bjt_time"]}
