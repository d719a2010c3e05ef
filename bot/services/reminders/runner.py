"""Delivering reminder waves and link corrections, with the delivery ledger as the truth.

The scheduler only says "look now"; `reconcile()` works out from the events, the registrations
and the ledger what is due and sends it. So a restart, a late registration, a changed start time
or a changed link all go through the same path, and nothing depends on in-memory jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from sqlalchemy import Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import attends_offline, link_update_text, reminder_text
from bot.services.delivery.pacing import Outcome, PacedSender, Result, Stats
from bot.services.delivery.replicas import Replica
from bot.services.delivery.work_queue import ClaimedQueue
from bot.services.events.catalog import Event, EventCatalog
from bot.services.reminders.ledger import record_link_shown
from bot.services.reminders.planner import (
    START,
    Slot,
    current_slot,
    link_kind,
    next_wave_at,
    slots_for,
)
from db.claims import affected, insert_new
from db.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    GroupDelivery,
    Registration,
    RegistrationStatus,
    SchoolClass,
    User,
)
from db.repositories import UserRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    registration_id: int
    user_id: int
    language: str
    participation_format: str
    had_old_link: bool = False


def effective_link(event: Event) -> str:
    return event.meeting.link


class ReminderService:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        i18n: I18n,
        sender: PacedSender,
        workers: int | None = None,
        replica: Replica | None = None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.workers = workers or max(4, int(sender.rate))
        # Claimed per query: a few seconds of sending, so replicas share a wave evenly.
        self.claim_size = max(2 * self.workers, 20)
        self.replica = replica or Replica(session_factory)
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._look_again: set[str] = set()
        # Called with the moment of the next wave, so the scheduler can wake up in time.
        self.on_next_wave: Callable[[datetime], None] | None = None
        # Builds the check-in keyboard of the "start" message: (event id, translator, class id).
        self.start_markup: Callable[[int, Translator, int | None], Any] | None = None

    def _markup(self, kind: str, event_id: int, language: str, class_id: int | None = None) -> Any:
        """The "we are starting" message carries the check-in button (set by the factory)."""
        if kind != START or self.start_markup is None:
            return None
        return self.start_markup(event_id, self.i18n(language), class_id)

    # --- queries ---------------------------------------------------------------------

    async def _event_id(self, session: AsyncSession, slug: str) -> int | None:
        return await session.scalar(select(EventRow.id).where(EventRow.slug == slug))

    def _slot_filter(self, event_id: int, slot: Slot) -> list[object]:
        delivered = exists().where(
            Delivery.registration_id == Registration.id,
            Delivery.kind == slot.kind,
            Delivery.channel == DeliveryChannel.TELEGRAM,
        )
        conditions: list[object] = [
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            User.is_reachable.is_(True),
            # Registered after this reminder was due: the confirmation told them everything.
            Registration.created_at <= slot.due_at,
            ~delivered,
        ]
        if not slot.carries_link:
            conditions.append(User.reminders_muted.is_(False))
        return conditions

    async def pending_counts(self, session: AsyncSession, event: Event) -> dict[str, int]:
        event_id = await self._event_id(session, event.slug)
        if event_id is None:
            return {}
        counts = {}
        for slot in slots_for(event):
            counts[slot.kind] = (
                await session.scalar(
                    select(func.count())
                    .select_from(Registration)
                    .join(User, User.id == Registration.user_id)
                    .where(*self._slot_filter(event_id, slot))  # type: ignore[arg-type]
                )
                or 0
            )
        return counts

    async def _claim(
        self, event_id: int, kind: str, query: Select[*tuple[Any, ...]], limit: int
    ) -> list[Recipient]:
        """Take up to `limit` recipients of `query` for this replica: a `claimed` ledger row
        each, so no other replica (or later run) sends them the same message.

        On PostgreSQL the candidate rows are locked with SKIP LOCKED, so a replica claiming
        at the same moment takes the next ones instead of waiting; the unique ledger key is
        what makes it exact on any database."""
        await self.replica.join()
        while True:
            candidates, taken = await self._try_claim(event_id, kind, query, limit)
            if taken or not candidates:
                return taken
            # Another replica took exactly these between our read and our insert (SQLite,
            # which has no row locks): the next read skips them.

    async def _try_claim(
        self, event_id: int, kind: str, query: Select[*tuple[Any, ...]], limit: int
    ) -> tuple[list[Recipient], list[Recipient]]:
        async with self.session_factory() as session:
            rows = await session.execute(
                query.order_by(Registration.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=Registration)
            )
            # The correction query adds a fifth column: whether they had an older link.
            candidates = [
                Recipient(reg, user, lang, fmt, bool(rest and rest[0]))
                for reg, user, lang, fmt, *rest in rows.all()
            ]
            now = self.clock.now()
            taken = set(
                await insert_new(
                    session,
                    Delivery.__table__,  # type: ignore[arg-type]
                    [
                        {
                            "registration_id": r.registration_id,
                            "event_id": event_id,
                            "kind": kind,
                            "status": DeliveryStatus.CLAIMED,
                            "created_at": now,
                            "claimed_by": self.replica.id,
                            "channel": DeliveryChannel.TELEGRAM,
                        }
                        for r in candidates
                    ],
                    conflict=["registration_id", "kind", "channel"],
                    returning="registration_id",
                )
            )
            await session.commit()
        return candidates, [r for r in candidates if r.registration_id in taken]

    def _slot_query(self, event_id: int, slot: Slot) -> Select[*tuple[Any, ...]]:
        return (
            select(Registration.id, User.id, User.language, Registration.participation_format)
            .join(User, User.id == Registration.user_id)
            .where(*self._slot_filter(event_id, slot))  # type: ignore[arg-type]
        )

    def _correction_query(self, event: Event, event_id: int, link: str) -> Select[*tuple[Any, ...]]:
        """Active online participants who got an old link (or a link message before the link
        was known) and have not had this one."""
        link_slots = [s.kind for s in slots_for(event) if s.carries_link]
        # The link itself may have reached them by another channel; the correction is one
        # message per channel.
        had_this = exists().where(
            Delivery.registration_id == Registration.id,
            or_(
                and_(Delivery.link == link, Delivery.channel == DeliveryChannel.TELEGRAM),
                and_(
                    Delivery.kind == link_kind(link), Delivery.channel == DeliveryChannel.TELEGRAM
                ),
            ),
        )
        had_old = exists().where(
            Delivery.registration_id == Registration.id,
            Delivery.link.is_not(None),
            Delivery.link != link,
        )
        had_empty = exists().where(
            Delivery.registration_id == Registration.id,
            Delivery.kind.in_(link_slots),
            Delivery.link.is_(None),
            Delivery.status == DeliveryStatus.SENT,
        )
        return (
            select(
                Registration.id,
                User.id,
                User.language,
                Registration.participation_format,
                had_old,
            )
            .join(User, User.id == Registration.user_id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.ACTIVE,
                Registration.participation_format != "offline",
                User.is_reachable.is_(True),
                ~had_this,
                or_(had_old, had_empty),
            )
        )

    # --- the loop --------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Start whatever is due now, and tell the scheduler when to look next."""
        if self._stopping:
            return
        await self._take_over_from_gone()
        now = self.clock.now()
        next_times = []
        for event in self.catalog.not_over(now):
            async with self.session_factory() as session:
                counts = await self.pending_counts(session, event)
            lock = self._locks.setdefault(event.slug, asyncio.Lock())
            if lock.locked():
                # A run is under way; it may have looked before this wave was due, so it
                # looks once more when it finishes instead of leaving the wave to the next check.
                self._look_again.add(event.slug)
            else:
                task = asyncio.create_task(self._run_event(event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            upcoming = next_wave_at(event, now, counts, self.sender.rate)
            if upcoming is not None:
                next_times.append(upcoming)
        if next_times and self.on_next_wave is not None:
            self.on_next_wave(min(next_times))

    async def run_due(self) -> None:
        """reconcile() and wait for the waves it started (tests and the benchmark)."""
        await self.reconcile()
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def stop(self) -> None:
        """Let messages in flight finish and be recorded; start no new ones; give back what
        this replica claimed and did not send, for the others or the next start."""
        self._stopping = True
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        async with self.session_factory() as session:
            for table in (Delivery, GroupDelivery):
                await session.execute(
                    delete(table).where(
                        table.status == DeliveryStatus.CLAIMED,
                        table.claimed_by == self.replica.id,
                    )
                )
            await session.commit()

    async def _take_over_from_gone(self) -> None:
        """Claims of replicas that stopped beating go back to the pool."""
        async with self.session_factory() as session:
            for table in (Delivery, GroupDelivery):
                gone = await session.execute(
                    delete(table).where(
                        table.status == DeliveryStatus.CLAIMED,
                        self.replica.taken_from_gone(table.claimed_by),
                    )
                )
                if affected(gone):
                    log.warning(
                        "taking over %s %s claimed by gone replicas",
                        affected(gone),
                        table.__tablename__,
                    )
            await session.commit()

    async def _run_event(self, event: Event) -> None:
        lock = self._locks.setdefault(event.slug, asyncio.Lock())
        async with lock:
            while not self._stopping:
                self._look_again.discard(event.slug)
                # The catalog may hold a newer version (organizer changes) than `event`.
                current = self.catalog.get(event.slug) or event
                try:
                    await self._deliver_slot(current)
                    await self._deliver_link_updates(current)
                except Exception:
                    log.exception("reminders for %s failed; the next check retries", event.slug)
                if event.slug not in self._look_again:
                    return

    async def _deliver_slot(self, event: Event) -> None:
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event.slug)
            counts = await self.pending_counts(session, event)
        if event_id is None:
            return
        slot = current_slot(event, self.clock.now(), counts, self.sender.rate)
        if slot is None:
            return
        stats = Stats()
        link = effective_link(event)
        # Groups first: a handful of messages that a whole class reads together.
        await self._deliver_groups(event, event_id, slot, link, stats)
        if not counts.get(slot.kind):
            return
        log.info("%s: sending %s to %s participants", event.slug, slot.kind, counts[slot.kind])

        async def claim() -> list[Recipient]:
            return await self._claim(
                event_id, slot.kind, self._slot_query(event_id, slot), self.claim_size
            )

        def text_for(r: Recipient) -> tuple[str, str | None]:
            t = self.i18n(r.language)
            body = reminder_text(
                t,
                event,
                slot,
                now=self.clock.now(),
                participation_format=r.participation_format,
                link=link,
            )
            carries = (
                slot.carries_link
                and bool(link)
                and not attends_offline(event, r.participation_format)
            )
            return body, (link if carries else None)

        await self._wave(event_id, slot.kind, claim, text_for, stats)
        log.info(
            "%s: %s done: %s sent, %s unreachable, %s failed",
            event.slug,
            slot.kind,
            stats.sent,
            stats.unreachable,
            stats.failed,
        )

    async def _deliver_groups(
        self, event: Event, event_id: int, slot: Slot, link: str, stats: Stats
    ) -> None:
        """One message per bound class group instead of one per pupil (groups take 20 messages
        a minute; the sender spaces messages to one group by three seconds)."""
        groups = await self._claim_groups(event_id, slot)
        for class_id, chat_id, language in groups:
            if self._stopping:
                return  # the rest of the claims are given back by stop()
            t = self.i18n(language)
            text = reminder_text(
                t, event, slot, now=self.clock.now(), participation_format="online", link=link
            )

            markup = self._markup(slot.kind, event_id, language, class_id=class_id)

            async def send(chat: int = chat_id, body: str = text, keyboard: Any = markup) -> object:
                return await self.bot.send_message(chat, body, reply_markup=keyboard)

            result = await self.sender.send(chat_id, send, stopping=lambda: self._stopping)
            if result.outcome is not Outcome.ABANDONED:
                stats.add(result)
            await self._record_group(class_id, slot, result, link if slot.carries_link else None)

    async def _claim_groups(self, event_id: int, slot: Slot) -> list[tuple[int, int, str]]:
        """(class id, group chat id, language) of the bound groups due for `slot`, claimed
        for this replica (a handful per event: all at once)."""
        await self.replica.join()
        delivered = exists().where(
            GroupDelivery.class_id == SchoolClass.id, GroupDelivery.kind == slot.kind
        )
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    select(SchoolClass.id, SchoolClass.group_chat_id, SchoolClass.language)
                    .where(
                        SchoolClass.event_id == event_id,
                        SchoolClass.status == RegistrationStatus.ACTIVE,
                        SchoolClass.group_chat_id.is_not(None),
                        SchoolClass.created_at <= slot.due_at,
                        ~delivered,
                    )
                    .order_by(SchoolClass.id)
                    .with_for_update(skip_locked=True, of=SchoolClass)
                )
            ).all()
            now = self.clock.now()
            taken = set(
                await insert_new(
                    session,
                    GroupDelivery.__table__,  # type: ignore[arg-type]
                    [
                        {
                            "class_id": class_id,
                            "kind": slot.kind,
                            "status": DeliveryStatus.CLAIMED,
                            "created_at": now,
                            "claimed_by": self.replica.id,
                        }
                        for class_id, _, _ in rows
                    ],
                    conflict=["class_id", "kind"],
                    returning="class_id",
                )
            )
            await session.commit()
        # Selected with group_chat_id IS NOT NULL.
        return [(c, int(chat or 0), lang) for c, chat, lang in rows if c in taken]

    async def _record_group(
        self, class_id: int, slot: Slot, result: Result, link: str | None
    ) -> None:
        claim = and_(
            GroupDelivery.class_id == class_id,
            GroupDelivery.kind == slot.kind,
            GroupDelivery.claimed_by == self.replica.id,
        )
        async with self.session_factory() as session:
            if result.outcome in (Outcome.UNREACHABLE, Outcome.ABANDONED):
                await session.execute(delete(GroupDelivery).where(claim))
            if result.outcome is Outcome.UNREACHABLE:
                # The bot was removed from the group: the binding ends.
                school_class = await session.get(SchoolClass, class_id)
                if school_class is not None:
                    school_class.group_chat_id = None
                    school_class.bound_at = None
            elif result.outcome is not Outcome.ABANDONED:
                sent = result.outcome is Outcome.SENT
                await session.execute(
                    update(GroupDelivery)
                    .where(claim)
                    .values(
                        status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
                        link=link if sent else None,
                        error=result.error,
                        created_at=self.clock.now(),
                    )
                )
            await session.commit()

    async def _deliver_link_updates(self, event: Event) -> None:
        link = effective_link(event)
        if not link:
            return
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event.slug)
        if event_id is None:
            return
        kind = link_kind(link)

        async def claim() -> list[Recipient]:
            query = self._correction_query(event, event_id, link)
            return await self._claim(event_id, kind, query, self.claim_size)

        def text_for(r: Recipient) -> tuple[str, str | None]:
            t = self.i18n(r.language)
            return link_update_text(t, event, link, had_old_link=r.had_old_link), link

        await self._wave(event_id, kind, claim, text_for, Stats())

    async def _wave(
        self,
        event_id: int,
        kind: str,
        claim: Callable[[], Awaitable[list[Recipient]]],
        text_for: Callable[[Recipient], tuple[str, str | None]],
        stats: Stats,
    ) -> None:
        """Send to everyone `claim()` hands this replica until it hands nobody (people who
        registered during the wave are included)."""
        queue = ClaimedQueue(claim, refill_at=self.workers)
        try:
            await asyncio.gather(
                *(self._worker(queue, event_id, kind, text_for, stats) for _ in range(self.workers))
            )
        finally:
            # Claimed and never tried (a stop): stop() gives this replica's claims back.
            await queue.left()

    async def _worker(
        self,
        queue: ClaimedQueue[Recipient],
        event_id: int,
        kind: str,
        text_for: Callable[[Recipient], tuple[str, str | None]],
        stats: Stats,
    ) -> None:
        while not self._stopping:
            r = await queue.next()
            if r is None:
                return
            text, link = text_for(r)
            markup = self._markup(kind, event_id, r.language)

            async def send(
                chat_id: int = r.user_id, body: str = text, keyboard: Any = markup
            ) -> object:
                return await self.bot.send_message(chat_id, body, reply_markup=keyboard)

            result = await self.sender.send(r.user_id, send, stopping=lambda: self._stopping)
            if result.outcome is not Outcome.ABANDONED:
                stats.add(result)
            await self._record(event_id, kind, r, result, link)

    async def _record(
        self, event_id: int, kind: str, r: Recipient, result: Result, link: str | None
    ) -> None:
        now = self.clock.now()
        claim = and_(
            Delivery.registration_id == r.registration_id,
            Delivery.kind == kind,
            Delivery.channel == DeliveryChannel.TELEGRAM,
            Delivery.claimed_by == self.replica.id,
        )
        async with self.session_factory() as session:
            if result.outcome in (Outcome.UNREACHABLE, Outcome.ABANDONED):
                # No ledger row: abandoned goes back to the pool; an unreachable person still
                # gets the latest due message if they unblock the bot.
                await session.execute(delete(Delivery).where(claim))
                if result.outcome is Outcome.UNREACHABLE:
                    await UserRepository(session).mark_unreachable(r.user_id, now)
            else:
                sent = result.outcome is Outcome.SENT
                done = await session.execute(
                    update(Delivery)
                    .where(claim)
                    .values(
                        status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
                        link=link if sent else None,
                        error=result.error,
                        created_at=now,
                    )
                )
                if not affected(done):
                    # This replica was taken for gone (no beat for the whole timeout) and the
                    # message was claimed again by another: it may arrive twice.
                    log.warning("claim on %s/%s was lost mid-send", r.registration_id, kind)
            await session.commit()

    async def record_link_shown(self, registration_id: int, event_id: int, link: str) -> None:
        """The participant saw `link` (at registration or on /link): a later change of link
        is then sent to them as a correction."""
        async with self.session_factory() as session:
            await record_link_shown(
                session,
                registration_id=registration_id,
                event_id=event_id,
                link=link,
                now=self.clock.now(),
            )
            await session.commit()
