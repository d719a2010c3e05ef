"""Two bot processes (replicas) on one PostgreSQL database and one Redis, against the fake
Telegram: a reminder wave and a broadcast are due at once. While both run, every person gets
each message from one of them only, and together they keep SEND_RATE. Then one is killed with
SIGKILL: the other takes over what it had claimed and finishes; only what was in flight at the
kill can arrive twice, and exactly one report reaches the organizer.

About 25 s on a 2-core machine: two interpreter start-ups and 300 messages at 30 per second."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select

from bot.clock import SystemClock
from bot.i18n import I18n
from bot.services.events.catalog import load_events
from bot.services.registration.registrations import sync_events
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    EventRow,
    Registration,
    User,
)
from tests.fake_telegram import Call, FakeTelegram
from tests.servers import (
    REDIS_URL,
    needs_postgres,
    needs_redis,
    participant_rows,
    scratch_postgres,
)
from tests.test_process import STARTUP_TIMEOUT, bot_process
from tests.test_process_reminders import SLUG, assert_clean, events_toml, wait_for_count

pytestmark = [needs_postgres, needs_redis]

ORGANIZER = 1001
PEOPLE = list(range(30_001, 30_151))  # 150 people: a reminder and a copy each
RATE = 30
# Claimed at once by a replica: what a killed one can hold (see ReminderService.claim_size).
CLAIM_SIZE = 2 * RATE


async def seed(url: str, events_file: Path, now: datetime) -> int:
    """Schema, event, the organizer and the participants, and a stored broadcast to all of
    them (as the /broadcast dialogue leaves it); returns the broadcast's id."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, load_events(events_file), SystemClock())
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
            assert event_id is not None
            users, registrations = participant_rows(event_id, [ORGANIZER, *PEOPLE], now)
            await session.execute(insert(User), users)
            await session.execute(insert(Registration), registrations[1:])
            broadcast = Broadcast(
                event_id=event_id,
                author_id=ORGANIZER,
                audience="all",
                source_chat_id=ORGANIZER,
                source_message_id=5,
                status=BroadcastStatus.SENDING,
                total=len(PEOPLE),
                created_at=now,
            )
            session.add(broadcast)
            await session.flush()
            session.add_all(
                BroadcastRecipient(broadcast_id=broadcast.id, user_id=uid) for uid in PEOPLE
            )
            await session.commit()
            return broadcast.id
    finally:
        await engine.dispose()


