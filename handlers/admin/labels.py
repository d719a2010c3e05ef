"""How the organizer console names people and moments: shared by /team and /audit."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.services.events.timefmt import BEIJING, MOSCOW, moment_args
from bot.services.organizers.team import Person


def person_label(t: Translator, person: Person) -> str:
    """«Name (@username, id)» with what is known, escaped; the id in <code> (tap to copy)."""
    kind = (
        ("full" if person.username else "named")
        if person.name
        else ("username" if person.username else "id")
    )
    return t(
        "organizer-person",
        kind=kind,
        name=escape(person.name or ""),
        username=escape(person.username or ""),
        user_id=str(person.user_id),  # a string: Fluent would group an int's digits
    )


def person_button(person: Person) -> str:
    """A button's text for a person (plain text: buttons show no HTML)."""
    label = person.name or (f"@{person.username}" if person.username else str(person.user_id))
    return label[:40]


def moment_label(t: Translator, moment: datetime) -> str:
    """One instant on one line, in Moscow and Beijing time (Beijing first in Chinese)."""
    same_day = moment.astimezone(MOSCOW).date() == moment.astimezone(BEIJING).date()
    return t("organizer-when", same_day="yes" if same_day else "no", **moment_args(moment, t.lang))
