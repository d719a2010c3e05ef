"""/setlink and /event: the meeting link and the event's times, changed from the chat.

Changes are stored as overrides (bot/services/events/settings.py), win over the events file and
make the reminder planner look again at once: unsent reminders follow the new times, and
participants who already had the old link get the new one.

A new start or end with people registered is shown first, with who will be told and how, and
once confirmed everyone is told (bot/services/reminders/moved.py). There is no "save without
telling": whoever registered has the old time in their calendar, so a correction is news to
them; a typo fixed before anyone registered is saved at once, with nobody to tell. "Move the
event" shifts the start and the end together (two separate changes would send two notices, the
first with a time nobody meant).

Times are typed as bot/services/events/time_input.py reads them (Beijing time for a Chinese
organizer, Moscow time otherwise). An event that is not over cannot get a start or an end in
the past: that is a typo or a wrong zone, and saving it would end the event at once, silently.
An event that is over may have its times corrected (history), after a confirmation that says
nobody is told (bot/services/reminders/moved.py tells nobody about an event that is over)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.messages import when_text
from bot.services.events.catalog import Event, EventCatalog
from bot.services.events.durations import duration_parts
from bot.services.events.settings import (
    EVENT_TIMES,
    SettingsRejected,
    change_event,
    preview_change,
    times_changed,
)
from bot.services.events.time_input import TimeInputError, TimeProblem, read_moment
from bot.services.reminders.moved import MovedNotices
from bot.services.reminders.moved_reach import Reach, Summary
from bot.services.reminders.runner import ReminderService
from handlers.admin.callbacks import (
    AdminConfirmCb,
    AdminEventCb,
    AdminFieldCb,
    AdminSkipCb,
)
from handlers.admin.common import events_not_over, register_event_action, title
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT
from handlers.views import time_span

log = logging.getLogger(__name__)

TIME_FIELDS = ("starts_at", "ends_at", "registration_deadline")
# The start and the end together, keeping the duration.
MOVE = "move"


class SetLink(StatesGroup):
    link = State()
    meeting_id = State()
    passcode = State()
    confirm = State()


class EditTime(StatesGroup):
    value = State()
    confirm = State()


# --- parsing -------------------------------------------------------------------------------

_LINK = re.compile(r"^https://[^\s/]+\.[^\s]+$")


def time_problem_text(t: Translator, problem: TimeProblem) -> str:
    """Why the text is no time, and how to write one (shared with /broadcast's scheduling)."""
    return t(f"time-input-{problem.value}") + "\n" + t("admin-time-formats")


def lands_in_past(event: Event, changes: dict[str, Any], now: datetime) -> bool:
    """A start or an end that `changes` (proposed_changes) moves to a moment already gone."""
    return any(
        name in changes
        and (moment := datetime.fromisoformat(changes[name])) != getattr(event, name)
        and moment <= now
        for name in EVENT_TIMES
    )


# --- views -----------------------------------------------------------------------------------


def settings_text(t: Translator, event: Event, now: datetime) -> str:
    meeting = event.meeting
    lines = [
        t("admin-event-heading", event=title(t, event), slug=event.slug),
        t("admin-event-state", state=event.state(now).value),
        "",
        t("admin-event-start"),
        when_text(t, event.starts_at),
        t("admin-event-end"),
        when_text(t, event.ends_at),
        t("admin-event-deadline"),
        when_text(t, event.deadline),
        "",
        t("admin-event-format", format=event.format.value),
        t("admin-event-link", link=escape(meeting.link or "—")),
        t("admin-event-meeting-id", meeting_id=escape(meeting.id or "—")),
        t("admin-event-passcode", passcode=escape(meeting.passcode or "—")),
        t("admin-event-reminders", reminders=reminders_text(t, event.reminders) or "—"),
    ]
    return "\n".join(lines)


def reminders_text(t: Translator, offsets: Sequence[timedelta]) -> str:
    """ "за 1 день, за 1 час, за 10 минут" / "1天、1小时、10分钟" rather than "1d, 1h, 10m"."""
    words = []
    for offset in offsets:
        units = [t(f"duration-{unit}", **{unit: n}) for unit, n in duration_parts(offset)]
        words.append(t("admin-reminder-offset", duration=" ".join(units)))
    return t("admin-reminder-separator").join(words)


def rejected_text(t: Translator, exc: SettingsRejected) -> str:
    log.info("event change refused: %s", exc.reason)
    return t("admin-rejected", reason=t(exc.key))


def settings_keyboard(t: Translator, event: Event) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("admin-move-event"), callback_data=AdminFieldCb(slug=event.slug, field=MOVE))
    for name in TIME_FIELDS:
        kb.button(
            text=t(f"admin-change-{name.replace('_', '-')}"),
            callback_data=AdminFieldCb(slug=event.slug, field=name),
        )
    kb.button(
        text=t("admin-btn-setlink"), callback_data=AdminEventCb(action="setlink", slug=event.slug)
    )
    kb.adjust(1)
    return kb.as_markup()


