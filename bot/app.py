"""Start-up and shutdown of the running bot.

`assemble` builds everything a running bot is made of (the Runtime) and takes it apart again;
the two ways of receiving updates only differ in what they do inside it: long polling
(`run_polling`, here) and the webhook server (`bot.webhook.run_webhook`). A new worker, job or
start-up step goes into the Runtime, and both get it.

Both serve the web pages (web/): polling on WEB_HOST:WEB_PORT, from before the first request to
Telegram, so that the pages work while Telegram is unreachable; the webhook on its own port.
Without a BOT_TOKEN, `run_web_only` serves the pages alone (a newcomer's first run)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.commands import set_default_commands, set_organizer_commands
from bot.factory import (
    Services,
    create_bot,
    create_dispatcher,
    create_fsm,
    create_mail,
    create_mail_links,
    create_mail_sender,
    create_sender,
    create_services,
    storage_closes_last,
)
from bot.i18n import I18n
from bot.middlewares.inflight import InFlightUpdates
from bot.services.certificates.documents import default_renderer
from bot.services.certificates.fonts import check_fonts
from bot.services.certificates.issue import CertificateService, Render
from bot.services.certificates.render import make_render
from bot.services.classes.classes import JoinDecision
from bot.services.delivery.pacing import PacedSender, RateLimiter
from bot.services.delivery.replicas import Replica
from bot.services.delivery.seat_notices import SeatNotices
from bot.services.events.catalog import EventCatalog, load_events
from bot.services.events.settings import apply_stored_overrides
from bot.services.organizers.live import UPDATE_EVERY as LIVE_UPDATE_EVERY
from bot.services.registration.registrations import UserRegistration, sync_events
from bot.services.reminders.runner import ReminderService
from bot.services.venues.door import coordinator_ids
from bot.services.venues.seats import fill_after_changes
from bot.settings import HEALTH_PATH, Settings
from db.engine import create_engine, create_session_factory
from db.migrate import migrate_at_startup, startup_lock, upgrade
from handlers.class_join import tell_pupil
from handlers.confirmation import announce_registration
from web.app import create_web_app, web_site

if TYPE_CHECKING:
    from bot.services.mailing.outbox import MailOutbox

log = logging.getLogger(__name__)

# Waiting for Telegram at start-up (a wrong token, no route to api.telegram.org): the first
# retry after this many seconds, doubling up to the longest pause.
TELEGRAM_FIRST_RETRY = 5.0
TELEGRAM_LONGEST_RETRY = 300.0


Job = Callable[[], Awaitable[Any]]


class JobsInFlight:
    """The scheduled jobs running right now. APScheduler's shutdown cancels a coroutine job
    midway (a reconcile closing its database session), which it then logs with a traceback;
    the runtime instead stops scheduling, lets the services stop, waits for the jobs still
    running to end, and only then shuts the scheduler down."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def track(self, job: Job) -> Job:
        async def run() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                return await job()
            finally:
                self._running.discard(task)

        return run

    async def drain(self, seconds: float) -> bool:
        """True when every job ended within `seconds`."""
        running = {task for task in self._running if task is not asyncio.current_task()}
        if not running:
            return True
        _, pending = await asyncio.wait(running, timeout=seconds)
        return not pending


def schedule_reminders(
    scheduler: AsyncIOScheduler,
    reminders: ReminderService,
    check_seconds: float,
    jobs: JobsInFlight,
) -> None:
    """A regular look at the database, plus a precise wake-up for the next wave."""
    reconcile = jobs.track(reminders.reconcile)

    def wake_at(moment: datetime) -> None:
        scheduler.add_job(
            reconcile,
            "date",
            run_date=moment,
            id="next-wave",
            replace_existing=True,
            misfire_grace_time=None,
        )

    reminders.on_next_wave = wake_at
    scheduler.add_job(
        reconcile,
        "interval",
        seconds=check_seconds,
        id="reconcile",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )


