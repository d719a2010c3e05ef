"""/stats: the counts, the text in both languages, the chart, the audit entry, and access."""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendPhoto
from aiogram.types import BufferedInputFile
from PIL import Image
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.services.reports.charts import (
    ChartLabels,
    available_font_families,
    can_draw,
    render_registrations_chart,
)
from bot.services.reports.stats import (
    DayCount,
    event_stats,
    group_countries,
    registrations_per_day,
)
from db.models import AuditEntry, Registration, User
from db.repositories import EventRepository
from handlers.admin.stats import chart_labels, country_aliases, stats_text
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, catalog_of, make_event, strip_tags

SLUG = "victory-2025"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_SIZE = (1500, 750)
T0 = datetime(2025, 8, 10, 9, 0, tzinfo=UTC)


async def add_registration(
    harness: BotHarness,
    user_id: int | None,
    *,
    slug: str = SLUG,
    lang: str = "ru",
    status: str = "active",
    reachable: bool = True,
    created_at: datetime = T0,
    **fields: Any,
) -> int:
    """A registration written straight into the database, with plausible defaults; `fields`
    overrides any column. user_id None is a registration whose person erased their data."""
    values: dict[str, Any] = {
        "full_name": "Петров Пётр Петрович",
        "country": "Россия",
        "city": "Москва",
        "organization": "Школа № 7",
        "role": "teacher",
        "participation_format": "online",
        "wants_to_speak": False,
        "email": "petrov@example.com",
        "consent_at": created_at,
        "consent_version": "2025-08-v1",
    }
    values.update(fields)
    async with harness.session_factory() as session:
        event = await EventRepository(session).by_slug(slug)
        assert event is not None
        if user_id is not None and await session.get(User, user_id) is None:
            session.add(
                User(
                    id=user_id,
                    language=lang,
                    is_reachable=reachable,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
        reg = Registration(
            user_id=user_id,
            event_id=event.id,
            status=status,
            language=lang,
            created_at=created_at,
            updated_at=created_at,
            erased_at=created_at if user_id is None else None,
            **values,
        )
        session.add(reg)
        await session.commit()
        return reg.id


async def audit(harness: BotHarness) -> list[AuditEntry]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(AuditEntry))).all())


async def add_mixed_registrations(harness: BotHarness) -> None:
    """Five active (three Russian-, two Chinese-speaking), one cancelled, one erased."""
    await add_registration(harness, 1, created_at=T0)
    await add_registration(
        harness,
        2,
        role="pupil",
        country=" россия ",
        participation_format="offline",
        wants_to_speak=True,
        talk_topic="Письма с фронта",
        speaker_status="pending",
        created_at=T0,
    )
    await add_registration(
        harness,
        3,
        lang="zh",
        role="student",
        country="中国",
        wants_to_speak=True,
        talk_topic="家书中的记忆",
        speaker_status="approved",
        reachable=False,
        created_at=T0 + timedelta(days=1),
    )
    await add_registration(
        harness,
        4,
        lang="zh",
        country="俄罗斯",
        wants_to_speak=True,
        talk_topic="共同的胜利",
        speaker_status="declined",
        created_at=T0 + timedelta(days=3),
    )
    await add_registration(
        harness,
        5,
        role="veteran",
        country="Беларусь",
        wants_to_speak=True,
        talk_topic="Воспоминания деда",
        speaker_status="pending",
        created_at=T0 + timedelta(days=3),
    )
    await add_registration(
        harness,
        6,
        status="cancelled",
        country="Китай",
        wants_to_speak=True,
        talk_topic="Тема",
        speaker_status="pending",
        created_at=T0 + timedelta(days=3),
    )
    await add_registration(
        harness,
        None,
        status="cancelled",
        full_name=None,
        country=None,
        email=None,
        created_at=T0 + timedelta(days=3),
    )


# --- the numbers -----------------------------------------------------------------------------


