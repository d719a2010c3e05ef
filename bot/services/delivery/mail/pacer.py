"""The pace of e-mail: EMAIL_RATE messages per second (the same RateLimiter as Telegram's, best
priority first, shared between replicas when given shared slots), at most EMAIL_DAILY_LIMIT in
any 24 hours, and a slower pace per provider for the big Chinese mailbox providers.

A provider that finds too many messages from one sender at once defers them ("451") or
refuses them as a flood ("550 Ip frequency limited" at qq.com), and remembers it against the
sender's reputation. Tencent and NetEase publish no figure, so the share below is a cautious
guess that an operator can raise when the server's logs show no deferrals from them.

Senders wait concurrently (several workers): one waiting for its provider's turn does not hold
up the others, whose messages go in the meantime."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

from bot.services.delivery.limiter import Priority, RateLimiter, SharedSlots

# Mailbox providers that throttle bulk senders hard, grouped by whose servers they are (one
# pace per provider, whatever the domain): each gets this share of EMAIL_RATE. At the default
# 5/s that is one message a second to each, 3,600 an hour.
SLOW_PROVIDER_SHARE = 0.2
SLOW_PROVIDERS = {
    "qq.com": "tencent",
    "vip.qq.com": "tencent",
    "foxmail.com": "tencent",
    "163.com": "netease",
    "126.com": "netease",
    "yeah.net": "netease",
    "vip.163.com": "netease",
    "sina.com": "sina",
    "sina.cn": "sina",
    "vip.sina.com": "sina",
}
DAY = timedelta(hours=24)


class DailyLimitReached(Exception):
    """EMAIL_DAILY_LIMIT messages went out in the last 24 hours; the next may go at
    `resume_at`. The message keeps its place (the ledger tries it again then)."""

    def __init__(self, resume_at: datetime) -> None:
        super().__init__(f"daily e-mail limit reached until {resume_at.isoformat()}")
        self.resume_at = resume_at


def provider(address: str) -> str | None:
    """The slow provider an address belongs to, or None."""
    return SLOW_PROVIDERS.get(address.rpartition("@")[2].strip().lower().rstrip("."))


class MailPacer:
    def __init__(
        self,
        rate: float,
        *,
        daily_limit: int | None = None,
        slow_share: float = SLOW_PROVIDER_SHARE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSlots | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """`now`: the clock (aware UTC) for the daily window; `monotonic` and `sleep` for the
        pace. `shared`: slots shared with other replicas (bot/services/delivery/shared_pace.py,
        under a key of its own, not the bot's Telegram key)."""
        if not 0 < slow_share <= 1:
            raise ValueError("slow_share must be in (0, 1]")
        if daily_limit is not None and daily_limit < 1:
            raise ValueError("daily_limit must be positive")
        self.limiter = limiter or RateLimiter(rate, monotonic, sleep, shared)
        self.rate = self.limiter.rate
        self.daily_limit = daily_limit
        self.provider_interval = 1.0 / (self.rate * slow_share)
        self._now = now
        self._monotonic = monotonic
        self._sleep = sleep
        self._provider_last: dict[str, float] = {}  # when the provider's last message went
        self._provider_lock: dict[str, asyncio.Lock] = {}
        # With a daily limit: the last 24 hours' sends, oldest first.
        self._sent: deque[datetime] = deque()

    def remember_sent(self, times: Iterable[datetime]) -> None:
        """Sends before this process started (from the ledger), so that a restart does not
        begin a new day's allowance."""
        self._sent.extend(times)
        self._sent = deque(sorted(self._sent))

    def sent_today(self) -> int:
        """Sends in the last 24 hours (counted only with a daily limit)."""
        self._forget_old()
        return len(self._sent)

    def _forget_old(self) -> None:
        horizon = self._now() - DAY
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()

    async def acquire(self, address: str, priority: int = Priority.REMINDER) -> None:
        """Wait for this message's turn. DailyLimitReached without waiting when the day's
        allowance is used up. The message counts against it from here: call it right before
        sending."""
        stamp = None
        if self.daily_limit is not None:
            self._forget_old()
            if len(self._sent) >= self.daily_limit:
                raise DailyLimitReached(self._sent[0] + DAY)
            stamp = self._now()
            self._sent.append(stamp)  # taken now: concurrent waiters stay within the limit
        try:
            group = provider(address)
            if group is None:
                await self.limiter.acquire(priority)
                return
            # One message per provider in the queue for a slot at a time, joining it no sooner
            # than the pace allows after the previous one left: spaced when they really go,
            # however long the queue (spacing them as they join would let them bunch up behind
            # a queue of other messages and leave together). Its turn come, it goes before the
            # messages of its own priority, so that the provider's share is not lost waiting.
            lock = self._provider_lock.setdefault(group, asyncio.Lock())
            async with lock:
                wait = self._provider_last.get(group, -math.inf) + self.provider_interval
                wait -= self._monotonic()
                if wait > 0:
                    await self._sleep(wait)
                await self.limiter.acquire(priority - 0.5)
                self._provider_last[group] = self._monotonic()
        except BaseException:
            if stamp is not None:
                self._sent.remove(stamp)  # cancelled while waiting: not sent
            raise

    def estimate_seconds(self, addresses: Iterable[str]) -> float:
        """How long sending to these addresses takes at this pace: for a wave's early start.
        The overall rate or the busiest slow provider, whichever is slower."""
        total = 0
        per_provider: dict[str, int] = {}
        for address in addresses:
            total += 1
            group = provider(address)
            if group is not None:
                per_provider[group] = per_provider.get(group, 0) + 1
        slowest = max(per_provider.values(), default=0)
        return max(total / self.rate, slowest * self.provider_interval)
