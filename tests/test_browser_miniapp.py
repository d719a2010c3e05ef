"""The Mini App page in a real browser (tests/browser.py): web/static/miniapp.js finds
Telegram's init data in the address's fragment, shows the form instead of "open it from the
bot", and the form registers that Telegram user; without the fragment the note stays."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from db.models import Registration
from tests.browser import SLUG, OpenPhone, Site
from tests.test_web_miniapp import TELEGRAM_ID, signed_init_data

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_fragment_opens_the_form_and_it_registers_that_telegram_user(
    open_phone: OpenPhone, site: Site
) -> None:
    phone = await open_phone("zh")
    launch = f"tgWebAppData={quote(signed_init_data())}&tgWebAppVersion=8.0&tgWebAppPlatform=ios"
    await phone.open(f"/app/e/{SLUG}?hl=zh#{launch}")
    page = phone.page
    assert await page.is_visible("#miniapp-form")
    assert not await page.is_visible("#miniapp-outside")
    assert await phone.scroll_width() <= 360
    await page.fill("#full_name", "王小明同学")
    await page.check("#country-CN")
    await page.fill("#city", "哈尔滨")
    await page.fill("#organization", "哈尔滨第一中学")
    await page.check("#role-student")
    await page.check("#participation_format-online")
    await page.check("#wants_to_speak-no")
    await page.fill("#email", "wang@example.cn")
    await page.check("#consent")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    assert "报名成功！" in await phone.text()
    async with site.harness.session_factory() as session:
        row = (await session.scalars(select(Registration))).one()
    assert (row.user_id, row.source, row.language) == (TELEGRAM_ID, "miniapp", "zh")


async def test_outside_telegram_the_page_says_to_open_it_from_the_bot(
    open_phone: OpenPhone,
) -> None:
    phone = await open_phone("ru")
    await phone.open(f"/app/e/{SLUG}?hl=ru")
    assert await phone.page.is_visible("#miniapp-outside")
    assert not await phone.page.is_visible("#miniapp-form")
    assert "Откройте форму в Telegram" in await phone.text()
