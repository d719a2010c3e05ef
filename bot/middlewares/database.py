"""One database session per update, and the services built on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import RegistrationService

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        catalog: EventCatalog = data["catalog"]
        clock: Clock = data["clock"]
        # Closing without commit rolls back: a handler commits what it means to keep.
        async with self.session_factory() as session:
            data["session"] = session
            data["registrations"] = RegistrationService(session, catalog, clock)
            return await handler(event, data)
