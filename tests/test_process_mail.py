"""E-mail where Telegram is blocked: `python -m bot run` without BOT_TOKEN, with SMTP_URL
pointing at a real SMTP server on 127.0.0.1 (aiosmtpd). A registration made on the web page is
pending until the e-mailed link is opened and confirmed; then "you are registered" comes with
the calendar file, and the reminder comes by e-mail at its time, with the meeting link: the
whole product without the bot.

The reminder is due 25 s after the test writes the events file, so the test lasts about that
long. On a machine so slow that the registration comes after that, the "start" letter 10 s
later is the one it waits for; where it comes even after the start (the bot once took over 25 s
to come up in a CI run sharing two cores with the other tests), no reminder is due to it (the
planner leaves those who registered after a reminder's time to their confirmation), and the
"you are registered" letter is the one that must carry the meeting link.

The second test kills the process (SIGKILL) in the middle of an e-mail reminder wave to 150
confirmed addresses and starts it again on the same database: every address has the reminder
once, except at most the letters in flight at the kill, and the restarted process sends the rest
at once, without waiting for REPLICA_TIMEOUT. About 15 s on a 2-core machine."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiohttp
from sqlalchemy import insert, select

from bot.clock import SystemClock
from bot.services.events.catalog import load_events
from bot.services.registration.registrations import sync_events
from bot.services.reminders.mail import MAX_WORKERS, MIN_WORKERS
from bot.services.reminders.planner import slot_kind
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models import EventRow, Registration, RegistrationSource, RegistrationStatus
from tests import test_process_reminders as wave_event
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_process import (
    STARTUP_TIMEOUT,
    BotProcess,
    bot_env,
    db_path,
    registration_rows,
    web_page,
)
from tests.test_process_web import (
    CSRF,
    LINK,
    REMINDER_AFTER,
    REMINDER_LEAD,
    SLUG,
    events_toml,
    form_answers,
)

ADDRESS = "maria@example.ru"
PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/me/([0-9]+\.[A-Za-z0-9_-]{24})")


async def letter(smtp: SmtpTestServer, bot: BotProcess, *subject_parts: str) -> EmailMessage:
    """The first letter whose subject contains one of `subject_parts`, once it arrives."""
    while True:
        for message in smtp.messages:
            if any(part in str(message["Subject"]) for part in subject_parts):
                return message
        await bot.until(asyncio.sleep(0.2))


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


# From the start of the test to the reminder's due time: the bot's start-up (about 5 s on an idle
# 2-core machine) and the registration by e-mail come first.
MAIL_REMINDER_AFTER = REMINDER_AFTER + timedelta(seconds=5)


async def test_without_telegram_the_web_page_and_e_mail_carry_everything(tmp_path: Path) -> None:
    starts = datetime.now(UTC) + MAIL_REMINDER_AFTER + REMINDER_LEAD
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
                created = datetime.fromisoformat(registration_rows(tmp_path)[0]["created_at"])
                late = created.replace(tzinfo=UTC) > starts
                print(
                    f"registered {(starts - created.replace(tzinfo=UTC)).total_seconds():.1f} s "
                    "before the start"
                )
                if late:  # a machine too slow for the timeline: no reminder is due
                    assert LINK in plain(registered)
                else:
                    reminder = await letter(smtp, bot, "начало через", "Начинаем")
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


# --- killed in the middle of an e-mail wave -------------------------------------------------

# Enough for a kill early in the wave to leave letters in flight and claims behind (a wave of
# 300 proved nothing more, in more time).
PEOPLE_K = 150
RATE_K = 50  # EMAIL_RATE: the wave takes about 3 s
# The letters the first process has had accepted when it is killed: about a quarter of the wave.
KILL_AFTER_K = 40
# MailChannel's concurrent senders at RATE_K (its default): at most that many letters can be
# accepted by the server but not yet recorded in the ledger when the process dies.
MAIL_WORKERS_K = min(MAX_WORKERS, max(MIN_WORKERS, RATE_K // 12))
# The default. The restarted process does not wait for it: on SQLite (and under the same
# REPLICA_NAME) the killed process was certainly its previous life, and what that one had
# claimed is taken back at start-up.
REPLICA_TIMEOUT_K = 30
# The reminder is due this long after the test begins: its wave (about 3.5 s early at RATE_K)
# begins about when the first process is up (about 4 s on an idle 2-core machine; later, it
# begins at once).
DUE_AFTER_K = timedelta(seconds=8)
OFFSET_K = timedelta(minutes=10)  # the only reminder: the last before the start, with the link
CHECK_SECONDS_K = 2
# From the restarted process's first letter to the last of the wave: the rest of the wave at
# the rate, the letters sent again, and the slack of a loaded machine; far below the timeout.
FINISH_AFTER_RESTART_K = (PEOPLE_K - KILL_AFTER_K + MAIL_WORKERS_K) / RATE_K + 8


def wave_address(i: int) -> str:
    return f"reader{i}@example.com"


async def seed_addresses(tmp_path: Path, count: int, registered_at: datetime) -> None:
    """The schema, the event (as the process syncs it at start-up) and `count` active web
    registrations with confirmed addresses, half Russian, half Chinese, created at
    `registered_at`."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_path(tmp_path)}")
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, load_events(tmp_path / "events.toml"), SystemClock())
            event_id = await session.scalar(
                select(EventRow.id).where(EventRow.slug == wave_event.SLUG)
            )
            assert event_id is not None
            rows = [
                {
                    "user_id": None,
                    "event_id": event_id,
                    "status": RegistrationStatus.ACTIVE,
                    "source": RegistrationSource.WEB,
                    "language": "ru" if i % 2 else "zh",
                    "full_name": f"Участник {i}" if i % 2 else f"参与者 {i}",
                    "country": "RU" if i % 2 else "CN",
                    "city": "Москва" if i % 2 else "北京",
                    "organization": "Школа № 1",
                    "role": "teacher",
                    "participation_format": "online",
                    "wants_to_speak": False,
                    "email": wave_address(i),
                    "email_key": wave_address(i),
                    "email_confirmed_at": registered_at,
                    "access_token_hash": hashlib.sha256(f"token {i}".encode()).hexdigest(),
                    "consent_at": registered_at,
                    "consent_version": "test",
                    "created_at": registered_at,
                    "updated_at": registered_at,
                }
                for i in range(count)
            ]
            await session.execute(insert(Registration), rows)
            await session.commit()
    finally:
        await engine.dispose()


