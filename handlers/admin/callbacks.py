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


class AdminAudienceCb(CallbackData, prefix="aa"):
    audience: str


class AdminConfirmCb(CallbackData, prefix="ac"):
    """Confirm or cancel what the organizer prepared (a broadcast, a new link)."""

    what: str
    yes: bool


class AdminSkipCb(CallbackData, prefix="ak"):
    """Skip an optional step (meeting ID, passcode)."""

    step: str


class AdminFieldCb(CallbackData, prefix="af"):
    """Change one of an event's times."""

    slug: str
    field: str


class AdminSpeakerCb(CallbackData, prefix="as"):
    registration_id: int
    decision: str  # approve | decline | skip


class AdminStopCb(CallbackData, prefix="ax"):
    """Stop a running broadcast."""

    broadcast_id: int


class AdminCertCb(CallbackData, prefix="acert"):
    """Certificates of an event: preview | send | fix (correct a name)."""

    action: str
    slug: str


class AdminMessagePersonCb(CallbackData, prefix="apm"):
    """ "Send this person a message" on a /find card: a broadcast to one registration."""

    registration_id: int
