"""What the web app's parts share through the application: its dependencies and settings, under
typed keys (aiohttp.web.AppKey), and what a request carries from one middleware to the next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.certificates.issue import Render, Verified
from bot.services.events.catalog import EventCatalog

# The bot's @username once Telegram has answered (None before, or without a token): the
# "Register in Telegram" links need it.
BotUsername = Callable[[], str | None]
VerifyCertificate = Callable[[str], Awaitable[Verified | None]]


@dataclass(frozen=True)
class WebConfig:
    """The settings the pages use (from bot.settings.Settings)."""

    public_url: str
    rate_limit: int
    trusted_proxies: frozenset[str]
    max_body: int
    secret: bytes

    @property
    def secure_cookies(self) -> bool:
        # Behind an https proxy the app itself sees http: PUBLIC_URL says what browsers use.
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class WebDeps:
    """The services the pages call: the same ones the bot's handlers call."""

    catalog: EventCatalog
    clock: Clock
    i18n: I18n
    session_factory: async_sessionmaker[AsyncSession]
    verify: VerifyCertificate
    bot_username: BotUsername
    # Draws a certificate's PDF, the same renderer the bot sends with (the personal page's
    # download); None where certificates cannot be drawn.
    render_certificate: Render | None = None


CONFIG = web.AppKey("web_config", WebConfig)
DEPS = web.AppKey("web_deps", WebDeps)
# POST routes that are not the pages' forms (Telegram's webhook): no CSRF token, no rate limit;
# they are authorised otherwise (the webhook by its secret token).
EXEMPT_POSTS = web.AppKey("web_exempt_posts", set[str])

REQUEST_ID = web.RequestKey("web_request_id", str)