def schedule_replica(scheduler: AsyncIOScheduler, services: Services, jobs: JobsInFlight) -> None:
    """The heartbeat, and a regular look for broadcasts to join: one started on another
    replica, or left behind by a replica that is gone; and for scheduled broadcasts whose time
    has come. Nothing here needs a leader: every replica runs every job, and the claims in the
    database keep the work from doubling."""
    replica = services.replica
    scheduler.add_job(
        jobs.track(replica.beat),
        "interval",
        seconds=replica.beat_every,
        id="beat",
        max_instances=1,
    )
    scheduler.add_job(
        jobs.track(services.broadcasts.resume_all),
        "interval",
        seconds=replica.beat_every,
        id="broadcasts",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        jobs.track(services.broadcasts.start_due),
        "interval",
        seconds=replica.beat_every,
        id="due-broadcasts",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),  # one overdue at start-up starts at once
    )


@dataclass(frozen=True)
class ChatNotices:
    """What the web app has the bot say in people's chats (its `notify`, web.context.Notify):
    the messages the bot's handlers send after the same actions in the chat, sent by this bot
    (with its flood control). Telegram refusing one, or out of reach, leaves what the page
    saved as it is: a warning is logged, and the bot shows the state when asked (/me, the
    class link)."""

    bot: Bot
    i18n: I18n
    clock: Clock
    reminders: ReminderService

    async def registered(self, user_id: int, reg: UserRegistration) -> None:
        """A Mini App registration: the chat form's own confirmation and calendar file."""
        try:
            await announce_registration(
                self.bot, user_id, self.i18n(reg.row.language), reg, self.clock, self.reminders
            )
        except TelegramAPIError as exc:
            log.warning(
                "could not confirm a Mini App registration in the chat: %s", type(exc).__name__
            )

    async def join_decided(self, decision: JoinDecision) -> None:
        """A pupil's request decided on the class page: what the teacher's buttons in the chat
        make the bot tell the pupil."""
        try:
            await tell_pupil(self.bot, self.i18n, decision)
        except TelegramAPIError as exc:
            log.warning("could not tell a pupil of the teacher's decision: %s", type(exc).__name__)


@dataclass
class Runtime:
    """The running bot, however updates arrive: its database, Bot, workers, dispatcher and
    scheduler, and what happens when it starts and stops."""

    settings: Settings
    clock: Clock
    catalog: EventCatalog
    i18n: I18n
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot
    storage: BaseStorage
    services: Services
    dp: Dispatcher
    scheduler: AsyncIOScheduler
    jobs: JobsInFlight = field(default_factory=JobsInFlight)
    # The e-mail outbox (SMTP_URL set), running with the pages: see mail_running.
    mail: MailOutbox | None = None
    # Known once Telegram has answered getMe: the pages' "Register in Telegram" links.
    bot_username: str | None = None

    def web_app(self) -> web.Application:
        """The pages, on this runtime's database, events and texts."""
        return create_web_app(
            settings=self.settings,
            catalog=self.catalog,
            clock=self.clock,
            i18n=self.i18n,
            session_factory=self.session_factory,
            bot_username=lambda: self.bot_username,
            render_certificate=self.services.certificates.render,
            notify=ChatNotices(self.bot, self.i18n, self.clock, self.services.reminders),
            mail=self.mail,
        )

    async def connect(self) -> None:
        """Asks Telegram who the bot is (aiogram keeps the answer); raises when it refuses."""
        me = await self.bot.me()
        self.bot_username = me.username

    def schedule_jobs(self) -> None:
        """Every periodic job; they start with on_startup."""
        settings, services = self.settings, self.services
        jobs = self.jobs
        schedule_reminders(
            self.scheduler, services.reminders, settings.reminder_check_seconds, jobs
        )
        schedule_replica(self.scheduler, services, jobs)
        # The notice of a new time (an organizer moved an event): finished after a restart, and
        # sent to those who unblock the bot later (bot/services/reminders/moved.py).
        self.scheduler.add_job(
            jobs.track(self.dp["moved"].resume),
            "interval",
            seconds=settings.reminder_check_seconds,
            id="moved",
            max_instances=1,
            coalesce=True,
        )
        # The notices of freed seats at venues queued where no bot sent them at once (the
        # personal page, /find, the purge), or interrupted by a restart
        # (bot/services/delivery/seat_notices.py).
        seat_notices = SeatNotices(
            bot=self.bot,
            session_factory=self.session_factory,
            catalog=self.catalog,
            clock=self.clock,
            i18n=self.i18n,
        )
        self.scheduler.add_job(
            jobs.track(seat_notices.send),
            "interval",
            seconds=settings.reminder_check_seconds,
            id="seat-notices",
            max_instances=1,
            coalesce=True,
        )
        # Certificates go out automatically after each event's end plus its delay.
        self.scheduler.add_job(
            jobs.track(services.certificates.reconcile),
            "interval",
            seconds=max(settings.reminder_check_seconds, 60),
            id="certificates",
            max_instances=1,
            coalesce=True,
        )
        # The /live boards: one count per watched event, an edit where the text changed.
        self.scheduler.add_job(
            jobs.track(self.dp["live"].tick),
            "interval",
            seconds=LIVE_UPDATE_EVERY.total_seconds(),
            id="live",
            max_instances=1,
            coalesce=True,
        )

    async def on_startup(self) -> None:
        """Before the first update: polling starts, or the webhook server listens, after it."""
        # Before the first claim: what a killed previous life of this process had claimed is
        # sent now, not after REPLICA_TIMEOUT. SQLite serves one process: all earlier ones are.
        await self.services.replica.take_over_previous_lives(
            only_process=self.engine.dialect.name == "sqlite"
        )
        await self.services.replica.beat()
        await set_default_commands(self.bot, self.i18n)
        await set_organizer_commands(
            self.bot,
            self.i18n,
            self.session_factory,
            self.settings.admin_ids,
            coordinators=coordinator_ids(self.catalog, self.clock.now()),
        )
        self.scheduler.start()
        await self.services.broadcasts.resume_all()

    async def on_shutdown(self) -> None:
        """Runs once no new update can come in (polling stopped, or the webhook server stopped
        listening) and before the bot's HTTP session closes: finish what is in flight, so that
        nothing confirmed to Telegram is lost."""
        self.scheduler.pause()  # no new job; those running end below
        inflight: InFlightUpdates = self.dp["inflight"]
        if not await inflight.drain(self.settings.shutdown_timeout):
            log.warning("%s updates still running at shutdown", inflight.count)
        # Open /live boards say they stopped updating, while the bot can still edit them.
        await self.dp["live"].shutdown()
        services = self.services
        await services.reminders.stop()
        await self.dp["moved"].stop()
        await services.broadcasts.stop()
        await services.certificates.stop()
        if self.mail is not None:
            await self.mail.stop()  # before the replica retires; stopping twice is harmless
        # The services stopped: a job still running (a reconcile, a beat) ends soon.
        if not await self.jobs.drain(self.settings.shutdown_timeout):
            log.warning("a scheduled job was still running at shutdown")
        self.scheduler.shutdown(wait=False)
        # Claims are given back above: the others need not wait for a timeout.
        await services.replica.retire()


