"""The organizer team: ADMIN_IDS from the settings, and those added, given another role or
removed with /team. Every change is in the audit log ("team-add", "team-role", "team-remove")
in the same transaction as the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Organizer, OrganizerRole, User
from db.repositories import AuditRepository

# Organizer.display_name is a String(200).
NAME_LENGTH = 200


@dataclass(frozen=True)
class Person:
    """Someone /team talks about: a member or the one about to become one. `language` is None
    for someone who never wrote to the bot (Telegram lets the bot write only after /start)."""

    user_id: int
    name: str | None = None
    username: str | None = None
    language: str | None = None
    reachable: bool = False

    @property
    def started_the_bot(self) -> bool:
        return self.language is not None


@dataclass(frozen=True)
class Member:
    person: Person
    role: OrganizerRole
    from_settings: bool  # ADMIN_IDS: full rights, not changed from the chat
    added_by: Person | None = None
    added_at: datetime | None = None


class Change(StrEnum):
    ADDED = "added"
    ROLE_CHANGED = "role-changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    NOT_A_MEMBER = "not-a-member"
    FROM_SETTINGS = "from-settings"  # ADMIN_IDS: the settings decide, not the chat
    YOURSELF = "yourself"  # one's own role: another organizer decides (no locking oneself out)


def clean_name(name: str | None) -> str | None:
    """A profile name as it is shown in /team: one line, at most NAME_LENGTH characters."""
    if not name:
        return None
    return " ".join(name.split())[:NAME_LENGTH] or None


class Team:
    def __init__(self, session: AsyncSession, admin_ids: frozenset[int]) -> None:
        self.session = session
        self.admin_ids = admin_ids

    async def person(self, user_id: int, name: str | None = None) -> Person:
        """What the bot knows of someone: the stored user (if they ever wrote), the name
        given (from a shared contact or a forwarded message), else the one kept in /team."""
        user = await self.session.get(User, user_id)
        organizer = await self.session.get(Organizer, user_id)
        return Person(
            user_id=user_id,
            name=clean_name(name) or (organizer.display_name if organizer else None),
            username=user.username if user else None,
            language=user.language if user else None,
            reachable=bool(user and user.is_reachable),
        )

    async def by_username(self, username: str) -> int | None:
        """The id of someone who wrote to the bot under this @username (as last seen)."""
        wanted = username.removeprefix("@").lower()
        found = await self.session.execute(
            select(User.id).where(func.lower(User.username) == wanted).limit(1)
        )
        user_id = found.scalar_one_or_none()
        return None if user_id is None else int(user_id)

    async def members(self) -> list[Member]:
        """ADMIN_IDS first, then the others in the order they were added."""
        out = [
            Member(await self.person(user_id), OrganizerRole.ORGANIZER, from_settings=True)
            for user_id in sorted(self.admin_ids)
        ]
        rows = await self.session.execute(
            select(Organizer).order_by(Organizer.added_at, Organizer.user_id)
        )
        for row in rows.scalars().all():
            if row.user_id not in self.admin_ids:
                out.append(await self._member(row))
        return out

    async def member(self, user_id: int) -> Member | None:
        if user_id in self.admin_ids:
            return Member(await self.person(user_id), OrganizerRole.ORGANIZER, from_settings=True)
        row = await self.session.get(Organizer, user_id)
        return None if row is None else await self._member(row)

    async def _member(self, row: Organizer) -> Member:
        return Member(
            await self.person(row.user_id),
            OrganizerRole(row.role),
            from_settings=False,
            added_by=await self.person(row.added_by),
            added_at=row.added_at,
        )

    async def set_role(
        self,
        actor_id: int,
        person: Person,
        role: OrganizerRole,
        now: datetime,
    ) -> Change:
        """Add `person` with `role`, or give a member this role. Committed with its audit entry."""
        if person.user_id in self.admin_ids:
            return Change.FROM_SETTINGS
        if person.user_id == actor_id:
            return Change.YOURSELF
        audit = AuditRepository(self.session)
        details: dict[str, object] = {
            "user_id": person.user_id,
            "name": person.name,
            "role": role.value,
        }
        row = await self.session.get(Organizer, person.user_id)
        if row is None:
            self.session.add(
                Organizer(
                    user_id=person.user_id,
                    role=role.value,
                    added_by=actor_id,
                    added_at=now,
                    display_name=person.name,
                )
            )
            audit.record(actor_id, "team-add", now, details=details)
            change = Change.ADDED
        elif row.role == role.value:
            return Change.UNCHANGED
        else:
            details["previous_role"] = row.role
            row.role = role.value
            if person.name:
                row.display_name = person.name
            audit.record(actor_id, "team-role", now, details=details)
            change = Change.ROLE_CHANGED
        await self.session.commit()
        return change

    async def remove(self, actor_id: int, user_id: int, now: datetime) -> Change:
        if user_id in self.admin_ids:
            return Change.FROM_SETTINGS
        if user_id == actor_id:
            return Change.YOURSELF
        row = await self.session.get(Organizer, user_id)
        if row is None:
            return Change.NOT_A_MEMBER
        AuditRepository(self.session).record(
            actor_id,
            "team-remove",
            now,
            details={"user_id": user_id, "name": row.display_name, "role": row.role},
        )
        await self.session.delete(row)
        await self.session.commit()
        return Change.REMOVED
