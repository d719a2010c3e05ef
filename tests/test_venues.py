"""Offline venues (issue 15): seats, the waiting list, a freed seat going to the first in line
(who is told in Telegram and by e-mail), the race for the last seat, the bot's form and /edit,
the web form, and an event without venues as before."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.services.delivery.seat_notices import SeatNotices
from bot.services.registration.registrations import (
    Channel,
    RegistrationService,
    UserRegistration,
    VenueRefused,
)
from bot.services.venues.seats import seat_counts
from db.models import Delivery, DeliveryChannel, DeliveryStatus, EventRow, Registration
from tests.conftest import BEFORE_EVENT
from tests.flows import LABELS, fill_form
from tests.harness import (
    COMPILED_TEMPLATES,
    BotHarness,
    FakeUser,
    catalog_of,
    make_event,
    strip_tags,
)
from tests.servers import needs_postgres, scratch_postgres

SLUG = "victory-2025"
VENUES: list[dict[str, Any]] = [
    {
        "id": "moscow",
        "name": {"ru": "Дом дружбы", "zh": "友谊之家"},
        "address": {"ru": "Москва, ул. Воздвиженка, 16", "zh": "莫斯科沃兹德维任卡街16号"},
        "timezone": "Europe/Moscow",
        "capacity": 2,
    },
    {
        "id": "harbin",
        "name": {"ru": "Харбинский политех", "zh": "哈尔滨工业大学"},
        "address": {"ru": "Харбин, ул. Сидачжи, 92", "zh": "哈尔滨市西大直街92号"},
        "timezone": "Asia/Shanghai",
    },
    {
        "id": "london",
        "name": {"ru": "Лондонский клуб", "zh": "伦敦俱乐部"},
        "address": {"ru": "Лондон, Бейкер-стрит, 1", "zh": "伦敦贝克街1号"},
        "timezone": "Europe/London",
        "capacity": 1,
    },
]


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(venues=VENUES)]


def answers(email: str, venue: str | None = None, *, wait: bool = False, fmt: str = "offline"):
    out: dict[str, Any] = {
        "full_name": "Иванов Иван",
        "country": "RU",
        "city": "Москва",
        "organization": "Школа № 1",
        "role": "teacher",
        "participation_format": fmt,
        "wants_to_speak": False,
        "email": email,
        "phone": "",
        "consent_at": BEFORE_EVENT.isoformat(),
        "consent_version": "test",
    }
    if venue is not None:
        out |= {"venue": venue, "venue_wait": wait}
    return out


async def register(
    harness: BotHarness,
    user_id: int,
    venue: str | None,
    *,
    wait: bool = False,
    fmt: str = "offline",
) -> UserRegistration:
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        return await service.register(
            SLUG,
            answers(f"p{user_id}@example.com", venue, wait=wait, fmt=fmt),
            "ru" if user_id % 2 else "zh",
            channel=Channel.bot(user_id),
        )


async def row_of(harness: BotHarness, user_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.scalar(select(Registration).where(Registration.user_id == user_id))
        assert row is not None
        return row


async def counts(harness: BotHarness) -> dict[str, tuple[int, int]]:
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
        assert event_id is not None
        event = harness.catalog.get(SLUG)
        assert event is not None
        found = await seat_counts(session, event, event_id)
    return {s.venue.id: (s.taken, s.waiting) for s in found}


async def ledger(harness: BotHarness, kind_prefix: str = "seat-") -> list[Delivery]:
    async with harness.session_factory() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.kind.startswith(kind_prefix)).order_by(Delivery.id)
        )
        return list(rows.all())


def notices(harness: BotHarness) -> SeatNotices:
    return SeatNotices(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
    )


# --- capacity, the waiting list, promotion -----------------------------------------------------


async def test_a_full_venue_refuses_without_the_waiting_list_and_queues_with_it(
    harness: BotHarness,
) -> None:
    await register(harness, 1, "moscow")
    await register(harness, 2, "moscow")
    with pytest.raises(VenueRefused) as refused:
        await register(harness, 3, "moscow")
    assert refused.value.venue is not None and refused.value.venue.id == "moscow"
    harness.clock.advance(timedelta(minutes=1))
    await register(harness, 3, "moscow", wait=True)
    harness.clock.advance(timedelta(minutes=1))
    await register(harness, 5, "moscow", wait=True)
    # A venue without a capacity never fills; one that is not full takes without asking.
    await register(harness, 7, "harbin")
    assert await counts(harness) == {"moscow": (2, 2), "harbin": (1, 0), "london": (0, 0)}
    assert (await row_of(harness, 3)).venue_waiting_since == harness.clock.now() - timedelta(
        minutes=1
    )
    # Accepting the waiting list of a venue with a free seat gives the seat.
    await register(harness, 9, "london", wait=True)
    assert (await row_of(harness, 9)).venue_waiting_since is None


async def test_a_cancelled_seat_goes_to_the_first_in_line_who_is_told(
    harness: BotHarness,
) -> None:
    await register(harness, 1, "moscow")
    await register(harness, 2, "moscow")
    harness.clock.advance(timedelta(minutes=1))
    await register(harness, 4, "moscow", wait=True)  # first in line, Chinese
    harness.clock.advance(timedelta(minutes=1))
    await register(harness, 3, "moscow", wait=True)

    user = harness.user(1)
    await user.send("/unregister")
    await user.click("Да")
    assert (await row_of(harness, 4)).venue_waiting_since is None
    assert (await row_of(harness, 3)).venue_waiting_since is not None
    assert await counts(harness) == {"moscow": (2, 1), "harbin": (0, 0), "london": (0, 0)}
    # Told in Telegram, in their language, at once (the handler sends what it queued).
    chinese = harness.user(4, "zh")
    assert "友谊之家有空位了：您已获得座位" in strip_tags(chinese.last())
    assert "/ticket" in chinese.last()  # where the ticket is now
    assert "莫斯科沃兹德维任卡街16号" in chinese.last()
    [notice] = await ledger(harness)
    assert notice.channel == DeliveryChannel.TELEGRAM and notice.status == DeliveryStatus.SENT
    assert notice.kind == "seat-moscow-1"
    # Once: the scheduler's look finds nothing more to send.
    assert await notices(harness).send() == 0
    assert harness.user(3).texts() == []


async def test_a_capacity_raised_in_the_events_file_seats_the_first_in_line_at_start(
    harness: BotHarness,
) -> None:
    """A seat is otherwise freed only by someone leaving: the start-up after the events file
    raised Moscow's capacity from 2 to 3 gives the new seat to the first in line, once."""
    from bot.services.venues.seats import fill_after_changes

    await register(harness, 1, "moscow")
    await register(harness, 2, "moscow")
    harness.clock.advance(timedelta(minutes=1))
    first = await register(harness, 3, "moscow", wait=True)
    harness.clock.advance(timedelta(minutes=1))
    await register(harness, 5, "moscow", wait=True)
    event = harness.catalog.get(SLUG)
    assert event is not None
    raised = [v.model_copy(update={"capacity": 3}) if v.id == "moscow" else v for v in event.venues]
    harness.catalog.replace(event.model_copy(update={"venues": raised}))

    async def start_up() -> list[int]:
        async with harness.session_factory() as session:
            promoted = await fill_after_changes(session, harness.catalog, harness.clock.now())
            await session.commit()
        return [p.registration_id for p in promoted]

    assert await start_up() == [first.row.id]
    assert (await row_of(harness, 3)).venue_waiting_since is None
    assert (await row_of(harness, 5)).venue_waiting_since is not None
    assert await counts(harness) == {"moscow": (3, 1), "harbin": (0, 0), "london": (0, 0)}
    assert await notices(harness).send() == 1
    assert "Освободилось место на площадке <b>Дом дружбы</b>" in harness.user(3).last()
    # The next start finds nothing to give; nor does one after the event has begun.
    assert await start_up() == []
    harness.catalog.replace(
        event.model_copy(
            update={"venues": [v.model_copy(update={"capacity": None}) for v in raised]}
        )
    )
    harness.clock.set(event.starts_at)
    assert await start_up() == []
    assert (await row_of(harness, 5)).venue_waiting_since is not None


