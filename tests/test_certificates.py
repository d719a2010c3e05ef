"""Certificates end to end: who gets one, delivery, asking again, verification, corrections,
feedback, class PDFs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendDocument
from pypdf import PdfReader
from sqlalchemy import select

from db.models import Certificate, Feedback
from tests.flows import register
from tests.harness import ORGANIZER_ID, BotHarness, FakeUser, make_event
from tests.test_export import EVERYONE

START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
AFTER = START + timedelta(hours=6)  # end (3 h) + default delay (2 h) has passed


@pytest.fixture
def events() -> list[dict]:
    return [make_event(starts_at=START)]


def documents(harness: BotHarness, chat_id: int) -> list[SendDocument]:
    return [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument)
        and s.method.chat_id == chat_id
        and s.method.document.filename.endswith(".pdf")  # not the calendar file
    ]


def pdf_text(document: SendDocument) -> str:
    reader = PdfReader(io.BytesIO(document.document.data))
    return " ".join(page.extract_text() for page in reader.pages)


async def check_in(harness: BotHarness, user: FakeUser) -> None:
    harness.clock.set(START)
    await harness.reminders.run_due()
    await user.click("签到" if user.tg.language_code == "zh" else "Я здесь")


async def certificates(harness: BotHarness) -> list[Certificate]:
    async with harness.session_factory() as session:
        return list((await session.execute(select(Certificate))).scalars().all())


async def test_only_those_who_checked_in_get_one_then_feedback(harness: BotHarness) -> None:
    came, absent = harness.user(1), harness.user(2)
    await register(came, name="Иванова Мария Петровна")
    await register(absent)
    await check_in(harness, came)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await harness.certificates.reconcile()  # again: nothing twice
    [doc] = documents(harness, came.id)
    assert "Иванова Мария Петровна" in pdf_text(doc)
    assert documents(harness, absent.id) == []
    [row] = await certificates(harness)
    assert row.number in pdf_text(doc).replace("\n", " ")
    # Sent on its own with the same caption and file name as on /certificate.
    assert doc.document.filename == f"Сертификат-{row.number}.pdf"
    assert doc.caption == f"🎓 Сертификат участника № {row.number}"
    await came.send("/certificate")
    again = documents(harness, came.id)[-1]
    assert (again.caption, again.document.filename) == (doc.caption, doc.document.filename)
    assert "Оцените" in came.last()
    await came.click("⭐⭐⭐⭐⭐")
    await came.send("Очень трогательные выступления")
    assert "Спасибо за отзыв" in came.last()
    async with harness.session_factory() as session:
        [feedback] = (await session.execute(select(Feedback))).scalars().all()
    assert feedback.rating == 5 and feedback.comment == "Очень трогательные выступления"


async def test_asking_again_verify_and_a_corrected_name(harness: BotHarness) -> None:
    user = harness.user(1, "zh")
    await register(user, "zh", name="王芳")
    await check_in(harness, user)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    [row] = await certificates(harness)
    await user.send("/certificate")
    first, again = documents(harness, user.id)
    assert pdf_text(first) == pdf_text(again) and "王芳" in pdf_text(again)
    for document in (first, again):
        assert document.document.filename == f"参会证书-{row.number}.pdf"
        assert document.caption == f"🎓 参会证书（编号：{row.number}）"
    stranger = harness.user(9)
    await stranger.send(f"/verify {row.number.lower()}")
    assert "王芳" in stranger.last() and row.number in stranger.last()
    await stranger.send("/verify NP25-9999-ZZZZ")
    assert "не найден" in stranger.last()
    org = harness.user(ORGANIZER_ID)
    await org.send("/certificates")
    await org.click("Исправить имя")
    await org.send(row.number)
    await org.send("王芳芳")
    assert org.last() == f"✅ Сертификат {row.number} исправлен и отправлен заново."
    latest = documents(harness, user.id)[-1]
    assert "王芳芳" in pdf_text(latest) and row.number in pdf_text(latest)
    [fixed] = await certificates(harness)
    assert fixed.number == row.number and fixed.reissued == 1


async def test_a_name_no_font_can_draw_is_reported_not_sent(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user, name="Ра 𓀀 Ка")
    await check_in(harness, user)
    harness.clock.set(AFTER)
    org = harness.user(ORGANIZER_ID)
    await org.send("/certificates")
    await org.click("Отправить всем")
    assert "ошибки: 1" in org.last()
    await org.send("/certificates")
    await org.click("Исправить имя")
    [row] = await certificates(harness)
    await org.send(row.number)
    await org.send("Ра 𓀀𓀀 Ка")
    # Not a bare "(0)": the organizer reads that it did not go out and what the holder can do.
    assert "не удалось" in org.last() and "/certificate" in org.last()
    assert documents(harness, user.id) == []
    [row] = await certificates(harness)
    assert "𓀀" in (row.error or "")


class TestNoAttendance:
    @pytest.fixture
    def events(self) -> list[dict]:
        return [make_event(starts_at=START, require_attendance=False)]

    async def test_everyone_registered(self, harness: BotHarness) -> None:
        users = [harness.user(i) for i in (1, 2)]
        for user in users:
            await register(user)
        harness.clock.set(AFTER)
        await harness.certificates.reconcile()
        assert all(len(documents(harness, u.id)) == 1 for u in users)
        numbers = {c.number for c in await certificates(harness)}
        assert len(numbers) == 2


async def test_a_teacher_gets_one_pdf_for_the_class(harness: BotHarness) -> None:
    from tests.harness import BOT_USER
    from tests.test_classes import register_class

    teacher = harness.user(50)
    school_class = await register_class(harness, teacher)
    await teacher.send_in_group(-100500, f"/start@{BOT_USER.username} {school_class.code}")
    harness.clock.set(START)
    await harness.reminders.run_due()
    from aiogram.methods import SendMessage

    [start] = [
        s
        for s in harness.session.sent
        if isinstance(s.method, SendMessage)
        and s.method.chat_id == -100500
        and s.method.reply_markup
    ]
    # The teacher checks the class in (from the teacher's own chat, which is allowed).
    await teacher.press(
        start.method.reply_markup.inline_keyboard[0][0].callback_data or "",  # type: ignore[union-attr]
        start.result.message_id,
    )
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    [doc] = documents(harness, teacher.id)
    reader = PdfReader(io.BytesIO(doc.document.data))
    assert len(reader.pages) == 4  # the letter of thanks and three pupils
    text = pdf_text(doc)
    assert "Петрова Анна Сергеевна" in text and "Сидорова Мария" in text
    [row] = await certificates(harness)
    assert doc.document.filename == f"Благодарственное-письмо-{row.number}.pdf"
    assert doc.caption is not None and row.number in doc.caption
    assert "Благодарственное письмо и сертификаты учащихся класса" in doc.caption
    # A pupil's page carries the class's number and the pupil's place: /verify finds it.
    pupil = reader.pages[2].extract_text()
    assert f"/verify {row.number}/2" in pupil.replace("\n", " ")
    stranger = harness.user(9)
    await stranger.send(f"/verify {row.number}/2")
    assert "действителен" in stranger.last()
    assert pupil.splitlines()[2] in stranger.last()  # the pupil's name, not the teacher's
    assert "Петрова" not in stranger.last()
    await stranger.send(f"/verify {row.number}/9")
    assert "не найден" in stranger.last()


async def test_feedback_in_stats_and_export(harness: BotHarness) -> None:
    from openpyxl import load_workbook

    user = harness.user(1)
    await register(user)
    await check_in(harness, user)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    await user.click("⭐⭐⭐⭐")
    await user.send("Спасибо!")
    org = harness.user(ORGANIZER_ID)
    await org.send("/stats")
    assert any("Отзывы: 1, средняя оценка 4 из 5" in t for t in org.texts()), org.texts()
    await org.send("/export")
    await org.click(EVERYONE["ru"])
    await org.click("XLSX")
    [doc] = [
        s.method
        for s in harness.session.sent
        if isinstance(s.method, SendDocument) and s.method.chat_id == ORGANIZER_ID
    ]
    rows = list(load_workbook(io.BytesIO(doc.document.data))["Отзывы"].values)
    assert rows[1] == (4, "Спасибо!")


async def test_issuing_stopped_midway_resumes_without_duplicates(harness: BotHarness) -> None:
    import asyncio

    from bot.factory import create_services

    users = [harness.user(100 + i) for i in range(6)]
    for user in users:
        await register(user)
        await check_in(harness, user)
    harness.clock.set(AFTER)
    first = harness.certificates
    sent = 0
    stopped = asyncio.Event()

    def stop_after_two(method: object) -> None:
        nonlocal sent
        if isinstance(method, SendDocument) and method.document.filename.endswith(".pdf"):
            sent += 1
            if sent == 2:
                task = asyncio.get_running_loop().create_task(first.stop())
                task.add_done_callback(lambda _: stopped.set())

    harness.session.on_request = stop_after_two
    await first.reconcile()
    await stopped.wait()
    harness.session.on_request = None
    restarted = create_services(
        bot=harness.bot,
        session_factory=harness.session_factory,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        sender=harness.sender,
    ).certificates
    await restarted.reconcile()
    assert [len(documents(harness, u.id)) for u in users] == [1] * 6


async def test_verify_reads_the_number_as_people_type_it(harness: BotHarness) -> None:
    user = harness.user(1)
    await register(user)
    await check_in(harness, user)
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    async with harness.session_factory() as session:
        [row] = (await session.execute(select(Certificate))).scalars().all()
        row.number = "NP26-0005-RHY2"
        await session.commit()
    stranger = harness.user(9)
    # Cyrillic р, н, у typed on a Russian keyboard, spaces for dashes, lower case.
    for typed in (
        "nр26 0005 rну2",
        "NP26\u20140005\u2013RHY2",
        "np260005rhy2",
        " NP26 - 0005 - RHY2 ",
    ):
        await stranger.send(f"/verify {typed}")
        assert "✅ Сертификат № NP26-0005-RHY2 действителен." in stranger.last(), typed
    # Whom it was issued to (not «Выдан:», which reads as the issuer), and the date as printed.
    assert "Кому выдан: Иванов Иван Иванович" in stranger.last()
    assert "3 сентября 2025\u00a0г." in stranger.last()
    await stranger.send("/verify NP26-0005-RHY3")
    assert "не найден" in stranger.last()


def test_a_typed_number_is_read_in_the_one_scheme_issued() -> None:
    from bot.services.certificates.issue import normalize_number

    assert normalize_number("nр26 0005 rну2") == "NP26-0005-RHY2"
    assert normalize_number("NР26‐0042‑К7QХ") == "NP26-0042-K7QX"  # all Cyrillic look-alikes
    for dash in "‐‑‒–—―−":
        assert normalize_number(f"NP26{dash}0005{dash}RHU2") == "NP26-0005-RHU2"
    assert normalize_number("NP2612345ABCD") == "NP26-12345-ABCD"  # a longer sequence
    assert normalize_number("NP26-0005-RHU2 / 3") == "NP26-0005-RHU2/3"  # a pupil's page
    for wrong in ("", "hello", "NP26-0005", "NP26-005-RHU2", "NP26-0005-RHU", "V2025-000123-4"):
        assert normalize_number(wrong) is None, wrong
