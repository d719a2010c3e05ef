"""/live: the attendance board through the real dispatcher, on the frozen clock. The board's
tick (the runtime's scheduler calls it every few seconds) is called here after moving the
clock: counts, percentage, places, classes, the latest check-ins, edits in place only when the
text changed, Telegram's refusals, the Stop button (and forged ones), several organizers at
once, a viewer, and the ways a board stops by itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.organizers.live import LiveCounts, live_counts
from db.models import (
    Attendance,
    AuditEntry,
    ClassStudent,
    EventRow,
    Organizer,
    OrganizerRole,
    Registration,
    RegistrationStatus,
    SchoolClass,
    User,
)
from handlers.admin.live_board import LiveBoards
from handlers.callbacks import CheckInCb
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, Sent, make_event

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 15:00 in Beijing
RUNNING = START + timedelta(minutes=30)
SECOND_ORGANIZER = 700
VIEWER = 501
STOP = "alv:stop"


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START, checkin_code="Победа")]


@pytest.fixture
def clock_at_start(harness: BotHarness) -> None:
    harness.clock.set(RUNNING)


pytestmark = pytest.mark.usefixtures("clock_at_start")


# --- the world ---------------------------------------------------------------------------------


async def event_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(EventRow.id).where(EventRow.slug == "victory-2025"))
        assert found is not None
        return found


async def register(
    harness: BotHarness,
    people: Sequence[tuple[int, str, str]],
    status: RegistrationStatus = RegistrationStatus.ACTIVE,
) -> None:
    """Registrations straight into the database: (user id, full name, online | offline)."""
    eid = await event_id(harness)
    now = harness.clock.now()
    async with harness.session_factory() as session:
        for user_id, name, fmt in people:
            session.add(User(id=user_id, language="ru", created_at=now, updated_at=now))
            await session.flush()
            session.add(
                Registration(
                    user_id=user_id,
                    event_id=eid,
                    status=status,
                    language="ru",
                    full_name=name,
                    role="teacher",
                    participation_format=fmt,
                    consent_at=now,
                    consent_version="test",
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()


async def check_in_with_button(harness: BotHarness, user_id: int) -> None:
    replies = await harness.user(user_id).press(CheckInCb(event_id=await event_id(harness)).pack())
    assert answers(replies) == [harness.i18n("ru")("checkin-done")]


async def add_class(
    harness: BotHarness, name: str, pupils: int, *, checked_in: bool, declared: int = 25
) -> None:
    eid = await event_id(harness)
    now = harness.clock.now()
    async with harness.session_factory() as session:
        school_class = SchoolClass(
            code=f"c{abs(hash(name)) % 10**8}",
            event_id=eid,
            language="ru",
            name=name,
            declared_size=declared,
            teacher_name="Петрова Анна",
            consent_at=now,
            consent_version="test",
            created_at=now,
            updated_at=now,
        )
        school_class.students = [
            ClassStudent(full_name=f"Ученик {i}", created_at=now) for i in range(pupils)
        ]
        session.add(school_class)
        await session.flush()
        if checked_in:
            session.add(
                Attendance(event_id=eid, class_id=school_class.id, method="button", checked_at=now)
            )
        await session.commit()


async def add_organizer(harness: BotHarness, user_id: int, role: OrganizerRole) -> None:
    async with harness.session_factory() as session:
        session.add(
            Organizer(
                user_id=user_id,
                role=role.value,
                added_by=ORGANIZER_ID,
                added_at=harness.clock.now(),
            )
        )
        await session.commit()


def live(harness: BotHarness) -> LiveBoards:
    boards: LiveBoards = harness.dp["live"]
    return boards


def later(harness: BotHarness, seconds: float = 2) -> None:
    """A moment later: a board's messages keep a second apart (EDIT_SPACING), on the clock."""
    harness.clock.set(harness.clock.now() + timedelta(seconds=seconds))


