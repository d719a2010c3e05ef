"""A Russian teacher registers a class in a real browser (Debian's Chromium through Playwright,
tests/browser.py) on a 360 px phone: from the event page to the class form, an .xlsx roster
uploaded as a phone sends it (a header, a repeated name and a blank row in it), the preview
that says so, the class page with the roster and the pupils' Telegram link (a pupil asks
through it in the bot, the teacher approves on the page), and its calendar file. Every page
fits the screen and asks nothing of any address but ours (the fixture checks every request)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.i18n import I18n
from db.models import SchoolClass
from tests.browser import BOT, PHONE_WIDTH, SLUG, OpenPhone, Phone, Site
from web.routes.registration import label

pytestmark = pytest.mark.asyncio(loop_scope="session")

t = I18n()("ru")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUPILS = ["Петрова Анна", "Сидорова Мария", "Ким Дмитрий"]


def roster_xlsx() -> bytes:
    """As a school's spreadsheet comes: a header, a blank row, a name typed twice."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in (["ФИО"], [PUPILS[0]], [PUPILS[1]], [], [PUPILS[2]], [PUPILS[1]]):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def fits_the_screen(phone: Phone) -> None:
    width: int = await phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, phone.page.url


async def test_a_russian_teacher_registers_a_class_with_an_xlsx_roster(
    open_phone: OpenPhone, site: Site
) -> None:
    phone = await open_phone("ru")
    page = phone.page
    await phone.open(f"/e/{SLUG}")
    await page.get_by_role("link", name=t("web-class-register"), exact=True).click()
    await page.wait_for_url(f"**/e/{SLUG}/class")
    # The consent names the class page's button, not a command of the bot.
    consent = await page.inner_text("fieldset.consent")
    assert t("web-class-erase") in consent and "/delete_me" not in consent

    await page.get_by_label(t("web-class-field-teacher-name")).fill("Петрова Ольга Ивановна")
    await page.check("#country-RU")
    await page.get_by_label(t("field-city")).fill("Хабаровск")
    await page.get_by_label(t("web-class-field-school")).fill("Гимназия № 5")
    await page.get_by_label(t("field-email")).fill("olga@school5.ru")
    await page.get_by_label(t("web-class-field-class-name")).fill("8 «Б»")
    await page.get_by_label(t("web-class-field-size")).fill("25")
    await page.get_by_label(t("web-class-field-roster-file")).set_input_files(
        {"name": "8б.xlsx", "mimeType": XLSX, "buffer": roster_xlsx()}
    )
    await page.check("#consent")
    await fits_the_screen(phone)
    await phone.screenshot("ru-class-form")

    # The preview: the names once each, the repeat with its rows, the blank row, the header.
    await page.get_by_role("button", name=t("web-class-next")).click()
    await page.wait_for_selector(".class-preview")
    names = await page.locator(".roster-names li").all_inner_texts()
    assert names == PUPILS
    notes = await page.inner_text(".roster-notes")
    assert label(t("roster-duplicate-line", name=PUPILS[1], rows="3, 6")) in notes
    assert t("roster-empty-rows-line", count=1, rows="4") in notes
    assert t("roster-header-line", count=1, rows="1") in notes
    await fits_the_screen(phone)
    await phone.screenshot("ru-class-preview")

    # Confirmed: the class page, with the roster and the pupils' link to the bot.
    await page.get_by_role("button", name=t("web-class-confirm")).click()
    await page.wait_for_url(re.compile(r"/class/[\w-]{40,}\?welcome=1$"))
    text = await phone.text()
    assert t("web-class-welcome-title") in text
    assert await page.locator("#roster .roster-names li").all_inner_texts() == PUPILS
    async with site.harness.session_factory() as session:
        school_class = await session.scalar(
            select(SchoolClass).options(selectinload(SchoolClass.students))
        )
    assert school_class is not None and school_class.source == "web"
    assert [s.full_name for s in school_class.students] == PUPILS
    join = f"https://t.me/{BOT}?start=class_{school_class.code}"
    assert await page.get_by_role("link", name=join).count() == 1
    assert t("web-class-join-link-hint") in text
    await fits_the_screen(phone)
    await phone.screenshot("ru-class-page")

    # A pupil asks in the bot through that link; the teacher approves on the page.
    pupil = site.harness.user(61)
    await pupil.send(f"/start class_{school_class.code}")
    await pupil.send("Лю Ян")
    await page.reload()
    assert await page.inner_text(".roster-requests") != ""
    await fits_the_screen(phone)
    await phone.screenshot("ru-class-request")
    await page.get_by_role("button", name=label(t("class-join-approve"))).click()
    await page.wait_for_selector(".banner")
    assert t("class-join-approved-teacher", name="Лю Ян") in await phone.text()
    assert await page.locator("#roster .roster-names li").all_inner_texts() == [*PUPILS, "Лю Ян"]

    # The calendar file, downloaded as a phone does.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name=t("web-me-calendar-download")).click()
    download = await downloading.value
    assert download.suggested_filename == f"{SLUG}.ics"
    calendar = icalendar.Calendar.from_ical((await download.path()).read_bytes())
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    assert str(vevent["location"]) == t("web-class-calendar-location-online")
