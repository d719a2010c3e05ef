"""Attendance from the meeting's report: who of the report is which registration, and the marks.

Matching goes from sure to unsure (README, "Attendance imported from the meeting"):
1. the e-mail, exactly (letter case aside);
2. the phone: the last ten digits, so "+86 138 0013 8000" is "13800138000" and "8 900…" is
   "+7 900…"; a masked number ("138****8000") is not compared;
3. the name, folded as /find folds it (case, ё/е, spaces, spaces inside a Chinese name);
4. unsure, for the organizer to confirm: the same words in another order ("Иван Иванов" for
   "Иванов Иван"), a part of the name (no patronymic, initials, a nickname holding the whole
   Chinese name: "王小明-哈尔滨一中"), a similar spelling (difflib), or the name in Latin
   letters ("ivanov ivan", "Ivanoff Ivan" for "Иванов Иван": latin_names.py), compared the
   same ways.
A report's row that matches nobody is listed; so are class rows ("8Б", a teacher's nickname):
classes check in with their own button.

Marks: an attendance row per registration with the minutes (a check-in by button or code word
keeps its row and method and gets the minutes). Importing the same report again changes
nothing; a corrected one updates the minutes; a mark is never removed by an import."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.certificates.latin_names import has_latin, latin_skeleton
from bot.services.certificates.meeting_report import Attendee, Presence
from db.models import Attendance, Registration, RegistrationStatus
from db.repositories import AuditRepository
from db.search_keys import name_key

REPORT_METHOD = "report"
AUDIT_ACTION = "attendance_import"
# At least this similar (difflib's ratio of the folded names) to be offered as unsure.
SIMILAR = 0.8


class Tier(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    UNSURE = "unsure"


class Why(StrEnum):
    """Why an unsure match was offered."""

    ORDER = "order"  # the same words in another order
    PARTIAL = "partial"  # a part of the name, or initials
    SIMILAR = "similar"  # a similar spelling
    SAME_NAME = "same-name"  # several registrations have this very name
    LATIN = "latin"  # the name in Latin letters (or another Latin spelling of it)


@dataclass(frozen=True)
class Known:
    """A registration as matching sees it."""

    id: int
    name: str
    key: str
    email: str | None
    phone: str | None  # the last ten digits

    # Made once for all the report's rows (a report of 500 rows meets each registration 500
    # times).
    @cached_property
    def words(self) -> list[str]:
        return _words(self.key)

    @cached_property
    def latin(self) -> str:
        """The name's Latin skeleton."""
        return latin_skeleton(self.key)

    @cached_property
    def latin_words(self) -> list[str]:
        return _words(self.latin)

    @cached_property
    def in_latin(self) -> bool:
        return has_latin(self.key)


@dataclass
class Person:
    """One person of the report and whom they are (None: nobody found). JSON-ready, so that a
    preview survives in the form's storage (Redis included) until the organizer confirms."""

    name: str
    rows: list[int]
    presence: Presence
    registration_id: int | None = None
    registration_name: str | None = None
    tier: Tier | None = None
    why: Why | None = None
    # For an unsure match: the organizer's answer (None: not asked yet).
    confirmed: bool | None = None

    @property
    def counts(self) -> bool:
        """Marked on saving: a sure match, or an unsure one the organizer confirmed."""
        if self.registration_id is None:
            return False
        return self.tier is not Tier.UNSURE or self.confirmed is True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "presence": self.presence.to_json(),
            "registration_id": self.registration_id,
            "registration_name": self.registration_name,
            "tier": self.tier.value if self.tier else None,
            "why": self.why.value if self.why else None,
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        return cls(
            name=data["name"],
            rows=list(data["rows"]),
            presence=Presence.from_json(data["presence"]),
            registration_id=data.get("registration_id"),
            registration_name=data.get("registration_name"),
            tier=Tier(data["tier"]) if data.get("tier") else None,
            why=Why(data["why"]) if data.get("why") else None,
            confirmed=data.get("confirmed"),
        )


# --- matching --------------------------------------------------------------------------------


def phone_tail(value: str | None) -> str | None:
    """The last ten digits of a phone number (enough to tell two numbers apart, and free of
    the country code and the Russian leading 8); the whole number when shorter."""
    if not value or "*" in value:
        return None
    digits = re.sub(r"\D", "", value)
    return digits[-10:] if len(digits) >= 7 else None


