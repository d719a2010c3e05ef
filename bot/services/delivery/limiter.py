"""Send slots at a steady rate, best priority first: the one limiter behind every paced channel
(Telegram's PacedSender in bot/services/delivery/pacing.py, e-mail's MailPacer in
bot/services/delivery/mail/pacer.py). Nothing of Telegram here: e-mail uses it without aiogram."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Priority:
    """Lower goes first: a person waiting for an answer before everything else, then a reminder
    wave keeps its deadline while a broadcast shares the pace."""

    REPLY = -1
    REMINDER = 0
    CERTIFICATE = 5
    BROADCAST = 10


class SharedSlots(Protocol):
    """Send slots shared by several processes (replicas), e.g. bot/services/delivery/shared_pace.py:
    together they stay within the rate."""

    async def reserve(self) -> float:
        """Take the next slot; the seconds to wait until it comes."""
        ...

    async def pause(self, seconds: float) -> None:
        """Flood control: no slot for anybody before `seconds` from now."""
        ...


class RateLimiter:
    """Hands out send slots 1/rate apart, best priority first; a 429 pushes every later slot
    back. One pump task serves the waiters, so concurrent senders never exceed the rate.

    With `shared` the slots come from a grid that several replicas reserve from, so the rate
    holds for all of them together; if it cannot be reached, this process paces alone."""

    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSlots | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._shared = shared
        self._next = 0.0
        self._paused_until = 0.0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._shared_failed_at: float | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def acquire(self, priority: float = Priority.REMINDER) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._seq), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    def share(self, shared: SharedSlots) -> None:
        """From now on take the slots from a grid shared with other replicas (set at start-up,
        before the first send)."""
        self._shared = shared

    async def _serve(self) -> None:
        while self._waiters:
            paused_until = self._paused_until
            wait = await self._reserve()
            slot_at = self._monotonic() + wait
            if wait > 0:
                await self._sleep(wait)
            if self._monotonic() - slot_at > self.interval:
                # Woken too late (a busy machine, a long garbage collection): the slot has
                # passed, and a message sent now would leave together with the next slots.
                # Telegram counts when a request arrives, so the pace must hold when it leaves:
                # take a fresh slot instead.
                continue
            if self._paused_until != paused_until:
                # A 429 while we slept: this slot is stale. Giving it out when the pause ends
                # would send two messages at that moment (it and the next slot, which the pause
                # moved there too), and at a pace close to the limit that is the next 429
                # (bench/README.md). Wait out the pause, then reserve again.
                while (pause := self._paused_until - self._monotonic()) > 0:
                    await self._sleep(pause)
                continue
            # The slot goes to the best waiter at this moment, not at reservation time.
            while self._waiters:
                _, _, future = heapq.heappop(self._waiters)
                if not future.done():  # else its task was cancelled while waiting
                    future.set_result(None)
                    break
            # Let the woken sender go before the next slot is considered.
            await asyncio.sleep(0)

    async def _reserve(self) -> float:
        if self._shared is not None:
            try:
                wait = await self._shared.reserve()
            except Exception as exc:  # the shared grid is down: keep sending, alone
                now = self._monotonic()
                if self._shared_failed_at is None or now - self._shared_failed_at > 60:
                    log.warning("shared pace unavailable, pacing this replica alone: %s", exc)
                    self._shared_failed_at = now
            else:
                self._shared_failed_at = None
                return wait
        return self._reserve_local()

    def _reserve_local(self) -> float:
        now = self._monotonic()
        # Keep to the grid of slots: the loop always wakes a little late (timeouts are rounded
        # up to the millisecond), and counting from the wake-up would lose that delay on every
        # message (measured: 215/s instead of 250/s). After an idle spell, start a new grid
        # instead of bursting through the missed slots.
        if now - self._next > self.interval:
            self._next = now
        slot = self._next
        self._next += self.interval
        return slot - now

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        self._next = max(self._next, self._paused_until)
        if self._shared is not None:
            # Flood control is per bot: every replica waits.
            task = asyncio.get_running_loop().create_task(self._pause_shared(seconds))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _pause_shared(self, seconds: float) -> None:
        assert self._shared is not None
        try:
            await self._shared.pause(seconds)
        except Exception as exc:
            log.warning("could not share a flood-control pause: %s", exc)
