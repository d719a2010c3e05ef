"""One paced sender for everything the bot sends in bulk (reminder waves, broadcasts,
certificates): never faster than Telegram allows, honouring retry_after, and telling apart
"delivered", "this person blocked us" and "something else went wrong".

Its RateLimiter is the bot's one pace: the replies of handlers take their slots from the same
limiter, first (bot/middlewares/flood_control.py, on the bot's session), so that everything the
bot sends together stays within the rate.

Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about 30 messages per second overall, 1 per second in one chat, 20 per minute in one group."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

log = logging.getLogger(__name__)

DEFAULT_RATE = 25.0  # messages per second, replies and bulk sends together: below the ~30/s

# True while the paced sender makes its request: it has taken the request's slot and handles
# flood control itself, so the bot's FloodControl middleware (bot/middlewares/flood_control.py)
# lets the request through instead of pacing and retrying it a second time. A context variable
# because the request is made several calls down, inside the same task.
PACED: ContextVar[bool] = ContextVar("paced", default=False)
PRIVATE_CHAT_INTERVAL = 1.0
GROUP_CHAT_INTERVAL = 3.0  # 20 messages per minute


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, deactivated, chat gone: never retry
    FAILED = "failed"
    ABANDONED = "abandoned"  # not sent: the sender was told to stop while waiting its turn


@dataclass
class Result:
    outcome: Outcome
    value: Any = None
    error: str | None = None


@dataclass
class Stats:
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retry_after: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        if result.outcome is Outcome.ABANDONED:
            return
        if result.outcome is Outcome.SENT:
            self.sent += 1
        elif result.outcome is Outcome.UNREACHABLE:
            self.unreachable += 1
        else:
            self.failed += 1
            key = result.error or "unknown"
            self.errors[key] = self.errors.get(key, 0) + 1


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
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._shared_failed_at: float | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def acquire(self, priority: int = Priority.REMINDER) -> None:
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


_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was blocked",
    "bot was kicked",
    "peer_id_invalid",
)


class PacedSender:
    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        max_attempts: int = 3,
        max_retry_after: int = 8,
        private_interval: float = PRIVATE_CHAT_INTERVAL,
        group_interval: float = GROUP_CHAT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSlots | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """`limiter`: the bot's own (bot.factory.create_bot), so that replies and bulk sends
        share one pace; without it the sender paces alone at `rate`."""
        self.limiter = limiter or RateLimiter(rate, monotonic, sleep, shared)
        self.rate = self.limiter.rate
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.private_interval = private_interval
        self.group_interval = group_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._chat_next: dict[int, float] = {}

    def chat_interval(self, chat_id: int) -> float:
        # Group and channel ids are negative.
        return self.group_interval if chat_id < 0 else self.private_interval

    async def _chat_turn(self, chat_id: int) -> None:
        now = self._monotonic()
        if len(self._chat_next) > 10_000:  # forget chats whose turn has long come
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        turn = max(now, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = turn + self.chat_interval(chat_id)
        if turn > now:
            await self._sleep(turn - now)

    @staticmethod
    async def _paced(call: Callable[[], Awaitable[Any]]) -> Any:
        token = PACED.set(True)
        try:
            return await call()
        finally:
            PACED.reset(token)

    async def send(
        self,
        chat_id: int,
        call: Callable[[], Awaitable[Any]],
        stopping: Callable[[], bool] = lambda: False,
        priority: int = Priority.REMINDER,
    ) -> Result:
        """Send one message (call makes the request); retries what is worth retrying.

        `stopping` is asked after every wait: a shutdown abandons messages still waiting for
        their turn instead of sending them, so only requests really in flight finish."""
        attempts = 0
        retry_afters = 0
        while True:
            await self._chat_turn(chat_id)
            await self.limiter.acquire(priority)
            if stopping():
                return Result(Outcome.ABANDONED)
            # The chat's next turn counts from the real send moment, after the global wait.
            self._chat_next[chat_id] = max(
                self._chat_next[chat_id], self._monotonic() + self.chat_interval(chat_id)
            )
            try:
                return Result(Outcome.SENT, await self._paced(call))
            except TelegramRetryAfter as exc:
                # Flood control: everybody waits, then this same message goes again.
                retry_afters += 1
                log.warning("429 for chat %s: waiting %s s", chat_id, exc.retry_after)
                self.limiter.pause(exc.retry_after)
                self._chat_next[chat_id] = self._monotonic() + exc.retry_after
                if retry_afters > self.max_retry_after:
                    return Result(Outcome.FAILED, error="retry_after")
            except TelegramForbiddenError as exc:
                return Result(Outcome.UNREACHABLE, error=exc.message)
            except TelegramBadRequest as exc:
                if any(marker in exc.message.lower() for marker in _GONE):
                    return Result(Outcome.UNREACHABLE, error=exc.message)
                log.error("chat %s: %s", chat_id, exc.message)
                return Result(Outcome.FAILED, error=exc.message)
            except (TelegramNetworkError, TelegramServerError) as exc:
                attempts += 1
                if attempts >= self.max_attempts:
                    log.error("chat %s: giving up after %s attempts: %s", chat_id, attempts, exc)
                    return Result(Outcome.FAILED, error=type(exc).__name__)
                await self._sleep(min(2.0**attempts, 10.0))
            except TelegramAPIError as exc:
                log.error("chat %s: %s", chat_id, exc)
                return Result(Outcome.FAILED, error=type(exc).__name__)
