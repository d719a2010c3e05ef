"""/classes: a teacher's classes; rename, add or remove pupils, replace the roster, cancel, and
the two links again. Changes are allowed until the registration deadline.

Replacing the roster shows the new one as the first upload does (handlers/classes.py), then what
changes (who is added, who goes, pupils who joined by the link among them), and waits for
Replace / Cancel; nothing changes before."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.classes.classes import ClassError, ClassService, RosterChange
from bot.services.classes.roster import Roster, shown_name
from bot.services.classes.roster_removals import replace_roster
from bot.services.events.catalog import EventCatalog
from db.models import RegistrationStatus, SchoolClass
from handlers.callbacks import ClassManageCb, StudentRemoveCb
from handlers.class_join import tell_pupil
from handlers.classes import class_links_text, read_roster, roster_preview
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT

log = logging.getLogger(__name__)

ACTIONS = ("students", "rename", "add", "remove", "replace", "links", "cancel")
REPLACE_ACTIONS = ("ok", "keep", "no")
# Names listed one by one under "added" / "removed" in a replacement's preview; more are counted.
CHANGE_NAMES = 8


class ClassEdit(StatesGroup):
    rename = State()
    add = State()
    replace = State()
    replace_check = State()  # the new roster's preview is shown: waiting for its buttons


class RosterReplaceCb(CallbackData, prefix="clp"):
    """A button under a roster replacement's preview: replace (ok), replace but keep the pupils
    who joined by the link (keep), leave the list as it is (no)."""

    action: str
    class_id: int


def class_card(
    t: Translator, school_class: SchoolClass, service: ClassService, *, email_on: bool = False
) -> str:
    students = service.active_students(school_class)
    pending = len(school_class.students) - len(students)
    card = t(
        "classes-card",
        class_name=escape(school_class.name),
        school=escape(school_class.school or ""),
        count=len(students),
        pending=pending,
        group=escape(school_class.group_title or "—"),
    )
    return "\n".join([card, *where_messages_go(t, school_class, email_on=email_on)])


def where_messages_go(t: Translator, school_class: SchoolClass, *, email_on: bool) -> list[str]:
    """Where the class's reminders and link go: the bound group, else this chat; and by e-mail
    to the class's address once confirmed (bot/services/mailing/class_mail.py)."""
    lines = [
        t("class-mail-card-to-group", group=escape(school_class.group_title or ""))
        if school_class.group_chat_id is not None
        else t("class-mail-card-to-chat")
    ]
    address = school_class.email
    if email_on and address:
        if school_class.email_bounced_at is not None:
            key = "class-mail-card-email-bounced"
        elif school_class.email_confirmed_at is None:
            key = "class-mail-card-email-unconfirmed"
        elif school_class.email_muted:
            key = "class-mail-card-email-muted"
        else:
            key = "class-mail-card-email"
        lines.append(t(key, email=escape(address)))
    return lines


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
    message: Message,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    mail_outbox: object = None,
) -> None:
    service = ClassService(session, catalog, clock)
    classes = await service.of_teacher(message.chat.id)
    if not classes:
        await message.answer(t("classes-none"))
        return
    for school_class in classes:
        await message.answer(
            class_card(t, school_class, service, email_on=mail_outbox is not None),
            reply_markup=manage_keyboard(t, school_class.id),
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
    try:
        school_class = await service.editable(message.chat.id, data["class_id"])
    except ClassError:
        await state.clear()  # the class is gone: do not keep asking for its roster
        raise
    if await state.get_state() == ClassEdit.add.state:
        added = await service.add_students(school_class, roster.names)
        await message.answer(t("classes-added", count=added))
        await state.clear()
        return
    change = service.roster_change(school_class, roster.names)
    sent = await message.answer(
        replacement_preview(t, roster, change, school_class.name),
        reply_markup=replace_keyboard(t, school_class.id, keep=change.offer_keep),
    )
    earlier = data.get("preview_message_id")
    await state.set_state(ClassEdit.replace_check)
    await state.set_data(
        {
            "class_id": school_class.id,
            "names": list(roster.names),
            # Only the pupils this preview names may go (a pupil approved meanwhile stays).
            "drop": [student_id for student_id, _ in change.joined_dropped],
            "preview_message_id": sent.message_id,
        }
    )
    if isinstance(earlier, int):
        # Another roster was sent instead: the earlier preview's buttons no longer apply.
        await _drop_markup(bot, message.chat.id, earlier)


def replacement_preview(
    t: Translator, roster: Roster, change: RosterChange, class_name: str
) -> str:
    """The new roster as the first upload shows it, what changes, and the question."""
    lines = [t("classes-replace-changes", count=change.current)]
    if change.same_pupils:
        lines.append(t("classes-replace-same"))
    if change.added:
        lines += [t("classes-replace-added", count=len(change.added)), *_names(t, change.added)]
    if change.removed:
        lines += [t("classes-replace-removed", count=len(change.removed))]
        lines += _names(t, change.removed)
    if change.joined_dropped:
        joined = [name for _, name in change.joined_dropped]
        lines += [t("classes-replace-joined", count=len(joined)), *_names(t, joined)]
        if change.offer_keep:
            lines.append(t("classes-replace-keep-hint"))
    if change.pending:
        lines.append(t("classes-replace-pending", count=change.pending))
    question = t("classes-replace-question", class_name=escape(class_name))
    return roster_preview(t, roster) + "\n\n" + "\n".join(lines) + "\n\n" + question


def _names(t: Translator, names: tuple[str, ...] | list[str]) -> list[str]:
    shown = [f"• {escape(shown_name(name))}" for name in names[:CHANGE_NAMES]]
    if len(names) > CHANGE_NAMES:
        shown.append(t("classes-replace-more", count=len(names) - CHANGE_NAMES))
    return shown


def replace_keyboard(t: Translator, class_id: int, keep: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in ("ok", "keep", "no") if keep else ("ok", "no"):
        label = {"ok": "confirm", "keep": "keep", "no": "cancel"}[action]
        kb.button(
            text=t(f"classes-replace-btn-{label}"),
            callback_data=RosterReplaceCb(action=action, class_id=class_id),
        )
    kb.adjust(1)
    return kb.as_markup()


async def _drop_markup(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    # Cosmetic, as handlers/edits.drop_buttons: the message may be gone or unchanged.
    except (TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter) as exc:
        log.debug("could not remove buttons: %s", exc)


async def on_replace_button(
    query: CallbackQuery,
    callback_data: RosterReplaceCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    data = await state.get_data()
    message_id = query.message.message_id if query.message is not None else None
    current = (
        await state.get_state() == ClassEdit.replace_check.state
        and data.get("class_id") == callback_data.class_id
        and data.get("preview_message_id") == message_id
        and callback_data.action in REPLACE_ACTIONS
    )
    if not current:
        # An earlier preview's button, a second tap after the answer, or data we never sent.
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await drop_buttons(query)
    await state.clear()
    chat_id = query.from_user.id
    if callback_data.action == "no":
        await bot.send_message(chat_id, t("classes-replace-cancelled"))
        return
    service = ClassService(session, catalog, clock)
    school_class = await service.editable(chat_id, callback_data.class_id)
    drop = [] if callback_data.action == "keep" else data.get("drop", [])
    replaced = await replace_roster(service, school_class, data["names"], drop_joined=drop)
    await bot.send_message(chat_id, t("classes-replaced", count=replaced.count))
    # Those who joined by the link and were taken off were told they are on the list: now
    # they are told they are not (one blocked chat does not keep the others from it).
    for removal in replaced.removed:
        try:
            await tell_pupil(bot, i18n, removal)
        except TelegramAPIError as exc:
            log.warning("could not tell a pupil of their removal: %s", type(exc).__name__)


async def on_replace_not_a_roster(message: Message, t: Translator) -> None:
    await message.answer(t("classes-replace-use-buttons"))


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("err-need-text"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_classes, Command("classes"))
    router.callback_query.register(on_manage, ClassManageCb.filter(F.action.in_(set(ACTIONS))))
    router.callback_query.register(on_remove, StudentRemoveCb.filter())
    router.message.register(on_rename, ClassEdit.rename, PLAIN_TEXT)
    router.callback_query.register(on_replace_button, RosterReplaceCb.filter())
    # While a replacement's preview waits for its buttons, another roster replaces the preview.
    roster_states = StateFilter(ClassEdit.add, ClassEdit.replace, ClassEdit.replace_check)
    router.message.register(on_roster_change, roster_states, PLAIN_TEXT)
    router.message.register(on_roster_change, roster_states, F.document)
    router.message.register(on_replace_not_a_roster, ClassEdit.replace_check, ~F.text)
    router.message.register(on_not_text, StateFilter(ClassEdit), ~F.text)
    return router
