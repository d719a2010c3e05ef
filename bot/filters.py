"""Filters shared by routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.organizers.roles import may_change, role_of
from db.models import OrganizerRole


class IsOrganizer(Filter):
    """The sender is an organizer: one of ADMIN_IDS (given to the dispatcher as `admin_ids`)
    or one added with /team. The handler gets `organizer_role`. With `changes=True` only
    organizers who may change things pass (a viewer is refused, see handlers/admin/refusal.py).

    Nested under a router that already passed IsOrganizer, the role found there is used again
    (`organizer_role` in the handler data): one database look-up per update, not one per router.
    """

    def __init__(self, *, changes: bool = False) -> None:
        self.changes = changes

    async def __call__(
        self,
        event: Message | CallbackQuery,
        admin_ids: frozenset[int],
        session: AsyncSession,
        organizer_role: OrganizerRole | None = None,
    ) -> bool | dict[str, Any]:
        user = event.from_user
        if user is None:
            return False
        role = organizer_role or await role_of(session, admin_ids, user.id)
        if role is None or (self.changes and not may_change(role)):
            return False
        return {"organizer_role": role}
