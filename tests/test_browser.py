"""The pages in a real browser (Debian's Chromium through Playwright, tests/browser.py), on a
360 px phone, as people use them: the language from the browser, the switch and its cookie,
the choice for everyone else, the certificate check, the error page; every page fits the
screen and asks nothing of any address but ours (the fixture checks every request)."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import select

from bot.i18n import I18n
from db.models import Certificate, EventRow, Registration, RegistrationSource
from tests.browser import PAST, PHONE_WIDTH, SLUG, VENUES, OpenPhone, Phone, Site

# One browser for the session: the tests run on its event loop.
pytestmark = pytest.mark.asyncio(loop_scope="session")

t_ru, t_zh = I18n()("ru"), I18n()("zh")
T = {"ru": t_ru, "zh": t_zh}
HTML_LANG = {"ru": "ru", "zh": "zh-CN"}
NUMBER = "NP25-0007-RHY2"
# Every page there is without a registration, and what it answers.
PAGES = {
    "/": 200,
    f"/e/{SLUG}": 200,
    f"/e/{PAST}": 200,
    f"/e/{VENUES}": 200,  # the venues with their seats, in the list and in the form
    "/verify": 200,
    f"/verify/{NUMBER}": 200,
    "/verify/NP00-0000-XXXX": 404,
    "/no-such-page": 404,
}


async def add_certificate(site: Site, number: str = NUMBER, name: str = "李伟") -> None:
    """A certificate as the bot issues it (tests/test_web_pages.py writes the same row)."""
    harness = site.harness
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
        assert event_id is not None
        session.add(
            Certificate(
                number=number,
                event_id=event_id,
                full_name=name,
                language="zh",
                issued_at=harness.clock.now(),
            )
        )
        await session.commit()


async def status_after(phone: Phone, action: Awaitable[None]) -> int:
    """The status of the page that a click (or a key) leads to, redirects followed."""
    async with phone.page.expect_navigation() as navigation:
        await action
    response = await navigation.value
    assert response is not None
    return response.status


async def heading(phone: Phone) -> str:
    return await phone.page.inner_text("h1")


async def html_lang(phone: Phone) -> str | None:
    return await phone.page.get_attribute("html", "lang")


async def fits_the_screen(phone: Phone) -> None:
    # No horizontal scrolling on a 360 px phone: nothing is wider than the screen.
    assert await phone.scroll_width() <= PHONE_WIDTH, phone.page.url


async def test_a_chinese_visitor_finds_the_event_with_beijing_time_first(
    open_phone: OpenPhone,
) -> None:
    phone = await open_phone("zh")
    await phone.open("/")
    assert await html_lang(phone) == "zh-CN"
    assert await heading(phone) == t_zh("web-events-title")
    await fits_the_screen(phone)
    await phone.screenshot("zh-events")
    # The open event's title is a link to its page.
    await phone.page.get_by_role("link", name=f"“{SLUG}”会议").click()
    await phone.page.wait_for_url(f"**/e/{SLUG}")
    text = await phone.text()
    assert t_zh("web-event-about") in text and "活动简介" in text
    # 3 September 2025, 07:00 UTC: Beijing (15:00) before Moscow (10:00) for a Chinese reader.
    assert text.index("15:00—18:00（北京时间）") < text.index("10:00—13:00（莫斯科时间）")
    await fits_the_screen(phone)
    await phone.screenshot("zh-event")


async def test_the_language_switch_is_remembered_across_pages(open_phone: OpenPhone) -> None:
    phone = await open_phone("zh")
    await phone.open(f"/e/{SLUG}")
    assert await html_lang(phone) == "zh-CN"
    await phone.page.click("a.lang-switch")
    # Back on the same page, now in Russian, with Moscow time first.
    await phone.page.wait_for_url(phone.site(f"/e/{SLUG}"))
    assert await html_lang(phone) == "ru"
    text = await phone.text()
    assert text.index("10:00–13:00 по московскому") < text.index("15:00–18:00 по пекинскому")
    await phone.screenshot("ru-event-after-switch")
    # The cookie keeps the choice on the next pages, over the browser's Chinese.
    [cookie] = [c for c in await phone.context.cookies() if c["name"] == "lang"]
    assert cookie["value"] == "ru" and cookie["httpOnly"]
    await phone.page.get_by_role("link", name=t_ru("web-nav-verify")).click()
    await phone.page.wait_for_url("**/verify")
    assert await heading(phone) == t_ru("web-verify-title")
    await phone.open("/")
    assert await heading(phone) == t_ru("web-events-title")
    # And back to Chinese.
    await phone.page.click("a.lang-switch")
    await phone.page.wait_for_url(phone.site("/"))
    assert await heading(phone) == t_zh("web-events-title")


async def test_a_browser_in_another_language_gets_the_choice(open_phone: OpenPhone) -> None:
    phone = await open_phone("en")
    # A link from a WeChat message, on an English phone: the choice, in both languages.
    await phone.open(f"/e/{SLUG}")
    text = await phone.text()
    assert t_ru("web-choose-text") in text and t_zh("web-choose-text") in text
    title = await phone.page.title()
    assert t_ru("web-choose-title") in title and t_zh("web-choose-title") in title
    await fits_the_screen(phone)
    await phone.screenshot("choose-language")
    await phone.page.get_by_role("link", name=t_zh("web-language-name")).click()
    # The event the link was for, in the chosen language; the next pages follow.
    await phone.page.wait_for_url(phone.site(f"/e/{SLUG}"))
    assert await html_lang(phone) == "zh-CN"
    assert f"“{SLUG}”会议" in await heading(phone)
    await phone.page.get_by_role("link", name=t_zh("web-nav-events")).first.click()
    await phone.page.wait_for_url(phone.site("/"))
    assert await heading(phone) == t_zh("web-events-title")


async def test_the_verify_form_finds_a_certificate_and_says_when_it_does_not(
    open_phone: OpenPhone, site: Site
) -> None:
    await add_certificate(site)
    phone = await open_phone("zh")
    await phone.open("/verify")
    # Typed as people do: lower case, spaces, a Cyrillic "р" and "н" among the Latin letters.
    await phone.page.get_by_label(t_zh("web-verify-label")).fill("np25 0007 rну2")
    submit = phone.page.get_by_role("button", name=t_zh("web-verify-submit"))
    assert await status_after(phone, submit.click()) == 200
    result = await phone.page.inner_text(".result")
    assert t_zh("web-verify-valid") in result
    assert NUMBER in result and "李伟" in result and "2025年9月3日" in result
    await fits_the_screen(phone)
    await phone.screenshot("zh-verify-found")
    # Another number, from the form under the result.
    await phone.page.get_by_label(t_zh("web-verify-label")).fill("NP25-0007-RHY3")
    assert await status_after(phone, phone.page.keyboard.press("Enter")) == 404
    result = await phone.page.inner_text(".result")
    assert t_zh("web-verify-not-found-title") in result and "李伟" not in result
    await phone.screenshot("zh-verify-not-found")


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_404_page_is_in_the_pages_language(open_phone: OpenPhone, lang: str) -> None:
    phone = await open_phone(lang)
    response = await phone.open("/e/no-such-event")
    assert response.status == 404
    assert await html_lang(phone) == HTML_LANG[lang]
    assert await heading(phone) == T[lang]("web-error-404-title")
    await fits_the_screen(phone)
    await phone.screenshot(f"{lang}-404")
    # Its link leads home.
    await phone.page.get_by_role("link", name=T[lang]("web-home-link")).click()
    await phone.page.wait_for_url(phone.site("/"))
    assert await heading(phone) == T[lang]("web-events-title")


@pytest.mark.parametrize("lang", ["ru", "zh", "en"])
async def test_every_page_fits_a_phone_and_loads_only_from_us(
    open_phone: OpenPhone, site: Site, lang: str
) -> None:
    await add_certificate(site)
    phone = await open_phone(lang)
    for path, status in PAGES.items():
        assert (await phone.open(path)).status == status, path
        await fits_the_screen(phone)
        name = re.sub(r"\W+", "-", path).strip("-") or "index"
        await phone.screenshot(f"{lang}-all-{name}")
    if lang != "en":  # (the language choice has no form)
        # Each venue of the form reads as one text beside its radio button: the name is not
        # squeezed into a column of its own beside the address and the seats (one or two
        # characters a line in Chinese).
        await phone.open(f"/e/{VENUES}")
        widths = await phone.page.eval_on_selector_all(
            "input[name=venue]",
            """inputs => inputs.map(input => {
                const label = input.closest("label"), text = input.nextElementSibling;
                return [label.children.length, text && text.getBoundingClientRect().width,
                        label.getBoundingClientRect().width];
            })""",
        )
        assert len(widths) == 2
        for children, text, whole in widths:
            assert children == 2 and text >= whole - 40, widths
    # Every page asked for its stylesheet, and only ever 127.0.0.1 (the fixture checks it
    # again after every test; said here too, so that this test names what it guards).
    assert site("/static/site.css") in phone.requests
    assert phone.outside_requests() == [] and phone.errors == []
    # The stylesheet applied: the page is not the browser's default serif on white.
    font = await phone.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Times" not in font


# --- the scenario: register, the personal page, the calendar, an edit ----------------


async def test_a_chinese_visitor_registers_on_a_phone_and_edits_an_answer(
    open_phone: OpenPhone, site: Site
) -> None:
    phone = await open_phone("zh")
    page = phone.page
    await phone.open(f"/e/{SLUG}")
    # The form as a person fills it, by its labels; the e-mail mistyped first.
    await page.get_by_label(t_zh("field-full-name")).fill("李伟")
    await page.check("#country-CN")
    await page.get_by_label(t_zh("field-city")).fill("哈尔滨")
    await page.get_by_label(t_zh("field-organization")).fill("哈尔滨第一中学")
    await page.check("#role-teacher")
    await page.check("#participation_format-online")
    await page.check("#wants_to_speak-no")
    await page.get_by_label(t_zh("field-email")).fill("li.wei@example")
    await page.check("#consent")
    await fits_the_screen(phone)
    await phone.screenshot("zh-form-filled")
    register = page.locator("form.reg-form").get_by_role("button")
    assert await status_after(phone, register.click()) == 400
    # The chat form's message next to the e-mail field, and everything typed still there.
    assert await page.inner_text("#email-error") == t_zh("err-email-invalid")
    assert await page.input_value("#full_name") == "李伟"
    assert await page.input_value("#city") == "哈尔滨"
    assert await page.is_checked("#role-teacher") and await page.is_checked("#consent")
    await fits_the_screen(phone)
    await phone.screenshot("zh-form-refused")
    await page.get_by_label(t_zh("field-email")).fill("li.wei@example.cn")
    # Registered: straight to the personal page, which says so.
    assert await status_after(phone, register.click()) == 200
    # (The form's "#register" rides along: browsers keep a fragment across a redirect.)
    address = urlsplit(page.url)
    assert re.fullmatch(r"/me/[\w-]{20,}", address.path) and address.query == "welcome=1"
    text = await phone.text()
    assert t_zh("me-welcome-title") in text and "李伟" in text and "哈尔滨" in text
    await fits_the_screen(phone)
    await phone.screenshot("zh-personal-welcome")
    # The calendar file, downloaded as a phone does, is the event in UTC.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name=t_zh("web-me-calendar-download")).click()
    download = await downloading.value
    assert download.suggested_filename == f"{SLUG}.ics"
    calendar = icalendar.Calendar.from_ical((await download.path()).read_bytes())
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
    assert str(vevent["summary"]) == f"“{SLUG}”会议"
    # An answer changed on the page (the form opens under its button): saved, shown, and in
    # the database.
    await page.get_by_text(t_zh("web-me-edit"), exact=True).click()
    await page.get_by_label(t_zh("field-city")).fill("北京")
    await phone.screenshot("zh-personal-edit")
    assert (
        await status_after(phone, page.get_by_role("button", name=t_zh("web-me-save")).click())
        == 200
    )
    text = await phone.text()
    assert t_zh("web-me-saved") in text and "北京" in text
    await phone.screenshot("zh-personal-saved")
    async with site.harness.session_factory() as session:
        [row] = (await session.scalars(select(Registration))).all()
    assert (row.city, row.full_name, row.email) == ("北京", "李伟", "li.wei@example.cn")
    assert (row.source, row.language, row.user_id) == (RegistrationSource.WEB, "zh", None)


# --- with e-mail on: the link travels in the confirmation letter (issue 13) -------------------


@pytest.mark.parametrize("site", ["mail"], indirect=True)
async def test_with_mail_on_a_chinese_visitor_confirms_by_the_letters_link(
    open_phone: OpenPhone, site: Site
) -> None:
    phone = await open_phone("zh")
    page = phone.page
    await phone.open(f"/e/{SLUG}")
    await page.get_by_label(t_zh("field-full-name")).fill("李伟")
    await page.check("#country-CN")
    await page.get_by_label(t_zh("field-city")).fill("哈尔滨")
    await page.get_by_label(t_zh("field-organization")).fill("哈尔滨第一中学")
    await page.check("#role-teacher")
    await page.check("#participation_format-online")
    await page.check("#wants_to_speak-no")
    await page.get_by_label(t_zh("field-email")).fill("li.wei@example.cn")
    await page.check("#consent")
    register = page.locator("form.reg-form").get_by_role("button")
    # "Check your mail", and no personal link on the page: anyone can type an address.
    assert await status_after(phone, register.click()) == 200
    assert urlsplit(page.url).path == f"/e/{SLUG}/check-mail"
    assert await heading(phone) == t_zh("web-check-mail-title")
    assert "/me/" not in await page.content()
    await fits_the_screen(phone)
    await phone.screenshot("zh-mail-check")
    # The letter, as the visitor's mailbox has it, in Chinese; its link opened in the browser.
    [letter] = await site.letters(1)
    assert letter["To"].addresses[0].addr_spec == "li.wei@example.cn"
    assert letter["Content-Language"] == "zh-Hans"
    body = letter.get_body(("plain",))
    assert body is not None
    found = re.search(rf"{re.escape(site.url)}/me/[0-9]+\.[\w-]{{24}}", str(body.get_content()))
    assert found, body.get_content()
    await page.goto(found[0])
    assert await heading(phone) == t_zh("web-confirm-title")
    await fits_the_screen(phone)
    await phone.screenshot("zh-mail-confirm")
    async with site.harness.session_factory() as session:
        [row] = (await session.scalars(select(Registration))).all()
    assert (row.status, row.email_confirmed_at) == ("pending", None)  # opening confirms nothing
    confirm = page.get_by_role("button", name=t_zh("web-confirm-button"))
    assert await status_after(phone, confirm.click()) == 200
    # The personal page, which says so.
    address = urlsplit(page.url)
    assert address.path == urlsplit(found[0]).path and address.query == "done=confirmed"
    text = await phone.text()
    assert t_zh("web-confirmed") in text and "李伟" in text and "哈尔滨" in text
    await fits_the_screen(phone)
    await phone.screenshot("zh-mail-confirmed")
    async with site.harness.session_factory() as session:
        [row] = (await session.scalars(select(Registration))).all()
    assert row.status == "active" and row.email_confirmed_at is not None
    # "You are registered", with the calendar file.
    _, registered = await site.letters(2)
    [attachment] = list(registered.iter_attachments())
    [vevent] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
