"""A teacher registers a class: own details, the class name and size, the roster (pasted or a
file), consent for the class, a summary, then the two links: one that adds the bot to the
class's Telegram group and one that pupils open to join the roster themselves."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.classes.classes import (
    ClassError,
    ClassService,
    TeacherDetails,
    validate_class_name,
    validate_size,
)
from bot.services.classes.roster import (
    MAX_FILE_BYTES,
    Roster,
    RosterError,
    check_roster_file,
    format_rows,
    parse_roster_file,
    parse_roster_text,
)
from bot.services.events.catalog import EventCatalog
from bot.services.registration.countries import canonical_country, country_label, known_names
from bot.services.registration.form import Field, Invalid, validate_phone, validate_text
from db.models import SchoolClass
from handlers import views
from handlers.callbacks import ClassStartCb, ClassStepCb
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT


class ClassForm(StatesGroup):
    teacher_name = State()
    country = State()
    city = State()
    school = State()
    email = State()
    phone = State()
    class_name = State()
    size = State()
    roster = State()
    roster_check = State()
    consent = State()
    summary = State()


# Teacher details reuse the participant form's rules (school = organization).
DETAIL_FIELDS: dict[str, Field] = {
    "teacher_name": Field.FULL_NAME,
    "country": Field.COUNTRY,
    "city": Field.CITY,
    "school": Field.ORGANIZATION,
    "email": Field.EMAIL,
}
ORDER = [
    "teacher_name",
    "country",
    "city",
    "school",
    "email",
    "phone",
    "class_name",
    "size",
    "roster",
]
MAX_CLASS = 100


def is_class_state(name: str | None) -> bool:
    return bool(name) and str(name).startswith(f"{ClassForm.__name__}:")


def _keyboard(t: Translator, *actions: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in actions:
        kb.button(text=t(f"class-btn-{action}"), callback_data=ClassStepCb(action=action))
    kb.adjust(1)
    return kb.as_markup()


async def ask(bot: Bot, chat_id: int, state: FSMContext, t: Translator, step: str) -> None:
    await state.set_state(getattr(ClassForm, step))
    if step == "roster":
        # In megabytes: «до 1 МБ» reads better than «до 1 024 КБ» (a fraction shows as 0,5).
        text = t("class-ask-roster", max=MAX_CLASS, max_mb=MAX_FILE_BYTES / 2**20)
    elif step == "size":
        text = t("class-ask-size", max=MAX_CLASS)
    else:
        text = t(f"class-ask-{step.replace('_', '-')}")
    markup = _keyboard(t, "skip") if step == "phone" else None
    await bot.send_message(chat_id, text, reply_markup=markup)


async def advance(bot: Bot, chat_id: int, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    answers = data.get("answers", {})
    for step in ORDER:
        if step not in answers:
            await ask(bot, chat_id, state, t, step)
            return
    if "consent_at" not in data:
        await state.set_state(ClassForm.consent)
        await bot.send_message(
            chat_id, t("class-consent-text"), reply_markup=_keyboard(t, "accept", "decline")
        )
        return
    await state.set_state(ClassForm.summary)
    await bot.send_message(
        chat_id, summary_text(t, data), reply_markup=_keyboard(t, "confirm", "cancel")
    )


async def repeat_step(bot: Bot, chat_id: int, state: FSMContext, t: Translator) -> None:
    """Show the pending question again (after /start, /help or a language switch)."""
    name = str(await state.get_state()).split(":", 1)[-1]
    if name in ORDER:
        await ask(bot, chat_id, state, t, name)
    else:
        await advance(bot, chat_id, state, t)


def summary_text(t: Translator, data: dict[str, Any]) -> str:
    a = data["answers"]
    names = a["roster"]
    return t(
        "class-summary",
        teacher=escape(a["teacher_name"]),
        # Separate values: each language punctuates the place its own way (A8 of the review).
        school=escape(a["school"]),
        city=escape(a["city"]),
        country=escape(country_label(t, a["country"])),
        email=escape(a["email"]),
        phone=escape(a["phone"]) if a["phone"] else t("answer-not-given"),
        class_name=escape(a["class_name"]),
        size=a["size"],
        count=len(names),
    )


async def start_class_form(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, slug: str, title: str
) -> None:
    await state.clear()
    await state.set_data({"slug": slug, "answers": {}})
    await bot.send_message(chat_id, t("class-intro", event=escape(title), max=MAX_CLASS))
    await advance(bot, chat_id, state, t)


async def _store(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, key: str, value: Any
) -> None:
    data = await state.get_data()
    data["answers"] = {**data.get("answers", {}), key: value}
    await state.set_data(data)
    await advance(bot, chat_id, state, t)


# --- handlers ----------------------------------------------------------------------------


async def on_start_class(
    query: CallbackQuery,
    callback_data: ClassStartCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    if is_class_state(await state.get_state()):
        # A second tap while the class form is open: keep the answers, ask nothing twice.
        await query.answer(t("form-in-progress"))
        return
    await query.answer()
    service = ClassService(session, catalog, clock)
    event = service.open_event(callback_data.slug)
    await start_class_form(bot, query.from_user.id, state, t, event.slug, event.title.get(t.lang))


async def cmd_class(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    open_events = catalog.open(clock.now())
    if not open_events:
        await message.answer(t("home-closed"))
        return
    if len(open_events) > 1:
        kb = InlineKeyboardBuilder()
        for event in open_events:
            kb.button(
                text=event.title.get(t.lang)[:60], callback_data=ClassStartCb(slug=event.slug)
            )
        kb.adjust(1)
        await message.answer(t("admin-choose-event"), reply_markup=kb.as_markup())
        return
    event = open_events[0]
    await start_class_form(bot, message.chat.id, state, t, event.slug, event.title.get(t.lang))


async def on_detail(
    message: Message, bot: Bot, state: FSMContext, t: Translator, i18n: I18n
) -> None:
    step = str(await state.get_state()).split(":", 1)[1]
    try:
        value = validate_text(DETAIL_FIELDS[step], message.text or "")
    except Invalid as problem:
        await message.answer(t(problem.key, **problem.args_))
        await ask(bot, message.chat.id, state, t, step)
        return
    if step == "country":
        # Stored as the participant form stores it: a code for Russia and China.
        value = canonical_country(value, known_names(i18n.all()))
    await _store(bot, message.chat.id, state, t, step, value)


async def on_phone(message: Message, bot: Bot, state: FSMContext, t: Translator) -> None:
    try:
        phone = validate_phone(message.text or "")
    except Invalid as problem:
        await message.answer(t(problem.key))
        await ask(bot, message.chat.id, state, t, "phone")
        return
    await _store(bot, message.chat.id, state, t, "phone", phone)


async def on_class_name(message: Message, bot: Bot, state: FSMContext, t: Translator) -> None:
    # The web page's class form checks with the same rule (web/routes/classes.py).
    try:
        name = validate_class_name(message.text or "")
    except ClassError as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    await _store(bot, message.chat.id, state, t, "class_name", name)


async def on_size(message: Message, bot: Bot, state: FSMContext, t: Translator) -> None:
    try:
        size = validate_size(message.text or "")
    except ClassError as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    await _store(bot, message.chat.id, state, t, "size", size)


async def _show_roster(message: Message, state: FSMContext, t: Translator, roster: Roster) -> None:
    await state.update_data({"pending_roster": list(roster.names)})
    await state.set_state(ClassForm.roster_check)
    await message.answer(
        roster_preview(t, roster) + "\n" + t("roster-preview-question"),
        reply_markup=_keyboard(t, "roster-ok", "roster-again"),
    )


def roster_preview(t: Translator, roster: Roster) -> str:
    """The roster as the bot understood it: count, first names, then the header row
    recognised, each repeated name with its rows and the blank rows by number. The same for
    the first upload and a replacement in /classes (handlers/class_manage.py); the caller
    adds its question."""
    notes = [t(key, **args) for key, args in roster.preview_notes(escape, t.lang)]
    return t("roster-preview", **roster.preview_args(escape)) + "\n\n" + "\n".join(notes)


async def read_roster(message: Message, bot: Bot, t: Translator) -> Roster | None:
    """The roster from pasted text or a document; a refusal is explained and gives None.
    A document is checked (type, size) before it is downloaded."""
    try:
        document = message.document
        if document is None:
            return parse_roster_text(message.text or "")
        name = document.file_name or "roster"
        check_roster_file(name, document.file_size)
        buffer = await bot.download(document)
        return parse_roster_file(name, buffer.read() if buffer is not None else b"")
    except RosterError as problem:
        await message.answer(roster_refusal(t, problem))
        return None


def roster_refusal(t: Translator, problem: RosterError) -> str:
    """Why the roster was refused, with every other bad row by number, so that the teacher
    fixes them all in one go (as the web page says it)."""
    text = t(problem.key, **problem.args_)
    others = problem.bad_rows[1:]
    if others:
        rows = format_rows(others, lang=t.lang)
        text += " " + t("roster-more-bad-rows", count=len(others), rows=rows)
    return text


async def on_roster(message: Message, bot: Bot, state: FSMContext, t: Translator) -> None:
    roster = await read_roster(message, bot, t)
    if roster is not None:
        await _show_roster(message, state, t, roster)


async def on_step(
    query: CallbackQuery,
    callback_data: ClassStepCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    current = await state.get_state()
    action = callback_data.action
    chat_id = query.from_user.id
    expected = {
        "skip": ClassForm.phone.state,
        "roster-ok": ClassForm.roster_check.state,
        "roster-again": ClassForm.roster_check.state,
        "accept": ClassForm.consent.state,
        "decline": ClassForm.consent.state,
        "confirm": ClassForm.summary.state,
        "cancel": ClassForm.summary.state,
    }
    # An unknown action (forged data) is stale too, even when no form is open: None == None.
    if action not in expected or expected[action] != current:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await drop_buttons(query)
    if action == "skip":
        await _store(bot, chat_id, state, t, "phone", "")
    elif action == "roster-ok":
        data = await state.get_data()
        await _store(bot, chat_id, state, t, "roster", data["pending_roster"])
    elif action == "roster-again":
        await ask(bot, chat_id, state, t, "roster")
    elif action == "accept":
        await state.update_data({"consent_at": clock.now().isoformat()})
        await advance(bot, chat_id, state, t)
    elif action == "decline":
        await state.clear()
        await bot.send_message(chat_id, t("consent-declined"))
    elif action == "cancel":
        await state.clear()
        await bot.send_message(chat_id, t("form-cancelled"))
    else:
        await _save(bot, chat_id, state, t, session, catalog, clock)


async def _save(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    data = await state.get_data()
    a = data["answers"]
    service = ClassService(session, catalog, clock)
    try:
        school_class = await service.create(
            teacher_id=chat_id,
            slug=data["slug"],
            teacher=TeacherDetails(
                a["teacher_name"], a["country"], a["city"], a["school"], a["email"], a["phone"]
            ),
            name=a["class_name"],
            declared_size=a["size"],
            students=a["roster"],
            language=t.lang,
            consent_at=datetime.fromisoformat(data["consent_at"]),
        )
    except ClassError as problem:
        await bot.send_message(chat_id, t(problem.key, **problem.args_))
        return
    await state.clear()
    await bot.send_message(
        chat_id, await class_links_text(bot, t, school_class), reply_markup=views.main_menu(t)
    )


async def class_links_text(bot: Bot, t: Translator, school_class: SchoolClass) -> str:
    me = await bot.me()
    return t(
        "class-registered",
        class_name=escape(school_class.name),
        count=sum(1 for s in school_class.students if s.status == "active"),
        group_link=f"https://t.me/{me.username}?startgroup={school_class.code}",
        pupil_link=f"https://t.me/{me.username}?start=class_{school_class.code}",
    )


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("err-need-text"))


async def on_use_buttons(message: Message, t: Translator) -> None:
    await message.answer(t("err-use-buttons"), reply_markup=ReplyKeyboardRemove())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_start_class, ClassStartCb.filter())
    router.message.register(cmd_class, Command("class"))
    router.message.register(
        on_detail,
        StateFilter(*(getattr(ClassForm, s) for s in DETAIL_FIELDS)),
        PLAIN_TEXT,
    )
    router.message.register(on_phone, ClassForm.phone, PLAIN_TEXT)
    router.message.register(on_class_name, ClassForm.class_name, PLAIN_TEXT)
    router.message.register(on_size, ClassForm.size, PLAIN_TEXT)
    router.message.register(on_roster, ClassForm.roster, PLAIN_TEXT)
    router.message.register(on_roster, ClassForm.roster, F.document)
    router.callback_query.register(on_step, ClassStepCb.filter())
    button_steps = StateFilter(ClassForm.roster_check, ClassForm.consent, ClassForm.summary)
    router.message.register(on_use_buttons, button_steps, PLAIN_TEXT)
    # A sticker or a photo while a button is awaited: the buttons, not "answer with text".
    router.message.register(on_use_buttons, button_steps, ~F.text)
    router.message.register(on_not_text, StateFilter(ClassForm), ~F.text)
    return router
