"""The registration form as a Telegram Mini App (web/routes/miniapp.py) and its button on the
bot's event card: init data signed here the way Telegram signs it, the registration bound to
that Telegram user with the chat form's confirmation in the chat, refused signatures and old
data, the page without init data, the framing headers, the bot's consent (with /delete_me)
kept, and /stats."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import ChatNotices
from bot.clock import FrozenClock
from bot.services.classes.classes import JoinDecision
from bot.services.registration.form import Field
from bot.services.registration.registrations import UserRegistration
from db.models import Registration
from handlers import views
from tests.conftest import BEFORE_EVENT
from tests.flows import LABELS
from tests.harness import (
    COMPILED_TEMPLATES,
    ORGANIZER_ID,
    TOKEN,
    BotHarness,
    FakeUser,
    catalog_of,
    make_event,
    strip_tags,
)
from web.app import create_web_app
from web.context import Notify

SLUG = "victory-2025"
PUBLIC_URL = "https://conf.example.org"
TELEGRAM_ID = 777001
ANSWERS = {
    "full_name": "Иванова Мария Петровна",
    "country": "RU",
    "city": "Хабаровск",
    "organization": "Школа № 5",
    "role": "teacher",
    "participation_format": "online",
    "wants_to_speak": "no",
    "email": "maria@example.ru",
    "consent": "yes",
}
T_TEXT = {
    "ru": {"outside": "Откройте форму в Telegram", "done": "Вы зарегистрированы!"},
    "zh": {"outside": "请在 Telegram 中打开报名表", "done": "报名成功！"},
}
PERSONAL_LINK = re.compile(r'href="(/me/[A-Za-z0-9_-]{40,})"')
Client = TestClient[web.Request, web.Application]


def signed_init_data(
    user_id: int = TELEGRAM_ID,
    *,
    signed_at: datetime = BEFORE_EVENT - timedelta(minutes=1),
    token: str = TOKEN,
) -> str:
    """Init data as Telegram hands it to a Mini App: the fields sorted into the data-check
    string, signed with HMAC-SHA256 under the key HMAC-SHA256("WebAppData", bot token)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": "Мария", "language_code": "ru"},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "auth_date": str(int(signed_at.timestamp())),
    }
    data_check = "\n".join(f"{name}={value}" for name, value in sorted(fields.items()))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, data_check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


class RecordingNotify:
    def __init__(self) -> None:
        self.calls: list[tuple[int, UserRegistration]] = []

    async def registered(self, user_id: int, reg: UserRegistration) -> None:
        self.calls.append((user_id, reg))

    async def join_decided(self, decision: JoinDecision) -> None:
        raise AssertionError("the Mini App decides no pupil's request")


def harness_of(tmp_path: Path, public_url: str | None) -> BotHarness:
    h = BotHarness(tmp_path, FrozenClock(BEFORE_EVENT), catalog_of(make_event(SLUG)))
    # The dispatcher gets the settings in start(): the address goes in before it.
    h.settings = h.settings.model_copy(update={"public_url": public_url})
    return h


@pytest.fixture
async def https_harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    h = harness_of(tmp_path, PUBLIC_URL)
    await h.start()
    yield h
    await h.close()


async def web_client(h: BotHarness, notify: Notify | None) -> Client:
    """The pages on the harness's database, as `python -m bot run` serves them beside it."""
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=h.settings,
        catalog=h.catalog,
        clock=h.clock,
        i18n=h.i18n,
        session_factory=h.session_factory,
        bot_username=lambda: "victory_test_bot",
        notify=notify,
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def notify() -> RecordingNotify:
    return RecordingNotify()


@pytest.fixture
async def client(https_harness: BotHarness, notify: RecordingNotify) -> AsyncIterator[Client]:
    client = await web_client(https_harness, notify)
    yield client
    await client.close()


async def post(
    client: Client, init_data: str | None, lang: str = "ru", **changed: str
) -> tuple[int, str]:
    """The form as the Mini App sends it: no CSRF cookie (Telegram's web client frames the page
    on another site), the init data instead."""
    data = {**ANSWERS, **changed}
    if init_data is not None:
        data["init_data"] = init_data
    response = await client.post(f"/app/e/{SLUG}?hl={lang}", data=data)
    return response.status, await response.text()


async def registrations(h: BotHarness) -> list[Registration]:
    async with h.session_factory() as session:
        return list((await session.scalars(select(Registration))).all())


