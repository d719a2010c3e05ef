"""An organizer's broadcast sent by the bot running as a process (`python -m bot run`) against
the fake Telegram server, killed with SIGKILL a third of the way through and finished by a
second process on the same database: the stored recipient list, the per-copy record, the
resume at start-up, 403 and 429 handling and the organizer's report together.

Registrations are written into the database before the bot starts, with the project's own
models; the organizer then walks the real /broadcast dialogue through updates. About 15 s on a
2-core machine, a third of it two interpreter start-ups."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.clock import SystemClock
from bot.services.events.catalog import load_events
from bot.services.registration.registrations import sync_events
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models import EventRow, Registration, User
from tests.fake_telegram import Call, FakeTelegram, TelegramError
from tests.servers import participant_rows
from tests.test_process import (
    SLUG,
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    USER_ID,
    Walker,
    bot_process,
    db_path,
    events_toml,
)
from tests.test_process_reminders import assert_clean, wait_for_count

ORGANIZER = USER_ID  # Walker talks as this user; ADMIN_IDS makes them the organizer
FIRST_PARTICIPANT = 20_001
REACHABLE = 200
BLOCKED = 8
PARTICIPANTS = REACHABLE + BLOCKED
RATE = 30
# BroadcastService sends with max(4, int(rate)) workers: at most that many copies can be
# accepted by Telegram while their broadcast_recipients rows are still pending at a kill.
WORKERS = max(4, int(RATE))
TEXT = "Внимание: программа конференции обновлена, см. сайт."


def participants() -> tuple[list[int], set[int], int]:
    """Every participant id in sending order, the ones who blocked the bot (spread over the
    whole list, so both processes meet some), and the one whose first copy gets a 429 (in the
    part the second process sends)."""
    ids = [FIRST_PARTICIPANT + i for i in range(PARTICIPANTS)]
    blocked = {ids[12 + 26 * k] for k in range(BLOCKED)}
    flooded = ids[PARTICIPANTS * 3 // 4]
    assert flooded not in blocked
    return ids, blocked, flooded


async def seed(tmp_path: Path, people: list[int], now: datetime) -> None:
    """The schema, the event (as the bot syncs it at start-up), the organizer (no
    registration) and one active online registration per participant, all reachable: the bot
    learns who blocked it only from Telegram's answers."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_path(tmp_path)}")
    try:
        await upgrade(engine)
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            await sync_events(session, load_events(tmp_path / "events.toml"), SystemClock())
            event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
            assert event_id is not None
            users, registrations = participant_rows(event_id, [ORGANIZER, *people], now)
            users[0]["language"] = "ru"
            await session.execute(insert(User), users)
            # The organizer has no registration.
            await session.execute(insert(Registration), registrations[1:])
            await session.commit()
    finally:
        await engine.dispose()


def query(tmp_path: Path, sql: str) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(db_path(tmp_path))) as db:
        db.row_factory = sqlite3.Row
        return db.execute(sql).fetchall()


