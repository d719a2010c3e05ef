"""Several replicas on one database, in one process: each replica is its own set of services
with its own Replica id and its own sender, sharing only the database and the recording bot.
The same tests run on PostgreSQL (TEST_DATABASE=postgres), where the claims take row locks
with SKIP LOCKED.

tests/test_process_replicas.py does the same with real processes and a fake Telegram."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import CopyMessage, SendDocument, SendMessage
from sqlalchemy import func, insert, select

from bot.services.certificates.issue import CertificateService
from bot.services.delivery.broadcasts import BroadcastService, Progress
from bot.services.delivery.pacing import PacedSender
from bot.services.delivery.replicas import Replica
from bot.services.reminders.runner import ReminderService
from db.audiences import Audience
from db.models import (
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
    EventRow,
    Registration,
    User,
)
from db.models import Replica as ReplicaRow
from tests.harness import ORGANIZER_ID, BotHarness, make_event
from tests.servers import participant_rows

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
PEOPLE = range(50_001, 50_121)  # 120 participants


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, reminders=["1d"], require_attendance=False)]


async def seed(harness: BotHarness) -> int:
    now = START - timedelta(days=10)
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        assert event_id is not None
        users, registrations = participant_rows(event_id, list(PEOPLE), now)
        await session.execute(insert(User), users)
        await session.execute(insert(Registration), registrations)
        await session.commit()
    return event_id


def replica(harness: BotHarness, **kw: Any) -> Replica:
    return Replica(harness.session_factory, **kw)


def sender() -> PacedSender:
    # Fast, but not instantaneous: both replicas are sending at the same time.
    return PacedSender(rate=400, private_interval=0, group_interval=0)


def reminder_service(harness: BotHarness, replica: Replica) -> ReminderService:
    return ReminderService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=sender(),
        workers=4,
        replica=replica,
    )


def sent_to(harness: BotHarness, kind: type) -> Counter[int]:
    return Counter(
        int(s.method.chat_id) for s in harness.session.sent if isinstance(s.method, kind)
    )


async def claimed_by(harness: BotHarness) -> Counter[str | None]:
    async with harness.session_factory() as session:
        rows = await session.execute(
            select(Delivery.claimed_by, func.count())
            .where(Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.claimed_by)
        )
        shares: Counter[str | None] = Counter()
        for replica_id, count in rows.all():
            shares[replica_id] = count
        return shares


async def test_two_replicas_share_a_reminder_wave_exactly_once(harness: BotHarness) -> None:
    await seed(harness)
    first, second = replica(harness), replica(harness)
    harness.clock.set(START - timedelta(days=1))
    await asyncio.gather(
        reminder_service(harness, first).run_due(), reminder_service(harness, second).run_due()
    )
    assert sent_to(harness, SendMessage) == dict.fromkeys(PEOPLE, 1)
    shares = await claimed_by(harness)
    assert set(shares) == {first.id, second.id}, shares  # both took part
    assert sum(shares.values()) == len(PEOPLE)


async def test_claims_of_a_live_replica_wait_those_of_a_gone_one_are_taken_over(
    harness: BotHarness,
) -> None:
    event_id = await seed(harness)
    wall = [datetime.now(UTC)]
    killed = replica(harness, timeout=30, now=lambda: wall[0])
    await killed.beat()
    async with harness.session_factory() as session:
        first_ten = (
            await session.scalars(select(Registration.id).order_by(Registration.id).limit(10))
        ).all()
        await session.execute(
            insert(Delivery),
            [
                {
                    "registration_id": rid,
                    "event_id": event_id,
                    "kind": "before-86400",
                    "status": DeliveryStatus.CLAIMED,
                    "created_at": START,
                    "claimed_by": killed.id,
                }
                for rid in first_ten
            ],
        )
        await session.commit()
    survivor = replica(harness, timeout=30, now=lambda: wall[0])
    service = reminder_service(harness, survivor)
    harness.clock.set(START - timedelta(days=1))

    await service.run_due()  # the other replica beat a moment ago: its ten are its own
    assert sum(sent_to(harness, SendMessage).values()) == len(PEOPLE) - 10

    wall[0] += timedelta(seconds=31)  # no beat for longer than the timeout
    await service.run_due()
    assert sent_to(harness, SendMessage) == dict.fromkeys(PEOPLE, 1)


async def test_a_stopping_replica_gives_its_claims_back(harness: BotHarness) -> None:
    await seed(harness)
    harness.clock.set(START - timedelta(days=1))
    stopping = reminder_service(harness, replica(harness))
    copies = 0

    def stop_after_five(method: object) -> None:
        nonlocal copies
        if isinstance(method, SendMessage):
            copies += 1
            if copies == 5:
                asyncio.get_running_loop().create_task(stopping.stop())

    harness.session.on_request = stop_after_five
    await stopping.run_due()
    harness.session.on_request = None
    await asyncio.sleep(0.05)  # stop() gives the claims back after the wave's tasks ended
    async with harness.session_factory() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == DeliveryStatus.CLAIMED)
        )
    assert left == 0
    # The next replica (or the next start) does not wait for any timeout.
    await reminder_service(harness, replica(harness)).run_due()
    assert sent_to(harness, SendMessage) == dict.fromkeys(PEOPLE, 1)


def broadcast_service(harness: BotHarness, replica: Replica) -> BroadcastService:
    return BroadcastService(
        bot=harness.bot,
        session_factory=harness.session_factory,
        clock=harness.clock,
        sender=sender(),
        workers=4,
        replica=replica,
    )


async def two_replicas_and_a_broadcast(
    harness: BotHarness,
) -> tuple[BroadcastService, BroadcastService, int, list[Progress]]:
    """Two replicas' broadcast services and a stored broadcast to everyone; the final
    reports either of them sends are collected in the list."""
    event_id = await seed(harness)
    first = broadcast_service(harness, replica(harness))
    second = broadcast_service(harness, replica(harness))
    reports: list[Progress] = []

    async def on_progress(_: Broadcast, progress: Progress) -> None:
        if progress.done:
            reports.append(progress)

    first.on_progress = second.on_progress = on_progress
    broadcast = await first.create(
        event_id=event_id,
        author_id=ORGANIZER_ID,
        audience=Audience.ALL,
        source_chat_id=ORGANIZER_ID,
        source_message_id=7,
    )
    return first, second, broadcast.id, reports


async def test_two_replicas_send_one_broadcast_and_one_report(harness: BotHarness) -> None:
    first, second, broadcast_id, reports = await two_replicas_and_a_broadcast(harness)
    await asyncio.gather(first.run(broadcast_id), second.run(broadcast_id))
    assert sent_to(harness, CopyMessage) == dict.fromkeys(PEOPLE, 1)
    [report] = reports
    assert report.sent == len(PEOPLE) and not report.cancelled
    async with harness.session_factory() as session:
        stored = await session.get(Broadcast, broadcast_id)
    assert stored is not None and stored.status == BroadcastStatus.DONE


async def test_stop_pressed_on_one_replica_stops_the_other(harness: BotHarness) -> None:
    sending, organizer_side, broadcast_id, reports = await two_replicas_and_a_broadcast(harness)
    sending.progress_every = 0.01  # notices a Stop in the database this often
    sending.sender = PacedSender(rate=200, private_interval=0, group_interval=0)
    task = sending.start(broadcast_id)
    await asyncio.sleep(0.1)
    await organizer_side.cancel(broadcast_id)
    await asyncio.wait_for(task, 5)
    await asyncio.gather(*organizer_side._running.values())
    copies = sum(sent_to(harness, CopyMessage).values())
    assert 0 < copies < len(PEOPLE)
    [report] = reports
    assert report.cancelled and report.sent == copies


async def test_two_replicas_issue_and_send_each_certificate_once(harness: BotHarness) -> None:
    await seed(harness)
    event = harness.catalog.get("victory-2025")
    assert event is not None

    async def render(*_: object) -> bytes:
        await asyncio.sleep(0)
        return b"%PDF-1.4 test"

    def service(r: Replica) -> CertificateService:
        return CertificateService(
            bot=harness.bot,
            session_factory=harness.session_factory,
            catalog=harness.catalog,
            clock=harness.clock,
            sender=sender(),
            render=render,
            i18n=harness.i18n,
            replica=r,
        )

    first, second = service(replica(harness)), service(replica(harness))
    harness.clock.set(START + timedelta(days=1))
    issued = await asyncio.gather(first.issue_missing(event), second.issue_missing(event))
    assert sorted(issued) == [0, len(PEOPLE)]
    await asyncio.gather(first.deliver_pending(event), second.deliver_pending(event))
    assert sent_to(harness, SendDocument) == dict.fromkeys(PEOPLE, 1)


async def test_a_replica_beats_and_retires(harness: BotHarness) -> None:
    wall = [datetime.now(UTC)]
    long_gone = replica(harness, now=lambda: wall[0] - timedelta(days=2))
    await long_gone.beat()
    r = replica(harness, now=lambda: wall[0])
    await r.beat()
    wall[0] += timedelta(seconds=5)
    await r.beat()
    async with harness.session_factory() as session:
        row = await session.get(ReplicaRow, r.id)
        assert row is not None and row.seen_at == wall[0] and row.started_at < row.seen_at
        # A replica gone for more than a day is forgotten by the beat of another.
        assert await session.get(ReplicaRow, long_gone.id) is None
    await r.retire()
    async with harness.session_factory() as session:
        assert await session.get(ReplicaRow, r.id) is None


async def claim_for(harness: BotHarness, event_id: int, owner: Replica, rows: slice) -> None:
    """Deliveries of the 1-day reminder claimed by `owner` and not sent, as a replica killed in
    the middle of a wave leaves them."""
    async with harness.session_factory() as session:
        registrations = (
            await session.scalars(select(Registration.id).order_by(Registration.id))
        ).all()[rows]
        await session.execute(
            insert(Delivery),
            [
                {
                    "registration_id": rid,
                    "event_id": event_id,
                    "kind": "before-86400",
                    "status": DeliveryStatus.CLAIMED,
                    "created_at": START,
                    "claimed_by": owner.id,
                }
                for rid in registrations
            ],
        )
        await session.commit()


UNIT_A = "host-1/victory-bot-webhook@8081.service"
UNIT_B = "host-1/victory-bot-webhook@8082.service"


async def test_a_restarted_replica_takes_back_its_previous_lifes_claims_at_once(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = await seed(harness)
    killed = replica(harness, timeout=30, name=UNIT_A)
    other = replica(harness, timeout=30, name=UNIT_B)
    for r in (killed, other):
        await r.beat()
    await claim_for(harness, event_id, killed, slice(0, 10))
    await claim_for(harness, event_id, other, slice(10, 20))
    # Neither beat is older than the timeout: without a name nothing is certainly dead.
    assert await replica(harness).take_over_previous_lives(only_process=False) == 0

    restarted = replica(harness, timeout=30, name=UNIT_A)
    assert await restarted.take_over_previous_lives(only_process=False) == 1
    harness.clock.set(START - timedelta(days=1))
    await reminder_service(harness, restarted).run_due()
    # At once: the ten of its previous life; the ten of the other unit, alive, stay its own.
    got = sent_to(harness, SendMessage)
    assert set(got) == set(PEOPLE) - set(PEOPLE[10:20]) and max(got.values()) == 1

    # Had the "killed" one been alive after all (REPLICA_NAME shared by two running
    # processes), it says so at its next beat.
    await killed.beat()
    assert "share REPLICA_NAME" in caplog.text


async def test_on_sqlite_every_earlier_replica_is_a_previous_life(harness: BotHarness) -> None:
    event_id = await seed(harness)
    killed = replica(harness, timeout=30)
    await killed.beat()
    await claim_for(harness, event_id, killed, slice(0, 10))
    restarted = replica(harness, timeout=30)
    assert await restarted.take_over_previous_lives(only_process=True) == 1
    harness.clock.set(START - timedelta(days=1))
    await reminder_service(harness, restarted).run_due()
    assert sent_to(harness, SendMessage) == dict.fromkeys(PEOPLE, 1)
