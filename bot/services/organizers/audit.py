"""Reading the audit log for /audit: newest first, a page at a time.

Pages count back from the newest entry there was when the organizer opened the log (`top`), so
turning pages while others keep working neither repeats nor skips an entry; the first page's
refresh starts again from the newest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.organizers.team import Person
from db.models import AuditEntry, EventRow, Organizer, User

PAGE_SIZE = 8


@dataclass(frozen=True)
class AuditLine:
    created_at: datetime
    actor: Person
    action: str
    event_slug: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    lines: list[AuditLine]
    page: int  # from 0
    pages: int
    top: int  # the newest entry's id when the log was opened; 0 when it is empty

    @property
    def has_newer(self) -> bool:
        return self.page > 0

    @property
    def has_older(self) -> bool:
        return self.page + 1 < self.pages


async def audit_page(
    session: AsyncSession, *, top: int | None = None, page: int = 0, size: int = PAGE_SIZE
) -> AuditPage:
    """Page `page` of the entries up to `top` (None: up to the newest there is now)."""
    if top is None:
        top = (await session.execute(select(func.max(AuditEntry.id)))).scalar_one() or 0
    total = (await session.execute(select(func.count()).where(AuditEntry.id <= top))).scalar_one()
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        select(AuditEntry, EventRow.slug, User.username, Organizer.display_name)
        .outerjoin(EventRow, EventRow.id == AuditEntry.event_id)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(Organizer, Organizer.user_id == AuditEntry.actor_id)
        .where(AuditEntry.id <= top)
        .order_by(AuditEntry.id.desc())
        .limit(size)
        .offset(page * size)
    )
    lines = [
        AuditLine(
            created_at=entry.created_at,
            actor=Person(entry.actor_id, name=name, username=username),
            action=entry.action,
            event_slug=slug,
            details=dict(entry.details or {}),
        )
        for entry, slug, username, name in rows
    ]
    return AuditPage(lines, page, pages, top)
