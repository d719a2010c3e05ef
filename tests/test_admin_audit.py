"""/audit: the organizers' actions, newest first, paged in place, in words, in both time zones."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, SharedUser, UsersShared
from sqlalchemy import select

from bot.i18n import I18n
from db.models import AuditEntry, Organizer, OrganizerRole
from db.repositories import AuditRepository
from handlers.admin.team import PICK_REQUEST
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, strip_tags
from tests.test_admin_team import add_organizer, tap

REPO = Path(__file__).resolve().parent.parent


async def record(harness: BotHarness, count: int, action: str = "stats", **details: object) -> None:
    """`count` entries a minute apart, numbered in their details."""
    async with harness.session_factory() as session:
        for i in range(count):
            harness.clock.advance(timedelta(minutes=1))
            AuditRepository(session).record(
                ORGANIZER_ID, action, harness.clock.now(), details={"n": i + 1, **details}
            )
        await session.commit()


def last_view(harness: BotHarness, user: FakeUser) -> SendMessage | EditMessageText:
    for s in reversed(harness.session.sent):
        m = s.method
        if isinstance(m, (SendMessage, EditMessageText)) and m.chat_id == user.id:
            return m
    raise AssertionError("nothing shown")


def numbers(text: str) -> list[int]:
    """The entries shown, by the number `record` put in their details."""
    return [int(n) for n in re.findall(r"· n: (\d+)", strip_tags(text))]


async def test_an_empty_log(harness: BotHarness) -> None:
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/audit")
    assert "Журнал пока пуст" in boss.last()


async def test_real_actions_in_words_in_the_readers_language(harness: BotHarness) -> None:
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/stats")
    await boss.send("/team")
    await tap(harness, boss, "Добавить")
    shared = SharedUser(user_id=501, first_name="<i>Хакер</i>", username="hacker")
    await boss._feed_message(users_shared=UsersShared(request_id=PICK_REQUEST, users=[shared]))
    await tap(harness, boss, "Только просмотр")
    # The viewer reads the log, in Chinese: Beijing time first, the actions in words.
    viewer = harness.user(501, "zh")
    await viewer.send("/audit")
    text = viewer.last()
    assert "第1页，共1页" in text
    plain = strip_tags(text)
    stats_zh = harness.i18n("zh")("audit-action-stats")
    assert plain.index("加入主办方团队") < plain.index(stats_zh)  # newest first
    assert "2025年8月20日 17:00（北京时间），莫斯科时间12:00" in plain
    assert "<code>9000</code>：加入主办方团队" in text
    assert "· 姓名：&lt;i&gt;Хакер&lt;/i&gt;" in text  # what was typed comes back escaped
    assert "· 权限：只读" in text and "· 活动：" in text
    # The same log in Russian.
    await boss.send("/audit")
    plain = strip_tags(boss.last())
    assert "9000 — добавление в команду организаторов" in plain
    assert f"9000 — {harness.i18n('ru')('audit-action-stats')}" in plain
    assert "20 августа 2025 г., 12:00 МСК (17:00 по пекинскому времени)" in plain


async def test_pages_turn_in_place_and_hold_still_while_others_work(harness: BotHarness) -> None:
    await record(harness, 20)
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/audit")
    first = boss.last()
    assert "Страница 1 из 3" in first and numbers(first) == list(range(20, 12, -1))
    sent_before = len([s for s in harness.session.sent if isinstance(s.method, SendMessage)])
    await tap(harness, boss, "Раньше")
    view = last_view(harness, boss)
    assert isinstance(view, EditMessageText)  # the same message, edited
    assert "Страница 2 из 3" in view.text and numbers(view.text) == list(range(12, 4, -1))
    await record(harness, 3)  # someone keeps working: the pages do not shift
    await tap(harness, boss, "Раньше")
    view = last_view(harness, boss)
    assert numbers(view.text) == [4, 3, 2, 1]
    assert isinstance(view.reply_markup, InlineKeyboardMarkup)
    labels = [b.text for row in view.reply_markup.inline_keyboard for b in row]
    assert "Раньше ▶" not in labels and "◀ Новее" in labels
    await tap(harness, boss, "Новее")
    assert numbers(last_view(harness, boss).text)[0] == 12
    await tap(harness, boss, "Обновить")
    view = last_view(harness, boss)
    assert "Страница 1 из 3" in view.text and numbers(view.text)[:4] == [3, 2, 1, 20]
    sent_after = len([s for s in harness.session.sent if isinstance(s.method, SendMessage)])
    assert sent_after == sent_before  # paging sent no new message


async def test_unknown_actions_and_details_are_shown_raw_and_escaped(harness: BotHarness) -> None:
    async with harness.session_factory() as session:
        AuditRepository(session).record(
            ORGANIZER_ID,
            "something_new",
            harness.clock.now(),
            details={
                "note": "<script>x</script>",
                "starts_at": "2025-09-03T07:00:00+00:00",
                "previous": {"starts_at": "2025-09-03T06:00:00+00:00"},
                "format": "xlsx",
            },
        )
        await session.commit()
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/audit")
    text = boss.last()
    assert "<code>something_new</code>" in text
    assert "· note: &lt;script&gt;x&lt;/script&gt;" in text
    assert "· начало: 3 сентября 2025 г., 10:00 МСК" in strip_tags(text)  # not an ISO string
    assert "· было (начало): 3 сентября 2025 г., 09:00 МСК" in strip_tags(text)
    assert "· формат: XLSX" in text


async def test_a_page_of_long_details_stays_within_telegrams_limit(harness: BotHarness) -> None:
    await record(harness, 8, a="x" * 300, b="y" * 300, c="z" * 300, d="w" * 300, e="v" * 300)
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/audit")
    stats = harness.i18n("ru")("audit-action-stats")
    assert len(boss.last()) <= 4096 and boss.last().count(stats) == 8


async def test_viewers_read_the_log_too(harness: BotHarness) -> None:
    await add_organizer(harness, 501, OrganizerRole.VIEWER)
    await record(harness, 1)
    viewer = harness.user(501, "ru")
    await viewer.send("/admin")
    await viewer.click("Журнал действий")
    assert harness.i18n("ru")("audit-action-stats") in viewer.last()


async def test_entries_name_answers_by_label_and_people_as_they_are_now(
    harness: BotHarness,
) -> None:
    from db.repositories import RegistrationRepository
    from tests.test_admin_find import START, add_class, add_registration

    nina = await add_registration(harness, "Орлова Нина", "nina@example.com")
    oleg = await add_registration(harness, "Кузнецов Олег", "oleg@example.com")
    class_id, (_, darya, _) = await add_class(harness)
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/find орлова")
    await boss.click("Изменить ответы")
    await boss.click("Город")
    await boss.send("Казань")
    await boss.click("Изменить ответы")
    await boss.click("Выступление")
    await boss.click("Да")
    await boss.send("Письма с фронта")
    await boss.click("Изменить ответы")
    await boss.click("ФИО")
    await boss.send("Орлова-Смирнова Нина")  # the name as it is now, in every entry
    harness.clock.set(START + timedelta(minutes=5))
    await boss.send("/find кузнецов")
    await boss.click("Отметить присутствие")
    await boss.send("/find соколова")
    await boss.click("Исправить имя")
    await boss.send("Соколова Дарья Андреевна")
    async with harness.session_factory() as session:
        await RegistrationRepository(session).erase(oleg, harness.clock.now())
        await session.commit()
        stored = [e.details for e in (await session.execute(select(AuditEntry))).scalars()]
    # The log itself keeps ids and field names only.
    assert all(set(d) <= {"registration_id", "field", "class_id", "student_id"} for d in stored)
    await boss.send("/audit")
    text = boss.last()
    plain = strip_tags(text)
    assert f"· регистрация №: {nina} (Орлова-Смирнова Нина)" in plain
    assert "· ответ: Город" in plain and "· ответ: Выступление, Тема выступления" in plain
    assert "· ответ: ФИО" in plain and "city" not in plain
    assert f"· регистрация №: {oleg} (данные удалены)" in plain
    assert f"· ученик №: {darya} (Соколова Дарья Андреевна)" in plain
    assert f"· класс №: {class_id} (8 «Б»)" in plain
    # In Chinese: the form's labels, the enumeration comma.
    async with harness.session_factory() as session:
        session.add(Organizer(user_id=9200, role="viewer", added_by=ORGANIZER_ID, added_at=START))
        await session.commit()
    reader = harness.user(9200, "zh")
    await reader.send("/audit")
    plain = strip_tags(reader.last())
    assert f"· 报名编号：{nina}（Орлова-Смирнова Нина）" in plain
    assert "· 修改项：城市" in plain and "· 修改项：发言、发言题目" in plain
    assert f"· 报名编号：{oleg}（个人信息已删除）" in plain


async def test_names_in_entries_are_escaped(harness: BotHarness) -> None:
    from tests.test_admin_find import add_registration

    hacker = await add_registration(harness, "<b>Хакер</b>", "h@example.com")
    await record(harness, 1, action="find_cancel", registration_id=hacker)
    boss = harness.user(ORGANIZER_ID, "ru")
    await boss.send("/audit")
    assert f"{hacker} (&lt;b&gt;Хакер&lt;/b&gt;)" in boss.last()


async def test_a_malformed_page_button_is_called_outdated(harness: BotHarness) -> None:
    await record(harness, 3)
    boss = harness.user(ORGANIZER_ID, "ru")
    for data in ("alog:999", "alog", "alog:x:y", "alog:1:2:3", "alog:-1:0", "alog:0:-5"):
        replies = await boss.press(data)
        answers = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
        assert [a.text for a in answers] == ["Эта кнопка уже не действует."], data
    replies = await boss.press("alog:0:0")  # a real one still works
    assert any(isinstance(r.method, EditMessageText) for r in replies)
    stranger = harness.user(42, "ru")
    replies = await stranger.press("alog:999")
    answers = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert "только для организаторов" in (answers[0].text or "")


def _recorded_actions() -> set[str]:
    """Every action name the code records, from the calls to AuditRepository.record."""
    call = re.compile(r"\.record\(\s*[\w.()\[\]\"']+,\s*(f?)\"([^\"]+)\"")
    # Names made by f-strings, spelled out: the test must be told of a new one.
    expanded = {
        "speaker_{reg.speaker_status}": {"speaker_approved", "speaker_declined"},
    }
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (REPO / folder).rglob("*.py"):
            for is_f, name in call.findall(path.read_text(encoding="utf-8")):
                if is_f:
                    assert name in expanded, f'{path}: spell out the actions of f"{name}"'
                    found |= expanded[name]
                else:
                    found.add(name)
    return found


def test_every_recorded_action_has_words_in_both_languages() -> None:
    from handlers.admin.audit import action_text

    actions = _recorded_actions() | {
        # Given to change_event (bot/services/events/settings.py) by handlers/admin/settings.py.
        "set_starts_at",
        "set_ends_at",
        "set_registration_deadline",
        "set_link",
    }
    assert {"stats", "export", "broadcast", "team-add", "team-remove"} <= actions
    for t in I18n().all():
        raw = sorted(a for a in actions if action_text(t, a).startswith("<code>"))
        assert raw == [], t.lang
