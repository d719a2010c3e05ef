"""Feeding concurrent senders from work claimed in the database, a batch at a time."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ClaimedQueue(Generic[T]):
    """Workers call `next()`; the next batch is claimed (`claim()` returns [] when nothing is
    left) in the background once the local queue runs down to `refill_at`, so the senders do
    not stand idle while the database answers (measured: a wave lost 5% of its rate waiting).

    Claiming small batches keeps replicas sharing a wave evenly and limits what a killed
    replica leaves claimed."""

    def __init__(self, claim: Callable[[], Awaitable[list[T]]], refill_at: int = 0) -> None:
        self._claim = claim
        self._refill_at = refill_at
        self._items: deque[T] = deque()
        self._filling: asyncio.Task[None] | None = None
        self._exhausted = False

    async def next(self) -> T | None:
        if not self._exhausted and self._filling is None and len(self._items) <= self._refill_at:
            self._filling = asyncio.create_task(self._fill())
        while not self._items and (filling := self._filling) is not None:
            await filling
        return self._items.popleft() if self._items else None

    async def _fill(self) -> None:
        try:
            batch = await self._claim()
            self._items.extend(batch)
            self._exhausted = not batch
        finally:
            self._filling = None

    async def left(self) -> list[T]:
        """Claimed but not handed out (a stop, a shutdown): the caller releases them."""
        if self._filling is not None:
            await asyncio.gather(self._filling, return_exceptions=True)
        items = list(self._items)
        self._items.clear()
        return items
