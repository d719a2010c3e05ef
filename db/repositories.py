"""Data access. Each repository wraps one AsyncSession; callers decide when to commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import AuditEntry, EventRow, Registration, RegistrationStatus, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def create(
        self, user_id: int, language: str, now: datetime, *, language_chosen: bool = True
    ) -> User:
        user = User(
            id=user_id,
            language=language,
            language_chosen=language_chosen,
            is_reachable=True,
            unreachable_since=None,
            created_at=now,
            updated_at=now,
        )
        self.session.add(user)
        await self.session.flush()
        return user

    async def set_language(self, user: User, language: str, now: datetime) -> None:
        user.language = language
        user.language_chosen = True
        user.updated_at = now

    async def mark_reachable(self, user: User, now: datetime) -> None:
        user.is_reachable = True
        user.unreachable_since = None
        user.updated_at = now

    async def mark_unreachable(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(User)
            .where(User.id == user_id, User.is_reachable.is_(True))
            .values(is_reachable=False, unreachable_since=now, updated_at=now)
        )

    async def delete(self, user_id: int) -> None:
        user = await self.get(user_id)
        if user is not None:
            await self.session.delete(user)


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_slug(self, slug: str) -> EventRow | None:
        result = await self.session.execute(select(EventRow).where(EventRow.slug == slug))
        return result.scalar_one_or_none()

    async def upsert(
        self,
        slug: str,
        title_ru: str,
        title_zh: str,
        starts_at: datetime,
        ends_at: datetime,
        config: dict[str, Any],
        now: datetime,
    ) -> EventRow:
        row = await self.by_slug(slug)
        if row is None:
            row = EventRow(slug=slug, created_at=now)
            self.session.add(row)
        row.title_ru = title_ru
        row.title_zh = title_zh
        row.starts_at = starts_at
        row.ends_at = ends_at
        row.config = config
        row.updated_at = now
        await self.session.flush()
        return row

    async def all(self) -> Sequence[EventRow]:
        result = await self.session.execute(select(EventRow).order_by(EventRow.starts_at))
        return result.scalars().all()


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_user(self, user_id: int) -> Sequence[Registration]:
        result = await self.session.execute(
            select(Registration)
            .where(Registration.user_id == user_id)
            .options(selectinload(Registration.event))
            .order_by(Registration.id)
        )
        return result.scalars().all()

    async def get(self, user_id: int, event_id: int) -> Registration | None:
        result = await self.session.execute(
            select(Registration)
            .where(Registration.user_id == user_id, Registration.event_id == event_id)
            .options(selectinload(Registration.event))
        )
        return result.scalar_one_or_none()

    def add(self, registration: Registration) -> None:
        self.session.add(registration)

    async def erase_user(self, user_id: int, now: datetime) -> int:
        """Drop everything personal from the user's registrations; keep anonymous counts
        (event, role, format, language, dates)."""
        return await self._erase(Registration.user_id == user_id, now)

    async def erase(self, registration_id: int, now: datetime) -> int:
        """The same for one registration (a web registrant erasing their data)."""
        return await self._erase(Registration.id == registration_id, now)

    async def _erase(self, where: Any, now: datetime) -> int:
        result = await self.session.execute(
            update(Registration)
            .where(where)
            .values(erased_values(now))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def erased_values(now: datetime) -> dict[str, Any]:
    """What an erased registration keeps: nothing that names or reaches the person."""
    return {
        "user_id": None,
        "status": RegistrationStatus.CANCELLED,
        "full_name": None,
        "name_key": None,
        "country": None,
        "city": None,
        "organization": None,
        "talk_topic": None,
        "email": None,
        "email_key": None,
        "phone": None,
        "access_token_hash": None,
        "bind_code_hash": None,
        "bind_code_expires_at": None,
        "erased_at": now,
        "updated_at": now,
    }


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        actor_id: int,
        action: str,
        now: datetime,
        event_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                actor_id=actor_id,
                action=action,
                event_id=event_id,
                details=details or {},
                created_at=now,
            )
        )
