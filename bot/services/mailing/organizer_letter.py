"""The letter of an organizer's change from the /find card (bot/services/organizers/notices.py
queues it, kinds `cancelled-<n>`, `restored-<n>`, `venue-<n>`): the words of the bot's message,
with what only a letter needs (the organizers' contacts instead of /contacts), to a confirmed
address. Built at sending time, and only the latest of a registration's letters still waiting
goes, if it still holds: after a mail outage, "cancelled" then "restored" sends "restored"
alone, and a registration the person restored themselves on the personal page meanwhile gets
no "cancelled"."""

from __future__ import annotations

from html import escape

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messages import attends_offline, venue_block, when_text
from bot.services.events.catalog import Event, EventState
from bot.services.mailing.letters import Addressee, Letter, _letter, _plain_title, _title
from db.models import Delivery, DeliveryChannel, Registration, RegistrationStatus

# The ledger's kinds: `<prefix><n>`.
CANCELLED = "cancelled-"
RESTORED = "restored-"
VENUE = "venue-"
PREFIXES = (CANCELLED, RESTORED, VENUE)
_CONTACTS = ("email", "phone", "telegram", "whatsapp", "wechat", "website")


def prefix_of(kind: str) -> str | None:
    """The change a ledger kind tells of (one of PREFIXES), or None."""
    for prefix in PREFIXES:
        if kind.startswith(prefix) and kind.removeprefix(prefix).isdigit():
            return prefix
    return None


def is_organizer_kind(kind: str) -> bool:
    return prefix_of(kind) is not None


def venue_text(t: Translator, event: Event, row: Registration) -> str:
    """The venue change as the person reads it (in Telegram and in the letter): where they come
    now (the venue, or its waiting list), or that they take part online."""
    head = t("find-notice-venue", event=escape(event.title.get(t.lang)))
    if attends_offline(event, row.participation_format) and event.venue_by_id(row.venue_id):
        place = venue_block(t, event, row.venue_id, waiting=row.venue_waiting_since is not None)
    else:
        place = t("find-notice-venue-online")
    return f"{head}\n{place}"


def contacts_text(t: Translator, event: Event) -> str:
    """The organizers' contacts, as /contacts lists them ("" when there are none)."""
    lines = [
        t(f"contacts-{name}", value=escape(value))
        for name in _CONTACTS
        if (value := getattr(event.contacts, name))
    ]
    return "\n".join([t("mail-org-contacts"), *lines]) if lines else ""


async def later_change(session: AsyncSession, registration_id: int, kind: str) -> bool:
    """Another organizer's change was queued for the registration after the one of `kind`."""
    mine = select(Delivery.id).where(
        Delivery.registration_id == registration_id,
        Delivery.channel == DeliveryChannel.EMAIL,
        Delivery.kind == kind,
    )
    later = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.registration_id == registration_id,
            Delivery.channel == DeliveryChannel.EMAIL,
            or_(*(Delivery.kind.startswith(p) for p in PREFIXES)),
            Delivery.id > mine.scalar_subquery(),
        )
        .limit(1)
    )
    return later is not None


async def organizer_letter_for(
    session: AsyncSession,
    kind: str,
    registration: Registration,
    event: Event,
    t: Translator,
    to: Addressee,
    state: EventState,
) -> tuple[Letter | None, str]:
    """The letter, or None and why it is no longer wanted."""
    if registration.email_confirmed_at is None:
        return None, "unconfirmed"
    if await later_change(session, registration.id, kind):
        return None, "superseded"
    prefix = prefix_of(kind)
    status = registration.status
    title, plain = _title(t, event), _plain_title(t, event)
    if prefix == CANCELLED:
        if status != RegistrationStatus.CANCELLED:
            return None, "superseded"  # restored meanwhile
        parts = [t("mail-org-cancelled-text", event=title), contacts_text(t, event)]
        return _letter(t, event, t("mail-org-cancelled-subject", event=plain), parts, to), ""
    if status != RegistrationStatus.ACTIVE:
        return None, "superseded"  # cancelled meanwhile
    if state is EventState.OVER:
        return None, "over"
    if prefix == RESTORED:
        parts = [t("mail-org-restored-text", event=title), when_text(t, event.starts_at)]
        return _letter(t, event, t("mail-org-restored-subject", event=plain), parts, to), ""
    if prefix == VENUE:
        parts = [venue_text(t, event, registration)]
        return _letter(t, event, t("mail-org-venue-subject", event=plain), parts, to), ""
    return None, "unknown kind"
