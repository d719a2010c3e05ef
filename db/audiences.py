"""Who is in an audience, as SQL conditions on a registration: one definition for the
organizers' broadcasts (bot/services/delivery/broadcasts.py), exports and counts, so that "the
checked-in speakers" cannot mean two things. The conditions say who is *in* the audience; who
of them a message can reach is db/reach.py's."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists

from db.models import Attendance, Registration, User


class Audience(StrEnum):
    ALL = "all"
    CHECKED_IN = "checked-in"
    NOT_CHECKED_IN = "not-checked-in"
    RUSSIAN = "lang-ru"
    CHINESE = "lang-zh"
    TEACHERS = "teachers"
    SPEAKERS = "speakers"
    ONLINE = "online"
    OFFLINE = "offline"


def checked_in() -> ColumnElement[bool]:
    """The registration has a check-in (the button, the code word, an organizer's mark)."""
    return exists().where(Attendance.registration_id == Registration.id)


def audience_filter(audience: Audience, *, language: Any = User.language) -> list[Any]:
    """`language`: the column that says the person's language (a registration without a chat
    has only its own)."""
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
    return []
