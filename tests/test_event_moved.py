"""Moving an event from /event: the organizer sees who will be told before confirming; every
active registrant (Telegram, e-mail) and every class (its group, or its teacher's chat) is told
the new time once, in their language, in Moscow and Beijing time, with a calendar file of the
same UID and a higher SEQUENCE; a restart or a second replica sends nothing twice, a move back
sends again; reminders sent for the old time come again at the new one, once; and the
validator's refusals reach organizers in their language."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from sqlalchemy import insert, select

from bot.services.delivery.mail.config import parse_sender, parse_smtp_url
from bot.services.delivery.mail.pacer import MailPacer
from bot.services.delivery.mail.transport import SmtpTransport
from bot.services.delivery.replicas import Replica
from bot.services.events.settings import apply_stored_overrides, change_event
from bot.services.mailing.links import MailLinks
from bot.services.mailing.outbox import MailOutbox, MailSender
from bot.services.registration.registrations import sync_events
from bot.services.reminders.calendar import event_ics
from bot.services.reminders.moved import MovedNotices, moved_kind, worth_repeating
from bot.services.reminders.planner import slots_for
from db.models import (
    AuditEntry,
    DeliverVia,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EventRow,
    Registration,
    RegistrationSource,
    SchoolClass,
    User,
)
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, catalog_of, make_event, strip_tags
from tests.smtp_server import SmtpTestServer, running_smtp
from tests.test_mail_reminders import person

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 15:00 in Beijing
WEEK_LATER = START + timedelta(days=7)
SLUG = "victory-2025"
LINK = "https://voov.example/j/123"


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [make_event(starts_at=START, meeting={"link": LINK})]


def organizer(harness: BotHarness, lang: str = "ru") -> FakeUser:
    return harness.user(ORGANIZER_ID, lang)


def notices(harness: BotHarness) -> MovedNotices:
    moved: MovedNotices = harness.dp["moved"]
    return moved


def documents(harness: BotHarness, chat_id: int, since: int = 0) -> list[SendDocument]:
    """The calendar files a chat received (refused ones do not count)."""
    return [
        s.method
        for s in harness.session.sent[since:]
        if isinstance(s.method, SendDocument)
        and int(s.method.chat_id) == chat_id
        and not isinstance(s.result, Exception)
    ]


def ics_of(document: SendDocument) -> str:
    file = document.document
    assert isinstance(file, BufferedInputFile)
    return file.data.decode()


async def move(org: FakeUser, moment: str, *, confirm: bool = True) -> str:
    """/event, Move the event, the new start: the confirmation screen's text."""
    labels = {"ru": ("Перенести мероприятие", "Подтвердить"), "zh": ("活动改期", "确认")}
    move_label, confirm_label = labels["zh" if org.tg.language_code == "zh" else "ru"]
    await org.send("/event")
    await org.click(move_label)
    await org.send(moment)
    check = strip_tags(org.last())
    if confirm:
        await org.click(confirm_label)
    return check


def report_of(org: FakeUser) -> str:
    """The organizer's report on a notice (it comes when the notice is done)."""
    reports = [strip_tags(t) for t in org.texts() if "о новом времени разослано" in t]
    return reports[-1] if reports else ""


async def audit(harness: BotHarness) -> list[AuditEntry]:
    async with harness.session_factory() as session:
        return list((await session.scalars(select(AuditEntry))).all())


async def registration_id(harness: BotHarness, user_id: int) -> int:
    async with harness.session_factory() as session:
        found = await session.scalar(select(Registration.id).where(Registration.user_id == user_id))
        assert found is not None
        return found


# --- the organizer's dialogue and the participants' notice -----------------------------------


