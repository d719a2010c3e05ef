"""Tickets for the door of an offline venue and the check-in at the door, through the real
dispatcher and the personal page: the code (its alphabet, check character, uniqueness, issued
once), /ticket in Russian and Chinese (the picture decodes to the code; the caption names the
person, venue, address and times), the answers for online participants, the waiting list and
no registration, /me's button, the personal page; a coordinator checking people in from a
photographed ticket (made here: the ticket's PNG turned, shrunk and saved as a JPEG, as a phone
sends it) and from the typed code, another venue's ticket, a second scan, the waiting list, a
cancelled registration, a forged or unknown code, a photo without a code, a participant's photo
left alone, an organizer at any venue; and the coordinator's /live for their venue only."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import GetFile, SendPhoto, SetMyCommands
from aiogram.types import BotCommandScopeChat, InlineKeyboardMarkup, PhotoSize
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import select

from bot.commands import set_organizer_commands
from bot.services.registration.registrations import RegistrationService
from bot.services.venues import tickets
from bot.services.venues.door import read_qr_codes
from bot.services.venues.tickets import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    issue_ticket,
    new_code,
    shown_code,
    valid_code,
)
from db.models import Attendance, AuditEntry, EventRow, Registration, RegistrationStatus, User
from tests.harness import (
    COMPILED_TEMPLATES,
    ORGANIZER_ID,
    BotHarness,
    FakeUser,
    Sent,
    make_event,
    strip_tags,
)
from web.app import create_web_app

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 15:00 in Beijing
DOORS_OPEN = START - timedelta(minutes=40)  # the doors open an hour before the start
MSK_COORDINATOR = 7001
HARBIN_COORDINATOR = 7002
VENUES = [
    {
        "id": "msk",
        "name": {"ru": "Москва, Дом дружбы", "zh": "莫斯科友谊之家"},
        "address": {"ru": "ул. Воздвиженка, 16", "zh": "沃兹德维任卡街16号"},
        "timezone": "Europe/Moscow",
        "capacity": 2,
        "coordinators": [MSK_COORDINATOR],
    },
    {
        "id": "harbin",
        "name": {"ru": "Харбин, университет", "zh": "哈尔滨会场"},
        "address": {"ru": "Харбин, ул. Сидачжи, 92", "zh": "哈尔滨市南岗区西大直街92号"},
        "timezone": "Asia/Shanghai",
        "coordinators": [HARBIN_COORDINATOR],
    },
    {
        "id": "tashkent",
        "name": {"ru": "Ташкент, Русский дом", "zh": "塔什干俄罗斯之家"},
        "address": {"ru": "Ташкент, ул. Навои, 1", "zh": "塔什干纳沃伊街1号"},
        "timezone": "Asia/Tashkent",
    },
]
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(SLUG, starts_at=START, venues=VENUES)]


# --- the world ---------------------------------------------------------------------------------


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
    assert found is not None
    return found


async def registered(
    harness: BotHarness,
    user_id: int,
    name: str,
    venue: str | None = "msk",
    *,
    lang: str = "ru",
    waiting_since: datetime | None = None,
    status: RegistrationStatus = RegistrationStatus.ACTIVE,
) -> int:
    """A registration straight in the database (the venue flows are another feature's): offline
    at `venue`, online without one. Returns its id."""
    eid = await event_id(harness)
    now = harness.clock.now()
    async with harness.session_factory() as session:
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, language=lang, created_at=now, updated_at=now))
            await session.flush()
        row = Registration(
            user_id=user_id,
            event_id=eid,
            status=status,
            language=lang,
            full_name=name,
            role="teacher",
            participation_format="online" if venue is None else "offline",
            venue_id=venue,
            venue_waiting_since=waiting_since,
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.commit()
        return row.id


async def registration(harness: BotHarness, registration_id: int) -> Registration:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
    assert row is not None
    return row


async def ticket_of(harness: BotHarness, registration_id: int) -> str:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return await issue_ticket(session, row)


async def attendance(harness: BotHarness) -> list[Attendance]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(Attendance).order_by(Attendance.id))).all())


def photos(sent: list[Sent]) -> list[SendPhoto]:
    return [s.method for s in sent if isinstance(s.method, SendPhoto)]


def photo_bytes(method: SendPhoto) -> bytes:
    data: bytes = method.photo.data  # type: ignore[union-attr]
    return data


def as_phone_photo(png: bytes) -> bytes:
    """What a phone's camera sends of a ticket on a screen: turned a little, smaller, a JPEG
    with its artefacts on a grey background."""
    ticket = Image.open(io.BytesIO(png)).convert("RGB")
    turned = ticket.rotate(9, expand=True, fillcolor=(128, 128, 128))
    turned = turned.resize((turned.width * 2 // 3, turned.height * 2 // 3))
    out = io.BytesIO()
    turned.save(out, format="JPEG", quality=60)
    return out.getvalue()


async def send_picture(user: FakeUser, data: bytes) -> list[Sent]:
    """A photo as Telegram delivers it: its sizes, the largest downloadable (bot.download)."""
    harness = user.harness
    file_id = f"photo{harness.next_message_id()}"
    harness.session.files[file_id] = data
    sizes = [
        PhotoSize(file_id=f"{file_id}-small", file_unique_id="s", width=90, height=90),
        PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=1100),
    ]
    return await user._feed_message(photo=sizes)


def texts(sent: list[Sent], chat_id: int) -> list[str]:
    return [
        s.method.text
        for s in sent
        if s.method.__api_method__ == "sendMessage" and int(s.method.chat_id) == chat_id
    ]


async def ticket_picture(harness: BotHarness, user_id: int) -> tuple[str, bytes]:
    """The user's /ticket: its caption and picture."""
    replies = await harness.user(user_id).send("/ticket")
    [photo] = photos(replies)
    return photo.caption or "", photo_bytes(photo)


# --- the code ----------------------------------------------------------------------------------


def test_codes_are_typable_and_carry_a_check_character() -> None:
    assert not set(ALPHABET) & set("0O1I")
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
        assert valid_code(code) == code
        shown = shown_code(code)
        assert shown[4] == "-"
        # Typed in lower case, with spaces, or on a Russian layout: the same code.
        assert valid_code(" ".join(shown.lower())) == code
    body = "K7QP3MX"
    code = body + check_character(body)
    cyrillic = code.replace("K", "К").replace("P", "Р").replace("M", "М").replace("X", "Х")
    assert cyrillic != code and valid_code(cyrillic) == code
    # Every single wrong character is caught, and so is a swap of two neighbours.
    for position in range(CODE_LENGTH):
        for char in ALPHABET:
            if char != code[position]:
                wrong = code[:position] + char + code[position + 1 :]
                assert valid_code(wrong) is None
    assert valid_code(code[1] + code[0] + code[2:]) is None
    assert valid_code("https://conf.example.org/verify/NP25-0001-ABCD") is None
    assert valid_code(code[:-1]) is None


async def test_a_ticket_is_issued_once_and_codes_are_unique(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await registered(harness, 2001, "Иванов Иван")
    second = await registered(harness, 2002, "Петрова Анна")
    code = await ticket_of(harness, first)
    assert await ticket_of(harness, first) == code  # kept
    assert (await registration(harness, first)).ticket_code == code
    # The code drawn next is taken already: the database refuses it, a fresh one is drawn.
    drawn = iter([code, "K7QP3MX" + check_character("K7QP3MX")])
    monkeypatch.setattr(tickets, "new_code", lambda: next(drawn))
    assert await ticket_of(harness, second) == "K7QP3MX" + check_character("K7QP3MX")
    assert (await registration(harness, first)).ticket_code == code


# --- /ticket -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_ticket_sends_the_picture_with_name_venue_address_and_times(
    harness: BotHarness, lang: str
) -> None:
    name = "Иванова <Мария>" if lang == "ru" else "王小明"
    reg_id = await registered(harness, 2001, name, "msk", lang=lang)
    caption, png = await ticket_picture(harness, 2001)

    code = (await registration(harness, reg_id)).ticket_code
    assert code is not None
    assert read_qr_codes(png) == [shown_code(code)]
    assert shown_code(code) in caption
    if lang == "ru":
        assert "Иванова &lt;Мария&gt;" in caption and "<Мария>" not in caption
        assert "Москва, Дом дружбы" in caption and "ул. Воздвиженка, 16" in caption
        assert "10:00–13:00 по московскому времени" in caption
        assert "15:00–18:00 по пекинскому времени" in caption
        assert "Покажите этот QR-код на входе" in caption
    else:
        assert (
            "王小明" in caption and "莫斯科友谊之家" in caption and "沃兹德维任卡街16号" in caption
        )
        # Beijing time first for a Chinese reader.
        assert caption.index("北京时间") < caption.index("莫斯科时间")
        assert "入场时请出示此二维码" in caption
    # Moscow's clock is the venue's: no third time.
    assert "местному времени" not in caption and "当地时间" not in caption
    # A second /ticket: the same code.
    again, _ = await ticket_picture(harness, 2001)
    assert shown_code(code) in again


async def test_a_venue_in_another_time_zone_adds_its_local_time(harness: BotHarness) -> None:
    await registered(harness, 2001, "Каримов Алишер", "tashkent")
    caption, _ = await ticket_picture(harness, 2001)
    assert "🕒 По местному времени площадки: 3 сентября 2025 г., 12:00–15:00" in caption


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_no_ticket_online_on_the_waiting_list_or_without_registration(
    harness: BotHarness, lang: str
) -> None:
    t = harness.i18n(lang)
    await registered(harness, 2001, "Онлайн Участник", None, lang=lang)
    first = await registered(
        harness, 2002, "Первый В Очереди", "msk", lang=lang, waiting_since=START
    )
    await registered(
        harness,
        2003,
        "Второй В Очереди",
        "msk",
        lang=lang,
        waiting_since=START + timedelta(minutes=1),
    )
    online = await harness.user(2001, lang).send("/ticket")
    assert photos(online) == []
    assert texts(online, 2001) == [
        t("ticket-online", event=f"“{SLUG}”会议" if lang == "zh" else f"Конференция «{SLUG}»")
    ]
    waiting = await harness.user(2003, lang).send("/ticket")
    assert photos(waiting) == []
    [text] = texts(waiting, 2003)
    venue = "Москва, Дом дружбы" if lang == "ru" else "莫斯科友谊之家"
    assert venue in text
    assert ("Ваш номер в очереди: 2" if lang == "ru" else "目前排在第2位") in text
    nobody = await harness.user(2009, lang).send("/ticket")
    assert texts(nobody, 2009) == [t("ticket-none")]
    assert (await registration(harness, first)).ticket_code is None  # the waiting list: no code


async def test_me_offers_the_ticket_to_a_seat_holder_only(harness: BotHarness) -> None:
    await registered(harness, 2001, "Иванов Иван", "msk")
    await registered(harness, 2002, "Онлайн Участник", None)
    holder = harness.user(2001)
    await holder.send("/me")
    replies = await holder.click("🎫 Билет")
    [photo] = photos(replies)
    assert "Иванов Иван" in (photo.caption or "")
    online = harness.user(2002)
    await online.send("/me")
    labels = [
        b.text
        for s in online.messages()
        if isinstance(s.method.reply_markup, InlineKeyboardMarkup)
        for row in s.method.reply_markup.inline_keyboard
        for b in row
    ]
    assert labels and "🎫 Билет" not in labels


# --- the personal page -------------------------------------------------------------------------


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[Client]:
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=harness.settings,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        session_factory=harness.session_factory,
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def page_token(harness: BotHarness, registration_id: int) -> str:
    async with harness.session_factory() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return await RegistrationService(
            session, harness.catalog, harness.clock
        ).issue_access_token(row)


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_personal_page_shows_the_ticket_or_the_waiting_list(
    harness: BotHarness, client: Client, lang: str
) -> None:
    headers = {"Accept-Language": "zh-CN" if lang == "zh" else "ru-RU"}
    holder = await registered(harness, 2001, "Иванов Иван", "harbin", lang=lang)
    response = await client.get(f"/me/{await page_token(harness, holder)}", headers=headers)
    html = await response.text()
    assert response.status == 200
    code = (await registration(harness, holder)).ticket_code
    assert code is not None  # issued on the first look, the same as the bot's
    assert shown_code(code) in html and 'src="data:image/svg+xml' in html
    assert ("Харбин, университет" if lang == "ru" else "哈尔滨会场") in html
    assert ("Билет на вход" if lang == "ru" else "入场二维码") in html
    waiting = await registered(
        harness, 2002, "Петров Пётр", "harbin", lang=lang, waiting_since=START
    )
    response = await client.get(f"/me/{await page_token(harness, waiting)}", headers=headers)
    html = await response.text()
    assert ("в листе ожидания" if lang == "ru" else "候补名单") in html
    assert "data:image/svg+xml" not in html
    online = await registered(harness, 2003, "Онлайн Участник", None, lang=lang)
    html = await (
        await client.get(f"/me/{await page_token(harness, online)}", headers=headers)
    ).text()
    assert "ticket-code" not in html and 'id="ticket"' not in html


# --- the door ----------------------------------------------------------------------------------


@pytest.fixture
def doors_open(harness: BotHarness) -> None:
    harness.clock.set(DOORS_OPEN)


@pytest.mark.usefixtures("doors_open")
async def test_a_coordinator_checks_in_from_a_photo_of_the_ticket(harness: BotHarness) -> None:
    reg_id = await registered(harness, 2001, "Иванова <Мария>", "msk")
    _, png = await ticket_picture(harness, 2001)
    coordinator = harness.user(MSK_COORDINATOR)

    replies = await send_picture(coordinator, as_phone_photo(png))

    assert [type(s.method) for s in replies].count(GetFile) == 1
    [answer] = texts(replies, MSK_COORDINATOR)
    assert answer.startswith("✅ Отмечено: <b>Иванова &lt;Мария&gt;</b>")
    assert "Москва, Дом дружбы" in answer
    [mark] = await attendance(harness)
    assert (mark.registration_id, mark.method, mark.venue_id, mark.checked_by) == (
        reg_id,
        "ticket",
        "msk",
        MSK_COORDINATOR,
    )
    assert mark.checked_at == DOORS_OPEN

    # The same ticket again, a minute later: no error, when they came in (Moscow's clock).
    harness.clock.set(DOORS_OPEN + timedelta(minutes=1))
    [again] = texts(await send_picture(coordinator, png), MSK_COORDINATOR)
    assert again.startswith("☑️ Уже отмечено в 09:20: <b>Иванова &lt;Мария&gt;</b>")
    assert len(await attendance(harness)) == 1

    # In /audit once, as the coordinator's action, the person by id (the name looked up).
    async with harness.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry))).all()
    [entry] = [e for e in entries if e.action == "door-checkin"]
    assert (entry.actor_id, entry.details) == (
        MSK_COORDINATOR,
        {"registration_id": reg_id, "venue": "msk"},
    )
    org = harness.user(ORGANIZER_ID)
    await org.send("/audit")
    shown = strip_tags(org.last())
    assert "отметка на входе по билету" in shown and "(Иванова &lt;Мария&gt;)" in shown
    assert "площадка: Москва, Дом дружбы" in shown