def card_buttons(user: FakeUser) -> list[Any]:
    """The buttons of the newest event card this user got."""
    for sent in reversed(user.messages()):
        markup = sent.method.reply_markup
        card = any(text in sent.method.text for text in ("Описание мероприятия", "活动简介"))
        if card and isinstance(markup, InlineKeyboardMarkup):
            return [button for row in markup.inline_keyboard for button in row]
    raise AssertionError("no event card")


# --- the bot's event card ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_with_https_the_card_opens_the_form_as_a_mini_app(
    https_harness: BotHarness, lang: str
) -> None:
    user = https_harness.user(1001, "ru" if lang == "ru" else "zh-hans")
    await user.send("/start")
    buttons = card_buttons(user)
    [app_button] = [b for b in buttons if b.web_app is not None]
    assert app_button.text == https_harness.i18n(lang)("btn-register")
    assert app_button.web_app.url == f"{PUBLIC_URL}/app/e/{SLUG}?hl={lang}"
    # The chat form stays one button below, and still works.
    chat_label = https_harness.i18n(lang)("btn-register-in-chat")
    assert buttons[1].text == chat_label and buttons[1].callback_data
    await user.click(chat_label)
    event = https_harness.catalog.get(SLUG)
    assert event is not None
    t = https_harness.i18n(lang)
    assert user.last() == views.question_text(t, Field.FULL_NAME, event)


@pytest.mark.parametrize("public_url", [None, "http://conf.example.org"])
async def test_without_https_the_card_is_unchanged(tmp_path: Path, public_url: str | None) -> None:
    h = harness_of(tmp_path, public_url)
    await h.start()
    try:
        user = h.user(1001, "ru")
        await user.send("/start")
        buttons = card_buttons(user)
        assert all(b.web_app is None for b in buttons)
        assert buttons[0].text == h.i18n("ru")("btn-register") and buttons[0].callback_data
        assert "Заполнить в чате" not in [b.text for b in buttons]
    finally:
        await h.close()


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_page_waits_for_telegrams_data_and_may_be_framed_by_telegram_only(
    client: Client, lang: str
) -> None:
    response = await client.get(f"/app/e/{SLUG}?hl={lang}")
    html = await response.text()
    assert response.status == 200
    assert f'lang="{"ru" if lang == "ru" else "zh-CN"}"' in html
    # Until miniapp.js finds the init data (and without JavaScript): the note, not the form.
    assert T_TEXT[lang]["outside"] in html
    assert '<div id="miniapp-form" hidden>' in html
    assert 'id="init_data" name="init_data" value=""' in html
    assert f'action="/app/e/{SLUG}?hl={lang}"' in html
    assert f'href="/e/{SLUG}"' in html  # the ordinary web form
    # Our own script only: nothing from telegram.org or anywhere else.
    assert re.findall(r'<script[^>]*src="([^"]+)"', html) == ["/static/miniapp.js"]
    assert "telegram.org" not in html.replace("https://t.me/", "")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://web.telegram.org" in policy
    assert "script-src 'self'" in policy
    assert "X-Frame-Options" not in response.headers
    # Every other page still refuses every frame.
    event_page = await client.get(f"/e/{SLUG}", headers={"Accept-Language": "ru"})
    assert event_page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in event_page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_mini_app_keeps_the_bots_consent_with_delete_me(
    client: Client, https_harness: BotHarness, lang: str
) -> None:
    """The person is in Telegram, where /delete_me withdraws the consent: the bot's text, not
    the web page's (which names the personal page's button instead); one consent version."""
    t = https_harness.i18n(lang)
    html = await (await client.get(f"/app/e/{SLUG}?hl={lang}")).text()
    bot_text = t("consent-text")
    assert "/delete_me" in bot_text and "/delete_me" in html
    for paragraph in bot_text.split("\n", 1)[1].split("\n\n"):
        assert escape(paragraph.strip()) in html
    assert escape(t("web-consent-text").split("\n")[-1]) not in html
    # Sent back with a refused field: still the bot's.
    status, refused = await post(client, signed_init_data(), lang=lang, email="not-an-address")
    assert status == 400 and "/delete_me" in refused
    assert await registrations(https_harness) == []


async def test_the_script_reads_the_fragment_and_is_served_from_our_address(
    client: Client,
) -> None:
    response = await client.get("/static/miniapp.js")
    script = await response.text()
    assert response.status == 200
    assert "tgWebAppData" in script and "location.hash" in script
    assert "init_data" in script and "http" not in script.replace("https://", "")


