from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every setting the bot reads: a developer's environment must not change these tests.
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEF-secret")
    settings = load_settings(_env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.admin_ids == frozenset()
    assert settings.telegram_api_url is None
    assert "ABCDEF" not in repr(settings)  # the token is a secret


def test_without_a_token_the_web_page_can_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A newcomer's first run: no BOT_TOKEN is no error (the web page runs alone), and
    check-config says what is missing."""
    settings = load_settings(_env_file=None)
    assert not settings.has_bot_token
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "missing: BOT_TOKEN is not set: only the web page runs" in checked.stdout
    assert "web page: http://127.0.0.1:8080" in checked.stdout
    webhook = subprocess.run(
        [sys.executable, "-m", "bot", "webhook"],
        cwd=REPO,
        env={**env, "WEBHOOK_URL": "https://bot.example.org/telegram"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert webhook.returncode == 2
    assert webhook.stderr.startswith("error: BOT_TOKEN is not set")


def test_admin_ids_and_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEF-secret")
    monkeypatch.setenv("ADMIN_IDS", " 1, 22 ,333,")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WEB_PORT": "0"}, "WEB_PORT:"),
        ({"WEB_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "WEB_TRUSTED_PROXIES: 'proxy.local' is"),
        ({"PUBLIC_URL": "conf.example.org"}, "PUBLIC_URL: must be the address people open"),
        ({"WEB_SECRET": "short"}, "WEB_SECRET: at least 16 characters"),
        ({"BOT_TOKEN": "paste-your-token-here"}, "BOT_TOKEN: expected the form"),
        ({"ADMIN_IDS": "12,boss"}, "ADMIN_IDS: 'boss' is not a Telegram user id"),
        ({"TELEGRAM_API_URL": "localhost:8081"}, "TELEGRAM_API_URL: must start with http"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL:"),
        ({"DATABASE_URL": "bot.sqlite3"}, "DATABASE_URL: must be an SQLAlchemy URL"),
    ],
)
def test_bad_values_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    if env and "BOT_TOKEN" not in env:
        monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEF-secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    message = str(error.value)
    assert message.startswith(expected.split(":")[0]) and expected in message
    assert "\n" not in message


def test_cli_check_config_and_bad_start(tmp_path: Path) -> None:
    """`python -m bot check-config` lists events; a bad setting stops start-up with one line."""
    env = {"PATH": "/usr/bin:/bin", "BOT_TOKEN": "123456:ABCDEF-secret", "HOME": str(tmp_path)}
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "victory-2025" in ok.stdout and "over" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**env, "BOT_TOKEN": "nope"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: BOT_TOKEN: expected the form 123456789:AAE... as given by @BotFather"
    ]
    missing_events = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing_events.returncode == 2
    assert "EVENTS_FILE" in missing_events.stderr and "does not exist" in missing_events.stderr
