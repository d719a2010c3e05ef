"""Any command ends an organizer dialogue that waits for typed input (handlers/admin/dialogues.py):
the text typed afterwards is never taken as the answer once waited for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import CopyMessage, SendMessage
from sqlalchemy import select

from db.models import AuditEntry
from handlers.admin.dialogues import admin_dialogue_states, command_name
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, make_event

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
DROPPED = "✖️ Незавершённое действие прервано, ничего не сохранено."


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START)]


def test_every_console_dialogue_is_covered() -> None:
    states = admin_dialogue_states()
    for expected in (
        "FindForm:query",
        "FindEdit:value",
        "FindEdit:pupil_name",
        "TeamAdd:who",
        "SetLink:link",
        "EditTime:value",
        "BroadcastForm:message",
        "BroadcastForm:when",
        "FixName:name",
        "ReportImport:file",
    ):
        assert expected in states, expected
    # A participant's form is not an organizer dialogue: /help resumes it.
    assert not any(state.startswith("RegistrationForm") for state in states)


def test_command_names() -> None:
    assert command_name("/stats") == "stats"
    assert command_name("/Find@victory_bot 8Б") == "find"
    assert command_name("Казань") is None
    assert command_name(None) is None


async def audit_actions(harness: BotHarness) -> list[str]:
    async with harness.session_factory() as session:
        return list((await session.execute(select(AuditEntry.action))).scalars())


async def test_a_new_link_half_typed_is_dropped_by_another_command(harness: BotHarness) -> None:
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/setlink")
    replies = await org.send("/find орлова")
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert texts[0] == DROPPED and texts[1].startswith("Ничего не найдено")
    await org.send("https://voov.example/j/typed-later")
    event = harness.catalog.get("victory-2025")
    assert event is not None and event.meeting.link != "https://voov.example/j/typed-later"
    assert "set_link" not in await audit_actions(harness)


async def test_a_broadcast_waiting_for_its_message_is_dropped(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/broadcast")
    await org.click("Всем участникам")
    await org.send("/stats")
    assert DROPPED in org.texts()
    await org.send("Текст, набранный потом")
    assert not [s for s in harness.session.sent if isinstance(s.method, CopyMessage)]
    assert "Получателей" not in org.last()


async def test_cancel_keeps_its_own_words(harness: BotHarness) -> None:
    org = harness.user(ORGANIZER_ID, "ru")
    await org.send("/setlink")
    await org.send("/cancel")
    assert org.texts()[-1] == "Действие отменено, ничего не изменено."
    assert DROPPED not in org.texts()


async def test_a_participant_form_survives_help(harness: BotHarness) -> None:
    user = harness.user(5)
    await user.send("/start")
    await user.click("Зарегистрироваться")
    asked = user.last()
    await user.send("/help")
    assert user.last() == asked  # the form's question again
    await user.send("Иванов Иван")
    assert user.last() != asked  # taken as the name
    assert DROPPED not in user.texts()
