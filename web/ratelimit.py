"""A per-address limit on form posts (WEB_RATE_LIMIT a minute): a sliding window in memory,
per process (behind a balancer each replica counts its own share, which is generous enough)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from web.context import CONFIG
from web.csrf import is_form_post
from web.errors import TooManyRequests

WINDOW = 60.0  # seconds
# Addresses tracked before the idle ones are forgotten: bounds the memory under a flood.
PRUNE_ABOVE = 10_000


class RateLimit:
    def __init__(self, per_minute: int, now: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.now = now
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> int | None:
        """None when this post is allowed (and counted); else the seconds until one is."""
        now = self.now()
        hits = self._hits.setdefault(address, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + WINDOW - now))
        hits.append(now)
        if len(self._hits) > PRUNE_ABOVE:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        for address in [a for a, h in self._hits.items() if not h or h[-1] <= now - WINDOW]:
            del self._hits[address]


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str:
    """The connecting address; behind a trusted proxy, the last address in X-Forwarded-For that
    is not one of our proxies (anything left of it may be made up by the client)."""
    remote = request.remote or ""
    if remote not in trusted_proxies:
        return remote
    chain = [
        address.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for address in header.split(",")
        if address.strip()
    ]
    for address in reversed(chain):
        if address not in trusted_proxies:
            return address
    return remote


RATE_LIMIT = web.AppKey("web_rate_limit", RateLimit)


@web.middleware
async def limit_posts(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Over the limit: the 429 page, before the body is even read."""
    if is_form_post(request):
        address = client_address(request, request.app[CONFIG].trusted_proxies)
        wait = request.app[RATE_LIMIT].retry_after(address)
        if wait is not None:
            raise TooManyRequests(wait)
    return await handler(request)
