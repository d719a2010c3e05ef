"""The event loop `python -m bot` runs on: uvloop where it is installed (a dependency on Linux
and macOS), asyncio's own elsewhere or with EVENT_LOOP=asyncio. Everything in the bot is plain
asyncio; uvloop only makes each turn of the loop cheaper: each web request and each hop to
aiosqlite's thread (bench/web.py: it is what puts the web form's p99 under 100 ms at 100
concurrent visitors)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory(preferred: str = "uvloop") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None for asyncio's default (`preferred` "asyncio", or
    uvloop not installed)."""
    if preferred != "uvloop":
        return None
    try:
        import uvloop
    except ImportError:  # Windows, or an installation without it
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], preferred: str = "uvloop") -> T:
    """`asyncio.run(main)` on the loop above."""
    with asyncio.Runner(loop_factory=loop_factory(preferred)) as runner:
        return runner.run(main)