async def test_counts_for_a_mix_of_registrations(harness: BotHarness) -> None:
    await add_mixed_registrations(harness)
    async with harness.session_factory() as session:
        event = await EventRepository(session).by_slug(SLUG)
        assert event is not None
        stats = await event_stats(session, event.id, country_aliases(harness.i18n, ru(harness)))

    assert (stats.total, stats.active, stats.cancelled) == (7, 5, 2)
    assert stats.by_language == {"ru": 3, "zh": 2}
    assert stats.by_role == {"teacher": 2, "pupil": 1, "student": 1, "veteran": 1}
    assert stats.by_format == {"online": 4, "offline": 1}
    # "Россия", " россия ", "俄罗斯" are one country; "中国" is China; the cancelled "Китай"
    # is not counted.
    assert stats.countries.top == [("Россия", 3), ("Беларусь", 1), ("Китай", 1)]
    assert stats.countries.others == 0
    assert stats.speakers.wanting == 4
    assert stats.speakers.by_status == {"pending": 2, "approved": 1, "declined": 1}
    assert stats.unreachable == 1
    assert [(d.day.day, d.count, d.cumulative) for d in stats.per_day] == [
        (10, 2, 2),
        (11, 1, 3),
        (12, 0, 3),  # a day without registrations is still a day
        (13, 4, 7),
    ]


def test_countries_group_case_insensitively_and_keep_the_top_ten() -> None:
    names = ["Россия", "РОССИЯ", "россия", "Китай", "китай"]
    names += [f"Страна {letter}" for letter in "АБВГДЕЖЗИ"]  # nine countries, one each
    names += ["Страна Я", "страна я", None, "  "]
    counts = group_countries(names, {})
    assert counts.top[:3] == [("Россия", 3), ("Китай", 2), ("Страна Я", 2)]
    assert len(counts.top) == 10
    assert counts.others == 2  # the last two of the nine single ones
    # The label is the spelling most people typed.
    assert group_countries(["КНР", "кнр", "кнр"], {}).top == [("кнр", 3)]


def test_days_are_moscow_days() -> None:
    late_evening_utc = datetime(2025, 8, 18, 21, 30, tzinfo=UTC)  # 00:30 on the 19th in Moscow
    days = registrations_per_day([late_evening_utc, datetime(2025, 8, 18, 20, 0, tzinfo=UTC)])
    assert days == [DayCount(date(2025, 8, 18), 1, 1), DayCount(date(2025, 8, 19), 1, 2)]
    assert registrations_per_day([]) == []


# --- the text --------------------------------------------------------------------------------


def ru(harness: BotHarness) -> Any:
    return harness.i18n("ru")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            [
                "Всего регистраций: 7",
                "Активных: 5, отменено: 2",
                "• русский: 3",
                "• китайский: 2",
                "• Педагог: 2",
                "• Россия: 3",
                "• онлайн: 4",
                "• очно: 1",
                "Хотят выступить: 4",
                "• решения ещё нет: 2",
                "• одобрено: 1",
                "• отклонено: 1",
                "Недоступны (заблокировали бота): 1",
            ],
        ),
        (
            "zh",
            [
                "报名总数：7",
                "有效报名：5，已取消：2",
                "• 俄语：3",
                "• 中文：2",
                "• 教师：2",
                "• 俄罗斯：3",
                "• 中国：1",
                "• 线上：4",
                "• 线下：1",
                "申请发言：4",
                "• 待审核：2",
                "• 已通过：1",
                "• 未通过：1",
                "无法送达（已屏蔽机器人）：1",
            ],
        ),
    ],
)
async def test_text_renders_in_both_languages(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, lang: str, expected: list[str]
) -> None:
    await add_mixed_registrations(harness)
    t = harness.i18n(lang)
    event = harness.catalog.get(SLUG)
    assert event is not None
    async with harness.session_factory() as session:
        row = await EventRepository(session).by_slug(SLUG)
        assert row is not None
        stats = await event_stats(session, row.id, country_aliases(harness.i18n, t))
    with caplog.at_level(logging.ERROR, logger="bot.i18n"):
        text = stats_text(t, event, stats)
    assert caplog.records == []  # no missing key, no formatting error
    plain = strip_tags(text)
    for line in expected:
        assert line in plain.splitlines(), line
    assert "{" not in plain and "}" not in plain
    if lang == "zh":  # Cyrillic only where a participant typed it
        ours = plain.replace("Беларусь", "")
        assert not any("\u0400" <= char <= "\u04ff" for char in ours)


