"""An uploaded list of recipients: Telegram ids, e-mail addresses and @usernames, from a .txt or
.csv file or pasted text, one per line or separated by commas, semicolons, tabs or spaces (a
CSV export with other columns works: cells that are none of the three are counted as not
recognised). Matched against the event's active registrations; what matches nobody is listed
for the organizer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.delivery.audience_reach import in_audience
from db.audiences import Audience
from db.models import Registration, User

MAX_FILE_BYTES = 1_048_576  # 1 MB: tens of thousands of addresses
MAX_ENTRIES = 5_000  # beyond this, an IN (...) list gets slow and a broadcast is "everyone"
LIST_EXTENSIONS = (".txt", ".csv")

_SEPARATORS = re.compile(r"[\s,;]+")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
# Telegram ids are positive integers of up to 52 bits (16 digits).
_TELEGRAM_ID = re.compile(r"^\d{1,16}$")


class ListTooLong(ValueError):
    pass


@dataclass
class RecipientList:
    """What a list names, each kind in the order given, without repeats."""

    telegram_ids: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    unrecognised: int = 0

    @property
    def size(self) -> int:
        return len(self.telegram_ids) + len(self.emails) + len(self.usernames)

    def params(self) -> dict[str, Any]:
        """As `broadcasts.audience_params` keeps it (db/audiences.py listed())."""
        return {
            "telegram_ids": self.telegram_ids,
            "emails": self.emails,
            "usernames": self.usernames,
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


def parse_list(text: str) -> RecipientList:
    found = RecipientList()
    seen: set[str] = set()
    for token in _SEPARATORS.split(text):
        token = token.strip().strip("\"'")
        if not token:
            continue
        if token.lower().startswith("mailto:"):
            token = token[len("mailto:") :]
        key = token.lower()
        if key in seen:
            continue
        if _TELEGRAM_ID.match(token):
            found.telegram_ids.append(int(token))
        elif _EMAIL.match(token):
            found.emails.append(key)
        elif match := _USERNAME.match(token):
            found.usernames.append(match[1].lower())
            key = f"@{match[1].lower()}"
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
    unmatched = (
        [str(i) for i in entries.telegram_ids if i not in ids]
        + [e for e in entries.emails if e not in emails]
        + [f"@{u}" for u in entries.usernames if u not in usernames]
    )
    return ListMatch(int(registrations or 0), unmatched)
