"""Webhook mode (bot/webhook.py): the secret token, the health check, the shutdown order, the
update id in log lines, and `python -m bot webhook` as a process against the fake Telegram."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Update
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.app import assemble
from bot.factory import create_bot
from bot.logs import FORMAT, UpdateIdFilter
from bot.settings import Settings, SettingsError, load_settings
from bot.webhook import (
    SECRET_HEADER,
    Health,
    create_webhook_app,
    database_check,
    runtime_health,
    serving,
)
from db.engine import create_engine
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN as HARNESS_TOKEN
from tests.harness import BotHarness, RecordingSession
from tests.test_process import (
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    TOKEN,
    USER_ID,
    BotProcess,
    bot_env,
    events_toml,
)

SECRET = "test_secret-42"
PATH = "/tg"
CHAT_ID = 1001


def start_update(update_id: int, chat_id: int = CHAT_ID) -> dict[str, Any]:
    """/start in a private chat, as Telegram posts it."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Иван"},
            "date": int(time.time()),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sent_messages(session: RecordingSession, chat_id: int = CHAT_ID) -> list[SendMessage]:
    return [
        s.method
        for s in session.sent
        if isinstance(s.method, SendMessage) and int(s.method.chat_id) == chat_id
    ]


# --- settings ----------------------------------------------------------------------------------


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment with a token; no .env of a developer (cwd is a temporary dir)."""
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEF-secret")
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_webhook_settings_and_the_derived_secret(webhook_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    assert (settings.webhook_host, settings.webhook_port) == ("127.0.0.1", 8080)
    derived = settings.webhook_secret_token
    # HMAC-SHA256 of the token: every replica with the same token agrees, without configuration.
    assert derived == load_settings().webhook_secret_token
    expected = hmac.new(b"123456:ABCDEF-secret", b"victory-bot webhook secret", hashlib.sha256)
    assert derived == expected.hexdigest()
    assert "ABCDEF" not in derived
    webhook_env.setenv("BOT_TOKEN", "123456:ABCDEF-other")
    assert load_settings().webhook_secret_token != derived
    webhook_env.setenv("BOT_TOKEN", "123456:ABCDEF-secret")

    webhook_env.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    webhook_env.setenv("WEBHOOK_SECRET", "my_Secret-1")
    webhook_env.setenv("WEBHOOK_PORT", "8081")
    settings = load_settings()
    assert settings.webhook_path == "/telegram"
    assert settings.webhook_secret_token == "my_Secret-1"
    assert settings.webhook_port == 8081
    assert "my_Secret" not in repr(settings)
    webhook_env.setenv("WEBHOOK_SECRET", "")
    assert load_settings().webhook_secret_token == derived  # empty: derived again


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("WEBHOOK_SECRET", "has space", "WEBHOOK_SECRET: 1-256 characters"),
        ("WEBHOOK_SECRET", "x" * 257, "WEBHOOK_SECRET: 1-256 characters"),
        ("WEBHOOK_SECRET", "пароль", "WEBHOOK_SECRET: 1-256 characters"),
        ("WEBHOOK_URL", "bot.example.org/tg", "WEBHOOK_URL: must be the public https://"),
        ("WEBHOOK_URL", "https://bot.example.org/healthz", "WEBHOOK_URL: /healthz is"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT:"),
    ],
)
def test_bad_webhook_settings_are_one_clear_line(
    webhook_env: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    webhook_env.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_webhook_without_url_is_one_clear_line(
    webhook_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhook"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: WEBHOOK_URL is not set")
    assert err.count("\n") == 1


# --- the web app around the real dispatcher ----------------------------------------------------


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[TestClient[Any, Any]]:
    health = Health({"database": database_check(harness.engine), "redis": None})
    app = create_webhook_app(harness.dp, harness.bot, path=PATH, secret_token=SECRET, health=health)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_updates_need_the_secret_token(
    harness: BotHarness, client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.webhook")
    update = start_update(10)
    refused = await client.post(PATH, json=update)
    assert refused.status == 401
    wrong = await client.post(PATH, json=start_update(11), headers={SECRET_HEADER: "guess"})
    assert wrong.status == 401
    assert harness.session.sent == [], "a refused update was handled"
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.webhook"]
    assert len(warnings) == 2
    assert "no secret token" in warnings[0] and "wrong secret token" in warnings[1]
    assert not any("/start" in w or "Иван" in w for w in warnings), "the body was logged"

    answered = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
    assert answered.status == 200
    # handle_in_background=False: the 200 comes after the handler, so the reply is out already.
    replies = sent_messages(harness.session)
    assert replies, "Telegram got its 200 before the update was handled"
    assert await answered.json() == {}


async def test_health_is_ok(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "redis": "off"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_health_names_the_part_that_is_down(
    harness: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A directory is no SQLite database: connecting fails as with a lost disk or server.
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path}")

    async def redis_down() -> None:
        raise ConnectionError("connection refused")

    health = Health({"database": database_check(broken), "redis": redis_down})
    app = create_webhook_app(harness.dp, harness.bot, path=PATH, secret_token=SECRET, health=health)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.webhook"):
            async with TestClient(TestServer(app)) as client:
                first = await client.get("/healthz")
                report = await first.json()
                second = await client.get("/healthz")
        assert first.status == second.status == 503
        assert report == {"status": "fail", "database": "fail", "redis": "fail"}
        down = [r.getMessage() for r in caplog.records if "is down" in r.getMessage()]
        assert len(down) == 2, "an outage is logged once per part, not on every probe"
        assert not any("\n" in line for line in down)
    finally:
        await broken.dispose()


async def test_health_pings_redis_when_it_is_configured(tmp_path: Path) -> None:
    """REDIS_URL set and nobody listening there: 503 naming redis, the database still ok."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ok.sqlite3'}")
    storage = RedisStorage.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        runtime: Any = SimpleNamespace(engine=engine, storage=storage)
        report = await runtime_health(runtime).report()
        assert report == {"status": "fail", "database": "ok", "redis": "fail"}
        runtime.storage = SimpleNamespace()  # memory storage: Redis is off
        assert await runtime_health(runtime).report() == {
            "status": "ok",
            "database": "ok",
            "redis": "off",
        }
    finally:
        await storage.close()
        await engine.dispose()


