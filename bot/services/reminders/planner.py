"""Reminder planning: which messages an event sends, when, and to whom. Pure functions of the
event, the clock and counts; delivery is in bot/services/reminders/runner.py.

Slots: one per reminder offset ("before-3600" one hour before the start) and "start". The last
slot before the start and the "start" slot carry the meeting link. At any moment the slot to
deliver is the latest one whose wave has begun: after downtime, older reminders are superseded
by newer ones, never sent late in a pile.

One planner for every channel: a wave must end by the due time on each channel (Telegram, e-mail),
so it begins as early as the slowest of them needs (the most recipients against its rate)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.events.catalog import Event

START = "start"
BEFORE_PREFIX = "before-"
LINK_PREFIX = "link-"


@dataclass(frozen=True)
class Slot:
    kind: str
    due_at: datetime
    offset: timedelta  # before the start; zero for the "start" slot
    carries_link: bool


def slot_kind(offset: timedelta) -> str:
    return f"{BEFORE_PREFIX}{int(offset.total_seconds())}"


def slots_for(event: Event) -> list[Slot]:
    """The event's slots in time order."""
    offsets = sorted({o for o in event.reminders if o > timedelta()}, reverse=True)
    slots = [
        Slot(slot_kind(o), event.starts_at - o, o, carries_link=(i == len(offsets) - 1))
        for i, o in enumerate(offsets)
    ]
    slots.append(Slot(START, event.starts_at, timedelta(), carries_link=True))
    return slots


def link_release_at(event: Event) -> datetime | None:
    """When participants may have the link; None means right from registration."""
    if event.show_link_from_registration:
        return None
    return min(s.due_at for s in slots_for(event) if s.carries_link)


def link_released(event: Event, now: datetime) -> bool:
    release = link_release_at(event)
    return release is None or now >= release


def wave_lead(recipients: int, rate: float) -> timedelta:
    """How early a wave must begin so that its last message leaves by the due time."""
    if recipients <= 0:
        return timedelta()
    # Margins measured by bench/reminder_wave.py: the pace runs about 1% slow under load, and a
    # wave spends a few hundred milliseconds on its queries before and between batches.
    seconds = (recipients + 1) / rate * 1.01 + 0.5
    return timedelta(seconds=math.ceil(seconds * 10) / 10)


def wave_start(slot: Slot, recipients: int, rate: float) -> datetime:
    return slot.due_at - wave_lead(recipients, rate)


# One channel's load: the recipients still waiting per slot kind, and its rate (messages a second).
Load = tuple[Mapping[str, int], float]


def channels_start(slot: Slot, loads: Sequence[Load]) -> datetime:
    """When the slot's wave begins: the earliest that any channel needs."""
    return min(wave_start(slot, pending.get(slot.kind, 0), rate) for pending, rate in loads)


def current_slot(
    event: Event, now: datetime, pending: Mapping[str, int], rate: float, *more: Load
) -> Slot | None:
    """The slot to deliver now: the latest whose wave has begun, while the event runs.

    `pending` maps slot kind to the number of recipients still waiting for it at `rate` (it
    decides how early each wave begins); `more`: the other channels' (pending, rate)."""
    if now >= event.ends_at:
        return None
    loads = ((pending, rate), *more)
    begun = [s for s in slots_for(event) if channels_start(s, loads) <= now]
    return begun[-1] if begun else None


def next_wave_at(
    event: Event, now: datetime, pending: Mapping[str, int], rate: float, *more: Load
) -> datetime | None:
    """When the next slot's wave begins, for the scheduler; None when nothing is left."""
    if now >= event.ends_at:
        return None
    loads = ((pending, rate), *more)
    later = [start for s in slots_for(event) if (start := channels_start(s, loads)) > now]
    return min(later) if later else None


def link_kind(link: str) -> str:
    """Ledger kind of the message that brings a (new) link to those who had an old one."""
    return LINK_PREFIX + hashlib.sha256(link.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Countdown:
    days: int
    hours: int
    minutes: int


def countdown(delta: timedelta) -> Countdown:
    """Time left in words-sized pieces: "1 day 3 hours", "1 hour 5 minutes", "10 minutes".

    Rounded to the minute; a wave that begins early says "12 minutes", which is true."""
    minutes = max(1, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        # Nobody needs minutes a day ahead; round to the hour instead.
        hours += 1 if minutes >= 30 else 0
        if hours == 24:
            days, hours = days + 1, 0
        return Countdown(days, hours, 0)
    return Countdown(0, hours, minutes)