async def test_promotion_queues_a_letter_to_a_usable_address(harness: BotHarness) -> None:
    await register(harness, 1, "london")
    waiting = await register(harness, 3, "london", wait=True)
    async with harness.session_factory() as session:
        row = await session.get(Registration, waiting.row.id)
        assert row is not None
        row.email_confirmed_at = harness.clock.now()  # the address confirmed: usable
        await session.commit()
        first = await session.scalar(select(Registration).where(Registration.user_id == 1))
        assert first is not None
        service = RegistrationService(session, harness.catalog, harness.clock)
        event = harness.catalog.get(SLUG)
        assert event is not None
        cancelled = await service.cancel_registration(UserRegistration(first, event))
    assert [p.registration_id for p in cancelled.promoted] == [waiting.row.id]
    kinds = {(d.channel, d.status, d.kind) for d in await ledger(harness)}
    assert kinds == {
        (DeliveryChannel.TELEGRAM, DeliveryStatus.QUEUED, "seat-london-1"),
        (DeliveryChannel.EMAIL, DeliveryStatus.QUEUED, "seat-london-1"),
    }
    # Queued where no bot sent it at once (the personal page, /find): the scheduler's look.
    assert await notices(harness).send() == 1
    assert "Освободилось место на площадке <b>Лондонский клуб</b>" in harness.user(3).last()


async def test_the_seat_letter_says_the_same(harness: BotHarness) -> None:
    from bot.services.events.catalog import EventState
    from bot.services.mailing.letters import Addressee
    from bot.services.mailing.seat_letter import seat_letter_for

    reg = await register(harness, 1, "london")
    row = await row_of(harness, 1)
    to = Addressee(name="Иванов Иван", participation_format="offline", page_url="https://x/me/1")
    letter, why = seat_letter_for(row, reg.event, harness.i18n("ru"), to, EventState.OPEN)
    assert letter is None and why == "unconfirmed"
    row.email_confirmed_at = harness.clock.now()
    letter, _ = seat_letter_for(row, reg.event, harness.i18n("ru"), to, EventState.OPEN)
    assert letter is not None
    assert letter.subject == "Освободилось место на площадке Лондонский клуб"
    assert "Бейкер-стрит" in letter.body.text


async def test_nobody_is_promoted_once_the_event_has_started(harness: BotHarness) -> None:
    await register(harness, 1, "london")
    await register(harness, 3, "london", wait=True)
    event = harness.catalog.get(SLUG)
    assert event is not None
    harness.clock.set(event.starts_at + timedelta(minutes=5))
    async with harness.session_factory() as session:
        first = await session.scalar(select(Registration).where(Registration.user_id == 1))
        assert first is not None
        service = RegistrationService(session, harness.catalog, harness.clock)
        cancelled = await service.cancel_registration(UserRegistration(first, event))
    assert cancelled.promoted == ()
    assert (await row_of(harness, 3)).venue_waiting_since is not None
    assert await ledger(harness) == []