async def known_registrations(session: AsyncSession, event_id: int) -> list[Known]:
    rows = await session.execute(
        select(Registration.id, Registration.full_name, Registration.email, Registration.phone)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.erased_at.is_(None),
            Registration.full_name.is_not(None),
        )
        .order_by(Registration.id)
    )
    return [
        Known(
            id=row_id,
            name=full_name or "",
            key=name_key(full_name) or "",
            email=email.strip().casefold() if email else None,
            phone=phone_tail(phone),
        )
        for row_id, full_name, email, phone in rows
    ]


def match_people(attendees: Iterable[Attendee], known: Sequence[Known]) -> list[Person]:
    by_email: dict[str, Known] = {}
    by_phone: dict[str, Known] = {}
    by_key: dict[str, list[Known]] = {}
    for registration in known:
        if registration.email:
            by_email.setdefault(registration.email, registration)
        if registration.phone:
            by_phone.setdefault(registration.phone, registration)
        by_key.setdefault(registration.key, []).append(registration)
    people = []
    for attendee in attendees:
        person = Person(attendee.name, list(attendee.rows), attendee.presence)
        phone = phone_tail(attendee.phone)
        same_name = by_key.get(attendee.key, [])
        if attendee.email and attendee.email in by_email:
            _found(person, by_email[attendee.email], Tier.EMAIL)
        elif phone and phone in by_phone:
            _found(person, by_phone[phone], Tier.PHONE)
        elif len(same_name) == 1:
            _found(person, same_name[0], Tier.NAME)
        elif same_name:
            _found(person, same_name[0], Tier.UNSURE, Why.SAME_NAME)
        elif (guess := best_guess(attendee.key, known)) is not None:
            _found(person, guess[0], Tier.UNSURE, guess[1])
        people.append(person)
    return people


def _found(person: Person, known: Known, tier: Tier, why: Why | None = None) -> None:
    person.registration_id = known.id
    person.registration_name = known.name
    person.tier = tier
    person.why = why


_WORD_SPLIT = re.compile(r"[\s,.\-_·()（）]+")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _words(key: str) -> list[str]:
    return [word for word in _WORD_SPLIT.split(key) if word]


def best_guess(key: str, known: Sequence[Known]) -> tuple[Known, Why] | None:
    """The registration a report name most likely stands for, and why; None below SIMILAR."""
    if not key:
        return None
    words = _words(key)
    best: tuple[float, Known, Why] | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    # The Latin skeletons are compared when either name is in Latin letters.
    latin = latin_skeleton(key)
    latin_words = _words(latin)
    latin_matcher = difflib.SequenceMatcher(autojunk=False)
    latin_matcher.set_seq2(latin)
    report_latin = has_latin(key)
    for registration in known:
        if not registration.key:
            continue
        scored = _likeness(key, words, registration.key, registration.words, matcher)
        if latin and registration.latin and (report_latin or registration.in_latin):
            spelled = (
                (1.0, Why.LATIN)
                if latin == registration.latin
                else _likeness(
                    latin, latin_words, registration.latin, registration.latin_words, latin_matcher
                )
            )
            # Just below the same comparison of the names as written.
            if spelled is not None and (scored is None or spelled[0] - 0.01 > scored[0]):
                scored = (spelled[0] - 0.01, Why.LATIN)
        if scored is not None and (best is None or scored[0] > best[0]):
            best = (scored[0], registration, scored[1])
    return (best[1], best[2]) if best else None


def _likeness(
    key: str,
    words: list[str],
    their_key: str,
    theirs: list[str],
    matcher: difflib.SequenceMatcher[str],
) -> tuple[float, Why] | None:
    if len(words) > 1 and sorted(words) == sorted(theirs):
        return 0.99, Why.ORDER
    if _part_of(words, theirs) or _part_of(theirs, words):
        return 0.95, Why.PARTIAL
    if _initials_of(words, theirs) or _initials_of(theirs, words):
        return 0.9, Why.PARTIAL
    shorter, longer = sorted((key, their_key), key=len)
    if len(shorter) >= 2 and _CJK.match(shorter) and shorter in longer:
        return 0.9, Why.PARTIAL  # "王小明" in the nickname "王小明-哈尔滨一中"
    matcher.set_seq1(their_key)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return None
    ratio = matcher.ratio()
    return (ratio, Why.SIMILAR) if ratio >= SIMILAR else None


def _part_of(part: list[str], whole: list[str]) -> bool:
    """Two or more words of a name, all in the other: "Иванов Иван" of "Иванов Иван Иванович"."""
    return len(part) >= 2 and len(part) < len(whole) and set(part) <= set(whole)


