"""What the web app's parts share through the application: its dependencies and settings, under
typed keys (aiohttp.web.AppKey), and what a request carries from one middleware to the next."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.services.certificates.issue import Render, Verified
from bot.services.classes.classes import JoinDecision
from bot.services.events.catalog import EventCatalog
from bot.services.registration.registrations import UserRegistration

if TYPE_CHECKING:
    # Imported only with e-mail on (bot/factory.py create_mail): it brings the SMTP client.
    from bot.services.mailing.outbox import MailOutbox

log = logging.getLogger(__name__)

# The bot's @username once Telegram has answered (None before, or without a token): the
# "Register in Telegram" links need it.
BotUsername = Callable[[], str | None]
VerifyCertificate = Callable[[str], Awaitable[Verified | None]]


class Notify(Protocol):
    """The one way from the pages to people's Telegram chats: what the bot says there after
    an action on a page, as it says it after the same action in the chat. Given by the bot
    (bot/app.py ChatNotices), which sends as its handlers do, paced and with its flood
    control; absent without a bot (`python -m bot run` without BOT_TOKEN). Telegram refusing
    a message, or out of reach, changes nothing the page saved."""

    async def registered(self, user_id: int, reg: UserRegistration) -> None:
        """A Mini App registration: the chat form's own confirmation, in the person's chat."""

    async def join_decided(self, decision: JoinDecision) -> None:
        """A pupil's request to join decided on the class page: the bot's words for it, in
        the pupil's chat and language."""


# At shutdown, what pages started in the background gets this long to end (a message still
# waiting for Telegram then is dropped: see Background).
BACKGROUND_DRAIN_SECONDS = 10.0


class Background:
    """Work a page starts and does not wait for: a message to someone's Telegram chat, which
    may wait for the pace, a flood-control pause, or a Telegram out of reach (a minute before
    the connection gives up), while the page answers at once. A failure is logged (the page
    has answered already). The app's cleanup, which comes before the bot's session closes,
    waits for what is still running, up to BACKGROUND_DRAIN_SECONDS, and cancels the rest."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed", what)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self, seconds: float = BACKGROUND_DRAIN_SECONDS) -> bool:
        """Waits for the work still running; after `seconds`, cancels it. False if it had to."""
        if not self._tasks:
            return True
        _, late = await asyncio.wait(set(self._tasks), timeout=seconds)
        for task in late:
            task.cancel()
        if late:
            log.warning("%s background tasks still running at shutdown, cancelled", len(late))
            await asyncio.wait(late)
        return not late


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
    # What the bot says in people's chats after a page's action; None without a bot.
    notify: Notify | None = None
    # The e-mail outbox (SMTP_URL set), else None: e-mail is off and the pages work as without
    # it. The pages queue letters in their own transactions and `wake()` it after committing.
    mail: MailOutbox | None = None


CONFIG = web.AppKey("web_config", WebConfig)
DEPS = web.AppKey("web_deps", WebDeps)
# POST routes that are not the pages' forms (Telegram's webhook): no CSRF token, no rate limit;
# they are authorised otherwise (the webhook by its secret token).
EXEMPT_POSTS = web.AppKey("web_exempt_posts", set[str])
# Form routes (by pattern, "/app/e/{slug}") whose forms carry a signature of their own instead
# of the CSRF token: the Mini App's, signed by Telegram (see web/routes/miniapp.py). The rate
# limit applies to them.
SIGNED_POSTS = web.AppKey("web_signed_posts", set[str])
# Form routes (by pattern) that, refused for their CSRF token, show the form again with what was
# typed instead of the refusal page: nothing is saved or done, and the form carries a new token
# (a long form's answers are not lost to a tab left open after the browser was closed).
REFILLED_POSTS = web.AppKey("web_refilled_posts", dict[str, Handler])

# What pages started and did not wait for (web/routes/classes.py sets it up).
BACKGROUND = web.AppKey("web_background", Background)

REQUEST_ID = web.RequestKey("web_request_id", str)