async def test_user_data_in_the_text_is_escaped(harness: BotHarness) -> None:
    await add_registration(harness, 1, country="<b>Страна</b> & Ко")
    t = ru(harness)
    event = harness.catalog.get(SLUG)
    assert event is not None
    async with harness.session_factory() as session:
        row = await EventRepository(session).by_slug(SLUG)
        assert row is not None
        text = stats_text(t, event, await event_stats(session, row.id))
    assert "&lt;b&gt;Страна&lt;/b&gt; &amp; Ко" in text


# --- through the bot -------------------------------------------------------------------------


def photos(harness: BotHarness, chat_id: int) -> list[SendPhoto]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendPhoto) and int(s.method.chat_id) == chat_id
    ]


def assert_chart(photo: SendPhoto) -> None:
    assert isinstance(photo.photo, BufferedInputFile)
    data = photo.photo.data
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == CHART_SIZE


async def test_stats_for_registrations_made_through_the_form(harness: BotHarness) -> None:
    await register(harness.user(1, "ru"))
    await register(harness.user(2, "zh-hans"), "zh", name="张伟", email="zhangwei@163.com")
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/stats")
    text = strip_tags(organizer.last())
    assert "Статистика: Конференция «victory-2025»" in text
    assert "Всего регистраций: 2" in text
    assert "• Россия: 2" in text  # the Russian and the Chinese button name, merged
    assert "• русский: 1" in text and "• китайский: 1" in text
    [photo] = photos(harness, ORGANIZER_ID)
    assert_chart(photo)
    assert photo.caption and "нарастающим итогом" in photo.caption
    [entry] = await audit(harness)
    assert (entry.actor_id, entry.action, entry.event_id) == (ORGANIZER_ID, "stats", 1)


async def test_without_registrations_no_chart(harness: BotHarness) -> None:
    organizer = harness.user(ORGANIZER_ID, "zh")
    await organizer.send("/stats")
    assert "暂无报名" in organizer.last()
    assert photos(harness, ORGANIZER_ID) == []


TWO_EVENTS = [
    make_event(),
    make_event("memory-2026", starts_at=datetime(2026, 5, 6, 7, tzinfo=UTC)),
]


@pytest.mark.parametrize("events", [TWO_EVENTS])
async def test_several_events_ask_which(harness: BotHarness) -> None:
    await add_registration(harness, 1, slug="memory-2026")
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.send("/admin")
    await organizer.click("Статистика")
    assert "Выберите мероприятие" in organizer.last()
    await organizer.click("memory-2026")
    assert "Статистика: Конференция «memory-2026»" in organizer.last()
    assert "Всего регистраций: 1" in strip_tags(organizer.last())
    assert len(photos(harness, ORGANIZER_ID)) == 1
    assert [(a.action, a.event_id) for a in await audit(harness)] == [("stats", 2)]


async def test_an_event_gone_from_the_file(harness: BotHarness) -> None:
    organizer = harness.user(ORGANIZER_ID, "ru")
    await organizer.press("ae:stats:no-such-event")
    assert organizer.last() == ru(harness)("err-unknown-event")
    assert await audit(harness) == []


# --- the chart -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
@pytest.mark.parametrize("number_of_days", [1, 12, 90])
def test_chart_is_a_png(harness: BotHarness, lang: str, number_of_days: int) -> None:
    created = [T0 + timedelta(days=d, hours=h) for d in range(number_of_days) for h in range(d % 4)]
    days = registrations_per_day([T0, *created])
    png = render_registrations_chart(days, chart_labels(harness.i18n(lang)))
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == CHART_SIZE