@pytest.mark.usefixtures("doors_open")
@pytest.mark.parametrize("typed", ["{lower}", "{spaced}", "{shown}"])
async def test_a_coordinator_checks_in_from_the_typed_code(harness: BotHarness, typed: str) -> None:
    reg_id = await registered(harness, 2001, "王小明", "harbin", lang="zh")
    code = await ticket_of(harness, reg_id)
    text = typed.format(
        lower=code.lower(), spaced=" ".join(code[:4]) + "  " + code[4:], shown=shown_code(code)
    )
    coordinator = harness.user(HARBIN_COORDINATOR, "zh")
    [answer] = texts(await coordinator.send(text), HARBIN_COORDINATOR)
    assert answer.startswith("✅ 签到成功：<b>王小明</b>") and "哈尔滨会场" in answer
    [answer] = texts(await coordinator.send(text), HARBIN_COORDINATOR)
    # The time at the door is the venue's: Beijing's.
    assert answer.startswith("☑️ 已于14:20签到：<b>王小明</b>")
    [mark] = await attendance(harness)
    assert (mark.venue_id, mark.checked_by) == ("harbin", HARBIN_COORDINATOR)


@pytest.mark.usefixtures("doors_open")
async def test_another_venues_ticket_is_refused_naming_the_right_venue(
    harness: BotHarness,
) -> None:
    reg_id = await registered(harness, 2001, "Иванов Иван", "harbin")
    _, png = await ticket_picture(harness, 2001)
    [answer] = texts(await send_picture(harness.user(MSK_COORDINATOR), png), MSK_COORDINATOR)
    assert answer.startswith("⛔ Билет на другую площадку: Харбин, университет")
    assert "Иванов Иван" in answer
    assert await attendance(harness) == []
    # An organizer checks in at any venue.
    code = (await registration(harness, reg_id)).ticket_code
    assert code is not None
    [answer] = texts(await harness.user(ORGANIZER_ID).send(code.lower()), ORGANIZER_ID)
    assert answer.startswith("✅ Отмечено: <b>Иванов Иван</b>")
    [mark] = await attendance(harness)
    assert (mark.venue_id, mark.checked_by) == ("harbin", ORGANIZER_ID)


