"""Start-up and shutdown of the running bot (long polling)."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.commands import set_default_commands, set_organizer_commands
from bot.factory import (
    Services,
    create_bot,
    create_dispatcher,
    create_fsm,
    create_sender,
    create_services,
    storage_closes_last,
)
from bot.i18n import I18n
from bot.middlewares.inflight import InFlightUpdates
from bot.services.certificate_fonts import check_fonts
from bot.services.event_settings import apply_stored_overrides
from bot.services.events import load_events
from bot.services.registrations import sync_events
from bot.services.reminder_runner import ReminderService
from bot.services.replicas import Replica
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import startup_lock, upgrade

log = logging.getLogger(__name__)


def setup_logging(level: str) -> None:
    # One line per record, no colours: readable in a terminal and in journald alike.
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def schedule_reminders(
    scheduler: AsyncIOScheduler, reminders: ReminderService, check_seconds: float
) -> None:
    """A regular look at the database, plus a precise wake-up for the next wave."""

    def wake_at(moment: datetime) -> None:
        scheduler.add_job(
            reminders.reconcile,
            "date",
            run_date=moment,
            id="next-wave",
            replace_existing=True,
            misfire_grace_time=None,
        )

    reminders.on_next_wave = wake_at
    scheduler.add_job(
        reminders.reconcile,
        "interval",
        seconds=check_seconds,
        id="reconcile",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )


def schedule_replica(scheduler: AsyncIOScheduler, services: Services) -> None:
    """The heartbeat, and a regular look for broadcasts to join: one started on another
    replica, or left behind by a replica that is gone. Nothing here needs a leader: every
    replica runs every job, and the claims in the database keep the work from doubling."""
    replica = services.replica
    scheduler.add_job(
        replica.beat, "interval", seconds=replica.beat_every, id="beat", max_instances=1
    )
    scheduler.add_job(
        services.broadcasts.resume_all,
        "interval",
        seconds=replica.beat_every,
        id="broadcasts",
        max_instances=1,
        coalesce=True,
    )


async def run_polling(
    settings: Settings, clock: Clock | None = None, bot: Bot | None = None
) -> None:
    clock = clock or SystemClock()
    catalog = load_events(settings.events_file)
    for problem in check_fonts():
        # Certificates cannot be drawn without them; everything else still works.
        log.error("certificate fonts: %s", problem)
    i18n = I18n()
    engine = create_engine(settings.database_url)
    try:
        session_factory = create_session_factory(engine)
        async with startup_lock(engine):
            await upgrade(engine)
            async with session_factory() as session:
                await sync_events(session, catalog, clock)
                await apply_stored_overrides(session, catalog)
        now = clock.now()
        for event in catalog:
            log.info("event %s: %s", event.slug, event.state(now).value)
        bot = bot or create_bot(settings)
        storage, isolation = create_fsm(settings)
        services = create_services(
            bot=bot,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            sender=create_sender(settings, bot.id, storage),
            replica=Replica(session_factory, timeout=settings.replica_timeout),
        )
        reminders, broadcasts = services.reminders, services.broadcasts
        certificates = services.certificates
        dp = create_dispatcher(
            storage=storage,
            events_isolation=isolation,
            settings=settings,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
            reminders=reminders,
            broadcasts=broadcasts,
            certificates=certificates,
        )
        scheduler = AsyncIOScheduler(timezone="UTC")
        schedule_reminders(scheduler, reminders, settings.reminder_check_seconds)
        schedule_replica(scheduler, services)
        # Certificates go out automatically after each event's end plus its delay.
        scheduler.add_job(
            certificates.reconcile,
            "interval",
            seconds=max(settings.reminder_check_seconds, 60),
            id="certificates",
            max_instances=1,
            coalesce=True,
        )

        async def on_startup() -> None:
            await services.replica.beat()
            await set_default_commands(bot, i18n)
            await set_organizer_commands(bot, i18n, session_factory, settings.admin_ids)
            scheduler.start()
            await broadcasts.resume_all()

        async def on_shutdown(dispatcher: Dispatcher) -> None:
            # Runs after polling stopped and before the HTTP session closes: finish what is
            # in flight so that nothing confirmed to Telegram is lost.
            scheduler.shutdown(wait=False)
            inflight: InFlightUpdates = dispatcher["inflight"]
            if not await inflight.drain(settings.shutdown_timeout):
                log.warning("%s updates still running at shutdown", inflight.count)
            await reminders.stop()
            await broadcasts.stop()
            await certificates.stop()
            # Claims are given back above: the others need not wait for a timeout.
            await services.replica.retire()

        dp.startup.register(on_startup)
        dp.shutdown.register(on_shutdown)
        storage_closes_last(dp)
        # start_polling installs the SIGINT/SIGTERM handlers.
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await engine.dispose()
        log.info("stopped")


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