async def prepare_database(
    engine: AsyncEngine, settings: Settings, catalog: EventCatalog, clock: Clock
) -> async_sessionmaker[AsyncSession]:
    """Migrated, with the events file's events in it (and the organizers' stored changes to
    them in the catalog)."""
    session_factory = create_session_factory(engine)
    async with startup_lock(engine):
        await migrate_at_startup(engine, settings.database_url)
        async with session_factory() as session:
            await sync_events(session, catalog, clock)
            await apply_stored_overrides(session, catalog)
            promoted = await fill_after_changes(session, catalog, clock.now())
            await session.commit()
        if promoted:
            # Their notices are queued: the regular look sends them.
            log.info("%d waiting registrants got a seat the events file added", len(promoted))
    now = clock.now()
    for event in catalog:
        log.info("event %s: %s", event.slug, event.state(now).value)
    return session_factory


@asynccontextmanager
async def assemble(
    settings: Settings, clock: Clock | None = None, bot: Bot | None = None
) -> AsyncIterator[Runtime]:
    """The Runtime, with the database migrated and the events synced. The dispatcher's
    startup and shutdown run the Runtime's on_startup and on_shutdown (and close the FSM
    storage last); leaving the block closes the bot's HTTP session, then the database."""
    clock = clock or SystemClock()
    catalog = load_events(settings.events_file)
    for problem in check_fonts():
        # Certificates cannot be drawn without them; everything else still works.
        log.error("certificate fonts: %s", problem)
    i18n = I18n()
    engine = create_engine(settings.database_url)
    bot = bot or create_bot(settings)
    try:
        session_factory = await prepare_database(engine, settings, catalog, clock)
        storage, isolation = create_fsm(settings)
        # One SMTP connection and one pace for the outbox and the reminder waves.
        mail_sender = create_mail_sender(settings)
        services = create_services(
            bot=bot,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            sender=create_sender(settings, bot, storage),
            replica=Replica(
                session_factory, timeout=settings.replica_timeout, name=settings.replica_name
            ),
            web_address=settings.public_url,
            mail=mail_sender,
            mail_links=create_mail_links(settings) if mail_sender else None,
        )
        dp = create_dispatcher(
            storage=storage,
            events_isolation=isolation,
            settings=settings,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            reminders=services.reminders,
            broadcasts=services.broadcasts,
            certificates=services.certificates,
        )
        mail = create_mail(
            settings,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            replica=services.replica,
            sender=mail_sender,
            render_certificate=services.certificates.render,
            bot=bot,
        )
        # The bot's handlers and the certificates wake the outbox when they queue a letter.
        dp["mail_outbox"] = mail
        if mail is not None:
            services.certificates.on_mail_queued = mail.wake
            services.reminders.on_mail_queued = mail.wake  # class letters
        runtime = Runtime(
            mail=mail,
            settings=settings,
            clock=clock,
            catalog=catalog,
            i18n=i18n,
            engine=engine,
            session_factory=session_factory,
            bot=bot,
            storage=storage,
            services=services,
            dp=dp,
            scheduler=AsyncIOScheduler(timezone="UTC"),
        )
        runtime.schedule_jobs()
        dp.startup.register(runtime.on_startup)
        dp.shutdown.register(runtime.on_shutdown)
        storage_closes_last(dp)
        yield runtime
    finally:
        # After the shutdown above: messages still in flight had the session until the end.
        await bot.session.close()
        await engine.dispose()
        log.info("stopped")