@pytest.mark.usefixtures("doors_open")
async def test_waiting_list_and_cancelled_registrations_are_refused(harness: BotHarness) -> None:
    waiting = await registered(harness, 2001, "Ждущий Очереди", "msk")
    cancelled = await registered(harness, 2002, "Отменивший Участие", "msk")
    waiting_code = await ticket_of(harness, waiting)
    cancelled_code = await ticket_of(harness, cancelled)
    async with harness.session_factory() as session:
        # The seat was given up (back on the list), the other registration cancelled.
        row = await session.get(Registration, waiting)
        assert row is not None
        row.venue_waiting_since = DOORS_OPEN
        row = await session.get(Registration, cancelled)
        assert row is not None
        row.status = RegistrationStatus.CANCELLED
        await session.commit()
    coordinator = harness.user(MSK_COORDINATOR)
    [answer] = texts(await coordinator.send(waiting_code), MSK_COORDINATOR)
    assert answer.startswith("⛔ <b>Ждущий Очереди</b> — в листе ожидания площадки")
    [answer] = texts(await coordinator.send(cancelled_code), MSK_COORDINATOR)
    assert answer.startswith("⛔ Регистрация отменена, билет не действует")
    assert await attendance(harness) == []


@pytest.mark.usefixtures("doors_open")
async def test_forged_unknown_and_unreadable(harness: BotHarness) -> None:
    coordinator = harness.user(MSK_COORDINATOR)
    body = "K7QP3MX"
    right = body + check_character(body)
    forged = right[:-1] + next(c for c in ALPHABET if c != right[-1])
    [answer] = texts(await coordinator.send(forged), MSK_COORDINATOR)
    assert answer.startswith("❓ Это не код билета.")
    [answer] = texts(await coordinator.send(right), MSK_COORDINATOR)
    assert answer.startswith(f"❓ Билета с кодом <code>{shown_code(right)}</code> нет.")
    # A photo with no code in it, and one with a QR code that is no ticket.
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 200, 200)).save(blank, format="JPEG")
    [answer] = texts(await send_picture(coordinator, blank.getvalue()), MSK_COORDINATOR)
    assert answer.startswith("📷 На фото не удалось прочитать QR-код.")
    import segno

    other = io.BytesIO()
    segno.make("https://conf.example.org/verify/NP25-0001-ABCD").save(other, kind="png", scale=8)
    [answer] = texts(await send_picture(coordinator, other.getvalue()), MSK_COORDINATOR)
    assert answer.startswith("❓ Это не код билета.")
    assert await attendance(harness) == []


