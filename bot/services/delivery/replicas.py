"""Who is running: each bot process is a replica with an id, beating in the `replicas` table.

Several replicas share one database (webhook mode behind a balancer). Bulk work is claimed in
the database in a replica's name before it is sent, so two replicas never send the same
reminder, broadcast copy or certificate. A replica that stops beating for `timeout` seconds is
gone (killed, machine lost): the others take over what it claimed and did not send. Only the
message that was in flight at that moment can reach its recipient twice."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Replica as ReplicaRow

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0  # seconds without a beat after which a replica counts as gone


def wall_clock() -> datetime:
    # Liveness is about real seconds between processes, not the event clock that tests move.
    return datetime.now(UTC)


class Replica:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        replica_id: str | None = None,
        now: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.session_factory = session_factory
        self.timeout = timeout
        self.id = replica_id or uuid.uuid4().hex
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._now = now
        self._started = now()
        self._joined = False

    @property
    def beat_every(self) -> float:
        # Three beats per timeout: one late beat (a busy event loop, a slow query) is not death.
        return self.timeout / 3

    async def join(self) -> None:
        """Beat once before the first claim: claims of a replica without a row are taken for
        those of a gone one (the running bot beats regularly from start-up on)."""
        if not self._joined:
            await self.beat()

    async def beat(self) -> None:
        """Say "alive"; forget replicas that have been gone for a long time."""
        self._joined = True
        now = self._now()
        async with self.session_factory() as session:
            row = await session.get(ReplicaRow, self.id)
            if row is None:
                session.add(
                    ReplicaRow(id=self.id, name=self.name, started_at=self._started, seen_at=now)
                )
                log.info("replica %s (%s) is up", self.id, self.name)
            else:
                row.seen_at = now
            await session.execute(
                delete(ReplicaRow).where(ReplicaRow.seen_at < now - timedelta(days=1))
            )
            await session.commit()

    async def retire(self) -> None:
        """A clean stop: the row goes, so nobody waits for a timeout to take over."""
        async with self.session_factory() as session:
            await session.execute(delete(ReplicaRow).where(ReplicaRow.id == self.id))
            await session.commit()

    def taken_from_gone(self, claimed_by: Any) -> ColumnElement[bool]:
        """SQL condition: the row is claimed by another replica that is no longer alive.

        Our own claims are never "gone": another task of this process may be sending them."""
        alive = select(ReplicaRow.id).where(
            ReplicaRow.seen_at >= self._now() - timedelta(seconds=self.timeout)
        )
        return and_(
            claimed_by.is_not(None),
            claimed_by != self.id,
            claimed_by.not_in(alive),
        )

    def free_or_gone(self, claimed_by: Any) -> ColumnElement[bool]:
        return or_(claimed_by.is_(None), self.taken_from_gone(claimed_by))
