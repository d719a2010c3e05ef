"""Teachers register classes: the form, rosters from text and files, pupils joining by link,
the class group, reminders to the group, and /classes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Chat, ChatMemberLeft, ChatMemberMember, ChatMemberUpdated, Message
from sqlalchemy import select

from db.models import ClassStudent, SchoolClass
from tests.harness import BOT_USER, BotHarness, FakeUser, make_event, strip_tags
from tests.test_export import EVERYONE

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
LINK = "https://voov.example/j/class"
GROUP = -100777


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START, meeting={"link": LINK})]


async def classes(harness: BotHarness) -> list[SchoolClass]:
    async with harness.session_factory() as session:
        rows = await session.execute(select(SchoolClass).order_by(SchoolClass.id))
        result = list(rows.scalars().all())
        for c in result:
            await session.refresh(c, ["students"])
        return result


async def teacher_details(teacher: FakeUser, lang: str = "ru") -> None:
    await teacher.send("/start")
    await teacher.click("Зарегистрировать класс" if lang == "ru" else "为班级报名")
    for answer in (
        ("Петрова Анна Сергеевна", "Россия", "Хабаровск", "Школа № 5", "petrova@school5.ru")
        if lang == "ru"
        else ("王老师", "中国", "哈尔滨", "哈尔滨第一中学", "wang@school.cn")
    ):
        await teacher.send(answer)
    await teacher.click("Пропустить" if lang == "ru" else "跳过")
    await teacher.send("8 «Б»" if lang == "ru" else "初二（3）班")
    await teacher.send("25")


async def finish(teacher: FakeUser, lang: str = "ru") -> None:
    await teacher.click("Список верный" if lang == "ru" else "名单无误")
    await teacher.click("Даю согласие" if lang == "ru" else "✅ 同意")
    await teacher.click("Зарегистрировать класс" if lang == "ru" else "确认报名")


async def register_class(harness: BotHarness, teacher: FakeUser) -> SchoolClass:
    await teacher_details(teacher)
    await teacher.send("Иванов Иван\nПетров Пётр\nСидорова Мария")
    await finish(teacher)
    [school_class] = await classes(harness)
    return school_class


async def test_teacher_registers_a_class_from_pasted_text(harness: BotHarness) -> None:
    teacher = harness.user(50)
    await teacher_details(teacher)
    await teacher.send("1. Иванов Иван\n2) Петров Пётр\n\nИванов Иван\nСидорова Мария")
    preview = teacher.last()
    assert "3" in preview and "Иванов Иван" in preview
    await finish(teacher)
    done = strip_tags(teacher.last())
    [school_class] = await classes(harness)
    assert f"startgroup={school_class.code}" in done
    assert f"start=class_{school_class.code}" in done
    assert school_class.name == "8 «Б»" and school_class.declared_size == 25
    assert school_class.teacher_name == "Петрова Анна Сергеевна" and school_class.phone is None
    assert [s.full_name for s in school_class.students] == [
        "Иванов Иван",
        "Петров Пётр",
        "Сидорова Мария",
    ]


async def test_chinese_teacher_with_an_xlsx_roster(harness: BotHarness) -> None:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for row, name in enumerate(["姓名", "张伟", "李娜", "王芳"]):
        sheet.write(row, 0, name)
    workbook.close()
    teacher = harness.user(51, "zh")
    await teacher_details(teacher, "zh")
    await teacher.send_document("名单.xlsx", buffer.getvalue())
    assert "3" in teacher.last()
    await finish(teacher, "zh")
    assert "报名成功" in teacher.last()
    [school_class] = await classes(harness)
    assert [s.full_name for s in school_class.students] == ["张伟", "李娜", "王芳"]
    assert school_class.language == "zh" and school_class.name == "初二（3）班"


@pytest.mark.parametrize(("lang", "limit"), [("ru", "до 1 МБ)"), ("zh", "不超过1 MB）")])
async def test_the_roster_question_gives_the_file_limit_in_megabytes(
    harness: BotHarness, lang: str, limit: str
) -> None:
    teacher = harness.user(54, lang)
    await teacher_details(teacher, lang)
    assert limit in teacher.last()  # not «1 024 КБ» / «1,024 KB»


async def test_bad_roster_files_are_explained_and_nothing_is_saved(harness: BotHarness) -> None:
    teacher = harness.user(52)
    await teacher_details(teacher)
    await teacher.send_document("list.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    assert "Это не текстовый файл" in teacher.last()
    replies = await teacher.send_document("list.docx", b"PK\x03\x04")
    [reply] = [r.method.text for r in replies]
    assert ".docx" in reply or "docx" in reply
    await teacher.send("\n".join(f"Ученик Номер{chr(1040 + i % 30)}{i}" for i in range(101)))
    assert "100" in teacher.last()
    await teacher.send_sticker()
    assert "текстом" in teacher.last()
    assert await classes(harness) == []
    await teacher.send("Иванов Иван")  # still waiting for a roster: a good one is taken
    await finish(teacher)
    assert len(await classes(harness)) == 1


async def test_bad_class_size_and_stale_buttons(harness: BotHarness) -> None:
    teacher = harness.user(53)
    await teacher.send("/class")
    for answer in ("Петрова Анна", "Россия", "Хабаровск", "Школа № 5", "petrova@school5.ru"):
        await teacher.send(answer)
    await teacher.send("+7 900 000-00-00")
    await teacher.send("8 Б")
    await teacher.send("двадцать")
    assert "от 1 до 100" in teacher.last()
    await teacher.send("250")
    assert "от 1 до 100" in teacher.last()
    replies = await teacher.press("clx:confirm")
    assert any(getattr(r.method, "text", "") == "Эта кнопка уже не действует." for r in replies)


async def test_pupil_joins_by_link_after_teacher_approves(harness: BotHarness) -> None:
    teacher = harness.user(60)
    school_class = await register_class(harness, teacher)
    pupil = harness.user(61, "zh")
    await pupil.send(f"/start class_{school_class.code}")
    assert "8 «Б»" in pupil.last()
    await pupil.send("刘洋")
    assert "老师" in pupil.last()
    assert "刘洋" in teacher.last()
    # Asking again while the teacher has not decided: waiting, not "in the list" yet.
    await pupil.send(f"/start class_{school_class.code}")
    await pupil.send("刘洋")
    assert "正在等待老师确认" in pupil.last() and "已在该班级名单中" not in pupil.last()
    await teacher.click("Добавить")
    assert "刘洋" in pupil.last() and "✅" in pupil.last()
    [updated] = await classes(harness)
    assert [s.full_name for s in updated.students if s.status == "active"][-1] == "刘洋"
    await pupil.send(f"/start class_{school_class.code}")
    await pupil.send("刘洋")
    assert "已在该班级名单中" in pupil.last()
    await pupil.send("/start class_nonsense")
    assert "无效" in pupil.last()


async def test_group_binding_by_teacher_admin_and_refusal(harness: BotHarness) -> None:
    teacher = harness.user(70)
    school_class = await register_class(harness, teacher)
    stranger = harness.user(71)
    replies = await stranger.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    assert "только педагог или администратор" in replies[-1].method.text
    assert (await classes(harness))[0].group_chat_id is None
    harness.session.group_admins[GROUP] = {72}
    admin = harness.user(72, "zh")
    replies = await admin.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    group_texts = [
        r.method.text
        for r in replies
        if isinstance(r.method, SendMessage) and r.method.chat_id == GROUP
    ]
    assert any("Группа привязана" in text for text in group_texts)  # the teacher's language
    assert "привязана к классу" in teacher.last()
    [bound] = await classes(harness)
    assert bound.group_chat_id == GROUP and bound.group_title == "8 Б"


async def test_group_migration_and_removal(harness: BotHarness) -> None:
    teacher = harness.user(80)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    await harness.feed(
        message=Message(
            message_id=999,
            date=datetime.now(UTC),
            chat=Chat(id=GROUP, type="group", title="8 Б"),
            from_user=teacher.tg,
            migrate_to_chat_id=GROUP - 1,
        )
    )
    assert (await classes(harness))[0].group_chat_id == GROUP - 1
    await harness.feed(
        my_chat_member=ChatMemberUpdated(
            chat=Chat(id=GROUP - 1, type="supergroup", title="8 Б"),
            from_user=teacher.tg,
            date=datetime.now(UTC),
            old_chat_member=ChatMemberMember(user=BOT_USER),
            new_chat_member=ChatMemberLeft(user=BOT_USER),
        )
    )
    assert (await classes(harness))[0].group_chat_id is None
    assert "больше не привязана" in teacher.last()


async def test_a_bound_group_gets_one_reminder_per_slot(harness: BotHarness) -> None:
    teacher = harness.user(90)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(GROUP, f"/start@{BOT_USER.username} {school_class.code}")
    for moment in (START - timedelta(days=1), START - timedelta(minutes=10), START):
        harness.clock.set(moment)
        await harness.reminders.run_due()
        await harness.reminders.run_due()  # twice: nothing doubles
    to_group = [
        strip_tags(s.method.text)
        for s in harness.session.sent
        if isinstance(s.method, SendMessage) and s.method.chat_id == GROUP
    ]
    reminders = to_group[1:]  # the first is the binding confirmation
    assert len(reminders) == 3
    assert LINK not in reminders[0] and LINK in reminders[1] and LINK in reminders[2]


async def test_classes_command_edits_until_the_deadline(harness: BotHarness) -> None:
    teacher = harness.user(95)
    await register_class(harness, teacher)
    await teacher.send("/classes")
    assert "Учеников в списке: 3" in strip_tags(teacher.last())
    await teacher.click("Переименовать")
    await teacher.send("8 «В»")
    await teacher.send("/classes")
    await teacher.click("Добавить учеников")
    await teacher.send("Новиков Олег\nИванов Иван")  # Иванов is there already
    assert "Добавлено учеников: 1" in teacher.last()
    await teacher.send("/classes")
    await teacher.click("Удалить ученика")
    await teacher.click("Петров")
    await teacher.send("/classes")
    await teacher.click("Список")
    listed = teacher.last()
    assert "Новиков Олег" in listed and "Петров" not in listed
    [school_class] = await classes(harness)
    assert school_class.name == "8 «В»"
    harness.clock.set(START + timedelta(hours=5))  # over: no more changes
    await teacher.send("/classes")
    await teacher.click("Переименовать")
    assert "прошло" in teacher.last() or "нельзя" in teacher.last()
    await teacher.click("Список")  # reading still works
    assert "Новиков Олег" in teacher.last()


async def test_students_are_counted_in_the_roster(harness: BotHarness) -> None:
    teacher = harness.user(96)
    await register_class(harness, teacher)
    async with harness.session_factory() as session:
        count = len((await session.execute(select(ClassStudent))).scalars().all())
    assert count == 3


async def test_export_has_classes_and_students_sheets(harness: BotHarness) -> None:
    from aiogram.methods import SendDocument
    from openpyxl import load_workbook

    from tests.harness import ORGANIZER_ID

    teacher = harness.user(97)
    await register_class(harness, teacher)
    org = harness.user(ORGANIZER_ID)
    await org.send("/export")
    await org.click(EVERYONE["ru"])
    await org.click("XLSX")
    [doc] = [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument) and s.method.chat_id == ORGANIZER_ID
    ]
    workbook = load_workbook(io.BytesIO(doc.document.data))
    classes_rows = list(workbook["Классы"].values)  # sheets named in the organizer's language
    students_rows = list(workbook["Ученики"].values)
    assert classes_rows[1][2] == "8 «Б»" and classes_rows[1][3] == "Петрова Анна Сергеевна"
    assert [r[4] for r in students_rows[1:]] == ["Иванов Иван", "Петров Пётр", "Сидорова Мария"]


async def test_stats_count_classes_and_students(harness: BotHarness) -> None:
    from tests.harness import ORGANIZER_ID

    await register_class(harness, harness.user(98))
    org = harness.user(ORGANIZER_ID)
    await org.send("/stats")
    assert any("Классы: 1, учеников в списках: 3, групп привязано: 0" in t for t in org.texts())


async def test_delete_me_erases_a_teachers_classes(harness: BotHarness) -> None:
    teacher = harness.user(99)
    await register_class(harness, teacher)
    await teacher.send("/delete_me")
    await teacher.click("Да, удалить")
    [school_class] = await classes(harness)
    assert school_class.status == "cancelled" and school_class.teacher_name is None
    assert school_class.email is None and school_class.students == []
    assert school_class.teacher_id is None