def mail_ledger(tmp_path: Path) -> list[sqlite3.Row]:
    """The e-mail rows of the delivery ledger with the address of each registration."""
    with contextlib.closing(sqlite3.connect(db_path(tmp_path))) as db:
        db.row_factory = sqlite3.Row
        return db.execute(
            "SELECT d.*, r.email FROM deliveries d "
            "JOIN registrations r ON r.id = d.registration_id "
            "WHERE d.channel = 'email' ORDER BY d.id"
        ).fetchall()


def recipients(smtp: SmtpTestServer, start: int = 0) -> list[str]:
    """The envelope recipient of each letter accepted from index `start` on."""
    return [to for received in smtp.received[start:] for to in received.rcpt_tos]


async def until_letters(smtp: SmtpTestServer, bot: BotProcess, count: int) -> None:
    while len(smtp.received) < count:
        await bot.until(asyncio.sleep(0.02))


async def test_an_e_mail_wave_killed_midway_is_finished_after_a_restart(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + DUE_AFTER_K + OFFSET_K
    (tmp_path / "events.toml").write_text(
        wave_event.events_toml(
            starts=starts,
            ends=starts + timedelta(hours=2),
            reminders=[f"{int(OFFSET_K.total_seconds())}s"],
        ),
        encoding="utf-8",
    )
    await seed_addresses(tmp_path, PEOPLE_K, registered_at=now - timedelta(minutes=10))
    addresses = {wave_address(i) for i in range(PEOPLE_K)}
    kind = slot_kind(OFFSET_K)
    first_log = second_log = ""
    with running_smtp() as smtp:
        env = bot_env(tmp_path, "http://127.0.0.1:9") | {
            "BOT_TOKEN": "",  # the pages alone: e-mail is the only channel
            "SMTP_URL": f"smtp://{smtp.host}:{smtp.port}",
            "MAIL_FROM": "Наша общая Победа <noreply@example.org>",
            "WEB_SECRET": "a-lasting-secret-of-the-tests",
            "EMAIL_RATE": str(RATE_K),
            "REMINDER_CHECK_SECONDS": str(CHECK_SECONDS_K),
            "REPLICA_TIMEOUT": str(REPLICA_TIMEOUT_K),
            # One service unit restarted: its next life knows its previous one by the name.
            "REPLICA_NAME": "test-host/bot.service",
        }
        first = await BotProcess.start(tmp_path, env, "bot-first.log")
        try:
            async with asyncio.timeout(STARTUP_TIMEOUT + DUE_AFTER_K.total_seconds() + 15):
                await until_letters(smtp, first, KILL_AFTER_K)
            await first.kill()
            killed_at = time.monotonic()
            assert first.proc.returncode == -9
        finally:
            await first.kill()
            first_log = first.log
        try:
            # A letter whose content the server had whole is kept even if its client is gone.
            assert await smtp.all_closed(5.0), "the killed process's connection stays open"
            by_first = len(smtp.received)
            at_kill = mail_ledger(tmp_path)
            in_ledger = {r["email"] for r in at_kill if r["status"] == "sent"}
            # Claimed by the killed process and not sent: what the restart must take back.
            held = sum(r["status"] == "claimed" for r in at_kill)

            second = await BotProcess.start(tmp_path, env, "bot-second.log")
            try:
                second_first_letter: float | None = None
                async with asyncio.timeout(STARTUP_TIMEOUT + REPLICA_TIMEOUT_K + 15):
                    while not addresses <= set(recipients(smtp)):
                        if second_first_letter is None and len(smtp.received) > by_first:
                            second_first_letter = time.monotonic()
                        await second.until(asyncio.sleep(0.02))
                done_at = time.monotonic()
                assert second_first_letter is not None
                # A letter sent twice by the restarted process would come with a later look.
                total = len(smtp.received)
                await second.until(asyncio.sleep(CHECK_SECONDS_K + 1))
                assert len(smtp.received) == total, "letters after the wave was complete"
                assert await second.terminate() == 0
            finally:
                await second.kill()
                second_log = second.log
        except BaseException:
            print("---- first process ----")
            print(first_log)
            print("---- second process ----")
            print(second_log)
            raise

    by_first_to = recipients(smtp, 0)[:by_first]
    per_address = Counter(recipients(smtp))
    duplicated = {a for a, n in per_address.items() if n > 1}
    in_flight = set(by_first_to) - in_ledger
    finished_after = done_at - second_first_letter
    print(
        f"first process: {by_first} letters accepted, {len(in_ledger)} in the ledger at the "
        f"kill, {held} claimed and not sent; second process: "
        f"{len(smtp.received) - by_first} letters; duplicates: "
        f"{sum(per_address.values()) - len(per_address)} (bound {MAIL_WORKERS_K}); the rest of "
        f"the wave took {finished_after:.1f} s after the restart's first letter "
        f"(bound {FINISH_AFTER_RESTART_K:.1f} s), {done_at - killed_at:.1f} s after the kill"
    )
    try:
        assert set(per_address) == addresses, f"{len(addresses - set(per_address))} lost"
        assert max(per_address.values()) <= 2, per_address.most_common(3)
        # Only what the server accepted while its ledger row was not yet written goes twice.
        assert duplicated == in_flight
        assert len(duplicated) <= MAIL_WORKERS_K
        # No ledger row without a letter the server accepted.
        assert in_ledger <= set(by_first_to)
        # What the killed process had claimed did not wait for REPLICA_TIMEOUT.
        assert held, "killed with nothing claimed: the restart had nothing to take back"
        assert finished_after <= FINISH_AFTER_RESTART_K < REPLICA_TIMEOUT_K

        # A letter sent again is the same letter: one Message-ID per address.
        ids = {(tuple(r.rcpt_tos), str(r.message["Message-ID"])) for r in smtp.received}
        assert len(ids) == PEOPLE_K
        for received in smtp.received:
            [to] = received.rcpt_tos
            assert to in str(received.message["To"])
            assert wave_event.LINK in plain(received.message)  # the last reminder: the link

        rows = mail_ledger(tmp_path)
        assert {r["kind"] for r in rows} == {kind}
        assert sorted(r["email"] for r in rows) == sorted(addresses)  # one row each
        assert {(r["status"], r["link"]) for r in rows} == {("sent", wave_event.LINK)}
        wave_event.assert_clean(second_log)
        for log in (first_log, second_log):
            assert "Traceback" not in log
            assert not [a for a in addresses if a in log]  # no personal data in the logs
    except BaseException:
        print("---- first process ----")
        print(first_log)
        print("---- second process ----")
        print(second_log)
        raise
