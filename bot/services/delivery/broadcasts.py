"""Organizer broadcasts: an audience is resolved, stored with the message before the first copy
goes, and sent through the shared paced sender. A restart (even after a kill) resumes the
recipients still pending, so nobody is skipped and nobody gets it twice, except at most the
few copies in flight at a kill.

Several replicas can send one broadcast together: each claims recipients in batches (row locks
with SKIP LOCKED on PostgreSQL), and the one that records the last copy sends the report.

With e-mail on, the same message goes as a letter to the audience's registrations reachable by
e-mail (bot/services/mailing/broadcast_letter.py): one e-mail row of the delivery ledger per
registration, kind `broadcast-<id>`, queued in the transaction that stores the Telegram
recipients, and sent by the mail outbox exactly once. A person reachable both ways gets it on
both, unless they chose one (and that one reaches them).

Who is in the audience, and who of it can be reached and why not, is
bot/services/delivery/audience_reach.py's; the count the organizer saw is kept with the
broadcast (`audience_params["reach"]`, as it was when it started) for the report.

A broadcast can wait for a time (status `scheduled`): start_due(), a regular job on every
replica, starts it once its time has come on the injected clock; one replica wins the atomic
claim and resolves its recipients then, so that late registrants get it. Cancelled before it
starts by unschedule(), with the same kind of claim."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.delivery.audience_reach import (
    Reach,
    class_email_recipients,
    email_recipients,
    reach,
    telegram_recipients,
)
from bot.services.delivery.audience_reach import broadcast_by_email as broadcast_by_email
from bot.services.delivery.pacing import Outcome, PacedSender, Priority
from bot.services.delivery.replicas import Replica
from bot.services.delivery.work_queue import ClaimedQueue
from db.audiences import Audience
from db.claims import affected
from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    RecipientStatus,
)
from db.repositories import AuditRepository, UserRepository

log = logging.getLogger(__name__)


# The ledger's kind of a broadcast's letters: `broadcast-<broadcast id>`.
BROADCAST_KIND = "broadcast-"


def broadcast_kind(broadcast_id: int) -> str:
    return f"{BROADCAST_KIND}{broadcast_id}"


def broadcast_of_kind(kind: str) -> int | None:
    """The broadcast a ledger kind names, or None when it is not a broadcast's."""
    number = kind.removeprefix(BROADCAST_KIND)
    return int(number) if kind.startswith(BROADCAST_KIND) and number.isdigit() else None


@dataclass(frozen=True)
class MailPart:
    """What of the organizer's message a letter can carry: its text or caption as Telegram
    HTML (`message.html_text`), and a photo or document as Telegram's file id, with the
    attachment's name and type."""

    text_html: str | None = None
    file_id: str | None = None
    file_name: str | None = None
    file_type: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing a letter can say (a sticker, a voice message...): no letters."""
        return not (self.text_html and self.text_html.strip()) and self.file_id is None


async def audience_ids(
    session: AsyncSession,
    event_id: int,
    audience: Audience,
    *,
    email_on: bool = False,
    params: Mapping[str, Any] | None = None,
) -> list[int]:
    """Telegram ids of the reachable people with an active registration in the audience.
    `email_on`: those who chose e-mail alone, with an address it reaches, are left to it."""
    return await telegram_recipients(session, event_id, audience, params, by_email=email_on)


async def email_audience(
    session: AsyncSession,
    event_id: int,
    audience: Audience,
    params: Mapping[str, Any] | None = None,
) -> list[int]:
    """Ids of the active registrations in the audience that a broadcast reaches by e-mail."""
    return await email_recipients(session, event_id, audience, params)


@dataclass
class EmailProgress:
    """The broadcast's letters as the ledger has them."""

    sent: int = 0
    bounced: int = 0
    failed: int = 0
    waiting: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.bounced + self.failed + self.waiting


async def email_progress(session: AsyncSession, broadcast_id: int) -> EmailProgress:
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(
            Delivery.channel == DeliveryChannel.EMAIL,
            Delivery.kind == broadcast_kind(broadcast_id),
        )
        .group_by(Delivery.status)
    )
    progress = EmailProgress()
    for status, count in rows.all():
        if status == DeliveryStatus.SENT:
            progress.sent += count
        elif status == DeliveryStatus.UNREACHABLE:
            progress.bounced += count
        elif status == DeliveryStatus.FAILED:
            progress.failed += count
        else:  # queued, or being sent
            progress.waiting += count
    return progress


