"""Small fixes of the organizer console and the help, through the real dispatcher: an
organizer's outdated button of any screen is called outdated (not "only for organizers"), a
corrected certificate is audited by ids only, and /help names /ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from db.models import AuditEntry, Certificate, Registration
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, make_event

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
STALE = "Эта кнопка уже не действует."
ONLY_ORGANIZERS = "Эта кнопка только для организаторов."


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START)]


def alerts(replies: list[Any]) -> list[str]:
    return [
        r.method.text or ""
        for r in replies
        if isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert
    ]


# Malformed or outdated buttons of the screens whose handlers take only well-formed data:
# settings, broadcast, its audiences, export, certificates, speakers, live, the menu.
OLD_BUTTONS = [
    "af:victory-2025",
    "af",
    "ac:broadcast",
    "aa:nothing:here:at:all",
    "ae:export",
    "acert:send",
    "as:x:approve",
    "ax",
    "am",
    "azzz:1",
]


@pytest.mark.parametrize("data", OLD_BUTTONS)
async def test_an_organizers_outdated_button_is_called_outdated(
    harness: BotHarness, data: str
) -> None:
    replies = await harness.user(ORGANIZER_ID, "ru").press(data)
    assert alerts(replies) == [STALE], data
    # Someone who is no organizer is still told whose buttons these are.
    replies = await harness.user(42, "ru").press(data)
    assert alerts(replies) == [ONLY_ORGANIZERS], data


async def test_an_outdated_button_speaks_the_organizers_language(harness: BotHarness) -> None:
    replies = await harness.user(ORGANIZER_ID, "zh").press("af")
    assert alerts(replies) == [harness.i18n("zh")("err-stale-button")]


async def test_a_corrected_certificate_is_audited_by_ids_only(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user, name="Петров Пётр")
    harness.clock.set(START)
    await harness.reminders.run_due()
    await user.click("Я здесь")
    harness.clock.set(START + timedelta(hours=6))
    await harness.certificates.reconcile()
    async with harness.session_factory() as session:
        certificate = await session.scalar(select(Certificate))
        registration = await session.scalar(select(Registration))
    assert certificate is not None and registration is not None
    org = harness.user(ORGANIZER_ID)
    await org.send("/certificates")
    await org.click("Исправить имя")
    await org.send(certificate.number)
    await org.send("Петров Пётр Ильич")
    async with harness.session_factory() as session:
        [entry] = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "certificate_reissue")
            )
        ).all()
    assert entry.details == {"number": certificate.number, "registration_id": registration.id}
    assert "Ильич" not in str(entry.details)
    # /audit shows whose certificate it was, by the name as it is now.
    await org.send("/audit")
    assert "Петров Пётр Ильич" in org.last()


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("ru", "/ticket — мой билет на очную площадку"),
        ("zh", "/ticket — 我的入场二维码（线下参会）"),
    ],
)
async def test_help_names_the_ticket(harness: BotHarness, lang: str, line: str) -> None:
    user = harness.user(1, lang)
    await user.send("/help")
    assert line in user.last()
