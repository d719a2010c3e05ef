"""Who of an audience a broadcast reaches, on which channel, and why the others not: the
recipients a broadcast stores when it starts and the counts the organizer sees before sending
come from the same conditions, so "35 of 40" on the screen is what the sending does.

A person is reached in Telegram when their chat has not blocked the bot, and by e-mail (with
e-mail on and a message a letter can carry) when broadcast_by_email() says so; one who chose
e-mail alone gets no copy when the letter reaches them. Nobody reached is counted under the
first reason that applies:
- blocked: a chat that blocked the bot (or the account is gone);
- unsubscribed: an address the person muted with the e-mail's unsubscribe link;
- bounced: an address the mail server refused for good;
- not-a-letter: only e-mail reaches them, and the message (a sticker...) cannot be a letter;
- no-channel: no chat with the bot and no confirmed address (a web registrant who never
  confirmed it; a class registered on the site);
- no-telegram: no chat with the bot while e-mail is off;
- site-class: a class registered on the site, whose teacher has no chat with the bot.

Class teachers (Audience.CLASS_TEACHERS) are reached in their own chat, and (e-mail on, a
message a letter can carry) by a letter to the class's confirmed, unmuted address, once per
address (class_email_recipients: the outbox sends it as a class letter, see
bot/services/mailing/class_mail.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audiences import Audience, audience_filter, class_teacher_filter
from db.models import DeliverVia, Registration, RegistrationStatus, SchoolClass, User
from db.reach import class_email_usable, email_usable, telegram_usable

REACHED = "reached"
# The reasons, in the order they are looked at (and shown).
REASONS = (
    "blocked",
    "unsubscribed",
    "bounced",
    "not-a-letter",
    "no-channel",
    "no-telegram",
    "site-class",
)


def broadcast_by_email() -> list[ColumnElement[bool]]:
    """Who gets a broadcast by e-mail: a confirmed address that has not bounced, not muted by
    the e-mail's unsubscribe (it mutes broadcasts), unless the person chose Telegram alone and
    Telegram reaches them (bot/services/reminders/mail.py: never nobody)."""
    return [
        email_usable(),
        Registration.email_muted.is_(False),
        or_(Registration.deliver_via != DeliverVia.TELEGRAM, ~telegram_usable()),
    ]


def by_telegram(*, by_email: bool) -> list[ColumnElement[bool]]:
    """Who gets a broadcast's copy in Telegram. `by_email`: the broadcast goes as a letter too,
    so those who chose e-mail alone, with an address it reaches, are left to it."""
    conditions = [telegram_usable()]
    if by_email:
        conditions.append(or_(Registration.deliver_via != DeliverVia.EMAIL, ~email_usable()))
    return conditions


def in_audience(
    event_id: int, audience: Audience, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """The event's active registrations in the audience."""
    # The language the person chose in the bot, else the registration's own.
    chosen = select(User.language).where(User.id == Registration.user_id).scalar_subquery()
    return [
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.ACTIVE,
        *audience_filter(
            audience, language=func.coalesce(chosen, Registration.language), params=params
        ),
    ]


@dataclass(frozen=True)
class Reach:
    """An audience as a broadcast sees it: `total` people in it, `reached` of them one way or
    both (`telegram` copies, `email` letters), and the others counted by reason."""

    total: int = 0
    reached: int = 0
    telegram: int = 0
    email: int = 0
    missed: dict[str, int] = field(default_factory=dict)

    @property
    def unreachable(self) -> int:
        return self.total - self.reached

    def reasons(self) -> list[tuple[str, int]]:
        """The reasons with their counts, in REASONS order, zeros left out."""
        return [(r, self.missed[r]) for r in REASONS if self.missed.get(r)]

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "reached": self.reached, "missed": dict(self.missed)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Reach | None:
        if not data:
            return None
        return cls(
            total=int(data.get("total", 0)),
            reached=int(data.get("reached", 0)),
            missed={str(k): int(v) for k, v in dict(data.get("missed", {})).items()},
        )


async def reach(
    session: AsyncSession,
    event_id: int,
    audience: Audience,
    params: Mapping[str, Any] | None = None,
    *,
    email_on: bool,
    mail: bool = True,
) -> Reach:
    """`email_on`: e-mail is a channel; `mail`: the message can be a letter."""
    if audience.of_classes:
        return await _class_teachers_reach(session, event_id, by_email=email_on and mail)
    by_email = email_on and mail
    telegram = and_(*by_telegram(by_email=by_email))
    letter = and_(*broadcast_by_email()) if by_email else false()
    whens: list[tuple[ColumnElement[bool], Any]] = [
        (or_(telegram, letter), REACHED),
        (and_(Registration.user_id.is_not(None), ~telegram_usable()), "blocked"),
    ]
    if email_on:
        whens += [
            (and_(email_usable(), Registration.email_muted.is_(True)), "unsubscribed"),
            (Registration.email_bounced_at.is_not(None), "bounced"),
            (email_usable(), "not-a-letter"),
        ]
    reason = case(
        *((when, literal(name)) for when, name in whens),
        else_=literal("no-channel" if email_on else "no-telegram"),
    )
    rows = (
        select(
            reason.label("reason"),
            case((telegram, 1), else_=0).label("telegram"),
            case((letter, 1), else_=0).label("letter"),
        )
        .where(*in_audience(event_id, audience, params))
        .subquery()
    )
    result = await session.execute(
        select(
            rows.c.reason, func.count(), func.sum(rows.c.telegram), func.sum(rows.c.letter)
        ).group_by(rows.c.reason)
    )
    total = reached = copies = letters = 0
    missed: dict[str, int] = {}
    for name, count, telegram_count, letter_count in result.all():
        total += count
        copies += int(telegram_count or 0)
        letters += int(letter_count or 0)
        if name == REACHED:
            reached += count
        else:
            missed[str(name)] = count
    return Reach(total, reached, copies, letters, missed)


