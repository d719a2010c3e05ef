"""Durations written as "1d", "1h", "10m", "30s" or combined ("1h30m")."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(f"{text!r} is not a duration like '1d', '1h', '10m', '30s' or '1h30m'")
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta():
        raise ValueError(f"{text!r} must be longer than zero")
    return total


def duration_parts(delta: timedelta) -> list[tuple[str, int]]:
    """The non-zero units of a duration, largest first: [("days", 1), ("hours", 6)]. Messages
    to people name each unit in words (bot/i18n keys `duration-days`...)."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append((unit, amount))
    return parts


def format_duration(delta: timedelta) -> str:
    """The inverse of parse_duration, for messages to operators ("1d", "1h30m")."""
    seconds = int(delta.total_seconds())
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            out.append(f"{amount}{unit}")
    return "".join(out) or "0s"
