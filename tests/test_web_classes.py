"""A teacher registers a class on the web page (web/routes/classes.py) through aiohttp's test
client, on the bot harness's database, services and clock: the form in both languages, the
roster pasted and uploaded (.txt in UTF-8 and cp1251, .csv, .xlsx made here with openpyxl), the
preview with repeats and blank rows, errors next to their fields with the values kept, CSRF,
an upload over the body limit, the consent that names the class page's erase button; the class
page with its private headers, a forged token, the roster replaced, cancelling, erasing (by
the rule of /delete_me, twice, with a forged and a stale token), the calendar file, the bot's
pupil and group links with pupils' requests decided on the page and each pupil told in the
chat (in the chat's language, without the page waiting; Telegram out of reach, no bot),
check-in, the certificates as one ZIP; /stats and the export count the web class; migration
0010 up and down."""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import re
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import icalendar
import pytest
import sqlalchemy as sa
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import selectinload

from bot.app import ChatNotices
from bot.i18n import I18n
from bot.services.classes.classes import ClassService, JoinDecision, TeacherDetails
from bot.services.classes.export import class_counts, class_tables, event_classes
from bot.services.registration.form import CONSENT_VERSION
from bot.services.registration.registrations import RegistrationService
from db.engine import create_engine, create_session_factory
from db.migrate import downgrade, upgrade
from db.models import Certificate, EventRow, SchoolClass, StudentStatus
from db.repositories import EventRepository
from tests.harness import BOT_USER, COMPILED_TEMPLATES, BotHarness, make_event
from web.app import create_web_app
from web.context import BACKGROUND, Background, Notify
from web.routes.registration import label

SLUG = "victory-2025"
START = datetime(2025, 9, 3, 7, 0, tzinfo=UTC)
DEADLINE = START - timedelta(days=1)
AFTER = START + timedelta(hours=6)  # end (3 h) + the default delay (2 h) has passed
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HEADERS = {"ru": RU, "zh": ZH}
T = {"ru": I18n()("ru"), "zh": I18n()("zh")}
Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
HIDDEN_ROSTER = re.compile(r'<textarea name="roster" hidden>(.*?)</textarea>', re.S)
CLASS_PAGE = re.compile(r"^/class/([A-Za-z0-9_-]{40,})\?welcome=1$")

PUPILS = ["Петрова Анна Сергеевна", "Сидорова Мария", "Ким Дмитрий"]
ROSTER = "ФИО\n1. Петрова Анна Сергеевна\n2. Сидорова Мария\n\n3. Ким Дмитрий\n4. Сидорова Мария\n"


@pytest.fixture
def events() -> list[dict]:
    meeting = {"link": "https://voov.example/j/1", "id": "123 456 789", "passcode": "4321"}
    return [make_event(SLUG, meeting=meeting, deadline=DEADLINE)]


BOT = "victory_test_bot"


async def web_client(
    harness: BotHarness, bot_username: str | None = BOT, notify: Notify | None = None
) -> Client:
    app = create_web_app(
        compiled_templates=COMPILED_TEMPLATES,
        settings=harness.settings,
        catalog=harness.catalog,
        clock=harness.clock,
        i18n=harness.i18n,
        session_factory=harness.session_factory,
        bot_username=lambda: bot_username,
        render_certificate=harness.certificates.render,
        notify=notify,
    )
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[Client]:
    """The pages with the bot beside them, as `python -m bot run` serves them."""
    client = await web_client(harness, notify=bot_notices(harness))
    yield client
    await client.close()


def bot_notices(harness: BotHarness) -> ChatNotices:
    return ChatNotices(harness.bot, harness.i18n, harness.clock, harness.reminders)


async def sent_in_background(client: Client) -> None:
    """What the page left to the background (the pupils' messages) has gone out."""
    assert await client.app[BACKGROUND].drain(5)


def teacher_form(**changes: str) -> dict[str, str]:
    form = {
        "teacher_name": "Петрова Ольга Ивановна",
        "country": "RU",
        "country_other": "",
        "city": "Хабаровск",
        "school": "Гимназия № 5",
        "email": "olga@school5.ru",
        "phone": "",
        "class_name": "8 «Б»",
        "size": "25",
        "roster": ROSTER,
        "consent": "yes",
    }
    form.update(changes)
    return form


async def get(client: Client, path: str, lang: str = "ru", status: int = 200) -> str:
    response = await client.get(path, headers=HEADERS[lang], allow_redirects=False)
    text = await response.text()
    assert response.status == status, text[:3000]
    return text


async def csrf(client: Client, page: str, lang: str) -> str:
    found = CSRF.search(await get(client, page, lang))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def send(
    client: Client,
    path: str,
    fields: dict[str, str],
    *,
    lang: str = "ru",
    status: int = 200,
    page: str | None = None,
    upload: tuple[str, bytes] | None = None,
) -> Any:
    """A multipart form post (as the browser sends the class form) with the page's token."""
    data = FormData()
    data.add_field("csrf_token", await csrf(client, page or path, lang))
    for name, value in fields.items():
        data.add_field(name, value)
    if upload is not None:
        data.add_field("roster_file", io.BytesIO(upload[1]), filename=upload[0])
    response = await client.post(path, data=data, headers=HEADERS[lang], allow_redirects=False)
    assert response.status == status, (await response.text())[:3000]
    return response


def hidden_fields(preview: str) -> dict[str, str]:
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(preview)}
    fields.pop("csrf_token", None)
    roster = HIDDEN_ROSTER.search(preview)
    assert roster is not None
    fields["roster"] = html.unescape(roster.group(1))
    return fields


