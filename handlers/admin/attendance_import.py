"""/attendance: an organizer uploads the participant report of the VooV / Tencent Meeting
session; the bot shows whom it found (sure matches, unsure ones to confirm one by one or all at
once, and those it found nobody for), then marks attendance with the minutes attended.

Full organizers only (it changes attendance, and so certificates). The report is read by
bot/services/certificates/meeting_report.py and matched and saved by attendance_import.py; the
preview lives in the form's storage until Confirm, so it survives a restart (and Redis)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.certificates.attendance_import import (
    Person,
    Plan,
    Tier,
    checked_in_without_report,
    plan_import,
    save_marks,
)
from bot.services.certificates.issue import CertificateService
from bot.services.certificates.meeting_report import (
    MAX_FILE_BYTES,
    MeetingReport,
    ReportError,
    attendees,
    check_report_file,
    parse_report,
)
from bot.services.classes.roster import format_rows
from bot.services.events.catalog import Event, EventCatalog
from bot.services.events.timefmt import span_args
from db.repositories import EventRepository
from handlers.admin.common import register_event_action, title

log = logging.getLogger(__name__)

ACTION = "attendance"
# Lines of each list in the summary; the rest are counted (a message holds 4096 characters).
LIST_LINES = 10
NAME_CHARS = 40


class ReportImport(StatesGroup):
    file = State()
    preview = State()


class AdminReportCb(CallbackData, prefix="aatt"):
    """save | all (confirm every unsure match) | review | yes | no | back | cancel; `index`
    is the person a yes or no is about (a second tap on an old card is recognised); `preview`
    the upload it belongs to (the id of the organizer's message with the file), so that the
    buttons of an earlier upload do not act on a newer one."""

    action: str
    index: int = -1
    preview: int = 0


def started(catalog: EventCatalog, clock: Clock) -> Sequence[Event]:
    """A report exists once the meeting has begun."""
    now = clock.now()
    return [event for event in catalog if event.starts_at <= now]


async def ask_for_report(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    state: FSMContext = data["state"]
    t: Translator = data["t"]
    await state.clear()
    await state.set_state(ReportImport.file)
    await state.set_data({"slug": event.slug})
    await data["bot"].send_message(
        chat_id,
        t("admin-att-ask-file", event=title(t, event), max_mb=MAX_FILE_BYTES // (1024 * 1024)),
    )


# --- the file ----------------------------------------------------------------------------------


async def on_file(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
) -> None:
    data = await state.get_data()
    event = catalog.get(data.get("slug", ""))
    row = await EventRepository(session).by_slug(event.slug) if event else None
    if event is None or row is None or message.document is None:
        await state.clear()
        await message.answer(t("err-unknown-event"))
        return
    document = message.document
    name = document.file_name or "report"
    try:
        check_report_file(name, document.file_size)  # before downloading it
        buffer = await bot.download(document)
        report = parse_report(name, buffer.read() if buffer else b"", event_start=event.starts_at)
    except ReportError as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    session_seconds = int((event.ends_at - event.starts_at).total_seconds())
    people = attendees(report, event.starts_at, event.ends_at)
    if all(p.presence.seconds(session_seconds) < 60 for p in people):
        await message.answer(
            t("admin-att-no-overlap", **span_args(event.starts_at, event.ends_at, t.lang))
        )
        return
    plan = await plan_import(session, row.id, people, session_seconds)
    await state.update_data(
        {
            "plan": plan.to_json(),
            "file": name[:100],
            "rows": len(report.rows),
            "unreadable": list(report.unreadable_rows),
            "zone": _zone_label(report, event.starts_at),
            "zone_from_file": report.zone_from_file,
            "preview": message.message_id,
        }
    )
    await state.set_state(ReportImport.preview)
    text, markup = await _summary(t, session, event, row.id, await state.get_data())
    await message.answer(text, reply_markup=markup)


def _zone_label(report: MeetingReport, moment: datetime) -> str:
    """ "UTC+8", "UTC+3", "UTC+5:30": the offset times were read in, on the event's day."""
    offset = moment.astimezone(report.zone).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


async def on_not_a_file(message: Message, t: Translator) -> None:
    await message.answer(t("admin-att-need-file"))


async def on_text_in_preview(message: Message, t: Translator) -> None:
    await message.answer(t("admin-use-buttons"))


# --- the summary ---------------------------------------------------------------------------------


def _shown(name: str | None) -> str:
    name = name or ""
    return escape(name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…")


def _minutes(person: Person, plan: Plan) -> int:
    return person.presence.seconds(plan.session) // 60


async def _summary(
    t: Translator, session: AsyncSession, event: Event, event_id: int, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    plan = Plan.from_json(data["plan"])
    # Those with under a minute within the event's times are only counted ("outside").
    present = [(i, p) for i, p in enumerate(plan.people) if _minutes(p, plan) >= 1]
    lines = [
        t("admin-att-summary-head", event=title(t, event)),
        t("admin-att-summary-file", count=data["rows"], total=len(plan.people)),
    ]
    if data["zone_from_file"]:
        lines.append(t("admin-att-zone-file", value=escape(data["zone"])))
    else:
        lines.append(t("admin-att-zone-assumed"))
    lines += [
        t("admin-att-event-time"),
        t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)),
        "",
    ]
    sure = [p for _, p in present if p.registration_id and p.tier is not Tier.UNSURE]
    tiers = [
        t("admin-att-tier", tier=tier.value, count=count)
        for tier in (Tier.EMAIL, Tier.PHONE, Tier.NAME)
        if (count := sum(1 for p in sure if p.tier is tier))
    ]
    lines.append(t("admin-att-sure", count=len(sure)))
    if tiers:
        lines.append(("；" if t.lang == "zh" else "; ").join(tiers))
    unsure = [p for _, p in present if p.tier is Tier.UNSURE]
    if unsure:
        lines += ["", t("admin-att-unsure", count=len(unsure))]
        for person in unsure[:LIST_LINES]:
            lines.append(_unsure_line(t, plan, person))
        if len(unsure) > LIST_LINES:
            lines.append(t("admin-att-more", count=len(unsure) - LIST_LINES))
    unmatched = [p for _, p in present if p.registration_id is None]
    if unmatched:
        lines += ["", t("admin-att-unmatched", count=len(unmatched))]
        for person in unmatched[:LIST_LINES]:
            lines.append(
                t(
                    "admin-att-unmatched-line",
                    value=_shown(person.name),
                    rows=format_rows(person.rows, limit=3, lang=t.lang),
                    minutes=_minutes(person, plan),
                )
            )
        if len(unmatched) > LIST_LINES:
            lines.append(t("admin-att-more", count=len(unmatched) - LIST_LINES))
    outside = len(plan.people) - len(present)
    notes = []
    if outside:
        notes.append(t("admin-att-outside", count=outside))
    if data["unreadable"]:
        notes.append(t("admin-att-unreadable", rows=format_rows(data["unreadable"], lang=t.lang)))
    marks = {k: m for k, m in plan.marks().items() if m.minutes >= 1}
    threshold = event.min_attendance_minutes
    if threshold is not None:
        below = sum(1 for m in marks.values() if m.minutes < threshold)
        notes.append(t("admin-att-below-min", min=threshold, count=below))
        missing = await checked_in_without_report(session, event_id, marks)
        if missing:
            notes.append(t("admin-att-not-in-report", count=missing))
    if notes:
        lines += ["", *notes]
    undecided = plan.undecided()
    lines += ["", t("admin-att-question-unsure" if undecided else "admin-att-question")]
    keyboard = _summary_keyboard(t, data["preview"], len(marks), len(undecided))
    return "\n".join(lines), keyboard


def _unsure_line(t: Translator, plan: Plan, person: Person) -> str:
    mark = {True: "✅", False: "✖️", None: "❓"}[person.confirmed]
    return t(
        "admin-att-unsure-line",
        status=mark,
        value=_shown(person.name),
        name=_shown(person.registration_name),
        why=person.why.value if person.why else "similar",
        minutes=_minutes(person, plan),
    )


def _summary_keyboard(
    t: Translator, preview: int, marks: int, undecided: int
) -> InlineKeyboardMarkup:
    def button(action: str) -> AdminReportCb:
        return AdminReportCb(action=action, preview=preview)

    kb = InlineKeyboardBuilder()
    if undecided:
        kb.button(text=t("admin-att-btn-review"), callback_data=button("review"))
        kb.button(text=t("admin-att-btn-all", count=undecided), callback_data=button("all"))
    if marks:
        kb.button(text=t("admin-att-btn-save", count=marks), callback_data=button("save"))
    kb.button(text=t("admin-cancel"), callback_data=button("cancel"))
    kb.adjust(1)
    return kb.as_markup()


def _review_card(
    t: Translator, plan: Plan, index: int, preview: int
) -> tuple[str, InlineKeyboardMarkup]:
    person = plan.people[index]
    unsure = [i for i, p in enumerate(plan.people) if p.tier is Tier.UNSURE]
    text = t(
        "admin-att-review",
        page=unsure.index(index) + 1,
        pages=len(unsure),
        value=_shown(person.name),
        rows=format_rows(person.rows, limit=3, lang=t.lang),
        minutes=_minutes(person, plan),
        name=_shown(person.registration_name),
        why=person.why.value if person.why else "similar",
    )
    kb = InlineKeyboardBuilder()
    for action in ("yes", "no"):
        kb.button(
            text=t(f"admin-att-btn-{action}"),
            callback_data=AdminReportCb(action=action, index=index, preview=preview),
        )
    kb.button(
        text=t("admin-att-btn-back"), callback_data=AdminReportCb(action="back", preview=preview)
    )
    kb.adjust(2, 1)
    return text, kb.as_markup()


# --- the buttons ---------------------------------------------------------------------------------


async def on_button(
    query: CallbackQuery,
    callback_data: AdminReportCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    certificates: CertificateService,
) -> None:
    data = await state.get_data()
    event = catalog.get(data.get("slug", ""))
    row = await EventRepository(session).by_slug(event.slug) if event else None
    current = await state.get_state() == ReportImport.preview.state
    if not current or data.get("preview") != callback_data.preview or event is None or row is None:
        await query.answer(t("err-stale-button"), show_alert=True)
        return
    plan = Plan.from_json(data["plan"])
    action = callback_data.action
    undecided = plan.undecided()
    if action in ("yes", "no") and (not undecided or callback_data.index != undecided[0]):
        await query.answer(t("err-stale-button"), show_alert=True)  # an old card tapped again
        return
    await query.answer()
    if action == "cancel":
        await state.clear()
        await _edit(query, t("admin-cancelled"), None)
        return
    if action == "save":
        await state.clear()
        await _edit(query, *await _summary(t, session, event, row.id, data), keyboard=False)
        text = await _save(query, t, session, event, row.id, clock, certificates, plan, data)
        await bot.send_message(query.from_user.id, text)
        return
    if action == "all":
        for index in undecided:
            plan.people[index].confirmed = True
    elif action in ("yes", "no"):
        plan.people[callback_data.index].confirmed = action == "yes"
    await state.update_data({"plan": plan.to_json()})
    remaining = plan.undecided()
    if action in ("review", "yes", "no") and remaining:
        await _edit(query, *_review_card(t, plan, remaining[0], data["preview"]))
        return
    await _edit(query, *await _summary(t, session, event, row.id, await state.get_data()))


async def _save(
    query: CallbackQuery,
    t: Translator,
    session: AsyncSession,
    event: Event,
    event_id: int,
    clock: Clock,
    certificates: CertificateService,
    plan: Plan,
    data: dict[str, Any],
) -> str:
    """Marks attendance and says what changed, and how many may now get a certificate."""
    marks = {k: m for k, m in plan.marks().items() if m.minutes >= 1}
    unsure = [p for p in plan.people if p.tier is Tier.UNSURE]
    saved = await save_marks(
        session,
        event_id=event_id,
        marks=marks,
        now=clock.now(),
        actor_id=query.from_user.id,
        details={
            "report_file": data["file"],
            "report_rows": data["rows"],
            "people": len(plan.people),
            "confirmed_unsure": sum(1 for p in unsure if p.confirmed),
            "unmatched": sum(
                1 for p in plan.people if p.registration_id is None and _minutes(p, plan) >= 1
            ),
        },
    )
    eligible = len(await certificates.eligible_registrations(session, event, event_id))
    return "\n".join(
        [
            t("admin-att-saved-head", event=title(t, event)),
            t("admin-att-saved", count=saved.new),
            t("admin-att-saved-updated", count=saved.updated),
            t("admin-att-saved-unchanged", count=saved.unchanged),
            t("admin-att-eligible", count=eligible),
        ]
    )


async def _edit(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    keyboard: bool = True,
) -> None:
    """Show `text` in the message whose button was pressed (`keyboard=False`: without the
    buttons, as a record of what was confirmed)."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text, reply_markup=markup if keyboard else None)
    except TelegramBadRequest as exc:  # "message is not modified": the same view again
        log.debug("report preview not edited: %s", exc.message)


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, ACTION, ask_for_report, started)
    # A new file while a preview is shown replaces it (a corrected export).
    router.message.register(
        on_file, StateFilter(ReportImport.file, ReportImport.preview), F.document
    )
    router.message.register(on_not_a_file, ReportImport.file, ~(F.text & F.text.startswith("/")))
    router.message.register(
        on_text_in_preview, ReportImport.preview, ~(F.text & F.text.startswith("/"))
    )
    router.callback_query.register(on_button, AdminReportCb.filter())
    return router