async def tick(harness: BotHarness, after: timedelta = timedelta(seconds=5)) -> list[Sent]:
    harness.clock.set(harness.clock.now() + after)
    start = len(harness.session.sent)
    await live(harness).tick()
    return harness.session.sent[start:]


# --- what the organizer sees -------------------------------------------------------------------


def answers(replies: list[Sent]) -> list[str]:
    return [r.method.text or "" for r in replies if isinstance(r.method, AnswerCallbackQuery)]


def edits(sent: list[Sent], chat_id: int) -> list[EditMessageText]:
    return [
        s.method
        for s in sent
        if isinstance(s.method, EditMessageText) and s.method.chat_id == chat_id
    ]


def all_edits(harness: BotHarness, chat_id: int) -> list[EditMessageText]:
    return edits(harness.session.sent, chat_id)


async def open_board(user: FakeUser) -> tuple[int, str]:
    """/live: the board's message id and text."""
    replies = await user.send("/live")
    [board] = [r for r in replies if r.method.__api_method__ == "sendMessage"]
    assert has_stop_button(board.method.reply_markup)
    return board.result.message_id, board.method.text


def has_stop_button(markup: object) -> bool:
    return isinstance(markup, InlineKeyboardMarkup) and [
        b.callback_data for row in markup.inline_keyboard for b in row
    ] == [STOP]


PEOPLE = [
    (2001, "Иванов Иван", "online"),
    (2002, "Петрова <b>Анна</b>", "online"),
    (2003, "王小明", "online"),
    (2004, "Сидоров Пётр", "offline"),
]


# --- the numbers -------------------------------------------------------------------------------


async def test_live_shows_counts_percentage_places_and_latest_check_ins(
    harness: BotHarness,
) -> None:
    await register(harness, PEOPLE)
    await register(
        harness, [(2099, "Отменивший Регистрацию", "online")], RegistrationStatus.CANCELLED
    )
    await check_in_with_button(harness, 2002)
    harness.clock.set(RUNNING + timedelta(minutes=1))
    await harness.user(2004).send("Победа")  # the code word
    boss = harness.user(ORGANIZER_ID)

    _, text = await open_board(boss)

    assert "Присутствие в реальном времени" in text
    assert "Зарегистрировано: 4" in text  # the cancelled registration does not count
    assert "Отметились: 2 из 4 (50\u00a0%)" in text
    assert "• онлайн: 1 из 3" in text and "• очно: 1 из 1" in text
    # Newest first, in Moscow and Beijing time, the name escaped, the way they checked in.
    recent = text.split("Последние отметки:")[1]
    assert recent.index("Сидоров Пётр") < recent.index("Петрова")
    assert "10:31 МСК (15:31 по пекинскому времени) — Сидоров Пётр, кодовым словом" in recent
    assert (
        "10:30 МСК (15:30 по пекинскому времени) — Петрова &lt;b&gt;Анна&lt;/b&gt;, кнопкой"
        in recent
    )
    assert "<b>Анна" not in text
    assert "обновляется само до 14:00 МСК (19:00 по пекинскому времени)" in text
    async with harness.session_factory() as session:
        [entry] = (await session.execute(select(AuditEntry))).scalars()
    assert (entry.actor_id, entry.action, entry.event_id) == (
        ORGANIZER_ID,
        "live",
        await event_id(harness),
    )


async def test_classes_checked_in_are_listed_with_their_pupils(harness: BotHarness) -> None:
    await register(harness, PEOPLE[:1])
    await add_class(harness, "8 «Б»", pupils=3, checked_in=True)
    await add_class(harness, "9 <А>", pupils=0, declared=21, checked_in=True)
    await add_class(harness, "10 В", pupils=30, checked_in=False)

    _, text = await open_board(harness.user(ORGANIZER_ID))

    assert "Классы — отметились: 2 из 3; учеников в них: 24" in text
    assert "• 8 «Б»: 3 ученика" in text
    # No roster yet: the number the teacher declared.
    assert "• 9 &lt;А&gt;: 21 ученик" in text
    assert "10 В" not in text
    assert "— класс 8 «Б», кнопкой" in text


