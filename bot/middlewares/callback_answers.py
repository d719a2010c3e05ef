"""Remembers which button presses a handler already answered, so the error handler does not
answer them a second time (Telegram refuses the second answer: "query is too old").

Two halves meet in a context variable: `CallbackAnswerScope`, an outer update middleware, opens
an empty set for each update and puts it in the handler data as `answered_callbacks`; the
request middleware `RecordCallbackAnswers` on the Bot's session adds the id of every
answerCallbackQuery sent while that update is handled. The error handlers run outside the
scope (aiogram's ErrorsMiddleware is outermost) but receive the same data, set included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# The data key the error handlers read.
ANSWERED = "answered_callbacks"

_answered: ContextVar[set[str] | None] = ContextVar("answered_callbacks", default=None)


class CallbackAnswerScope(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        answered: set[str] = set()
        data[ANSWERED] = answered
        token = _answered.set(answered)
        try:
            return await handler(event, data)
        finally:
            _answered.reset(token)


class RecordCallbackAnswers(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        answered = _answered.get()
        if answered is not None and isinstance(method, AnswerCallbackQuery):
            # Recorded before the call: even a refused answer means another would be refused.
            answered.add(method.callback_query_id)
        return await make_request(bot, method)