async def recorded_as_sent(url: str) -> tuple[set[int], set[int]]:
    """Who the database says got the reminder, and the copy."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        reminded = await connection.fetch(
            "SELECT r.user_id FROM deliveries d JOIN registrations r ON r.id = d.registration_id"
            " WHERE d.status = 'sent'"
        )
        copied = await connection.fetch(
            "SELECT user_id FROM broadcast_recipients WHERE status = 'sent'"
        )
        return {r["user_id"] for r in reminded}, {r["user_id"] for r in copied}
    finally:
        await connection.close()


def busiest(calls: list[Call], seconds: float) -> int:
    """The most messages in any window of `seconds`, by when they reached the fake."""
    times = sorted(c.arrived for c in calls)
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


@contextlib.asynccontextmanager
async def loop_lag(every: float = 0.01) -> AsyncIterator[list[float]]:
    """How late this process's event loop woke up, sampled while the block runs. The fake
    Telegram lives in this loop: a request arriving while the loop is late is stamped that much
    late, together with the ones that arrive after it."""
    lags: list[float] = []

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(every)
            lags.append(loop.time() - start - every)

    task = asyncio.create_task(watch())
    try:
        yield lags
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rate_bound(seconds: float, stamp_delay: float) -> int:
    """What the pace guarantees in any window of `seconds`, as the fake sees it.

    The replicas take their slots from one grid 1/RATE apart (Redis), and a request leaves
    within one interval after its slot (a slot woken later than that is dropped for a fresh
    one: bot/services/delivery/pacing.py): at most RATE * seconds + 2 requests leave in any
    window. Each replica may still write one request late after its slot, if its loop stalls
    between the slot and the write (+1 each). The fake stamps a request when its own loop gets
    to it: requests that left within `stamp_delay` (the fake's worst lateness) of each other can
    bear one stamp, which widens the window by that much."""
    return math.floor(RATE * (seconds + stamp_delay)) + 2 + 2


async def test_two_replicas_share_the_work_and_one_finishes_it_alone(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # Started half a minute ago: the "start" message is due for everyone right away.
    starts = now - timedelta(seconds=30)
    events_file = tmp_path / "events.toml"
    events_file.write_text(
        events_toml(
            starts=starts,
            ends=starts + timedelta(hours=2),
            deadline=starts - timedelta(minutes=5),
            reminders=["1h"],
        ),
        encoding="utf-8",
    )
    people = set(PEOPLE)

    def to_people(call: Call) -> bool:
        return call.method in ("sendMessage", "copyMessage") and call.chat_id in people

    async with scratch_postgres() as url:
        await seed(url, events_file, now - timedelta(minutes=10))
        settings = {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SEND_RATE": str(RATE),
            "REMINDER_CHECK_SECONDS": "2",
            "REPLICA_TIMEOUT": "3",
            "ADMIN_IDS": str(ORGANIZER),
        }
        # Distinct tokens (same bot id) tell the two replicas' requests apart at the fake.
        token_a, token_b = "4242:TEST-replica-a", "4242:TEST-replica-b"
        async with FakeTelegram() as tg, loop_lag() as lags:
            async with (
                bot_process(tmp_path, tg, "bot-a.log", BOT_TOKEN=token_a, **settings) as a,
                bot_process(tmp_path, tg, "bot-b.log", BOT_TOKEN=token_b, **settings) as b,
            ):
                await wait_for_count(
                    tg,
                    a,
                    to_people,
                    len(PEOPLE) * 2 // 3,
                    timeout=STARTUP_TIMEOUT + 15,
                    description="a third of the messages",
                )
                await a.kill()
                killed_at = max(c.at for c in tg.calls if c.token == token_a)
                reminded_at_kill, copied_at_kill = await recorded_as_sent(url)
                report = I18n()("ru")("admin-report")
                await b.until(
                    tg.wait_for_message(
                        ORGANIZER,
                        lambda c: report in c.text,
                        timeout=60,
                        description="the broadcast's report",
                    )
                )
                assert await b.terminate() == 0
                log_a, log_b = a.log, b.log
            reminders = [c for c in tg.calls if to_people(c) and c.method == "sendMessage"]
            copies = [c for c in tg.calls if to_people(c) and c.method == "copyMessage"]
            reports = [c for c in tg.calls if c.chat_id == ORGANIZER and report in c.text]

    def from_a(calls: list[Call]) -> set[int]:
        return {int(c.chat_id or 0) for c in calls if c.token == token_a}

    per_reminder = Counter(c.chat_id for c in reminders)
    per_copy = Counter(c.chat_id for c in copies)
    before_kill = [c for c in reminders + copies if c.at <= killed_at]
    in_flight = (from_a(reminders) - reminded_at_kill) | (from_a(copies) - copied_at_kill)
    twice = {u for u, n in per_reminder.items() if n > 1} | {
        u for u, n in per_copy.items() if n > 1
    }
    print(
        f"before the kill: A {sum(c.token == token_a for c in before_kill)}, "
        f"B {sum(c.token == token_b for c in before_kill)} messages; after: "
        f"B {sum(c.at > killed_at for c in reminders + copies)}; in flight at the kill: "
        f"{len(in_flight)}; duplicates: {sorted(twice)}; busiest second: "
        f"{busiest(reminders + copies, 1)}, busiest two: {busiest(reminders + copies, 2)} "
        f"(rate {RATE}; the fake's loop was up to {max(lags):.3f} s late: bound for two "
        f"seconds {rate_bound(2, max(lags))})"
    )
    try:
        # Both replicas were working, and nobody got a message twice while both ran.
        assert {c.token for c in before_kill} == {token_a, token_b}
        assert (
            max(Counter(c.chat_id for c in before_kill if c.method == "sendMessage").values()) == 1
        )
        assert (
            max(Counter(c.chat_id for c in before_kill if c.method == "copyMessage").values()) == 1
        )
        # Everybody got both in the end; only what A had in flight at the kill came twice.
        assert set(per_reminder) == people and set(per_copy) == people
        assert twice <= in_flight and len(in_flight) <= 2 * CLAIM_SIZE
        # Together, within the rate (alone, each would send RATE per second), as far as the
        # pace guarantees it and the fake can see it (see rate_bound).
        assert busiest(reminders + copies, 2) <= rate_bound(2, max(lags))
        # One report, by the survivor, counting every copy.
        [only_report] = reports
        assert only_report.token == token_b
        assert_clean(log_a)
        assert_clean(log_b)
    except AssertionError:
        print("---- replica A ----\n" + log_a + "\n---- replica B ----\n" + log_b)
        raise
