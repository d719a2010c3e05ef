"""Who hears of a new time (bot/services/reminders/moved.py), as SQL conditions, and the
counts organizers read: before confirming a move (count_reach) and after (summarize, from the
ledger, whoever sent what).

Participants: everyone with an active registration made before the move, in Telegram where a
chat reaches them (unless they chose e-mail alone and an address reaches them), by e-mail where
a confirmed address that has not bounced reaches them (unless they chose Telegram alone and
Telegram reaches them); the reminders' rules (db/reach.py) without the mute: a new time is no
reminder. Classes: their bound group, or else their teacher's private chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reminders.class_chats import reachable
from db.models import (
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    GroupDelivery,
    Registration,
    RegistrationStatus,
    SchoolClass,
    User,
)
from db.reach import email_usable, telegram_usable

WASTED = (DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED)


def telegram_people(event_id: int, since: datetime, email_on: bool) -> list[Any]:
    """Registrations the notice reaches in Telegram: a chat that has not blocked the bot,
    unless the person chose e-mail alone and an address reaches them (never nobody)."""
    conditions: list[Any] = [
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.ACTIVE,
        Registration.created_at <= since,
        User.is_reachable.is_(True),
    ]
    if email_on:
        conditions.append(or_(Registration.deliver_via != DeliverVia.EMAIL, ~email_usable()))
    return conditions


def email_people(event_id: int, since: datetime) -> list[Any]:
    """Registrations the notice reaches by e-mail (the reminders' rule, without the mute: a new
    time is no reminder)."""
    return [
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.ACTIVE,
        Registration.created_at <= since,
        email_usable(),
        or_(Registration.deliver_via != DeliverVia.TELEGRAM, ~telegram_usable()),
    ]


def not_had(kind: str | None, channel: DeliveryChannel) -> list[Any]:
    if kind is None:
        return []
    had = exists().where(
        Delivery.registration_id == Registration.id,
        Delivery.kind == kind,
        Delivery.channel == channel,
    )
    return [~had]


def class_chat_reachable() -> ColumnElement[bool]:
    """A class is reached in its bound group, or else in its teacher's private chat while
    Telegram delivers there (a class registered on the web page has no teacher chat); as for
    a reminder with the link, a teacher who muted reminders is told too."""
    return reachable(carries_link=True)


def classes_of(event_id: int, since: datetime) -> list[Any]:
    return [
        SchoolClass.event_id == event_id,
        SchoolClass.status == RegistrationStatus.ACTIVE,
        SchoolClass.created_at <= since,
    ]


def class_not_had(kind: str | None) -> list[Any]:
    if kind is None:
        return []
    return [~exists().where(GroupDelivery.class_id == SchoolClass.id, GroupDelivery.kind == kind)]


@dataclass(frozen=True)
class Reach:
    """Who a notice reaches, counted before the organizer confirms the move."""

    telegram: int
    email: int
    classes: int
    # Active registrations no channel reaches (blocked the bot and no usable address), and
    # classes with neither a group nor a teacher chat.
    people_unreachable: int
    classes_unreachable: int

    @property
    def anyone(self) -> bool:
        """Somebody registered (reachable or not): the move is a change for someone."""
        return bool(
            self.telegram
            + self.email
            + self.classes
            + self.people_unreachable
            + self.classes_unreachable
        )


async def count_reach(
    session: AsyncSession, event_id: int, now: datetime, *, email_on: bool
) -> Reach:
    async def count(query: Select[Any]) -> int:
        return (await session.scalar(select(func.count()).select_from(query.subquery()))) or 0

    telegram = await count(
        select(Registration.id)
        .join(User, User.id == Registration.user_id)
        .where(*telegram_people(event_id, now, email_on))
    )
    email = (
        await count(select(Registration.id).where(*email_people(event_id, now))) if email_on else 0
    )
    nowhere = [~telegram_usable(), *([~email_usable()] if email_on else [])]
    people_unreachable = await count(
        select(Registration.id).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            *nowhere,
        )
    )
    classes = select(SchoolClass.id).outerjoin(User, User.id == SchoolClass.teacher_id)
    reached = await count(classes.where(*classes_of(event_id, now), class_chat_reachable()))
    all_classes = await count(classes.where(*classes_of(event_id, now)))
    return Reach(telegram, email, reached, people_unreachable, all_classes - reached)


@dataclass(frozen=True)
class Summary:
    """A notice's outcome as the ledger has it (whoever sent it: this task, a resumed one,
    another replica)."""

    sent: int  # Telegram messages delivered
    failed: int  # Telegram refused them for another reason
    letters: int  # queued or sent by the mail outbox
    classes: int  # class messages delivered
    not_reached: int  # registered before the move and told nowhere


async def summarize(session: AsyncSession, event_id: int, kind: str, since: datetime) -> Summary:
    rows = await session.execute(
        select(Delivery.channel, Delivery.status, func.count())
        .where(Delivery.event_id == event_id, Delivery.kind == kind)
        .group_by(Delivery.channel, Delivery.status)
    )
    sent = failed = letters = 0
    for channel, status, number in rows.all():
        if channel == DeliveryChannel.EMAIL:
            # Sent, or waiting in the outbox; not the bounced or given up.
            letters += number if status not in WASTED else 0
        elif status == DeliveryStatus.SENT:
            sent += number
        elif status == DeliveryStatus.FAILED:
            failed += number
    classes = await session.scalar(
        select(func.count())
        .select_from(GroupDelivery)
        .join(SchoolClass, SchoolClass.id == GroupDelivery.class_id)
        .where(
            SchoolClass.event_id == event_id,
            GroupDelivery.kind == kind,
            GroupDelivery.status == DeliveryStatus.SENT,
        )
    )
    told = exists().where(Delivery.registration_id == Registration.id, Delivery.kind == kind)
    not_reached = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.created_at <= since,
            ~told,
        )
    )
    return Summary(sent, failed, letters, classes or 0, not_reached or 0)