async def test_erasing_and_switching_online_free_seats(harness: BotHarness) -> None:
    harness.catalog = harness.catalog  # the same catalog: hybrid event with venues
    await register(harness, 1, "london", fmt="offline")
    await register(harness, 3, "london", wait=True)
    await register(harness, 5, "london", wait=True)
    # /delete_me frees the seat: the first in line gets it.
    user = harness.user(1)
    await user.send("/delete_me")
    await user.click("Да")
    assert (await row_of(harness, 3)).venue_waiting_since is None
    # A switch to online (an edit) frees it again: the next in line.
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.find(3, SLUG)
        assert reg is not None
        edited = answers("p3@example.com", fmt="online")
        saved = await service.update_registration(reg, edited)
    assert [p.venue_id for p in saved.promoted] == ["london"]
    row3, row5 = await row_of(harness, 3), await row_of(harness, 5)
    assert row3.venue_id is None and row5.venue_waiting_since is None
    assert await counts(harness) == {"moscow": (0, 0), "harbin": (0, 0), "london": (1, 0)}


async def test_switching_venue_frees_the_old_seat(harness: BotHarness) -> None:
    await register(harness, 1, "london")
    await register(harness, 3, "london", wait=True)
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.find(1, SLUG)
        assert reg is not None
        saved = await service.update_registration(reg, answers("p1@example.com", "harbin"))
    assert [p.registration_id for p in saved.promoted] == [(await row_of(harness, 3)).id]
    assert await counts(harness) == {"moscow": (0, 0), "harbin": (1, 0), "london": (1, 0)}


# --- the race for the last seat ----------------------------------------------------------------


async def test_two_people_taking_the_last_seat_at_once_one_gets_it(
    harness: BotHarness,
) -> None:
    """On SQLite here; with TEST_DATABASE=postgres the same test runs on PostgreSQL, where the
    two transactions really overlap (the event's row lock orders them)."""
    await register(harness, 1, "moscow")

    async def take(user_id: int) -> str:
        try:
            await register(harness, user_id, "moscow")
        except VenueRefused:
            return "refused"
        return "seated"

    results = await asyncio.gather(*(take(uid) for uid in (2, 3, 4, 5, 6)))
    assert sorted(results) == ["refused"] * 4 + ["seated"]
    assert (await counts(harness))["moscow"] == (2, 0)


@needs_postgres
async def test_the_race_on_postgres(tmp_path: Any, clock: Any) -> None:
    """The race on PostgreSQL whenever a server runs (scripts/test starts one), however the
    other tests run: twenty registrations at once, each in its own session and transaction,
    for one last seat. They really overlap there; the event's row lock orders them."""
    async with scratch_postgres() as url:
        harness = BotHarness(
            tmp_path, clock, catalog_of(make_event(venues=VENUES)), database_url=url
        )
        await harness.start()
        try:

            async def take(user_id: int) -> bool:
                try:
                    await register(harness, user_id, "london")
                except VenueRefused:
                    return False
                return True

            results = await asyncio.gather(*(take(uid) for uid in range(1, 21)))
            assert results.count(True) == 1
            assert (await counts(harness))["london"] == (1, 0)
            # The waiting list accepted by all of them at once: one seat, the rest in line.
            results = await asyncio.gather(
                *(register(harness, uid, "moscow", wait=True) for uid in range(21, 31))
            )
            assert (await counts(harness))["moscow"] == (2, 8)
        finally:
            await harness.close()


# --- the bot's form --------------------------------------------------------------------------


async def offline_form(user: FakeUser, lang: str) -> None:
    """The form up to the venue question (a hybrid event, "offline" chosen)."""
    labels = LABELS[lang]
    await user.send("/start")
    await user.click(labels["register"])
    await user.send("Иванов Иван Иванович" if lang == "ru" else "王小明")
    await user.click(labels["russia"])
    await user.send("Москва" if lang == "ru" else "哈尔滨")
    await user.send("Школа № 1" if lang == "ru" else "哈尔滨第一中学")
    await user.click(labels["teacher"])
    await user.click(labels["offline"])


async def finish(user: FakeUser, lang: str, email: str) -> None:
    labels = LABELS[lang]
    await user.click(labels["speak_no"])
    await user.send(email)
    await user.send(labels["skip"])
    await user.click(labels["accept"])
    await user.click(labels["confirm"])


async def test_bot_form_ru_venue_with_seats_and_local_time(harness: BotHarness) -> None:
    await register(harness, 3, "london")  # London is full now
    user = harness.user(1001)
    await offline_form(user, "ru")
    question = user.last()
    assert "На какой площадке" in question
    assert "Дом дружбы" in question and "Москва, ул. Воздвиженка, 16" in question
    assert "свободно 2 места из 2" in question
    assert "мест нет — можно встать в лист ожидания" in question
    labels = [
        b.text for row in user.messages()[-1].method.reply_markup.inline_keyboard for b in row
    ]
    assert labels == [
        "🏛 Дом дружбы · 2 места",
        "🏛 Харбинский политех",
        "⏳ Лондонский клуб — мест нет",
        "💻 Участвовать онлайн",
    ]
    # The full venue: its waiting list explicitly, or another venue.
    await user.click("Лондонский клуб")
    assert "все места заняты" in user.last()
    await user.click("Выбрать другую площадку")
    await user.click("Дом дружбы")
    await finish(user, "ru", "ivanov@example.com")
    done = strip_tags(user.texts()[-1])
    assert "Вы зарегистрированы" in done
    assert "Ждём вас на площадке Дом дружбы: Москва, ул. Воздвиженка, 16" in done
    # Moscow's clock: no third time.
    assert "Местное время" not in done
    row = await row_of(harness, 1001)
    assert row.venue_id == "moscow" and row.venue_waiting_since is None


