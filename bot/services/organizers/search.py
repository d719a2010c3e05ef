"""/find: participants, teachers (their classes) and pupils by whatever an organizer has at hand.

What is typed decides where to look:
- a certificate number, typed as people type it (Cyrillic look-alikes, spaces, long dashes: the
  /verify rules, `normalize_number`): the certificate's holder; "NP25-0042-K7QX/3" is the third
  pupil of that class's certificate, as printed on the pupil's page;
- "@name": Telegram usernames (as last seen, users.username) starting with it;
- a phone number or a Telegram id (digits, with + ( ) - . and spaces ignored): phones containing
  those digits (five at least), and the Telegram id itself. A Russian number of 11 digits is
  looked for by its last 10: "+7 901 ...", "7901..." and "8 (901) ..." are one number, however
  it was typed at registration (the form keeps a leading 8 as typed);
- an address ("li@" or "li.wei@mail.cn"): e-mails containing it;
- anything else: names containing every word typed, in any order (case, ё/е and spacing do not
  count: db/search_keys.py), e-mails containing the text, and the exact @username; and classes
  by their name ("8Б" finds 8 «Б» and 8 Б: quotes, spaces and dashes do not count) or by their
  school (every word typed).

One statement for the three kinds of hit (a UNION ALL with the total as a window count), so a
page costs one round trip whatever the backend. The name conditions scan the stored name keys
(LIKE '%...%' has no index on either backend); 10,000 registrations take a few milliseconds
(bench/find.py). Class names and schools have no stored key: SQL cannot fold Cyrillic case on
both backends, so they are compared here, in Python, over the classes' (id, name, school) read in
one more statement; a conference has hundreds of classes at most. Erased registrations are
never found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.certificates.issue import normalize_number
from db.models import (
    Certificate,
    ClassStudent,
    EventRow,
    Registration,
    SchoolClass,
    StudentStatus,
    User,
)
from db.search_keys import name_key

PAGE_SIZE = 8
# Telegram ids are positive and fit a BIGINT; longer digit strings are phones only.
MAX_TELEGRAM_ID = 2**63 - 1
# Fewer digits than this match too many phones to mean one.
MIN_PHONE_DIGITS = 5

_PHONE_TYPED = re.compile(r"\+?[\d\s().\-]+")
_PHONE_JUNK = ("+", " ", "-", "(", ")", ".")
_USERNAME = re.compile(r"@?([A-Za-z0-9_]{3,32})")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# What a class name is written with, besides its number and letter: 8 «Б», 8 "Б", 8-Б, 8 Б.
_CLASS_NAME_JUNK = re.compile(r"[\s\"'«»„“”‘’‚`\-‐‑‒–—]")
# Russia's (and Kazakhstan's) numbers: +7 and ten digits, dialled at home as 8 and ten digits.
_TRUNK_PREFIXES = ("7", "8")
NATIONAL_DIGITS = 10


class HitKind(StrEnum):
    REGISTRATION = "r"
    CLASS = "c"  # a teacher's class: found by the teacher's name, e-mail, phone, Telegram
    PUPIL = "p"


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    id: int
    name: str  # "" when there is none (an erased teacher)
    event_slug: str
    status: str  # the registration's, class's or pupil's own status
    detail: str  # the class's name, for a class or a pupil; the e-mail, for a registration


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class Query:
    """What was typed, taken apart: each part set is a place to look."""

    certificate: str | None = None
    username_prefix: str | None = None  # "@name": usernames starting with it
    username: str | None = None  # a bare word that could be a username: equal to it
    digits: str | None = None
    telegram_id: int | None = None
    email: str | None = None
    words: tuple[str, ...] = ()
    class_name: str | None = None  # the text as `class_name_key` folds it


def class_name_key(name: str | None) -> str:
    """ "8 «Б»", "8Б", "8 б" and "8-Б" have one key, "8б": the name key without quotes, spaces
    and dashes."""
    return _CLASS_NAME_JUNK.sub("", name_key(name) or "")


def phone_digits(digits: str) -> str:
    """The digits to look for: a Russian number without its +7 or 8, as it may be stored with
    either (or without: "+7 900..." and "8 900..." are one phone)."""
    if len(digits) == NATIONAL_DIGITS + 1 and digits.startswith(_TRUNK_PREFIXES):
        return digits[1:]
    return digits


def parse_query(text: str) -> Query | None:
    """None for what is too short to search for (one letter, except a Chinese character)."""
    text = " ".join(text.split())
    if not text:
        return None
    number = normalize_number(text)
    if number is not None:
        return Query(certificate=number)
    if text.startswith("@"):
        found = _USERNAME.fullmatch(text)
        return Query(username_prefix=found[1].lower()) if found else None
    if _PHONE_TYPED.fullmatch(text):
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits:
            return None
        as_id = int(digits) if int(digits) <= MAX_TELEGRAM_ID else None
        # A few digits are an id only: as a part of a phone they would match half the list.
        phone = phone_digits(digits) if len(digits) >= MIN_PHONE_DIGITS else None
        return Query(digits=phone, telegram_id=as_id)
    if "@" in text:
        return Query(email=text.lower())
    key = name_key(text) or ""
    if len(key) < 2 and not _CJK.search(key):
        return None
    username = _USERNAME.fullmatch(text)
    return Query(
        words=tuple(key.split(" ")),
        email=text.lower() if " " not in text else None,
        username=username[1].lower() if username else None,
        class_name=class_name_key(text) or None,
    )


async def search(session: AsyncSession, text: str, page: int = 0) -> SearchPage | None:
    """One page of hits, best first: names that start with what was typed before names that
    only contain it. None when the text cannot be searched for (see `parse_query`)."""
    query = parse_query(text)
    if query is None:
        return None
    if query.certificate is not None:
        hits = await _by_certificate(session, query.certificate)
        return SearchPage(hits, len(hits), 0)
    found = await _page(session, query, page)
    if found.hits or page == 0:
        return found
    return await _page(session, query, 0)  # an old button for a page that is gone


async def _page(session: AsyncSession, query: Query, page: int) -> SearchPage:
    """Two steps: which hits, from narrow rows (the conditions, the rank, the sort key: what the
    covering indexes of migration 0014 hold), with the total as a window count; then the
    details of the page's hits only, by primary key."""
    page = max(page, 0)
    named = await _classes_by_name_or_school(session, query)
    union = union_all(_registrations(query), _classes(query, named), _pupils(query)).subquery(
        "hits"
    )
    statement = (
        select(union.c.kind, union.c.id, func.count().over().label("total"))
        .order_by(union.c.rank, union.c.sort, union.c.kind, union.c.id)
        .limit(PAGE_SIZE)
        .offset(page * PAGE_SIZE)
    )
    found = (await session.execute(statement)).all()
    if not found:
        return SearchPage([], 0, page)
    wanted = [(HitKind(kind), int(item_id)) for kind, item_id, _ in found]
    details = await _details(session, wanted)
    hits = [details[hit] for hit in wanted if hit in details]
    return SearchPage(hits, int(found[0].total), page)


