"""The letter of a freed seat (bot/services/venues/seats.py queues it with the promotion, kind
`seat-<venue>-<n>`): the same words as the bot's notice, to a confirmed address."""

from __future__ import annotations

from bot.i18n import Translator
from bot.messages import seat_freed_text
from bot.services.events.catalog import Event, EventState
from bot.services.mailing.letters import Addressee, Letter, _letter
from bot.services.venues.seats import holds_seat
from db.models import Registration


def seat_letter_for(
    registration: Registration, event: Event, t: Translator, to: Addressee, state: EventState
) -> tuple[Letter | None, str]:
    """The letter, or None and why it is no longer wanted: an unconfirmed address (only an
    address that asked for mail gets it), a seat given up since, an event over."""
    if registration.email_confirmed_at is None:
        return None, "unconfirmed"
    venue = event.venue_by_id(registration.venue_id)
    if venue is None or not holds_seat(registration):
        return None, "obsolete"
    if state is EventState.OVER:
        return None, "over"
    subject = t("mail-seat-subject", venue=venue.name.get(t.lang))
    return _letter(t, event, subject, [seat_freed_text(t, event, venue)], to), ""
