"""Delivering reminder waves and link corrections, with the delivery ledger as the truth.

The scheduler only says "look now"; `reconcile()` works out from the events, the registrations
and the ledger what is due and sends it. So a restart, a late registration, a changed start time
or a changed link all go through the same path, and nothing depends on in-memory jobs.

One planner, several channels (bot/services/reminders/channels.py): Telegram always, e-mail when
SMTP_URL is set (mail.py). Each message is claimed, sent and recorded once per (registration,
message, channel), by whichever replica gets there first; the channels' waves of a message run
side by side, each at its own pace, and the wave begins as early as the slower one needs.
Classes get one message per class and kind, in their group or else their teacher's chat
(class_chats.py), and with e-mail on, by e-mail too at a confirmed class address: this planner
queues those letters in the mail outbox (bot/services/mailing/class_mail.py), which sends them."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from sqlalchemy import ColumnElement, Select, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.delivery.pacing import PacedSender, Stats
from bot.services.delivery.replicas import Replica
from bot.services.delivery.work_queue import ClaimedQueue
from bot.services.events.catalog import Event, EventCatalog
from bot.services.reminders.channels import (
    Attempt,
    Channel,
    Message,
    Recipient,
    TelegramChannel,
    Verdict,
)
from bot.services.reminders.class_chats import ClassMessages
from bot.services.reminders.ledger import record_link_shown
from bot.services.reminders.planner import (
    BEFORE_PREFIX,
    LINK_PREFIX,
    START,
    Load,
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
)

if TYPE_CHECKING:
    from bot.services.mailing.links import MailLinks
    from bot.services.mailing.outbox import MailSender

log = logging.getLogger(__name__)
# Ledger rows given back in one statement at most (SQLite's bound parameters).
GIVE_BACK_CHUNK = 500


def effective_link(event: Event) -> str:
    return event.meeting.link


def wave_kind(column: Any) -> ColumnElement[bool]:
    """The ledger kinds of reminder waves and link corrections: the rows this service claims
    (the mail outbox claims its own kinds in the same table)."""
    return or_(column == START, column.startswith(BEFORE_PREFIX), column.startswith(LINK_PREFIX))


def _not_class_mail(table: type[Delivery] | type[GroupDelivery]) -> list[ColumnElement[bool]]:
    """A class's letters in `deliveries` are the mail outbox's to claim and give back."""
    return [Delivery.class_id.is_(None)] if table is Delivery else []


@dataclass
class _Wave:
    """One channel's wave in progress: claims to give back when it ends, and whether it
    stopped early (the channel's server is away)."""

    given_back: list[int] = field(default_factory=list)
    halted: bool = False
    counts: Counter[Verdict] = field(default_factory=Counter)


class ReminderService:
    def __init__(
        self,
        *,
        bot: Bot | None,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        i18n: I18n,
        sender: PacedSender,
        workers: int | None = None,
        replica: Replica | None = None,
        mail: MailSender | None = None,
        links: MailLinks | None = None,
        mail_workers: int | None = None,
    ) -> None:
        """`mail` and `links`: e-mail as a second channel (SMTP_URL set), the MailSender the
        outbox uses too, so that both keep one connection and one pace. `bot` None: the pages
        alone (no BOT_TOKEN), where e-mail is the only channel (bot/app.py run_web_only)."""
        self.bot = bot
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n
        self.sender = sender
        self.workers = workers or max(4, int(sender.rate))
        self.replica = replica or Replica(session_factory)
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._look_again: set[str] = set()
        # Channels whose last wave stopped early (their server away), until one sends again.
        self._halted: set[DeliveryChannel] = set()
        # Called with the moment of the next wave, so the scheduler can wake up in time.
        self.on_next_wave: Callable[[datetime], None] | None = None
        # Class letters are queued for the mail outbox (e-mail on): this wakes it (the factory
        # sets it; without it the outbox finds them at its next look).
        self.class_mail = mail is not None
        self.on_mail_queued: Callable[[], None] | None = None
        # Builds the check-in keyboard of the "start" message: (event id, translator, class id).
        self.start_markup: Callable[[int, Translator, int | None], Any] | None = None
        self.channels: list[Channel] = []
        if bot is not None:
            self.channels.append(
                TelegramChannel(
                    bot=bot,
                    sender=sender,
                    i18n=i18n,
                    clock=clock,
                    workers=self.workers,
                    email_on=mail is not None,
                    markup=self._markup,
                )
            )
        # Classes in Telegram (their group, else their teacher's chat); by e-mail below.
        self.classes = (
            None
            if bot is None
            else ClassMessages(
                bot=bot,
                session_factory=session_factory,
                clock=clock,
                i18n=i18n,
                sender=sender,
                replica=self.replica,
                markup=self._markup,
                stopping=self._is_stopping,
            )
        )
        if mail is not None:
            if links is None:
                raise ValueError("e-mail reminders need the links the letters carry (MailLinks)")
            # Imported only with e-mail on.
            from bot.services.reminders.mail import MailChannel

            self.channels.append(
                MailChannel(
                    sender=mail,
                    links=links,
                    i18n=i18n,
                    clock=clock,
                    session_factory=session_factory,
                    workers=mail_workers,
                )
            )

    def claim_size(self, channel: Channel) -> int:
        # Claimed per query: a few seconds of sending, so replicas share a wave evenly.
        return max(2 * channel.workers, 20)

    def _markup(self, kind: str, event_id: int, language: str, class_id: int | None = None) -> Any:
        """The "we are starting" message carries the check-in button (set by the factory)."""
        if kind != START or self.start_markup is None:
            return None
        return self.start_markup(event_id, self.i18n(language), class_id)

    def _is_stopping(self) -> bool:
        return self._stopping

    # --- queries ---------------------------------------------------------------------

    async def _event_id(self, session: AsyncSession, slug: str) -> int | None:
        return await session.scalar(select(EventRow.id).where(EventRow.slug == slug))

    def _slot_query(self, channel: Channel, event_id: int, slot: Slot) -> Select[Any]:
        """Who is due `slot` on `channel` and has not had it there."""
        delivered = exists().where(
            Delivery.registration_id == Registration.id,
            Delivery.kind == slot.kind,
            Delivery.channel == channel.name,
        )
        conditions = [
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            *channel.usable(),
            # Registered after this reminder was due: the confirmation told them everything.
            Registration.created_at <= slot.due_at,
            ~delivered,
        ]
        if not slot.carries_link:
            conditions.append(channel.unmuted())
        return channel.select().where(*conditions)

    async def pending_counts(
        self, session: AsyncSession, event: Event
    ) -> dict[DeliveryChannel, dict[str, int]]:
        """Per channel, per slot kind: the recipients still waiting (as messages at the
        channel's rate)."""
        event_id = await self._event_id(session, event.slug)
        counts: dict[DeliveryChannel, dict[str, int]] = {c.name: {} for c in self.channels}
        if event_id is None:
            return counts
        for channel in self.channels:
            for slot in slots_for(event):
                query = self._slot_query(channel, event_id, slot)
                counts[channel.name][slot.kind] = await channel.pending(session, query)
        return counts

    def _loads(self, counts: dict[DeliveryChannel, dict[str, int]]) -> list[Load]:
        """The planner's view: each channel's pending counts against its rate, Telegram first."""
        return [(counts[c.name], c.rate) for c in self.channels]

    async def _claim(
        self, channel: Channel, event_id: int, kind: str, query: Select[Any], limit: int
    ) -> list[Recipient]:
        """Take up to `limit` recipients of `query` for this replica: a `claimed` ledger row
        each, on this channel, so no other replica (or later run) sends them the same message
        there.

        On PostgreSQL the candidate rows are locked with SKIP LOCKED, so a replica claiming
        at the same moment takes the next ones instead of waiting; the unique ledger key is
        what makes it exact on any database."""
        await self.replica.join()
        while True:
            candidates, taken = await self._try_claim(channel, event_id, kind, query, limit)
            if taken or not candidates:
                return taken
            # Another replica took exactly these between our read and our insert (SQLite,
            # which has no row locks): the next read skips them.

    async def _try_claim(
        self, channel: Channel, event_id: int, kind: str, query: Select[Any], limit: int
    ) -> tuple[list[Recipient], list[Recipient]]:
        async with self.session_factory() as session:
            rows = await session.execute(
                query.order_by(Registration.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=channel.locks)
            )
            candidates = [Recipient.of(row) for row in rows.all()]
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
                            "channel": channel.name,
                        }
                        for r in candidates
                    ],
                    conflict=["registration_id", "kind", "channel"],
                    returning="registration_id",
                )
            )
            await session.commit()
        return candidates, [r for r in candidates if r.registration_id in taken]

    def _correction_query(
        self, channel: Channel, event: Event, event_id: int, link: str
    ) -> Select[Any]:
        """Active online participants who got an old link (or a link message before the link
        was known), by any channel or on a page, and have not had this one on `channel`: the
        correction is one message per channel they are reached by."""
        link_slots = [s.kind for s in slots_for(event) if s.carries_link]
        had_this = exists().where(
            Delivery.registration_id == Registration.id,
            Delivery.channel == channel.name,
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
        return channel.select(had_old.label("had_old_link")).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.ACTIVE,
            Registration.participation_format != "offline",
            *channel.usable(),
            ~had_this,
            or_(had_old, had_empty),
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
            first, *more = self._loads(counts)
            upcoming = next_wave_at(event, now, *first, *more)
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
                        wave_kind(table.kind),
                        *_not_class_mail(table),
                    )
                )
            await session.commit()

    async def _take_over_from_gone(self) -> None:
        """Claims of replicas that stopped beating go back to the pool (the outbox's letters
        go back to its queue by the outbox itself)."""
        async with self.session_factory() as session:
            for table in (Delivery, GroupDelivery):
                gone = await session.execute(
                    delete(table).where(
                        table.status == DeliveryStatus.CLAIMED,
                        self.replica.taken_from_gone(table.claimed_by),
                        wave_kind(table.kind),
                        *_not_class_mail(table),
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
        now = self.clock.now()
        first, *more = self._loads(counts)
        slot = current_slot(event, now, *first, *more)
        if slot is None:
            return
        stats = Stats()
        link = effective_link(event)
        # Classes first: a handful of messages that a whole class reads together.
        if self.classes is not None:
            await self.classes.deliver_slot(event, event_id, slot, link, stats)
        if self.class_mail:
            # Imported only with e-mail on.
            from bot.services.mailing.class_mail import queue_slot

            await self._queue_class_mail(
                event.slug, lambda session, now: queue_slot(session, event_id, slot, now=now)
            )
        if stats.sent or stats.failed or stats.unreachable:
            log.info(
                "%s: %s to classes: %s sent, %s unreachable, %s failed",
                event.slug,
                slot.kind,
                stats.sent,
                stats.unreachable,
                stats.failed,
            )
        message = Message(slot.kind, event, event_id, link, slot)
        due = [c for c in self.channels if counts[c.name].get(slot.kind) and c.ready(now)]
        for channel in due:
            log.info(
                "%s: sending %s to %s participants by %s",
                event.slug,
                slot.kind,
                counts[channel.name][slot.kind],
                channel.name,
            )
        await self._waves(message, {c: partial(self._slot_query, c, event_id, slot) for c in due})

    async def _queue_class_mail(
        self, slug: str, queue: Callable[[AsyncSession, datetime], Awaitable[int]]
    ) -> None:
        """Class letters for the mail outbox, queued by this planner (e-mail on)."""
        async with self.session_factory() as session:
            queued = await queue(session, self.clock.now())
            await session.commit()
        if queued:
            log.info("%s: %s letters to classes queued", slug, queued)
            if self.on_mail_queued is not None:
                self.on_mail_queued()

    async def _waves(
        self, message: Message, queries: dict[Channel, Callable[[], Select[Any]]]
    ) -> None:
        """The channels' waves of one message side by side: each keeps its own pace, and one
        channel failing (its server away) does not hold up the other."""
        channels = list(queries)
        results = await asyncio.gather(
            *(self._wave(c, message, queries[c]) for c in channels), return_exceptions=True
        )
        for channel, result in zip(channels, results, strict=True):
            if isinstance(result, BaseException):
                log.error(
                    "%s by %s failed; the next check retries",
                    message.kind,
                    channel.name,
                    exc_info=result,
                )
            elif result.counts:
                log.info(
                    "%s: %s by %s done: %s",
                    message.event.slug,
                    message.kind,
                    channel.name,
                    ", ".join(f"{n} {v.value}" for v, n in sorted(result.counts.items())),
                )

    async def _deliver_link_updates(self, event: Event) -> None:
        link = effective_link(event)
        if not link:
            return
        async with self.session_factory() as session:
            event_id = await self._event_id(session, event.slug)
        if event_id is None:
            return
        if self.classes is not None:
            stats = Stats()
            await self.classes.deliver_link(event, event_id, link, stats)
            if stats.sent or stats.failed or stats.unreachable:
                log.info(
                    "%s: the new link to classes: %s sent, %s unreachable, %s failed",
                    event.slug,
                    stats.sent,
                    stats.unreachable,
                    stats.failed,
                )
        if self.class_mail:
            from bot.services.mailing.class_mail import queue_corrections

            await self._queue_class_mail(
                event.slug,
                lambda session, now: queue_corrections(session, event, event_id, link, now=now),
            )
        message = Message(link_kind(link), event, event_id, link)
        now = self.clock.now()
        await self._waves(
            message,
            {
                c: partial(self._correction_query, c, event, event_id, link)
                for c in self.channels
                if c.ready(now)
            },
        )

    async def _wave(
        self, channel: Channel, message: Message, query: Callable[[], Select[Any]]
    ) -> _Wave:
        """Send `message` on `channel` to everyone `query` selects, claimed a batch at a time,
        until nobody is left (people who registered during the wave are included). What was
        claimed and not sent (deferred, the channel halted, a stop) is given back at the end,
        for the next look: not before, or the same wave would claim it again at once."""
        wave = _Wave()
        size = self.claim_size(channel)

        async def claim() -> list[Recipient]:
            if wave.halted or self._stopping:
                return []
            return await self._claim(channel, message.event_id, message.kind, query(), size)

        # Nobody due (most looks, and every look for a correction): no workers to start.
        first = await claim()
        if not first:
            return wave
        batches = [first]

        async def next_batch() -> list[Recipient]:
            return batches.pop() if batches else await claim()

        # A short first batch is everybody due now: a worker each is enough.
        workers = min(channel.workers, len(first))
        queue = ClaimedQueue(next_batch, refill_at=workers)
        try:
            await asyncio.gather(
                *(self._worker(channel, queue, message, wave) for _ in range(workers))
            )
        finally:
            left = await queue.left()
            await self._give_back(
                channel, message.kind, [*wave.given_back, *(r.registration_id for r in left)]
            )
        return wave

    async def _worker(
        self, channel: Channel, queue: ClaimedQueue[Recipient], message: Message, wave: _Wave
    ) -> None:
        while not self._stopping and not wave.halted:
            r = await queue.next()
            if r is None:
                return
            if wave.halted:
                wave.given_back.append(r.registration_id)
                return
            attempt = await channel.send(r, message, self._is_stopping)
            wave.counts[attempt.verdict] += 1
            if attempt.verdict is Verdict.HALT and not wave.halted:
                wave.halted = True
                # Once per outage, not at every look while the server stays away.
                quiet = channel.name in self._halted
                self._halted.add(channel.name)
                log.log(
                    logging.INFO if quiet else logging.WARNING,
                    "%s by %s stopped for now (%s); every look tries again",
                    message.kind,
                    channel.name,
                    attempt.error,
                )
            elif attempt.verdict is Verdict.SENT and channel.name in self._halted:
                self._halted.discard(channel.name)
                log.warning("%s by %s goes out again", message.kind, channel.name)
            if attempt.verdict in (Verdict.RETRY, Verdict.HALT):
                wave.given_back.append(r.registration_id)
                continue
            await self._record(channel, message, r, attempt)

    async def _record(
        self, channel: Channel, message: Message, r: Recipient, attempt: Attempt
    ) -> None:
        now = self.clock.now()
        claim = and_(
            Delivery.registration_id == r.registration_id,
            Delivery.kind == message.kind,
            Delivery.channel == channel.name,
            Delivery.claimed_by == self.replica.id,
        )
        async with self.session_factory() as session:
            if attempt.verdict is Verdict.UNREACHABLE:
                if await channel.unreachable(session, r, attempt.error, now):
                    values: dict[str, Any] = {"status": DeliveryStatus.UNREACHABLE}
                else:
                    await session.execute(delete(Delivery).where(claim))
                    values = {}
            else:
                sent = attempt.verdict is Verdict.SENT
                values = {
                    "status": DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
                    "link": message.link_for(r) if sent else None,
                }
            if values:
                done = await session.execute(
                    update(Delivery)
                    .where(claim)
                    .values(**values, error=attempt.error, created_at=now)
                )
                if not affected(done):
                    # This replica was taken for gone (no beat for the whole timeout) and the
                    # message was claimed again by another: it may arrive twice.
                    log.warning(
                        "claim on %s/%s by %s was lost mid-send",
                        r.registration_id,
                        message.kind,
                        channel.name,
                    )
            await session.commit()

    async def _give_back(
        self, channel: Channel, kind: str, registration_ids: Iterable[int]
    ) -> None:
        """Delete this replica's claims of these recipients, not sent: the next look takes
        them again (while the message is still the one due)."""
        ids = list(registration_ids)
        if not ids:
            return
        async with self.session_factory() as session:
            for i in range(0, len(ids), GIVE_BACK_CHUNK):
                await session.execute(
                    delete(Delivery).where(
                        Delivery.registration_id.in_(ids[i : i + GIVE_BACK_CHUNK]),
                        Delivery.kind == kind,
                        Delivery.channel == channel.name,
                        Delivery.status == DeliveryStatus.CLAIMED,
                        Delivery.claimed_by == self.replica.id,
                    )
                )
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
