"""Registrations reachable without Telegram (issue 12): the web registration through the same
service as the bot's form, one active registration per address and event, the personal page's
token, "Connect Telegram" through the real dispatcher, and what reminders, stats, export,
broadcasts and certificates do with a registration that has no chat. Migration 0009 up and
down on a database with rows."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FrozenClock
from bot.services.delivery.broadcasts import audience_ids
from bot.services.registration.form import CONSENT_VERSION, Field
from bot.services.registration.registrations import (
    AlreadyRegistered,
    Channel,
    EmailTaken,
    RegistrationService,
    UserRegistration,
)
from bot.services.reports.export import COLUMNS, build_table, event_registrations
from bot.services.reports.stats import event_stats
from db.audiences import Audience
from db.engine import create_engine, create_session_factory
from db.migrate import downgrade, upgrade
from db.models import Certificate, Delivery, Registration, RegistrationSource
from db.repositories import EventRepository
from handlers.admin.stats import stats_text
from tests.conftest import BEFORE_EVENT
from tests.flows import LABELS, fill_form, register
from tests.harness import BotHarness, make_event, strip_tags

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
LINK = "https://voov.example/j/123"


def the_event() -> dict[str, Any]:
    return make_event(SLUG, starts_at=START, meeting={"link": LINK}, require_attendance=False)


@pytest.fixture
def events() -> list[dict]:
    return [the_event()]


def answers(email: str = "li.wei@example.cn", name: str = "李伟") -> dict[str, Any]:
    return {
        Field.FULL_NAME: name,
        Field.COUNTRY: "CN",
        Field.CITY: "哈尔滨",
        Field.ORGANIZATION: "哈尔滨第一中学",
        Field.ROLE: "teacher",
        Field.FORMAT: "online",
        Field.WANTS_TO_SPEAK: False,
        Field.EMAIL: email,
        Field.PHONE: "",
        "consent_at": BEFORE_EVENT.isoformat(),
        "consent_version": CONSENT_VERSION,
    }


async def web_register(
    harness: BotHarness, email: str = "li.wei@example.cn", slug: str = SLUG
) -> UserRegistration:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        return await service.register(slug, answers(email), "zh", channel=Channel.web())


async def rows(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Registration).order_by(Registration.id))).all())


async def bind_code(harness: BotHarness, registration_id: int) -> str:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        row = await session.get(Registration, registration_id)
        assert row is not None
        return await service.issue_bind_code(row)


# --- one service for every channel --------------------------------------------------------


async def test_a_web_registration_has_no_chat_is_not_erased_and_gets_a_token(
    harness: BotHarness,
) -> None:
    reg = await web_register(harness)
    [row] = await rows(harness)
    assert (row.user_id, row.erased_at, row.source) == (None, None, RegistrationSource.WEB)
    assert row.email_key == "li.wei@example.cn" and row.full_name == "李伟"
    assert reg.access_token is not None and len(reg.access_token) >= 43
    # Only the digest is stored.
    assert row.access_token_hash == hashlib.sha256(reg.access_token.encode()).hexdigest()
    assert reg.access_token not in str(
        [getattr(row, c.key) for c in Registration.__table__.columns]
    )


async def test_the_bot_and_the_mini_app_go_through_the_same_service(
    harness: BotHarness,
) -> None:
    await register(harness.user(1))
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        mini = await service.register(
            SLUG, answers("mini@example.cn"), "zh", channel=Channel.miniapp(2)
        )
        assert mini.access_token is not None  # the Mini App shows the personal page
        with pytest.raises(AlreadyRegistered):  # the same rules: one per chat and event
            await service.register(SLUG, answers("other@example.cn"), "zh", channel=Channel.bot(2))
    bot_row, mini_row = await rows(harness)
    assert (bot_row.user_id, bot_row.source, bot_row.access_token_hash) == (1, "bot", None)
    assert (mini_row.user_id, mini_row.source) == (2, "miniapp")
    with pytest.raises(ValueError):
        Channel(RegistrationSource.WEB, 5)


@pytest.mark.parametrize(
    "events", [[the_event(), make_event("second-2025", starts_at=START + timedelta(days=7))]]
)
async def test_the_same_address_twice_for_one_event_is_refused(harness: BotHarness) -> None:
    first = await web_register(harness, "li.wei@example.cn")
    for typed in ("li.wei@example.cn", "  LI.Wei@Example.CN ", "Li.Wei@example.cn"):
        with pytest.raises(EmailTaken):
            await web_register(harness, typed)
    [row] = await rows(harness)
    # Refused without touching the first registration: its link still opens it.
    assert first.access_token is not None
    assert row.access_token_hash == hashlib.sha256(first.access_token.encode()).hexdigest()
    # Another event is another registration; a cancelled one frees the address.
    await web_register(harness, "li.wei@example.cn", slug="second-2025")
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        found = await service.registration_by_token(first.access_token)
        assert found is not None
        await service.cancel_registration(found)
    await web_register(harness, "LI.WEI@example.cn")
    assert len(await rows(harness)) == 3


async def test_chats_may_share_an_address_a_web_registration_may_not(
    harness: BotHarness,
) -> None:
    """Two Telegram users may give one address (a family's, a teacher's), as before; the web
    page, where the address is the person, cannot take it then."""
    await register(harness.user(1), email="family@example.com")
    await register(harness.user(2), email="Family@example.com")
    with pytest.raises(EmailTaken):
        await web_register(harness, "FAMILY@example.com ")
    assert [r.user_id for r in await rows(harness)] == [1, 2]


async def test_two_submissions_racing_with_one_address_make_one_registration(
    harness: BotHarness,
) -> None:
    outcomes = await asyncio.gather(
        *(web_register(harness, f"  race@Example.cn{' ' * i}") for i in range(2)),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["EmailTaken", "UserRegistration"]
    assert len(await rows(harness)) == 1


async def test_the_index_refuses_a_copy_even_without_the_check(harness: BotHarness) -> None:
    """The database holds the rule on its own (a partial unique index, SQLite and PostgreSQL)."""
    await web_register(harness, "li.wei@example.cn")
    [row] = await rows(harness)
    async with harness.session_factory() as session:
        copy = Registration(
            event_id=row.event_id,
            status="active",
            source="web",
            language="zh",
            role="teacher",
            participation_format="online",
            email="LI.WEI@example.cn",
            email_key="li.wei@example.cn",
            consent_at=BEFORE_EVENT,
            consent_version=CONSENT_VERSION,
            created_at=BEFORE_EVENT,
            updated_at=BEFORE_EVENT,
        )
        session.add(copy)
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_a_telegram_user_with_an_address_registered_on_the_web(
    harness: BotHarness,
) -> None:
    """Refused with a clear text at Confirm, asked for the address again with every other
    answer kept; another address registers."""
    await web_register(harness, "ivanov@example.com")
    user = harness.user(1)
    await user.send("/start")
    await fill_form(user, email="Ivanov@Example.com")
    await user.click(LABELS["ru"]["accept"])
    await user.click(LABELS["ru"]["confirm"])
    refusal, question = (strip_tags(t) for t in user.texts()[-2:])
    assert "уже указан в другой регистрации" in refusal and "Подключить Telegram" in refusal
    assert question.startswith("Укажите ваш e-mail")
    await user.send("ivan.ivanov@example.com")
    await user.click(LABELS["ru"]["confirm"])
    assert "зарегистрированы" in strip_tags(" ".join(user.texts()[-2:]))
    web_row, bot_row = await rows(harness)
    assert web_row.user_id is None
    assert (bot_row.user_id, bot_row.email, bot_row.full_name) == (
        1,
        "ivan.ivanov@example.com",
        "Иванов Иван Иванович",
    )
    # Editing the address to one taken is refused the same way.
    await user.send("/edit")
    await user.click("E-mail")
    await user.send("IVANOV@example.com")
    await user.click(LABELS["ru"]["confirm"])
    assert any("уже указан в другой регистрации" in t for t in user.texts()[-3:])
    assert (await rows(harness))[1].email == "ivan.ivanov@example.com"


# --- the personal page's token -----------------------------------------------------------


async def test_token_lookup_revoke_and_reissue(harness: BotHarness) -> None:
    reg = await web_register(harness)
    token = reg.access_token
    assert token is not None
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        found = await service.registration_by_token(token)
        assert found is not None and found.row.id == reg.row.id and found.event.slug == SLUG
        for wrong in ("", token[:-1], token + "x", "x" * 500, token.upper()):
            assert await service.registration_by_token(wrong) is None
        await service.revoke_access_token(found.row)
        assert await service.registration_by_token(token) is None
        new = await service.issue_access_token(found.row)
        assert new != token
        assert await service.registration_by_token(token) is None
        again = await service.registration_by_token(new)
        assert again is not None and again.row.id == reg.row.id
        # Erasing the registration closes its page for good.
        await service.erase_registration(again)
        assert await service.registration_by_token(new) is None
    [row] = await rows(harness)
    assert row.erased_at is not None and row.full_name is None and row.email_key is None


# --- "Connect Telegram" ------------------------------------------------------------------


async def test_connect_telegram_then_reminders_come_in_telegram(harness: BotHarness) -> None:
    reg = await web_register(harness)
    code = await bind_code(harness, reg.row.id)
    assert len(f"bind-{code}") <= 64  # a Telegram start parameter
    user = harness.user(7, "zh")
    await user.send(f"/start bind-{code}")
    assert "已将 Telegram 与您的" in user.last()
    [row] = await rows(harness)
    assert (row.user_id, row.bind_code_hash, row.bind_code_expires_at) == (7, None, None)
    await user.send("/me")
    assert "李伟" in user.last()
    harness.clock.set(START - timedelta(hours=1))
    await harness.reminders.run_due()
    assert "将于1小时后开始" in user.last()


async def test_a_used_code_is_refused(harness: BotHarness) -> None:
    reg = await web_register(harness)
    code = await bind_code(harness, reg.row.id)
    await harness.user(7).send(f"/start bind-{code}")
    other = harness.user(8)
    await other.send(f"/start bind-{code}")
    assert "уже использована или устарела" in other.last()
    [row] = await rows(harness)
    assert row.user_id == 7
    await other.send("/start bind-not-a-code")
    assert "уже использована или устарела" in other.last()


async def test_an_expired_code_is_refused(harness: BotHarness, clock: FrozenClock) -> None:
    reg = await web_register(harness)
    code = await bind_code(harness, reg.row.id)
    clock.set(BEFORE_EVENT + timedelta(hours=24, seconds=1))
    user = harness.user(7, "zh")
    await user.send(f"/start bind-{code}")
    assert "已使用或已过期" in user.last()
    [row] = await rows(harness)
    assert row.user_id is None


async def test_a_chat_already_registered_for_the_event_is_refused(harness: BotHarness) -> None:
    reg = await web_register(harness)
    code = await bind_code(harness, reg.row.id)
    user = harness.user(1)
    await register(user, email="other@example.com")
    await user.send(f"/start bind-{code}")
    assert "уже есть своя регистрация" in user.last()
    web_row, bot_row = await rows(harness)
    assert (web_row.user_id, bot_row.user_id) == (None, 1)
    # Once the chat's own registration is cancelled, the same link connects the web one; the
    # cancelled row is superseded (erased), as the chat holds one registration per event.
    await user.send("/unregister")
    await user.click("Да, отменить")
    await user.send(f"/start bind-{code}")
    assert "Telegram подключён" in user.last()
    web_row, bot_row = await rows(harness)
    assert web_row.user_id == 1 and bot_row.erased_at is not None and bot_row.user_id is None


# --- a registration without a chat elsewhere ---------------------------------------------


async def test_reminders_skip_a_registration_without_a_chat(harness: BotHarness) -> None:
    reg = await web_register(harness)
    user = harness.user(1)
    await register(user)
    harness.clock.set(START - timedelta(hours=1))
    await harness.reminders.run_due()
    assert "начнётся через 1 час" in user.last()
    async with harness.session_factory() as session:
        delivered = (await session.scalars(select(Delivery.registration_id))).all()
    assert reg.row.id not in delivered


async def test_stats_and_export_count_and_list_web_registrations(harness: BotHarness) -> None:
    await register(harness.user(1))
    await web_register(harness)
    async with harness.session_factory() as session:
        event = await EventRepository(session).by_slug(SLUG)
        assert event is not None
        stats = await event_stats(session, event.id)
        table = build_table(harness.i18n("ru"), await event_registrations(session, event.id))
    assert (stats.total, stats.active) == (2, 2)
    assert stats.by_source == {"bot": 1, "web": 1}
    assert (stats.reach.telegram, stats.reach.email_only) == (1, 1)
    catalog_event = harness.catalog.get(SLUG)
    assert catalog_event is not None
    text = strip_tags(stats_text(harness.i18n("ru"), catalog_event, stats))
    assert "• сайт: 1" in text and "• бот в Telegram: 1" in text
    assert "только по e-mail — 1" in text
    column = {c.header_key: i for i, c in enumerate(COLUMNS)}
    bot_row, web_row = table.rows
    assert web_row[column["export-col-full-name"]] == "李伟"  # not taken for erased
    assert web_row[column["export-col-source"]] == "сайт"
    assert web_row[column["export-col-reachable"]] == "e-mail"
    assert web_row[column["export-col-telegram-id"]] is None
    assert bot_row[column["export-col-reachable"]] == "Telegram, e-mail"
    assert bot_row[column["export-col-source"]] == "бот в Telegram"


async def test_broadcasts_reach_only_registrations_with_a_chat(harness: BotHarness) -> None:
    await register(harness.user(1))
    await web_register(harness)
    async with harness.session_factory() as session:
        event = await EventRepository(session).by_slug(SLUG)
        assert event is not None
        assert await audience_ids(session, event.id, Audience.ALL) == [1]


async def test_a_certificate_is_issued_without_a_chat_and_sent_once_connected(
    harness: BotHarness,
) -> None:
    reg = await web_register(harness)
    harness.clock.set(START + timedelta(hours=6))
    await harness.certificates.reconcile()
    certificate = await harness.certificates.of_registration(reg.row.id)
    assert certificate is not None and certificate.full_name == "李伟"
    assert (certificate.recipient_id, certificate.sent_at) == (None, None)
    code = await bind_code(harness, reg.row.id)
    user = harness.user(7, "zh")
    await user.send(f"/start bind-{code}")
    await harness.certificates.reconcile()
    async with harness.session_factory() as session:
        [row] = (await session.scalars(select(Certificate))).all()
    assert row.recipient_id == 7 and row.sent_at is not None
    await user.send("/certificate")  # the same number in the bot
    assert any(
        s.method.__class__.__name__ == "SendDocument"
        and getattr(s.method, "caption", "")
        and row.number in s.method.caption
        for s in harness.session.sent
    )


# --- migration 0009 ----------------------------------------------------------------------


async def _insert(engine: AsyncEngine, table: str, **values: Any) -> None:
    names = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    async with engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({params})"), values)


async def _registrations(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM registrations ORDER BY id"))
        return [dict(row._mapping) for row in result]


async def test_migration_0009_up_and_down_with_rows(
    tmp_path: Path, database_url: str | None
) -> None:
    engine = create_engine(database_url or f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}")
    now = datetime(2025, 8, 10, 9, 0, tzinfo=UTC)
    try:
        await upgrade(engine, "0008")
        async with create_session_factory(engine)() as session:
            event = await EventRepository(session).upsert(
                SLUG, "ru", "zh", START, START + timedelta(hours=3), {}, now
            )
            await session.commit()
            event_id = event.id
        for user_id in (1, 2):  # by SQL: the ORM's User has columns of later migrations
            await _insert(
                engine,
                "users",
                id=user_id,
                language="ru",
                is_reachable=True,
                created_at=now,
                updated_at=now,
            )
        common = {
            "event_id": event_id,
            "language": "ru",
            "role": "teacher",
            "participation_format": "online",
            "wants_to_speak": False,
            "consent_at": now,
            "consent_version": "v1",
            "created_at": now,
            "updated_at": now,
        }
        person = {"full_name": "Иванов Иван", "email": " Family@Mail.ru"}
        await _insert(engine, "registrations", user_id=1, status="active", **person, **common)
        # Two chats that share one address (a family's): both stay registered.
        await _insert(
            engine, "registrations", user_id=2, status="active", **common, email="family@mail.ru"
        )
        # Erased in the old way (and a user deleted by hand, without erased_at).
        await _insert(engine, "registrations", status="cancelled", erased_at=now, **common)
        await _insert(engine, "registrations", status="active", **common)

        await upgrade(engine, "0009")
        first, second, erased, orphan = await _registrations(engine)
        assert {r["source"] for r in (first, second, erased, orphan)} == {"bot"}
        assert first["email_key"] == second["email_key"] == "family@mail.ru"
        assert erased["erased_at"] is not None and orphan["erased_at"] is not None
        assert first["erased_at"] is None
        # A web registration (no chat, not erased) exists only from 0009 on.
        await _insert(
            engine,
            "registrations",
            status="active",
            source="web",
            full_name="李伟",
            email="li@example.cn",
            email_key="li@example.cn",
            **common,
        )

        await downgrade(engine, "0008")
        after = await _registrations(engine)
        assert "source" not in after[0] and "email_key" not in after[0]
        assert after[0]["full_name"] == "Иванов Иван" and after[0]["erased_at"] is None
        web = after[4]
        # The old model reads "no chat" as erased: the web registration becomes an
        # anonymous count instead of personal data the old code would treat as erased.
        assert web["erased_at"] is not None and web["status"] == "cancelled"
        assert (web["full_name"], web["email"]) == (None, None)
        await upgrade(engine, "0009")
        assert len(await _registrations(engine)) == 5
    finally:
        await engine.dispose()
