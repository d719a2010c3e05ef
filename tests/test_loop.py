"""The event loop `python -m bot` runs on (bot/loop.py): uvloop by default, asyncio's own with
EVENT_LOOP=asyncio; a wrong value is a settings error that names the setting."""

from __future__ import annotations

import asyncio

import pytest

from bot.loop import loop_factory, run
from bot.settings import SettingsError, load_settings

# A dependency wherever the bot runs its tests (not on Windows, where asyncio's loop runs).
uvloop = pytest.importorskip("uvloop")


async def loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_the_bot_runs_on_uvloop_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_LOOP", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.event_loop == "uvloop"
    assert loop_factory(settings.event_loop) is uvloop.new_event_loop
    assert run(loop_type(), settings.event_loop) is uvloop.Loop
    monkeypatch.setenv("EVENT_LOOP", "asyncio")
    settings = load_settings(_env_file=None)
    assert loop_factory(settings.event_loop) is None
    assert not issubclass(run(loop_type(), settings.event_loop), uvloop.Loop)


def test_a_wrong_event_loop_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_LOOP", "trio")
    with pytest.raises(SettingsError, match="EVENT_LOOP"):
        load_settings(_env_file=None)