# --- shutdown order ----------------------------------------------------------------------------


class SlowSession(RecordingSession):
    """The harness's recording session; sendMessage takes `delay` seconds, and closing the
    session is recorded among the requests."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.entered = asyncio.Event()
        self.events: list[str] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, SendMessage):
            self.entered.set()
            await asyncio.sleep(self.delay)
        result = await super().make_request(bot, method, timeout)
        self.events.append(type(method).__name__)
        return result

    async def close(self) -> None:
        self.events.append("close")


async def test_stopping_in_the_middle_of_an_update_lets_it_finish(tmp_path: Path) -> None:
    """What SIGTERM does in webhook mode, in-process: leaving `serving` while an update's
    sendMessage is on its way. The update finishes, Telegram gets its 200, and only then the
    bot's HTTP session closes."""
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    port = free_port()
    settings = Settings(
        bot_token=HARNESS_TOKEN,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        events_file=tmp_path / "events.toml",
        webhook_url=f"http://127.0.0.1:{port}{PATH}",
        webhook_port=port,
        redis_url=None,
        shutdown_timeout=10,
        _env_file=None,  # type: ignore[call-arg]
    )
    session = SlowSession(delay=0.5)
    bot = create_bot(settings, session=session)
    async with aiohttp.ClientSession() as http:
        async with assemble(settings, bot=bot) as runtime:
            async with serving(runtime):
                posted = asyncio.create_task(
                    http.post(
                        f"http://127.0.0.1:{port}{PATH}",
                        json=start_update(5),
                        headers={SECRET_HEADER: settings.webhook_secret_token},
                    )
                )
                await asyncio.wait_for(session.entered.wait(), STEP_TIMEOUT)
                assert "SendMessage" not in session.events
            # Left `serving`: the server stopped and drained; the session is still open.
            assert "close" not in session.events
            response = await posted
            assert response.status == 200
        assert session.events[-1] == "close"
        assert session.events.count("close") == 1
        assert "SendMessage" in session.events, "the update was cut off"
        # Nobody deletes the webhook: the other replicas keep receiving updates.
        assert "DeleteWebhook" not in session.events


