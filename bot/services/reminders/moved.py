"""The notice of a new time: when an organizer moves an event's start or end (handlers/admin/
settings.py), everyone who registered before the move is told the new time, in their language,
in Moscow and Beijing time, with the corrected calendar file (same UID, higher SEQUENCE: the
calendar replaces its entry).

- Telegram: one document message (the .ics, the notice as its caption) per registration, at the
  shared pace, claimed in the delivery ledger as `moved-<sequence>-<hash of the times>` per
  channel: a restart or a second replica never sends it twice, and moving the event back and
  forth (a new sequence each time) tells people again.
- E-mail (SMTP_URL set): a letter with the .ics, queued in the mail outbox (one ledger row of the
  same kind), to a confirmed address that has not bounced, unless the person chose Telegram
  alone and Telegram reaches them.
- Classes: one message per class in its bound group, or in the teacher's private chat when no
  group is bound (group_deliveries holds one row per class and kind, whichever chat it went to);
  and with e-mail on, a letter to the class's confirmed address (bot/services/mailing/
  class_mail.py), queued in the outbox like the participants' letters.

Nothing is remembered in memory: the ledger says who is left, so `resume()` (the scheduler's
regular look) finishes a notice that a restart interrupted, and tells people who unblock the
bot later. A notice goes only while the event is not over by its new times, and only the
latest one: a notice superseded by another move stops.

Reminders already sent for the old time are made due again at the new time where that is
useful (`release_sent_reminders`, called where the move is stored)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.types import BufferedInputFile
from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import attends_offline
from bot.services.delivery.pacing import Outcome, PacedSender, Result
from bot.services.delivery.replicas import Replica
from bot.services.delivery.work_queue import ClaimedQueue
from bot.services.events.catalog import Event, EventCatalog
from bot.services.events.settings import SEQUENCE, TIMES_CHANGED_AT
from bot.services.events.timefmt import span_args
from bot.services.reminders.calendar import attendee_ics
from bot.services.reminders.class_chats import (
    ClassChat,
    claim_classes,
    class_select,
    outcome_values,
    record_class_message,
    tell_teacher_unbound,
)
from bot.services.reminders.moved_reach import (
    Reach,
    Summary,
    class_chat_reachable,
    class_not_had,
    classes_of,
    count_reach,
    email_people,
    not_had,
    summarize,
    telegram_people,
)
from bot.services.reminders.planner import Slot, link_released, slots_for
from db.claims import affected, insert_new
from db.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    GroupDelivery,
    Registration,
    SchoolClass,
    User,
)
from db.repositories import UserRepository

if TYPE_CHECKING:
    from bot.services.mailing.letters import Addressee, Letter
    from bot.services.reminders.runner import ReminderService

log = logging.getLogger(__name__)

MOVED_PREFIX = "moved-"
# A reminder sent for the old time keeps its ledger row, renamed `<kind>~<sequence>` (history),
# so that the slot is due again at the new time.
RELEASED = "~"
CLAIM_SIZE = 50


def moved_kind(event: Event) -> str:
    """The ledger kind of the notice of the event's current times."""
    times = "|".join(
        moment.astimezone(UTC).isoformat() for moment in (event.starts_at, event.ends_at)
    )
    digest = hashlib.sha256(times.encode()).hexdigest()[:8]
    return f"{MOVED_PREFIX}{event.calendar_sequence}-{digest}"


def is_moved_kind(kind: str) -> bool:
    return kind.startswith(MOVED_PREFIX)


# --- reminders sent for the old time -----------------------------------------------------------


def worth_repeating(slot: Slot, now: datetime) -> bool:
    """A reminder already sent is sent again at its new moment when that is still ahead and at
    least half its lead away: a week's move repeats the day-before reminder; a half-hour's move
    an hour after it does not (the notice just told them)."""
    ahead = slot.due_at - now
    return ahead.total_seconds() > 0 and ahead >= slot.offset / 2