async def test_the_page_without_a_language_in_the_address_takes_the_browsers(
    client: Client,
) -> None:
    response = await client.get(f"/app/e/{SLUG}", headers={"Accept-Language": "zh-CN"})
    assert T_TEXT["zh"]["outside"] in await response.text()


# --- registering -------------------------------------------------------------------------------


async def test_a_signed_form_registers_that_telegram_user_and_the_bot_confirms_in_the_chat(
    tmp_path: Path,
) -> None:
    """The whole way: the card's button, the page it opens, the signed form, the confirmation
    the chat form sends, the personal page and /stats."""
    h = harness_of(tmp_path, PUBLIC_URL)
    await h.start()
    notify = ChatNotices(h.bot, h.i18n, h.clock, h.reminders)  # what bot/app.py gives
    client = await web_client(h, notify)
    try:
        user = h.user(TELEGRAM_ID, "ru")
        await user.send("/start")
        [button] = [b for b in card_buttons(user) if b.web_app is not None]
        address = urlsplit(button.web_app.url)
        page = await client.get(f"{address.path}?{address.query}")
        assert page.status == 200
        sent_before = len(h.session.sent)

        status, html = await post(client, signed_init_data(TELEGRAM_ID))

        assert status == 200, html
        assert T_TEXT["ru"]["done"] in html
        [row] = await registrations(h)
        assert (row.user_id, row.source, row.language) == (TELEGRAM_ID, "miniapp", "ru")
        assert (row.full_name, row.email) == (ANSWERS["full_name"], ANSWERS["email"])
        # The chat form's confirmation and calendar file, in that person's chat.
        sent = h.session.sent[sent_before:]
        [confirmation] = [s.method for s in sent if isinstance(s.method, SendMessage)]
        assert int(confirmation.chat_id) == TELEGRAM_ID
        assert strip_tags(confirmation.text).startswith(
            strip_tags(h.i18n("ru")("registered", event="Конференция «victory-2025»"))
        )
        [calendar] = [s.method for s in sent if isinstance(s.method, SendDocument)]
        assert int(calendar.chat_id) == TELEGRAM_ID
        # The personal page's link, shown once, opens that registration.
        link = PERSONAL_LINK.search(html)
        assert link, html
        personal = await client.get(link.group(1), headers={"Accept-Language": "ru"})
        assert personal.status == 200 and ANSWERS["full_name"] in await personal.text()
        # The bot knows it as this person's registration.
        await user.send("/me")
        assert ANSWERS["full_name"] in user.last()
        organizer = h.user(ORGANIZER_ID, "ru")
        await organizer.send("/stats")
        assert "мини-приложение в Telegram: 1" in strip_tags(organizer.last())
    finally:
        await client.close()
        await h.close()


async def test_in_chinese_the_page_and_the_registration_are_chinese(
    client: Client, https_harness: BotHarness, notify: RecordingNotify
) -> None:
    status, html = await post(client, signed_init_data(), lang="zh")
    assert status == 200 and T_TEXT["zh"]["done"] in html
    [(user_id, reg)] = notify.calls
    assert (user_id, reg.row.language, reg.row.user_id) == (TELEGRAM_ID, "zh", TELEGRAM_ID)


async def test_already_registered_in_the_bot_the_page_says_so(
    https_harness: BotHarness, client: Client, notify: RecordingNotify
) -> None:
    user = https_harness.user(TELEGRAM_ID, "ru")
    await user.send("/start")
    await user.click("Заполнить в чате")  # the chat form, from the card's second button
    await user.send("Иванов Иван Иванович")
    await finish_chat_form(user)
    assert len(await registrations(https_harness)) == 1
    status, html = await post(client, signed_init_data(), email="other@example.ru")
    assert status == 409
    assert "Вы уже зарегистрированы" in html and "/me" in html
    assert len(await registrations(https_harness)) == 1
    assert notify.calls == []


async def finish_chat_form(user: FakeUser) -> None:
    """The chat form after the name (tests/flows.py fill_form, without its first tap)."""
    labels = LABELS["ru"]
    await user.click(labels["russia"])
    await user.send("Москва")
    await user.send("Школа № 1")
    await user.click(labels["teacher"])
    await user.click(labels["online"])
    await user.click(labels["speak_no"])
    await user.send("ivanov@example.com")
    await user.send(labels["skip"])
    await user.click(labels["accept"])
    await user.click(labels["confirm"])


