"""A fake Bot API that enforces a global rate limit the way Telegram does (429 with retry_after
beyond it), run in a child process so that its CPU is not taken from the bot, as Telegram's is
not. Shared by bench/reminder_wave.py and bench/broadcast.py.

    with running(rate=250, window=1.0) as base_url:
        ...point the bot at base_url (TELEGRAM_API_URL)...
        await control(base_url, "reset")
        ...send...
        served = await control(base_url, "log")

See bench/README.md."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import ClientSession, web

RETRY_AFTER = 1  # Telegram gives whole seconds; 1 is the least it can say

# The methods that deliver a message to a chat: these count towards the limit.
LIMITED = frozenset({"sendMessage", "copyMessage"})


class RateLimitedBotAPI:
    """Answers sendMessage and copyMessage like Telegram, but only `limit` accepted messages in
    any trailing `window` seconds; one more gets 429 with retry_after. Refused requests do not
    count towards the window (they were not delivered). Every accepted message is recorded
    with its arrival time (wall clock) and chat id. Other methods get `true`, getMe the bot."""

    def __init__(self, rate: float, window: float) -> None:
        self.window = window
        self.limit = max(1, int(rate * window))
        self.recent: collections.deque[float] = collections.deque()
        self.accepted: list[tuple[float, int]] = []
        self.refused = 0
        self.message_ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/_bench/reset", self.reset)
        app.router.add_get("/_bench/log", self.log)
        app.router.add_post("/bot{token}/{method}", self.handle)
        return app

    async def reset(self, _request: web.Request) -> web.Response:
        self.recent.clear()
        self.accepted.clear()
        self.refused = 0
        return web.json_response({"ok": True})

    async def log(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"accepted": self.accepted, "refused": self.refused, "limit": self.limit}
        )

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        bot = {"id": int(token.partition(":")[0]), "is_bot": True, "first_name": "Victory bot"}
        if method == "getMe":
            return web.json_response({"ok": True, "result": {**bot, "username": "victory_bot"}})
        if method not in LIMITED:
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        chat_id = int(str(form["chat_id"]))
        now = time.monotonic()
        while self.recent and self.recent[0] <= now - self.window:
            self.recent.popleft()
        if len(self.recent) >= self.limit:
            self.refused += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {RETRY_AFTER}",
                    "parameters": {"retry_after": RETRY_AFTER},
                },
                status=429,
            )
        self.recent.append(now)
        self.accepted.append((time.time(), chat_id))
        result: dict[str, Any] = {"message_id": next(self.message_ids)}
        if method == "sendMessage":  # copyMessage answers a MessageId only
            result |= {
                "from": bot,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": str(form.get("text", "")),
            }
        return web.json_response({"ok": True, "result": result})


def serve(rate: float, window: float, conn: Connection) -> None:
    """Child process: run the fake on a free port, send the port, stop when told."""

    async def run() -> None:
        runner = web.AppRunner(RateLimitedBotAPI(rate, window).app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        conn.send(int(runner.addresses[0][1]))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await runner.cleanup()

    asyncio.run(run())


@contextlib.contextmanager
def running(rate: float, window: float) -> Iterator[str]:
    """The fake in a child process for the duration of the block; yields its base URL."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(rate, window, theirs))
    server.start()
    try:
        if not ours.poll(30):
            raise SystemExit("the fake Bot API did not start")
        yield f"http://127.0.0.1:{ours.recv()}"
    finally:
        ours.send("stop")
        server.join(10)
        if server.is_alive():
            server.terminate()


@dataclass
class Served:
    accepted: list[tuple[float, int]]
    refused: int
    limit: int


async def control(base_url: str, what: str) -> Served | None:
    async with ClientSession() as http:
        if what == "reset":
            async with http.post(f"{base_url}/_bench/reset") as response:
                response.raise_for_status()
            return None
        async with http.get(f"{base_url}/_bench/log") as response:
            data = await response.json()
    return Served([(t, int(c)) for t, c in data["accepted"]], data["refused"], data["limit"])