async def release_sent_reminders(
    session: AsyncSession,
    event_id: int,
    *,
    before: Event,
    after: Event,
    now: datetime,
    sequence: int,
) -> int:
    """In the caller's transaction (the one storing the move): the ledger rows of reminders
    sent for the old time whose slot the new time puts ahead are renamed `<kind>~<sequence>`,
    so the planner sends that reminder again at the new time, once. A row being sent right now
    (claimed) is left alone. Returns the rows renamed."""
    old = {slot.kind for slot in slots_for(before)}
    kinds = [s.kind for s in slots_for(after) if s.kind in old and worth_repeating(s, now)]
    renamed = 0
    classes = select(SchoolClass.id).where(SchoolClass.event_id == event_id)
    for kind in kinds:
        history = f"{kind}{RELEASED}{sequence}"
        done = await session.execute(
            update(Delivery)
            .where(
                Delivery.event_id == event_id,
                Delivery.kind == kind,
                Delivery.status != DeliveryStatus.CLAIMED,
            )
            .values(kind=history)
        )
        renamed += affected(done)
        done = await session.execute(
            update(GroupDelivery)
            .where(
                GroupDelivery.class_id.in_(classes),
                GroupDelivery.kind == kind,
                GroupDelivery.status != DeliveryStatus.CLAIMED,
            )
            .values(kind=history)
        )
        renamed += affected(done)
    if renamed:
        log.info(
            "event %s moved: %s reminders sent for the old time are due again", event_id, renamed
        )
    return renamed


# --- what they read ----------------------------------------------------------------------------


def moved_text(t: Translator, event: Event, *, class_name: str | None = None) -> str:
    """The notice: the event, its new time in both zones, and what the attached file does."""
    parts = []
    if class_name is not None:
        parts.append(t("moved-class-head", class_name=escape(class_name)))
    parts += [
        t("moved-text", event=escape(event.title.get(t.lang))),
        "",
        t("moved-new-time"),
        t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)),
        "",
        t("moved-calendar"),
    ]
    return "\n".join(parts)


def calendar_file(
    t: Translator, event: Event, participation_format: str, venue_id: str | None, now: datetime
) -> tuple[bytes, str | None]:
    """The corrected .ics as the bot's confirmation builds it, and the link it carries (None
    before the link is out, or for those who come in person): the ledger records it, so a
    later change of link is corrected for them."""
    offline = attends_offline(event, participation_format)
    link = event.meeting.link
    carried = link if link and not offline and link_released(event, now) else None
    data = attendee_ics(
        event,
        lang=t.lang,
        offline=offline,
        venue_id=venue_id,
        link=link,
        now=now,
        note=t("calendar-description-bot"),
        online_location=t("calendar-location-online"),
    )
    return data, carried


def moved_letter_for(
    kind: str, registration: Registration, event: Event, t: Translator, to: Addressee, now: datetime
) -> tuple[Letter | None, str]:
    """The mail outbox's letter for a `moved-…` row: the notice with the corrected .ics, or
    None and why not (a newer move's letter is queued instead; the address is no longer
    confirmed)."""
    from bot.services.mailing.letters import moved_letter

    if kind != moved_kind(event):
        return None, "superseded"
    if registration.email_confirmed_at is None:
        return None, "unconfirmed"
    return moved_letter(t, event, to, now), ""


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    registration_id: int
    chat_id: int
    language: str
    participation_format: str
    venue_id: str | None


Report = Callable[[Summary], Awaitable[None]]


