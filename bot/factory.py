"""The one place that builds the bot and the dispatcher: `python -m bot` and the tests both
call create_dispatcher, so the tests drive exactly what production runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n
from bot.middlewares.callback_answers import CallbackAnswerScope, RecordCallbackAnswers
from bot.middlewares.database import DatabaseMiddleware
from bot.middlewares.flood_control import FloodControl
from bot.middlewares.inflight import InFlightUpdates
from bot.middlewares.update_context import install_first as install_log_context
from bot.middlewares.user import UserMiddleware
from bot.services.certificates.documents import default_renderer
from bot.services.certificates.issue import CertificateService, Render
from bot.services.certificates.render import make_render
from bot.services.delivery.broadcasts import BroadcastService
from bot.services.delivery.pacing import PacedSender, RateLimiter
from bot.services.delivery.replicas import Replica
from bot.services.delivery.shared_pace import RedisSlots, slots_key
from bot.services.events.catalog import EventCatalog
from bot.services.reminders.moved import MovedNotices
from bot.services.reminders.runner import ReminderService
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services.mailing.links import MailLinks
    from bot.services.mailing.outbox import MailOutbox, MailSender
from handlers import build_root_router
from handlers.admin.broadcast import progress_hook
from handlers.admin.live_board import LiveBoards
from handlers.attendance import checkin_keyboard
from handlers.certificates import feedback_question


def create_bot(
    settings: Settings,
    session: BaseSession | None = None,
    flood_control: FloodControl | None = None,
) -> Bot:
    """The Bot, with flood control on its session: every request it makes (a handler's reply as
    much as a reminder) is paced at SEND_RATE and waits out a 429 (see
    bot/middlewares/flood_control.py). The paced sender shares its limiter: see create_sender."""
    if session is None:
        session = AiohttpSession()
        if settings.telegram_api_url:
            session.api = TelegramAPIServer.from_base(settings.telegram_api_url)
    # Lets the error handler know which button presses were answered already.
    session.middleware(RecordCallbackAnswers())
    session.middleware(flood_control or FloodControl(RateLimiter(settings.send_rate)))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def bot_limiter(bot: Bot) -> RateLimiter:
    """The limiter create_bot put on the bot's session: the one pace of everything it sends."""
    for middleware in bot.session.middleware:
        if isinstance(middleware, FloodControl):
            return middleware.limiter
    raise ValueError("this Bot was not made by create_bot: it has no flood control")


def create_mail_sender(settings: Settings) -> MailSender | None:
    """The SMTP side of e-mail when SMTP_URL is set, else None (e-mail off): one connection
    and one pace for everything this process e-mails (the outbox and the reminder waves)."""
    server, sender = settings.smtp_server, settings.mail_sender
    if server is None or sender is None:
        return None
    # Imported only with e-mail on: aiosmtplib and the message builder.
    from bot.services.delivery.mail.pacer import MailPacer
    from bot.services.delivery.mail.transport import SmtpTransport
    from bot.services.mailing.outbox import MailSender

    return MailSender(
        transport=SmtpTransport(server, sender.address),
        pacer=MailPacer(settings.email_rate, daily_limit=settings.email_daily_limit),
        sender=sender,
    )


def create_mail_links(settings: Settings) -> MailLinks:
    """The signed addresses e-mails carry (the personal page, the one-click unsubscribe)."""
    from bot.services.mailing.links import MailLinks

    return MailLinks(settings.web_address, settings.web_secret_key)


def create_mail(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    replica: Replica,
    sender: MailSender | None = None,
    render_certificate: Render | None = None,
    bot: Bot | None = None,
) -> MailOutbox | None:
    """The e-mail outbox when SMTP_URL is set, else None (e-mail off). It runs with the pages,
    Telegram or not: where Telegram is blocked, e-mail is how people hear from us. `sender`:
    the one the reminder waves use too (create_services), so both share a connection and a
    pace; by default its own."""
    sender = sender or create_mail_sender(settings)
    if sender is None:
        return None
    from bot.services.mailing.outbox import MailOutbox

    return MailOutbox(
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=sender,
        links=create_mail_links(settings),
        replica=replica,
        pending_days=settings.pending_days,
        render_certificate=render_certificate,
        public_url=settings.public_url,
        bot=bot,  # downloads the broadcasts' files for their letters
    )


@dataclass(frozen=True)
class Services:
    """The long-lived workers that send on their own: reminder waves, broadcasts and
    certificates, sharing one paced sender so that together they stay within Telegram's limits,
    and claiming their work in the name of one replica (this process)."""

    reminders: ReminderService
    broadcasts: BroadcastService
    certificates: CertificateService
    replica: Replica


