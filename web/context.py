"""What the web app's parts share through the application: its dependencies and settings, under
typed keys (aiohttp.web.AppKey), and what a request carries from one middleware to the next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.certificates.issue import Render, Verified
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import UserRegistration

# The bot's @username once Telegram has answered (None before, or without a token): the
# "Register in Telegram" links need it.
BotUsername = Callable[[], str | None]
VerifyCertificate = Callable[[str], Awaitable[Verified | None]]
# Confirms a Mini App registration in the person's Telegram chat (their user id), as the chat
# form does: given by the bot (bot/app.py), which sends it with its flood control.
Notify = Callable[[int, UserRegistration], Awaitable[None]]


@dataclass(frozen=True)
class WebConfig:
    """The settings the pages use (from bot.settings.Settings)."""

    public_url: str
    rate_limit: int
    trusted_proxies: frozenset[str]
    max_body: int
    secret: bytes
    # Checks the Mini App's init data (signed by Telegram with it); empty without a bot.
    bot_token: str = field(default="", repr=False)

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
    # Confirms a Mini App registration in the chat; None without a bot.
    notify: Notify | None = None


CONFIG = web.AppKey("web_config", WebConfig)
DEPS = web.AppKey("web_deps", WebDeps)
# POST routes that are not the pages' forms (Telegram's webhook): no CSRF token, no rate limit;
# they are authorised otherwise (the webhook by its secret token).
EXEMPT_POSTS = web.AppKey("web_exempt_posts", set[str])
# Form routes (by pattern, "/app/e/{slug}") whose forms carry a signature of their own instead
# of the CSRF token: the Mini App's, signed by Telegram (see web/routes/miniapp.py). The rate
# limit applies to them.
SIGNED_POSTS = web.AppKey("web_signed_posts", set[str])

REQUEST_ID = web.RequestKey("web_request_id", str)
