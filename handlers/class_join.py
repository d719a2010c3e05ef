"""Pupils join a class roster themselves through the class link
(t.me/<bot>?start=class_<code>); the teacher approves or declines each request."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.classes.classes import ClassError, ClassService, JoinDecision
from bot.services.events.catalog import EventCatalog
from bot.services.registration.form import Field, Invalid, validate_text
from db.models import SchoolClass, User
from handlers.callbacks import JoinDecisionCb
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT

PAYLOAD_PREFIX = "class_"


class JoinClass(StatesGroup):
    name = State()


def decision_keyboard(t: Translator, student_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("class-join-approve"),
        callback_data=JoinDecisionCb(student_id=student_id, approve=True),
    )
    kb.button(
        text=t("class-join-decline"),
        callback_data=JoinDecisionCb(student_id=student_id, approve=False),
    )
    kb.adjust(2)
    return kb.as_markup()


async def tell_pupil(bot: Bot, i18n: I18n, decision: JoinDecision) -> None:
    """The teacher's decision in the pupil's chat, in its language ("we'll let you know",
    class-join-sent said): after the buttons below, and after the class page's buttons (the
    web app asks the bot: bot/app.py ChatNotices)."""
    if decision.user_id is None:
        return
    key = "class-join-approved" if decision.approved else "class-join-declined"
    if decision.removed:
        key = "class-roster-removed"
    t = i18n(decision.language)
    await bot.send_message(decision.user_id, t(key, name=escape(decision.name)))


def describe(school_class: SchoolClass) -> dict[str, str]:
    return {
        "class_name": escape(school_class.name),
        "school": escape(school_class.school or ""),
        "teacher": escape(school_class.teacher_name or ""),
    }


async def offer_join(
    message: Message,
    code: str,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    school_class = await ClassService(session, catalog, clock).by_code(code)
    if school_class is None:
        await message.answer(t("class-link-invalid"))
        return
    await state.clear()
    await state.set_state(JoinClass.name)
    await state.set_data({"code": code})
    await message.answer(t("class-join-ask-name", **describe(school_class)))


async def on_name(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    assert message.from_user is not None
    try:
        name = validate_text(Field.FULL_NAME, message.text or "")
    except Invalid as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    data = await state.get_data()
    service = ClassService(session, catalog, clock)
    try:
        student = await service.request_join(data["code"], message.from_user.id, name)
    except ClassError as problem:
        await state.clear()
        await message.answer(
            t(problem.key, **{k: escape(str(v)) for k, v in problem.args_.items()})
        )
        return
    await state.clear()
    school_class = await service.by_code(data["code"])
    assert school_class is not None
    await message.answer(t("class-join-sent", **describe(school_class)))
    if school_class.teacher_id is not None:
        teacher = await session.get(User, school_class.teacher_id)
        tt = i18n(teacher.language if teacher else school_class.language)
        await bot.send_message(
            school_class.teacher_id,
            tt("class-join-request", name=escape(name), class_name=escape(school_class.name)),
            reply_markup=decision_keyboard(tt, student.id),
        )


async def on_decision(
    query: CallbackQuery,
    callback_data: JoinDecisionCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    service = ClassService(session, catalog, clock)
    try:
        decision = await service.decide_join(
            query.from_user.id, callback_data.student_id, callback_data.approve
        )
    except ClassError as problem:
        await query.answer(t(problem.key), show_alert=True)
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    key = "class-join-approved-teacher" if decision.approved else "class-join-declined-teacher"
    await bot.send_message(query.from_user.id, t(key, name=escape(decision.name)))
    await tell_pupil(bot, i18n, decision)


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("err-need-text"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_name, JoinClass.name, PLAIN_TEXT)
    router.callback_query.register(on_decision, JoinDecisionCb.filter())
    router.message.register(on_not_text, JoinClass.name, ~F.text)
    return router