async def test_broadcast_killed_midway_is_finished_after_a_restart(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    (tmp_path / "events.toml").write_text(events_toml(now), encoding="utf-8")
    ids, blocked, flooded = participants()
    reachable = set(ids) - blocked
    await seed(tmp_path, ids, now - timedelta(days=1))
    settings = {"ADMIN_IDS": str(ORGANIZER), "SEND_RATE": str(RATE)}
    # Distinct tokens (same bot id) tell the two processes' requests apart at the fake server.
    first_token, second_token = "4242:TEST-token-first", "4242:TEST-token-second"
    floods = 0

    async with FakeTelegram() as tg:

        async def copy_message(token: str, params: dict[str, Any]) -> Any:
            nonlocal floods
            chat_id = params.get("chat_id")
            if chat_id in blocked:
                raise TelegramError.blocked()
            if chat_id == flooded and floods == 0:
                floods += 1
                raise TelegramError.flood(retry_after=1)
            return await tg.builtin(token, "copyMessage", params)

        tg.handlers["copyMessage"] = copy_message

        def copy_to_participant(call: Call) -> bool:
            return call.method == "copyMessage" and call.chat_id in ids

        def accepted_copy(call: Call) -> bool:
            return copy_to_participant(call) and call.error is None

        async with bot_process(
            tmp_path, tg, "bot-first.log", BOT_TOKEN=first_token, **settings
        ) as first:
            org = Walker(tg, first)
            t = org.t
            audience = await org.say(
                "/broadcast", org.offers("aa:all"), "the audiences", timeout=STARTUP_TIMEOUT
            )
            everyone = t("admin-audience", audience="all", count=PARTICIPANTS)
            assert everyone in audience.button_texts(), audience.button_texts()
            await org.tap("aa:all", org.asks("admin-broadcast-ask-message"), "the message prompt")
            mark = tg.mark()
            await org.say(TEXT, org.offers("ac:broadcast:1"), "the preview")
            [preview] = [c for c in tg.calls[mark:] if c.method == "copyMessage"]
            assert preview.chat_id == ORGANIZER and preview.error is None
            source = (preview.params["from_chat_id"], preview.params["message_id"])
            await org.tap("ac:broadcast:1", org.offers("ax:"), "the progress message")

            await wait_for_count(
                tg,
                first,
                accepted_copy,
                PARTICIPANTS // 3,
                timeout=STEP_TIMEOUT,
                description="a third of the copies",
            )
            await first.kill()
            assert first.proc.returncode == -9
            first_log = first.log

        at_kill = query(tmp_path, "SELECT user_id, status FROM broadcast_recipients")
        # Not recorded as sent yet: waiting, or claimed by the killed process (taken over by
        # the second one once the first stops beating).
        pending_at_kill = {r["user_id"] for r in at_kill if r["status"] in ("pending", "claimed")}
        sent_at_kill = {r["user_id"] for r in at_kill if r["status"] == "sent"}
        [status_at_kill] = query(tmp_path, "SELECT status FROM broadcasts")

        async with bot_process(
            tmp_path, tg, "bot-second.log", BOT_TOKEN=second_token, **settings
        ) as second:
            done = t("admin-report")
            report = await second.until(
                tg.wait_for_message(
                    ORGANIZER,
                    lambda c: done in c.text,
                    timeout=STARTUP_TIMEOUT + 30,
                    description="the report",
                )
            )
            assert await second.terminate() == 0
            second_log = second.log

    first_copies = [c for c in tg.calls if copy_to_participant(c) and c.token == first_token]
    second_copies = [c for c in tg.calls if copy_to_participant(c) and c.token == second_token]
    accepted_first = {c.chat_id for c in first_copies if c.error is None}
    per_user = Counter(c.chat_id for c in first_copies + second_copies if c.error is None)
    duplicated = {uid for uid, n in per_user.items() if n > 1}
    in_flight = accepted_first & pending_at_kill
    delivered = len(per_user)
    print(
        f"first process: {len(accepted_first)} copies accepted, {len(sent_at_kill)} recorded "
        f"as sent at the kill; second process: "
        f"{sum(1 for c in second_copies if c.error is None)} copies accepted; "
        f"in flight at the kill (accepted, still pending): {len(in_flight)}; "
        f"duplicates: {sum(per_user.values()) - delivered} (bound {WORKERS})"
    )
    try:
        assert status_at_kill["status"] == "sending"
        # Everyone reachable got the copy, nobody blocked did.
        assert set(per_user) == reachable, f"{len(reachable - set(per_user))} got nothing"
        assert max(per_user.values()) <= 2, per_user.most_common(3)
        # Only what Telegram accepted while its row was still pending goes twice.
        assert duplicated == in_flight
        assert len(duplicated) <= WORKERS
        # No row was recorded as sent without a copy that Telegram accepted, and the second
        # process sent only to those still pending.
        assert sent_at_kill <= accepted_first
        assert {c.chat_id for c in second_copies} <= pending_at_kill
        for call in first_copies + second_copies:
            assert (call.params["from_chat_id"], call.params["message_id"]) == source, call

        refused = [c for c in first_copies + second_copies if c.error]
        assert {c.chat_id for c in refused if (c.error or "").startswith("Forbidden")} == blocked
        assert [c.chat_id for c in refused if (c.error or "").startswith("Too Many")] == [flooded]
        assert floods == 1 and per_user[flooded] == 1
        assert len(refused) == len([c for c in refused if c.chat_id in blocked]) + 1

        # The report says what Telegram accepted.
        assert t("admin-report-sent", count=delivered, total=PARTICIPANTS) in report.text
        assert t("admin-report-unreachable", count=len(blocked)) in report.text
        assert t("admin-report-failed", count=0) in report.text
        figures = re.search(r"Доставлено: (\d+) из (\d+)", report.text)
        assert figures is not None, report.text
        print(f"report: delivered {figures[1]} of {figures[2]}; the fake accepted {delivered}")

        [broadcast] = query(tmp_path, "SELECT * FROM broadcasts")
        assert broadcast["status"] == "done"
        assert broadcast["total"] == PARTICIPANTS
        assert broadcast["finished_at"] is not None
        rows = query(tmp_path, "SELECT user_id, status FROM broadcast_recipients")
        assert Counter(r["status"] for r in rows) == {"sent": REACHABLE, "unreachable": BLOCKED}
        assert {r["user_id"] for r in rows if r["status"] == "unreachable"} == blocked
        marked = query(tmp_path, "SELECT id FROM users WHERE is_reachable = 0")
        assert {r["id"] for r in marked} == blocked
        # The progress message went on being edited by the second process.
        progress = [c for c in tg.calls_of("editMessageText") if c.chat_id == ORGANIZER]
        assert any(c.token == second_token for c in progress)
        assert "joining broadcast" in second_log
        assert_clean(first_log)
        assert_clean(second_log)
    except BaseException:
        print("---- first bot ----")
        print(first_log)
        print("---- second bot ----")
        print(second_log)
        raise