async def test_bot_form_zh_waiting_list_is_explicit_and_reminded(harness: BotHarness) -> None:
    await register(harness, 3, "london")
    user = harness.user(1002, "zh-hans")
    await offline_form(user, "zh")
    await user.click("伦敦俱乐部")
    assert "伦敦俱乐部</b>的座位已满" in user.last()
    await user.click("加入伦敦俱乐部候补名单")
    await finish(user, "zh", "wang@163.com")
    done = strip_tags(user.texts()[-1])
    assert "您已在伦敦俱乐部（伦敦贝克街1号）的候补名单中" in done
    # London's clock differs from Moscow's and Beijing's: the local time is added.
    assert "伦敦俱乐部当地时间：2025年9月3日 08:00—11:00" in done
    row = await row_of(harness, 1002)
    assert row.venue_id == "london" and row.venue_waiting_since is not None
    # A reminder says the seat is not promised.
    from bot.messages import reminder_text
    from bot.services.reminders.planner import slots_for

    event = harness.catalog.get(SLUG)
    assert event is not None
    slot = slots_for(event)[0]
    t = harness.i18n("zh")
    text = reminder_text(
        t,
        event,
        slot,
        now=harness.clock.now(),
        participation_format="offline",
        link="",
        venue_id="london",
        waiting=True,
    )
    assert "目前尚未为您保留座位" in text
    seated = reminder_text(
        t,
        event,
        slot,
        now=harness.clock.now(),
        participation_format="offline",
        link="",
        venue_id="london",
    )
    assert "欢迎您前往<b>伦敦俱乐部</b>参会。地址：伦敦贝克街1号" in seated and "尚未" not in seated


async def test_the_last_seat_taken_before_confirm_asks_the_venue_again(
    harness: BotHarness,
) -> None:
    user = harness.user(1001)
    await offline_form(user, "ru")
    await user.click("Лондонский клуб")
    await user.click(LABELS["ru"]["speak_no"])
    await user.send("ivanov@example.com")
    await user.send(LABELS["ru"]["skip"])
    await user.click(LABELS["ru"]["accept"])
    await register(harness, 3, "london")  # someone faster
    await user.click(LABELS["ru"]["confirm"])
    texts = user.texts()
    assert "Последнее место на площадке Лондонский клуб только что заняли" in texts[-2]
    assert "На какой площадке" in texts[-1]
    await user.click("Лондонский клуб")
    await user.click("Встать в лист ожидания")
    assert "Проверьте данные" in user.last() and "Лондонский клуб (лист ожидания)" in user.last()
    await user.click(LABELS["ru"]["confirm"])
    assert (await row_of(harness, 1001)).venue_waiting_since is not None


async def test_edit_changes_venue_and_the_freed_seat_is_told(harness: BotHarness) -> None:
    user = harness.user(1001)
    await offline_form(user, "ru")
    await user.click("Лондонский клуб")
    await finish(user, "ru", "ivanov@example.com")
    await register(harness, 3, "london", wait=True)
    await user.send("/edit")
    assert "Лондонский клуб" in user.last()
    await user.click("✏️ Площадка")
    # The seat held is offered as it is: choosing it again keeps it.
    await user.click("Харбинский политех")
    await user.click(LABELS["ru"]["confirm"])
    assert "Изменения сохранены" in strip_tags(user.texts()[-1])
    assert "Харбинский политех" in user.texts()[-1]
    assert (await row_of(harness, 1001)).venue_id == "harbin"
    assert (await row_of(harness, 3)).venue_waiting_since is None
    assert "Освободилось место на площадке" in harness.user(3).last()


async def test_hybrid_online_asks_no_venue_and_an_event_without_venues_is_unchanged(
    harness: BotHarness,
) -> None:
    user = harness.user(1001)
    await user.send("/start")
    await fill_form(user, "ru")  # online
    await user.click(LABELS["ru"]["accept"])
    assert "Площадка" not in user.last()
    await user.click(LABELS["ru"]["confirm"])
    assert (await row_of(harness, 1001)).venue_id is None


@pytest.mark.parametrize("events", [[make_event()]])
async def test_an_event_without_venues_keeps_its_one_venue_text(harness: BotHarness) -> None:
    user = harness.user(1001)
    await offline_form(user, "ru")
    await finish(user, "ru", "ivanov@example.com")
    done = strip_tags(user.texts()[-1])
    assert "Ждём вас на очной площадке: Москва, Дом дружбы" in done
    assert (await row_of(harness, 1001)).venue_id is None


# --- the web form --------------------------------------------------------------------------


@pytest.fixture
async def web_client(harness: BotHarness) -> AsyncIterator[Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.settings import Settings
    from web.app import create_web_app

    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=Settings(bot_token="4242:TEST-token-for-tests", _env_file=None),  # type: ignore[call-arg, arg-type]
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        session_factory=harness.session_factory,
        bot_username=lambda: "victory_test_bot",
    )
    client: Any = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