async def test_the_doors_open_an_hour_before_the_start(harness: BotHarness) -> None:
    reg_id = await registered(harness, 2001, "Ранний Гость", "msk")
    code = await ticket_of(harness, reg_id)
    coordinator = harness.user(MSK_COORDINATOR)
    harness.clock.set(START - timedelta(hours=1, minutes=1))
    [answer] = texts(await coordinator.send(code), MSK_COORDINATOR)
    assert answer.startswith("🕘 Вход ещё не открыт: отметка начнётся в 09:00")
    harness.clock.set(START - timedelta(hours=1))
    [answer] = texts(await coordinator.send(code), MSK_COORDINATOR)
    assert answer.startswith("✅ Отмечено")


@pytest.mark.usefixtures("doors_open")
async def test_a_participants_photo_and_text_are_not_tickets(harness: BotHarness) -> None:
    reg_id = await registered(harness, 2001, "Иванов Иван", "msk")
    _, png = await ticket_picture(harness, 2001)
    code = (await registration(harness, reg_id)).ticket_code
    assert code is not None
    participant = harness.user(2001)
    t = harness.i18n("ru")
    replies = await send_picture(participant, png)
    assert texts(replies, 2001) == [t("not-understood")]
    assert GetFile not in [type(s.method) for s in replies]  # not even downloaded
    assert texts(await participant.send(code), 2001) == [t("not-understood")]
    assert await attendance(harness) == []