async def test_an_empty_event_says_so(harness: BotHarness) -> None:
    _, text = await open_board(harness.user(ORGANIZER_ID))
    assert "Зарегистрированных участников нет." in text
    assert "Отметок пока нет." in text
    assert "Классы" not in text


async def test_percentage_is_rounded_down(harness: BotHarness) -> None:
    await register(harness, [(3000 + i, f"Участник {i}", "online") for i in range(3)])
    await check_in_with_button(harness, 3000)
    await check_in_with_button(harness, 3001)
    _, text = await open_board(harness.user(ORGANIZER_ID))
    assert "Отметились: 2 из 3 (66\u00a0%)" in text


# --- updates in place --------------------------------------------------------------------------


async def test_the_board_is_edited_in_place_only_when_its_text_changes(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    boss = harness.user(ORGANIZER_ID)
    message_id, _ = await open_board(boss)

    assert edits(await tick(harness), ORGANIZER_ID) == []  # nothing changed: nothing sent

    await check_in_with_button(harness, 2001)
    [edit] = edits(await tick(harness), ORGANIZER_ID)
    assert edit.message_id == message_id
    assert "Отметились: 1 из 4 (25\u00a0%)" in edit.text
    assert "Иванов Иван, кнопкой" in edit.text
    assert has_stop_button(edit.reply_markup)

    await check_in_with_button(harness, 2003)
    # A tick one second later (a delayed job catching up) does not edit again so soon.
    assert edits(await tick(harness, timedelta(seconds=1)), ORGANIZER_ID) == []
    [edit] = edits(await tick(harness), ORGANIZER_ID)
    assert edit.message_id == message_id and "Отметились: 2 из 4 (50\u00a0%)" in edit.text
    assert not [s for s in harness.session.sent if s.method.__api_method__ == "sendMessage"][1:]


async def test_message_is_not_modified_is_not_a_failure(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    await check_in_with_button(harness, 2001)
    probe = EditMessageText(text="", chat_id=ORGANIZER_ID, message_id=message_id)
    harness.session.failures[EditMessageText] = TelegramBadRequest(
        probe,
        "Bad Request: message is not modified: specified new message content and "
        "reply markup are exactly the same",
    )
    assert len(edits(await tick(harness), ORGANIZER_ID)) == 1  # refused, harmlessly
    assert live(harness).open_boards  # still open
    await check_in_with_button(harness, 2002)
    [edit] = edits(await tick(harness), ORGANIZER_ID)
    assert "Отметились: 2 из 4" in edit.text


async def test_retry_after_is_honoured(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    await check_in_with_button(harness, 2001)
    probe = EditMessageText(text="", chat_id=ORGANIZER_ID, message_id=message_id)
    # Longer than the session's flood control waits by itself: the board waits instead.
    harness.session.failures[EditMessageText] = TelegramRetryAfter(
        probe, "Too Many Requests: retry after 60", retry_after=60
    )
    assert len(edits(await tick(harness), ORGANIZER_ID)) == 1  # the refused one
    for _ in range(10):  # 50 seconds: not a single try
        assert edits(await tick(harness), ORGANIZER_ID) == []
    [edit] = edits(await tick(harness, timedelta(seconds=11)), ORGANIZER_ID)
    assert "Отметились: 1 из 4" in edit.text


async def test_a_deleted_board_message_ends_the_board_quietly(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    await check_in_with_button(harness, 2001)
    probe = EditMessageText(text="", chat_id=ORGANIZER_ID, message_id=message_id)
    harness.session.failures[EditMessageText] = TelegramBadRequest(
        probe, "Bad Request: message to edit not found"
    )
    await tick(harness)
    assert live(harness).open_boards == []
    await check_in_with_button(harness, 2002)
    assert edits(await tick(harness), ORGANIZER_ID) == []


# --- stopping ----------------------------------------------------------------------------------


async def test_the_stop_button_stops_the_board(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    boss = harness.user(ORGANIZER_ID)
    message_id, _ = await open_board(boss)
    later(harness)
    replies = await boss.press(STOP, message_id)
    assert answers(replies) == ["Обновление остановлено."]
    [last] = edits(replies, ORGANIZER_ID)
    assert last.message_id == message_id and last.reply_markup is None
    assert "Зарегистрировано: 4" in last.text
    assert last.text.endswith("⏹ Обновление остановлено. Открыть снова — /live.")
    await check_in_with_button(harness, 2001)
    assert edits(await tick(harness), ORGANIZER_ID) == []


async def test_a_forged_stop_stops_nothing(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    await add_organizer(harness, SECOND_ORGANIZER, OrganizerRole.ORGANIZER)
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    # Another organizer sends the Stop of a board that is not theirs (same message id, their
    # own chat), and someone who is no organizer at all.
    other = harness.user(SECOND_ORGANIZER)
    replies = await other.press(STOP, message_id)
    assert answers(replies) == ["Эта кнопка уже не действует."]
    stranger = harness.user(1)
    replies = await stranger.press(STOP, message_id)
    assert answers(replies) == ["Эта кнопка только для организаторов."]
    # The organizer's own Stop on an older message of theirs stops nothing either.
    replies = await harness.user(ORGANIZER_ID).press(STOP, message_id - 1)
    assert answers(replies) == ["Эта кнопка уже не действует."]
    assert [type(r.method) for r in replies].count(EditMessageReplyMarkup) == 1
    await check_in_with_button(harness, 2001)
    [edit] = edits(await tick(harness), ORGANIZER_ID)
    assert edit.message_id == message_id and "Отметились: 1 из 4" in edit.text


async def test_a_second_live_replaces_the_first(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    boss = harness.user(ORGANIZER_ID)
    first, _ = await open_board(boss)
    later(harness)
    second, _ = await open_board(boss)
    [replaced] = all_edits(harness, ORGANIZER_ID)
    assert replaced.message_id == first and replaced.reply_markup is None
    assert "ниже открыта новая сводка" in replaced.text
    await check_in_with_button(harness, 2001)
    [edit] = edits(await tick(harness), ORGANIZER_ID)
    assert edit.message_id == second
    replies = await boss.press(STOP, first)
    assert answers(replies) == ["Эта кнопка уже не действует."]
    assert len(live(harness).open_boards) == 1


async def test_the_board_stops_when_check_in_closes(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    boss = harness.user(ORGANIZER_ID)
    message_id, _ = await open_board(boss)
    await check_in_with_button(harness, 2001)
    event = harness.catalog.get("victory-2025")
    assert event is not None
    harness.clock.set(event.ends_at + event.checkin_after_end - timedelta(seconds=1))
    [edit] = edits(await tick(harness, timedelta(0)), ORGANIZER_ID)
    assert has_stop_button(edit.reply_markup)
    [last] = edits(await tick(harness), ORGANIZER_ID)
    assert last.message_id == message_id and last.reply_markup is None
    assert "Отметились: 1 из 4" in last.text and "это итоговые цифры" in last.text
    assert live(harness).open_boards == []
    # /live afterwards: the final numbers once, without a Stop button and without updates.
    replies = await boss.send("/live")
    [final] = [r.method for r in replies if r.method.__api_method__ == "sendMessage"]
    assert "Отметились: 1 из 4" in final.text and "🏁" in final.text
    assert final.reply_markup is None and live(harness).open_boards == []


async def test_a_board_opened_long_before_stops_after_its_longest_time(
    harness: BotHarness,
) -> None:
    harness.clock.set(START - timedelta(hours=7))
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    [last] = edits(await tick(harness, timedelta(hours=6)), ORGANIZER_ID)
    assert last.message_id == message_id
    assert last.text.endswith("больше не обновляется. Открыть снова — /live.")
    assert live(harness).open_boards == []


async def test_shutdown_says_updates_stopped(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    message_id, _ = await open_board(harness.user(ORGANIZER_ID))
    later(harness)
    await live(harness).shutdown()
    [last] = all_edits(harness, ORGANIZER_ID)
    assert last.message_id == message_id and "бот перезапускается" in last.text
    await check_in_with_button(harness, 2001)
    assert edits(await tick(harness), ORGANIZER_ID) == []


async def test_someone_removed_from_the_team_stops_seeing_it(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    await add_organizer(harness, VIEWER, OrganizerRole.VIEWER)
    await open_board(harness.user(VIEWER))
    async with harness.session_factory() as session:
        await session.execute(delete(Organizer).where(Organizer.user_id == VIEWER))
        await session.commit()
    [last] = edits(await tick(harness), VIEWER)
    assert "больше нет доступа" in last.text and last.reply_markup is None
    assert live(harness).open_boards == []


# --- several watchers --------------------------------------------------------------------------


async def test_two_organizers_and_a_viewer_share_one_count_per_tick(harness: BotHarness) -> None:
    await register(harness, PEOPLE)
    await add_organizer(harness, SECOND_ORGANIZER, OrganizerRole.ORGANIZER)
    await add_organizer(harness, VIEWER, OrganizerRole.VIEWER)
    counted: list[int] = []

    async def counting(session: AsyncSession, eid: int, places: Sequence[str]) -> LiveCounts:
        counted.append(eid)
        return await live_counts(session, eid, places)

    live(harness).count = counting
    watchers = {
        ORGANIZER_ID: harness.user(ORGANIZER_ID, "ru"),
        SECOND_ORGANIZER: harness.user(SECOND_ORGANIZER, "ru"),
        VIEWER: harness.user(VIEWER, "zh"),
    }
    boards = {user_id: (await open_board(user))[0] for user_id, user in watchers.items()}
    assert "实时签到情况" in watchers[VIEWER].last()
    counted.clear()

    await check_in_with_button(harness, 2001)
    sent = await tick(harness)
    assert len(counted) == 1  # one count for the three boards
    for user_id, message_id in boards.items():
        [edit] = edits(sent, user_id)
        assert edit.message_id == message_id
    assert "已签到：1/4（25%）" in edits(sent, VIEWER)[0].text
    assert "• 线上：1/3" in edits(sent, VIEWER)[0].text
    assert "（莫斯科时间10:30）Иванов Иван，按钮签到" in edits(sent, VIEWER)[0].text

    # The viewer stops theirs; the others go on.
    later(harness)
    await watchers[VIEWER].press(STOP, boards[VIEWER])
    await check_in_with_button(harness, 2002)
    counted.clear()
    sent = await tick(harness)
    assert len(counted) == 1
    assert edits(sent, VIEWER) == []
    assert len(edits(sent, ORGANIZER_ID)) == len(edits(sent, SECOND_ORGANIZER)) == 1


async def test_nothing_is_counted_while_no_board_is_open(harness: BotHarness) -> None:
    counted: list[int] = []

    async def counting(session: AsyncSession, eid: int, places: Sequence[str]) -> LiveCounts:
        counted.append(eid)
        return await live_counts(session, eid, places)

    live(harness).count = counting
    await tick(harness)
    assert counted == []


async def test_a_viewer_has_live_in_the_menu(harness: BotHarness) -> None:
    await add_organizer(harness, VIEWER, OrganizerRole.VIEWER)
    viewer = harness.user(VIEWER, "ru")
    await viewer.send("/admin")
    menu = viewer.messages()[-1].method.reply_markup
    assert isinstance(menu, InlineKeyboardMarkup)
    await viewer.click("Присутствие")
    assert "Присутствие в реальном времени" in viewer.last()
    assert has_stop_button(viewer.messages()[-1].method.reply_markup)


async def test_live_does_not_exist_for_others(harness: BotHarness) -> None:
    user = harness.user(1)
    await user.send("/live")
    assert user.last() == harness.i18n("ru")("unknown-command")
    assert live(harness).open_boards == []