WEB_FORM = {
    "full_name": "Иванова Мария Петровна",
    "country": "RU",
    "country_other": "",
    "city": "Хабаровск",
    "organization": "Школа № 5",
    "role": "teacher",
    "participation_format": "offline",
    "wants_to_speak": "no",
    "talk_topic": "",
    "phone": "",
    "consent": "yes",
    "homepage": "",
}


async def post_web(client: Any, lang: str, **changed: str) -> tuple[Any, str]:
    headers = {"Accept-Language": "ru-RU" if lang == "ru" else "zh-CN"}
    page = await client.get(f"/e/{SLUG}", headers=headers)
    html = await page.text()
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert token
    data = {"csrf_token": token.group(1), **WEB_FORM, **changed}
    response = await client.post(f"/e/{SLUG}", data=data, headers=headers, allow_redirects=False)
    return response, html


async def web_rows(harness: BotHarness) -> list[Registration]:
    async with harness.session_factory() as session:
        found = await session.scalars(
            select(Registration).where(Registration.user_id.is_(None)).order_by(Registration.id)
        )
        return list(found.all())


async def test_web_form_shows_venues_with_seats_and_takes_a_seat(
    harness: BotHarness, web_client: Any
) -> None:
    await register(harness, 3, "london")  # London full
    response, html = await post_web(web_client, "ru", email="maria@example.ru", venue="moscow")
    assert "Дом дружбы" in html and "Москва, ул. Воздвиженка, 16" in html
    assert "свободно 2 места из 2" in html
    assert 'value="wait:london"' in html and "мест нет — встать в лист ожидания" in html
    assert response.status == 303
    [row] = await web_rows(harness)
    assert row.venue_id == "moscow" and row.venue_waiting_since is None


async def test_web_form_zh_waiting_list_and_a_missing_venue(
    harness: BotHarness, web_client: Any
) -> None:
    await register(harness, 3, "london")
    response, html = await post_web(web_client, "zh", email="wang@163.com")
    assert response.status == 400
    assert "请选择会场。" in await response.text()
    assert "座位已满，加入该会场候补名单" in html
    response, _ = await post_web(web_client, "zh", email="wang@163.com", venue="wait:london")
    assert response.status == 303
    [row] = await web_rows(harness)
    assert row.venue_id == "london" and row.venue_waiting_since is not None


async def test_web_form_the_last_seat_taken_meanwhile(harness: BotHarness, web_client: Any) -> None:
    headers = {"Accept-Language": "ru-RU"}
    page = await web_client.get(f"/e/{SLUG}", headers=headers)
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', await page.text())
    assert token
    await register(harness, 3, "london")  # taken while the page was open
    data = {"csrf_token": token.group(1), **WEB_FORM, "email": "m@example.ru", "venue": "london"}
    response = await web_client.post(
        f"/e/{SLUG}", data=data, headers=headers, allow_redirects=False
    )
    assert response.status == 409
    text = await response.text()
    assert "Последнее место на этой площадке только что заняли" in text
    assert 'value="wait:london"' in text
    assert await web_rows(harness) == []


async def test_web_form_online_at_a_hybrid_event_needs_no_venue(
    harness: BotHarness, web_client: Any
) -> None:
    response, _ = await post_web(
        web_client, "ru", email="online@example.ru", participation_format="online"
    )
    assert response.status == 303
    [row] = await web_rows(harness)
    assert row.venue_id is None and row.participation_format == "online"


# --- organizers: /stats, /export, /broadcast, /find ---------------------------------------------


async def test_organizers_see_seats_waiting_lists_and_reach_each_venue(
    harness: BotHarness,
) -> None:
    from bot.services.delivery.audience_reach import reach
    from bot.services.reports.export import ExportPurpose, export_tables
    from db.audiences import Audience
    from handlers.venue_views import venue_card_line, venue_stats_text

    await register(harness, 1, "london")
    await register(harness, 3, "london", wait=True)
    await register(harness, 5, "harbin")
    event = harness.catalog.get(SLUG)
    assert event is not None
    t = harness.i18n("ru")
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
        assert event_id is not None
        stats = strip_tags(venue_stats_text(t, await seat_counts(session, event, event_id)))
        assert "Дом дружбы: занято 0 из 2, в листе ожидания: 0" in stats
        assert "Лондонский клуб: занято 1 из 1, в листе ожидания: 1" in stats
        assert "Харбинский политех: 1 (без ограничения мест)" in stats
        # /broadcast: those seated at a venue, and its waiting list.
        params = {"venue_id": "london"}
        seated = await reach(session, event_id, Audience.VENUE, params, email_on=False)
        queued = await reach(session, event_id, Audience.VENUE_WAITING, params, email_on=False)
        assert (seated.total, queued.total) == (1, 1)
        # /export: the venue column, by name, with the waiting list said.
        names = {v.id: v.name.get("ru") for v in event.venues}
        export = await export_tables(session, t, event_id, ExportPurpose.OFFLINE, {}, names)
    [table] = export.tables
    column = table.headers.index("Площадка")
    assert sorted(str(row[column]) for row in table.rows) == [
        "Лондонский клуб",
        "Лондонский клуб (лист ожидания)",
        "Харбинский политех",
    ]
    # The /find card.
    assert venue_card_line(t, event, "london", True) == "Площадка: Лондонский клуб (лист ожидания)"