# --- coordinators' /live and menus -------------------------------------------------------------


@pytest.mark.usefixtures("doors_open")
async def test_a_coordinator_sees_their_venue_only_and_organizers_every_venue(
    harness: BotHarness,
) -> None:
    moscow = [await registered(harness, 2000 + i, f"Москвич {i}", "msk") for i in range(2)]
    await registered(harness, 2010, "Ждёт Места", "msk", waiting_since=START)
    harbin = await registered(harness, 2020, "王小明", "harbin", lang="zh")
    await registered(harness, 2030, "Онлайн Участник", None)
    coordinator = harness.user(MSK_COORDINATOR)
    await coordinator.send(await ticket_of(harness, moscow[0]))
    await harness.user(HARBIN_COORDINATOR).send(await ticket_of(harness, harbin))

    replies = await coordinator.send("/live")
    [board] = texts(replies, MSK_COORDINATOR)
    plain = strip_tags(board)
    assert "Присутствие на площадке" in plain and "Москва, Дом дружбы" in plain
    assert "Зарегистрировано: 2" in plain and "Отметились: 1 из 2 (50\u00a0%)" in plain
    assert "⏳ В листе ожидания: 1" in plain
    assert "Москвич 0, по билету на входе" in plain
    assert "王小明" not in plain and "Харбин" not in plain and "онлайн" not in plain
    [markup] = [s.method.reply_markup for s in replies if s.method.__api_method__ == "sendMessage"]
    assert isinstance(markup, InlineKeyboardMarkup)
    assert markup.inline_keyboard[0][0].callback_data == "vlv:stop::"

    # A check-in at their venue moves their board; one elsewhere does not.
    boards = harness.dp["live"]
    await coordinator.send(await ticket_of(harness, moscow[1]))
    harness.clock.set(DOORS_OPEN + timedelta(seconds=10))
    start = len(harness.session.sent)
    await boards.tick()
    [edit] = [
        s.method
        for s in harness.session.sent[start:]
        if s.method.__api_method__ == "editMessageText"
    ]
    assert "Отметились: 2 из 2 (100\u00a0%)" in edit.text
    await harness.user(ORGANIZER_ID).send(
        await ticket_of(harness, await registered(harness, 2021, "Ли Хуа", "harbin"))
    )
    harness.clock.set(DOORS_OPEN + timedelta(seconds=20))
    start = len(harness.session.sent)
    await boards.tick()
    assert [
        s for s in harness.session.sent[start:] if s.method.__api_method__ == "editMessageText"
    ] == []
    # Its Stop button (not an organizer's button: no "organizers only" alert).
    harness.clock.set(DOORS_OPEN + timedelta(seconds=30))
    replies = await coordinator.press("vlv:stop::", edit.message_id)
    assert [s.method.text for s in replies if s.method.__api_method__ == "answerCallbackQuery"] == [
        "Обновление остановлено."
    ]

    # The organizer: a row per venue (with its waiting list), and online.
    [board] = texts(await harness.user(ORGANIZER_ID).send("/live"), ORGANIZER_ID)
    plain = strip_tags(board)
    assert "Зарегистрировано: 5" in plain and "Отметились: 4 из 5" in plain
    assert "• онлайн: 0 из 1" in plain
    assert "• Москва, Дом дружбы: 2 из 2, в листе ожидания: 1" in plain
    assert "• Харбин, университет: 2 из 2" in plain
    assert "• Ташкент, Русский дом: 0 из 0" in plain


