"""What a participant is told of an organizer's change from the /find card (the registration
cancelled or restored, the venue changed), and where.

Where: the rule of every message to a person (bot/services/reminders/mail.py) without the
mute (this is no reminder): in Telegram when a chat reaches them, by e-mail (with e-mail on)
when a confirmed address that has not bounced reaches them; both, unless the person chose one
of the two (deliver_via) and that one reaches them. A web registrant without a chat is told
by e-mail alone; someone reached neither way is not told, and the organizer hears so.

The letter is queued in the change's own transaction (bot/services/mailing/outbox.py sends it;
bot/services/mailing/organizer_letter.py writes it, and holds the words both channels share),
one ledger kind per change: `cancelled-<n>`, `restored-<n>`, `venue-<n>`, where n counts this
registration's earlier letters of that kind, so cancel, restore and cancel again tell the
person each time, and each once. The Telegram message is the handler's to send once the change
is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DeliverVia, Delivery, DeliveryChannel, Registration, User
from db.reach import mail_usable


@dataclass(frozen=True)
class Channels:
    """Where the person is told."""

    telegram: bool
    email: bool

    def told(self, telegram_sent: bool) -> str:
        """What the organizer hears: telegram | email | both | none (the `$told` and `$via`
        selectors of locales/*/admin_find.ftl)."""
        telegram = self.telegram and telegram_sent
        if telegram and self.email:
            return "both"
        return "telegram" if telegram else "email" if self.email else "none"


def channels_for(row: Registration, user: User | None, *, mail: bool) -> Channels:
    """`mail`: e-mail is on (SMTP_URL set)."""
    telegram = user is not None and user.is_reachable
    email = mail and mail_usable(row)
    # One channel chosen, and it reaches them: the other stays quiet (never nobody).
    if email and telegram and row.deliver_via == DeliverVia.TELEGRAM:
        email = False
    if email and telegram and row.deliver_via == DeliverVia.EMAIL:
        telegram = False
    return Channels(telegram, email)


async def reach_of(session: AsyncSession, row: Registration, *, mail: bool) -> Channels:
    user = await session.get(User, row.user_id) if row.user_id is not None else None
    return channels_for(row, user, mail=mail)


async def queue_letter(session: AsyncSession, row: Registration, prefix: str, now: datetime) -> str:
    """Queue the letter of a change in the caller's transaction; its kind."""
    from bot.services.mailing.outbox import queue

    earlier = await session.scalar(
        select(func.count(func.distinct(Delivery.kind))).where(
            Delivery.registration_id == row.id,
            Delivery.channel == DeliveryChannel.EMAIL,
            Delivery.kind.startswith(prefix),
        )
    )
    kind = f"{prefix}{int(earlier or 0) + 1}"
    await queue(session, registration_id=row.id, event_id=row.event_id, kind=kind, now=now)
    return kind
