"""The channels a reminder wave goes out on: what the runner (runner.py) asks of each, and the
Telegram channel. The e-mail channel is in mail.py, imported only with e-mail on.

The runner does everything that is the same on every channel: it decides what is due (one
planner), claims recipients in the delivery ledger, one row per (registration, message,
channel), feeds the workers and records the outcome. A channel says who it can reach (as SQL
conditions), how long its share of a wave takes, and sends one message, answering with a
Verdict the runner knows how to record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from aiogram import Bot
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n
from bot.messages import attends_offline, link_update_text, reminder_text
from bot.services.delivery.pacing import Outcome, PacedSender
from bot.services.events.catalog import Event
from bot.services.reminders.planner import Slot
from db.models import DeliverVia, DeliveryChannel, Registration, User
from db.reach import email_usable
from db.repositories import UserRepository


@dataclass(frozen=True)
class Recipient:
    """One claimed recipient, as the channel's query selected it (columns by these names)."""

    registration_id: int
    language: str
    participation_format: str
    chat_id: int | None = None  # Telegram
    address: str | None = None  # e-mail
    name: str = ""
    # The personal page's token digest: the e-mailed links are signed with it.
    token_digest: str | None = None
    # A link correction: whether they had an older link (else the link was not out yet).
    had_old_link: bool = False
    # The venue chosen, and since when on its waiting list (None: a seat): issue 15.
    venue_id: str | None = None
    venue_waiting_since: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> Recipient:
        values = {k: v for k, v in row._mapping.items() if v is not None}
        if "had_old_link" in values:
            values["had_old_link"] = bool(values["had_old_link"])
        return cls(**values)


@dataclass(frozen=True)
class Message:
    """What a wave sends: a slot's reminder, or (no slot) the link to those who had an old one."""

    kind: str  # the ledger's kind: "before-3600", "start", "link-<hash>"
    event: Event
    event_id: int
    link: str  # the meeting link now; "" while not published
    slot: Slot | None = None

    def link_for(self, r: Recipient) -> str | None:
        """The link this message gives this person (recorded: a later change is corrected)."""
        if self.slot is None:
            return self.link
        carries = self.slot.carries_link and not attends_offline(self.event, r.participation_format)
        return self.link if carries and self.link else None


class Verdict(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # tried and given up: recorded, not tried again
    UNREACHABLE = "unreachable"  # this channel cannot reach this person: see Channel.unreachable
    RETRY = "retry"  # not sent: the claim goes back at the end of the wave (the next look retries)
    HALT = "halt"  # not sent, and nothing more on this channel in this wave (the server is away)


@dataclass(frozen=True)
class Attempt:
    verdict: Verdict
    error: str | None = None


class Channel(Protocol):
    name: DeliveryChannel
    workers: int  # concurrent senders in a wave
    # The table whose rows a claim locks (PostgreSQL, SKIP LOCKED: replicas claiming at once
    # take different people). Each channel its own: the Telegram and e-mail waves of a message
    # claim the same people at the same moment and must not skip each other's.
    locks: Any

    @property
    def rate(self) -> float:
        """Messages a second (the planner's wave lead)."""
        ...

    def select(self, *extra: Any) -> Select[Any]:
        """The recipients' columns, named as Recipient's fields, with `extra` columns after."""
        ...

    def usable(self) -> list[ColumnElement[bool]]:
        """Who this channel reaches and who wants it by this channel."""
        ...

    def unmuted(self) -> ColumnElement[bool]:
        """Who did not mute reminders on this channel (the link comes anyway)."""
        ...

    def ready(self, now: datetime) -> bool:
        """False while the channel is held back (the daily e-mail limit reached)."""
        ...

    async def pending(self, session: AsyncSession, query: Select[Any]) -> int:
        """How many recipients of `query` wait, counted as messages at `rate`."""
        ...

    async def send(self, r: Recipient, message: Message, stopping: Callable[[], bool]) -> Attempt:
        """Send one message; `stopping` says the process is shutting down."""
        ...

    async def unreachable(
        self, session: AsyncSession, r: Recipient, error: str | None, now: datetime
    ) -> bool:
        """Mark, in the caller's transaction, that this person cannot be reached this way;
        True to keep the ledger row (as unreachable), False to delete it."""
        ...


class TelegramChannel:
    name = DeliveryChannel.TELEGRAM
    locks = User

    def __init__(
        self,
        *,
        bot: Bot,
        sender: PacedSender,
        i18n: I18n,
        clock: Clock,
        workers: int,
        email_on: bool,
        markup: Callable[[str, int, str], Any],
    ) -> None:
        """`email_on`: e-mail is a channel too, so a person who chose e-mail alone (and has a
        usable address) gets nothing here. `markup`: (kind, event id, language) -> the
        message's buttons (the check-in button of the start message)."""
        self.bot = bot
        self.sender = sender
        self.i18n = i18n
        self.clock = clock
        self.workers = workers
        self.email_on = email_on
        self.markup = markup

    @property
    def rate(self) -> float:
        return self.sender.rate

    def select(self, *extra: Any) -> Select[Any]:
        return select(
            Registration.id.label("registration_id"),
            User.language.label("language"),
            Registration.participation_format.label("participation_format"),
            User.id.label("chat_id"),
            Registration.venue_id.label("venue_id"),
            Registration.venue_waiting_since.label("venue_waiting_since"),
            *extra,
        ).join(User, User.id == Registration.user_id)

    def usable(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [User.is_reachable.is_(True)]
        if self.email_on:
            # Never nobody: with the address unconfirmed or bounced, Telegram it is.
            conditions.append(or_(Registration.deliver_via != DeliverVia.EMAIL, ~email_usable()))
        return conditions

    def unmuted(self) -> ColumnElement[bool]:
        return User.reminders_muted.is_(False)

    def ready(self, now: datetime) -> bool:
        return True

    async def pending(self, session: AsyncSession, query: Select[Any]) -> int:
        counted = select(func.count()).select_from(query.subquery())
        return (await session.scalar(counted)) or 0

    def text(self, r: Recipient, message: Message) -> str:
        t = self.i18n(r.language)
        if message.slot is None:
            return link_update_text(t, message.event, message.link, had_old_link=r.had_old_link)
        return reminder_text(
            t,
            message.event,
            message.slot,
            now=self.clock.now(),
            participation_format=r.participation_format,
            link=message.link,
            venue_id=r.venue_id,
            waiting=r.venue_waiting_since is not None,
        )

    async def send(self, r: Recipient, message: Message, stopping: Callable[[], bool]) -> Attempt:
        assert r.chat_id is not None  # selected through the join on users
        chat_id, text = r.chat_id, self.text(r, message)
        keyboard = self.markup(message.kind, message.event_id, r.language)

        async def call() -> object:
            return await self.bot.send_message(chat_id, text, reply_markup=keyboard)

        result = await self.sender.send(chat_id, call, stopping=stopping)
        if result.outcome is Outcome.SENT:
            return Attempt(Verdict.SENT)
        if result.outcome is Outcome.UNREACHABLE:
            return Attempt(Verdict.UNREACHABLE, result.error)
        if result.outcome is Outcome.ABANDONED:
            return Attempt(Verdict.RETRY)
        return Attempt(Verdict.FAILED, result.error)

    async def unreachable(
        self, session: AsyncSession, r: Recipient, error: str | None, now: datetime
    ) -> bool:
        # No ledger row: a person who unblocks the bot still gets the latest due message.
        assert r.chat_id is not None
        await UserRepository(session).mark_unreachable(r.chat_id, now)
        return False
