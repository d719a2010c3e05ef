"""The web page's registrations written many to a transaction (WebRegistrations, the group
commit behind `POST /e/<slug>`): the same rule as one at a time (one active registration per
address and event, the later of two forms refused), an answer of its own for each form when
the database refuses a batch, nothing lost when the writer fails or a request goes away. On
SQLite, and on PostgreSQL with TEST_DATABASE=postgres."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.clock import FrozenClock
from bot.services.registration import registrations
from bot.services.registration.form import CONSENT_VERSION, Field
from bot.services.registration.registrations import (
    Channel,
    EmailTaken,
    RegistrationClosed,
    RegistrationService,
    UnknownEvent,
    UserRegistration,
    WebRegistrations,
)
from db.models import Registration, RegistrationSource, RegistrationStatus
from tests.conftest import BEFORE_EVENT
from tests.harness import BotHarness, make_event

SLUG = "victory-2025"


@pytest.fixture
def events() -> list[dict]:
    return [make_event(SLUG, deadline=BEFORE_EVENT + timedelta(days=1))]


@pytest.fixture
def writer(harness: BotHarness) -> WebRegistrations:
    return WebRegistrations(harness.session_factory, harness.catalog, harness.clock)


def answers(email: str, name: str = "Ли Вэй") -> dict[str, Any]:
    return {
        Field.FULL_NAME: name,
        Field.COUNTRY: "CN",
        Field.CITY: "Харбин",
        Field.ORGANIZATION: "Школа № 1",
        Field.ROLE: "teacher",
        Field.FORMAT: "online",
        Field.WANTS_TO_SPEAK: False,
        Field.EMAIL: email,
        Field.PHONE: "",
        "consent_at": BEFORE_EVENT.isoformat(),
        "consent_version": CONSENT_VERSION,
    }


async def rows(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        return list(await session.scalars(select(Registration).order_by(Registration.id)))


@contextmanager
def counting_commits(harness: BotHarness) -> Iterator[list[int]]:
    commits: list[int] = []

    def count(_connection: Any) -> None:
        commits.append(1)

    event.listen(harness.engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(harness.engine.sync_engine, "commit", count)


async def test_forms_posted_together_are_written_in_a_few_transactions(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    """What the writer is for: 60 forms at once are not 60 commits."""
    await writer.register(SLUG, answers("first@example.cn"), "ru")  # the event's id, once
    with counting_commits(harness) as commits:
        done = await asyncio.gather(
            *(writer.register(SLUG, answers(f"p{i}@example.cn"), "zh") for i in range(60))
        )
    assert len(commits) <= 3, len(commits)
    assert len(await rows(harness)) == 61
    # Each form got its own registration and token, which opens its page.
    assert len({reg.access_token for reg in done}) == 60
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        for reg in done[::15]:
            assert reg.access_token is not None
            found = await service.registration_by_token(reg.access_token)
            assert found is not None and found.row.id == reg.row.id
    [stored] = [r for r in await rows(harness) if r.email == "p7@example.cn"]
    assert (stored.source, stored.status, stored.language) == (
        RegistrationSource.WEB,
        RegistrationStatus.ACTIVE,
        "zh",
    )
    assert stored.user_id is None and stored.email_key == "p7@example.cn"
    assert stored.consent_version == CONSENT_VERSION


async def test_one_address_twice_in_a_batch_makes_one_registration(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    await writer.register(SLUG, answers("first@example.cn"), "ru")  # the event's id, once
    outcomes = await asyncio.gather(
        writer.register(SLUG, answers("a@example.cn"), "ru"),
        writer.register(SLUG, answers("  Same@Example.cn"), "ru"),
        writer.register(SLUG, answers("b@example.cn"), "ru"),
        writer.register(SLUG, answers("same@example.cn "), "ru"),
        return_exceptions=True,
    )
    # The first of the two is written, the later one refused: as one after another.
    assert [type(o).__name__ for o in outcomes] == [
        "UserRegistration",
        "UserRegistration",
        "UserRegistration",
        "EmailTaken",
    ]
    assert sorted(r.email_key for r in await rows(harness)) == [
        "a@example.cn",
        "b@example.cn",
        "first@example.cn",
        "same@example.cn",
    ]


async def test_an_address_registered_in_telegram_or_on_the_page_before_is_refused(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        await service.register(SLUG, answers("chat@example.cn"), "ru", channel=Channel.bot(7))
    await writer.register(SLUG, answers("web@example.cn"), "ru")
    outcomes = await asyncio.gather(
        writer.register(SLUG, answers("CHAT@example.cn"), "ru"),
        writer.register(SLUG, answers("new@example.cn"), "ru"),
        writer.register(SLUG, answers("web@example.cn"), "ru"),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == ["EmailTaken", "UserRegistration", "EmailTaken"]
    assert len(await rows(harness)) == 3


async def test_a_cancelled_registration_leaves_its_address_free(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    first = await writer.register(SLUG, answers("again@example.cn"), "ru")
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.registration_by_token(first.access_token or "")
        assert reg is not None
        await service.cancel_registration(reg)
    second = await writer.register(SLUG, answers("again@example.cn"), "ru")
    assert second.row.id != first.row.id


async def test_a_batch_the_database_refuses_gets_an_answer_per_form(
    harness: BotHarness, writer: WebRegistrations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique address index refuses what the check does not see (a registration another
    replica committed after the check, say): the batch is written again one form at a time."""
    await writer.register(SLUG, answers("pending@example.cn"), "ru")
    async with harness.session_factory() as session:
        [row] = await session.scalars(select(Registration))
        row.status = RegistrationStatus.PENDING
        await session.commit()
    # The check misses the pending row (the index holds it): as if it came after the check.
    monkeypatch.setattr(
        registrations, "holds_address", lambda: Registration.status == RegistrationStatus.ACTIVE
    )
    with counting_commits(harness) as commits:
        outcomes = await asyncio.gather(
            writer.register(SLUG, answers("one@example.cn"), "ru"),
            writer.register(SLUG, answers("pending@example.cn"), "ru"),
            writer.register(SLUG, answers("two@example.cn"), "ru"),
            return_exceptions=True,
        )
    assert [type(o).__name__ for o in outcomes] == [
        "UserRegistration",
        "EmailTaken",
        "UserRegistration",
    ]
    assert len(commits) == 2  # the two forms written alone, after the batch failed
    assert sorted(r.email_key for r in await rows(harness) if r.status == "active") == [
        "one@example.cn",
        "two@example.cn",
    ]
    # The rows handed back are the ones stored.
    stored = {r.email_key: r.id for r in await rows(harness)}
    for outcome in outcomes:
        if isinstance(outcome, UserRegistration):
            assert stored[outcome.row.email_key] == outcome.row.id


