"""The first /start of someone whose Telegram speaks neither Russian nor Chinese (many Chinese
users run Telegram in English) asks for the language before anything else; the choice then
leads to the welcome and to where a deep link pointed. Known languages are never asked."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardMarkup

from tests.harness import BotHarness, FakeUser, make_event


def _buttons(user: FakeUser) -> list[str]:
    markup = user.messages()[-1].method.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [button.text for row in markup.inline_keyboard for button in row]


@pytest.mark.parametrize("code", ["en", "de", None])
async def test_unknown_language_is_asked_first(harness: BotHarness, code: str | None) -> None:
    user = harness.user(language_code=code)
    await user.send("/start")
    assert len(user.texts()) == 1
    assert "Выберите язык" in user.last() and "请选择语言" in user.last()
    assert _buttons(user) == ["🇷🇺 Русский", "🇨🇳 中文"]

    await user.click("中文")
    texts = user.texts()
    assert "您好" in texts[1]  # the welcome, in the chosen language
    assert "立即报名" in str(user.messages()[-1].method.reply_markup)  # then the event card


async def test_choosing_russian_gives_the_russian_welcome(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    await user.send("/start")
    await user.click("Русский")
    assert "Здравствуйте" in user.texts()[1]


@pytest.mark.parametrize("code", ["ru", "ru-RU", "zh-hans", "zh-TW"])
async def test_known_language_is_not_asked(harness: BotHarness, code: str) -> None:
    user = harness.user(language_code=code)
    await user.send("/start")
    assert "Выберите язык" not in user.texts()[0]
    assert "Здравствуйте" in user.texts()[0] or "您好" in user.texts()[0]


async def test_a_stored_language_is_not_asked_again(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    await user.send("/start")
    await user.click("中文")
    before = len(user.texts())
    await user.send("/start")
    assert "您好" in user.texts()[before]


async def test_asked_again_until_chosen(harness: BotHarness) -> None:
    """Someone who wrote something else first, or sent /start twice, is still a guess."""
    user = harness.user(language_code="en")
    await user.send("hello")
    await user.send("/start")
    assert "Выберите язык" in user.last() and "请选择语言" in user.last()
    await user.send("/start")
    assert "Выберите язык" in user.last()
    await user.click("中文")
    before = len(user.texts())
    await user.send("/start")
    assert "您好" in user.texts()[before]


async def test_choosing_russian_is_remembered(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    await user.send("/start")
    await user.click("Русский")
    before = len(user.texts())
    await user.send("/start")
    assert "Здравствуйте" in user.texts()[before]


class TestDeepLink:
    @pytest.fixture
    def events(self) -> list[dict]:
        return [make_event("victory-2025"), make_event("memory-2025")]

    async def test_the_deep_link_survives_the_language_choice(self, harness: BotHarness) -> None:
        user = harness.user(language_code="en")
        await user.send("/start memory-2025")
        assert "Выберите язык" in user.last()
        await user.click("中文")
        # Not the choice between the two open events: the one the link named.
        assert "“memory-2025”会议" in user.last()
        assert "立即报名" in str(user.messages()[-1].method.reply_markup)

    async def test_without_a_link_both_open_events_are_offered(self, harness: BotHarness) -> None:
        user = harness.user(language_code="en")
        await user.send("/start")
        await user.click("中文")
        assert "请选择您要报名的活动" in user.last()


async def test_a_class_link_survives_the_language_choice(harness: BotHarness) -> None:
    from tests.test_classes import register_class

    school_class = await register_class(harness, harness.user(60))
    pupil = harness.user(61, "en")
    await pupil.send(f"/start class_{school_class.code}")
    assert "Выберите язык" in pupil.last()
    await pupil.click("中文")
    assert "您正在加入" in pupil.last() and "8 «Б»" in pupil.last()
    await pupil.send("刘洋")
    assert "老师" in pupil.last()  # the join request went to the teacher
