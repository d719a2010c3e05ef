"""Start-up and shutdown of the running bot (long polling)."""

from __future__ import annotations

import logging

from aiogram import Bot

from bot.clock import Clock, SystemClock
from bot.commands import set_default_commands
from bot.factory import create_bot, create_dispatcher
from bot.i18n import I18n
from bot.services.events import load_events
from bot.services.registrations import sync_events
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade

log = logging.getLogger(__name__)


def setup_logging(level: str) -> None:
    # One line per record, no colours: readable in a terminal and in journald alike.
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.INFO))


async def run_polling(
    settings: Settings, clock: Clock | None = None, bot: Bot | None = None
) -> None:
    clock = clock or SystemClock()
    catalog = load_events(settings.events_file)
    i18n = I18n()
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, catalog, clock)
        now = clock.now()
        for event in catalog:
            log.info("event %s: %s", event.slug, event.state(now).value)
        bot = bot or create_bot(settings)
        dp = create_dispatcher(
            settings=settings,
            session_factory=session_factory,
            catalog=catalog,
            clock=clock,
            i18n=i18n,
        )
        try:
            await set_default_commands(bot, i18n)
            me = await bot.me()
            log.info("running as @%s (id %s)", me.username, me.id)
            # start_polling installs SIGINT/SIGTERM handlers and finishes in-flight updates.
            await dp.start_polling(
                bot,
                allowed_updates=dp.resolve_used_update_types(),
                close_bot_session=True,
            )
        finally:
            await bot.session.close()
    finally:
        await engine.dispose()
        log.info("stopped")


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