async def test_a_failed_write_answers_every_form_and_the_next_ones_are_written(
    harness: BotHarness, writer: WebRegistrations, monkeypatch: pytest.MonkeyPatch
) -> None:
    await writer.register(SLUG, answers("before@example.cn"), "ru")
    transaction = writer._transaction
    failures = [OSError("the disk is gone")]

    async def failing(batch: Any) -> Any:
        if failures:
            raise failures.pop()
        return await transaction(batch)

    monkeypatch.setattr(writer, "_transaction", failing)
    outcomes = await asyncio.gather(
        *(writer.register(SLUG, answers(f"lost{i}@example.cn"), "ru") for i in range(3)),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == ["OSError"] * 3
    await writer.register(SLUG, answers("after@example.cn"), "ru")
    assert [r.email for r in await rows(harness)] == ["before@example.cn", "after@example.cn"]


async def test_a_request_that_went_away_does_not_stop_the_others(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    await writer.register(SLUG, answers("before@example.cn"), "ru")
    gone = asyncio.create_task(writer.register(SLUG, answers("gone@example.cn"), "ru"))
    stays = asyncio.create_task(writer.register(SLUG, answers("stays@example.cn"), "ru"))
    await asyncio.sleep(0)  # both are waiting for the writer
    gone.cancel()
    reg = await stays
    assert reg.row.email == "stays@example.cn"
    await writer.close()
    assert "stays@example.cn" in {r.email for r in await rows(harness)}


async def test_close_waits_for_the_forms_being_written(
    harness: BotHarness, writer: WebRegistrations
) -> None:
    await writer.register(SLUG, answers("before@example.cn"), "ru")
    waiting = [
        asyncio.create_task(writer.register(SLUG, answers(f"late{i}@example.cn"), "ru"))
        for i in range(5)
    ]
    await asyncio.sleep(0)  # all five are waiting for the writer
    await writer.close()
    assert len(await rows(harness)) == 6
    await asyncio.sleep(0)
    assert all(task.done() and task.exception() is None for task in waiting)


async def test_the_events_rules_come_first(
    harness: BotHarness, writer: WebRegistrations, clock: FrozenClock
) -> None:
    with pytest.raises(UnknownEvent):
        await writer.register("no-such-event", answers("x@example.cn"), "ru")
    clock.advance(timedelta(days=2))  # past the deadline
    with pytest.raises(RegistrationClosed):
        await writer.register(SLUG, answers("x@example.cn"), "ru")
    assert await rows(harness) == []


async def test_the_same_rule_as_one_at_a_time(harness: BotHarness) -> None:
    """`RegistrationService.register` refuses a web form with a taken address too (the writer's
    rule is the service's)."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        await service.register(SLUG, answers("one@example.cn"), "ru", channel=Channel.web())
    writer = WebRegistrations(harness.session_factory, harness.catalog, harness.clock)
    with pytest.raises(EmailTaken):
        await writer.register(SLUG, answers("ONE@example.cn"), "ru")