async def test_a_refused_field_comes_back_with_the_answers_and_the_signed_data(
    client: Client, https_harness: BotHarness
) -> None:
    init_data = signed_init_data()
    status, html = await post(client, init_data, email="not-an-address")
    assert status == 400
    assert 'aria-invalid="true"' in html and "not-an-address" in html
    # Checked by the server: the form is shown at once, with the init data kept.
    assert '<div id="miniapp-form">' in html
    assert f'name="init_data" value="{init_data.replace("&", "&amp;")}"' in html
    assert await registrations(https_harness) == []


async def test_an_address_taken_on_the_web_is_asked_for_again(
    client: Client, https_harness: BotHarness
) -> None:
    first, _ = await post(client, signed_init_data(TELEGRAM_ID))
    assert first == 200
    # The same address from a registration without a chat: as in the chat form, refused.
    async with https_harness.session_factory() as session:
        row = (await session.scalars(select(Registration))).one()
        row.user_id = None
        row.source = "web"
        await session.commit()
    status, html = await post(client, signed_init_data(TELEGRAM_ID + 1))
    assert status == 409
    assert "Подключить Telegram" in html and ANSWERS["full_name"] in html
    assert len(await registrations(https_harness)) == 1


# --- refusals -----------------------------------------------------------------------------------


def altered(init_data: str) -> str:
    """The same data with another user id and the old hash: what a forger would send."""
    return init_data.replace(str(TELEGRAM_ID), str(TELEGRAM_ID + 5))


@pytest.mark.parametrize(
    "init_data",
    [
        pytest.param(altered(signed_init_data()), id="altered"),
        pytest.param(signed_init_data(token="4242:ANOTHER-bots-token"), id="another-bot"),
        pytest.param(signed_init_data().rsplit("&hash=", 1)[0], id="no-hash"),
        pytest.param(
            signed_init_data(signed_at=BEFORE_EVENT - timedelta(days=1, minutes=1)), id="old"
        ),
        pytest.param("user=%7B%7D&hash=zz", id="garbage"),
    ],
)
@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_unsigned_forged_or_old_data_is_refused(
    client: Client, https_harness: BotHarness, notify: RecordingNotify, init_data: str, lang: str
) -> None:
    status, html = await post(client, init_data, lang=lang)
    assert status == 403
    assert https_harness.i18n(lang)("miniapp-refused-title") in html
    assert await registrations(https_harness) == [] and notify.calls == []


async def test_a_day_old_signature_still_counts(client: Client, https_harness: BotHarness) -> None:
    day_old = signed_init_data(signed_at=BEFORE_EVENT - timedelta(hours=23, minutes=59))
    status, _ = await post(client, day_old)
    assert status == 200


async def test_without_a_bot_token_nothing_is_trusted(
    tmp_path: Path, https_harness: BotHarness
) -> None:
    """Init data "signed" with an empty token must not pass where the server has none."""
    https_harness.settings = https_harness.settings.model_copy(update={"bot_token": SecretStr("")})
    client = await web_client(https_harness, None)
    try:
        status, _ = await post(client, signed_init_data(token=""))
        assert status == 403
    finally:
        await client.close()


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_form_without_init_data_says_to_open_it_from_the_bot(
    client: Client, https_harness: BotHarness, lang: str
) -> None:
    status, html = await post(client, None, lang=lang)
    assert status == 400
    assert T_TEXT[lang]["outside"] in html
    assert f'href="/e/{SLUG}"' in html and "https://t.me/victory_test_bot?start=" in html
    assert await registrations(https_harness) == []


async def test_the_honeypot_saves_nothing(client: Client, https_harness: BotHarness) -> None:
    status, html = await post(client, signed_init_data(), homepage="http://spam.example")
    assert status == 200 and not PERSONAL_LINK.search(html)
    assert await registrations(https_harness) == []


async def test_a_closed_registration_is_refused_in_the_page_language(
    tmp_path: Path,
) -> None:
    h = BotHarness(
        tmp_path,
        FrozenClock(BEFORE_EVENT),
        catalog_of(make_event(SLUG, deadline=BEFORE_EVENT - timedelta(days=1))),
    )
    h.settings = h.settings.model_copy(update={"public_url": PUBLIC_URL})
    await h.start()
    client = await web_client(h, None)
    try:
        page = await client.get(f"/app/e/{SLUG}?hl=zh")
        assert page.status == 409 and "本活动报名已截止" in await page.text()
        status, html = await post(client, signed_init_data(), lang="zh")
        assert status == 409 and "本活动报名已截止" in html
    finally:
        await client.close()
        await h.close()