async def test_coordinators_get_live_and_the_doors_help(harness: BotHarness) -> None:
    await set_organizer_commands(
        harness.bot,
        harness.i18n,
        harness.session_factory,
        harness.settings.admin_ids,
        coordinators=[MSK_COORDINATOR],
    )
    [menu] = [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SetMyCommands)
        and isinstance(s.method.scope, BotCommandScopeChat)
        and s.method.scope.chat_id == MSK_COORDINATOR
    ]
    names = [c.command for c in menu.commands]
    assert names[:2] == ["live", "ticket"] and names.count("ticket") == 1
    assert "admin" not in names
    [help_text] = texts(await harness.user(MSK_COORDINATOR).send("/ticket"), MSK_COORDINATOR)
    assert "🚪 <b>Отметка на входе</b>" in help_text
    assert "Ваши площадки: Москва, Дом дружбы" in help_text
    assert "за 60 минут до начала" in help_text
    # Someone who keeps no door has no /live.
    stranger = harness.user(2999)
    await stranger.send("/live")
    assert stranger.last() == harness.i18n("ru")("unknown-command")


# --- where to come, in every calendar file and on the personal page ----------------------------


def ics_location(data: bytes) -> str:
    from icalendar import Calendar

    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    return str(vevent["location"])


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_personal_page_puts_them_at_the_chosen_venue(
    harness: BotHarness, client: Client, lang: str
) -> None:
    """The event keeps its old one-line venue ("Москва, Дом дружбы" / "莫斯科友谊之家") beside the
    venues: the calendar file and the meeting block name the venue chosen, as the ticket."""
    headers = {"Accept-Language": "zh-CN" if lang == "zh" else "ru-RU"}
    holder = await registered(harness, 2001, "Иванов Иван", "harbin", lang=lang)
    home = f"/me/{await page_token(harness, holder)}"
    calendar = await client.get(f"{home}/calendar.ics", headers=headers)
    where = ics_location(await calendar.read())
    html = await (await client.get(home, headers=headers)).text()
    meeting = html[
        html.index('id="meeting"') : html.index("</section>", html.index('id="meeting"'))
    ]
    if lang == "ru":
        assert where == "Харбин, университет, Харбин, ул. Сидачжи, 92"
        assert "Место проведения: Харбин, университет, Харбин, ул. Сидачжи, 92" in meeting
    else:
        assert where == "哈尔滨会场，哈尔滨市南岗区西大直街92号"
        # The label's colon is the Chinese one, from the .ftl.
        assert "会场：哈尔滨会场，哈尔滨市南岗区西大直街92号" in meeting
        assert "会场:" not in meeting
    assert "莫斯科友谊之家" not in meeting and "Москва, Дом дружбы" not in meeting


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_waiting_list_is_no_ticket_on_the_personal_page(
    harness: BotHarness, client: Client, lang: str
) -> None:
    headers = {"Accept-Language": "zh-CN" if lang == "zh" else "ru-RU"}
    waiting = await registered(
        harness, 2002, "Петров Пётр", "harbin", lang=lang, waiting_since=START
    )
    html = await (
        await client.get(f"/me/{await page_token(harness, waiting)}", headers=headers)
    ).text()
    section = html[html.index('id="ticket"') : html.index("</section>", html.index('id="ticket"'))]
    heading = re.search(r"<h2>(.*?)</h2>", section)
    assert heading is not None
    assert heading.group(1) == ("Лист ожидания" if lang == "ru" else "候补名单")


