"""Flood control for every Bot API call the bot makes, replies from handlers included.

Installed on the bot's session by bot.factory.create_bot, so it sits between every
`bot.send_message(...)`, `message.answer(...)`, `query.answer()` ... and the HTTP request:

- **One pace.** A message-sending request takes a slot from the same RateLimiter as the bulk
  sends (reminder waves, broadcasts, certificates), at the best priority (Priority.REPLY): a
  person is answered before the next message of a wave, and together the bot stays within
  SEND_RATE.
- **429 is waited out.** Telegram's flood control answers "retry after N seconds": the request
  waits N seconds and goes again, up to `max_retries` times and `max_wait` seconds in all; a
  429 on a message also pauses the bulk sends (flood control applies to the whole bot).
- **Harmless refusals do not abort a handler**: "message is not modified" on an edit (a double
  tap, nothing changed) and "query is too old" on answerCallbackQuery (the spinner is gone
  anyway) are logged at debug and answered with True.

The paced sender (bot/services/delivery/pacing.py) takes its slot and handles its own 429s
(it counts outcomes, retries longer, abandons on shutdown); its requests are marked with
PACED and pass through here untouched, so nothing is paced or retried twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.services.delivery.pacing import PACED, Priority, RateLimiter

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

# What Telegram counts against its limits (about 30 messages per second overall, 1 per second
# in a chat, 20 per minute in a group) are messages: sending, copying, forwarding and editing
# them. Answering a button (answerCallbackQuery), getMe, setMyCommands, getFile,
# getChatMember, getUpdates and the like are not messages and take no slot.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendVideoNote",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)

DEFAULT_MAX_RETRIES = 3
# A reply later than this is worth less than the update's slot: the handler goes on without it.
DEFAULT_MAX_WAIT = 30.0


def is_message(method: TelegramMethod[Any]) -> bool:
    return method.__api_method__ in MESSAGE_METHODS


def is_harmless(method: TelegramMethod[Any], error: TelegramBadRequest) -> bool:
    """A refusal that changes nothing for the person: the handler goes on as if it succeeded."""
    name, text = method.__api_method__, error.message.lower()
    if name.startswith("editMessage") and "message is not modified" in text:
        return True
    return name == "answerCallbackQuery" and (
        "query is too old" in text or "query id is invalid" in text
    )


class FloodControl(BaseRequestMiddleware):
    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_wait: float = DEFAULT_MAX_WAIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if PACED.get():
            return await make_request(bot, method)
        message = is_message(method)
        retries, waited = 0, 0.0
        while True:
            if message:
                await self.limiter.acquire(Priority.REPLY)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                if retries >= self.max_retries or waited + wait > self.max_wait:
                    log.warning(
                        "%s: flood control again after %s retries, given up",
                        method.__api_method__,
                        retries,
                    )
                    raise
                retries += 1
                waited += wait
                log.info("%s: flood control, retrying in %s s", method.__api_method__, wait)
                if message:
                    self.limiter.pause(wait)
                await self._sleep(wait)
            except TelegramBadRequest as exc:
                if not is_harmless(method, exc):
                    raise
                log.debug("%s refused, harmless: %s", method.__api_method__, exc.message)
                # What Telegram answers to an edit or a callback answer that went through.
                return cast(Response[TelegramType], True)
