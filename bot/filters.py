"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class IsOrganizer(Filter):
    """The sender is one of ADMIN_IDS (given to the dispatcher as `admin_ids`)."""

    async def __call__(self, event: Message | CallbackQuery, admin_ids: frozenset[int]) -> bool:
        user = event.from_user
        return user is not None and user.id in admin_ids