async def test_a_move_tells_every_participant_once_in_their_language(harness: BotHarness) -> None:
    ru, zh = harness.user(1, "ru"), harness.user(2, "zh")
    await register(ru)
    await register(zh, "zh")
    org = organizer(harness)
    mark = len(harness.session.sent)

    check = await move(org, "2025-09-10 10:00")
    # Before confirming: the old and the new time, and who is told how.
    assert "Было:" in check and "3 сентября 2025 г., 10:00–13:00" in check
    assert "Станет:" in check and "10 сентября 2025 г., 10:00–13:00" in check
    assert "в Telegram — участников: 2" in check
    assert documents(harness, 1, mark) == []  # nothing before the confirmation

    await notices(harness).wait()
    [to_ru] = documents(harness, 1, mark)
    [to_zh] = documents(harness, 2, mark)
    assert to_ru.caption is not None and to_zh.caption is not None
    ru_text, zh_text = strip_tags(to_ru.caption), strip_tags(to_zh.caption)
    assert "Изменилось время проведения" in ru_text
    assert "10 сентября 2025 г., 10:00–13:00 по московскому времени" in ru_text
    assert "15:00–18:00 по пекинскому времени" in ru_text
    # Beijing time first for a Chinese reader.
    assert "活动时间已调整" in zh_text
    assert zh_text.index("北京时间") < zh_text.index("莫斯科时间")
    assert "2025年9月10日 15:00—18:00（北京时间）" in zh_text
    for document in (to_ru, to_zh):
        ics = ics_of(document)
        assert "UID:victory-2025@victory-conference-bot" in ics
        assert "SEQUENCE:1" in ics and "DTSTART:20250910T070000Z" in ics
    # The organizer's report, and the move in the audit log with the old times.
    assert "доставлено в Telegram: 2" in report_of(org)
    [entry] = [a for a in await audit(harness) if a.action == "move_event"]
    assert entry.actor_id == ORGANIZER_ID
    assert entry.details["previous"]["starts_at"] == START.isoformat()

    # The scheduler's next look finds nobody left.
    await notices(harness).resume()
    assert len(documents(harness, 1, mark)) == 1 and len(documents(harness, 2, mark)) == 1

    # Moved back: a new notice (a new SEQUENCE), once more each.
    await move(org, "2025-09-03 10:00")
    await notices(harness).wait()
    assert len(documents(harness, 1, mark)) == 2 and len(documents(harness, 2, mark)) == 2
    assert "SEQUENCE:2" in ics_of(documents(harness, 1, mark)[-1])
    assert "DTSTART:20250903T070000Z" in ics_of(documents(harness, 2, mark)[-1])


