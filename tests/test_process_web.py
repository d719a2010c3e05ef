"""The web page and the bot in one `python -m bot run` process, against the fake Telegram
(tests/fake_telegram.py): a registration made in a browser (a real form post with its CSRF
cookie and token) is counted by the organizer's /stats in the chat, and after "Connect
Telegram" on the personal page it gets its reminder in Telegram.

The reminder is due 20 s after the test writes the events file (the bot is up after about 4 s
on an idle 2-core machine, and the registration a few seconds later), so the test lasts about
that long; on a machine so slow that the registration comes after that, the "start" message
10 s later is the reminder it waits for (a registration made after a reminder was due does not
get it: its confirmation said everything)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.i18n import I18n
from tests.fake_telegram import Call, FakeTelegram
from tests.test_process import (
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    BotProcess,
    bot_process,
    registration_rows,
    web_page,
)

SLUG = "web-process-test"
TITLE = "Конференция с сайта"
LINK = "https://voov.example/j/777"
REMINDER_AFTER = timedelta(seconds=20)  # from the start of the test to the reminder's due time
REMINDER_LEAD = timedelta(seconds=10)  # the reminder's offset before the start
ADMIN_ID, PERSON_ID = 9001, 2002
ADMIN: dict[str, Any] = {
    "id": ADMIN_ID,
    "is_bot": False,
    "first_name": "Организатор",
    "language_code": "ru",
}
PERSON: dict[str, Any] = {
    "id": PERSON_ID,
    "is_bot": False,
    "first_name": "Мария",
    "language_code": "ru",
}
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def events_toml(starts: datetime) -> str:
    return f"""
[[events]]
slug = "{SLUG}"
format = "online"
starts_at = {starts.isoformat()}
ends_at = {(starts + timedelta(hours=2)).isoformat()}
reminders = ["{int(REMINDER_LEAD.total_seconds())}s"]

[events.title]
ru = "{TITLE}"
zh = "网站会议"

[events.description]
ru = "Описание"
zh = "简介"

[events.meeting]
link = "{LINK}"
id = "777 000 777"
passcode = "7777"

[events.contacts]
email = "org@example.com"
"""


def form_answers(email: str) -> dict[str, str]:
    """A valid form of the event page (an online event: no format question)."""
    return {
        "full_name": "Иванова Мария Петровна",
        "country": "RU",
        "country_other": "",
        "city": "Хабаровск",
        "organization": "Школа № 5",
        "role": "teacher",
        "wants_to_speak": "no",
        "talk_topic": "",
        "email": email,
        "phone": "",
        "consent": "yes",
        "homepage": "",  # the honeypot, left empty as a person leaves it
    }


async def say(
    tg: FakeTelegram,
    bot: BotProcess,
    user: dict[str, Any],
    text: str,
    until: Callable[[Call], bool],
    what: str,
    timeout: float = STEP_TIMEOUT,
) -> Call:
    """A private message (a command when it starts with "/") and the bot's reply to it."""
    mark = tg.mark()
    command = text.split()[0]
    tg.enqueue_update(
        {
            "message": {
                "message_id": int(time.time() * 1000) % 1_000_000,
                "from": user,
                "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                "date": int(time.time()),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
            }
        }
    )
    reply: Call = await bot.until(
        tg.wait_for_message(user["id"], until, after=mark, timeout=timeout, description=what)
    )
    return reply


async def register_on_the_web(http: aiohttp.ClientSession, base: str) -> str:
    """The event page's form, posted as a browser posts it; the personal page's token."""
    async with http.get(f"{base}/e/{SLUG}") as response:
        assert response.status == 200
        found = CSRF.search(await response.text())
    assert found, "no CSRF token in the form"
    data = {"csrf_token": found.group(1), **form_answers("maria@example.ru")}
    async with http.post(f"{base}/e/{SLUG}", data=data, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        location = response.headers["Location"]
    match = re.fullmatch(r"/me/([\w-]+)\?welcome=1", location)
    assert match, location
    return match.group(1)


async def bind_code(http: aiohttp.ClientSession, base: str, token: str) -> str:
    """ "Connect Telegram" on the personal page: the code in the t.me link it leads to."""
    async with http.get(f"{base}/me/{token}?welcome=1") as response:
        assert response.status == 200
        page = await response.text()
    assert TITLE in page
    connect = f"/me/{token}/telegram"
    assert f'href="{connect}"' in page, "no Connect Telegram link on the personal page"
    async with http.get(f"{base}{connect}", allow_redirects=False) as response:
        assert response.status == 303
        target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "t.me", "/victory_test_bot")
    [start] = parse_qs(target.query)["start"]
    assert start.startswith("bind-"), start
    return start.removeprefix("bind-")