def create_services(
    *,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    sender: PacedSender,
    replica: Replica | None = None,
    web_address: str | None = None,
    mail: MailSender | None = None,
    mail_links: MailLinks | None = None,
) -> Services:
    """`web_address` is PUBLIC_URL: the certificates' QR codes point at its /verify/<number>.
    None (no PUBLIC_URL, and the default) draws them without a web address. `mail` and
    `mail_links` (create_mail_sender, create_mail_links; SMTP_URL set): the reminders go by
    e-mail too, through the sender the outbox uses."""
    replica = replica or Replica(session_factory)
    reminders = ReminderService(
        bot=bot,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=sender,
        replica=replica,
        mail=mail,
        links=mail_links,
    )
    broadcasts = BroadcastService(
        bot=bot,
        session_factory=session_factory,
        clock=clock,
        sender=sender,
        replica=replica,
        email_on=mail is not None,
    )
    broadcasts.on_progress = progress_hook(bot, i18n, session_factory, sender.rate)
    reminders.start_markup = checkin_keyboard

    async def bot_username() -> str:
        return (await bot.me()).username or "bot"

    certificates = CertificateService(
        bot=bot,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        sender=sender,
        render=make_render(default_renderer(), bot_username, web_address),
        i18n=i18n,
        replica=replica,
    )
    certificates.after_send = feedback_question(bot, i18n, session_factory)
    return Services(reminders, broadcasts, certificates, replica)


def create_fsm(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    """Memory by default; Redis when REDIS_URL is set, so a half-filled form survives a restart
    and the per-chat lock holds across replicas."""
    if settings.redis_url is None:
        return MemoryStorage(), SimpleEventIsolation()
    from aiogram.fsm.storage.redis import RedisStorage

    storage = RedisStorage.from_url(settings.redis_url)
    return storage, storage.create_isolation()


def create_sender(settings: Settings, bot: Bot, storage: BaseStorage) -> PacedSender:
    """The paced sender, on the bot's own limiter: replies and bulk sends share one pace, replies
    first. With Redis (REDIS_URL) the slots are shared by every replica, so that SEND_RATE
    holds for all of them together."""
    limiter = bot_limiter(bot)
    if isinstance(storage, MemoryStorage):
        return PacedSender(limiter=limiter)
    # Imported only with Redis: the client library costs about 5 MB (bench/memory.py).
    from aiogram.fsm.storage.redis import RedisStorage

    if isinstance(storage, RedisStorage):
        # One Redis client for forms and pace: closed once, last (see storage_closes_last).
        limiter.share(RedisSlots(storage.redis, slots_key(bot.id), limiter.rate))
    return PacedSender(limiter=limiter)


def storage_closes_last(dp: Dispatcher) -> None:
    """aiogram closes the FSM storage in its first shutdown handler; with Redis, updates still
    being drained and messages still in flight need it (and the shared pace) until the end."""
    close = [h for h in dp.shutdown.handlers if h.callback == dp.fsm.close]
    dp.shutdown.handlers = [h for h in dp.shutdown.handlers if h not in close] + close


def create_dispatcher(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    reminders: ReminderService,
    broadcasts: BroadcastService,
    certificates: CertificateService,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
    moved: MovedNotices | None = None,
    live: LiveBoards | None = None,
    handlers: Router | None = None,
) -> Dispatcher:
    """`moved`: the notices of a new time (the runtime schedules its resume() and stops it);
    by default one on the reminder service's bot, pace and replica. `live`: the /live boards
    (the runtime schedules their tick() and shuts them down); by default on the same bot.
    `handlers`: the handlers' router tree, built anew by default (it holds no state: the
    dispatcher carries the storage, the services and the middlewares that do); the tests lend
    one tree to one dispatcher at a time (tests/harness.py, RouterLender)."""
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        # Updates of one chat are handled one after another: a double tap on a button or two
        # quick messages cannot race through the form.
        events_isolation=events_isolation or SimpleEventIsolation(),
        # Workflow data: every handler and middleware can ask for these by name.
        settings=settings,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        reminders=reminders,
        broadcasts=broadcasts,
        certificates=certificates,
        moved=moved or MovedNotices.of(reminders),
        live=live or LiveBoards.of(reminders, settings.admin_ids),
        admin_ids=settings.admin_ids,
    )
    # Outermost: every log line of the middlewares and handlers carries the update id.
    install_log_context(dp)
    inflight = InFlightUpdates()
    dp["inflight"] = inflight
    dp.update.outer_middleware(inflight)
    dp.update.outer_middleware(CallbackAnswerScope())
    dp.update.outer_middleware(DatabaseMiddleware(session_factory))
    dp.update.outer_middleware(UserMiddleware())
    dp.include_router(handlers or build_root_router())
    return dp
