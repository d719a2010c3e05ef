"""The class page replaces a roster by the bot's rule (tests/test_roster_replace.py): the preview
says what changes and names the pupils who joined by the link and would go; the teacher may
keep them. The page's helpers and fixtures come from tests/test_web_classes.py."""

from __future__ import annotations

import html

import pytest

from bot.services.classes.classes import ClassService, TeacherDetails
from tests.harness import BotHarness
from tests.test_web_classes import (  # noqa: F401  (client, events: fixtures)
    PUPILS,
    Client,
    T,
    active_names,
    ask_to_join,
    client,
    events,
    get,
    hidden_fields,
    register_class,
    send,
    sent_in_background,
    the_class,
)
from web.routes.registration import label

JOINED = {61: ("Лю Ян", "zh"), 62: ("Ван Фан", "ru")}


async def approve_all(client: Client, harness: BotHarness, home: str, lang: str) -> None:  # noqa: F811
    for student in (await the_class(harness)).students:
        if student.status == "pending":
            await send(
                client,
                f"{home}/requests/{student.id}",
                {"decision": "approve"},
                lang=lang,
                page=home,
            )


async def preview_of(client: Client, home: str, roster: str, lang: str) -> str:  # noqa: F811
    response = await send(client, f"{home}/roster", {"roster": roster}, lang=lang, page=home)
    return str(await response.text())


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_the_page_names_pupils_who_joined_by_link_and_may_keep_them(
    harness: BotHarness,
    client: Client,  # noqa: F811
    lang: str,
) -> None:
    t = T[lang]
    token = await register_class(client, lang)
    home = f"/class/{token}"
    code = (await the_class(harness)).code
    await ask_to_join(harness, code, JOINED)
    await approve_all(client, harness, home, lang)
    assert active_names(await the_class(harness)) == [*PUPILS, "Лю Ян", "Ван Фан"]

    preview = await preview_of(client, home, f"{PUPILS[0]}\nлю ян\nНовиков Олег", lang)
    assert html.escape(label(t("classes-replace-added", count=1))) in preview
    assert html.escape(label(t("classes-replace-removed", count=2))) in preview
    assert html.escape(label(t("classes-replace-joined", count=1))) in preview
    assert "<li>Ван Фан</li>" in preview and html.escape(t("classes-replace-keep-hint")) in preview
    assert label(t("classes-replace-btn-keep")) in preview
    # Nothing changes before the confirmation.
    assert active_names(await the_class(harness)) == [*PUPILS, "Лю Ян", "Ван Фан"]
    confirm = {**hidden_fields(preview), "action": "confirm"}
    await send(client, f"{home}/roster/confirm", confirm, lang=lang, status=303, page=home)
    school_class = await the_class(harness)
    assert active_names(school_class) == [PUPILS[0], "лю ян", "Новиков Олег"]
    # The pupil who stays is still known by their chat; the one named as going is gone.
    assert [s.user_id for s in school_class.students] == [None, 61, None]

    # "Replace but keep them": the pupil who joined by the link stays, after the new names.
    preview = await preview_of(client, home, "Новиков Олег", lang)
    keep = {**hidden_fields(preview), "action": "keep"}
    await send(client, f"{home}/roster/confirm", keep, lang=lang, status=303, page=home)
    school_class = await the_class(harness)
    assert active_names(school_class) == ["Новиков Олег", "лю ян"]
    assert [s.user_id for s in school_class.students] == [None, 61]
    page = await get(client, f"{home}?done=replaced", lang)
    assert html.escape(t("classes-replaced", count=2)) in page


async def test_without_the_preview_s_word_pupils_who_joined_stay(harness: BotHarness) -> None:
    """A replacement that named nobody as going drops nobody who joined by the link (a pupil
    approved after the preview, or a caller that shows no preview)."""
    async with harness.session_factory() as session:
        service = ClassService(session, harness.catalog, harness.clock)
        slug = next(iter(harness.catalog)).slug
        teacher = TeacherDetails("Петрова Ольга", "RU", "Хабаровск", "Школа № 5", "a@b.ru", "")
        school_class = await service.create(
            teacher_id=None,
            slug=slug,
            teacher=teacher,
            name="8 «Б»",
            declared_size=25,
            students=["Иванов Иван"],
            language="ru",
            consent_at=harness.clock.now(),
        )
        joined = await service.request_join(school_class.code, 77, "Лю Ян")
        await service.decide_join_in_class(school_class, joined.id, approve=True)
        change = service.roster_change(school_class, ["Петров Пётр"])
        assert change.joined_dropped == ((joined.id, "Лю Ян"),)
        assert change.removed == ("Иванов Иван",) and change.added == ("Петров Пётр",)
        assert await service.replace_roster(school_class, ["Петров Пётр"]) == 2
        assert [(s.full_name, s.user_id) for s in school_class.students] == [
            ("Петров Пётр", None),
            ("Лю Ян", 77),
        ]
        # A full new roster leaves no room to keep them: the choice is not offered.
        full = [f"Ученик {chr(0x410 + i // 32)}{chr(0x430 + i % 32)}" for i in range(100)]
        change = service.roster_change(school_class, full)
        assert change.joined_dropped == ((school_class.students[1].id, "Лю Ян"),)
        assert not change.offer_keep
        assert change.same_pupils is False


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_a_pupil_taken_off_on_the_page_is_told_in_their_language(
    harness: BotHarness,
    client: Client,  # noqa: F811
    lang: str,
) -> None:
    """Whatever the page's language: Лю Ян in Chinese, Ван Фан in Russian, as the bot's
    /classes tells them; "keep them" tells nobody."""
    token = await register_class(client, lang)
    home = f"/class/{token}"
    await ask_to_join(harness, (await the_class(harness)).code, JOINED)
    await approve_all(client, harness, home, lang)
    await sent_in_background(client)
    liu, wang = harness.user(61), harness.user(62)
    marks = len(liu.texts()), len(wang.texts())

    preview = await preview_of(client, home, "Новиков Олег", lang)
    keep = {**hidden_fields(preview), "action": "keep"}
    await send(client, f"{home}/roster/confirm", keep, lang=lang, status=303, page=home)
    await sent_in_background(client)
    assert (len(liu.texts()), len(wang.texts())) == marks

    preview = await preview_of(client, home, f"Новиков Олег\n{JOINED[62][0]}", lang)
    confirm = {**hidden_fields(preview), "action": "confirm"}
    await send(client, f"{home}/roster/confirm", confirm, lang=lang, status=303, page=home)
    await sent_in_background(client)
    assert liu.last() == "老师已将您移出班级名单：Лю Ян。如有误，请联系老师。"
    assert len(wang.texts()) == marks[1]  # still on the list
    assert active_names(await the_class(harness)) == ["Новиков Олег", "Ван Фан"]
