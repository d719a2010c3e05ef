"""A small fake of the Telegram Bot API over real HTTP, for tests that run the bot as a process.

The bot is pointed at it with TELEGRAM_API_URL (aiogram's TelegramAPIServer.from_base
convention: requests go to ``<base>/bot<token>/<method>``). The server answers the methods the
bot uses the way Telegram would, records every call, and hands out updates the test queued with
``enqueue_update`` through long-polling ``getUpdates``. It runs on aiohttp's AppRunner/TCPSite
inside the test's event loop, bound to 127.0.0.1 on a free port.

    async with FakeTelegram() as tg:
        ...start the bot with TELEGRAM_API_URL=tg.base_url...
        mark = tg.mark()
        tg.enqueue_update({"message": {...}})
        reply = await tg.wait_for_message(chat_id=1001, after=mark)

A custom answer for a method goes into ``handlers``; it can delay or fail a request and still
answer the way the fake does by default through ``builtin``:

    async def slow_edit(token, params):
        await asyncio.sleep(2)
        return await tg.builtin(token, "editMessageReplyMarkup", params)

    tg.handlers["editMessageReplyMarkup"] = slow_edit

A refusal the way Telegram sends it (the HTTP status is the error code, flood control carries
``retry_after``), so that aiogram raises TelegramForbiddenError or TelegramRetryAfter:

    async def copy(token, params):
        if params["chat_id"] in blocked:
            raise TelegramError.blocked()
        return await tg.builtin(token, "copyMessage", params)
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

JSONDict = dict[str, Any]
Handler = Callable[[str, JSONDict], Awaitable[Any]]

# Parameters that aiogram sends as JSON text inside form data.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "menu_button",
    }
)
INT_PARAMS = frozenset({"message_id", "offset", "limit", "timeout", "user_id", "message_thread_id"})
BOOL_TEXT = {"true": True, "false": False}
TAG = re.compile(r"<[^>]+>")


class TelegramError(Exception):
    """Raise from a custom handler to answer {"ok": false, ...} with this code and text."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        http_status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        # Telegram answers with the error code as the HTTP status, and aiogram picks the
        # exception by it (403 -> TelegramForbiddenError, 400 -> TelegramBadRequest); the
        # default 200 gives a plain TelegramAPIError.
        self.http_status = http_status
        self.retry_after = retry_after

    @classmethod
    def blocked(cls) -> TelegramError:
        """403 as Telegram answers a message to a user who blocked the bot."""
        return cls(403, "Forbidden: bot was blocked by the user", http_status=403)

    @classmethod
    def flood(cls, retry_after: int = 1) -> TelegramError:
        """429 flood control, with parameters.retry_after: aiogram raises TelegramRetryAfter."""
        return cls(
            429,
            f"Too Many Requests: retry after {retry_after}",
            http_status=429,
            retry_after=retry_after,
        )

    def payload(self) -> JSONDict:
        answer: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            answer["parameters"] = {"retry_after": self.retry_after}
        return answer