# --- the update id in log lines ----------------------------------------------------------------


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(UpdateIdFilter())
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_log_lines_carry_the_update_id(harness: BotHarness) -> None:
    collect = Collect()
    root, event_log = logging.getLogger(), logging.getLogger("aiogram.event")
    old_level = event_log.level
    root.addHandler(collect)
    event_log.setLevel(logging.INFO)
    # The /start handler fails on its first message: the error handler logs it (inside the
    # update) and apologises.
    harness.session.failures[SendMessage] = RuntimeError("boom")
    try:
        update = Update.model_validate(start_update(4711), context={"bot": harness.bot})
        await harness.dp.feed_update(harness.bot, update)
        logging.getLogger("tests.outside").warning("between updates")
    finally:
        root.removeHandler(collect)
        event_log.setLevel(old_level)

    by_name = {r.name: r for r in collect.records}
    failed = by_name["handlers.errors"]
    assert failed.update == "4711"  # type: ignore[attr-defined]
    line = collect.format(failed)
    assert " update=4711 handlers.errors: update 4711 failed" in line
    # aiogram's own line per update, written once the middlewares have returned.
    handled = by_name["aiogram.event"]
    assert handled.getMessage().startswith("Update id=4711 is handled")
    assert handled.update == "4711"  # type: ignore[attr-defined]
    assert by_name["tests.outside"].update == "-"  # type: ignore[attr-defined]


# --- `python -m bot webhook` as a process ------------------------------------------------------


SLOW_SEND = 2.0  # seconds the fake takes for the sendMessage during which SIGTERM comes


@pytest.mark.xdist_group("processes")
async def test_webhook_process(tmp_path: Path) -> None:
    (tmp_path / "events.toml").write_text(events_toml(datetime.now(UTC)), encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    secret = Settings(bot_token=TOKEN, _env_file=None).webhook_secret_token  # type: ignore[arg-type, call-arg]
    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:

        async def set_webhook(token: str, params: dict[str, Any]) -> bool:
            return True

        tg.handlers["setWebhook"] = set_webhook
        env = bot_env(
            tmp_path,
            tg.base_url,
            WEBHOOK_URL=url,
            WEBHOOK_SECRET="",
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
            REDIS_URL="",
        )
        bot = await BotProcess.start(tmp_path, env, "webhook.log", command="webhook")
        try:
            async with asyncio.timeout(120):
                hook = await bot.until(
                    tg.wait_for_call(
                        lambda c: c.method == "setWebhook",
                        timeout=STARTUP_TIMEOUT,
                        description="setWebhook",
                    )
                )
                assert hook.params["url"] == url
                assert hook.params["secret_token"] == secret
                assert {"message", "callback_query"} <= set(hook.params["allowed_updates"])
                assert hook.params.get("drop_pending_updates") in (None, False)

                # Listening before setWebhook: the first update may come at once.
                health = await http.get(f"http://127.0.0.1:{port}/healthz")
                assert health.status == 200
                assert await health.json() == {"status": "ok", "database": "ok", "redis": "off"}

                refused = await http.post(url, json=start_update(1, USER_ID))
                assert refused.status == 401

                mark = tg.mark()
                answered = await http.post(
                    url, json=start_update(2, USER_ID), headers={SECRET_HEADER: secret}
                )
                assert answered.status == 200
                # The answer came after the handler: its reply has reached Telegram already.
                assert [c for c in tg.calls[mark:] if c.method == "sendMessage"]

                # SIGTERM while an update's sendMessage hangs: it is finished and answered.
                entered = asyncio.Event()

                async def slow_send(token: str, params: dict[str, Any]) -> Any:
                    entered.set()
                    await asyncio.sleep(SLOW_SEND)
                    return await tg.builtin(token, "sendMessage", params)

                tg.handlers["sendMessage"] = slow_send
                mark = tg.mark()
                posted = asyncio.ensure_future(
                    http.post(url, json=start_update(3, USER_ID), headers={SECRET_HEADER: secret})
                )
                await bot.until(asyncio.wait_for(entered.wait(), STEP_TIMEOUT))
                code = await bot.terminate()
                response = await posted
                log = bot.log
                assert code == 0, f"exit code {code}"
                assert response.status == 200
        except BaseException:
            print("---- bot stdout/stderr ----")
            print(bot.log)
            raise
        finally:
            await bot.kill()

    sends = [c for c in tg.calls[mark:] if c.method == "sendMessage"]
    assert sends and not sends[0].error
    assert not tg.calls_of("deleteWebhook"), "a replica must never delete the webhook"
    assert "refused a request to /tg" in log
    assert "still running at shutdown" not in log
    assert "Traceback" not in log
    assert "Unclosed" not in log
    # Every line while update 3 was handled carries its id, aiogram's own line included.
    assert "update=3 aiogram.event: Update id=3 is handled" in log
