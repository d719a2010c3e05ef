"""Heavy libraries stay out of a bot that does not need them yet (see bench/memory.py for what
each costs): charts, spreadsheets, PDF and images, calendar files, the Redis client, PostgreSQL,
Alembic and the pages' template engine are imported by the code that uses them, at its first
use. Each check runs a fresh interpreter, because this test process has imported everything
already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fluent.syntax import ast
from fluent.syntax.visitor import Visitor
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import I18n
from db.engine import create_engine
from db.migrate import alembic_config, head_revision, upgrade

REPO = Path(__file__).resolve().parent.parent

# Not needed until an organizer asks for a chart or a file, a certificate is drawn (or a poster's
# QR code, or a ticket), a coordinator's photo of a ticket is read (zxingcpp), someone registers
# (the calendar file), Redis or PostgreSQL is configured, a migration is due, somebody opens a
# web page (Jinja2), or e-mail is on (SMTP_URL: aiosmtplib and the mail outbox).
LAZY = (
    "matplotlib",
    "openpyxl",
    "xlsxwriter",
    "reportlab",
    "pypdf",
    "PIL",
    "segno",
    "zxingcpp",
    "icalendar",
    "redis",
    "asyncpg",
    "sqlalchemy.dialects.postgresql",
    "alembic",
    "jinja2",
    "aiosmtplib",
    "bot.services.mailing.outbox",
)


def imported_in_fresh_interpreter(code: str) -> list[str]:
    """Which of LAZY are in sys.modules after `code` runs in a new interpreter."""
    return imported_by_stage(f"{code}\nloaded('end')")["end"]


def imported_by_stage(code: str) -> dict[str, list[str]]:
    """Which of LAZY are in sys.modules at each `loaded(stage)` that `code` calls, in a new
    interpreter (each costs seconds of CPU: aiogram builds its models at import)."""
    prelude = (
        "import json, sys\n"
        "def loaded(stage):\n"
        f"    print(json.dumps({{stage: [m for m in {LAZY!r} if m in sys.modules]}}))\n"
    )
    # No setting from the caller's environment (REDIS_URL...) changes what is built.
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("REDIS_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    stages: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            stages.update(json.loads(line))
    return stages


def test_a_bot_imports_no_heavy_library_before_it_needs_one(tmp_path: Path) -> None:
    """One fresh interpreter: the bot's modules imported; then what `python -m bot run` has
    built when it sits idle: the Runtime (without REDIS_URL: the FSM in memory and no Redis
    client), its fonts checked as start-up does and its certificate renderer made, the pages'
    app with the health check, listening (bot.app.run_polling up to its wait for Telegram).
    The fonts take about 70 MB once parsed: a process that draws no certificate must not pay
    for them."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    code = f"""
import bot.__main__, bot.app, bot.factory, bot.webhook, handlers
loaded("imported")

import asyncio
from bot.app import assemble
from bot.services.certificates.fonts import _parse_file
from bot.settings import Settings
from bot.webhook import runtime_health
from web.app import web_site

async def idle():
    settings = Settings(
        bot_token="4242:TEST-token",
        database_url={database_url!r},
        events_file={str(REPO / "events.toml")!r},
        _env_file=None,
    )
    async with assemble(settings) as runtime:
        app = runtime.web_app()
        app.router.add_get("/healthz", runtime_health(runtime).handle)
        async with web_site(app, "127.0.0.1", 0):
            loaded("idle")
            print(json.dumps({{"fonts parsed": _parse_file.cache_info().currsize}}))

asyncio.run(idle())
"""
    stages = imported_by_stage(code)
    assert stages == {"imported": [], "idle": [], "fonts parsed": 0}


async def test_starting_on_an_up_to_date_database_does_not_import_alembic(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    engine: AsyncEngine = create_engine(url)
    try:
        await upgrade(engine)  # the first start migrates, with Alembic
    finally:
        await engine.dispose()
    code = f"""
import asyncio
from db.engine import create_engine
from db.migrate import upgrade

async def restart():
    engine = create_engine({url!r})
    await upgrade(engine)
    await engine.dispose()

asyncio.run(restart())
"""
    assert imported_in_fresh_interpreter(code) == []


async def test_a_first_start_migrates_in_a_child_process(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    code = f"""
import asyncio
from db.engine import create_engine
from db.migrate import is_up_to_date, migrate_at_startup

async def first_start():
    engine = create_engine({url!r})
    assert not await is_up_to_date(engine)
    await migrate_at_startup(engine, {url!r})
    assert await is_up_to_date(engine)
    await engine.dispose()

asyncio.run(first_start())
"""
    assert imported_in_fresh_interpreter(code) == []


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert [head_revision()] == ScriptDirectory.from_config(alembic_config()).get_heads()


class SpanCount(Visitor):
    def __init__(self) -> None:
        self.nodes = 0
        self.spans = 0

    def generic_visit(self, node: ast.BaseNode) -> None:
        self.nodes += 1
        self.spans += isinstance(node, ast.SyntaxNode) and node.span is not None
        super().generic_visit(node)


def test_the_texts_are_kept_without_source_positions() -> None:
    """Fluent's parser puts a Span on every node by default; the bundles keep the syntax trees
    for the life of the process, and the spans were 1 MB of it (bench/memory.py)."""
    count = SpanCount()
    for t in I18n().all():
        for key in t.message_ids():
            t._load(key)  # each message is parsed at its first use: all of them now
        for message in t._bundle._messages.values():  # what the bundle keeps
            count.visit(message)
    assert count.nodes > 1000
    assert count.spans == 0