async def test_broadcast_offers_each_venue_as_an_audience(harness: BotHarness) -> None:
    from tests.harness import ORGANIZER_ID

    await register(harness, 1, "london")
    await register(harness, 3, "london", wait=True)
    organizer = harness.user(ORGANIZER_ID)
    await organizer.send("/broadcast")
    labels = [
        b.text for row in organizer.messages()[-1].method.reply_markup.inline_keyboard for b in row
    ]
    assert "Очно на площадке Лондонский клуб (1)" in labels
    assert "Лист ожидания: Лондонский клуб (1)" in labels
    assert not any("Лист ожидания: Дом дружбы" in label for label in labels)  # nobody waits
    await organizer.click("Лист ожидания: Лондонский клуб")
    assert "1" in organizer.last()


async def test_an_organizer_moves_a_registration_to_another_venue_from_find(
    harness: BotHarness,
) -> None:
    from db.models import AuditEntry
    from tests.harness import ORGANIZER_ID

    await register(harness, 1, "london")
    await register(harness, 3, "london", wait=True)
    await register(harness, 5, "moscow")
    first, third = await row_of(harness, 1), await row_of(harness, 5)
    organizer = harness.user(ORGANIZER_ID)
    await organizer.send("/find 1")
    assert "Площадка: Лондонский клуб" in organizer.last()
    await organizer.click("Сменить площадку")
    # The venues with their seats counted now, as the person's own /edit shows them.
    choice = strip_tags(organizer.last())
    assert "Площадка для участника Иванов Иван" in choice
    assert "свободно 1 место из 2" in choice and "мест нет — можно встать в лист ожидания" in choice
    await organizer.click("Харбинский политех")
    assert (await row_of(harness, 1)).venue_id == "harbin"
    # The person is told where to come now; the seat they left goes to the first in line.
    told = harness.user(1).last()
    assert "Организаторы изменили место вашего участия" in told
    assert "Харбин, ул. Сидачжи, 92" in told
    assert (await row_of(harness, 3)).venue_waiting_since is None
    assert "Лондонский клуб" in strip_tags(harness.user(3).last())
    assert "Площадка изменена: Иванов Иван. Участнику сообщено в Telegram." in organizer.texts()[-2]
    assert "Площадка: Харбинский политех" in organizer.last()
    assert await counts(harness) == {"moscow": (1, 0), "harbin": (1, 0), "london": (1, 0)}

    # A full venue offers its waiting list, explicitly.
    await organizer.send("/find 5")
    await organizer.click("Сменить площадку")
    await organizer.click("Лондонский клуб")
    assert "На площадке <b>Лондонский клуб</b> все места заняты" in organizer.last()
    assert (await row_of(harness, 5)).venue_id == "moscow"
    await organizer.click("Встать в лист ожидания")
    moved = await row_of(harness, 5)
    assert moved.venue_id == "london" and moved.venue_waiting_since is not None
    assert "Вы в листе ожидания площадки" in harness.user(5).last()
    # The same venue again changes nothing; online frees the place (a hybrid event).
    await organizer.click("Сменить площадку")
    replies = await organizer.click("Лондонский клуб")
    assert "Участник уже там" in str([r.method for r in replies])
    await organizer.click("Перевести в онлайн")
    online = await row_of(harness, 5)
    assert (online.venue_id, online.participation_format) == (None, "online")
    assert "Теперь вы участвуете онлайн" in harness.user(5).last()
    async with harness.session_factory() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "find_venue"))
        ).all()
    assert [e.details for e in entries] == [
        {"registration_id": first.id, "venue": "harbin"},
        {"registration_id": third.id, "venue": "london"},
        {"registration_id": third.id, "venue": "online"},
    ]


# --- the seats whenever the venue question is asked again --------------------------------------


def keyboard_of_last(user: FakeUser) -> list[str]:
    markup = user.messages()[-1].method.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup), user.texts()[-2:]
    return [b.text for row in markup.inline_keyboard for b in row]


SIDE_TRIPS = ["/help", "/me", "/ticket", "/contacts", "/link", "/nonsense", "stale", "language"]


@pytest.mark.parametrize("trip", SIDE_TRIPS)
async def test_the_venue_question_asked_again_still_counts_the_seats(
    harness: BotHarness, trip: str
) -> None:
    """After a stale button, /help, /me, /ticket or a language switch mid-form the venue
    question comes again, with its seats: the full venue must not look like any other."""
    await register(harness, 3, "london")  # London full
    user = harness.user(1001)
    await offline_form(user, "ru")
    lang = "ru"
    if trip == "stale":
        await user.press("nobody-issued-this")
    elif trip == "language":
        await user.press("lang:zh")
        lang = "zh"
    else:
        await user.send(trip)
    full = "⏳ Лондонский клуб — мест нет" if lang == "ru" else "⏳ 伦敦俱乐部（已满）"
    free = "🏛 Дом дружбы · 2 места" if lang == "ru" else "🏛 友谊之家（剩余2个座位）"
    assert keyboard_of_last(user)[:3] == [
        free,
        "🏛 Харбинский политех" if lang == "ru" else "🏛 哈尔滨工业大学",
        full,
    ]


async def test_inside_edit_the_venue_question_asked_again_counts_the_seats(
    harness: BotHarness,
) -> None:
    user = harness.user(1001)
    await offline_form(user, "ru")
    await user.click("Харбинский политех")
    await finish(user, "ru", "ivanov@example.com")
    await register(harness, 3, "london")  # London full now
    await user.send("/edit")
    await user.click("✏️ Площадка")
    assert "⏳ Лондонский клуб — мест нет" in keyboard_of_last(user)
    await user.send("/help")
    assert "⏳ Лондонский клуб — мест нет" in keyboard_of_last(user)
    await user.press("nobody-issued-this")
    assert "⏳ Лондонский клуб — мест нет" in keyboard_of_last(user)


