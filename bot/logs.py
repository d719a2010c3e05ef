"""Logging set-up: one line per record, each with the id of the update being handled, so that
`journalctl -u victory-bot | grep update=123` shows everything one update did."""

from __future__ import annotations

import logging
from contextvars import ContextVar

# The update being handled in this task; set by bot.middlewares.update_context. A ContextVar
# is per task (each update runs in its own), not state shared between updates.
current_update: ContextVar[int | None] = ContextVar("current_update", default=None)

FORMAT = "%(asctime)s %(levelname)s update=%(update)s %(name)s: %(message)s"


class UpdateIdFilter(logging.Filter):
    """Adds `record.update`: the id of the update being handled, or `-` outside updates."""

    def filter(self, record: logging.LogRecord) -> bool:
        update_id = current_update.get()
        if update_id is None:
            update_id = _aiogram_update_id(record)
        record.update = "-" if update_id is None else str(update_id)
        return True


# aiogram logs these two lines per update after our middlewares have returned, the update id
# being their first argument ("Update id=%s is handled...", "Cause exception while process
# update id=%d...").
_AIOGRAM_UPDATE_LINES = ("Update id=", "Cause exception while process update id=")


def _aiogram_update_id(record: logging.LogRecord) -> int | None:
    if record.name != "aiogram.event" or not isinstance(record.msg, str):
        return None
    if not record.msg.startswith(_AIOGRAM_UPDATE_LINES):
        return None
    args = record.args
    if isinstance(args, tuple) and args and isinstance(args[0], int):
        return args[0]
    return None


def setup_logging(level: str) -> None:
    # One line per record, no colours: readable in a terminal and in journald alike.
    logging.basicConfig(level=level, format=FORMAT)
    # On the handlers, not on the root logger: a logger's filters do not see records that
    # propagate up from child loggers (aiogram.event, handlers.*, ...).
    for handler in logging.getLogger().handlers:
        handler.addFilter(UpdateIdFilter())
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
