"""Who is writing: the stored user (created on first contact) and their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, is_supported_language, normalize_language
from db.repositories import UserRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UserMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        i18n: I18n = data["i18n"]
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            data["t"] = i18n(None)
            data["user"] = None
            data["user_is_new"] = False
            return await handler(event, data)

        session: AsyncSession = data["session"]
        clock: Clock = data["clock"]
        repo = UserRepository(session)
        user = await repo.get(tg_user.id)
        changed = created = False
        if user is None:
            user = await repo.create(
                tg_user.id,
                normalize_language(tg_user.language_code),
                clock.now(),
                language_chosen=is_supported_language(tg_user.language_code),
            )
            changed = created = True
        if user.username != _username(tg_user):
            # Kept as last seen, so that /find and the export name today's @username.
            user.username = _username(tg_user)
            changed = True
        if not user.is_reachable and not _is_membership_change(event):
            # They wrote to us, so they have unblocked the bot.
            await repo.mark_reachable(user, clock.now())
            changed = True
        if changed:
            await session.commit()
        data["user"] = user
        # True when this update created the user row: someone new, or someone whose data was
        # just erased (a second tap on "delete my data" comes from a user the bot forgot).
        data["user_is_new"] = created
        data["t"] = i18n(user.language)
        return await handler(event, data)


def _username(tg_user: TgUser) -> str | None:
    return tg_user.username[:64] if tg_user.username else None


def _is_membership_change(event: TelegramObject) -> bool:
    # A "kicked" my_chat_member update comes from the user too, but means the opposite.
    return isinstance(event, Update) and event.my_chat_member is not None