async def _details(
    session: AsyncSession, wanted: list[tuple[HitKind, int]]
) -> dict[tuple[HitKind, int], Hit]:
    """What a hit's button shows, for a page of hits, in one statement."""
    ids = {kind: [item_id for k, item_id in wanted if k is kind] for kind in HitKind}
    parts: list[Any] = []
    if ids[HitKind.REGISTRATION]:
        parts.append(
            select(
                literal(HitKind.REGISTRATION.value).label("kind"),
                Registration.id.label("id"),
                Registration.full_name.label("name"),
                EventRow.slug.label("slug"),
                Registration.status.label("status"),
                Registration.email.label("detail"),
            )
            .join(EventRow, EventRow.id == Registration.event_id)
            .where(Registration.id.in_(ids[HitKind.REGISTRATION]))
        )
    if ids[HitKind.CLASS]:
        parts.append(
            select(
                literal(HitKind.CLASS.value).label("kind"),
                SchoolClass.id.label("id"),
                SchoolClass.teacher_name.label("name"),
                EventRow.slug.label("slug"),
                SchoolClass.status.label("status"),
                SchoolClass.name.label("detail"),
            )
            .join(EventRow, EventRow.id == SchoolClass.event_id)
            .where(SchoolClass.id.in_(ids[HitKind.CLASS]))
        )
    if ids[HitKind.PUPIL]:
        parts.append(
            select(
                literal(HitKind.PUPIL.value).label("kind"),
                ClassStudent.id.label("id"),
                ClassStudent.full_name.label("name"),
                EventRow.slug.label("slug"),
                ClassStudent.status.label("status"),
                SchoolClass.name.label("detail"),
            )
            .join(SchoolClass, SchoolClass.id == ClassStudent.class_id)
            .join(EventRow, EventRow.id == SchoolClass.event_id)
            .where(ClassStudent.id.in_(ids[HitKind.PUPIL]))
        )
    # Two statements rather than a conditional expression: mypy 2.4 crashes joining the
    # Select and CompoundSelect types of the two branches.
    statement: Any = parts[0]
    if len(parts) > 1:
        statement = union_all(*parts)
    rows = (await session.execute(statement)).all()
    return {(HitKind(row.kind), int(row.id)): _hit(row) for row in rows}