async def test_a_web_registration_is_in_stats_and_reminded_in_telegram(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + REMINDER_AFTER + REMINDER_LEAD
    (tmp_path / "events.toml").write_text(events_toml(starts), encoding="utf-8")
    t = I18n()("ru")
    title = escape(TITLE)
    source_line = t("stats-line", label=t("report-source", source="web"), count=1)
    before_head = t("reminder-before", event=title, countdown="\x00").split("\x00")[0]
    start_head = t("reminder-start", event=title)

    async with (
        FakeTelegram() as tg,
        bot_process(tmp_path, tg, ADMIN_IDS=str(ADMIN_ID), REMINDER_CHECK_SECONDS="3") as bot,
    ):
        base = f"http://127.0.0.1:{bot.web_port}"
        # The IP address needs an "unsafe" jar: aiohttp's default one keeps no cookies of it.
        jar = aiohttp.CookieJar(unsafe=True)
        browser = aiohttp.ClientSession(cookie_jar=jar, headers={"Accept-Language": "ru-RU,ru"})
        async with asyncio.timeout(2 * STARTUP_TIMEOUT), browser as http:
            # Both halves answer: the page, and the bot (it knows its name from getMe by then,
            # which "Connect Telegram" needs). The page answers first: the bot may still be
            # starting its polling on a busy machine (over 15 s once, with CI and other tests
            # sharing two cores), so the first reply has the start-up's time.
            await say(
                tg,
                bot,
                PERSON,
                "/start",
                lambda c: bool(c.text),
                "the welcome",
                timeout=STARTUP_TIMEOUT,
            )
            assert "t.me/victory_test_bot" in await web_page(bot, f"/e/{SLUG}")
            token = await register_on_the_web(http, base)
            registered = datetime.now(UTC)
            [row] = registration_rows(tmp_path)
            assert (row["source"], row["user_id"]) == ("web", None)

            stats = await say(
                tg, bot, ADMIN, "/stats", lambda c: TITLE in c.text, "the organizer's /stats"
            )
            section = stats.text.split(t("stats-section-source"))[1]
            assert source_line in section, stats.text

            code = await bind_code(http, base, token)
            await say(
                tg,
                bot,
                PERSON,
                f"/start bind-{code}",
                lambda c: t("bind-done", event=title).split("<b>")[0] in c.text,
                "the confirmation of Connect Telegram",
            )
            [row] = registration_rows(tmp_path)
            assert (row["source"], row["user_id"]) == ("web", PERSON_ID)

        reminder = await bot.until(
            tg.wait_for_message(
                PERSON_ID,
                lambda c: before_head in c.text or start_head in c.text,
                timeout=(starts - datetime.now(UTC)).total_seconds() + 15,
                description="the reminder",
            )
        )
        due = starts - REMINDER_LEAD
        print(
            f"registered {(due - registered).total_seconds():.1f} s before the reminder was "
            f"due; the reminder came {reminder.at - due.timestamp():+.2f} s from its due time"
        )
        assert LINK in reminder.text
        assert await bot.terminate() == 0

    refused = [f"{c.method}: {c.error}" for c in tg.calls if c.error]
    assert not refused, "the bot made requests Telegram refused"
    assert tg.calls_of("sendPhoto"), "no chart after /stats"
    bad = [line for line in bot.log.splitlines() if " ERROR " in line or "Traceback" in line]
    assert not bad, "errors in the log:\n" + "\n".join(bad)