# --- where to come: the card, the event page, the calendar file ----------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_event_card_lists_the_venues_not_the_old_venue_line(
    harness: BotHarness, lang: str
) -> None:
    user = harness.user(1001, lang)
    await user.send("/start")
    card = next(text for text in reversed(user.texts()) if "Формат" in text or "参会形式" in text)
    if lang == "ru":
        assert "Очные площадки:" in card
        assert "🏛 <b>Дом дружбы</b> — Москва, ул. Воздвиженка, 16" in card
        assert "🏛 <b>Лондонский клуб</b> — Лондон, Бейкер-стрит, 1" in card
        assert "Очная площадка: Москва, Дом дружбы" not in card  # the events file's old line
    else:
        assert "线下会场：" in card and "🏛 <b>哈尔滨工业大学</b>：哈尔滨市西大直街92号" in card
        assert "莫斯科友谊之家" not in card


@pytest.mark.parametrize("events", [[make_event()]])
async def test_an_event_card_without_venues_keeps_its_venue_line(harness: BotHarness) -> None:
    user = harness.user(1001)
    await user.send("/start")
    assert any("Очная площадка: Москва, Дом дружбы" in text for text in user.texts())


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_event_page_lists_the_venues_with_their_seats(
    harness: BotHarness, web_client: Any, lang: str
) -> None:
    await register(harness, 3, "london")  # full: its waiting list
    await register(harness, 5, "moscow")
    headers = {"Accept-Language": "ru-RU" if lang == "ru" else "zh-CN"}
    html = await (await web_client.get(f"/e/{SLUG}", headers=headers)).text()
    facts = html[
        html.index('class="facts"') : html.index("</section>", html.index('class="facts"'))
    ]
    if lang == "ru":
        assert "<strong>Дом дружбы</strong> — Москва, ул. Воздвиженка, 16" in facts
        assert "свободно 1 место из 2" in facts
        assert "<strong>Лондонский клуб</strong>" in facts
        assert "мест нет — можно встать в лист ожидания" in facts
        assert "Москва, Дом дружбы" not in facts  # the events file's old line
    else:
        assert "<strong>哈尔滨工业大学</strong>：哈尔滨市西大直街92号" in facts
        assert "座位已满，可加入候补名单" in facts
        assert "莫斯科友谊之家" not in facts
    # Registration closed: the form is gone, the venues stay listed.
    event = harness.catalog.get(SLUG)
    assert event is not None
    harness.clock.set(event.ends_at + timedelta(hours=1))
    html = await (await web_client.get(f"/e/{SLUG}", headers=headers)).text()
    assert ("Лондонский клуб" if lang == "ru" else "伦敦俱乐部") in html


async def test_the_event_pages_seats_follow_registrations(
    harness: BotHarness, web_client: Any
) -> None:
    """The event page is drawn once and kept (web.render.Renderer.shared_html): the seats
    counted for each visitor decide which drawing they get."""
    headers = {"Accept-Language": "ru-RU"}
    html = await (await web_client.get(f"/e/{SLUG}", headers=headers)).text()
    assert "свободно 2 места из 2" in html
    await register(harness, 5, "moscow")
    html = await (await web_client.get(f"/e/{SLUG}", headers=headers)).text()
    assert "свободно 1 место из 2" in html and "свободно 2 места из 2" not in html
    await register(harness, 7, "moscow")
    html = await (await web_client.get(f"/e/{SLUG}", headers=headers)).text()
    assert 'value="wait:moscow"' in html


async def test_the_venues_read_naturally_in_chinese(harness: BotHarness, web_client: Any) -> None:
    """Full-width brackets and the colon, in the list and in the form alike."""
    await register(harness, 3, "london")  # full
    html = await (await web_client.get(f"/e/{SLUG}", headers={"Accept-Language": "zh-CN"})).text()
    assert "哈尔滨工业大学</strong>：哈尔滨市西大直街92号" in html
    seats = '<span class="muted">（剩余2个座位，共2个）</span>'
    assert f"友谊之家</strong>：莫斯科沃兹德维任卡街16号{seats}" in html
    assert "（座位已满，可加入候补名单）" in html
    assert " — " not in html.split('id="register"')[1].split("</form>")[0]
    assert "(剩余" not in html and "(座位" not in html


async def test_a_refused_form_lists_the_venues_with_their_seats(
    harness: BotHarness, web_client: Any
) -> None:
    response, _ = await post_web(web_client, "ru", email="not-an-address", venue="moscow")
    assert response.status == 400
    html = await response.text()
    facts = html[
        html.index('class="facts"') : html.index("</section>", html.index('class="facts"'))
    ]
    assert "свободно 2 места из 2" in facts


async def test_a_waiting_registrant_is_not_shown_a_seat(
    harness: BotHarness, web_client: Any
) -> None:
    await register(harness, 1, "london")
    response, _ = await post_web(web_client, "zh", email="wang@example.cn", venue="wait:london")
    assert response.status == 303
    page = await web_client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"})
    html = await page.text()
    meeting = html[
        html.index('id="meeting"') : html.index("</section>", html.index('id="meeting"'))
    ]
    assert "伦敦俱乐部" in meeting and "（候补）" in meeting


def ics_location(data: bytes) -> str:
    from icalendar import Calendar

    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    return str(vevent["location"])