def _hit(row: Any) -> Hit:
    return Hit(
        kind=HitKind(row.kind),
        id=int(row.id),
        name=row.name or "",
        event_slug=row.slug,
        status=row.status,
        detail=row.detail or "",
    )


def _rank(key: Any, query: Query, *first: ColumnElement[bool]) -> ColumnElement[Any]:
    """0: the name starts with the first word typed (a surname, usually), or one of `first`
    holds; 1: anything else."""
    if not query.words:
        return literal(0, Integer)
    return case((or_(key.startswith(query.words[0], autoescape=True), *first), 0), else_=1)


def _name_matches(key: Any, query: Query) -> list[ColumnElement[bool]]:
    if not query.words:
        return []
    return [and_(*(key.contains(word, autoescape=True) for word in query.words))]


def _username_matches(user_id: Any, query: Query) -> list[ColumnElement[bool]]:
    """The chat's @username, as a subquery on `users` run once (a join would look the user up
    for every row scanned). Telegram usernames are ASCII and case-insensitive: lower() folds
    them on both backends."""
    username = func.lower(User.username)
    if query.username_prefix is not None:
        matches = username.startswith(query.username_prefix, autoescape=True)
    elif query.username is not None:
        matches = username == query.username
    else:
        return []
    return [user_id.in_(select(User.id).where(matches))]


def _phone_matches(phone: Any, query: Query) -> list[ColumnElement[bool]]:
    if query.digits is None:
        return []
    # The form stores "+79001234567" (or "89001234567", as typed); older or imported rows may
    # keep their spaces and dashes. `query.digits` has no trunk prefix (`phone_digits`), so a
    # stored "+7..." or "8..." both contain it.
    bare = phone
    for junk in _PHONE_JUNK:
        bare = func.replace(bare, junk, "")
    return [bare.contains(query.digits, autoescape=True)]


def _id_matches(column: Any, query: Query) -> list[ColumnElement[bool]]:
    return [column == query.telegram_id] if query.telegram_id is not None else []