async def telegram_recipients(
    session: AsyncSession,
    event_id: int,
    audience: Audience,
    params: Mapping[str, Any] | None = None,
    *,
    by_email: bool = False,
) -> list[int]:
    """Telegram ids of the reachable people in the audience. `by_email`: see by_telegram()."""
    if audience.of_classes:
        return await _class_teacher_chats(session, event_id)
    rows = await session.scalars(
        select(Registration.user_id)
        .where(*in_audience(event_id, audience, params), *by_telegram(by_email=by_email))
        .order_by(Registration.user_id)
        .distinct()
    )
    return [uid for uid in rows.all() if uid is not None]


async def email_recipients(
    session: AsyncSession,
    event_id: int,
    audience: Audience,
    params: Mapping[str, Any] | None = None,
) -> list[int]:
    """Ids of the registrations in the audience that a broadcast reaches by e-mail."""
    if audience.of_classes:
        return []  # the delivery ledger is per registration: no letters to classes
    rows = await session.scalars(
        select(Registration.id)
        .where(*in_audience(event_id, audience, params), *broadcast_by_email())
        .order_by(Registration.id)
    )
    return list(rows.all())


# --- the teachers of classes -----------------------------------------------------------------


async def _class_teachers(session: AsyncSession, event_id: int) -> dict[tuple[str, Any], bool]:
    """Each teacher once (a teacher of two classes is one person): their chat, or for a class
    without one its address (or the class itself) -> whether Telegram reaches them."""
    rows = await session.execute(
        select(SchoolClass.id, SchoolClass.teacher_id, SchoolClass.email, User.is_reachable)
        .outerjoin(User, User.id == SchoolClass.teacher_id)
        .where(*class_teacher_filter(event_id))
        .order_by(SchoolClass.id)
    )
    teachers: dict[tuple[str, Any], bool] = {}
    for class_id, teacher_id, email, reachable in rows.all():
        if teacher_id is not None:
            teachers[("chat", teacher_id)] = bool(reachable)
        else:
            key = ("email", email.strip().lower()) if email else ("class", class_id)
            teachers.setdefault(key, False)
    return teachers


async def class_email_recipients(session: AsyncSession, event_id: int) -> list[int]:
    """The classes a broadcast to teachers reaches by e-mail: a confirmed address that has not
    bounced nor unsubscribed, one class per address (a teacher of two classes gets one letter)."""
    rows = await session.execute(
        select(SchoolClass.id, SchoolClass.email)
        .where(
            *class_teacher_filter(event_id),
            class_email_usable(),
            SchoolClass.email_muted.is_(False),
        )
        .order_by(SchoolClass.id)
    )
    seen: set[str] = set()
    ids = []
    for class_id, email in rows.all():
        key = (email or "").strip().lower()
        if key not in seen:
            seen.add(key)
            ids.append(class_id)
    return ids


async def _class_teachers_reach(session: AsyncSession, event_id: int, *, by_email: bool) -> Reach:
    """Each teacher once: in their chat, or by a letter to the class's address (a teacher with
    a chat and an address gets both, as a person reachable both ways does)."""
    teachers = await _class_teachers(session, event_id)
    mailed: set[tuple[str, Any]] = set()
    letters = 0
    if by_email:
        ids = await class_email_recipients(session, event_id)
        letters = len(ids)
        rows = await session.execute(
            select(SchoolClass.teacher_id, SchoolClass.email).where(SchoolClass.id.in_(ids))
        )
        for teacher_id, email in rows.all():
            mailed.add(
                ("chat", teacher_id)
                if teacher_id is not None
                else ("email", (email or "").strip().lower())
            )
    copies = sum(teachers.values())
    reached = sum(1 for key, ok in teachers.items() if ok or key in mailed)
    blocked = sum(
        1 for key, ok in teachers.items() if key[0] == "chat" and not ok and key not in mailed
    )
    no_chat = len(teachers) - reached - blocked
    missed = {k: v for k, v in (("blocked", blocked), ("site-class", no_chat)) if v}
    return Reach(len(teachers), reached, copies, letters, missed)


async def _class_teacher_chats(session: AsyncSession, event_id: int) -> list[int]:
    teachers = await _class_teachers(session, event_id)
    return sorted(int(key) for (kind, key), ok in teachers.items() if kind == "chat" and ok)