async def test_the_bots_calendar_file_puts_them_at_the_chosen_venue(harness: BotHarness) -> None:
    from aiogram.methods import SendDocument

    user = harness.user(1002, "zh-hans")
    await offline_form(user, "zh")
    await user.click("哈尔滨工业大学")
    await finish(user, "zh", "wang@163.com")
    [doc] = [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument) and int(s.method.chat_id) == 1002
    ]
    data: bytes = doc.document.data  # type: ignore[union-attr]
    assert ics_location(data) == "哈尔滨工业大学，哈尔滨市西大直街92号"


# --- the personal page ---------------------------------------------------------------------------


ME_FORM = {
    "full_name": "Иванов Иван",
    "country": "Россия",
    "city": "Москва",
    "organization": "Школа № 1",
    "role": "teacher",
    "participation_format": "offline",
    "wants_to_speak": "no",
    "talk_topic": "",
    "phone": "",
}


async def web_registration(
    harness: BotHarness, email: str, venue: str | None, *, wait: bool = False, fmt: str = "offline"
) -> tuple[str, int]:
    """A registration made on the site: its personal page's token and its id."""
    async with harness.session_factory() as session:
        service = RegistrationService(session, harness.catalog, harness.clock)
        reg = await service.register(
            SLUG, answers(email, venue, wait=wait, fmt=fmt), "ru", channel=Channel.web()
        )
    assert reg.access_token is not None
    return reg.access_token, reg.row.id


async def row_by_id(harness: BotHarness, registration_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


async def post_me(client: Any, token: str, email: str, **changed: str) -> tuple[Any, str]:
    """The personal page's edit form, posted with the page's CSRF token; and the page."""
    headers = {"Accept-Language": "ru-RU"}
    page = await client.get(f"/me/{token}", headers=headers)
    html = await page.text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    data = {"csrf_token": csrf.group(1), **ME_FORM, "email": email, **changed}
    response = await client.post(
        f"/me/{token}/edit", data=data, headers=headers, allow_redirects=False
    )
    return response, html


async def test_the_personal_page_switches_from_online_to_a_venue_with_its_seats_shown(
    harness: BotHarness, web_client: Any
) -> None:
    await register(harness, 3, "london")  # London is full
    token, reg_id = await web_registration(harness, "maria@example.ru", None, fmt="online")
    # Offline without a venue: the venue is asked for, on the page (not in the bot).
    response, html = await post_me(web_client, token, "maria@example.ru")
    assert response.status == 400
    text = await response.text()
    assert 'id="venue-error">Выберите площадку.</p>' in text and "командой /edit" not in text
    # The venues with their seats, as the registration form shows them.
    assert "Дом дружбы" in html and "Москва, ул. Воздвиженка, 16" in html
    assert "свободно 2 места из 2" in html
    assert 'value="wait:london"' in html and "мест нет — встать в лист ожидания" in html
    response, _ = await post_me(web_client, token, "maria@example.ru", venue="moscow")
    assert response.status == 303
    row = await row_by_id(harness, reg_id)
    assert (row.participation_format, row.venue_id, row.venue_waiting_since) == (
        "offline",
        "moscow",
        None,
    )
    page = await (await web_client.get(f"/me/{token}", headers={"Accept-Language": "ru-RU"})).text()
    assert "Дом дружбы" in page and "ваше место" in page
    assert await counts(harness) == {"moscow": (1, 0), "harbin": (0, 0), "london": (1, 0)}


async def test_the_personal_page_joins_a_full_venues_waiting_list_only_when_asked(
    harness: BotHarness, web_client: Any
) -> None:
    token, reg_id = await web_registration(harness, "maria@example.ru", "harbin")
    headers = {"Accept-Language": "ru-RU"}
    page = await web_client.get(f"/me/{token}", headers=headers)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert csrf
    await register(harness, 3, "london")  # the last seat taken while the page was open
    data = {"csrf_token": csrf.group(1), **ME_FORM, "email": "maria@example.ru", "venue": "london"}
    response = await web_client.post(
        f"/me/{token}/edit", data=data, headers=headers, allow_redirects=False
    )
    assert response.status == 409
    text = await response.text()
    assert "Последнее место на этой площадке только что заняли" in text
    assert 'value="wait:london"' in text  # counted again: the waiting list is offered
    assert (await row_by_id(harness, reg_id)).venue_id == "harbin"
    response, _ = await post_me(web_client, token, "maria@example.ru", venue="wait:london")
    assert response.status == 303
    row = await row_by_id(harness, reg_id)
    assert row.venue_id == "london" and row.venue_waiting_since is not None
    # Editing another answer keeps the place in line (the venue held is shown as such).
    _, html = await post_me(web_client, token, "maria@example.ru", venue="london", city="Тверь")
    assert "вы в листе ожидания" in html
    kept = await row_by_id(harness, reg_id)
    assert (kept.city, kept.venue_waiting_since) == ("Тверь", row.venue_waiting_since)


async def test_a_seat_left_on_the_personal_page_goes_to_the_first_in_line_who_is_told(
    harness: BotHarness, web_client: Any
) -> None:
    token, reg_id = await web_registration(harness, "maria@example.ru", "london")
    await register(harness, 3, "london", wait=True)
    response, _ = await post_me(web_client, token, "maria@example.ru", venue="harbin")
    assert response.status == 303
    assert (await row_by_id(harness, reg_id)).venue_id == "harbin"
    assert (await row_of(harness, 3)).venue_waiting_since is None
    # Queued with the promotion; the bot's regular look tells them in Telegram.
    assert await notices(harness).send() == 1
    assert "Освободилось место на площадке <b>Лондонский клуб</b>" in harness.user(3).last()
