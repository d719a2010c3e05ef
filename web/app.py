"""The web app: the pages, their middlewares and static files, with every dependency passed in.

`python -m bot run` serves it on WEB_HOST:WEB_PORT beside long polling (or alone, without a
BOT_TOKEN); `python -m bot webhook` adds Telegram's webhook route to it (bot/webhook.py).

Middlewares, outermost first: security headers on every response; error pages (everything
below that fails becomes a page in the visitor's language); the `?lang=` switch; the rate limit
and the CSRF check on form posts (routes added with `add_exempt_post` are left alone)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.certificates.issue import Render, verify_certificate
from bot.services.events.catalog import EventCatalog
from bot.settings import Settings, SettingsError
from web.context import (
    CONFIG,
    DEPS,
    EXEMPT_POSTS,
    REFILLED_POSTS,
    SIGNED_POSTS,
    BotUsername,
    Notify,
    WebConfig,
    WebDeps,
)
from web.csrf import csrf_protection
from web.error_pages import error_pages
from web.language import language_switch
from web.ratelimit import RATE_LIMIT, RateLimit, limit_posts
from web.render import RENDERER, Renderer
from web.routes import classes, events, miniapp, personal, registration, unsubscribe, verify
from web.security import security_headers

if TYPE_CHECKING:
    import jinja2

    from bot.services.mailing.outbox import MailOutbox

STATIC = Path(__file__).resolve().parent / "static"


def no_bot() -> str | None:
    return None


def web_config(settings: Settings) -> WebConfig:
    return WebConfig(
        public_url=settings.web_address,
        rate_limit=settings.web_rate_limit,
        trusted_proxies=settings.web_trusted_proxies,
        max_body=settings.web_max_body,
        secret=settings.web_secret_key,
        bot_token=settings.bot_token.get_secret_value(),
    )


def create_web_app(
    *,
    settings: Settings,
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    bot_username: BotUsername = no_bot,
    render_certificate: Render | None = None,
    notify: Notify | None = None,
    mail: MailOutbox | None = None,
    compiled_templates: jinja2.BytecodeCache | None = None,
) -> web.Application:
    """The pages. `bot_username` gives the bot's @username once Telegram has answered (the
    "Register in Telegram" links), None until then or without a bot; `render_certificate`
    draws the certificate PDFs that the personal page hands out (the bot's own renderer);
    `notify` is what the bot says in people's chats after a page's action (web.context.Notify);
    `mail` is the e-mail outbox, None with e-mail off (web registrations are then active at
    once and the page after the form shows the personal link); `compiled_templates`: see
    web.render.Renderer."""
    config = web_config(settings)
    app = web.Application(
        client_max_size=config.max_body,
        middlewares=[security_headers, error_pages, language_switch, limit_posts, csrf_protection],
    )
    app[CONFIG] = config
    app[DEPS] = WebDeps(
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        session_factory=session_factory,
        # The bot's /verify calls the same function (handlers/certificates.py).
        verify=lambda typed: verify_certificate(session_factory, typed),
        bot_username=bot_username,
        render_certificate=render_certificate,
        notify=notify,
        mail=mail,
    )
    app[RENDERER] = Renderer(i18n, compiled=compiled_templates)
    app[RATE_LIMIT] = RateLimit(config.rate_limit)
    app[EXEMPT_POSTS] = set()
    app[SIGNED_POSTS] = set()
    app[REFILLED_POSTS] = {}
    app.router.add_static("/static/", STATIC, name="static")
    events.setup(app)
    verify.setup(app)
    personal.setup(app)
    registration.setup(app)
    miniapp.setup(app)
    classes.setup(app)
    unsubscribe.setup(app)
    return app


def add_exempt_post(app: web.Application, path: str, handler: Handler) -> None:
    """A POST route that is not one of the pages' forms (Telegram's webhook, authorised by its
    secret token): no CSRF token and no rate limit for it."""
    app[EXEMPT_POSTS].add(path)
    app.router.add_post(path, handler)


@contextlib.asynccontextmanager
async def web_site(
    app: web.Application, host: str, port: int, *, shutdown_timeout: float = 10.0
) -> AsyncIterator[web.AppRunner]:
    """The app listening on host:port until the block ends; a port taken or an address that
    is not ours is a one-line SettingsError naming the settings."""
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise SettingsError(
                f"WEB_HOST/WEB_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
        yield runner
    finally:
        await runner.cleanup()
