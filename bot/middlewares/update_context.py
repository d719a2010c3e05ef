"""Tells the log which update is being handled (bot.logs.current_update).

The outermost update middleware, so that the lines of every other middleware and handler
carry the id too, the error handlers' included (aiogram's own ErrorsMiddleware is an outer
middleware as well, registered when the Dispatcher is made)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, Update

from bot.logs import current_update

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateLogContext(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        token = current_update.set(event.update_id)
        try:
            return await handler(event, data)
        finally:
            current_update.reset(token)


def install_first(dp: Dispatcher) -> None:
    """UpdateLogContext before every other outer update middleware, aiogram's included."""
    manager = dp.update.outer_middleware
    present = list(manager)
    for middleware in present:
        manager.unregister(middleware)
    manager.register(UpdateLogContext())
    for middleware in present:
        manager.register(middleware)
