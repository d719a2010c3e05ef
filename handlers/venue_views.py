"""The venue question of the registration form (issue 15): texts and keyboards as pure functions
of a translator, the event and the seats counted now (None: not counted, e.g. the question shown
again after /help, when the buttons name the venues only)."""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.events.catalog import Event, EventFormat, Venue
from bot.services.venues.seats import VenueSeats


class VenueCb(CallbackData, prefix="vn"):
    """The venue question's buttons: pick a venue, join its waiting list, choose another one,
    or (a hybrid event) take part online instead."""

    action: str  # pick | wait | other | online
    venue: str = ""


def _seats_of(seats: list[VenueSeats] | None, venue: Venue) -> VenueSeats | None:
    return next((s for s in seats or [] if s.venue.id == venue.id), None)


def venue_question(t: Translator, event: Event, seats: list[VenueSeats] | None) -> str:
    lines = [t("ask-venue"), ""]
    for venue in event.venues:
        lines.append(
            t(
                "venue-option",
                venue=escape(venue.name.get(t.lang)),
                address=escape(venue.address.get(t.lang)),
            )
        )
        count = _seats_of(seats, venue)
        if count is not None and count.full:
            lines.append(t("venue-option-full"))
        elif count is not None and count.free is not None:
            lines.append(t("venue-option-free", free=count.free, capacity=venue.capacity))
    return "\n".join(lines)


def venue_card_lines(t: Translator, event: Event) -> list[str]:
    """The event card's lines on where to come: each venue with its address (an event with
    venues: the one venue text, if any, is then only the config's fallback), else that text.
    Seats are counted where a venue is chosen, not on the card."""
    if event.format is EventFormat.ONLINE:
        return []
    if event.venues:
        return [
            t("event-venues"),
            *(
                t(
                    "venue-option",
                    venue=escape(venue.name.get(t.lang)),
                    address=escape(venue.address.get(t.lang)),
                )
                for venue in event.venues
            ),
        ]
    if event.venue is not None:
        return [t("event-venue", venue=escape(event.venue.get(t.lang)))]
    return []


def venue_button_label(t: Translator, venue: Venue, count: VenueSeats | None) -> str:
    name = venue.name.get(t.lang)
    if count is not None and count.full:
        return t("btn-venue-full", venue=name)
    if count is not None and count.free is not None:
        return t("btn-venue-free", venue=name, free=count.free)
    return t("btn-venue-unlimited", venue=name)


def venue_keyboard(
    t: Translator, event: Event, seats: list[VenueSeats] | None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for venue in event.venues:
        label = venue_button_label(t, venue, _seats_of(seats, venue))
        kb.button(text=label, callback_data=VenueCb(action="pick", venue=venue.id))
    if event.format is EventFormat.HYBRID:
        kb.button(text=t("btn-venue-online"), callback_data=VenueCb(action="online"))
    kb.adjust(1)
    return kb.as_markup()


def full_offer(t: Translator, event: Event, venue: Venue) -> tuple[str, InlineKeyboardMarkup]:
    """A full venue chosen: its waiting list, explicitly, or another venue (or online)."""
    name = venue.name.get(t.lang)
    hybrid = event.format is EventFormat.HYBRID
    text = t("venue-full-offer-hybrid" if hybrid else "venue-full-offer", venue=escape(name))
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("btn-venue-wait", venue=name), callback_data=VenueCb(action="wait", venue=venue.id)
    )
    kb.button(text=t("btn-venue-other"), callback_data=VenueCb(action="other"))
    if hybrid:
        kb.button(text=t("btn-venue-online"), callback_data=VenueCb(action="online"))
    kb.adjust(1)
    return text, kb.as_markup()


def venue_value(t: Translator, event: Event, venue_id: str, waiting: bool) -> str:
    """The answer as the summary and /me show it."""
    venue = event.venue_by_id(venue_id)
    name = escape(venue.name.get(t.lang)) if venue is not None else escape(venue_id)
    return t("venue-value-waiting", venue=name) if waiting else name


def venue_stats_text(t: Translator, seats: list[VenueSeats]) -> str:
    """/stats: each venue's seats taken (of its capacity) and its waiting list."""
    lines = [t("stats-venues-title")]
    for count in seats:
        name = escape(count.venue.name.get(t.lang))
        if count.venue.capacity is None:
            lines.append(t("stats-venue-line-unlimited", venue=name, taken=count.taken))
        else:
            lines.append(
                t(
                    "stats-venue-line",
                    venue=name,
                    taken=count.taken,
                    capacity=count.venue.capacity,
                    waiting=count.waiting,
                )
            )
    return "\n".join(lines)


def venue_card_line(t: Translator, event: Event | None, venue_id: str | None, waiting: bool) -> str:
    """The /find card's line: the venue chosen and whether on its waiting list ("" if none)."""
    if venue_id is None:
        return ""
    venue = event.venue_by_id(venue_id) if event is not None else None
    name = escape(venue.name.get(t.lang)) if venue is not None else escape(venue_id)
    return t("find-venue-waiting" if waiting else "find-venue", venue=name)