def test_chart_leaves_out_words_no_font_can_draw() -> None:
    """Glyphs no installed font has would come out as empty boxes (and a warning, an error in
    this test suite): such words are left to the caption."""
    hieroglyph = "\U00013000"  # Egyptian: no font on a server has it
    assert not can_draw(hieroglyph, available_font_families())
    labels = ChartLabels(f"{hieroglyph} per day", "total", "date", "%d.%m")
    png = render_registrations_chart(registrations_per_day([T0]), labels)
    assert png.startswith(PNG_SIGNATURE)


# --- access ----------------------------------------------------------------------------------


async def test_stats_does_not_exist_for_participants(harness: BotHarness) -> None:
    user = harness.user(1)
    replies = await user.send("/stats")
    assert [r.method.text for r in replies] == [ru(harness)("unknown-command")]
    assert user.last().startswith("Такой команды нет")
    assert photos(harness, 1) == []


@pytest.mark.parametrize("data", ["am:stats", "ae:stats:victory-2025"])
async def test_stats_buttons_are_refused_to_participants(harness: BotHarness, data: str) -> None:
    await add_registration(harness, 2)
    user = harness.user(1)
    replies = await user.press(data)
    [answer] = [r.method for r in replies]
    assert isinstance(answer, AnswerCallbackQuery) and answer.show_alert
    assert answer.text == ru(harness)("admin-only")
    assert await audit(harness) == []


async def test_a_removed_organizer_loses_access(tmp_path: Path, clock: FrozenClock) -> None:
    harness = BotHarness(tmp_path, clock, catalog_of(make_event()), admin_ids=frozenset())
    await harness.start()
    try:
        replies = await harness.user(ORGANIZER_ID).send("/stats")
        assert [r.method.text for r in replies] == [ru(harness)("unknown-command")]
    finally:
        await harness.close()


# --- e-mail ----------------------------------------------------------------------------------


async def add_email_states(harness: BotHarness) -> None:
    """Active: two confirmed (one of them muted), one refused by the server, one unconfirmed,
    one without an address; a cancelled confirmed one is not counted."""
    confirmed_at = T0 + timedelta(hours=1)
    await add_registration(harness, 1, email_confirmed_at=confirmed_at)
    await add_registration(harness, 2, email_confirmed_at=confirmed_at, email_muted=True)
    await add_registration(
        harness,
        3,
        email_confirmed_at=confirmed_at,
        email_bounced_at=confirmed_at + timedelta(days=1),
        email_error="550 5.1.1 mailbox unavailable",
    )
    await add_registration(harness, 4)
    await add_registration(harness, 5, email=None)
    await add_registration(harness, 6, status="cancelled", email_confirmed_at=confirmed_at)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            "ru",
            "E-mail: адрес подтверждён — 3, отклонён почтовым сервером — 1, отписались от писем "
            "с напоминаниями и новостями — 1",
        ),
        ("zh", "电子邮箱：已验证3个，被邮件服务器拒收1个，已退订提醒和通知邮件1个"),
    ],
)
async def test_email_addresses_confirmed_bounced_muted(
    harness: BotHarness, lang: str, line: str
) -> None:
    await add_email_states(harness)
    event = harness.catalog.get(SLUG)
    async with harness.session_factory() as session:
        row = await EventRepository(session).by_slug(SLUG)
        assert row is not None
        stats = await event_stats(session, row.id)
    assert (stats.email.confirmed, stats.email.bounced, stats.email.muted) == (3, 1, 1)
    assert line in strip_tags(stats_text(harness.i18n(lang), event, stats)).splitlines()


async def test_no_email_line_while_no_address_is_confirmed(harness: BotHarness) -> None:
    await add_registration(harness, 1)
    event = harness.catalog.get(SLUG)
    async with harness.session_factory() as session:
        row = await EventRepository(session).by_slug(SLUG)
        assert row is not None
        text = stats_text(ru(harness), event, await event_stats(session, row.id))
    assert "E-mail:" not in text
