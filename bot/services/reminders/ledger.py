"""The delivery ledger's record of a link a person saw outside the reminder waves: in the
bot's confirmation, on /link, or on the personal page. A later change of link is then sent to
them as a correction (bot/services/reminders/runner.py). No Bot needed: the web records it too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, DeliveryStatus

SHOWN = "shown"  # ledger kind: the link was shown on request or at registration


async def shown_link(session: AsyncSession, registration_id: int) -> str | None:
    """The link last recorded as shown to this registration, if any."""
    return await session.scalar(
        select(Delivery.link).where(
            and_(Delivery.registration_id == registration_id, Delivery.kind == SHOWN)
        )
    )


async def record_link_shown(
    session: AsyncSession, *, registration_id: int, event_id: int, link: str, now: datetime
) -> None:
    """Record (in the caller's transaction) that `link` was shown to the registration."""
    row = await session.scalar(
        select(Delivery).where(
            and_(Delivery.registration_id == registration_id, Delivery.kind == SHOWN)
        )
    )
    if row is None:
        session.add(
            Delivery(
                registration_id=registration_id,
                event_id=event_id,
                kind=SHOWN,
                status=DeliveryStatus.SENT,
                link=link,
                created_at=now,
            )
        )
    elif row.link != link:
        row.link = link
        row.created_at = now
