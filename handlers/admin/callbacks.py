"""Callback data of organizer buttons. All prefixes start with "a": a forged or stale one from
a non-organizer is recognised and refused politely."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

ADMIN_PREFIX = "a"


class AdminMenuCb(CallbackData, prefix="am"):
    action: str


class AdminEventCb(CallbackData, prefix="ae"):
    """An event chosen for an organizer action (stats, export, broadcast, settings...)."""

    action: str
    slug: str
