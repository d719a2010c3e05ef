"""An uploaded list of recipients: Telegram ids, e-mail addresses, @usernames and phone numbers,
from a .txt or .csv file or pasted text, one per line or separated by commas, semicolons, tabs
or spaces (a CSV export with other columns works: cells that are none of these are counted as
not recognised). Matched against the event's active registrations; what matches nobody is
listed for the organizer.

Phones and Telegram ids are both digits; the rule that tells them apart:
- a cell (between line breaks, commas, semicolons and tabs) written as a phone, that is
  starting with "+" or "00" or holding brackets, dashes or dots ("+7 (901) 765-43-21",
  "8 (901) 765-43-21", "+86 138 0013 8000", "901-765-43-21"), is one phone, its spaces
  included; written so, ten digits without a country code are a Russian number without +7;
- a number of bare digits is a phone when it has 11 digits and starts with 7 or 8 (a Russian
  number: +7 or the trunk 8, and ten digits: "89017654321") or with 1 and then 3-9 (a Chinese
  mobile: "13800138000"). Telegram has not issued ids that long (they have ten digits at most
  today);
- any other number of up to 16 digits is a Telegram id. So a Russian number without its 7 or 8
  ("9017654321") is read as an id: write it with +7, 8 or its dashes to be read as a phone.
A phone matches the registrations whose phone is the same number however it was typed (a
Russian one by its last ten digits, as /find does: db/phones.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.delivery.audience_reach import in_audience
from db.audiences import Audience
from db.models import Registration, User
from db.phones import CHINA, RUSSIA, bare_phone, phone_listed, stored_forms

MAX_FILE_BYTES = 1_048_576  # 1 MB: tens of thousands of addresses
MAX_ENTRIES = 5_000  # beyond this, an IN (...) list gets slow and a broadcast is "everyone"
LIST_EXTENSIONS = (".txt", ".csv")

_CELLS = re.compile(r"[\r\n,;\t]+")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
# Telegram ids are positive integers of up to 52 bits (16 digits).
_TELEGRAM_ID = re.compile(r"^\d{1,16}$")
# A phone written with its punctuation (one cell, spaces included).
_WRITTEN_PHONE = re.compile(r"^(?:\+|00)?[\d\s().\-]+$")
_PHONE_MARKS = ("+", "(", ")", "-", ".")
_RUSSIAN_BARE = re.compile(r"^[78]\d{10}$")
_CHINESE_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# The digits of a phone with its country code (E.164 allows 15).
PHONE_DIGITS = range(7, 16)


class ListTooLong(ValueError):
    pass


@dataclass
class RecipientList:
    """What a list names, each kind in the order given, without repeats."""

    telegram_ids: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    # Keys of db/phones.py: "+79017654321", "+8613800138000".
    phones: list[str] = field(default_factory=list)
    unrecognised: int = 0

    @property
    def size(self) -> int:
        return len(self.telegram_ids) + len(self.emails) + len(self.usernames) + len(self.phones)

    def params(self) -> dict[str, Any]:
        """As `broadcasts.audience_params` keeps it (db/audiences.py listed())."""
        return {
            "telegram_ids": self.telegram_ids,
            "emails": self.emails,
            "usernames": self.usernames,
            "phones": self.phones,
        }


def decode_list(data: bytes) -> str:
    """A list file's text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else cp1251
    (Russian Windows; ids and addresses are ASCII anyway)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def international(digits: str) -> str | None:
    """The key of a phone written with its country code (after "+" or "00")."""
    if digits.startswith("86") and _CHINESE_MOBILE.match(digits[2:]):
        return CHINA + digits[2:]
    if digits.startswith("7") and len(digits) == 11:
        return RUSSIA + digits[1:]
    return f"+{digits}" if len(digits) in PHONE_DIGITS else None


def written_phone(cell: str) -> str | None:
    """The key of a cell written as a phone (see the module's docstring), or None."""
    digits = "".join(ch for ch in cell if ch.isdigit())
    if cell.startswith("+"):
        return international(digits)
    if cell.startswith("00"):
        return international(digits[2:])
    if len(digits) == 10:
        return RUSSIA + digits
    return bare_digits_phone(digits)