def skip_keyboard(t: Translator, step: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("admin-skip"), callback_data=AdminSkipCb(step=step))
    return kb.as_markup()


def confirm_keyboard(t: Translator, what: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("admin-confirm"), callback_data=AdminConfirmCb(what=what, yes=True))
    kb.button(text=t("admin-cancel"), callback_data=AdminConfirmCb(what=what, yes=False))
    kb.adjust(2)
    return kb.as_markup()


# --- /event ----------------------------------------------------------------------------------


async def show_settings(bot: Bot, chat_id: int, t: Translator, event: Event, clock: Clock) -> None:
    await bot.send_message(
        chat_id, settings_text(t, event, clock.now()), reply_markup=settings_keyboard(t, event)
    )


async def on_field(
    query: CallbackQuery,
    callback_data: AdminFieldCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
) -> None:
    await query.answer()
    if callback_data.field not in (*TIME_FIELDS, MOVE):
        return
    await state.set_state(EditTime.value)
    await state.set_data({"slug": callback_data.slug, "field": callback_data.field})
    ask = "admin-ask-move" if callback_data.field == MOVE else "admin-ask-time"
    await bot.send_message(query.from_user.id, t(ask))


def proposed_changes(event: Event, field: str, moment: datetime) -> dict[str, Any]:
    """What the organizer's answer changes, as the overrides store it."""
    if field == MOVE:
        changes = {"starts_at": moment, "ends_at": moment + (event.ends_at - event.starts_at)}
    else:
        changes = {field: moment}
    return {name: value.isoformat() for name, value in changes.items()}


def action_of(field: str) -> str:
    """The audit log's name of the change."""
    return "move_event" if field == MOVE else f"set_{field}"


def move_check_text(t: Translator, before: Event, after: Event, reach: Reach) -> str:
    """The screen before a move is confirmed: the old and new times, who is told how, and
    who cannot be told."""
    lines = [
        t("admin-move-check", event=title(t, after)),
        "",
        t("admin-move-was"),
        time_span(t, before),
        "",
        t("admin-move-will-be"),
        time_span(t, after),
        "",
        t("admin-move-audience"),
        t("admin-move-audience-telegram", telegram=reach.telegram),
    ]
    if reach.email:
        lines.append(t("admin-move-audience-email", by_email=reach.email))
    if reach.classes:
        lines.append(t("admin-move-audience-classes", classes=reach.classes))
    if reach.people_unreachable or reach.classes_unreachable:
        lines.append("")
    if reach.people_unreachable:
        lines.append(t("admin-move-unreachable-people", unreachable=reach.people_unreachable))
    if reach.classes_unreachable:
        lines.append(t("admin-move-unreachable-classes", classes=reach.classes_unreachable))
    lines += ["", t("admin-move-confirm-question")]
    return "\n".join(lines)


def history_check_text(t: Translator, before: Event, after: Event) -> str:
    """The screen before the times of an event that is over are corrected: nobody is told."""
    return "\n".join(
        [
            t("admin-history-check", event=title(t, after)),
            "",
            t("admin-move-was"),
            time_span(t, before),
            "",
            t("admin-move-will-be"),
            time_span(t, after),
            "",
            t("admin-history-nobody-told"),
            "",
            t("admin-history-question"),
        ]
    )


def past_text(t: Translator, moment: datetime, now: datetime) -> str:
    """The refusal of a time already gone, with what was understood and the time now, both in
    both zones: a wrong zone or year shows at once."""
    return "\n".join(
        [
            t("admin-time-past"),
            "",
            t("admin-time-typed"),
            when_text(t, moment),
            t("admin-time-now"),
            when_text(t, now),
        ]
    )


def move_report_text(t: Translator, event: Event, summary: Summary) -> str:
    lines = [
        t("admin-move-report", event=title(t, event)),
        t("admin-move-report-telegram", sent=summary.sent),
    ]
    if summary.failed:
        lines.append(t("admin-move-report-failed", failed=summary.failed))
    if summary.letters:
        lines.append(t("admin-move-report-email", by_email=summary.letters))
    if summary.classes:
        lines.append(t("admin-move-report-classes", classes=summary.classes))
    if summary.not_reached:
        lines.append(t("admin-move-report-not-reached", unreachable=summary.not_reached))
    return "\n".join(lines)


