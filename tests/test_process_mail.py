"""E-mail where Telegram is blocked: `python -m bot run` without BOT_TOKEN, with SMTP_URL
pointing at a real SMTP server on 127.0.0.1 (aiosmtpd). A registration made on the web page is
pending until the e-mailed link is opened and confirmed; then "you are registered" comes with
the calendar file, and the reminder comes by e-mail at its time, with the meeting link: the
whole product without the bot.

The reminder is due 25 s after the test writes the events file, so the test lasts about that
long."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiohttp

from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_process import STARTUP_TIMEOUT, BotProcess, bot_env, registration_rows, web_page
from tests.test_process_web import CSRF, LINK, REMINDER_AFTER, SLUG, events_toml, form_answers

ADDRESS = "maria@example.ru"
PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/me/([0-9]+\.[A-Za-z0-9_-]{24})")


async def letter(smtp: SmtpTestServer, bot: BotProcess, subject_part: str) -> EmailMessage:
    """The first letter whose subject contains `subject_part`, once it arrives."""
    while True:
        for message in smtp.messages:
            if subject_part in str(message["Subject"]):
                return message
        await bot.until(asyncio.sleep(0.2))


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def test_without_telegram_the_web_page_and_e_mail_carry_everything(tmp_path: Path) -> None:
    starts = datetime.now(UTC) + REMINDER_AFTER + timedelta(seconds=25)
    (tmp_path / "events.toml").write_text(events_toml(starts), encoding="utf-8")
    with running_smtp() as smtp:
        env = bot_env(tmp_path, "http://127.0.0.1:9") | {
            "BOT_TOKEN": "",
            "SMTP_URL": f"smtp://{smtp.host}:{smtp.port}",
            "MAIL_FROM": "Наша общая Победа <noreply@example.org>",
            "WEB_SECRET": "a-lasting-secret-of-the-tests",
            "REMINDER_CHECK_SECONDS": "2",
        }
        bot = await BotProcess.start(tmp_path, env, "bot.log")
        base = f"http://127.0.0.1:{bot.web_port}"
        try:
            async with asyncio.timeout(STARTUP_TIMEOUT + 60):
                page = await web_page(bot, f"/e/{SLUG}")
                jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1 (an IP) are kept
                async with aiohttp.ClientSession(cookies={"lang": "ru"}, cookie_jar=jar) as http:
                    async with http.get(f"{base}/e/{SLUG}") as response:
                        page = await response.text()
                    found = CSRF.search(page)
                    assert found is not None
                    data = {"csrf_token": found[1], **form_answers(ADDRESS)}
                    async with http.post(
                        f"{base}/e/{SLUG}", data=data, allow_redirects=False
                    ) as response:
                        assert response.status == 303
                        assert "/check-mail" in response.headers["Location"]
                    [row] = registration_rows(tmp_path)
                    assert (row["status"], row["source"]) == ("pending", "web")

                    confirm = await letter(smtp, bot, "Подтвердите адрес")
                    link = PAGE_LINK.search(plain(confirm))
                    assert link is not None
                    async with http.get(link[0]) as response:
                        page = await response.text()
                    assert registration_rows(tmp_path)[0]["status"] == "pending"  # a GET: no
                    found = CSRF.search(page)
                    assert found is not None
                    async with http.post(
                        f"{link[0]}/confirm", data={"csrf_token": found[1]}
                    ) as response:
                        assert response.status == 200
                    assert registration_rows(tmp_path)[0]["status"] == "active"

                registered = await letter(smtp, bot, "Вы зарегистрированы")
                [calendar] = list(registered.iter_attachments())
                assert calendar.get_content_type() == "text/calendar"
                reminder = await letter(smtp, bot, "начало через")
                assert LINK in plain(reminder)  # the last reminder carries the link
                assert reminder["List-Unsubscribe"] is None  # a letter with the link
            assert await bot.terminate() == 0
        except BaseException:
            print("---- bot stdout/stderr ----")
            print(bot.log)
            raise
        finally:
            await bot.kill()
        # Each letter once.
        subjects = [str(m["Subject"]) for m in smtp.messages]
        assert len(subjects) == len(set(subjects)), subjects
        assert "Traceback" not in bot.log
        assert ADDRESS not in bot.log  # no personal data in the logs
