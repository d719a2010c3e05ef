"""Who is running: each bot process is a replica with an id, beating in the `replicas` table.

Several replicas share one database (webhook mode behind a balancer). Bulk work is claimed in
the database in a replica's name before it is sent, so two replicas never send the same
reminder, broadcast copy or certificate. A replica that stops beating for `timeout` seconds is
gone (killed, machine lost): the others take over what it claimed and did not send. Only the
message that was in flight at that moment can reach its recipient twice.

A replica that is certainly dead need not be waited for: at start-up a process takes back at
once what its own previous life claimed (see `take_over_previous_lives`)."""

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

from db.claims import affected
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
        name: str | None = None,
        now: Callable[[], datetime] = wall_clock,
    ) -> None:
        """`name`: stable across restarts of one service unit (REPLICA_NAME), so that a new
        process recognises the rows of its previous life; without it, host and process id."""
        self.session_factory = session_factory
        self.timeout = timeout
        self.id = replica_id or uuid.uuid4().hex
        self.stable_name = name is not None
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._now = now
        self._started = now()
        self._joined = False
        self._retired = False

    @property
    def beat_every(self) -> float:
        # Three beats per timeout: one late beat (a busy event loop, a slow query) is not death.
        return self.timeout / 3

    async def join(self) -> None:
        """Beat once before the first claim: claims of a replica without a row are taken for
        those of a gone one (the running bot beats regularly from start-up on)."""
        if not self._joined:
            await self.beat()

    async def take_over_previous_lives(self, *, only_process: bool) -> int:
        """At start-up, before the first claim: forget the rows of replicas that are certainly
        dead, so that what they claimed and did not send is taken back now instead of after
        `timeout` seconds. Returns how many were forgotten.

        - `only_process` (SQLite: one process per database file): every other replica is a
          previous life of this process.
        - A stable name (REPLICA_NAME, set per systemd unit): systemd runs one process per unit
          and starts a new one only once the old one has exited, so the earlier replicas under
          this name are dead. Two live processes must never share a name (a shared .env):
          the one whose row was taken says so in its log at its next beat.
        Otherwise nothing is certain, and the others wait for the timeout."""
        if not (only_process or self.stable_name):
            return 0
        previous = ReplicaRow.id != self.id
        if not only_process:
            previous = and_(previous, ReplicaRow.name == self.name)
        async with self.session_factory() as session:
            result = await session.execute(delete(ReplicaRow).where(previous))
            await session.commit()
        count = affected(result)
        if count:
            log.info("replica %s: claims of %s earlier replicas taken back", self.id, count)
        return count

    async def beat(self) -> None:
        """Say "alive"; forget replicas that have been gone for a long time."""
        if self._retired:  # a beat job that was already running when the process stopped
            return
        joined, self._joined = self._joined, True
        now = self._now()
        async with self.session_factory() as session:
            row = await session.get(ReplicaRow, self.id)
            if row is None:
                session.add(
                    ReplicaRow(id=self.id, name=self.name, started_at=self._started, seen_at=now)
                )
                if joined:
                    # Only a process starting as our next life deletes a live row.
                    log.error(
                        "replica %s (%s): another process took this replica's claims as its "
                        "previous life's: two running processes share REPLICA_NAME, or one "
                        "SQLite database",
                        self.id,
                        self.name,
                    )
                log.info("replica %s (%s, pid %s) is up", self.id, self.name, os.getpid())
            else:
                row.seen_at = now
            await session.execute(
                delete(ReplicaRow).where(ReplicaRow.seen_at < now - timedelta(days=1))
            )
            await session.commit()

    async def retire(self) -> None:
        """A clean stop: the row goes, so nobody waits for a timeout to take over."""
        self._retired = True
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