@dataclass
class Progress:
    total: int
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    done: bool = False
    cancelled: bool = False
    # The letters (e-mail on and queued for this broadcast), else None.
    email: EmailProgress | None = None
    # The audience when the broadcast started: how many were in it, and why those not
    # reached could not be (None for a broadcast stored before this was kept).
    audience: Reach | None = None
    # A scheduled broadcast has just started: the organizer gets a new progress message.
    just_started: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.unreachable + self.failed

    def seconds_left(self, rate: float) -> float:
        return max(0.0, (self.total - self.handled) / rate)


ProgressHook = Callable[[Broadcast, Progress], Awaitable[None]]


class BroadcastService:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        sender: PacedSender,
        progress_every: float = 3.0,
        workers: int | None = None,
        replica: Replica | None = None,
        email_on: bool = False,
    ) -> None:
        """`email_on`: e-mail is a channel (SMTP_URL set): the broadcast goes by e-mail too
        (the mail outbox sends the letters)."""
        self.bot = bot
        self.email_on = email_on
        self.session_factory = session_factory
        self.clock = clock
        self.sender = sender
        self.progress_every = progress_every
        self.workers = workers or max(4, int(sender.rate))
        self.claim_size = max(2 * self.workers, 20)
        self.replica = replica or Replica(session_factory)
        self.on_progress: ProgressHook | None = None
        self._cancelled: set[int] = set()
        self._running: dict[int, asyncio.Task[Progress]] = {}
        self._stopping = False

    async def create(
        self,
        *,
        event_id: int,
        author_id: int,
        audience: Audience,
        source_chat_id: int,
        source_message_id: int,
        mail: MailPart | None = None,
        params: Mapping[str, Any] | None = None,
        scheduled_at: datetime | None = None,
    ) -> Broadcast:
        """Store the broadcast. Sent now (no `scheduled_at`): with its recipients, and its
        letters queued (`mail`, with e-mail on), so that from here on nobody can be forgotten.
        Scheduled: as it is, its recipients resolved when start_due() starts it, so that those
        who register (or check in) meanwhile get it too. `params`: what the audience needs
        beyond its name (db/audiences.py)."""
        mail = mail or MailPart()
        # A scheduled one keeps the letter's parts: e-mail may be on by the time it starts.
        keep_mail = not mail.empty and (self.email_on or scheduled_at is not None)
        now = self.clock.now()
        async with self.session_factory() as session:
            broadcast = Broadcast(
                event_id=event_id,
                author_id=author_id,
                audience=audience.value,
                audience_params=dict(params or {}),
                source_chat_id=source_chat_id,
                source_message_id=source_message_id,
                status=BroadcastStatus.SENDING
                if scheduled_at is None
                else BroadcastStatus.SCHEDULED,
                scheduled_at=scheduled_at,
                total=0,
                created_at=now,
                text_html=mail.text_html if keep_mail else None,
                file_id=mail.file_id if keep_mail else None,
                file_name=mail.file_name if keep_mail else None,
                file_type=mail.file_type if keep_mail else None,
            )
            session.add(broadcast)
            await session.flush()
            if scheduled_at is None:
                await self._resolve(session, broadcast, now)
            await session.commit()
            return broadcast

    async def _resolve(self, session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
        """Who gets it, in the caller's transaction: the Telegram recipients stored, the letters
        queued, and the audience's reach kept for the report."""
        audience = Audience(broadcast.audience)
        params = dict(broadcast.audience_params or {})
        by_email = self.email_on and (
            broadcast.text_html is not None or broadcast.file_id is not None
        )
        event_id = broadcast.event_id
        recipients = await telegram_recipients(
            session, event_id, audience, params, by_email=by_email
        )
        addresses = await email_recipients(session, event_id, audience, params) if by_email else []
        snapshot = await reach(
            session, event_id, audience, params, email_on=self.email_on, mail=by_email
        )
        broadcast.total = len(recipients)
        broadcast.status = BroadcastStatus.SENDING
        # Reassigned, not changed in place: a JSON column notices only a new value.
        broadcast.audience_params = {**params, "reach": snapshot.as_json()}
        session.add_all(
            BroadcastRecipient(broadcast_id=broadcast.id, user_id=uid) for uid in recipients
        )
        if addresses:
            # Imported here: the mailing package is loaded only with e-mail on.
            from bot.services.mailing.outbox import queue_many

            kind = broadcast_kind(broadcast.id)
            await queue_many(session, [(rid, event_id, kind) for rid in addresses], now=now)
        if by_email and audience.of_classes:
            # The teachers by a letter to the class's address too (its outbox letter).
            from bot.services.mailing.class_mail import queue_class_letters

            kind = broadcast_kind(broadcast.id)
            classes = await class_email_recipients(session, event_id)
            await queue_class_letters(session, [(c, event_id, kind) for c in classes], now=now)
        await session.flush()

    # --- scheduled broadcasts ----------------------------------------------------------------

    async def start_due(self) -> list[int]:
        """Start the scheduled broadcasts whose time has come (a regular job on every replica):
        each is claimed by one atomic UPDATE ... WHERE status = 'scheduled', so exactly one
        replica resolves its recipients and tells the organizer; the others then join the
        sending through resume_all()."""
        if self._stopping:
            return []
        now = self.clock.now()
        async with self.session_factory() as session:
            due = (
                await session.scalars(
                    select(Broadcast.id)
                    .where(
                        Broadcast.status == BroadcastStatus.SCHEDULED,
                        Broadcast.scheduled_at <= now,
                    )
                    .order_by(Broadcast.scheduled_at, Broadcast.id)
                )
            ).all()
        started = []
        for broadcast_id in due:
            broadcast = await self._claim_scheduled(broadcast_id, now)
            if broadcast is None:
                continue  # another replica started it, or the organizer cancelled it
            log.info("scheduled broadcast %s started: %s recipients", broadcast_id, broadcast.total)
            started.append(broadcast_id)
            await self._announce_start(broadcast)
            self.start(broadcast_id)
        return started

    async def _claim_scheduled(self, broadcast_id: int, now: datetime) -> Broadcast | None:
        async with self.session_factory() as session:
            won = affected(
                await session.execute(
                    update(Broadcast)
                    .where(
                        Broadcast.id == broadcast_id,
                        Broadcast.status == BroadcastStatus.SCHEDULED,
                    )
                    .values(status=BroadcastStatus.SENDING)
                )
            )
            if won != 1:
                await session.rollback()
                return None
            broadcast = await session.get(Broadcast, broadcast_id)
            assert broadcast is not None
            await self._resolve(session, broadcast, now)
            # Sent now, on the organizer's behalf: the log says when it went and to how many.
            AuditRepository(session).record(
                broadcast.author_id,
                "broadcast",
                now,
                event_id=broadcast.event_id,
                details={
                    "broadcast_id": broadcast.id,
                    "audience": broadcast.audience,
                    "total": broadcast.total,
                    "scheduled": True,
                },
            )
            await session.commit()
            return broadcast

    async def _announce_start(self, broadcast: Broadcast) -> None:
        if self.on_progress is None:
            return
        progress = Progress(total=broadcast.total, just_started=True)
        try:
            await self.on_progress(broadcast, progress)
        except Exception:  # the sending must start even when the organizer cannot be told
            log.exception("start of scheduled broadcast %s not announced", broadcast.id)

    async def unschedule(self, broadcast_id: int) -> bool:
        """Cancel a scheduled broadcast before it starts; False when it has started already
        (or was cancelled): the same atomic UPDATE as the start, so only one of them wins."""
        async with self.session_factory() as session:
            won = affected(
                await session.execute(
                    update(Broadcast)
                    .where(
                        Broadcast.id == broadcast_id,
                        Broadcast.status == BroadcastStatus.SCHEDULED,
                    )
                    .values(status=BroadcastStatus.CANCELLED, finished_at=self.clock.now())
                )
            )
            await session.commit()
        return won == 1

    async def scheduled(self, event_id: int | None = None) -> Sequence[Broadcast]:
        """The broadcasts waiting for their time (of one event), soonest first."""
        query = select(Broadcast).where(Broadcast.status == BroadcastStatus.SCHEDULED)
        if event_id is not None:
            query = query.where(Broadcast.event_id == event_id)
        async with self.session_factory() as session:
            rows = await session.scalars(query.order_by(Broadcast.scheduled_at, Broadcast.id))
            return rows.all()

    def start(self, broadcast_id: int) -> asyncio.Task[Progress]:
        task = self._running.get(broadcast_id)
        if task is None or task.done():
            task = asyncio.create_task(self.run(broadcast_id))
            self._running[broadcast_id] = task
        return task

    async def resume_all(self) -> list[int]:
        """After a restart, and regularly: join every broadcast that is not finished (another
        replica may have started it, or died while sending it)."""
        if self._stopping:
            return []
        async with self.session_factory() as session:
            ids = list(
                (
                    await session.execute(
                        select(Broadcast.id).where(
                            Broadcast.finished_at.is_(None),
                            Broadcast.status != BroadcastStatus.SCHEDULED,
                        )
                    )
                )
                .scalars()
                .all()
            )
        resumed = []
        for broadcast_id in ids:
            task = self._running.get(broadcast_id)
            if task is None or task.done():
                log.info("joining broadcast %s", broadcast_id)
                self.start(broadcast_id)
                resumed.append(broadcast_id)
        return resumed

    async def cancel(self, broadcast_id: int) -> None:
        """The organizer's Stop: recorded in the database so that every replica stops. The
        letters not sent yet are not sent (one being sent finishes)."""
        self._cancelled.add(broadcast_id)
        async with self.session_factory() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
                .values(status=BroadcastStatus.CANCELLED)
            )
            await session.execute(
                update(Delivery)
                .where(
                    Delivery.channel == DeliveryChannel.EMAIL,
                    Delivery.kind == broadcast_kind(broadcast_id),
                    Delivery.status == DeliveryStatus.QUEUED,
                )
                .values(status=DeliveryStatus.FAILED, error="stopped")
            )
            await session.commit()
        # Somebody must write the report: this replica, if it was not sending it.
        self.start(broadcast_id)

    async def stop(self) -> None:
        """Shutdown: copies in flight finish and are recorded; the rest waits for a restart."""
        self._stopping = True
        if self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def progress_of(self, session: AsyncSession, broadcast: Broadcast) -> Progress:
        rows = await session.execute(
            select(BroadcastRecipient.status, BroadcastRecipient.error, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast.id)
            .group_by(BroadcastRecipient.status, BroadcastRecipient.error)
        )
        progress = Progress(total=broadcast.total)
        for status, error, count in rows.all():
            if status == RecipientStatus.SENT:
                progress.sent += count
            elif status == RecipientStatus.UNREACHABLE:
                progress.unreachable += count
            elif status == RecipientStatus.FAILED:
                progress.failed += count
                progress.errors[error or "unknown"] = (
                    progress.errors.get(error or "unknown", 0) + count
                )
        letters = await email_progress(session, broadcast.id)
        if letters.total:
            progress.email = letters
        progress.audience = Reach.from_json((broadcast.audience_params or {}).get("reach"))
        return progress

    async def run(self, broadcast_id: int) -> Progress:
        async with self.session_factory() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None:
                raise KeyError(broadcast_id)
            if broadcast.status == BroadcastStatus.CANCELLED:
                self._cancelled.add(broadcast_id)

        async def claim() -> list[int]:
            if self._should_stop(broadcast_id):
                return []
            return await self._claim(broadcast_id)

        queue = ClaimedQueue(claim, refill_at=self.workers)
        reporter = asyncio.create_task(self._report_periodically(broadcast))
        try:
            await asyncio.gather(*(self._worker(queue, broadcast) for _ in range(self.workers)))
        finally:
            reporter.cancel()
            await self._release(broadcast_id, await queue.left())
        async with self.session_factory() as session:
            progress = await self.progress_of(session, broadcast)
        if self._stopping:
            return progress  # interrupted by shutdown: resumed on restart or by another replica
        if not await self._finish(broadcast_id):
            return progress  # other replicas still have copies in flight: the last one reports
        async with self.session_factory() as session:
            progress = await self.progress_of(session, broadcast)
            stored = await session.get(Broadcast, broadcast_id)
        progress.cancelled = stored is not None and stored.status == BroadcastStatus.CANCELLED
        progress.done = True
        await self._final_report(broadcast, progress)
        return progress

    async def _claim(self, broadcast_id: int) -> list[int]:
        """Take the next pending recipients (and those of replicas that are gone)."""
        await self.replica.join()
        claimable = (
            select(BroadcastRecipient.id)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                Broadcast.status == BroadcastStatus.SENDING,
                (BroadcastRecipient.status == RecipientStatus.PENDING)
                | (
                    (BroadcastRecipient.status == RecipientStatus.CLAIMED)
                    & self.replica.taken_from_gone(BroadcastRecipient.claimed_by)
                ),
            )
            .order_by(BroadcastRecipient.id)
            .limit(self.claim_size)
            .with_for_update(skip_locked=True, of=BroadcastRecipient)
        )
        async with self.session_factory() as session:
            rows = await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id.in_(claimable.scalar_subquery()))
                .values(status=RecipientStatus.CLAIMED, claimed_by=self.replica.id)
                .returning(BroadcastRecipient.user_id)
            )
            user_ids = sorted(rows.scalars().all())
            await session.commit()
        return user_ids

    async def _release(self, broadcast_id: int, user_ids: list[int]) -> None:
        """Claimed but not tried (a stop or a shutdown): back to pending."""
        if not user_ids:
            return
        async with self.session_factory() as session:
            await session.execute(
                update(BroadcastRecipient)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.user_id.in_(user_ids),
                    BroadcastRecipient.claimed_by == self.replica.id,
                    BroadcastRecipient.status == RecipientStatus.CLAIMED,
                )
                .values(status=RecipientStatus.PENDING, claimed_by=None)
            )
            await session.commit()

    async def _final_report(self, broadcast: Broadcast, progress: Progress) -> None:
        """The organizer's report must arrive even right after a flood of copies: wait out a
        429 and try again; any other failure is logged, never lost silently."""
        if self.on_progress is None:
            return
        for _ in range(5):
            try:
                await self.on_progress(broadcast, progress)
                return
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
            except Exception:
                log.exception("report of broadcast %s could not be sent", broadcast.id)
                return
        log.error("report of broadcast %s: still flood-limited, gave up", broadcast.id)

    def _should_stop(self, broadcast_id: int) -> bool:
        return self._stopping or broadcast_id in self._cancelled

    async def _worker(self, queue: ClaimedQueue[int], broadcast: Broadcast) -> None:
        while not self._should_stop(broadcast.id):
            user_id = await queue.next()
            if user_id is None:
                return

            async def copy(chat_id: int = user_id) -> object:
                return await self.bot.copy_message(
                    chat_id=chat_id,
                    from_chat_id=broadcast.source_chat_id,
                    message_id=broadcast.source_message_id,
                )

            result = await self.sender.send(
                user_id,
                copy,
                stopping=lambda: self._should_stop(broadcast.id),
                priority=Priority.BROADCAST,
            )
            if result.outcome is Outcome.ABANDONED:
                await self._release(broadcast.id, [user_id])
                return
            if result.outcome is Outcome.SENT:
                status = RecipientStatus.SENT
            elif result.outcome is Outcome.UNREACHABLE:
                status = RecipientStatus.UNREACHABLE
            else:
                status = RecipientStatus.FAILED
            await self._record(broadcast.id, user_id, status, result.error)

    async def _record(
        self, broadcast_id: int, user_id: int, status: RecipientStatus, error: str | None
    ) -> None:
        now = self.clock.now()
        async with self.session_factory() as session:
            await session.execute(
                update(BroadcastRecipient)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.user_id == user_id,
                    BroadcastRecipient.claimed_by == self.replica.id,
                )
                .values(status=status, error=error, sent_at=now)
            )
            if status is RecipientStatus.UNREACHABLE:
                await UserRepository(session).mark_unreachable(user_id, now)
            await session.commit()

    async def _finish(self, broadcast_id: int) -> bool:
        """Mark the broadcast finished once no copy is pending or in flight anywhere; True
        for exactly one replica (the row update is atomic), which sends the report."""
        in_flight = exists().where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.CLAIMED,
            ~self.replica.taken_from_gone(BroadcastRecipient.claimed_by),
        )
        pending = exists().where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status.in_([RecipientStatus.PENDING, RecipientStatus.CLAIMED]),
        )
        async with self.session_factory() as session:
            done = affected(
                await session.execute(
                    update(Broadcast)
                    .where(
                        Broadcast.id == broadcast_id,
                        Broadcast.finished_at.is_(None),
                        or_(
                            and_(Broadcast.status == BroadcastStatus.SENDING, ~pending),
                            # Stopped: what was never sent stays pending.
                            and_(Broadcast.status == BroadcastStatus.CANCELLED, ~in_flight),
                        ),
                    )
                    .values(
                        status=case(
                            (Broadcast.status == BroadcastStatus.SENDING, BroadcastStatus.DONE),
                            else_=Broadcast.status,
                        ),
                        finished_at=self.clock.now(),
                    )
                )
            )
            await session.commit()
        return done == 1

    async def _report_periodically(self, broadcast: Broadcast) -> None:
        """Edit the organizer's progress message with the numbers of all replicas; notice a
        Stop pressed on another replica."""
        while True:
            await asyncio.sleep(self.progress_every)
            try:
                async with self.session_factory() as session:
                    progress = await self.progress_of(session, broadcast)
                    status = await session.scalar(
                        select(Broadcast.status).where(Broadcast.id == broadcast.id)
                    )
                if status == BroadcastStatus.CANCELLED:
                    self._cancelled.add(broadcast.id)
                if self.on_progress is not None:
                    await self.on_progress(broadcast, progress)
            except Exception:  # progress is cosmetic: never let it stop the sending
                log.exception("progress report for broadcast %s failed", broadcast.id)

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(progress_message_id=message_id)
            )
            await session.commit()