async def register_class(
    client: Client, lang: str = "ru", upload: tuple[str, bytes] | None = None, **changes: str
) -> str:
    """The form, its preview confirmed: the class page's token."""
    form_page = f"/e/{SLUG}/class"
    response = await send(client, form_page, teacher_form(**changes), lang=lang, upload=upload)
    preview = await response.text()
    confirm = {**hidden_fields(preview), "action": "confirm"}
    response = await send(
        client, f"{form_page}/confirm", confirm, lang=lang, status=303, page=form_page
    )
    found = CLASS_PAGE.match(response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


async def the_class(harness: BotHarness) -> SchoolClass:
    async with harness.session_factory() as session:
        found = await session.scalar(
            select(SchoolClass).options(selectinload(SchoolClass.students))
        )
    assert found is not None
    return found


def active_names(school_class: SchoolClass) -> list[str]:
    return [s.full_name for s in school_class.students if s.status == StudentStatus.ACTIVE]


# --- the form ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_event_page_links_to_the_class_form_with_the_bots_questions(
    client: Client, lang: str
) -> None:
    t = T[lang]
    assert f'href="/e/{SLUG}/class"' in await get(client, f"/e/{SLUG}", lang)
    page = await get(client, f"/e/{SLUG}/class", lang)
    assert 'enctype="multipart/form-data"' in page
    for text in (
        t("class-ask-teacher-name"),
        t("class-ask-school"),
        t("class-ask-class-name"),
        t("web-class-field-roster-file"),
    ):
        assert html.escape(text) in page
    assert 'name="roster_file"' in page and 'name="homepage"' in page


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_pasted_roster_is_previewed_then_the_class_registered(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    response = await send(client, f"/e/{SLUG}/class", teacher_form(), lang=lang)
    preview = await response.text()
    assert html.escape(t("web-class-preview-count", count=3)) in preview
    for name in PUPILS:
        assert f"<li>{name}</li>" in preview
    # The repeat with its name and rows, the blank row and the header by their numbers.
    rows = "3, 6" if lang == "ru" else "3、6"
    repeat = label(t("roster-duplicate-line", name="Сидорова Мария", rows=rows))
    assert f'<li class="roster-repeat">{html.escape(repeat)}</li>' in preview
    assert html.escape(t("roster-empty-rows-line", count=1, rows="4")) in preview
    assert html.escape(t("roster-header-line", count=1, rows="1")) in preview
    assert await harness_classes(harness) == 0  # nothing saved before confirming

    token = await register_class(client, lang)
    school_class = await the_class(harness)
    assert school_class.source == "web" and school_class.teacher_id is None
    assert school_class.access_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert active_names(school_class) == PUPILS
    assert (school_class.name, school_class.declared_size, school_class.country) == (
        "8 «Б»",
        25,
        "RU",
    )
    assert school_class.language == lang
    page = await get(client, f"/class/{token}?welcome=1", lang)
    assert html.escape(t("web-class-welcome-title")) in page
    assert all(name in page for name in PUPILS)


async def harness_classes(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        return int(await session.scalar(select(sa.func.count()).select_from(SchoolClass)) or 0)


def xlsx_roster() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Список 8 «Б» класса"])
    sheet.append(["№", "Фамилия", "Имя"])
    sheet.append([1, "Петрова", "Анна"])
    sheet.append([2, "Сидорова", "Мария"])
    sheet.append([3, "Ким", "Дмитрий"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES = {
    "txt-utf8": ("список.txt", "Петрова Анна\nСидорова Мария\nКим Дмитрий\n".encode()),
    "txt-cp1251": (
        "список.TXT",
        "Петрова Анна\r\nСидорова Мария\r\nКим Дмитрий\r\n".encode("cp1251"),
    ),
    "csv": (
        "class.csv",
        "№;ФИО;Класс\n1;Петрова Анна;8Б\n2;Сидорова Мария;8Б\n3;Ким Дмитрий;8Б\n".encode(),
    ),
    "xlsx": ("class.xlsx", xlsx_roster()),
}


@pytest.mark.parametrize("kind", list(FILES))
async def test_each_file_type_is_read_by_the_bots_rules(
    harness: BotHarness, client: Client, kind: str
) -> None:
    upload = FILES[kind]
    response = await send(
        client, f"/e/{SLUG}/class", teacher_form(roster=""), lang="zh", upload=upload
    )
    preview = await response.text()
    for name in ("Петрова Анна", "Сидорова Мария", "Ким Дмитрий"):
        assert f"<li>{name}</li>" in preview
    await register_class(client, "zh", upload=upload, roster="")
    assert active_names(await the_class(harness)) == [
        "Петрова Анна",
        "Сидорова Мария",
        "Ким Дмитрий",
    ]


async def test_a_file_wins_over_the_pasted_text(client: Client) -> None:
    response = await send(client, f"/e/{SLUG}/class", teacher_form(), upload=FILES["txt-utf8"])
    assert "Сергеевна" not in await response.text()


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_each_wrong_field_is_shown_next_to_it_with_everything_typed_kept(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    roster = "Петрова Анна\nИванов 5А\nСидорова Мария\n12345\n"
    form = teacher_form(
        teacher_name="", size="0", email="olga@", city="<b>Хабаровск</b>", roster=roster
    )
    form.pop("consent")
    response = await send(client, f"/e/{SLUG}/class", form, lang=lang, status=400)
    page = await response.text()
    assert (
        f'<p class="field-error" id="teacher_name-error">{html.escape(t("web-form-required"))}'
        in page
    )
    size_error = html.escape(t("class-size-invalid", max=100))
    assert f'<p class="field-error" id="size-error">{size_error}' in page
    assert 'id="email-error"' in page and 'id="consent-error"' in page
    # The first bad row's message and the others' numbers, next to the roster.
    bad_row = t("roster-bad-row", row=2, reason="digits")
    more = t("roster-more-bad-rows", count=1, rows="4")
    assert f'id="roster-error">{html.escape(bad_row + " " + more)}' in page
    # Everything typed is kept, escaped.
    assert 'value="olga@"' in page and 'value="&lt;b&gt;Хабаровск&lt;/b&gt;"' in page
    assert f">{html.escape(roster)}</textarea>" in page
    assert await harness_classes(harness) == 0


async def test_a_refused_roster_file_is_explained_next_to_the_file_input(client: Client) -> None:
    t = T["ru"]
    response = await send(
        client,
        f"/e/{SLUG}/class",
        teacher_form(roster=""),
        status=400,
        upload=("class.docx", b"PK\x03\x04 not a roster"),
    )
    page = await response.text()
    message = html.escape(t("roster-unsupported-type", extension=".docx"))
    assert f'id="roster_file-error">{message}' in page
    # Too big for a roster but within the body limit: the bot's message, not a 413.
    big = ("class.txt", b"x" * (1024 * 1024 + 10))
    response = await send(client, f"/e/{SLUG}/class", teacher_form(), status=400, upload=big)
    assert 'id="roster_file-error"' in await response.text()


async def test_a_form_without_its_csrf_token_is_refused(
    harness: BotHarness, client: Client
) -> None:
    data = FormData()
    for name, value in teacher_form().items():
        data.add_field(name, value)
    data.add_field("roster_file", "Ким Дмитрий".encode(), filename="a.txt")
    response = await client.post(f"/e/{SLUG}/class", data=data, headers=RU)
    assert response.status == 403
    assert T["ru"]("web-error-403-title") in await response.text()
    response = await client.post(f"/e/{SLUG}/class/confirm", data=teacher_form(), headers=RU)
    assert response.status == 403
    assert await harness_classes(harness) == 0


async def test_an_upload_over_the_body_limit_gets_the_413_page(client: Client) -> None:
    huge = ("class.xlsx", b"PK\x03\x04" + b"0" * (3 * 1024 * 1024))
    response = await send(client, f"/e/{SLUG}/class", teacher_form(), status=413, upload=huge)
    assert T["ru"]("web-error-413-title") in await response.text()


async def test_a_filled_honeypot_saves_nothing(harness: BotHarness, client: Client) -> None:
    response = await send(
        client, f"/e/{SLUG}/class", teacher_form(homepage="http://spam"), status=303
    )
    assert response.headers["Location"].startswith("/class/")
    assert await harness_classes(harness) == 0


async def test_the_same_class_sent_twice_is_registered_once(
    harness: BotHarness, client: Client
) -> None:
    await register_class(client)
    form_page = f"/e/{SLUG}/class"
    preview = await (await send(client, form_page, teacher_form(email="OLGA@school5.ru"))).text()
    confirm = {**hidden_fields(preview), "action": "confirm"}
    response = await send(client, f"{form_page}/confirm", confirm, status=409, page=form_page)
    assert html.escape(T["ru"]("web-class-taken-title")) in await response.text()
    assert await harness_classes(harness) == 1
    # Another class of the same teacher is welcome, as in the bot.
    await register_class(client, class_name="9 «А»")
    assert await harness_classes(harness) == 2


async def test_back_from_the_preview_keeps_everything(client: Client) -> None:
    form_page = f"/e/{SLUG}/class"
    preview = await (await send(client, form_page, teacher_form())).text()
    back = {**hidden_fields(preview), "action": "back"}
    page = await (await send(client, f"{form_page}/confirm", back, page=form_page)).text()
    assert 'value="olga@school5.ru"' in page and 'value="8 «Б»"' in page
    assert "\n".join(PUPILS) in page


async def test_no_class_form_once_registration_is_closed(
    harness: BotHarness, client: Client
) -> None:
    harness.clock.set(DEADLINE + timedelta(minutes=1))
    assert html.escape(T["ru"]("web-register-closed")) in await get(
        client, f"/e/{SLUG}/class", status=409
    )


# --- the class page ---------------------------------------------------------------------------


async def test_the_class_page_is_private_and_a_forged_token_is_a_404(client: Client) -> None:
    token = await register_class(client)
    response = await client.get(f"/class/{token}", headers=RU)
    assert response.status == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "no-store" in response.headers["Cache-Control"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (f"/class/{forged}", f"/class/{forged}/certificates.zip", "/class/x"):
        response = await client.get(path, headers=RU)
        assert response.status == 404
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_a_new_link_revokes_the_old_one(client: Client) -> None:
    token = await register_class(client)
    response = await send(client, f"/class/{token}/new-link", {}, page=f"/class/{token}")
    new = re.search(r"/class/([A-Za-z0-9_-]{40,})</a>", await response.text())
    assert new is not None and new.group(1) != token
    await get(client, f"/class/{token}", status=404)
    await get(client, f"/class/{new.group(1)}")


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_roster_is_replaced_through_the_same_preview(
    harness: BotHarness, client: Client, lang: str
) -> None:
    token = await register_class(client, lang)
    home = f"/class/{token}"
    response = await send(
        client, f"{home}/roster", {"roster": "Ли Вэй\nВан Фан\nЛи Вэй\n"}, lang=lang, page=home
    )
    preview = await response.text()
    assert "<li>Ли Вэй</li>" in preview and "<li>Ван Фан</li>" in preview
    assert response.headers["Referrer-Policy"] == "no-referrer"
    confirm = {**hidden_fields(preview), "action": "confirm"}
    response = await send(
        client, f"{home}/roster/confirm", confirm, lang=lang, status=303, page=home
    )
    assert response.headers["Location"] == f"{home}?done=replaced"
    assert active_names(await the_class(harness)) == ["Ли Вэй", "Ван Фан"]
    page = await get(client, f"{home}?done=replaced", lang)
    assert html.escape(T[lang]("classes-replaced", count=2)) in page
    # A refused roster: its message next to the input, the typed text kept.
    response = await send(
        client, f"{home}/roster", {"roster": "Ли 1"}, lang=lang, status=400, page=home
    )
    page = await response.text()
    assert 'id="roster-error"' in page and ">Ли 1</textarea>" in page
    # After the deadline (the bot's rule), the roster no longer changes.
    harness.clock.set(DEADLINE + timedelta(minutes=1))
    assert "/roster" not in await get(client, home, lang)
    response = await send(
        client, f"{home}/roster/confirm", confirm, lang=lang, status=409, page=home
    )
    assert active_names(await the_class(harness)) == ["Ли Вэй", "Ван Фан"]


async def test_cancel_after_a_confirmation(harness: BotHarness, client: Client) -> None:
    token = await register_class(client)
    home = f"/class/{token}"
    confirm = await get(client, f"{home}/cancel")
    assert html.escape(T["ru"]("web-class-cancel-title")) in confirm
    response = await send(client, f"{home}/cancel", {}, status=303, page=f"{home}/cancel")
    assert response.headers["Location"] == f"{home}?done=cancelled"
    assert (await the_class(harness)).status == "cancelled"
    page = await get(client, f"{home}?done=cancelled")
    assert html.escape(T["ru"]("web-class-status", status="cancelled")) in page


# --- the consent ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_web_consent_names_the_erase_button_instead_of_delete_me(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    page = await get(client, f"/e/{SLUG}/class", lang)
    web_text = label(t("web-class-consent-text"))
    assert "/delete_me" not in page and t("web-class-erase") in web_text
    for paragraph in web_text.split("\n\n")[1:]:
        assert html.escape(paragraph.strip()) in page
    assert f'<span class="nowrap">{CONSENT_VERSION}</span>' in page
    # The bot's text stays the bot's: /delete_me, said in the chat.
    assert "/delete_me" in t("class-consent-text")
    # The same consent (one version): only the way to withdraw it differs.
    await register_class(client, lang)
    assert (await the_class(harness)).consent_version == CONSENT_VERSION
    if lang == "zh":  # the teacher's own statement, as the bot's
        assert "我" in web_text and "您" not in web_text


# --- erase ----------------------------------------------------------------------------------


async def post_erase(client: Client, home: str, lang: str = "ru", status: int = 200) -> str:
    """The erase confirmation's form sent (its CSRF token from the class form's page: one per
    browser, so it serves a page that no longer opens too)."""
    response = await send(
        client, f"{home}/erase", {}, lang=lang, status=status, page=f"/e/{SLUG}/class"
    )
    text: str = await response.text()
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return text


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_erase_takes_the_teachers_data_and_the_roster_and_the_link(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    token = await register_class(client, lang)
    home = f"/class/{token}"
    assert f'href="{home}/erase"' in await get(client, home, lang)
    confirm = await get(client, f"{home}/erase", lang)
    assert html.escape(t("web-class-erase-title")) in confirm
    assert html.escape(t("web-class-erase-text", class_name="8 «Б»")) in confirm
    assert f'action="{home}/erase"' in confirm and f'href="{home}"' in confirm
    assert (await the_class(harness)).teacher_name is not None  # asking changes nothing

    page = await post_erase(client, home, lang)
    assert html.escape(t("web-class-erased-title")) in page
    erased = await the_class(harness)
    assert erased.status == "cancelled" and erased.cancelled_at is not None
    for name in ("teacher_name", "country", "city", "school", "email", "phone"):
        assert getattr(erased, name) is None, name
    assert erased.students == [] and erased.access_token_hash is None
    # An anonymous count stays.
    assert (erased.name, erased.declared_size, erased.language) == ("8 «Б»", 25, lang)
    # The link opens nothing now, and erasing again finds nothing: the private 404 page.
    for path in (home, f"{home}/erase", f"{home}/calendar.ics"):
        await get(client, path, lang, status=404)
    again = await post_erase(client, home, lang, status=404)
    assert html.escape(t("web-error-404-title")) in again
    async with harness.session_factory() as session:
        assert await session.scalar(select(sa.func.count()).select_from(SchoolClass)) == 1


async def test_erase_with_a_forged_or_stale_token_changes_nothing(
    harness: BotHarness, client: Client
) -> None:
    token = await register_class(client)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    await get(client, f"/class/{forged}/erase", status=404)
    await post_erase(client, f"/class/{forged}", status=404)
    # A new link revokes the old one: the old one cannot erase either.
    response = await send(client, f"/class/{token}/new-link", {}, page=f"/class/{token}")
    new = re.search(r"/class/([A-Za-z0-9_-]{40,})</a>", await response.text())
    assert new is not None
    await post_erase(client, f"/class/{token}", status=404)
    school_class = await the_class(harness)
    assert school_class.status == "active" and active_names(school_class) == PUPILS
    # Without its CSRF token, the erase is refused.
    response = await client.post(f"/class/{new.group(1)}/erase", headers=RU)
    assert response.status == 403
    assert (await the_class(harness)).teacher_name == "Петрова Ольга Ивановна"


SAME_DATA: dict[str, Any] = {
    "teacher": TeacherDetails(
        name="Петрова Ольга", country="RU", city="Хабаровск", school="Школа № 5",
        email="olga@school5.ru", phone="+79991234567",
    ),
    "name": "8 «Б»",
    "declared_size": 3,
    "students": PUPILS,
    "language": "ru",
}  # fmt: skip
# What is not data about the class: which row, how it is reached, when it changed.
NOT_COMPARED = {
    "id", "code", "teacher_id", "source", "access_token_hash", "created_at", "updated_at",
    "cancelled_at", "consent_at",
}  # fmt: skip


async def test_erase_on_the_page_keeps_what_delete_me_keeps_of_a_bot_class(
    harness: BotHarness, client: Client
) -> None:
    """The same rule: a class registered in the bot whose teacher sends /delete_me, and the
    same class registered on the web and erased on its page, keep the same columns."""
    teacher = harness.user(60)
    await teacher.send("/start")
    async with harness.session_factory() as session:
        service = ClassService(session, harness.catalog, harness.clock)
        bot_class = await service.create(
            teacher_id=60, slug=SLUG, consent_at=harness.clock.now(), **SAME_DATA
        )
        web_class, token = await service.create_on_web(
            slug=SLUG, consent_at=harness.clock.now(), **SAME_DATA
        )
        for c in (bot_class, web_class):  # both bound to a group
            c.group_chat_id, c.group_title, c.bound_at = -100, "8 Б", harness.clock.now()
        await session.commit()
        ids = (bot_class.id, web_class.id)
        await RegistrationService(session, harness.catalog, harness.clock).erase_user(60)
    await post_erase(client, f"/class/{token}")
    async with harness.session_factory() as session:
        rows = [
            await session.get(SchoolClass, i, options=[selectinload(SchoolClass.students)])
            for i in ids
        ]
    bot_row, web_row = (
        {c.name: getattr(r, c.name) for c in SchoolClass.__table__.columns} for r in rows
    )
    assert bot_row["teacher_name"] is None and bot_row["status"] == "cancelled"
    assert {k: v for k, v in web_row.items() if k not in NOT_COMPARED} == {
        k: v for k, v in bot_row.items() if k not in NOT_COMPARED
    }
    assert [r.students for r in rows if r is not None] == [[], []]


# --- the calendar -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_class_calendar_file_is_the_personal_pages_with_the_class_page_in_it(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    token = await register_class(client, lang)
    home = f"/class/{token}"
    assert f'href="{home}/calendar.ics"' in await get(client, home, lang)

    async def calendar() -> Any:
        response = await client.get(f"{home}/calendar.ics", headers=HEADERS[lang])
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
        assert f'filename="{SLUG}.ics"' in response.headers["Content-Disposition"]
        [vevent] = icalendar.Calendar.from_ical(await response.read()).walk("VEVENT")
        return vevent

    vevent = await calendar()
    assert vevent.decoded("dtstart") == START
    assert str(vevent["summary"]) == harness.catalog.get(SLUG).title.get(lang)  # type: ignore[union-attr]
    assert t("web-class-calendar-description") in str(vevent["description"])
    # The link only once the bot would show it (/link's rule), as on the personal page.
    assert str(vevent["location"]) == t("web-class-calendar-location-online")
    assert "url" not in vevent
    harness.clock.set(START - timedelta(minutes=10))  # the last reminder brings the link
    vevent = await calendar()
    assert str(vevent["location"]) == str(vevent["url"]) == "https://voov.example/j/1"
    await get(client, "/class/x/calendar.ics", lang, status=404)


# --- Telegram: the pupils' link and the class's group ------------------------------------------


def telegram_links(page: str) -> tuple[str | None, str | None]:
    pupil = re.search(rf'href="https://t\.me/{BOT}\?start=class_([\w-]+)"', page)
    group = re.search(rf'href="https://t\.me/{BOT}\?startgroup=([\w-]+)"', page)
    return (pupil.group(1) if pupil else None, group.group(1) if group else None)


async def ask_to_join(harness: BotHarness, code: str, pupils: dict[int, tuple[str, str]]) -> None:
    """Pupils (user id: name, the language of their chat) ask through the class link."""
    for user_id, (name, lang) in pupils.items():
        pupil = harness.user(user_id, lang)
        await pupil.send(f"/start class_{code}")
        await pupil.send(name)
        assert pupil.last() == harness.i18n(lang)(
            "class-join-sent", teacher="Петрова Ольга Ивановна"
        ), "we'll let you know"


# Chinese and Russian pupils: each is told in their chat's language, whatever the page's.
JOINING = {61: ("Лю Ян", "zh"), 62: ("Ван Фан", "ru")}


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_pupils_join_by_the_bots_link_and_the_teacher_decides_on_the_page(
    harness: BotHarness, client: Client, lang: str
) -> None:
    t = T[lang]
    token = await register_class(client, lang)
    home = f"/class/{token}"
    page = await get(client, home, lang)
    code = (await the_class(harness)).code
    assert telegram_links(page) == (code, code)
    assert html.escape(t("web-class-join-link-hint")) in page
    assert html.escape(t("web-class-group-link-hint")) in page
    # Two pupils ask in the bot; the page lists their requests with the bot's two buttons.
    await ask_to_join(harness, code, JOINING)
    page = await get(client, home, lang)
    assert html.escape(t("web-class-requests")) in page
    students = {s.full_name: s.id for s in (await the_class(harness)).students}
    for name, _ in JOINING.values():
        assert f'action="{home}/requests/{students[name]}"' in page
    assert label(t("class-join-approve")) in page and label(t("class-join-decline")) in page

    async def decide(name: str, decision: str, status: int = 200) -> str:
        response = await send(
            client,
            f"{home}/requests/{students[name]}",
            {"decision": decision},
            lang=lang,
            status=status,
            page=home,
        )
        return str(await response.text())

    page = await decide("Лю Ян", "approve")
    assert html.escape(t("class-join-approved-teacher", name="Лю Ян")) in page
    page = await decide("Ван Фан", "decline")
    assert html.escape(t("class-join-declined-teacher", name="Ван Фан")) in page
    school_class = await the_class(harness)
    assert active_names(school_class) == [*PUPILS, "Лю Ян"]
    assert [s.full_name for s in school_class.students] == [*PUPILS, "Лю Ян"]
    assert 'id="requests"' not in page
    # Each pupil is told in the chat, in the chat's language, what the bot's buttons say.
    await sent_in_background(client)
    zh, ru = harness.i18n("zh"), harness.i18n("ru")
    assert harness.user(61).last() == zh("class-join-approved", name="Лю Ян")
    assert harness.user(62).last() == ru("class-join-declined", name="Ван Фан")
    # Decided already (a second click, a reload): said so, nothing changes, nobody is told.
    sent = len(harness.session.sent)
    page = await decide("Лю Ян", "decline", status=409)
    assert html.escape(t("class-join-decided")) in page
    assert active_names(await the_class(harness)) == [*PUPILS, "Лю Ян"]
    await sent_in_background(client)
    assert len(harness.session.sent) == sent


async def test_the_page_and_the_chat_tell_the_pupil_the_same_words(harness: BotHarness) -> None:
    """The class page's decision and the chat's buttons send the pupil one message: a bot
    class decided in the chat, a web class on its page."""
    teacher = harness.user(60, "ru")
    await teacher.send("/start")
    async with harness.session_factory() as session:
        bot_class = await ClassService(session, harness.catalog, harness.clock).create(
            teacher_id=60,
            slug=SLUG,
            teacher=TeacherDetails("Петрова Ольга Ивановна", "RU", "Хабаровск", "Школа", "", ""),
            name="9 «А»",
            declared_size=3,
            students=PUPILS,
            language="ru",
            consent_at=harness.clock.now(),
        )
    pupil = harness.user(61, "zh")
    await pupil.send(f"/start class_{bot_class.code}")
    await pupil.send("Лю Ян")
    await teacher.click("Добавить")
    in_chat = pupil.last()
    client = await web_client(harness, notify=bot_notices(harness))
    try:
        token = await register_class(client)
        await pupil.send(f"/start class_{(await all_classes(harness))[1].code}")
        await pupil.send("Лю Ян")
        [request] = [s for s in (await all_classes(harness))[1].students if s.user_id == 61]
        home = f"/class/{token}"
        await send(client, f"{home}/requests/{request.id}", {"decision": "approve"}, page=home)
        await sent_in_background(client)
    finally:
        await client.close()
    assert pupil.last() == in_chat == harness.i18n("zh")("class-join-approved", name="Лю Ян")


async def test_telegram_out_of_reach_leaves_the_decision_saved_and_the_page_as_it_was(
    harness: BotHarness, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    token = await register_class(client)
    home = f"/class/{token}"
    await ask_to_join(harness, (await the_class(harness)).code, {61: ("Лю Ян", "zh")})
    [request] = [s for s in (await the_class(harness)).students if s.user_id == 61]
    failure = TelegramNetworkError(SendMessage(chat_id=61, text=""), "Cannot connect to host")
    harness.session.chat_failures[61] = [failure]
    response = await send(
        client, f"{home}/requests/{request.id}", {"decision": "approve"}, page=home
    )
    assert (
        html.escape(T["ru"]("class-join-approved-teacher", name="Лю Ян")) in await response.text()
    )
    await sent_in_background(client)
    assert active_names(await the_class(harness)) == [*PUPILS, "Лю Ян"]
    assert harness.user(61).last() == harness.i18n("zh")(
        "class-join-sent", teacher="Петрова Ольга Ивановна"
    )
    # One line, with no name in it.
    [line] = [r for r in caplog.records if "pupil" in r.getMessage()]
    assert line.levelname == "WARNING" and "TelegramNetworkError" in line.getMessage()
    assert "Лю Ян" not in caplog.text
    # The pupil sees it on opening the class link again, as without a bot.
    pupil = harness.user(61, "zh")
    await pupil.send(f"/start class_{(await the_class(harness)).code}")
    await pupil.send("Лю Ян")
    assert pupil.last() == harness.i18n("zh")("class-join-already", name="Лю Ян")


class SlowTelegram:
    """The bot's notices held until the test lets them go: Telegram slow, or a paced wave."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.told: list[JoinDecision] = []

    async def registered(self, user_id: int, reg: Any) -> None:
        raise AssertionError("no registration here")

    async def join_decided(self, decision: JoinDecision) -> None:
        await self.go.wait()
        self.told.append(decision)


async def test_the_page_answers_without_waiting_for_telegram(harness: BotHarness) -> None:
    slow = SlowTelegram()
    client = await web_client(harness, notify=slow)
    try:
        token = await register_class(client)
        await ask_to_join(harness, (await the_class(harness)).code, {61: ("Лю Ян", "zh")})
        [request] = [s for s in (await the_class(harness)).students if s.user_id == 61]
        home = f"/class/{token}"
        response = await asyncio.wait_for(
            send(client, f"{home}/requests/{request.id}", {"decision": "decline"}, page=home),
            timeout=5,
        )
        assert html.escape(T["ru"]("class-join-declined-teacher", name="Лю Ян")) in (
            await response.text()
        )
        assert [s.full_name for s in (await the_class(harness)).students] == PUPILS
        background = client.app[BACKGROUND]
        assert background.running == 1 and slow.told == []
        slow.go.set()
    finally:
        await client.close()  # the app's cleanup lets the message go out
    assert background.running == 0
    assert slow.told == [JoinDecision(61, "Лю Ян", approved=False, language="zh")]


async def test_shutdown_waits_a_while_for_a_message_then_drops_it() -> None:
    background = Background()
    never, quick_done = asyncio.Event(), asyncio.Event()
    cancelled: list[bool] = []

    async def unanswered() -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def quick() -> None:
        await asyncio.sleep(0)
        quick_done.set()

    background.start(unanswered(), "a message Telegram never answers")
    background.start(quick(), "a message")
    assert background.running == 2
    assert not await background.drain(0.05)
    assert quick_done.is_set() and cancelled == [True] and background.running == 0
    assert await background.drain(0.05)  # nothing left


async def test_without_a_bot_the_decision_is_saved_and_the_pupil_sees_it_by_the_link(
    harness: BotHarness,
) -> None:
    """`python -m bot run` without BOT_TOKEN (or a request left from when the bot ran): the
    pages have no bot to send with; the decision stands, and the class link says it."""
    client = await web_client(harness, notify=None)
    try:
        token = await register_class(client)
        code = (await the_class(harness)).code
        await ask_to_join(harness, code, JOINING)
        students = {s.full_name: s.id for s in (await the_class(harness)).students}
        home = f"/class/{token}"
        sent = len(harness.session.sent)
        for name, decision in (("Лю Ян", "approve"), ("Ван Фан", "decline")):
            await send(
                client, f"{home}/requests/{students[name]}", {"decision": decision}, page=home
            )
        assert client.app[BACKGROUND].running == 0
    finally:
        await client.close()
    assert len(harness.session.sent) == sent  # nothing sent
    assert active_names(await the_class(harness)) == [*PUPILS, "Лю Ян"]
    approved, declined = harness.user(61, "zh"), harness.user(62, "ru")
    await approved.send(f"/start class_{code}")
    await approved.send("Лю Ян")
    assert approved.last() == harness.i18n("zh")("class-join-already", name="Лю Ян")
    # The one declined finds no request waiting, and may ask again.
    await declined.send(f"/start class_{code}")
    await declined.send("Ван Фан")
    assert declined.last() == harness.i18n("ru")(
        "class-join-sent", teacher="Петрова Ольга Ивановна"
    )


async def test_a_request_of_another_class_cannot_be_decided_here(
    harness: BotHarness, client: Client
) -> None:
    mine = await register_class(client)
    other = await register_class(client, class_name="9 «А»")
    [_, other_class] = await all_classes(harness)
    pupil = harness.user(61)
    await pupil.send(f"/start class_{other_class.code}")
    await pupil.send("Лю Ян")
    [request] = [s for s in (await all_classes(harness))[1].students if s.full_name == "Лю Ян"]
    home = f"/class/{mine}"
    response = await send(
        client, f"{home}/requests/{request.id}", {"decision": "approve"}, status=409, page=home
    )
    assert html.escape(T["ru"]("class-join-decided")) in await response.text()
    # Nonsense is sent back to the page; the request waits for its own teacher.
    for path in (f"{home}/requests/x", f"{home}/requests/{request.id}"):
        response = await send(client, path, {"decision": "maybe"}, status=303, page=home)
        assert response.headers["Location"] == home
    assert f"/requests/{request.id}" in await get(client, f"/class/{other}")
    assert [s.status for s in (await all_classes(harness))[1].students][-1] == "pending"


async def all_classes(harness: BotHarness) -> list[SchoolClass]:
    async with harness.session_factory() as session:
        rows = await session.scalars(
            select(SchoolClass).options(selectinload(SchoolClass.students)).order_by(SchoolClass.id)
        )
        return list(rows.all())


async def test_the_group_bound_through_the_pages_link_is_shown(
    harness: BotHarness, client: Client
) -> None:
    token = await register_class(client)
    _, code = telegram_links(await get(client, f"/class/{token}"))
    assert code is not None
    group = -100777
    harness.session.group_admins[group] = {72}  # a web class has no teacher's chat: an admin
    await harness.user(72).send_in_group(group, f"/start@{BOT_USER.username} {code}")
    page = await get(client, f"/class/{token}")
    assert html.escape(T["ru"]("web-class-group-bound", group="8 Б")) in page
    assert telegram_links(page) == (code, None)


async def test_no_pupils_link_once_registration_closes_and_none_without_a_bot(
    harness: BotHarness, client: Client
) -> None:
    token = await register_class(client)
    home = f"/class/{token}"
    code = (await the_class(harness)).code
    harness.clock.set(DEADLINE + timedelta(minutes=1))
    # The bot takes no requests then; the group still gets the reminders.
    assert telegram_links(await get(client, home)) == (None, code)
    harness.clock.set(AFTER)
    assert 'id="telegram"' not in await get(client, home)
    harness.clock.set(DEADLINE - timedelta(days=1))
    no_bot = await web_client(harness, bot_username=None)
    try:
        page = await get(no_bot, home)
    finally:
        await no_bot.close()
    assert telegram_links(page) == (None, None) and "t.me/" not in page
    assert 'id="telegram"' not in page


# --- after the event: certificates; stats and export -------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_class_checks_in_and_gets_its_certificates_as_one_zip(
    harness: BotHarness, client: Client, lang: str
) -> None:
    token = await register_class(client, lang)
    home = f"/class/{token}"
    await get(client, f"{home}/certificates.zip", lang, status=404)  # not issued yet
    harness.clock.set(START + timedelta(minutes=5))
    response = await send(client, f"{home}/checkin", {}, lang=lang, status=303, page=home)
    assert response.headers["Location"] == f"{home}?done=checkin-done"
    harness.clock.set(AFTER)
    await harness.certificates.reconcile()
    async with harness.session_factory() as session:
        [certificate] = (await session.scalars(select(Certificate))).all()
    # No Telegram chat: issued, not sent; the class page hands it out.
    assert certificate.recipient_id is None and certificate.class_id is not None
    page = await get(client, home, lang)
    assert certificate.number in page and f"{home}/certificates.zip" in page

    response = await client.get(f"{home}/certificates.zip", headers=HEADERS[lang])
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    name = T[lang]("web-class-certificates-file-name", number=certificate.number)
    disposition = response.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote(name + '.zip', safe='')}" in disposition
    assert f'filename="class-certificates-{certificate.number}.zip"' in disposition
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    files = archive.namelist()
    assert len(files) == 1 + len(PUPILS)  # the letter of thanks and a certificate per pupil
    letter = PdfReader(io.BytesIO(archive.read(files[0])))
    assert len(letter.pages) == 1 and "Петрова Ольга Ивановна" in letter.pages[0].extract_text()
    for index, pupil in enumerate(PUPILS, 1):
        [file] = [f for f in files if f.startswith(f"{index:02d} ")]
        assert file == f"{index:02d} {pupil}.pdf"
        text = PdfReader(io.BytesIO(archive.read(file))).pages[0].extract_text()
        assert pupil in text and f"{certificate.number}/{index}" in text

    response = await client.get(f"{home}/letter.pdf", headers=HEADERS[lang])
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(await response.read())).pages) == 1


async def test_stats_and_export_count_the_web_class(harness: BotHarness, client: Client) -> None:
    await register_class(client)
    async with harness.session_factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == SLUG))
        assert event_id is not None
        counts = await class_counts(session, event_id)
        classes, students = class_tables(T["ru"], await event_classes(session, event_id))
    assert (counts.classes, counts.students, counts.groups) == (1, 3, 0)
    [row] = classes.rows
    assert row[-1] == T["ru"]("report-source", source="web") and row[-2] is None
    assert len(students.rows) == 3
    # The organizer's /stats in the bot counts it.
    from tests.harness import ORGANIZER_ID

    organizer = harness.user(ORGANIZER_ID)
    await organizer.send("/stats")
    assert T["ru"]("stats-classes", classes=1, students=3, groups=0) in "\n".join(organizer.texts())


# --- the migration ----------------------------------------------------------------------------


async def _insert(engine: AsyncEngine, table: str, **values: Any) -> None:
    names, params = ", ".join(values), ", ".join(f":{name}" for name in values)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(f"INSERT INTO {table} ({names}) VALUES ({params})"), values
        )


async def _classes(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT * FROM classes ORDER BY id"))
        return [dict(row._mapping) for row in rows]


async def test_migration_0010_up_and_down(tmp_path: Path, database_url: str | None) -> None:
    engine = create_engine(database_url or f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}")
    now = datetime(2025, 8, 1, tzinfo=UTC)
    try:
        await upgrade(engine, "0009")
        async with create_session_factory(engine)() as session:
            event = await EventRepository(session).upsert(
                SLUG, "ru", "zh", START, START + timedelta(hours=3), {}, now
            )
            await session.commit()
            event_id = event.id
        # By SQL: the ORM's User has columns of later migrations.
        await _insert(
            engine, "users", id=7, language="ru", is_reachable=True, created_at=now, updated_at=now
        )
        common = {
            "event_id": event_id,
            "status": "active",
            "declared_size": 3,
            "consent_at": now,
            "consent_version": "v1",
            "created_at": now,
            "updated_at": now,
            "teacher_name": "Петрова Ольга",
            "email": "olga@school5.ru",
        }
        await _insert(
            engine, "classes", id=1, code="bot1", name="5А", teacher_id=7, language="ru", **common
        )
        await upgrade(engine)
        [bot_class] = await _classes(engine)
        assert (bot_class["source"], bot_class["access_token_hash"]) == ("bot", None)
        # A web class (no teacher's chat) exists only from 0010 on.
        await _insert(
            engine,
            "classes",
            id=2,
            code="web2",
            name="8Б",
            language="zh",
            source="web",
            access_token_hash="a" * 64,
            **common,
        )
        await _insert(
            engine,
            "class_students",
            class_id=2,
            full_name="Ван Фан",
            status="active",
            created_at=now,
        )

        await downgrade(engine, "0009")
        bot_class, web_class = await _classes(engine)
        assert "source" not in bot_class and "access_token_hash" not in bot_class
        assert bot_class["status"] == "active" and bot_class["teacher_name"] == "Петрова Ольга"
        # The old model can neither reach nor erase a web class: it stays an anonymous count.
        assert web_class["status"] == "cancelled" and web_class["cancelled_at"] is not None
        assert (web_class["teacher_name"], web_class["email"]) == (None, None)
        async with engine.connect() as connection:
            assert await connection.scalar(sa.text("SELECT count(*) FROM class_students")) == 0
        await upgrade(engine)
        assert len(await _classes(engine)) == 2
    finally:
        await engine.dispose()
