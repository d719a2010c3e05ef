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
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import attends_offline, link_update_text, reminder_text
from bot.services.events import Event, EventCatalog
from bot.services.pacing import Outcome, PacedSender, Result, Stats
from bot.services.reminders import (
    START,
    Slot,
    current_slot,
    link_kind,
    next_wave_at,
    slots_for,
)
from db.models import (
    Delivery,
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

SHOWN = "shown"  # ledger kind: the link was shown on request or at registration


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
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.workers = workers or max(4, int(sender.rate))
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
            Delivery.registration_id == Registration.id, Delivery.kind == slot.kind
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

    async def _slot_recipients(
        self, session: AsyncSession, event_id: int, slot: Slot, limit: int
    ) -> list[Recipient]:
        rows = await session.execute(
            select(Registration.id, User.id, User.language, Registration.participation_format)
            .join(User, User.id == Registration.user_id)
            .where(*self._slot_filter(event_id, slot))  # type: ignore[arg-type]
            .order_by(Registration.id)
            .limit(limit)
        )
        return [Recipient(r, u, lang, fmt) for r, u, lang, fmt in rows.all()]

    async def _correction_recipients(
        self, session: AsyncSession, event: Event, event_id: int, link: str, limit: int
    ) -> list[Recipient]:
        """Active online participants who got an old link (or a link message before the link
        was known) and have not had this one."""
        link_slots = [s.kind for s in slots_for(event) if s.carries_link]
        had_this = exists().where(
            Delivery.registration_id == Registration.id,
            or_(Delivery.link == link, Delivery.kind == link_kind(link)),
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
        rows = await session.execute(
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
            .order_by(Registration.id)
            .limit(limit)
        )
        return [Recipient(r, u, lang, fmt, bool(old)) for r, u, lang, fmt, old in rows.all()]

    # --- the loop --------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Start whatever is due now, and tell the scheduler when to look next."""
        if self._stopping:
            return
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
        """Let messages in flight finish and be recorded; start no new ones."""
        self._stopping = True
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

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

        async def batch() -> list[Recipient]:
            async with self.session_factory() as session:
                return await self._slot_recipients(session, event_id, slot, 1000)

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

        await self._wave(event_id, slot.kind, batch, text_for, stats)
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
        delivered = exists().where(
            GroupDelivery.class_id == SchoolClass.id, GroupDelivery.kind == slot.kind
        )
        async with self.session_factory() as session:
            groups = (
                await session.execute(
                    select(SchoolClass.id, SchoolClass.group_chat_id, SchoolClass.language).where(
                        SchoolClass.event_id == event_id,
                        SchoolClass.status == RegistrationStatus.ACTIVE,
                        SchoolClass.group_chat_id.is_not(None),
                        SchoolClass.created_at <= slot.due_at,
                        ~delivered,
                    )
                )
            ).all()
        for class_id, chat_id, language in groups:
            if self._stopping:
                return
            assert chat_id is not None  # selected with group_chat_id IS NOT NULL
            t = self.i18n(language)
            text = reminder_text(
                t, event, slot, now=self.clock.now(), participation_format="online", link=link
            )

            markup = self._markup(slot.kind, event_id, language, class_id=class_id)

            async def send(chat: int = chat_id, body: str = text, keyboard: Any = markup) -> object:
                return await self.bot.send_message(chat, body, reply_markup=keyboard)

            result = await self.sender.send(chat_id, send, stopping=lambda: self._stopping)
            if result.outcome is Outcome.ABANDONED:
                return
            stats.add(result)
            await self._record_group(class_id, slot, result, link if slot.carries_link else None)

    async def _record_group(
        self, class_id: int, slot: Slot, result: Result, link: str | None
    ) -> None:
        async with self.session_factory() as session:
            if result.outcome is Outcome.UNREACHABLE:
                # The bot was removed from the group: the binding ends.
                school_class = await session.get(SchoolClass, class_id)
                if school_class is not None:
                    school_class.group_chat_id = None
                    school_class.bound_at = None
            else:
                sent = result.outcome is Outcome.SENT
                session.add(
                    GroupDelivery(
                        class_id=class_id,
                        kind=slot.kind,
                        status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
                        link=link if sent else None,
                        error=result.error,
                        created_at=self.clock.now(),
                    )
                )
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()

    async def _deliver_link_updates(self, event: Event) -> None:
        link = effective_link(event)
        if not link:
            return
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event.slug)
        if event_id is None:
            return
        kind = link_kind(link)

        async def batch() -> list[Recipient]:
            async with self.session_factory() as session:
                return await self._correction_recipients(session, event, event_id, link, 1000)

        def text_for(r: Recipient) -> tuple[str, str | None]:
            t = self.i18n(r.language)
            return link_update_text(t, event, link, had_old_link=r.had_old_link), link

        await self._wave(event_id, kind, batch, text_for, Stats())

    async def _wave(
        self,
        event_id: int,
        kind: str,
        batch: Callable[[], Awaitable[list[Recipient]]],
        text_for: Callable[[Recipient], tuple[str, str | None]],
        stats: Stats,
    ) -> None:
        """Send to everyone `batch()` returns, again and again until it returns nobody (people
        who registered during the wave are included)."""
        seen: set[int] = set()
        while not self._stopping:
            recipients = [r for r in await batch() if r.registration_id not in seen]
            if not recipients:
                return
            seen.update(r.registration_id for r in recipients)
            queue: asyncio.Queue[Recipient] = asyncio.Queue()
            for r in recipients:
                queue.put_nowait(r)
            workers = min(self.workers, len(recipients))
            await asyncio.gather(
                *(self._worker(queue, event_id, kind, text_for, stats) for _ in range(workers))
            )

    async def _worker(
        self,
        queue: asyncio.Queue[Recipient],
        event_id: int,
        kind: str,
        text_for: Callable[[Recipient], tuple[str, str | None]],
        stats: Stats,
    ) -> None:
        while not self._stopping:
            try:
                r = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            text, link = text_for(r)
            markup = self._markup(kind, event_id, r.language)

            async def send(
                chat_id: int = r.user_id, body: str = text, keyboard: Any = markup
            ) -> object:
                return await self.bot.send_message(chat_id, body, reply_markup=keyboard)

            result = await self.sender.send(r.user_id, send, stopping=lambda: self._stopping)
            if result.outcome is Outcome.ABANDONED:
                return
            stats.add(result)
            await self._record(event_id, kind, r, result, link)

    async def _record(
        self, event_id: int, kind: str, r: Recipient, result: Result, link: str | None
    ) -> None:
        now = self.clock.now()
        async with self.session_factory() as session:
            if result.outcome is Outcome.UNREACHABLE:
                # No ledger row: if they unblock the bot, the latest due message still comes.
                await UserRepository(session).mark_unreachable(r.user_id, now)
            else:
                sent = result.outcome is Outcome.SENT
                session.add(
                    Delivery(
                        registration_id=r.registration_id,
                        event_id=event_id,
                        kind=kind,
                        status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
                        link=link if sent else None,
                        error=result.error,
                        created_at=now,
                    )
                )
            try:
                await session.commit()
            except IntegrityError:  # recorded already by a concurrent run: nothing to add
                await session.rollback()

    async def record_link_shown(self, registration_id: int, event_id: int, link: str) -> None:
        """The participant saw `link` (at registration or on /link): a later change of link
        is then sent to them as a correction."""
        async with self.session_factory() as session:
            row = await session.scalar(
                select(Delivery).where(
                    and_(Delivery.registration_id == registration_id, Delivery.kind == SHOWN)
                )
            )
            if row is None:
                session.add(
                    Delivery(
                        registration_id=registration_id,
                        event_id=event_id,
                        kind=SHOWN,
                        status=DeliveryStatus.SENT,
                        link=link,
                        created_at=self.clock.now(),
                    )
                )
            else:
                row.link = link
                row.created_at = self.clock.now()
            await session.commit()
