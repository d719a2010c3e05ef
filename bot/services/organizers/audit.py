"""Reading the audit log for /audit: newest first, a page at a time.

Pages count back from the newest entry there was when the organizer opened the log (`top`), so
turning pages while others keep working neither repeats nor skips an entry; the first page's
refresh starts again from the newest.

The details name what an action concerned by id only (a registration, a pupil, a class): the
log keeps no personal data, and a name corrected or erased since must not live on in it. The
names are looked up when a page is read, as they are now (`AuditPage.subjects`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.organizers.team import Person
from db.models import AuditEntry, ClassStudent, EventRow, Organizer, Registration, SchoolClass, User

PAGE_SIZE = 8
# The details that name a row whose current name /audit shows next to the id.
REGISTRATION_ID = "registration_id"
STUDENT_ID = "student_id"
CLASS_ID = "class_id"
SUBJECT_KEYS = (REGISTRATION_ID, STUDENT_ID, CLASS_ID)


@dataclass(frozen=True)
class Subject:
    """What a detail's id names now: `name` ("" when there is none), or erased."""

    name: str
    erased: bool = False


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
    # (detail key, id) -> what it names now; a row deleted since is not here.
    subjects: dict[tuple[str, int], Subject] = field(default_factory=dict)

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
    return AuditPage(lines, page, pages, top, await _subjects(session, lines))


def _ids(lines: list[AuditLine], key: str) -> set[int]:
    return {
        value
        for line in lines
        if isinstance(value := line.details.get(key), int) and not isinstance(value, bool)
    }


async def _subjects(
    session: AsyncSession, lines: list[AuditLine]
) -> dict[tuple[str, int], Subject]:
    """The current names of the registrations, pupils and classes a page's details name: one
    statement per kind named on the page."""
    found: dict[tuple[str, int], Subject] = {}
    if ids := _ids(lines, REGISTRATION_ID):
        for row_id, full_name, erased_at in await session.execute(
            select(Registration.id, Registration.full_name, Registration.erased_at).where(
                Registration.id.in_(ids)
            )
        ):
            found[REGISTRATION_ID, row_id] = Subject(full_name or "", erased_at is not None)
    if ids := _ids(lines, STUDENT_ID):
        for row_id, full_name in await session.execute(
            select(ClassStudent.id, ClassStudent.full_name).where(ClassStudent.id.in_(ids))
        ):
            found[STUDENT_ID, row_id] = Subject(full_name or "")
    if ids := _ids(lines, CLASS_ID):
        for row_id, name in await session.execute(
            select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(ids))
        ):
            found[CLASS_ID, row_id] = Subject(name or "")
    return found
