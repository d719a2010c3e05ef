"""Who is in an audience, as SQL conditions on a registration: one definition for the
organizers' broadcasts (bot/services/delivery/broadcasts.py), exports and counts, so that "the
checked-in speakers" cannot mean two things. The conditions say who is *in* the audience; who
of them a message can reach is db/reach.py's.

Two teacher audiences, not to be confused:
- TEACHERS ("teachers"): registrations whose form answer is "teacher" (a person who registered
  as a teacher, with or without a class);
- CLASS_TEACHERS ("class-teachers"): the teachers of the classes registered for the event
  (`classes.teacher_id`), who need not have registered themselves. These are rows of
  `classes`, not registrations: `class_teacher_filter()`, not `audience_filter()`.

PERSON, LIST, VENUE and VENUE_WAITING take their parameters from `broadcasts.audience_params`:
a venue (`{"venue_id": "harbin"}`), one registration
(`{"registration_id": 12}`), or an uploaded list of Telegram ids, addresses (as
`email_key` keeps them: lower-case), @usernames (lower-case, without "@") and phones (keys of
db/phones.py: "+79017654321")
(`{"telegram_ids": [...], "emails": [...], "usernames": [...], "phones": [...]}`)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_

from db.models import Attendance, Registration, RegistrationStatus, SchoolClass, User
from db.phones import phone_listed


class Audience(StrEnum):
    ALL = "all"
    CHECKED_IN = "checked-in"
    NOT_CHECKED_IN = "not-checked-in"
    RUSSIAN = "lang-ru"
    CHINESE = "lang-zh"
    # Registered as a teacher (the form's role).
    TEACHERS = "teachers"
    # Teaching a class registered for the event (rows of `classes`).
    CLASS_TEACHERS = "class-teachers"
    SPEAKERS = "speakers"
    ONLINE = "online"
    OFFLINE = "offline"
    # One registration (`registration_id`), e.g. from the /find card.
    PERSON = "person"
    # An uploaded list of Telegram ids, addresses, @usernames and phones.
    LIST = "list"
    # Offline venues (issue 15), `venue_id` in the params: those holding a seat there, and
    # those on its waiting list.
    VENUE = "venue"
    VENUE_WAITING = "venue-waiting"

    @property
    def of_classes(self) -> bool:
        """Made of classes' teachers rather than of registrations."""
        return self is Audience.CLASS_TEACHERS


# The uploaded list's keys in `audience_params`.
LIST_KEYS = ("telegram_ids", "emails", "usernames", "phones")


def checked_in() -> ColumnElement[bool]:
    """The registration has a check-in (the button, the code word, an organizer's mark)."""
    return exists().where(Attendance.registration_id == Registration.id)


def listed(params: Mapping[str, Any]) -> ColumnElement[bool]:
    """A registration the uploaded list names by its chat, its address, its @username or its
    phone."""
    ids = [int(i) for i in params.get("telegram_ids", [])]
    emails = [str(e) for e in params.get("emails", [])]
    usernames = [str(u) for u in params.get("usernames", [])]
    phones = [str(p) for p in params.get("phones", [])]
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(Registration.user_id.in_(ids))
    if emails:
        conditions.append(Registration.email_key.in_(emails))
    if usernames:
        conditions.append(
            exists().where(
                User.id == Registration.user_id, func.lower(User.username).in_(usernames)
            )
        )
    if phones:
        conditions.append(phone_listed(Registration.phone, phones))
    return or_(*conditions) if conditions else false()


def audience_filter(
    audience: Audience,
    *,
    language: Any = User.language,
    params: Mapping[str, Any] | None = None,
) -> list[Any]:
    """`language`: the column that says the person's language (a registration without a chat
    has only its own). `params`: the broadcast's `audience_params` (PERSON, LIST)."""
    params = params or {}
    if audience is Audience.CHECKED_IN:
        return [checked_in()]
    if audience is Audience.NOT_CHECKED_IN:
        return [~checked_in()]
    if audience is Audience.RUSSIAN:
        return [language == "ru"]
    if audience is Audience.CHINESE:
        return [language == "zh"]
    if audience is Audience.TEACHERS:
        return [Registration.role == "teacher"]
    if audience is Audience.SPEAKERS:
        return [Registration.wants_to_speak.is_(True)]
    if audience is Audience.ONLINE:
        return [Registration.participation_format == "online"]
    if audience is Audience.OFFLINE:
        return [Registration.participation_format == "offline"]
    if audience is Audience.PERSON:
        return [Registration.id == int(params["registration_id"])]
    if audience is Audience.LIST:
        return [listed(params)]
    if audience is Audience.VENUE:
        venue = str(params["venue_id"])
        return [Registration.venue_id == venue, Registration.venue_waiting_since.is_(None)]
    if audience is Audience.VENUE_WAITING:
        venue = str(params["venue_id"])
        return [Registration.venue_id == venue, Registration.venue_waiting_since.is_not(None)]
    if audience.of_classes:
        raise ValueError(f"{audience} is made of classes: use class_teacher_filter()")
    return []


def class_teacher_filter(event_id: int) -> list[ColumnElement[bool]]:
    """The classes whose teachers are CLASS_TEACHERS: registered (not cancelled) for the event."""
    return [SchoolClass.event_id == event_id, SchoolClass.status == RegistrationStatus.ACTIVE]
