"""Webhook mode (`python -m bot webhook`): Telegram posts each update to WEBHOOK_URL, a reverse
proxy (deploy/nginx-webhook.conf) passes it to one of the replicas, and the replica answers 200
once the update has been handled.

The same Runtime as long polling (bot.app.assemble) runs inside an aiohttp web app built with
aiogram's webhook helpers, plus GET /healthz for the proxy and the monitoring. The app is the
web pages' (web/app.py): the proxy sends the pages and Telegram's updates to the same port.

Shutdown on SIGTERM, in aiohttp's order (AppRunner.cleanup):
1. the server stops listening and closes idle connections: no new update comes in, Telegram
   sends the next ones to the other replicas;
2. on_shutdown: the Runtime's on_shutdown waits up to SHUTDOWN_TIMEOUT for the updates being
   handled (bot.middlewares.inflight) and stops the workers;
3. aiohttp waits up to SHUTDOWN_TIMEOUT more for the requests to be answered, then cancels
   what is left: an update cancelled there gets no 200, so Telegram delivers it again;
4. on_cleanup; then, leaving assemble, the bot's HTTP session closes and the database.
The webhook itself is never deleted: the other replicas go on receiving updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Runtime, assemble, log_web_address, stop_signals
from bot.clock import Clock
from bot.settings import HEALTH_PATH, Settings, SettingsError
from web.app import add_exempt_post

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 5.0  # seconds per check: a hanging database is a failing one
SET_WEBHOOK_ATTEMPTS = 3  # replicas starting together may meet setWebhook's flood limit

Check = Callable[[], Awaitable[object]]


class TelegramUpdates(SimpleRequestHandler):
    """aiogram's handler for one bot, refusing (and logging) requests without our secret.

    Registered with add_post, not with register(): register() would close the bot's session
    in on_shutdown, while updates being drained there still send messages."""

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if not self.verify_secret(given or "", self.bot):
            # Never the body: it is somebody's update, or somebody's probe.
            log.warning(
                "refused a request to %s from %s: %s",
                request.path,
                request.headers.get("X-Forwarded-For") or request.remote,
                "no secret token" if given is None else "wrong secret token",
            )
            return web.Response(status=401, text="Unauthorized")
        return await super().handle(request)


class Health:
    """GET /healthz: 200 when every part answers, 503 naming the part that does not.

    `checks` maps a part's name to an awaitable check, or to None for a part that is not
    configured ("off"). No secret needed: the answer says nothing about anybody."""

    def __init__(self, checks: Mapping[str, Check | None], timeout: float = HEALTH_TIMEOUT):
        self.checks = dict(checks)
        self.timeout = timeout
        # Parts seen down, so that a long outage is logged when it starts and ends, not on
        # every probe of the balancer.
        self._down: set[str] = set()

    async def report(self) -> dict[str, str]:
        active = {name: check for name, check in self.checks.items() if check is not None}
        results = await asyncio.gather(*(self._run(n, c) for n, c in active.items()))
        parts = dict.fromkeys(self.checks, "off")
        parts.update(
            {name: "ok" if ok else "fail" for name, ok in zip(active, results, strict=True)}
        )
        status = "ok" if all(results) else "fail"
        return {"status": status, **parts}

    async def _run(self, name: str, check: Check) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                await check()
        except Exception as exc:
            if name not in self._down:
                # The first line: SQLAlchemy appends a second one with a link.
                reason = str(exc).partition("\n")[0]
                log.warning("health: %s is down: %s: %s", name, type(exc).__name__, reason)
            self._down.add(name)
            return False
        if name in self._down:
            log.info("health: %s is back", name)
            self._down.discard(name)
        return True

    async def handle(self, request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(
            report,
            status=200 if report["status"] == "ok" else 503,
            headers={"Cache-Control": "no-store"},
        )


def database_check(engine: AsyncEngine) -> Check:
    async def select_one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return select_one


def runtime_health(runtime: Runtime) -> Health:
    """The database always; Redis when REDIS_URL is set (forms, locks and the shared pace)."""
    return Health(
        {"database": database_check(runtime.engine), "redis": redis_check(runtime.storage)}
    )


def redis_check(storage: BaseStorage) -> Check | None:
    """A ping of the forms' Redis; None without REDIS_URL (the forms are kept in memory)."""
    if isinstance(storage, MemoryStorage):
        return None
    # Imported only with Redis: the client library costs about 6 MB (bench/memory.py).
    from aiogram.fsm.storage.redis import RedisStorage

    if not isinstance(storage, RedisStorage):
        return None
    client = storage.redis

    async def ping() -> None:
        await client.ping()

    return ping


