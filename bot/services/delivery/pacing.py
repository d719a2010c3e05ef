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
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

# The limiter lives apart, without aiogram, so that e-mail paces with it too; imported from
# here as before.
from bot.services.delivery.limiter import Priority as Priority
from bot.services.delivery.limiter import RateLimiter as RateLimiter
from bot.services.delivery.limiter import SharedSlots as SharedSlots

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
