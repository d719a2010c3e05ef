"""Replicas share one send rate through Redis (bot/services/delivery/shared_pace.py): two senders in
one test stand for two processes, each with its own limiter, sharing only the Redis key."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage
from redis.asyncio import Redis

from bot.services.delivery.pacing import Outcome, PacedSender
from bot.services.delivery.shared_pace import RedisSlots
from tests.servers import REDIS_URL, needs_redis

pytestmark = needs_redis

RATE = 20.0


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


def replica(redis: Redis, key: str) -> PacedSender:
    return PacedSender(RATE, shared=RedisSlots(redis, key, RATE))


async def send_many(sender: PacedSender, chats: range, sent: list[float]) -> None:
    async def one(chat: int) -> None:
        async def call() -> bool:
            sent.append(time.monotonic())
            return True

        assert (await sender.send(chat, call)).outcome is Outcome.SENT

    await asyncio.gather(*(one(chat) for chat in chats))


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_two_replicas_together_keep_one_rate(redis: Redis) -> None:
    key = f"test-slots:{uuid.uuid4().hex}"
    sent: list[float] = []
    started = time.monotonic()
    await asyncio.gather(
        send_many(replica(redis, key), range(1, 31), sent),
        send_many(replica(redis, key), range(101, 131), sent),
    )
    elapsed = time.monotonic() - started
    assert len(sent) == 60
    # Alone, each would send its 30 in 1.5 s (together 40/s); shared, 60 take ~3 s.
    assert elapsed >= 59 / RATE * 0.95
    assert busiest_second(sent) <= RATE + 1


async def test_flood_control_on_one_replica_pauses_the_other(redis: Redis) -> None:
    key = f"test-slots:{uuid.uuid4().hex}"
    first, second = replica(redis, key), replica(redis, key)
    flooded = asyncio.Event()

    async def flood() -> bool:
        if not flooded.is_set():
            flooded.set()
            raise TelegramRetryAfter(
                method=SendMessage(chat_id=1, text="x"), message="Too Many Requests", retry_after=1
            )
        return True

    started = time.monotonic()
    task = asyncio.create_task(first.send(1, flood))
    await flooded.wait()
    await asyncio.sleep(0.05)  # the pause reaches Redis
    second_sent: list[float] = []
    await send_many(second, range(200, 201), second_sent)
    assert second_sent[0] - started >= 0.9
    assert (await task).outcome is Outcome.SENT


async def test_without_redis_a_replica_paces_alone(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gone = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    sender = PacedSender(RATE, shared=RedisSlots(gone, "test-slots:gone", RATE))
    sent: list[float] = []
    with caplog.at_level(logging.WARNING):
        await send_many(sender, range(1, 11), sent)
    await gone.aclose()
    assert len(sent) == 10
    assert busiest_second(sent) <= RATE + 1
    assert "pacing this replica alone" in caplog.text