@contextlib.contextmanager
def stop_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGTERM or SIGINT, from now on (even during start-up)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def telegram_problem(exc: TelegramAPIError, settings: Settings) -> str:
    """Why Telegram cannot be used, in one line with the remedy (no traceback: the cause is
    almost always the token or the network, not the code)."""
    server = settings.telegram_api_url or "https://api.telegram.org"
    if isinstance(exc, TelegramUnauthorizedError):
        return (
            f"Telegram ({server}) refused BOT_TOKEN (401 Unauthorized): put the token "
            "@BotFather gave you in .env"
        )
    if isinstance(exc, TelegramNetworkError):
        reason = exc.message.removeprefix("HTTP Client says - ")
        return (
            f"cannot reach Telegram at {server} ({reason}): where Telegram is blocked, set "
            "TELEGRAM_API_URL to a Bot API server this machine can reach (or run it behind "
            "a proxy that can)"
        )
    return f"Telegram ({server}) answered {type(exc).__name__}: {exc.message}"


async def wait_for_telegram(runtime: Runtime, stop: asyncio.Event) -> bool:
    """Until Telegram answers getMe, one line per attempt saying why not, pausing longer
    each time; the pages keep serving meanwhile. False if SIGTERM/SIGINT came first."""
    pause = TELEGRAM_FIRST_RETRY
    while not stop.is_set():
        try:
            await runtime.connect()
            return True
        except TelegramAPIError as exc:
            log.error(
                "%s; the web page keeps serving, the bot tries again in %.0f s",
                telegram_problem(exc, runtime.settings),
                pause,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(pause * 2, TELEGRAM_LONGEST_RETRY)
    return False


def log_web_address(settings: Settings, host: str, port: int) -> None:
    log.info("web page: http://%s:%s", host, port)
    if settings.public_url is None:
        log.warning(
            "PUBLIC_URL is not set: links and QR codes point to %s, and certificates carry no "
            "web address (no QR code); set it to the address people open (https://...)",
            settings.web_address,
        )


async def run_polling(
    settings: Settings, clock: Clock | None = None, bot: Bot | None = None
) -> None:
    # bot.webhook imports this module; the health check lives there.
    from bot.webhook import runtime_health

    async with assemble(settings, clock, bot) as runtime:
        app = runtime.web_app()
        app.router.add_get(HEALTH_PATH, runtime_health(runtime).handle)
        host, port = settings.web_host, settings.web_port
        async with (
            web_site(app, host, port, shutdown_timeout=settings.shutdown_timeout),
            mail_running(runtime.mail, settings),
        ):
            log_web_address(settings, host, port)
            with stop_signals() as stop:
                if not await wait_for_telegram(runtime, stop):
                    log.info("stopped before Telegram answered")
                    return
            dp = runtime.dp
            # start_polling installs the SIGINT/SIGTERM handlers, and on them stops polling,
            # runs the shutdown handlers, then closes the bot's session.
            await dp.start_polling(runtime.bot, allowed_updates=dp.resolve_used_update_types())


async def no_username() -> str:
    return ""


@asynccontextmanager
async def mail_running(mail: MailOutbox | None, settings: Settings) -> AsyncIterator[None]:
    """The e-mail outbox sends while the pages serve, whether Telegram answers or not."""
    if mail is None:
        log.info("e-mail is off (no SMTP_URL): confirmations and reminders go through the bot")
        yield
        return
    server = settings.smtp_server
    log.info("e-mail: %s, %s per second", server.label if server else "?", settings.email_rate)
    await mail.replica.join()
    mail.start()
    try:
        yield
    finally:
        await mail.stop()


async def run_web_only(settings: Settings, clock: Clock | None = None) -> None:
    """No BOT_TOKEN yet: the pages alone, on the same database and events file."""
    from bot.webhook import Health, database_check

    clock = clock or SystemClock()
    catalog = load_events(settings.events_file)
    i18n = I18n()
    engine = create_engine(settings.database_url)
    try:
        session_factory = await prepare_database(engine, settings, catalog, clock)
        replica = Replica(
            session_factory, timeout=settings.replica_timeout, name=settings.replica_name
        )
        await replica.take_over_previous_lives(only_process=engine.dialect.name == "sqlite")
        mail_sender = create_mail_sender(settings)
        # No bot: the certificates go without the line naming it.
        render = make_render(default_renderer(), no_username, settings.public_url)
        mail = create_mail(
            settings,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            replica=replica,
            sender=mail_sender,
            render_certificate=render,
        )
        app = create_web_app(
            settings=settings,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            session_factory=session_factory,
            render_certificate=render,
            mail=mail,
        )
        app.router.add_get(HEALTH_PATH, Health({"database": database_check(engine)}).handle)
        host, port = settings.web_host, settings.web_port
        with stop_signals() as stop:
            async with (
                web_site(app, host, port, shutdown_timeout=settings.shutdown_timeout),
                mail_running(mail, settings),
                mail_reminders(
                    settings, mail, session_factory, catalog, clock, i18n, replica, render
                ),
            ):
                log_web_address(settings, host, port)
                log.warning(
                    "BOT_TOKEN is not set: the web page runs alone; the Telegram bot joins once "
                    "BOT_TOKEN (from @BotFather) is in .env"
                )
                await stop.wait()
        await replica.retire()
    finally:
        await engine.dispose()
        log.info("stopped")


@asynccontextmanager
async def mail_reminders(
    settings: Settings,
    mail: MailOutbox | None,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    replica: Replica,
    render: Render,
) -> AsyncIterator[None]:
    """The pages alone (no BOT_TOKEN) with e-mail on: the reminder waves go by e-mail, planned
    and claimed exactly as with the bot, and certificates are issued after the event and
    e-mailed (where Telegram is blocked this is the deployment). The outbox's sender: one
    connection and one pace for all mail."""
    if mail is None:
        yield
        return
    sender = mail.sender
    unused = PacedSender(limiter=RateLimiter(settings.send_rate))  # no Telegram
    reminders = ReminderService(
        bot=None,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        i18n=i18n,
        sender=unused,
        replica=replica,
        mail=sender,
        links=create_mail_links(settings),
    )
    certificates = CertificateService(
        bot=None,
        session_factory=session_factory,
        catalog=catalog,
        clock=clock,
        sender=unused,
        render=render,
        i18n=i18n,
        replica=replica,
    )
    certificates.on_mail_queued = mail.wake
    reminders.on_mail_queued = mail.wake  # class letters
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = JobsInFlight()
    schedule_reminders(scheduler, reminders, settings.reminder_check_seconds, jobs)
    scheduler.add_job(
        jobs.track(certificates.reconcile),
        "interval",
        seconds=max(settings.reminder_check_seconds, 60),
        id="certificates",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.pause()
        await reminders.stop()
        await certificates.stop()
        if not await jobs.drain(settings.shutdown_timeout):
            log.warning("a scheduled job was still running at shutdown")
        scheduler.shutdown(wait=False)


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
