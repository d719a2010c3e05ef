"""Replacing a class's roster in /classes: the new roster is shown as the first upload shows it
(names, repeats with their rows, blank rows, the header recognised), then what changes, and
nothing changes before the teacher confirms. Pupils who joined by the link and were approved
are kept, or the preview names them as going. Both languages, through the real dispatcher."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup
from sqlalchemy import select

from bot.i18n import I18n
from bot.services.classes.roster import parse_roster_text
from db.models import Certificate, ClassStudent, SchoolClass
from handlers.class_manage import REPLACE_ACTIONS
from tests.harness import BotHarness, FakeUser, Sent, make_event, strip_tags

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
STALE = {"ru": "Эта кнопка уже не действует.", "zh": "此按钮已失效。"}


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, meeting={"link": "https://voov.example/j/class"})]


async def the_class(harness: BotHarness) -> SchoolClass:
    async with harness.session_factory() as session:
        [school_class] = (await session.execute(select(SchoolClass))).scalars().all()
        await session.refresh(school_class, ["students"])
        return school_class


def active(school_class: SchoolClass) -> list[tuple[str, int | None]]:
    return [(s.full_name, s.user_id) for s in school_class.students if s.status == "active"]


async def register(harness: BotHarness, teacher: FakeUser, lang: str, roster: str) -> None:
    ru = lang == "ru"
    await teacher.send("/class")
    details = (
        ("Петрова Анна Сергеевна", "Россия", "Хабаровск", "Школа № 5", "petrova@school5.ru")
        if ru
        else ("王老师", "中国", "哈尔滨", "哈尔滨第一中学", "wang@school.cn")
    )
    for answer in details:
        await teacher.send(answer)
    await teacher.click("Пропустить" if ru else "跳过")
    await teacher.send("8 «Б»" if ru else "初二（3）班")
    await teacher.send("25")
    await teacher.send(roster)
    await teacher.click("Список верный" if ru else "名单无误")
    await teacher.click("Даю согласие" if ru else "✅ 同意")
    await teacher.click("Зарегистрировать класс" if ru else "确认报名")


async def join_and_approve(teacher: FakeUser, pupil: FakeUser, code: str, name: str) -> None:
    await pupil.send(f"/start class_{code}")
    await pupil.send(name)
    await teacher.click("Добавить" if teacher.tg.language_code == "ru" else "同意")


async def ask_to_replace(teacher: FakeUser, lang: str = "ru") -> None:
    await teacher.send("/classes")
    await teacher.click("Заменить список" if lang == "ru" else "替换名单")


def answers(replies: list[Sent]) -> list[str]:
    return [r.method.text or "" for r in replies if isinstance(r.method, AnswerCallbackQuery)]


async def test_the_first_upload_lists_the_header_repeats_and_blank_rows(
    harness: BotHarness,
) -> None:
    teacher = harness.user(40)
    await teacher.send("/class")
    for answer in ("Петрова Анна", "Россия", "Хабаровск", "Школа № 5", "petrova@school5.ru"):
        await teacher.send(answer)
    await teacher.click("Пропустить")
    await teacher.send("8 «Б»")
    await teacher.send("25")
    # A bad row is refused by its number, and every other bad row is named too.
    await teacher.send("Иванов Иван\n5А\nR2D2\nПетров Пётр")
    refusal = teacher.last()
    assert refusal.startswith("Строка 2:") and "Проверьте также строку 3" in refusal
    await teacher.send("ФИО\n1. Иванов Иван\n2) Петров Пётр\n\nИванов Иван\nСидорова Мария")
    preview = strip_tags(teacher.last())
    assert "3 ученика" in preview
    assert "Строка 1 принята за заголовок" in preview
    assert "🔁 Иванов Иван встречается в строках 2, 5" in preview
    assert "Пустая строка 4 пропущена" in preview
    assert preview.endswith("Всё верно?")
    # A sticker while the preview waits for its buttons is told to use them.
    await teacher.send_sticker()
    assert teacher.last() == I18n()("ru")("err-use-buttons")


async def test_replacing_shows_the_preview_and_what_changes_then_waits(
    harness: BotHarness,
) -> None:
    teacher = harness.user(41)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр\nСидорова Мария")
    code = (await the_class(harness)).code
    pupil = harness.user(42)
    await join_and_approve(teacher, pupil, code, "Новикова Ольга")
    before = active(await the_class(harness))
    assert before[-1] == ("Новикова Ольга", 42)

    await ask_to_replace(teacher)
    await teacher.send("ФИО\nИванов Иван\nпетров пётр\n\nИванов Иван\nКузнецов Олег")
    preview = strip_tags(teacher.last())
    assert "3 ученика" in preview
    assert "Строка 1 принята за заголовок" in preview
    assert "🔁 Иванов Иван встречается в строках 2, 5" in preview
    assert "Пустая строка 4 пропущена" in preview
    assert "Сейчас в списке: 4" in preview
    assert "Добавятся в список: 1\n• Кузнецов Олег" in preview
    assert "Будут удалены из списка: 1\n• Сидорова Мария" in preview
    assert "сам добавился по ссылке" in preview and "• Новикова Ольга" in preview
    assert "Заменить, но оставить их" in preview
    assert preview.endswith("Заменить список класса 8 «Б»?")
    # Nothing changes before the teacher confirms.
    assert active(await the_class(harness)) == before

    replies = await teacher.click("Заменить список")
    assert teacher.last() == "✅ Список заменён, учеников: 3."
    assert any(isinstance(r.method, EditMessageReplyMarkup) for r in replies)
    # The names as the teacher wrote them, in the new order; the pupil named as going is gone.
    assert active(await the_class(harness)) == [
        ("Иванов Иван", None),
        ("петров пётр", None),
        ("Кузнецов Олег", None),
    ]
    # A second tap on the same button: answered, nothing happens twice.
    again = await teacher.click("Заменить список")
    assert answers(again) == [STALE["ru"]]
    assert len(active(await the_class(harness))) == 3


async def test_a_pupil_taken_off_the_list_is_told_in_their_language(harness: BotHarness) -> None:
    """They were told "you are on the list" when approved; their last word must not stay so."""
    teacher = harness.user(141)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    code = (await the_class(harness)).code
    zhao, olga, kept = harness.user(142, "zh"), harness.user(143), harness.user(144)
    await join_and_approve(teacher, zhao, code, "赵六")
    await join_and_approve(teacher, olga, code, "Новикова Ольга")
    await join_and_approve(teacher, kept, code, "Королёва Анна")
    assert zhao.last() == harness.i18n("zh")("class-join-approved", name="赵六")

    await ask_to_replace(teacher)
    await teacher.send("Иванов Иван\nКоролёва Анна")
    assert "赵六" in teacher.last() and "Новикова Ольга" in teacher.last()
    mark = len(kept.texts())
    await teacher.click("Заменить список")
    assert zhao.last() == "老师已将您移出班级名单：赵六。如有误，请联系老师。"
    assert olga.last().startswith("Педагог убрал вас из списка класса: Новикова Ольга.")
    assert len(kept.texts()) == mark  # still on the list: nothing to tell
    assert active(await the_class(harness)) == [("Иванов Иван", None), ("Королёва Анна", 144)]


async def test_pupils_kept_on_the_list_are_not_told(harness: BotHarness) -> None:
    teacher = harness.user(145)
    await register(harness, teacher, "ru", "Иванов Иван")
    pupil = harness.user(146, "zh")
    await join_and_approve(teacher, pupil, (await the_class(harness)).code, "赵六")
    mark = len(pupil.texts())
    await ask_to_replace(teacher)
    await teacher.send("Петров Пётр")
    await teacher.click("Заменить, но оставить их")
    assert len(pupil.texts()) == mark


async def test_pupils_who_joined_by_link_can_be_kept_and_keep_their_chat(
    harness: BotHarness,
) -> None:
    teacher = harness.user(43)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    code = (await the_class(harness)).code
    await join_and_approve(teacher, harness.user(44), code, "Королёва Анна")
    await join_and_approve(teacher, harness.user(45), code, "Новикова Ольга")
    waiting = harness.user(46)
    await waiting.send(f"/start class_{code}")
    await waiting.send("Орлов Олег")  # a request the teacher has not decided

    await ask_to_replace(teacher)
    # Королёва is in the new list (written КОРОЛЕВА АННА): still the pupil who joined.
    await teacher.send("Петров Пётр\nКОРОЛЕВА АННА\nСмирнов Илья")
    preview = strip_tags(teacher.last())
    assert "Будут удалены из списка: 1\n• Иванов Иван" in preview
    assert "• Новикова Ольга" in preview and "Королёва" not in preview
    assert "ждут вашего подтверждения, сохранятся: 1" in preview
    await teacher.click("Заменить, но оставить их")
    assert teacher.last() == "✅ Список заменён, учеников: 4."
    school_class = await the_class(harness)
    assert active(school_class) == [
        ("Петров Пётр", None),
        ("КОРОЛЕВА АННА", 44),
        ("Смирнов Илья", None),
        ("Новикова Ольга", 45),
    ]
    assert [(s.full_name, s.status) for s in school_class.students if s.user_id == 46] == [
        ("Орлов Олег", "pending")
    ]
    # The pupil whose row was carried over is still known by their chat.
    pupil = harness.user(44)
    await pupil.send(f"/start class_{code}")
    await pupil.send("Королёва Анна")
    assert "уже в списке" in pupil.last()


async def test_chinese_teacher_replaces_from_a_file_and_changes_their_mind(
    harness: BotHarness,
) -> None:
    import xlsxwriter

    teacher = harness.user(47, "zh")
    await register(harness, teacher, "zh", "张伟\n李娜\n王芳")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for row, name in enumerate(["姓名", "张伟", "李娜", None, "张伟", "刘洋"]):
        if name:
            sheet.write(row, 0, name)
    workbook.close()
    await ask_to_replace(teacher, "zh")
    await teacher.send_document("名单.xlsx", buffer.getvalue())
    preview = strip_tags(teacher.last())
    assert "共3人" in preview
    assert "已跳过1行标题（第1行）" in preview
    assert "🔁 张伟：第2、5行重复" in preview
    assert "已跳过1个空行：第4行" in preview
    assert "当前名单共3人" in preview
    assert "将新增1人：\n• 刘洋" in preview and "将删除1人：\n• 王芳" in preview
    assert preview.endswith("确定要替换初二（3）班的学生名单吗？")
    await teacher.send_sticker()
    assert teacher.last() == I18n()("zh")("classes-replace-use-buttons")
    await teacher.click("不替换")
    assert teacher.last() == "名单未作更改。"
    assert [name for name, _ in active(await the_class(harness))] == ["张伟", "李娜", "王芳"]


async def test_stale_forged_and_superseded_buttons_are_answered(harness: BotHarness) -> None:
    teacher = harness.user(48)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    class_id = (await the_class(harness)).id
    await ask_to_replace(teacher)
    await teacher.send("Иванов Иван\nСидорова Мария")
    [first_preview] = [s for s in teacher.messages() if "Сидорова" in (s.method.text or "")]
    # Another roster instead: a new preview; the first one loses its buttons.
    replies = await teacher.send("Иванов Иван\nКузнецов Олег")
    edits = [r.method for r in replies if isinstance(r.method, EditMessageReplyMarkup)]
    assert [e.message_id for e in edits] == [first_preview.result.message_id]
    assert "Кузнецов Олег" in teacher.last()
    for data in (
        f"clp:ok:{class_id + 1}",  # another class
        f"clp:drop-all:{class_id}",  # an action never sent
    ):
        latest = teacher.messages()[-1].result.message_id
        assert answers(await teacher.press(data, latest)) == [STALE["ru"]]
    old = await teacher.press(f"clp:ok:{class_id}", first_preview.result.message_id)
    assert answers(old) == [STALE["ru"]]
    assert [name for name, _ in active(await the_class(harness))] == ["Иванов Иван", "Петров Пётр"]
    await teacher.click("Заменить список")
    assert [name for name, _ in active(await the_class(harness))] == [
        "Иванов Иван",
        "Кузнецов Олег",
    ]
    assert set(REPLACE_ACTIONS) == {"ok", "keep", "no"}


async def test_a_bad_roster_is_refused_by_row_and_the_list_stays(harness: BotHarness) -> None:
    teacher = harness.user(49)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    await ask_to_replace(teacher)
    await teacher.send("Иванов Иван\n12345\nПетров 2\nСидорова Мария")
    refusal = teacher.last()
    assert refusal.startswith("Строка 2:") and "Проверьте также строку 3" in refusal
    await teacher.send("Иванов Иван\nСидорова Мария")  # still waiting for a roster
    assert "Заменить список класса" in strip_tags(teacher.last())
    assert [name for name, _ in active(await the_class(harness))] == ["Иванов Иван", "Петров Пётр"]


async def test_the_deadline_passing_before_the_confirmation_changes_nothing(
    harness: BotHarness,
) -> None:
    teacher = harness.user(50)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    await ask_to_replace(teacher)
    await teacher.send("Сидорова Мария")
    harness.clock.set(START + timedelta(hours=5))
    await teacher.click("Заменить список")
    assert "Заменить список" not in teacher.last() and "заменён" not in teacher.last()
    assert [name for name, _ in active(await the_class(harness))] == ["Иванов Иван", "Петров Пётр"]


async def test_a_class_with_a_certificate_keeps_its_roster(harness: BotHarness) -> None:
    """A pupil's certificate number is their place in the list: once issued, no replacement
    (only possible if the event's dates moved after the certificates)."""
    teacher = harness.user(51)
    await register(harness, teacher, "ru", "Иванов Иван\nПетров Пётр")
    school_class = await the_class(harness)
    async with harness.session_factory() as session:
        session.add(
            Certificate(
                number="NP25-0001-ABCD",
                event_id=school_class.event_id,
                class_id=school_class.id,
                recipient_id=51,
                full_name="Петрова Анна Сергеевна",
                language="ru",
                issued_at=datetime(2025, 8, 20, tzinfo=UTC),
            )
        )
        await session.commit()
    await ask_to_replace(teacher)
    await teacher.send("Петров Пётр\nИванов Иван")
    await teacher.click("Заменить список")
    assert "Сертификаты этого класса уже выписаны" in teacher.last()
    assert [name for name, _ in active(await the_class(harness))] == ["Иванов Иван", "Петров Пётр"]
    async with harness.session_factory() as session:
        assert await session.scalar(select(Certificate.class_id)) == school_class.id
        rows = (await session.execute(select(ClassStudent))).scalars().all()
        assert len(rows) == 2


def test_every_preview_key_exists_in_both_languages() -> None:
    i18n = I18n()
    ru, zh = i18n("ru"), i18n("zh")
    keys = [f"classes-replace-btn-{label}" for label in ("confirm", "keep", "cancel")] + [
        key
        for key, _ in parse_roster_text("ФИО\nИванов Иван\n\nИванов Иван").preview_notes(str, "ru")
    ]
    keys += ["roster-no-repeats", "roster-no-empty-rows", "roster-more-duplicates"]
    for t in (ru, zh):
        for key in keys:
            assert t(key, count=2, rows="1", name="x") != key
