"""The registration form as rules: which question comes next and what a valid answer is.

Pure functions over a dict of answers (JSON-serialisable, so a half-filled form survives in any
FSM storage). The Telegram side lives in handlers/registration.py."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any


class Field(StrEnum):
    FULL_NAME = "full_name"
    COUNTRY = "country"
    CITY = "city"
    ORGANIZATION = "organization"
    ROLE = "role"
    FORMAT = "participation_format"
    WANTS_TO_SPEAK = "wants_to_speak"
    TALK_TOPIC = "talk_topic"
    EMAIL = "email"
    PHONE = "phone"


FIELD_ORDER: tuple[Field, ...] = tuple(Field)


class Role(StrEnum):
    PUPIL = "pupil"
    STUDENT = "student"
    TEACHER = "teacher"
    VETERAN = "veteran"
    HISTORIAN = "historian"
    FAMILY = "family"
    COMPATRIOT = "compatriot"  # соотечественник за рубежом / 海外同胞
    OTHER = "other"


class ParticipationFormat(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


# Length limits, shown to the user in the questions and error messages.
LIMITS: dict[Field, tuple[int, int]] = {
    Field.FULL_NAME: (2, 200),
    Field.COUNTRY: (2, 100),
    Field.CITY: (2, 100),
    Field.ORGANIZATION: (2, 300),
    Field.TALK_TOPIC: (5, 300),
    Field.EMAIL: (6, 254),
}

# An event with venues (issue 15): who comes in person chooses one. Not a `Field` (the
# organizers' /find edits fields; a venue's seat is taken under a lock, bot/services/venues/
# seats.py), but answers like them: the venue's id, and true to join its waiting list if it is
# full (asked only then, explicitly).
VENUE = "venue"
VENUE_WAIT = "venue_wait"

TEXT_FIELDS = frozenset(LIMITS) | {Field.PHONE}
CHOICE_FIELDS = frozenset({Field.ROLE, Field.FORMAT, Field.WANTS_TO_SPEAK})
OPTIONAL_FIELDS = frozenset({Field.PHONE})

# Bumped whenever the consent text in locales/*/registration.ftl changes in meaning; stored with
# every registration so organizers know which text a person agreed to.
# v2: the text names its button («Даю согласие»); the class text lists every field it processes.
CONSENT_VERSION = "2026-11-v2"


class Invalid(Exception):
    """An answer was refused; `key` names the Fluent message that explains why."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


def field_applies(field: Field, answers: dict[str, Any], hybrid: bool) -> bool:
    if field is Field.FORMAT:
        return hybrid
    if field is Field.TALK_TOPIC:
        return bool(answers.get(Field.WANTS_TO_SPEAK))
    return True


def next_field(answers: dict[str, Any], hybrid: bool) -> Field | None:
    """The first question still unanswered, or None when the form is complete."""
    for field in FIELD_ORDER:
        if field_applies(field, answers, hybrid) and field not in answers:
            return field
    return None


def apply_answer(answers: dict[str, Any], field: Field, value: Any) -> dict[str, Any]:
    """A new answers dict with `value` stored and answers that no longer apply dropped."""
    updated = dict(answers)
    updated[field.value] = value
    if field is Field.WANTS_TO_SPEAK and not value:
        updated.pop(Field.TALK_TOPIC.value, None)
    return updated


_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Chinese names have no spaces; lists pad two-character names to align them ("王　芳").
SPACE_IN_CHINESE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _clean(text: str) -> str:
    # NFC so that "й" typed as и + combining breve compares and prints like the usual one;
    # collapse runs of whitespace and newlines: a name is one line.
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _check_length(field: Field, value: str) -> None:
    low, high = LIMITS[field]
    if len(value) < low:
        raise Invalid("err-too-short", min=low)
    if len(value) > high:
        raise Invalid("err-too-long", max=high, length=len(value))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def validate_text(field: Field, raw: str) -> str:
    if field is Field.EMAIL:
        return validate_email(raw)
    if field is Field.PHONE:
        return validate_phone(raw)
    value = _clean(raw)
    _check_length(field, value)
    if _has_control(value):
        raise Invalid("err-control-chars")
    if not _has_letter(value):
        raise Invalid("err-need-letters")
    if field is Field.FULL_NAME and any(ch.isdigit() for ch in value):
        raise Invalid("err-name-digits")
    if field is Field.FULL_NAME:
        return tidy_name(value)
    return value


def tidy_name(value: str) -> str:
    """A name as it should be printed: "王 小明" → "王小明"; "иванова мария" and "ИВАНОВА МАРИЯ"
    → "Иванова Мария". A name typed in mixed case is kept as typed (McDonald, ван Гог), and
    Hanzi are never changed."""
    value = SPACE_IN_CHINESE.sub("", value)
    cased = [ch for ch in value if ch.lower() != ch.upper()]
    if cased and (all(ch.islower() for ch in cased) or all(ch.isupper() for ch in cased)):
        value = value.title()
    return value


# Deliberately permissive (internationalised local parts and domains are fine), but it catches
# the usual slips: no "@", spaces, a missing dot in the domain, a trailing dot.
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"_]+\.[^\s@<>()\[\],;:\"_.]{2,}$")


def validate_email(raw: str) -> str:
    value = unicodedata.normalize("NFC", raw).strip()
    _check_length(Field.EMAIL, value)
    if not _EMAIL.match(value) or ".." in value or value.split("@")[1].startswith("."):
        raise Invalid("err-email-invalid")
    local, domain = value.rsplit("@", 1)
    # The domain is case-insensitive; the local part is the owner's business.
    return f"{local}@{domain.lower()}"


_PHONE_JUNK = re.compile(r"[\s\-().]")


def validate_phone(raw: str) -> str:
    value = raw.strip()
    compact = _PHONE_JUNK.sub("", value)
    plus = compact.startswith("+")
    digits = compact.removeprefix("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise Invalid("err-phone-invalid")
    return ("+" if plus else "") + digits


def parse_choice(field: Field, raw: str) -> Any:
    """Decode a button's value; anything else is a forged or stale button."""
    if field is Field.ROLE:
        return Role(raw).value
    if field is Field.FORMAT:
        return ParticipationFormat(raw).value
    if field is Field.WANTS_TO_SPEAK:
        if raw not in {"yes", "no"}:
            raise ValueError(raw)
        return raw == "yes"
    raise ValueError(f"{field} is not a choice")


def is_complete(answers: dict[str, Any], hybrid: bool) -> bool:
    return next_field(answers, hybrid) is None


def venue_applies(answers: dict[str, Any], *, has_venues: bool, hybrid: bool) -> bool:
    """The venue question is asked: the event lists venues, and the person comes in person
    (an offline event, or "offline" chosen at a hybrid one)."""
    if not has_venues:
        return False
    return not hybrid or answers.get(Field.FORMAT) == ParticipationFormat.OFFLINE.value


def chosen_venue(answers: dict[str, Any], *, has_venues: bool, hybrid: bool) -> str | None:
    """The venue the answers choose (None: none applies, or none chosen yet)."""
    if not venue_applies(answers, has_venues=has_venues, hybrid=hybrid):
        return None
    value = answers.get(VENUE)
    return value if isinstance(value, str) and value else None