def _initials_of(short: list[str], full: list[str]) -> bool:
    """ "иванов и и" or "иванов и.и." for "иванов иван иванович": the surname, then initials."""
    if len(short) < 2 or len(full) < 2 or short[0] != full[0]:
        return False
    initials = "".join(short[1:]).replace(".", "")
    return len(initials) >= 1 and initials == "".join(
        word[0] for word in full[1 : 1 + len(initials)]
    )


# --- the plan shown to the organizer ---------------------------------------------------------


@dataclass
class Plan:
    people: list[Person]
    session: int  # the event's length in seconds

    def undecided(self) -> list[int]:
        """Indexes (in `people`) of the unsure matches not answered yet."""
        return [
            i for i, p in enumerate(self.people) if p.tier is Tier.UNSURE and p.confirmed is None
        ]

    def marks(self) -> dict[int, Mark]:
        """Per registration: its people's time merged (two devices count once), in minutes."""
        presence: dict[int, Presence] = {}
        for person in self.people:
            if person.counts and person.registration_id is not None:
                before = presence.get(person.registration_id)
                joined = person.presence if before is None else before.combine(person.presence)
                presence[person.registration_id] = joined
        out: dict[int, Mark] = {}
        for registration_id, time_in in presence.items():
            first = time_in.first()
            out[registration_id] = Mark(
                minutes=time_in.seconds(self.session) // 60,
                first=datetime.fromtimestamp(first, UTC) if first is not None else None,
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {"people": [p.to_json() for p in self.people], "session": self.session}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls([Person.from_json(p) for p in data["people"]], int(data["session"]))


@dataclass(frozen=True)
class Mark:
    minutes: int
    first: datetime | None  # the first join within the event, if the report has times


async def plan_import(
    session: AsyncSession, event_id: int, attendees: Iterable[Attendee], session_seconds: int
) -> Plan:
    known = await known_registrations(session, event_id)
    return Plan(match_people(attendees, known), session_seconds)


async def checked_in_without_report(
    session: AsyncSession, event_id: int, marked: Iterable[int]
) -> int:
    """Online registrations checked in by button, code word or page, with no minutes and not
    in this report: with `min_attendance`, the report decides for them (attendance.py)."""
    rows = await session.execute(
        select(Attendance.registration_id)
        .join(Registration, Registration.id == Attendance.registration_id)
        .where(
            Attendance.event_id == event_id,
            Attendance.minutes.is_(None),
            Attendance.method != "organizer",
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.participation_format != "offline",
        )
    )
    excluded = set(marked)
    return sum(1 for (registration_id,) in rows if registration_id not in excluded)


# --- saving ---------------------------------------------------------------------------------


@dataclass
class Saved:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


async def save_marks(
    session: AsyncSession,
    *,
    event_id: int,
    marks: dict[int, Mark],
    now: datetime,
    actor_id: int,
    details: dict[str, Any],
) -> Saved:
    """Write the marks and the audit entry in one transaction. A check-in pressed at the same
    moment (the unique key) makes it start again: it is idempotent."""
    for _ in range(3):
        try:
            saved = await _write(session, event_id, marks, now)
            AuditRepository(session).record(
                actor_id,
                AUDIT_ACTION,
                now,
                event_id=event_id,
                details=details
                | {
                    "marked_new": saved.new,
                    "minutes_updated": saved.updated,
                    "minutes_unchanged": saved.unchanged,
                },
            )
            await session.commit()
            return saved
        except IntegrityError:
            await session.rollback()
    raise RuntimeError("attendance kept changing while the report was being saved")


async def _write(
    session: AsyncSession, event_id: int, marks: dict[int, Mark], now: datetime
) -> Saved:
    saved = Saved()
    existing = {
        row.registration_id: row
        for row in (
            await session.execute(
                select(Attendance).where(
                    Attendance.event_id == event_id,
                    Attendance.registration_id.in_(list(marks)),
                )
            )
        ).scalars()
    }
    for registration_id, mark in sorted(marks.items()):
        if mark.minutes < 1:  # under a minute within the event's times: not there
            continue
        row = existing.get(registration_id)
        if row is None:
            session.add(
                Attendance(
                    event_id=event_id,
                    registration_id=registration_id,
                    method=REPORT_METHOD,
                    checked_at=mark.first or now,
                    minutes=mark.minutes,
                )
            )
            saved.new += 1
        elif row.minutes == mark.minutes:
            saved.unchanged += 1
        else:
            row.minutes = mark.minutes
            saved.updated += 1
    await session.flush()
    return saved