def create_webhook_app(
    dp: Dispatcher,
    bot: Bot,
    *,
    path: str,
    secret_token: str,
    health: Health,
    pages: web.Application | None = None,
) -> web.Application:
    """The web app (`pages`, the web pages' app, or an empty one): Telegram's updates on
    `path`, the health check on /healthz; the dispatcher's startup and shutdown run with the
    app's (aiogram's setup_application)."""
    app = pages if pages is not None else web.Application()
    # handle_in_background=False: Telegram gets its 200 only once the update was handled, so
    # an update whose replica dies on the way is delivered again (to another replica).
    updates = TelegramUpdates(dp, bot, handle_in_background=False, secret_token=secret_token)
    if pages is not None:
        # Authorised by the secret token: the pages' CSRF check and rate limit are not for it.
        add_exempt_post(app, path, updates.handle)
    else:
        app.router.add_post(path, updates.handle)
    app.router.add_get(HEALTH_PATH, health.handle)
    setup_application(app, dp, bot=bot)
    return app


async def set_webhook(runtime: Runtime, url: str) -> None:
    """Every replica sets the same webhook at start-up; none deletes it when it stops."""
    dp, bot = runtime.dp, runtime.bot
    allowed = dp.resolve_used_update_types()
    for attempt in range(1, SET_WEBHOOK_ATTEMPTS + 1):
        try:
            await bot.set_webhook(
                url=url,
                secret_token=runtime.settings.webhook_secret_token,
                allowed_updates=allowed,
                drop_pending_updates=False,
            )
            break
        except TelegramRetryAfter as exc:
            if attempt == SET_WEBHOOK_ATTEMPTS:
                raise
            await asyncio.sleep(exc.retry_after)
    log.info("webhook set: %s (updates: %s)", url, ", ".join(allowed))


@contextlib.asynccontextmanager
async def serving(runtime: Runtime) -> AsyncIterator[web.AppRunner]:
    """The webhook app listening on WEBHOOK_HOST:WEBHOOK_PORT, the runtime started; on leaving,
    the shutdown described at the top of this module."""
    settings = runtime.settings
    app = create_webhook_app(
        runtime.dp,
        runtime.bot,
        path=settings.webhook_path,
        secret_token=settings.webhook_secret_token,
        health=runtime_health(runtime),
        pages=runtime.web_app(),
    )
    runner = web.AppRunner(
        app,
        handle_signals=False,
        # One line per update comes from aiogram.event already; the balancer's health probes
        # would drown everything else.
        access_log=None,
        shutdown_timeout=settings.shutdown_timeout,
    )
    await runner.setup()  # on_startup: the Runtime's
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        try:
            await site.start()
        except OSError as exc:
            raise SettingsError(
                f"WEBHOOK_HOST/WEBHOOK_PORT: cannot listen on "
                f"{settings.webhook_host}:{settings.webhook_port}: {exc.strerror or exc}"
            ) from None
        log.info(
            "listening on http://%s:%s%s (health: %s)",
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_path,
            HEALTH_PATH,
        )
        log_web_address(settings, settings.webhook_host, settings.webhook_port)
        yield runner
    finally:
        await runner.cleanup()


async def run_webhook(
    settings: Settings, clock: Clock | None = None, bot: Bot | None = None
) -> None:
    url = settings.webhook_url
    if url is None:
        raise SettingsError(
            "WEBHOOK_URL is not set (put it in .env or the environment): the public https "
            "URL Telegram posts updates to"
        )
    with stop_signals() as stop:
        async with assemble(settings, clock, bot) as runtime, serving(runtime):
            await runtime.connect()
            await set_webhook(runtime, url)
            await stop.wait()
            log.info("stopping: no new updates; finishing those being handled")
