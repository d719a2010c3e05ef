"""Events are data: `events.toml` describes them, this module validates and answers questions
about them (is registration open? is it over?). Nothing here knows about Telegram."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.services.events.durations import format_duration, parse_duration

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"


class EventFormat(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    HYBRID = "hybrid"


class EventState(StrEnum):
    OPEN = "open"  # registration accepted
    CLOSED = "closed"  # deadline passed, the event has not ended yet
    OVER = "over"  # the event has ended; kept for history and certificates


class EventRuleError(ValueError):
    """A rule an event breaks; `key` names the Fluent message that explains it to organizers
    (the English text is for the events file check, read by operators)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    ru: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.ru


class Meeting(_Strict):
    link: str = ""
    id: str = ""
    passcode: str = ""

    @field_validator("link")
    @classmethod
    def _https(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
            raise EventRuleError("admin-err-link", "must be an https:// link or empty")
        return value


class Venue(_Strict):
    """An offline venue of an event (issue 15): a place with an address, its own time zone for
    the times shown to those who come there, a capacity (None: no limit) and the Telegram ids
    of its coordinators, who see /live for it and check people in at the door."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: Localized
    address: Localized
    timezone: str = "Europe/Moscow"
    capacity: int | None = Field(default=None, ge=1)
    coordinators: tuple[int, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise EventRuleError(
                "admin-err-venue-timezone", f"unknown time zone {value!r}"
            ) from exc
        return value


class Contacts(_Strict):
    email: str = ""
    phone: str = ""
    telegram: str = ""
    whatsapp: str = ""
    wechat: str = ""
    website: str = ""


class Event(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    title: Localized
    # Where space is short (buttons, file captions): «Наша общая Победа» for the full title.
    short_title: Localized | None = None
    description: Localized
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    registration_deadline: AwareDatetime | None = None
    format: EventFormat
    venue: Localized | None = None
    # Offline venues as data (issue 15): a hybrid or offline registrant chooses one. Without
    # them `venue` is the one line of text every offline registrant reads.
    venues: tuple[Venue, ...] = ()
    meeting: Meeting = Meeting()
    reminders: tuple[timedelta, ...] = (
        timedelta(days=1),
        timedelta(hours=1),
        timedelta(minutes=10),
    )
    # Organizers may decide the link is no secret and show it right after registration.
    show_link_from_registration: bool = False
    contacts: Contacts = Contacts()
    organizer: Localized | None = None
    # Certificates: only for those who checked in (the "I'm here" button or the code word)...
    require_attendance: bool = True
    # ...which stays open this long after the end;
    checkin_after_end: timedelta = timedelta(hours=1)
    # the word organizers announce during the conference (empty: the button only);
    checkin_code: str = ""
    # certificates go out automatically this long after the end;
    certificate_delay: timedelta = timedelta(hours=2)
    # both languages on one certificate instead of the participant's language.
    certificate_bilingual: bool = False
    # Certificates also need this much of the session by the meeting's imported report: "50%"
    # of the session, or minutes ("90"); see min_attendance_minutes and
    # bot/services/certificates/attendance.py for whom it applies to.
    min_attendance: str | None = None
    # How many times organizers changed the times from the chat (the overrides keep the count,
    # bot/services/events/settings.py): the calendar files' SEQUENCE, so that a calendar which
    # imported the event replaces the entry instead of keeping the old time.
    calendar_sequence: int = Field(default=0, ge=0)

    @field_validator("checkin_after_end", "certificate_delay", mode="before")
    @classmethod
    def _one_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("min_attendance", mode="before")
    @classmethod
    def _share_or_minutes(cls, value: object) -> object:
        if value is None:
            return value
        text = str(value).strip().replace(" ", "")
        percent = re.fullmatch(r"(\d{1,3})%", text)
        if percent and 0 < int(percent[1]) <= 100:
            return f"{int(percent[1])}%"
        if re.fullmatch(r"\d{1,4}", text) and int(text) > 0:
            return str(int(text))
        raise EventRuleError(
            "admin-err-min-attendance", 'must be a share like "50%" or minutes like "90"'
        )

    @field_validator("reminders", mode="before")
    @classmethod
    def _durations(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(parse_duration(v) if isinstance(v, str) else v for v in value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.ends_at <= self.starts_at:
            raise EventRuleError("admin-err-end-before-start", "ends_at must be after starts_at")
        if self.registration_deadline is not None and self.registration_deadline > self.ends_at:
            raise EventRuleError(
                "admin-err-deadline-after-end", "registration_deadline must not be after ends_at"
            )
        if self.min_attendance is not None:
            if not self.require_attendance:
                raise EventRuleError(
                    "admin-err-min-attendance-unused",
                    "min_attendance needs require_attendance = true",
                )
            session = (self.ends_at - self.starts_at) // timedelta(minutes=1)
            if (self.min_attendance_minutes or 0) > session:
                raise EventRuleError(
                    "admin-err-min-attendance-too-long",
                    f"min_attendance is longer than the session ({session} minutes)",
                )
        ids = [venue.id for venue in self.venues]
        if len(set(ids)) != len(ids):
            raise EventRuleError("admin-err-venue-duplicate", "venue ids must be unique")
        if self.format is EventFormat.ONLINE and self.venues:
            raise EventRuleError("admin-err-venues-online", "an online event has no venues")
        if self.format is not EventFormat.ONLINE and self.venue is None and not self.venues:
            raise EventRuleError(
                "admin-err-venue-required",
                f"venue (ru and zh) is required for a {self.format} event",
            )
        return self

    def venue_by_id(self, venue_id: str | None) -> Venue | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def coordinated_by(self, user_id: int) -> list[Venue]:
        """The venues this Telegram user coordinates."""
        return [v for v in self.venues if user_id in v.coordinators]

    def short_name(self, lang: str) -> str:
        """The short title if the events file gives one, else the full title."""
        return (self.short_title or self.title).get(lang)

    @property
    def deadline(self) -> datetime:
        """Registration closes at the deadline, or at the end if none is set (late joiners of an
        online event are still welcome while it runs)."""
        return self.registration_deadline or self.ends_at

    def state(self, now: datetime) -> EventState:
        if now >= self.ends_at:
            return EventState.OVER
        if now >= self.deadline:
            return EventState.CLOSED
        return EventState.OPEN

    def checkin_open(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at + self.checkin_after_end

    @property
    def min_attendance_minutes(self) -> int | None:
        """The minutes a certificate needs: a share of the session rounded up, or as given."""
        if self.min_attendance is None:
            return None
        if self.min_attendance.endswith("%"):
            session = (self.ends_at - self.starts_at) / timedelta(minutes=1)
            return math.ceil(session * int(self.min_attendance[:-1]) / 100)
        return int(self.min_attendance)

    @property
    def certificates_from(self) -> datetime:
        return self.ends_at + self.certificate_delay

    @property
    def reminders_text(self) -> str:
        return ", ".join(format_duration(r) for r in self.reminders)


class EventsFileError(Exception):
    """The events file cannot be used; the message names the event, field and reason."""


class EventCatalog:
    """The events the bot knows, in start order."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._events = sorted(events, key=lambda e: e.starts_at)
        slugs = [e.slug for e in self._events]
        duplicates = {s for s in slugs if slugs.count(s) > 1}
        if duplicates:
            raise EventsFileError(f"event slug used twice: {', '.join(sorted(duplicates))}")
        self._by_slug = {e.slug: e for e in self._events}

    def __iter__(self) -> Iterator[Event]:
        return iter(list(self._events))

    def replace(self, event: Event) -> None:
        """Swap in a changed event (organizer settings); everyone holding the catalog sees it."""
        if event.slug not in self._by_slug:
            raise KeyError(event.slug)
        self._by_slug[event.slug] = event
        self._events = sorted(self._by_slug.values(), key=lambda e: e.starts_at)

    def __len__(self) -> int:
        return len(self._events)

    def get(self, slug: str) -> Event | None:
        return self._by_slug.get(slug)

    def in_state(self, state: EventState, now: datetime) -> list[Event]:
        return [e for e in self._events if e.state(now) is state]

    def open(self, now: datetime) -> list[Event]:
        return self.in_state(EventState.OPEN, now)

    def not_over(self, now: datetime) -> list[Event]:
        return [e for e in self._events if e.state(now) is not EventState.OVER]

    def most_relevant(self, now: datetime) -> Event | None:
        """The event to show contacts for: the next one not over, else the latest one."""
        upcoming = self.not_over(now)
        if upcoming:
            return upcoming[0]
        return self._events[-1] if self._events else None


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"]) or "(event)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"field '{loc}': {message}"


def parse_events(data: dict[str, Any], source: str = "events file") -> EventCatalog:
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise EventsFileError(f"{source}: no [[events]] tables found")
    events = []
    for index, raw in enumerate(raw_events, start=1):
        name = raw.get("slug") if isinstance(raw, dict) else None
        label = f"event '{name}'" if name else f"event #{index}"
        try:
            events.append(Event.model_validate(raw))
        except ValidationError as exc:
            reasons = "; ".join(_describe(e) for e in exc.errors())  # type: ignore[arg-type]
            raise EventsFileError(f"{source}: {label}: {reasons}") from None
    return EventCatalog(events)


def load_events(path: Path) -> EventCatalog:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EventsFileError(f"EVENTS_FILE: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EventsFileError(f"EVENTS_FILE: {path} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EventsFileError(f"{path}: not valid TOML: {exc}") from None
    return parse_events(data, source=str(path))
