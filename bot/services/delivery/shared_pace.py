"""Send slots shared through Redis, so that replicas together keep Telegram's rate.

One key holds the next free slot on a grid 1/rate apart, in Redis's own clock (replicas on
different machines need not agree on the time). As in the local limiter, a slot up to one
interval in the past is still given (a pump always wakes a little late; starting the grid anew
at every late wake-up would lose that delay on every message). Reserving a slot is one atomic
script call: read the grid, move it one step, answer how long to wait. A 429 pushes the grid
back for everyone, because flood control applies to the bot, not to one process."""

from __future__ import annotations

from typing import Any

# Microseconds; Lua numbers are doubles, exact up to 2^53 (about 285 years of microseconds).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if now - slot > interval then slot = now end
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', 60000)
return slot - now
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local resume = now + tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if resume > slot then
  redis.call('SET', KEYS[1], string.format('%d', resume), 'PX', 60000 + math.floor(ARGV[1] / 1000))
end
return 0
"""


class RedisSlots:
    """`SharedSlots` (bot/services/delivery/limiter.py) on a Redis server."""

    def __init__(self, redis: Any, key: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.key = key
        self.interval_us = int(1_000_000 / rate)
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)

    async def reserve(self) -> float:
        wait_us = await self._reserve(keys=[self.key], args=[self.interval_us])
        return max(0.0, int(wait_us) / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[self.key], args=[int(seconds * 1_000_000)])


def slots_key(bot_id: int) -> str:
    # Per bot: two bots on one Redis have separate limits at Telegram.
    return f"victory-bot:send-slots:{bot_id}"