async def on_time_value(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    reminders: ReminderService,
    moved: MovedNotices,
) -> None:
    assert message.from_user is not None
    now = clock.now()
    try:
        moment = read_moment(message.text or "", lang=t.lang, now=now)
    except TimeInputError as exc:
        await message.answer(time_problem_text(t, exc.problem))
        return
    data = await state.get_data()
    slug, field = data["slug"], data["field"]
    event = catalog.get(slug)
    try:
        if event is None:
            raise SettingsRejected("admin-err-unknown-event", f"unknown event {slug}")
        changes = proposed_changes(event, field, moment)
        # Before the other rules: "already gone" says more about a wrong date or zone than
        # "the end must be after the start". The state stays: the organizer types again.
        if now < event.ends_at and lands_in_past(event, changes, now):
            await message.answer(past_text(t, moment, now))
            return
        proposed = preview_change(catalog, slug, changes)
    except SettingsRejected as exc:
        text = rejected_text(t, exc)
        if field == "starts_at" and exc.key == "admin-err-end-before-start":
            text += "\n" + t("admin-move-hint")
        await message.answer(text)
        return
    if field != "registration_deadline":
        if not times_changed(event, proposed):
            await state.clear()
            await message.answer(t("admin-time-unchanged"))
            return
        over = now >= event.ends_at
        reach = await moved.reach(slug)
        # Somebody registered and the event is not over by its new times: they are told, after
        # the organizer has seen how. An event that is over: its history is corrected, after
        # the organizer has seen that nobody is told.
        if reach is not None and reach.anyone and proposed.ends_at > now:
            text = move_check_text(t, event, proposed, reach)
        elif over:
            text = history_check_text(t, event, proposed)
        else:
            text = ""
        if text:
            await state.set_state(EditTime.confirm)
            await state.update_data({"changes": changes})
            await message.answer(text, reply_markup=confirm_keyboard(t, "time"))
            return
    await state.clear()
    saved = await _save_times(
        message.chat.id,
        bot,
        t,
        session,
        catalog,
        clock,
        reminders,
        slug,
        changes,
        action_of(field),
        message.from_user.id,
    )
    if saved is not None:
        # What was understood, in both zones (the organizer's own first).
        await bot.send_message(message.chat.id, t("admin-time-saved") + "\n" + when_text(t, moment))
        await show_settings(bot, message.chat.id, t, saved, clock)


async def _save_times(
    chat_id: int,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    reminders: ReminderService,
    slug: str,
    changes: dict[str, Any],
    action: str,
    actor_id: int,
) -> Event | None:
    try:
        event = await change_event(
            session, catalog, clock, slug=slug, changes=changes, actor_id=actor_id, action=action
        )
    except SettingsRejected as exc:
        await bot.send_message(chat_id, rejected_text(t, exc))
        return None
    # The plan follows the new times before anything is said: a confirmation lost to flood
    # control must not leave the plan behind.
    await reminders.reconcile()
    return event


async def on_time_confirm(
    query: CallbackQuery,
    callback_data: AdminConfirmCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    reminders: ReminderService,
    moved: MovedNotices,
) -> None:
    await query.answer()
    await drop_buttons(query)
    data = await state.get_data()
    await state.clear()
    chat_id = query.from_user.id
    if not callback_data.yes:
        await bot.send_message(chat_id, t("admin-cancelled"))
        return
    event = await _save_times(
        chat_id,
        bot,
        t,
        session,
        catalog,
        clock,
        reminders,
        data["slug"],
        data["changes"],
        action_of(data["field"]),
        chat_id,
    )
    if event is None:
        return
    if clock.now() >= event.ends_at:
        # History corrected: the notice goes only for an event that is not over.
        await bot.send_message(chat_id, t("admin-history-saved"))
        await show_settings(bot, chat_id, t, event, clock)
        return
    await bot.send_message(chat_id, t("admin-move-saved"))

    async def report(summary: Summary) -> None:
        await bot.send_message(chat_id, move_report_text(t, event, summary))

    moved.start(event.slug, report)
    await show_settings(bot, chat_id, t, event, clock)


# --- /setlink --------------------------------------------------------------------------------


async def begin_setlink(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, event: Event
) -> None:
    await state.clear()
    await state.set_state(SetLink.link)
    await state.set_data({"slug": event.slug})
    await bot.send_message(chat_id, t("admin-ask-link", event=title(t, event)))


