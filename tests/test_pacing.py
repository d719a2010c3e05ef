"""The paced sender against a virtual clock: rates, retry_after, blocked users, errors."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import TypeVar

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage

from bot.services.delivery.pacing import Outcome, PacedSender, Priority, RateLimiter, Stats

METHOD = SendMessage(chat_id=1, text="x")
T = TypeVar("T")


class VirtualTime:
    """monotonic() and sleep() for the sender: nothing really waits. A sleeper is woken when
    every other task is blocked, in wake-time order, and the clock jumps to its wake time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sends: list[tuple[float, int]] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, coro: Awaitable[T]) -> T:
        task = asyncio.ensure_future(coro)
        while not task.done():
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        return task.result()


def sender(vt: VirtualTime, rate: float = 10) -> PacedSender:
    return PacedSender(rate, monotonic=vt.monotonic, sleep=vt.sleep)


async def test_limiter_spaces_sends_at_the_rate() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(5, vt.monotonic, vt.sleep)
    times = []
    for _ in range(6):
        await vt.run(limiter.acquire())
        times.append(round(vt.now, 6))
    assert times == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


async def test_concurrent_senders_share_one_rate() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=10)

    async def one(chat: int) -> None:
        async def call() -> bool:
            vt.sends.append((vt.now, chat))
            return True

        assert (await s.send(chat, call)).outcome is Outcome.SENT

    await vt.run(asyncio.gather(*(one(chat) for chat in range(1, 51))))
    times = sorted(t for t, _ in vt.sends)
    assert len(times) == 50
    # 50 messages at 10/s: 4.9 s from the first to the last, never two closer than 0.1 s.
    assert times[-1] - times[0] == pytest.approx(4.9)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9


async def test_one_chat_gets_at_most_one_message_per_second_and_groups_three() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=100)
    for chat in (7, 7, 7, -100, -100):

        async def call(chat: int = chat) -> bool:
            vt.sends.append((vt.now, chat))
            return True

        await vt.run(s.send(chat, call))
    private = [t for t, c in vt.sends if c == 7]
    group = [t for t, c in vt.sends if c == -100]
    assert private[1] - private[0] >= 1.0 and private[2] - private[1] >= 1.0
    assert group[1] - group[0] >= 3.0


async def test_retry_after_waits_and_sends_the_same_message_again() -> None:
    vt = VirtualTime()
    s = sender(vt)
    attempts = []

    async def call() -> str:
        attempts.append(vt.now)
        if len(attempts) == 1:
            raise TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=7)
        return "ok"

    result = await vt.run(s.send(1, call))
    assert result.outcome is Outcome.SENT and result.value == "ok"
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 7


async def test_retry_after_pauses_everyone() -> None:
    vt = VirtualTime()
    s = sender(vt, rate=100)
    first = True

    async def flood() -> bool:
        nonlocal first
        if first:
            first = False
            raise TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=5)
        return True

    await vt.run(s.send(1, flood))

    async def other() -> bool:
        vt.sends.append((vt.now, 2))
        return True

    await vt.run(s.send(2, other))
    assert vt.sends[0][0] >= 5


@pytest.mark.parametrize(
    "error",
    [
        TelegramForbiddenError(method=METHOD, message="Forbidden: bot was blocked by the user"),
        TelegramForbiddenError(method=METHOD, message="Forbidden: user is deactivated"),
        TelegramBadRequest(method=METHOD, message="Bad Request: chat not found"),
    ],
)
async def test_blocked_or_gone_is_unreachable_without_retry(error: Exception) -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise error

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.UNREACHABLE and calls == 1


async def test_network_errors_are_retried_then_failed() -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise TelegramNetworkError(method=METHOD, message="connection reset")

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.FAILED and calls == 3
    stats = Stats()
    stats.add(result)
    assert stats.failed == 1 and stats.errors == {"TelegramNetworkError": 1}


async def test_other_bad_requests_fail_once() -> None:
    vt = VirtualTime()
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise TelegramBadRequest(method=METHOD, message="Bad Request: can't parse entities")

    result = await vt.run(sender(vt).send(1, call))
    assert result.outcome is Outcome.FAILED and calls == 1
    assert result.error == "Bad Request: can't parse entities"


async def test_reminders_overtake_a_running_broadcast() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(10, vt.monotonic, vt.sleep)
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await limiter.acquire(priority)
        order.append(name)

    async def scenario() -> None:
        broadcast = [asyncio.ensure_future(take(f"b{i}", Priority.BROADCAST)) for i in range(5)]
        await vt.sleep(0.15)  # two broadcast messages have gone; the reminder wave begins
        reminders = [asyncio.ensure_future(take(f"r{i}", Priority.REMINDER)) for i in range(2)]
        await asyncio.gather(*broadcast, *reminders)

    await vt.run(scenario())
    assert order == ["b0", "b1", "r0", "r1", "b2", "b3", "b4"]