class MovedNotices:
    def __init__(
        self,
        *,
        bot: Bot | None,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        i18n: I18n,
        sender: PacedSender,
        replica: Replica,
        email_on: bool,
        workers: int | None = None,
    ) -> None:
        """`bot` None: the pages alone, where only the letters are queued. `email_on`: the
        mail outbox runs (SMTP_URL set)."""
        self.bot = bot
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.replica = replica
        self.email_on = email_on
        self.workers = workers or max(4, int(sender.rate))
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    @classmethod
    def of(cls, reminders: ReminderService) -> MovedNotices:
        """On the reminder service's bot, database, pace and replica; e-mail when its waves go
        by e-mail too."""
        return cls(
            bot=reminders.bot,
            session_factory=reminders.session_factory,
            catalog=reminders.catalog,
            clock=reminders.clock,
            i18n=reminders.i18n,
            sender=reminders.sender,
            replica=reminders.replica,
            email_on=any(c.name == DeliveryChannel.EMAIL for c in reminders.channels),
        )

    # --- entry points --------------------------------------------------------------------

    async def reach(self, slug: str) -> Reach | None:
        async with self.session_factory() as session:
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == slug))
            if event_id is None:
                return None
            return await count_reach(session, event_id, self.clock.now(), email_on=self.email_on)

    def start(self, slug: str, report: Report | None = None) -> asyncio.Task[None]:
        """Send the event's notice now, in the background; `report` gets the outcome."""
        task = asyncio.create_task(self._notify(slug, report))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def resume(self) -> None:
        """The scheduler's regular look: finish what a restart interrupted, and tell those who
        became reachable since (unblocked the bot)."""
        if self._stopping:
            return
        await self._take_over_from_gone()
        for event in self.catalog.not_over(self.clock.now()):
            if not self._lock(event.slug).locked():
                try:
                    async with self._lock(event.slug):
                        await self.run(event.slug)
                except Exception:
                    log.exception(
                        "the notice of %s's new time failed; the next look retries", event.slug
                    )

    async def wait(self) -> None:
        """Until the notices started here are done (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Messages in flight finish; the rest of this replica's claims go back."""
        self._stopping = True
        await self.wait()
        await self._give_back(mine_only=True)

    def _lock(self, slug: str) -> asyncio.Lock:
        return self._locks.setdefault(slug, asyncio.Lock())

    async def _notify(self, slug: str, report: Report | None) -> None:
        try:
            async with self._lock(slug):
                due = await self.run(slug)
            if due is not None and report is not None and not self._stopping:
                async with self.session_factory() as session:
                    summary = await summarize(session, *due)
                await report(summary)
        except Exception:
            log.exception("the notice of %s's new time failed; the next look retries", slug)

    # --- one pass --------------------------------------------------------------------------

    async def _due(self, event: Event) -> tuple[int, str, datetime] | None:
        """(event id, kind, moment of the move) while the event's latest move is to be told."""
        if event.calendar_sequence == 0 or self.clock.now() >= event.ends_at:
            return None
        async with self.session_factory() as session:
            row = await session.scalar(select(EventRow).where(EventRow.slug == event.slug))
        stored = (row.overrides or {}) if row is not None else {}
        moved_at = stored.get(TIMES_CHANGED_AT)
        if row is None or not moved_at:
            return None
        if stored.get(SEQUENCE) != event.calendar_sequence:
            # Another replica stored a newer move than this process's catalog knows (it learns
            # it at its next start): its notice is that replica's to send, not an older one.
            return None
        return row.id, moved_kind(event), datetime.fromisoformat(moved_at)

    def _current(self, slug: str, kind: str) -> bool:
        """False once the event moved again: the newer notice replaces this one."""
        event = self.catalog.get(slug)
        return event is not None and moved_kind(event) == kind and not self._stopping

    async def run(self, slug: str) -> tuple[int, str, datetime] | None:
        """Queue the letters, then send the class and Telegram messages not sent yet. Returns
        what was due (for the summary), None when no notice is."""
        event = self.catalog.get(slug)
        if event is None:
            return None
        due = await self._due(event)
        if due is None:
            return None
        event_id, kind, moved_at = due
        if self.email_on:
            await self._queue_letters(event_id, kind, moved_at)
        if self.bot is not None:
            await self._tellclasses_of(self.bot, event, event_id, kind, moved_at)
            await self._tell_people(self.bot, event, event_id, kind, moved_at)
        return due

    async def _queue_letters(self, event_id: int, kind: str, since: datetime) -> int:
        # Imported here: the mailing package is loaded only with e-mail on.
        from bot.services.mailing.outbox import queue_many

        async with self.session_factory() as session:
            ids = (
                await session.scalars(
                    select(Registration.id).where(
                        *email_people(event_id, since), *not_had(kind, DeliveryChannel.EMAIL)
                    )
                )
            ).all()
            queued = await queue_many(
                session, [(rid, event_id, kind) for rid in ids], now=self.clock.now()
            )
            queued += await self._queue_class_letters(session, event_id, kind, since)
            await session.commit()
        if queued:
            log.info("%s: %s letters of the new time queued", kind, queued)
        return queued

    async def _queue_class_letters(
        self, session: AsyncSession, event_id: int, kind: str, since: datetime
    ) -> int:
        """The classes whose confirmed address has not bounced, by e-mail too (beside their
        group or teacher chat: Telegram may not get through)."""
        from bot.services.mailing.class_mail import class_not_had, queue_class_letters
        from db.reach import class_email_usable

        ids = (
            await session.scalars(
                select(SchoolClass.id).where(
                    *classes_of(event_id, since), class_email_usable(), class_not_had(kind)
                )
            )
        ).all()
        letters = [(class_id, event_id, kind) for class_id in ids]
        return await queue_class_letters(session, letters, now=self.clock.now())

    # --- participants in Telegram ----------------------------------------------------------

    async def _tell_people(
        self, bot: Bot, event: Event, event_id: int, kind: str, since: datetime
    ) -> None:
        async def claim() -> list[_Person]:
            if not self._current(event.slug, kind):
                return []
            return await self._claim_people(event_id, kind, since)

        first = await claim()
        if not first:
            return
        batches = [first]

        async def next_batch() -> list[_Person]:
            return batches.pop() if batches else await claim()

        workers = min(self.workers, len(first))
        queue = ClaimedQueue(next_batch, refill_at=workers)

        async def work() -> None:
            while (person := await queue.next()) is not None:
                await self._tell_person(bot, event, kind, person)

        try:
            await asyncio.gather(*(work() for _ in range(workers)))
        finally:
            left = await queue.left()
            await self._release_people(kind, [p.registration_id for p in left])

    async def _claim_people(self, event_id: int, kind: str, since: datetime) -> list[_Person]:
        await self.replica.join()
        query = (
            select(
                Registration.id,
                User.id.label("chat_id"),
                User.language,
                Registration.participation_format,
                Registration.venue_id,
            )
            .join(User, User.id == Registration.user_id)
            .where(
                *telegram_people(event_id, since, self.email_on),
                *not_had(kind, DeliveryChannel.TELEGRAM),
            )
            .order_by(Registration.id)
            .limit(CLAIM_SIZE)
            .with_for_update(skip_locked=True, of=User)
        )
        async with self.session_factory() as session:
            rows = (await session.execute(query)).all()
            taken = set(
                await insert_new(
                    session,
                    Delivery.__table__,  # type: ignore[arg-type]
                    [
                        {
                            "registration_id": row.id,
                            "event_id": event_id,
                            "kind": kind,
                            "status": DeliveryStatus.CLAIMED,
                            "created_at": self.clock.now(),
                            "claimed_by": self.replica.id,
                            "channel": DeliveryChannel.TELEGRAM,
                        }
                        for row in rows
                    ],
                    conflict=["registration_id", "kind", "channel"],
                    returning="registration_id",
                )
            )
            await session.commit()
        return [
            _Person(row.id, row.chat_id, row.language, row.participation_format, row.venue_id)
            for row in rows
            if row.id in taken
        ]

    async def _tell_person(self, bot: Bot, event: Event, kind: str, person: _Person) -> None:
        t = self.i18n(person.language)
        now = self.clock.now()
        data, link = calendar_file(t, event, person.participation_format, person.venue_id, now)
        result = await self._send_file(
            bot, person.chat_id, moved_text(t, event), data, f"{event.slug}.ics"
        )
        claim = and_(
            Delivery.registration_id == person.registration_id,
            Delivery.kind == kind,
            Delivery.channel == DeliveryChannel.TELEGRAM,
            Delivery.claimed_by == self.replica.id,
        )
        async with self.session_factory() as session:
            if result.outcome in (Outcome.UNREACHABLE, Outcome.ABANDONED):
                # No row: told when they unblock the bot (or after the restart).
                await session.execute(delete(Delivery).where(claim))
                if result.outcome is Outcome.UNREACHABLE:
                    await UserRepository(session).mark_unreachable(person.chat_id, now)
            else:
                await session.execute(
                    update(Delivery).where(claim).values(**outcome_values(result, link, now))
                )
            await session.commit()

    async def _send_file(
        self, bot: Bot, chat_id: int, caption: str, data: bytes, filename: str
    ) -> Result:
        async def call() -> object:
            document = BufferedInputFile(data, filename=filename)
            return await bot.send_document(chat_id, document, caption=caption)

        return await self.sender.send(chat_id, call, stopping=lambda: self._stopping)

    async def _release_people(self, kind: str, registration_ids: list[int]) -> None:
        if not registration_ids:
            return
        async with self.session_factory() as session:
            await session.execute(
                delete(Delivery).where(
                    Delivery.registration_id.in_(registration_ids),
                    Delivery.kind == kind,
                    Delivery.channel == DeliveryChannel.TELEGRAM,
                    Delivery.status == DeliveryStatus.CLAIMED,
                    Delivery.claimed_by == self.replica.id,
                )
            )
            await session.commit()

    # --- classes -----------------------------------------------------------------------------

    async def _tellclasses_of(
        self, bot: Bot, event: Event, event_id: int, kind: str, since: datetime
    ) -> None:
        """A handful per event: claimed all at once. A group that turns out to be gone is
        unbound, and its class claimed again, for its teacher's chat, in the next round."""
        while self._current(event.slug, kind):
            chats = await self._claimclasses_of(event_id, kind, since)
            if not chats:
                return
            for chat in chats:
                if self._stopping:
                    break
                await self._tell_class(bot, event, kind, chat)
            await self._give_back(mine_only=True, kinds=[kind], people=False)

    async def _claimclasses_of(self, event_id: int, kind: str, since: datetime) -> list[ClassChat]:
        query = class_select().where(
            *classes_of(event_id, since), class_chat_reachable(), *class_not_had(kind)
        )
        return await claim_classes(self.session_factory, self.clock, self.replica, kind, query)

    async def _tell_class(self, bot: Bot, event: Event, kind: str, chat: ClassChat) -> None:
        t = self.i18n(chat.language)
        # A class takes part online (the runner's class reminders say the same).
        data, link = calendar_file(t, event, "online", None, self.clock.now())
        text = moved_text(t, event, class_name=chat.class_name)
        result = await self._send_file(bot, chat.chat_id, text, data, f"{event.slug}.ics")
        unbound = await record_class_message(
            self.session_factory, self.clock, self.replica, chat, kind, result, link
        )
        if unbound:

            async def send(chat_id: int, text: str) -> Result:
                async def call() -> object:
                    return await bot.send_message(chat_id, text)

                return await self.sender.send(chat_id, call, stopping=lambda: self._stopping)

            await tell_teacher_unbound(self.session_factory, self.i18n, chat, send)

    # --- claims ------------------------------------------------------------------------------

    async def _take_over_from_gone(self) -> None:
        await self._give_back(mine_only=False)

    async def _give_back(
        self, *, mine_only: bool, kinds: list[str] | None = None, people: bool = True
    ) -> None:
        """Delete claims not sent: this replica's (a stop), or those of replicas that are gone.
        The letters' rows are the mail outbox's to give back."""

        def owner(column: Any) -> ColumnElement[bool]:
            if mine_only:
                return column == self.replica.id  # type: ignore[no-any-return]
            return self.replica.taken_from_gone(column)

        def kind_of(column: Any) -> ColumnElement[bool]:
            if kinds is not None:
                return column.in_(kinds)  # type: ignore[no-any-return]
            return column.startswith(MOVED_PREFIX)  # type: ignore[no-any-return]

        async with self.session_factory() as session:
            if people:
                await session.execute(
                    delete(Delivery).where(
                        Delivery.channel == DeliveryChannel.TELEGRAM,
                        Delivery.status == DeliveryStatus.CLAIMED,
                        kind_of(Delivery.kind),
                        owner(Delivery.claimed_by),
                    )
                )
            await session.execute(
                delete(GroupDelivery).where(
                    GroupDelivery.status == DeliveryStatus.CLAIMED,
                    kind_of(GroupDelivery.kind),
                    owner(GroupDelivery.claimed_by),
                )
            )
            await session.commit()
