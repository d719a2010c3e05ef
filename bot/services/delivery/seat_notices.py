"""The Telegram notice of a freed seat: «Освободилось место на площадке X: вы в списке
участников» / «X 会场有空位了：您已获得座位», in the person's language.

The promotion queues it in the delivery ledger (bot/services/venues/seats.py: a `queued`
Telegram row of kind `seat-<venue>-<n>`, in the transaction that gives the seat), whoever freed
the seat: the bot's handlers (/unregister, /edit, /delete_me) send it right after their commit;
the scheduler's regular look (`send()` with no ids) sends those queued elsewhere (the personal
page, an organizer's /find, the purge of unconfirmed web registrations) and those a restart
interrupted. A row is claimed (queued → claimed, one UPDATE) before it is sent, so two replicas
never both send it; a process killed between the claim and the record leaves it claimed, and
the letter (queued with it, bot/services/mailing/outbox.py) still tells the person."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.messages import seat_freed_text
from bot.services.events.catalog import EventCatalog, EventState
from bot.services.venues.seats import SEAT_KIND, holds_seat
from db.claims import affected
from db.models import Delivery, DeliveryChannel, DeliveryStatus, EventRow, Registration, User
from db.repositories import UserRepository

log = logging.getLogger(__name__)

CLAIMED_BY = "seat-notices"


class SeatNotices:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: EventCatalog,
        clock: Clock,
        i18n: I18n,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.i18n = i18n

    async def send(self, registration_ids: Iterable[int] | None = None) -> int:
        """Send the queued seat notices (of these registrations; None: all); how many went."""
        ids = None if registration_ids is None else sorted(set(registration_ids))
        if ids == []:
            return 0
        async with self.session_factory() as session:
            query = select(Delivery.id).where(
                Delivery.channel == DeliveryChannel.TELEGRAM,
                Delivery.status == DeliveryStatus.QUEUED,
                Delivery.kind.startswith(SEAT_KIND),
            )
            if ids is not None:
                query = query.where(Delivery.registration_id.in_(ids))
            rows = list((await session.scalars(query.order_by(Delivery.id))).all())
        sent = 0
        for row_id in rows:
            try:
                sent += await self._send_one(row_id)
            except Exception:
                log.exception("the seat notice %s failed", row_id)
        return sent

    async def _send_one(self, row_id: int) -> bool:
        now = self.clock.now()
        async with self.session_factory() as session:
            claimed = await session.execute(
                update(Delivery)
                .where(Delivery.id == row_id, Delivery.status == DeliveryStatus.QUEUED)
                .values(status=DeliveryStatus.CLAIMED, claimed_by=CLAIMED_BY)
            )
            await session.commit()
            if not affected(claimed):
                return False  # another replica's
            found = (
                await session.execute(
                    select(Registration, EventRow.slug, User.language, User.is_reachable)
                    .join(Delivery, Delivery.registration_id == Registration.id)
                    .join(EventRow, EventRow.id == Registration.event_id)
                    .join(User, User.id == Registration.user_id)
                    .where(Delivery.id == row_id)
                )
            ).first()
            event = self.catalog.get(found[1]) if found is not None else None
            if found is None or event is None:
                return await self._record(session, row_id, DeliveryStatus.FAILED, "no chat")
            registration, _, language, reachable = found
            venue = event.venue_by_id(registration.venue_id)
            # A seat given up since, or an event over: nothing to tell any more.
            if venue is None or not holds_seat(registration):
                return await self._record(session, row_id, DeliveryStatus.FAILED, "obsolete")
            if event.state(now) is EventState.OVER:
                return await self._record(session, row_id, DeliveryStatus.FAILED, "over")
            if not reachable:
                return await self._record(session, row_id, DeliveryStatus.UNREACHABLE, None)
            chat_id = registration.user_id
            text = seat_freed_text(self.i18n(language), event, venue)
            await session.commit()  # nothing held while Telegram answers
        assert chat_id is not None
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramForbiddenError:
            async with self.session_factory() as session:
                await UserRepository(session).mark_unreachable(chat_id, self.clock.now())
                return await self._record(session, row_id, DeliveryStatus.UNREACHABLE, "blocked")
        except TelegramAPIError as exc:
            async with self.session_factory() as session:
                return await self._record(session, row_id, DeliveryStatus.FAILED, str(exc)[:500])
        async with self.session_factory() as session:
            return await self._record(session, row_id, DeliveryStatus.SENT, None)

    @staticmethod
    async def _record(
        session: AsyncSession, row_id: int, status: DeliveryStatus, error: str | None
    ) -> bool:
        await session.execute(
            update(Delivery).where(Delivery.id == row_id).values(status=status, error=error)
        )
        await session.commit()
        return status == DeliveryStatus.SENT
