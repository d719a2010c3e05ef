"""/classes: a teacher's classes; rename, add or remove pupils, replace the roster, cancel, and
the two links again. Changes are allowed until the registration deadline."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.classes.classes import ClassService
from bot.services.events.catalog import EventCatalog
from db.models import RegistrationStatus, SchoolClass
from handlers.callbacks import ClassManageCb, StudentRemoveCb
from handlers.classes import class_links_text, read_roster
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT

ACTIONS = ("students", "rename", "add", "remove", "replace", "links", "cancel")


class ClassEdit(StatesGroup):
    rename = State()
    add = State()
    replace = State()


def class_card(t: Translator, school_class: SchoolClass, service: ClassService) -> str:
    students = service.active_students(school_class)
    pending = len(school_class.students) - len(students)
    return t(
        "classes-card",
        class_name=escape(school_class.name),
        school=escape(school_class.school or ""),
        count=len(students),
        pending=pending,
        group=escape(school_class.group_title or "—"),
    )


def manage_keyboard(t: Translator, class_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in ACTIONS:
        kb.button(
            text=t(f"classes-btn-{action}"),
            callback_data=ClassManageCb(action=action, class_id=class_id),
        )
    kb.adjust(2)
    return kb.as_markup()


async def cmd_classes(
    message: Message, t: Translator, session: AsyncSession, catalog: EventCatalog, clock: Clock
) -> None:
    service = ClassService(session, catalog, clock)
    classes = await service.of_teacher(message.chat.id)
    if not classes:
        await message.answer(t("classes-none"))
        return
    for school_class in classes:
        await message.answer(
            class_card(t, school_class, service), reply_markup=manage_keyboard(t, school_class.id)
        )


async def _cancelled_already(session: AsyncSession, teacher_id: int, class_id: int) -> bool:
    school_class = await session.get(SchoolClass, class_id)
    return (
        school_class is not None
        and school_class.teacher_id == teacher_id
        and school_class.status == RegistrationStatus.CANCELLED
    )


async def on_manage(
    query: CallbackQuery,
    callback_data: ClassManageCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    service = ClassService(session, catalog, clock)
    chat_id = query.from_user.id
    action = callback_data.action
    if action in {"students", "links"}:
        # Reading is allowed after the deadline too.
        school_class = await session.get(SchoolClass, callback_data.class_id)
        if school_class is None or school_class.teacher_id != chat_id:
            await query.answer(t("class-not-found"), show_alert=True)
            return
        await session.refresh(school_class, ["students"])
    elif action == "cancel" and await _cancelled_already(session, chat_id, callback_data.class_id):
        # A double tap: the first press cancelled the class and said so.
        await query.answer(t("classes-already-cancelled"))
        await drop_buttons(query)
        return
    else:
        school_class = await service.editable(chat_id, callback_data.class_id)
    await query.answer()
    if action == "students":
        lines = [
            f"{i}. {escape(s.full_name)}" + (" ⏳" if s.status != "active" else "")
            for i, s in enumerate(school_class.students, 1)
        ]
        await bot.send_message(
            chat_id,
            t("classes-students", class_name=escape(school_class.name)) + "\n" + "\n".join(lines),
        )
    elif action == "links":
        await bot.send_message(chat_id, await class_links_text(bot, t, school_class))
    elif action in {"rename", "add", "replace"}:
        await state.set_state(getattr(ClassEdit, action))
        await state.set_data({"class_id": school_class.id})
        await bot.send_message(chat_id, t(f"classes-ask-{action}"))
    elif action == "remove":
        kb = InlineKeyboardBuilder()
        for student in service.active_students(school_class):
            kb.button(
                text=f"❌ {student.full_name[:40]}",
                callback_data=StudentRemoveCb(class_id=school_class.id, student_id=student.id),
            )
        kb.adjust(1)
        await bot.send_message(chat_id, t("classes-ask-remove"), reply_markup=kb.as_markup())
    elif action == "cancel":
        await service.cancel(school_class)
        await drop_buttons(query)
        await bot.send_message(
            chat_id, t("classes-cancelled", class_name=escape(school_class.name))
        )


async def on_remove(
    query: CallbackQuery,
    callback_data: StudentRemoveCb,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    service = ClassService(session, catalog, clock)
    school_class = await service.editable(query.from_user.id, callback_data.class_id)
    name = await service.remove_student(school_class, callback_data.student_id)
    await query.answer(t("classes-removed", name=name))


async def on_rename(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    name = " ".join((message.text or "").split())
    if not 1 <= len(name) <= 100:
        await message.answer(t("class-name-invalid", max=100))
        return
    service = ClassService(session, catalog, clock)
    data = await state.get_data()
    school_class = await service.editable(message.chat.id, data["class_id"])
    await service.rename(school_class, name)
    await state.clear()
    await message.answer(t("classes-saved"))


async def on_roster_change(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    roster = await read_roster(message, bot, t)
    if roster is None:
        return
    service = ClassService(session, catalog, clock)
    data = await state.get_data()
    school_class = await service.editable(message.chat.id, data["class_id"])
    if await state.get_state() == ClassEdit.add.state:
        added = await service.add_students(school_class, roster.names)
        await message.answer(t("classes-added", count=added))
    else:
        await service.replace_roster(school_class, roster.names)
        await message.answer(t("classes-replaced", count=len(roster.names)))
    await state.clear()


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("err-need-text"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_classes, Command("classes"))
    router.callback_query.register(on_manage, ClassManageCb.filter(F.action.in_(set(ACTIONS))))
    router.callback_query.register(on_remove, StudentRemoveCb.filter())
    router.message.register(on_rename, ClassEdit.rename, PLAIN_TEXT)
    router.message.register(
        on_roster_change, StateFilter(ClassEdit.add, ClassEdit.replace), PLAIN_TEXT
    )
    router.message.register(
        on_roster_change, StateFilter(ClassEdit.add, ClassEdit.replace), F.document
    )
    router.message.register(on_not_text, StateFilter(ClassEdit), ~F.text)
    return router