async def test_the_confirmation_can_be_cancelled(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = organizer(harness)
    mark = len(harness.session.sent)
    await move(org, "2025-09-10 10:00", confirm=False)
    await org.send("да")  # a text instead of a button
    assert "кнопк" in org.last()
    await org.click("Отмена")
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START and event.calendar_sequence == 0
    assert documents(harness, 1, mark) == []
    assert [a.action for a in await audit(harness)] == []


async def test_without_registrants_a_change_is_saved_at_once(harness: BotHarness) -> None:
    """A typo fixed before anyone registered: nobody to tell, nothing to confirm."""
    org = organizer(harness)
    await org.send("/event")
    await org.click("Изменить окончание")
    await org.send("2025-09-03 14:00")
    assert "Сохранено" in org.texts()[-2]
    event = harness.catalog.get(SLUG)
    assert event is not None and event.ends_at == START + timedelta(hours=4)
    # Still one more SEQUENCE: a calendar file downloaded before is replaced.
    assert event.calendar_sequence == 1


async def test_the_same_time_again_changes_nothing(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = organizer(harness)
    await org.send("/event")
    await org.click("Изменить начало")
    await org.send("2025-09-03 10:00")
    assert "менять нечего" in org.last()
    event = harness.catalog.get(SLUG)
    assert event is not None and event.calendar_sequence == 0


# --- times in the past ---------------------------------------------------------------------------


async def test_an_event_not_over_cannot_be_moved_into_the_past(harness: BotHarness) -> None:
    """Today is 20 August 2025: 1 August would end the event at once, silently. Refused, with
    what was understood and the time now; the organizer types again."""
    await register(harness.user(1))
    org = organizer(harness)
    mark = len(harness.session.sent)
    await org.send("/event")
    await org.click("Перенести мероприятие")
    await org.send("2025-08-01 10:00")
    refusal = strip_tags(org.last())
    assert "Не сохранено: это время уже прошло" in refusal
    assert "Вы указали:\n🇷🇺 1 августа 2025 г., 10:00 МСК" in refusal
    assert "Сейчас:\n🇷🇺 20 августа 2025 г., 12:00 МСК" in refusal
    assert "Сохранено" not in refusal
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START and event.calendar_sequence == 0
    assert [a.action for a in await audit(harness)] == []
    # Still asked: a time ahead goes on to the usual confirmation.
    await org.send("10.09 10:00")
    assert "Станет:" in org.last() and "10 сентября 2025 г., 10:00–13:00" in strip_tags(org.last())
    await org.click("Подтвердить")
    await notices(harness).wait()
    assert len(documents(harness, 1, mark)) == 1


@pytest.mark.parametrize("label", ["Изменить начало", "Изменить окончание"])
async def test_a_start_or_an_end_in_the_past_is_refused_even_with_nobody_registered(
    harness: BotHarness, label: str
) -> None:
    org = organizer(harness)
    await org.send("/event")
    await org.click(label)
    await org.send("19.08.2025 10:00")
    assert "это время уже прошло" in org.last()
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START and event.calendar_sequence == 0


async def test_an_event_that_is_over_has_its_times_corrected_after_a_warning(
    harness: BotHarness,
) -> None:
    """After the event: the real start was 10:30 (history, e.g. for attendance). Asked first,
    saying that nobody is told; nobody is."""
    await register(harness.user(1))
    harness.clock.set(START + timedelta(days=1))
    org = organizer(harness)
    mark = len(harness.session.sent)
    await org.send("/event")
    await org.click("Изменить начало")
    await org.send("03.09.2025 10:30")
    check = strip_tags(org.last())
    assert "Мероприятие уже прошло" in check and "Участникам ничего не сообщим" in check
    assert "3 сентября 2025 г., 10:30–13:00" in check
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START  # nothing before the confirmation
    await org.click("Подтвердить")
    assert "Участникам ничего не отправлено" in org.texts()[-2]
    await notices(harness).wait()
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START + timedelta(minutes=30)
    assert harness.session.sent[mark:] and documents(harness, 1, mark) == []
    assert all(int(getattr(s.method, "chat_id", 0)) != 1 for s in harness.session.sent[mark:])
    assert [a.action for a in await audit(harness)] == ["set_starts_at"]


async def test_a_chinese_organizer_types_beijing_time(harness: BotHarness) -> None:
    await register(harness.user(1))
    org = organizer(harness, "zh")
    check = await move(org, "2025年9月10日 15:00", confirm=False)
    assert "2025年9月10日 15:00—18:00（北京时间）" in check
    assert "2025年9月10日 10:00—13:00（莫斯科时间）" in check
    await org.click("确认")
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == WEEK_LATER
    # With its zone named, Moscow time.
    check = await move(org, "2025年9月3日 10:00（莫斯科时间）")
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START


async def test_the_saved_time_is_echoed_in_both_zones(harness: BotHarness) -> None:
    org = organizer(harness, "zh")
    await org.send("/event")
    await org.click("修改结束时间")
    await org.send("9月3日 19:00")
    echo = strip_tags(org.texts()[-2])
    beijing, moscow = "2025年9月3日 19:00（北京时间）", "2025年9月3日 14:00（莫斯科时间）"
    assert echo.index(beijing) < echo.index(moscow)
    event = harness.catalog.get(SLUG)
    assert event is not None and event.ends_at == START + timedelta(hours=4)


async def test_the_sequence_survives_a_restart_and_every_calendar_file_carries_it(
    harness: BotHarness,
) -> None:
    await register(harness.user(1))
    await move(organizer(harness), "2025-09-10 10:00")
    await notices(harness).wait()
    fresh = catalog_of(make_event(starts_at=START, meeting={"link": LINK}))
    async with harness.session_factory() as session:
        await apply_stored_overrides(session, fresh)
    restored = fresh.get(SLUG)
    assert restored is not None and restored.calendar_sequence == 1
    assert restored.starts_at == WEEK_LATER
    ics = event_ics(restored, lang="ru", description="", location="", url=None, now=START)
    assert b"SEQUENCE:1" in ics
    # A participant registering now gets the new time's file from the confirmation itself.
    newcomer = harness.user(3)
    mark = len(harness.session.sent)
    await register(newcomer)
    [confirmation] = documents(harness, 3, mark)
    assert "SEQUENCE:1" in ics_of(confirmation)


# --- a move made in the events file ----------------------------------------------------------


async def restart_with_file(harness: BotHarness, starts_at: datetime) -> None:
    """The organizer edits events.toml and restarts: the start-up mirrors the file and applies
    what was set from the chat (bot/app.py prepare_database), and the notices look again."""
    edited = catalog_of(make_event(starts_at=starts_at, meeting={"link": LINK}))
    async with harness.session_factory() as session:
        await sync_events(session, edited, harness.clock)
        await apply_stored_overrides(session, edited)
    event = edited.get(SLUG)
    assert event is not None
    harness.catalog.replace(event)  # the restarted process's catalog
    await notices(harness).resume()


async def test_a_start_moved_in_the_events_file_is_told_as_from_the_chat(
    harness: BotHarness,
) -> None:
    ru, zh = harness.user(1, "ru"), harness.user(2, "zh")
    await register(ru)
    await register(zh, "zh")
    mark = len(harness.session.sent)

    await restart_with_file(harness, WEEK_LATER)
    [to_ru] = documents(harness, 1, mark)
    [to_zh] = documents(harness, 2, mark)
    assert to_ru.caption is not None and "Изменилось время проведения" in to_ru.caption
    assert to_zh.caption is not None and "活动时间已调整" in to_zh.caption
    for document in (to_ru, to_zh):
        ics = ics_of(document)
        assert "SEQUENCE:1" in ics and "DTSTART:20250910T070000Z" in ics
    [entry] = [a for a in await audit(harness) if a.action == "move_event_file"]
    assert entry.actor_id == 0 and entry.details["previous"]["starts_at"] == START.isoformat()
    org = organizer(harness)
    await org.send("/audit")
    assert "файл мероприятий (events.toml) — Перенос мероприятия (в файле)" in strip_tags(
        org.last()
    )

    # Started again with the same file: nothing new; a newcomer's calendar file has the move.
    await restart_with_file(harness, WEEK_LATER)
    assert len(documents(harness, 1, mark)) == 1 and len(documents(harness, 2, mark)) == 1
    newcomer = harness.user(3)
    since = len(harness.session.sent)
    await register(newcomer)
    [confirmation] = documents(harness, 3, since)
    assert "SEQUENCE:1" in ics_of(confirmation)

    # Moved back in the file: told again, a new SEQUENCE.
    await restart_with_file(harness, START)
    assert "SEQUENCE:2" in ics_of(documents(harness, 1, mark)[-1])
    assert len(documents(harness, 3, since)) == 2


async def test_the_file_no_longer_moves_an_event_moved_from_the_chat(
    harness: BotHarness,
) -> None:
    """The chat's times win over the file's: editing the file afterwards tells nobody again."""
    await register(harness.user(1))
    await move(organizer(harness), "2025-09-10 10:00")
    await notices(harness).wait()
    mark = len(harness.session.sent)
    await restart_with_file(harness, START + timedelta(days=3))
    assert documents(harness, 1, mark) == []
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == WEEK_LATER and event.calendar_sequence == 1


async def test_a_past_event_corrected_in_the_file_tells_nobody(harness: BotHarness) -> None:
    await register(harness.user(1))
    harness.clock.set(START + timedelta(days=1))
    mark = len(harness.session.sent)
    await restart_with_file(harness, START + timedelta(hours=1))
    assert documents(harness, 1, mark) == []
    assert [a for a in await audit(harness) if a.action == "move_event_file"] == []


# --- restarts and replicas --------------------------------------------------------------------


async def test_a_notice_cut_by_a_restart_is_finished_and_never_doubled(
    harness: BotHarness,
) -> None:
    await register(harness.user(1))
    await register(harness.user(2))
    event = harness.catalog.get(SLUG)
    assert event is not None
    kind = moved_kind(
        event.model_copy(
            update={"starts_at": WEEK_LATER, "ends_at": WEEK_LATER + timedelta(hours=3)}
            | {"calendar_sequence": 1}
        )
    )
    # A replica killed mid-wave left participant 2 claimed and not sent.
    now = harness.clock.now()
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        await session.execute(
            insert(Delivery).values(
                registration_id=await registration_id(harness, 2),
                event_id=event_id,
                kind=kind,
                channel=DeliveryChannel.TELEGRAM,
                status=DeliveryStatus.CLAIMED,
                claimed_by="killed-replica",
                created_at=now,
            )
        )
        await session.commit()
    mark = len(harness.session.sent)
    await move(organizer(harness), "2025-09-10 10:00")
    await notices(harness).wait()
    assert len(documents(harness, 1, mark)) == 1
    assert documents(harness, 2, mark) == []  # claimed by the other replica
    # The restarted bot's first look: the killed replica's claim is taken over.
    restarted = MovedNotices.of(harness.reminders)
    await restarted.resume()
    await restarted.resume()
    assert len(documents(harness, 1, mark)) == 1 and len(documents(harness, 2, mark)) == 1


async def test_two_replicas_send_each_notice_once(harness: BotHarness) -> None:
    for n in range(1, 7):
        await register(harness.user(n))
    async with harness.session_factory() as session:
        await change_event(
            session,
            harness.catalog,
            harness.clock,
            slug=SLUG,
            changes={"starts_at": WEEK_LATER, "ends_at": WEEK_LATER + timedelta(hours=3)},
            actor_id=ORGANIZER_ID,
            action="move_event",
        )
    mark = len(harness.session.sent)
    replicas = [
        MovedNotices(
            bot=harness.bot,
            session_factory=harness.session_factory,
            catalog=harness.catalog,
            clock=harness.clock,
            i18n=harness.i18n,
            sender=harness.sender,
            replica=Replica(harness.session_factory),
            email_on=False,
            workers=2,
        )
        for _ in range(2)
    ]
    await asyncio.gather(*(r.resume() for r in replicas))
    assert [len(documents(harness, n, mark)) for n in range(1, 7)] == [1] * 6


async def test_a_blocked_participant_is_told_after_unblocking(harness: BotHarness) -> None:
    blocked = harness.user(2)
    await register(harness.user(1))
    await register(blocked)
    harness.session.chat_failures[2] = [
        TelegramForbiddenError(
            method=SendDocument(chat_id=2, document="x"),
            message="Forbidden: bot was blocked by the user",
        )
    ]
    mark = len(harness.session.sent)
    await move(organizer(harness), "2025-09-10 10:00")
    await notices(harness).wait()
    assert documents(harness, 2, mark) == []
    report = report_of(organizer(harness))
    assert "доставлено в Telegram: 1" in report
    assert "не получили уведомления (нет ни чата с ботом, ни почты): 1" in report
    await blocked.set_blocked(False)
    await notices(harness).resume()
    assert len(documents(harness, 2, mark)) == 1


# --- classes ------------------------------------------------------------------------------------


async def add_class(
    harness: BotHarness,
    n: int,
    *,
    teacher: int | None,
    group: int | None,
    lang: str = "ru",
    name: str = "8 «Б»",
) -> None:
    now = harness.clock.now()
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id))
        if teacher is not None:
            await session.execute(
                insert(User).values(id=teacher, language=lang, created_at=now, updated_at=now)
            )
        session.add(
            SchoolClass(
                code=f"C{n}",
                event_id=event_id,
                teacher_id=teacher,
                language=lang,
                name=name,
                declared_size=20,
                consent_at=now,
                consent_version="test",
                source=RegistrationSource.BOT if teacher else RegistrationSource.WEB,
                group_chat_id=group,
                group_title="8 Б" if group else None,
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()


async def test_every_class_is_told_in_its_group_or_its_teachers_chat(
    harness: BotHarness,
) -> None:
    await add_class(harness, 1, teacher=501, group=-100)
    await add_class(harness, 2, teacher=502, group=None, lang="zh", name="初二（3）班")
    await add_class(harness, 3, teacher=503, group=-300)  # the bot was removed from this group
    await add_class(harness, 4, teacher=None, group=None)  # registered on the web page
    harness.session.chat_failures[-300] = [
        TelegramForbiddenError(
            method=SendDocument(chat_id=-300, document="x"),
            message="Forbidden: bot was kicked from the group chat",
        )
    ]
    org = organizer(harness)
    mark = len(harness.session.sent)
    check = await move(org, "2025-09-10 10:00")
    assert "классов (в группе класса или в личном чате педагога): 3" in check
    assert "Не получится сообщить классам: 1" in check
    await notices(harness).wait()

    [group] = documents(harness, -100, mark)
    assert group.caption is not None and "Класс: 8 «Б»" in strip_tags(group.caption)
    assert documents(harness, 501, mark) == []  # the group has it: not the teacher too
    [teacher] = documents(harness, 502, mark)
    assert teacher.caption is not None and "班级：初二（3）班" in strip_tags(teacher.caption)
    assert "SEQUENCE:1" in ics_of(teacher)
    # The group refused: unbound, and the class is told in its teacher's chat, with why the
    # class's messages come there from now on (as the reminders' classes tell it).
    assert len(documents(harness, 503, mark)) == 1
    told = [
        strip_tags(s.method.text)
        for s in harness.session.sent[mark:]
        if isinstance(s.method, SendMessage) and int(s.method.chat_id) == 503
    ]
    t = harness.i18n("ru")
    assert len(told) == 1 and t("reminder-class-to-teacher") in told[0]
    async with harness.session_factory() as session:
        lost = await session.scalar(select(SchoolClass).where(SchoolClass.code == "C3"))
        assert lost is not None and lost.group_chat_id is None
    assert "классам: 3" in report_of(org)
    await notices(harness).resume()
    assert [len(documents(harness, c, mark)) for c in (-100, 502, 503)] == [1, 1, 1]


# --- e-mail ----------------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp() as server:
        yield server


async def test_letters_with_the_calendar_file_go_to_usable_addresses(
    harness: BotHarness, smtp: SmtpTestServer
) -> None:
    both = await person(harness, 1)
    await person(harness, 2, lang="zh", chat=False)  # a web registration: e-mail only
    await person(harness, 3, confirmed=False)  # Telegram only: the address is unconfirmed
    await person(harness, 4, bounced=True)
    await person(harness, 5, via=DeliverVia.TELEGRAM)  # chose Telegram, which reaches them
    await person(harness, 6, email_muted=True)  # muted reminders: a new time is no reminder
    await person(harness, 7, blocked=True, chat=True, confirmed=False)  # nobody can reach
    sender = parse_sender("Наша общая Победа <noreply@example.org>")
    server = parse_smtp_url(f"smtp://{smtp.host}:{smtp.port}")
    mail = MailSender(SmtpTransport(server, sender.address), MailPacer(10_000), sender)
    replica = Replica(harness.session_factory)
    moved = MovedNotices(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
        replica=replica,
        email_on=True,
    )
    reach = await moved.reach(SLUG)
    assert reach is not None
    assert (reach.telegram, reach.email, reach.people_unreachable) == (5, 3, 1)
    async with harness.session_factory() as session:
        await change_event(
            session,
            harness.catalog,
            harness.clock,
            slug=SLUG,
            changes={"starts_at": WEEK_LATER, "ends_at": WEEK_LATER + timedelta(hours=3)},
            actor_id=ORGANIZER_ID,
            action="move_event",
        )
    await moved.run(SLUG)
    await moved.run(SLUG)  # queued once
    outbox = MailOutbox(
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=mail,
        links=MailLinks("https://conf.example.org", b"a-lasting-secret-of-the-tests"),
        replica=replica,
        pending_days=7,
    )
    try:
        while await outbox.run_once():
            pass
    finally:
        await mail.close()
    # Confirmed and not bounced, muted or not, unless Telegram alone was chosen and reaches.
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [f"p{n}@example.org" for n in (1, 2, 6)]
    [zh] = [r.message for r in smtp.received if r.rcpt_tos == ["p2@example.org"]]
    assert zh["Subject"].startswith("时间调整：")
    body = zh.get_body(("plain",))
    assert body is not None and "2025年9月10日 15:00—18:00（北京时间）" in body.get_content()
    [calendar] = [p for p in zh.iter_attachments() if p.get_content_type() == "text/calendar"]
    ics = calendar.get_content()
    ics = ics if isinstance(ics, str) else ics.decode()
    assert "SEQUENCE:1" in ics and "DTSTART:20250910T070000Z" in ics
    async with harness.session_factory() as session:
        rows = (
            await session.scalars(
                select(Delivery).where(
                    Delivery.kind.startswith("moved-"), Delivery.channel == DeliveryChannel.EMAIL
                )
            )
        ).all()
    assert both in {r.registration_id for r in rows}
    assert [r.status for r in rows] == [DeliveryStatus.SENT] * 3
    # Telegram went to those it reaches and who did not choose e-mail alone.
    told = {
        int(s.method.chat_id) for s in harness.session.sent if isinstance(s.method, SendDocument)
    }
    assert told == {1, 3, 4, 5, 6}
    await moved.stop()


# --- reminders after a move ---------------------------------------------------------------------


def reminders_to(harness: BotHarness, chat_id: int, since: int = 0) -> list[str]:
    return [
        strip_tags(s.method.text)
        for s in harness.session.sent[since:]
        if isinstance(s.method, SendMessage)
        and int(s.method.chat_id) == chat_id
        and ("Напоминание" in s.method.text or "начинается прямо сейчас" in s.method.text)
    ]


async def at(harness: BotHarness, moment: datetime) -> None:
    harness.clock.set(moment)
    await harness.reminders.run_due()


async def test_reminders_follow_the_new_time_without_repeats(harness: BotHarness) -> None:
    await register(harness.user(1))
    mark = len(harness.session.sent)
    await at(harness, START - timedelta(days=1))
    assert len(reminders_to(harness, 1, mark)) == 1  # the day before the old time
    # Moved a week later: the day-before reminder comes again, the day before the new time.
    await move(organizer(harness), "2025-09-10 10:00")
    await notices(harness).wait()
    await at(harness, START - timedelta(hours=1))  # the old hour-before: nothing
    await at(harness, START)
    assert len(reminders_to(harness, 1, mark)) == 1
    await at(harness, WEEK_LATER - timedelta(days=1))
    await at(harness, WEEK_LATER - timedelta(days=1) + timedelta(minutes=5))
    texts = reminders_to(harness, 1, mark)
    assert len(texts) == 2 and "10 сентября 2025 г., 10:00 МСК" in texts[-1]
    await at(harness, WEEK_LATER - timedelta(hours=1))
    await at(harness, WEEK_LATER - timedelta(minutes=10))
    await at(harness, WEEK_LATER)
    assert len(reminders_to(harness, 1, mark)) == 5


async def test_a_small_move_after_a_reminder_does_not_repeat_it(harness: BotHarness) -> None:
    await register(harness.user(1))
    mark = len(harness.session.sent)
    await at(harness, START - timedelta(days=1))
    # Half an hour later, ten minutes after the day-before reminder: the notice says it all.
    harness.clock.set(START - timedelta(days=1) + timedelta(minutes=10))
    await move(organizer(harness), "2025-09-03 10:30")
    await notices(harness).wait()
    new_start = START + timedelta(minutes=30)
    await at(harness, new_start - timedelta(days=1))
    await at(harness, new_start - timedelta(hours=1))
    texts = reminders_to(harness, 1, mark)
    assert len(texts) == 2 and "10:30 МСК" in texts[-1]


def test_which_sent_reminders_are_worth_repeating() -> None:
    [event] = list(catalog_of(make_event(starts_at=WEEK_LATER)))
    day, hour, ten, start = slots_for(event)
    now = WEEK_LATER - timedelta(days=2)
    assert worth_repeating(day, now) and worth_repeating(start, now)
    assert not worth_repeating(day, WEEK_LATER - timedelta(days=1, minutes=20))
    assert worth_repeating(ten, WEEK_LATER - timedelta(minutes=30))
    assert not worth_repeating(hour, WEEK_LATER)  # past


# --- validator messages in the organizer's language --------------------------------------------


@pytest.mark.parametrize(
    ("lang", "labels", "refusal"),
    [
        (
            "ru",
            ("Изменить окончание", "Изменить начало"),
            "Не сохранено: окончание должно быть позже начала.",
        ),
        ("zh", ("修改结束时间", "修改开始时间"), "未保存：结束时间必须晚于开始时间。"),
    ],
)
async def test_an_end_before_the_start_is_refused_in_the_organizers_language(
    harness: BotHarness, lang: str, labels: tuple[str, str], refusal: str
) -> None:
    org = organizer(harness, lang)
    # A Chinese organizer types Beijing time: the same moments, five hours later on the clock.
    hours = 0 if lang == "ru" else 5
    await org.send("/event")
    await org.click(labels[0])
    await org.send(f"2025-09-03 {9 + hours:02}:00")  # before the start (10:00 in Moscow)
    assert strip_tags(org.last()).startswith(refusal)
    assert not re.search(r"ends_at|starts_at|must be|Value error", org.last())
    await org.click(labels[1])
    await org.send(f"2025-09-03 {14 + hours:02}:00")  # after the end: moving both is named
    assert strip_tags(org.last()).startswith(refusal)
    assert ("Перенести мероприятие" if lang == "ru" else "活动改期") in org.last()
    event = harness.catalog.get(SLUG)
    assert event is not None and event.starts_at == START and event.calendar_sequence == 0