async def test_letters_and_the_moved_notice_carry_the_chosen_venue(harness: BotHarness) -> None:
    from bot.services.mailing.letters import Addressee, calendar_attachment
    from bot.services.reminders.moved import calendar_file

    event = harness.catalog.get(SLUG)
    assert event is not None
    now = harness.clock.now()
    for lang, expected in (
        ("ru", "Ташкент, Русский дом, Ташкент, ул. Навои, 1"),
        ("zh", "塔什干俄罗斯之家，塔什干纳沃伊街1号"),
    ):
        t = harness.i18n(lang)
        to = Addressee("Иванов Иван", "offline", "https://x/me/1", venue_id="tashkent")
        assert ics_location(calendar_attachment(t, event, to, now).content) == expected
        data, link = calendar_file(t, event, "offline", "tashkent", now)
        assert ics_location(data) == expected and link is None
    # Without a venue chosen (a registration from before the venues): the old line.
    t = harness.i18n("ru")
    data, _ = calendar_file(t, event, "offline", None, now)
    assert ics_location(data) == "Москва, Дом дружбы"


async def test_the_moved_notice_in_telegram_carries_the_chosen_venue(harness: BotHarness) -> None:
    from aiogram.methods import SendDocument

    from bot.services.events.settings import change_event
    from bot.services.reminders.moved import MovedNotices

    await registered(harness, 2001, "Иванов Иван", "harbin")
    harness.clock.advance(timedelta(minutes=1))
    later = START + timedelta(days=7)
    async with harness.session_factory() as session:
        await change_event(
            session,
            harness.catalog,
            harness.clock,
            slug=SLUG,
            changes={"starts_at": later, "ends_at": later + timedelta(hours=3)},
            actor_id=ORGANIZER_ID,
            action="move_event",
        )
    mark = len(harness.session.sent)
    moved: MovedNotices = harness.dp["moved"]
    await moved.resume()
    [doc] = [
        s.method
        for s in harness.session.sent[mark:]
        if isinstance(s.method, SendDocument) and int(s.method.chat_id) == 2001
    ]
    data: bytes = doc.document.data  # type: ignore[union-attr]
    assert ics_location(data) == "Харбин, университет, Харбин, ул. Сидачжи, 92"