def bare_digits_phone(digits: str) -> str | None:
    """The key of bare digits that are a phone by their length and first digit, or None."""
    if _RUSSIAN_BARE.match(digits):
        return RUSSIA + digits[1:]
    if _CHINESE_MOBILE.match(digits):
        return CHINA + digits
    return None


def _tokens(text: str) -> list[tuple[str, bool]]:
    """The list's entries, each with whether it is a cell written as a phone."""
    out: list[tuple[str, bool]] = []
    for cell in _CELLS.split(text):
        cell = cell.strip().strip("\"'").strip()
        if not cell:
            continue
        written = _WRITTEN_PHONE.match(cell) and (
            cell.startswith("00") or any(mark in cell for mark in _PHONE_MARKS)
        )
        if written:
            out.append((cell, True))
        else:
            out += [(token, False) for token in _SPACES.split(cell) if token]
    return out


def parse_list(text: str) -> RecipientList:
    found = RecipientList()
    seen: set[str] = set()
    for token, as_phone in _tokens(text):
        token = token.strip().strip("\"'")
        if not token:
            continue
        if token.lower().startswith("mailto:"):
            token = token[len("mailto:") :]
        key = token.lower()
        phone = written_phone(token) if as_phone else None
        if phone is None and not as_phone and token.isascii() and token.isdigit():
            phone = bare_digits_phone(token)
        if as_phone and phone is None:
            found.unrecognised += 1
            continue
        if phone is not None:
            key = f"phone:{phone}"
            if key in seen:
                continue
            found.phones.append(phone)
        elif key in seen:
            continue
        elif _TELEGRAM_ID.match(token):
            found.telegram_ids.append(int(token))
        elif _EMAIL.match(token):
            found.emails.append(key)
        elif match := _USERNAME.match(token):
            found.usernames.append(match[1].lower())
        else:
            found.unrecognised += 1
            continue
        seen.add(key)
        if found.size > MAX_ENTRIES:
            raise ListTooLong(str(MAX_ENTRIES))
    return found


@dataclass(frozen=True)
class ListMatch:
    """`registrations`: how many of the event's active registrations the list names;
    `unmatched`: the entries that name none, as written in the list (lower-case)."""

    registrations: int
    unmatched: list[str]


async def match_list(session: AsyncSession, event_id: int, entries: RecipientList) -> ListMatch:
    params = entries.params()
    registrations = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(*in_audience(event_id, Audience.LIST, params))
    )
    active = in_audience(event_id, Audience.ALL)
    ids: set[int] = set()
    emails: set[str] = set()
    usernames: set[str] = set()
    if entries.telegram_ids:
        rows = await session.scalars(
            select(Registration.user_id).where(
                *active, Registration.user_id.in_(entries.telegram_ids)
            )
        )
        ids = {uid for uid in rows.all() if uid is not None}
    if entries.emails:
        rows_e = await session.scalars(
            select(Registration.email_key).where(
                *active, Registration.email_key.in_(entries.emails)
            )
        )
        emails = {e for e in rows_e.all() if e is not None}
    if entries.usernames:
        rows_u = await session.scalars(
            select(func.lower(User.username))
            .join(Registration, Registration.user_id == User.id)
            .where(*active, func.lower(User.username).in_(entries.usernames))
        )
        usernames = set(rows_u.all())
    phones: set[str] = set()
    if entries.phones:
        rows_p = await session.scalars(
            select(bare_phone(Registration.phone)).where(
                *active, phone_listed(Registration.phone, entries.phones)
            )
        )
        phones = {p for p in rows_p.all() if p is not None}
    unmatched = (
        [str(i) for i in entries.telegram_ids if i not in ids]
        + [e for e in entries.emails if e not in emails]
        + [f"@{u}" for u in entries.usernames if u not in usernames]
        + [p for p in entries.phones if phones.isdisjoint(stored_forms(p))]
    )
    return ListMatch(int(registrations or 0), unmatched)