@dataclass(frozen=True)
class Call:
    """One request the bot made and what the fake answered."""

    method: str
    params: JSONDict
    result: Any
    token: str
    error: str | None = None  # the description of an {"ok": false} answer
    at: float = 0.0  # when the fake answered, in time.time() seconds
    # When the request reached the fake (before its body was read and answered): the nearest
    # to when the bot sent it, as Telegram would count it.
    arrived: float = 0.0

    @property
    def chat_id(self) -> int | None:
        return _as_int(self.params.get("chat_id"))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def reply_markup(self) -> JSONDict | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def callback_data(self) -> list[str]:
        """Callback data of every inline button in the request's reply_markup."""
        markup = self.reply_markup or {}
        return [
            str(button["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]

    def button_texts(self) -> list[str]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [str(button.get("text", "")) for row in rows for button in row]


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _decode_param(key: str, value: str) -> Any:
    if key in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in INT_PARAMS or key == "chat_id":
        number = _as_int(value)
        return value if number is None else number
    if value in BOOL_TEXT and key not in {"text", "caption"}:
        return BOOL_TEXT[value]
    return value


def _plain_text(text: str, parse_mode: Any) -> str:
    """What Telegram stores as the message text: the markup removed."""
    if parse_mode == "HTML":
        return html.unescape(TAG.sub("", text))
    return text


def _update_type(update: JSONDict) -> str | None:
    return next((key for key in update if key != "update_id"), None)


class FakeTelegram:
    """The fake Bot API server. Use ``async with`` or ``await start()`` / ``await stop()``."""

    def __init__(
        self,
        *,
        bot_username: str = "victory_test_bot",
        bot_first_name: str = "Victory bot",
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.port = 0
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.calls: list[Call] = []
        # Custom answers for methods, by name; may raise TelegramError.
        self.handlers: dict[str, Handler] = {}
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        self._message_ids = itertools.count(100_000)
        self._messages: dict[tuple[int, int], JSONDict] = {}
        # Replaced on every change: waiters wait on the one they saw, so no wake-up is lost.
        self._changed = asyncio.Event()
        self._started = False
        self._stopping = False
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._started = True
        self._stopping = False
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        if self._runner is None:
            return
        # Wake pending long polls so that the server shuts down at once.
        self._stopping = True
        self._notify()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- what tests use ----------------------------------------------------------------------

    def enqueue_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates; update_id is filled in if missing. Returns it."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._last_update_id + 1
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def mark(self) -> int:
        """A position in `calls`: pass it as `after` to wait only for later calls."""
        return len(self.calls)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls if c.method == "sendMessage" and c.chat_id == chat_id]

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    async def wait_for_call(
        self,
        predicate: Callable[[Call], bool],
        *,
        after: int = 0,
        timeout: float = 10.0,
        description: str = "a matching call",
    ) -> Call:
        """The first call at index >= `after` matching `predicate`, waiting up to `timeout`."""
        assert self._started, "the server is not started"
        position = after
        found: list[Call] = []

        def check() -> bool:
            nonlocal position
            while position < len(self.calls):
                call = self.calls[position]
                position += 1
                if predicate(call):
                    found.append(call)
                    return True
            return False

        try:
            await self._wait_until(check, timeout)
        except TimeoutError:
            recent = [f"{c.method} {c.params}" for c in self.calls[after:]][-8:]
            raise AssertionError(
                f"waited {timeout} s for {description} in vain; the last calls since: "
                f"{recent or 'none'}"
            ) from None
        return found[0]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[Call], bool] = lambda call: True,
        *,
        after: int = 0,
        timeout: float = 10.0,
        description: str = "",
    ) -> Call:
        """The first sendMessage to `chat_id` at index >= `after` matching `predicate`."""
        return await self.wait_for_call(
            lambda c: c.method == "sendMessage" and c.chat_id == chat_id and predicate(c),
            after=after,
            timeout=timeout,
            description=description or f"sendMessage to {chat_id}",
        )

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.time()
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._params(request)
        try:
            result = await self._dispatch(token, method, params)
        except TelegramError as error:
            self._record(
                Call(
                    method,
                    params,
                    None,
                    token,
                    error=error.description,
                    at=time.time(),
                    arrived=arrived,
                )
            )
            return web.json_response(error.payload(), status=error.http_status)
        self._record(Call(method, params, result, token, at=time.time(), arrived=arrived))
        return web.json_response({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._notify()

    async def _params(self, request: web.Request) -> JSONDict:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        params: JSONDict = {}
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_param(key, value)
            elif isinstance(value, web.FileField):  # an uploaded file
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
            else:
                params[key] = bytes(value)
        params.update({k: _decode_param(k, v) for k, v in request.query.items()})
        return params

    async def _dispatch(self, token: str, method: str, params: JSONDict) -> Any:
        custom = self.handlers.get(method)
        if custom is not None:
            return await custom(token, params)
        return await self.builtin(token, method, params)

    async def builtin(self, token: str, method: str, params: JSONDict) -> Any:
        """The fake's own answer to a request, for custom handlers that delay or wrap it."""
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            bot_id = _as_int(token.partition(":")[0]) or 1
            return {
                "id": bot_id,
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return self._send_message(token, params)
        if method == "sendDocument":
            return self._send_document(token, params)
        if method == "sendPhoto":  # /stats sends its chart
            return self._send_photo(token, params)
        if method == "copyMessage":
            return self._copy_message(params)
        if method == "editMessageText":
            return self._edit(params, text=True)
        if method == "editMessageReplyMarkup":
            return self._edit(params, text=False)
        if method in {
            "answerCallbackQuery",
            "setMyCommands",
            "deleteMyCommands",
            "deleteWebhook",
            "deleteMessage",
            "close",
            "logOut",
        }:
            return True
        raise TelegramError(404, "Not Found: method not found")

    def _bot_user(self, token: str) -> JSONDict:
        return {
            "id": _as_int(token.partition(":")[0]) or 1,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat(self, chat_id: int) -> JSONDict:
        # Positive ids are private chats with users, negative ones groups.
        return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}

    def _send_message(self, token: str, params: JSONDict) -> JSONDict:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise TelegramError(400, "Bad Request: chat not found")
        text = str(params.get("text", ""))
        if not text.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": _plain_text(text, params.get("parse_mode")),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _send_document(self, token: str, params: JSONDict) -> JSONDict:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise TelegramError(400, "Bad Request: chat not found")
        document = params.get("document")
        if isinstance(document, dict):  # an upload: see _params
            file_name, size = str(document.get("filename") or "file"), document.get("size", 0)
        elif isinstance(document, str) and document:  # a file_id or a URL
            file_name, size = document.rsplit("/", 1)[-1], 0
        else:
            raise TelegramError(400, "Bad Request: there is no document in the request")
        message_id = next(self._message_ids)
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "document": {
                "file_id": f"doc-{message_id}",
                "file_unique_id": f"udoc-{message_id}",
                "file_name": file_name,
                "file_size": size,
            },
        }
        caption = params.get("caption")
        if caption:
            message["caption"] = _plain_text(str(caption), params.get("parse_mode"))
        self._messages[(chat_id, message_id)] = message
        return message

    def _send_photo(self, token: str, params: JSONDict) -> JSONDict:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise TelegramError(400, "Bad Request: chat not found")
        photo = params.get("photo")
        if isinstance(photo, dict):  # an upload: see _params
            size = int(photo.get("size", 0))
        elif isinstance(photo, str) and photo:  # a file_id or a URL
            size = 0
        else:
            raise TelegramError(400, "Bad Request: there is no photo in the request")
        message_id = next(self._message_ids)
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "photo": [
                {
                    "file_id": f"photo-{message_id}",
                    "file_unique_id": f"uphoto-{message_id}",
                    "width": 800,
                    "height": 600,
                    "file_size": size,
                }
            ],
        }
        caption = params.get("caption")
        if caption:
            message["caption"] = _plain_text(str(caption), params.get("parse_mode"))
        self._messages[(chat_id, message_id)] = message
        return message

    def _copy_message(self, params: JSONDict) -> JSONDict:
        """copyMessage answers a MessageId only. The copy is kept (as a bare message when the
        source is not one the fake knows) so that it can be edited like any other."""
        chat_id = _as_int(params.get("chat_id"))
        from_chat_id = _as_int(params.get("from_chat_id"))
        source_id = _as_int(params.get("message_id"))
        if chat_id is None:
            raise TelegramError(400, "Bad Request: chat not found")
        if from_chat_id is None or source_id is None:
            raise TelegramError(400, "Bad Request: message to copy not found")
        message_id = next(self._message_ids)
        source = self._messages.get((from_chat_id, source_id), {})
        copy: JSONDict = {
            **{k: v for k, v in source.items() if k not in {"message_id", "from", "edit_date"}},
            "message_id": message_id,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        self._messages[(chat_id, message_id)] = copy
        return {"message_id": message_id}

    def _edit(self, params: JSONDict, *, text: bool) -> Any:
        if "inline_message_id" in params:
            return True
        chat_id = _as_int(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"))
        if chat_id is None or message_id is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        message = dict(
            self._messages.get(
                (chat_id, message_id),
                {"message_id": message_id, "chat": self._chat(chat_id), "date": int(time.time())},
            )
        )
        message["edit_date"] = int(time.time())
        if text:
            message["text"] = _plain_text(str(params.get("text", "")), params.get("parse_mode"))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        self._messages[(chat_id, message_id)] = message
        return message

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = _as_int(params.get("offset"))
        limit = _as_int(params.get("limit")) or 100
        timeout = _as_int(params.get("timeout")) or 0
        allowed = params.get("allowed_updates")
        if offset is not None:
            # Updates below the offset are confirmed: Telegram forgets them.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if isinstance(allowed, list) and allowed:
            # Telegram never delivers update types the bot did not ask for.
            self._updates = [u for u in self._updates if _update_type(u) in allowed]
        if not self._updates and timeout > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await self._wait_until(lambda: bool(self._updates) or self._stopping, timeout)
            if isinstance(allowed, list) and allowed:
                self._updates = [u for u in self._updates if _update_type(u) in allowed]
        return [dict(u) for u in self._updates[:limit]]

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _wait_until(self, check: Callable[[], bool], timeout: float) -> None:
        """Return once `check()` is true, re-checking after every change; TimeoutError after
        `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not check():
                await self._changed.wait()