# --- who keeps a door: viewers do not ------------------------------------------------------------

VIEWER_ID = 7100


async def add_viewer(harness: BotHarness, user_id: int) -> None:
    from db.models import Organizer, OrganizerRole

    async with harness.session_factory() as session:
        session.add(
            Organizer(
                user_id=user_id,
                role=OrganizerRole.VIEWER.value,
                added_by=ORGANIZER_ID,
                added_at=harness.clock.now(),
            )
        )
        await session.commit()


@pytest.mark.usefixtures("doors_open")
async def test_a_read_only_viewer_checks_nobody_in(harness: BotHarness) -> None:
    reg_id = await registered(harness, 2001, "Иванов Иван", "msk")
    _, png = await ticket_picture(harness, 2001)
    code = (await registration(harness, reg_id)).ticket_code
    assert code is not None
    await add_viewer(harness, VIEWER_ID)
    viewer = harness.user(VIEWER_ID)
    read_only = harness.i18n("ru")("admin-read-only")
    assert texts(await viewer.send(shown_code(code)), VIEWER_ID) == [read_only]
    replies = await send_picture(viewer, png)
    assert texts(replies, VIEWER_ID) == [read_only]
    assert GetFile not in [type(s.method) for s in replies]  # not even downloaded
    assert await attendance(harness) == []
    # Nor is the door's help theirs in /ticket.
    assert "Отметка на входе" not in " ".join(texts(await viewer.send("/ticket"), VIEWER_ID))
    # A viewer who coordinates a venue keeps that door (and only that one).
    await add_viewer(harness, MSK_COORDINATOR)
    [answer] = texts(await harness.user(MSK_COORDINATOR).send(code), MSK_COORDINATOR)
    assert answer.startswith("✅ Отмечено: <b>Иванов Иван</b>")
    harbin = await registered(harness, 2002, "Петров Пётр", "harbin")
    harbin_code = await ticket_of(harness, harbin)
    [answer] = texts(await harness.user(MSK_COORDINATOR).send(harbin_code), MSK_COORDINATOR)
    assert answer.startswith("⛔ Билет на другую площадку")
    assert "Отметить участника может координатор той площадки." in answer


# --- a code inside a sentence ---------------------------------------------------------------


def test_a_valid_code_is_found_anywhere_in_a_message() -> None:
    body = "3MXRD2D"
    code = body + check_character(body)
    shown = shown_code(code)
    for text in (
        f"код {shown}",
        f"Код: {code[:4]} {code[4:]}, пожалуйста",
        f"«{shown.lower()}»",
        f"вот билет {shown}!",
        f"code\n{shown}",
    ):
        assert tickets.found_codes(text) == [code], text
    other_body = "K7QP3MX"
    other = other_body + check_character(other_body)
    assert tickets.found_codes(f"{shown} и {shown_code(other)}") == [code, other]
    # A wrong check character inside a sentence is no code (only a message that is nothing but
    # a code is told it is mistyped); nor are words that happen to be 8 letters in all.
    wrong = code[:-1] + next(c for c in ALPHABET if c != code[-1])
    assert tickets.found_codes(f"код {wrong}") == []
    assert not tickets.mentions_code(f"код {wrong}")
    assert tickets.mentions_code(wrong)
    assert tickets.found_codes("Добрый день, коллеги! Все на месте.") == []


@pytest.mark.usefixtures("doors_open")
async def test_a_coordinator_types_the_code_in_a_sentence(harness: BotHarness) -> None:
    reg_id = await registered(harness, 2001, "Иванов Иван", "msk")
    code = await ticket_of(harness, reg_id)
    coordinator = harness.user(MSK_COORDINATOR)
    [answer] = texts(await coordinator.send(f"код {shown_code(code)}"), MSK_COORDINATOR)
    assert answer.startswith("✅ Отмечено: <b>Иванов Иван</b>")
    [mark] = await attendance(harness)
    assert mark.registration_id == reg_id
    # A participant's sentence with a code in it is not a ticket.
    participant = harness.user(2001)
    t = harness.i18n("ru")
    assert texts(await participant.send(f"мой код {shown_code(code)}"), 2001) == [
        t("not-understood")
    ]
