"""Who is an organizer, and what they may do.

ADMIN_IDS (the settings) are always full organizers: the deployment's owners, never removed
from the chat. Others are added and removed with /team and stored in `organizers` with a
role; a viewer sees stats, finds and exports, and changes or sends nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Organizer, OrganizerRole


async def role_of(
    session: AsyncSession, admin_ids: frozenset[int], user_id: int
) -> OrganizerRole | None:
    """The user's organizer role, or None for everyone else."""
    if user_id in admin_ids:
        return OrganizerRole.ORGANIZER
    row = await session.get(Organizer, user_id)
    if row is None:
        return None
    return OrganizerRole(row.role)


def may_change(role: OrganizerRole | None) -> bool:
    """Edit, cancel, send, issue, set: everything but looking."""
    return role is OrganizerRole.ORGANIZER
