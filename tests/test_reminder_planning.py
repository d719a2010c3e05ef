"""Reminder planning as pure functions, with the clock in the test's hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.reminders.planner import (
    START,
    Countdown,
    countdown,
    current_slot,
    link_kind,
    link_release_at,
    link_released,
    next_wave_at,
    slots_for,
    wave_lead,
    wave_start,
)
from tests.harness import catalog_of, make_event

START_AT = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)


def event(**kw: object):  # type: ignore[no-untyped-def]
    [e] = catalog_of(make_event(starts_at=START_AT, **kw))
    return e


def test_slots_follow_the_offsets_and_the_link_goes_in_the_last_two() -> None:
    slots = slots_for(event())
    assert [s.kind for s in slots] == ["before-86400", "before-3600", "before-600", START]
    assert [s.due_at for s in slots] == [
        START_AT - timedelta(days=1),
        START_AT - timedelta(hours=1),
        START_AT - timedelta(minutes=10),
        START_AT,
    ]
    assert [s.carries_link for s in slots] == [False, False, True, True]


def test_offsets_in_seconds_and_unsorted_duplicates() -> None:
    slots = slots_for(event(reminders=["15s", "30s", "30s"]))
    assert [s.kind for s in slots] == ["before-30", "before-15", START]


def test_no_reminders_means_only_the_start_message() -> None:
    slots = slots_for(event(reminders=[]))
    assert [(s.kind, s.carries_link) for s in slots] == [(START, True)]


def test_link_release() -> None:
    e = event()
    assert link_release_at(e) == START_AT - timedelta(minutes=10)
    assert not link_released(e, START_AT - timedelta(minutes=11))
    assert link_released(e, START_AT - timedelta(minutes=10))
    early = event(show_link_from_registration=True)
    assert link_release_at(early) is None and link_released(early, START_AT - timedelta(days=30))


def test_wave_starts_early_enough_to_finish_on_time() -> None:
    # 5,000 messages at 25/s take 200 s: the wave begins that much (and a margin) before.
    assert timedelta(seconds=200) < wave_lead(5000, 25) <= timedelta(seconds=203)
    assert wave_lead(0, 25) == timedelta()
    [ten_min] = [s for s in slots_for(event()) if s.kind == "before-600"]
    assert wave_start(ten_min, 5000, 25) <= ten_min.due_at - timedelta(seconds=200)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START_AT - timedelta(days=2), None),
        (START_AT - timedelta(hours=23), "before-86400"),
        # Down from 1 day before until 30 minutes before: only the 1 hour reminder goes.
        (START_AT - timedelta(minutes=30), "before-3600"),
        (START_AT - timedelta(minutes=5), "before-600"),
        # Down through the start: "we are starting" (with the link) while the event runs.
        (START_AT + timedelta(hours=1), START),
        (START_AT + timedelta(hours=3), None),  # over: nothing at all
    ],
)
def test_catch_up_sends_only_the_latest_due(now: datetime, expected: str | None) -> None:
    slot = current_slot(event(), now, {}, rate=25)
    assert (slot.kind if slot else None) == expected


def test_a_big_wave_takes_over_early() -> None:
    e = event()
    # 100 recipients at 1 msg/s: the 10-minute wave begins wave_lead (> 100 s) before.
    pending = {"before-600": 100}
    lead = wave_lead(100, 1)
    assert lead > timedelta(seconds=100)
    begins = START_AT - timedelta(minutes=10) - lead
    slot = current_slot(e, begins - timedelta(seconds=1), pending, rate=1)
    assert slot is not None and slot.kind == "before-3600"
    slot = current_slot(e, begins, pending, rate=1)
    assert slot is not None and slot.kind == "before-600"
    assert next_wave_at(e, begins - timedelta(seconds=1), pending, rate=1) == begins


def test_next_wave_after_the_last_is_none() -> None:
    e = event()
    assert next_wave_at(e, START_AT + timedelta(minutes=1), {}, rate=25) is None
    assert next_wave_at(e, START_AT - timedelta(days=3), {}, rate=25) == START_AT - timedelta(
        days=1
    )


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=1), Countdown(1, 0, 0)),
        (timedelta(days=1, hours=2, minutes=40), Countdown(1, 3, 0)),
        (timedelta(days=1, hours=23, minutes=50), Countdown(2, 0, 0)),
        (timedelta(hours=1), Countdown(0, 1, 0)),
        (timedelta(hours=1, minutes=3, seconds=20), Countdown(0, 1, 3)),
        (timedelta(minutes=10, seconds=40), Countdown(0, 0, 11)),
        (timedelta(seconds=5), Countdown(0, 0, 1)),
    ],
)
def test_countdown(delta: timedelta, expected: Countdown) -> None:
    assert countdown(delta) == expected


def test_link_kinds_differ_per_link() -> None:
    assert link_kind("https://voov.com/a") != link_kind("https://voov.com/b")
    assert link_kind("https://voov.com/a") == link_kind("https://voov.com/a")
    assert len(link_kind("https://voov.com/" + "x" * 500)) <= 32  # fits the ledger column
