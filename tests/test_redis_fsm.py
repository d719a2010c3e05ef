"""With REDIS_URL, a half-filled form survives a restart (a new dispatcher, as another process
or replica would build it)."""

from __future__ import annotations

import uuid

import pytest

from bot.factory import create_dispatcher, create_fsm
from bot.settings import Settings
from tests.harness import TOKEN, BotHarness
from tests.servers import needs_redis

pytestmark = needs_redis


def settings_with_redis(harness: BotHarness) -> Settings:
    return Settings(
        bot_token=TOKEN,  # type: ignore[arg-type]
        database_url=harness.settings.database_url,
        redis_url="redis://127.0.0.1:6379/0",
        _env_file=None,  # type: ignore[call-arg]
    )


def rebuild(harness: BotHarness, settings: Settings) -> None:
    storage, isolation = create_fsm(settings)
    harness.dp = create_dispatcher(
        settings=settings,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        reminders=harness.reminders,
        broadcasts=harness.broadcasts,
        certificates=harness.certificates,
        storage=storage,
        events_isolation=isolation,
    )


async def test_a_form_survives_a_restart_with_redis(harness: BotHarness) -> None:
    settings = settings_with_redis(harness)
    rebuild(harness, settings)
    user = harness.user(int(uuid.uuid4().int % 10**9) + 10**9)  # fresh key in a shared Redis
    await user.send("/start")
    await user.click("Зарегистрироваться")
    await user.send("Иванов Иван")
    assert "Из какой вы страны?" in user.last()
    await harness.dp.storage.close()
    rebuild(harness, settings)  # "restart"
    await user.send("Россия")
    assert "В каком городе" in user.last()
    await user.send("/cancel")
    await harness.dp.storage.close()


def test_redis_url_is_validated() -> None:
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="REDIS_URL: must start with redis://"):
        load_settings(bot_token="1:abcdef", redis_url="localhost:6379", _env_file=None)
