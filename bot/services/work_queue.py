"""Feeding concurrent senders from work claimed in the database, a batch at a time."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ClaimedQueue(Generic[T]):
    """Workers call `next()`; when the local queue runs dry, one of them claims the next
    batch (`claim()` returns [] when nothing is left) while the others wait for it.

    Claiming small batches keeps replicas sharing a wave evenly and limits what a killed
    replica leaves claimed; refilling as soon as the queue is empty (not when the slowest
    worker of the batch finishes) keeps the send rate steady."""

    def __init__(self, claim: Callable[[], Awaitable[list[T]]]) -> None:
        self._claim = claim
        self._items: deque[T] = deque()
        self._lock = asyncio.Lock()
        self._exhausted = False
        self.claimed = 0

    async def next(self) -> T | None:
        if not self._items and not self._exhausted:
            async with self._lock:
                if not self._items and not self._exhausted:
                    batch = await self._claim()
                    self.claimed += len(batch)
                    self._items.extend(batch)
                    self._exhausted = not batch
        return self._items.popleft() if self._items else None

    def left(self) -> list[T]:
        """Claimed but not handed out (a shutdown): the caller releases them."""
        items = list(self._items)
        self._items.clear()
        return items