async def on_link(message: Message, state: FSMContext, t: Translator) -> None:
    link = (message.text or "").strip()
    if not _LINK.match(link):
        await message.answer(t("admin-link-invalid"))
        return
    await state.update_data(meeting_link=link)
    await state.set_state(SetLink.meeting_id)
    await message.answer(t("admin-ask-meeting-id"), reply_markup=skip_keyboard(t, "meeting_id"))


async def on_meeting_id(message: Message, state: FSMContext, t: Translator) -> None:
    await _store_optional(message.text or "", state, "meeting_id")
    await state.set_state(SetLink.passcode)
    await message.answer(t("admin-ask-passcode"), reply_markup=skip_keyboard(t, "passcode"))


async def on_passcode(message: Message, bot: Bot, state: FSMContext, t: Translator) -> None:
    await _store_optional(message.text or "", state, "passcode")
    await _confirm_link(message.chat.id, bot, state, t)


async def on_skip(
    query: CallbackQuery, callback_data: AdminSkipCb, bot: Bot, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    await drop_buttons(query)
    current = await state.get_state()
    if callback_data.step == "meeting_id" and current == SetLink.meeting_id.state:
        await state.update_data(meeting_id="")
        await state.set_state(SetLink.passcode)
        await bot.send_message(
            query.from_user.id, t("admin-ask-passcode"), reply_markup=skip_keyboard(t, "passcode")
        )
    elif callback_data.step == "passcode" and current == SetLink.passcode.state:
        await state.update_data(passcode="")
        await _confirm_link(query.from_user.id, bot, state, t)


async def _store_optional(text: str, state: FSMContext, key: str) -> None:
    await state.update_data({key: " ".join(text.split())[:64]})


async def _confirm_link(chat_id: int, bot: Bot, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SetLink.confirm)
    await bot.send_message(
        chat_id,
        t(
            "admin-link-summary",
            link=escape(data["meeting_link"]),
            meeting_id=escape(data.get("meeting_id") or "—"),
            passcode=escape(data.get("passcode") or "—"),
        ),
        reply_markup=confirm_keyboard(t, "link"),
    )


async def on_link_confirm(
    query: CallbackQuery,
    callback_data: AdminConfirmCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    reminders: ReminderService,
) -> None:
    await query.answer()
    await drop_buttons(query)
    data = await state.get_data()
    await state.clear()
    if not callback_data.yes:
        await bot.send_message(query.from_user.id, t("admin-cancelled"))
        return
    changes: dict[str, Any] = {
        "meeting_link": data["meeting_link"],
        "meeting_id": data.get("meeting_id", ""),
        "meeting_passcode": data.get("passcode", ""),
    }
    try:
        await change_event(
            session,
            catalog,
            clock,
            slug=data["slug"],
            changes=changes,
            actor_id=query.from_user.id,
            action="set_link",
        )
    except SettingsRejected as exc:
        await bot.send_message(query.from_user.id, rejected_text(t, exc))
        return
    # Those who already had a link get the new one; the next reminders carry it. Before the
    # confirmation: if that is lost to flood control, the announcement still goes.
    await reminders.reconcile()
    await bot.send_message(query.from_user.id, t("admin-link-saved"))


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("admin-need-text"))


async def on_use_buttons(message: Message, t: Translator) -> None:
    await message.answer(t("admin-use-buttons"))


async def event_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await show_settings(data["bot"], chat_id, data["t"], event, data["clock"])


async def setlink_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await begin_setlink(data["bot"], chat_id, data["state"], data["t"], event)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "event", event_action)
    router.callback_query.register(on_field, AdminFieldCb.filter())
    router.message.register(on_time_value, EditTime.value, PLAIN_TEXT)
    router.callback_query.register(
        on_time_confirm, EditTime.confirm, AdminConfirmCb.filter(F.what == "time")
    )
    router.message.register(on_use_buttons, EditTime.confirm, PLAIN_TEXT)
    register_event_action(router, "setlink", setlink_action, events_not_over)
    router.message.register(on_link, SetLink.link, PLAIN_TEXT)
    router.message.register(on_meeting_id, SetLink.meeting_id, PLAIN_TEXT)
    router.message.register(on_passcode, SetLink.passcode, PLAIN_TEXT)
    router.callback_query.register(on_skip, AdminSkipCb.filter())
    router.callback_query.register(
        on_link_confirm, SetLink.confirm, AdminConfirmCb.filter(F.what == "link")
    )
    router.message.register(on_use_buttons, SetLink.confirm, PLAIN_TEXT)
    router.message.register(
        on_not_text,
        StateFilter(SetLink.link, SetLink.meeting_id, SetLink.passcode, EditTime.value),
        ~F.text,
    )
    return router