def _any(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else false()


def _narrow(
    kind: HitKind, item_id: Any, key: Any, query: Query, *first: ColumnElement[bool]
) -> Any:
    return select(
        literal(kind.value).label("kind"),
        item_id.label("id"),
        _rank(key, query, *first).label("rank"),
        key.label("sort"),
    )


def _registrations(query: Query) -> Any:
    conditions = [
        *_name_matches(Registration.name_key, query),
        *_username_matches(Registration.user_id, query),
        *_phone_matches(Registration.phone, query),
        *_id_matches(Registration.user_id, query),
    ]
    if query.email is not None:
        conditions.append(Registration.email_key.contains(query.email, autoescape=True))
    return _narrow(HitKind.REGISTRATION, Registration.id, Registration.name_key, query).where(
        Registration.erased_at.is_(None), _any(conditions)
    )


async def _classes_by_name_or_school(session: AsyncSession, query: Query) -> list[int]:
    """The classes whose name holds what was typed ("8Б" in 8 «Б»), or whose school holds every
    word typed ("школа 5" in Школа № 5), compared in Python (see the module's docstring)."""
    if not query.words:
        return []
    rows = await session.execute(select(SchoolClass.id, SchoolClass.name, SchoolClass.school))
    found = []
    for class_id, name, school in rows:
        school_key = name_key(school) or ""
        if (query.class_name and query.class_name in class_name_key(name)) or (
            school_key and all(word in school_key for word in query.words)
        ):
            found.append(int(class_id))
    return found


def _classes(query: Query, named: list[int]) -> Any:
    """`named`: the classes found by their name or school, first in the list."""
    by_name = [SchoolClass.id.in_(named)] if named else []
    conditions = [
        *by_name,
        *_name_matches(SchoolClass.name_key, query),
        *_username_matches(SchoolClass.teacher_id, query),
        *_phone_matches(SchoolClass.phone, query),
        *_id_matches(SchoolClass.teacher_id, query),
    ]
    if query.email is not None:
        conditions.append(func.lower(SchoolClass.email).contains(query.email, autoescape=True))
    return _narrow(HitKind.CLASS, SchoolClass.id, SchoolClass.name_key, query, *by_name).where(
        _any(conditions)
    )


def _pupils(query: Query) -> Any:
    conditions = [
        *_name_matches(ClassStudent.name_key, query),
        *_username_matches(ClassStudent.user_id, query),
        *_id_matches(ClassStudent.user_id, query),
    ]
    return _narrow(HitKind.PUPIL, ClassStudent.id, ClassStudent.name_key, query).where(
        _any(conditions)
    )


async def _by_certificate(session: AsyncSession, number: str) -> list[Hit]:
    """The holder of a certificate number: a registration, a class, or (with "/n") the n-th
    pupil printed in the class's PDF (its active pupils in roster order, as class_pages)."""
    base, _, pupil = number.partition("/")
    found = (
        await session.execute(
            select(Certificate, EventRow.slug)
            .join(EventRow, EventRow.id == Certificate.event_id)
            .where(Certificate.number == base)
        )
    ).first()
    if found is None:
        return []
    certificate, slug = found
    if certificate.registration_id is not None and not pupil:
        row = await session.get(Registration, certificate.registration_id)
        if row is None or row.erased_at is not None:
            return []
        return [
            Hit(
                HitKind.REGISTRATION, row.id, row.full_name or "", slug, row.status, row.email or ""
            )
        ]
    if certificate.class_id is None:
        return []
    school_class = await session.get(SchoolClass, certificate.class_id)
    if school_class is None:
        return []
    if not pupil:
        return [
            Hit(
                HitKind.CLASS,
                school_class.id,
                school_class.teacher_name or "",
                slug,
                school_class.status,
                school_class.name,
            )
        ]
    student = await pupil_on_page(session, school_class.id, int(pupil))
    if student is None:
        return []
    return [
        Hit(HitKind.PUPIL, student.id, student.full_name, slug, student.status, school_class.name)
    ]


async def pupil_on_page(session: AsyncSession, class_id: int, index: int) -> ClassStudent | None:
    """The pupil whose page is the `index`-th (from 1) of the class's certificate."""
    if index < 1:
        return None
    return await session.scalar(
        select(ClassStudent)
        .where(ClassStudent.class_id == class_id, ClassStudent.status == StudentStatus.ACTIVE)
        .order_by(ClassStudent.id)
        .offset(index - 1)
        .limit(1)
    )
