"""/find: organizers find a participant, a teacher's class or a pupil, and fix what is wrong.

`/find <text>` (or /find, then the text) lists the hits, a page of buttons at a time; one hit
opens at once. A card says everything known about the hit (bot/services/organizers/card.py).
Its buttons change things (bot/services/organizers/changes.py): they are shown only to
organizers who may change things, and their handlers sit in `create_change_router()`, behind
IsOrganizer(changes=True), so a viewer's or stranger's forged button changes nothing.

The participant is told what concerns them: a registration cancelled or restored by an
organizer, or moved to another venue (in their language, in Telegram and by e-mail by the rule
of bot/services/organizers/notices.py: they would otherwise miss reminders without knowing why,
not know they are back, or come to the wrong door). Whoever a seat it left goes to is told as
after the person's own /edit. An edited answer, a check-in mark or a corrected pupil's name is
not announced; a certificate sent again arrives as a certificate does."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.filters import IsOrganizer
from bot.i18n import I18n, Translator
from bot.services.certificates.issue import CertificateService
from bot.services.events.catalog import Event, EventCatalog, EventFormat
from bot.services.events.durations import duration_parts
from bot.services.mailing.organizer_letter import venue_text
from bot.services.organizers.card import (
    CertificateState,
    ClassCard,
    EventInfo,
    PupilCard,
    Reach,
    RegistrationCard,
    class_card,
    class_pupils,
    pupil_card,
    registration_card,
)
from bot.services.organizers.changes import Changed, ChangeRefused, OrganizerChanges
from bot.services.organizers.notices import reach_of
from bot.services.organizers.roles import may_change
from bot.services.organizers.search import PAGE_SIZE, Hit, HitKind, SearchPage, search
from bot.services.registration.countries import (
    BUTTON_COUNTRIES,
    canonical_country,
    country_label,
    known_names,
)
from bot.services.registration.form import (
    CHOICE_FIELDS,
    FIELD_ORDER,
    Field,
    Invalid,
    ParticipationFormat,
    Role,
    field_applies,
    parse_choice,
    validate_text,
)
from bot.services.registration.registrations import answers_of
from bot.services.venues.seats import VenueSeats, seat_counts
from bot.settings import Settings
from db.models import OrganizerRole, Registration, RegistrationStatus, User
from db.repositories import UserRepository
from handlers.admin.callbacks import AdminMenuCb, AdminMessagePersonCb
from handlers.admin.labels import moment_label
from handlers.admin.stale import answer_stale, buttons_of
from handlers.filters import PLAIN_TEXT
from handlers.registration import send_seat_notices
from handlers.venue_views import venue_button_label, venue_card_line
from handlers.views import display_value, field_label

log = logging.getLogger(__name__)


class AdminFindPageCb(CallbackData, prefix="afndp"):
    """Another page of the hits; `q`: a digest of the query, to tell an outdated list."""

    page: int
    q: str


class AdminFindOpenCb(CallbackData, prefix="afndo"):
    """Open a hit's card: `kind` is a HitKind."""

    kind: str
    id: int


class AdminFindPupilsCb(CallbackData, prefix="afndr"):
    """A page of a class's roster, each pupil a button to their card."""

    class_id: int
    page: int


class AdminFindActCb(CallbackData, prefix="afnda"):
    """A card's change button: edit | cancel | cancel-yes | restore | attend | unattend |
    resend | rename | venue."""

    kind: str
    id: int
    action: str


class AdminFindFieldCb(CallbackData, prefix="afndf"):
    """The answer to edit."""

    id: int
    field: str


class AdminFindChoiceCb(CallbackData, prefix="afndc"):
    """A new answer chosen with a button (role, format, wish to speak, country; "" clears the
    phone)."""

    id: int
    field: str
    value: str


class AdminFindVenueCb(CallbackData, prefix="afndv"):
    """A venue chosen for a registration: pick (a seat, or the offer of a full venue's waiting
    list), wait (its waiting list, explicitly), online (a hybrid event)."""

    id: int
    action: str
    venue: str = ""


class FindForm(StatesGroup):
    query = State()


class FindEdit(StatesGroup):
    value = State()  # data "find_edit": {"id", "field", "pending": answers chosen before}
    pupil_name = State()  # data "find_pupil": the pupil's id


QUERY_KEY = "find_query"
EDIT_KEY = "find_edit"
PUPIL_KEY = "find_pupil"
_ICONS = {HitKind.REGISTRATION: "👤", HitKind.CLASS: "🏫", HitKind.PUPIL: "🎒"}
# Cancelled (a registration, a class); pending (a web registration's address not confirmed, a
# pupil not approved by the teacher yet: both "pending").
_STATUS_MARKS = {RegistrationStatus.CANCELLED.value: " ❌", RegistrationStatus.PENDING.value: " ⏳"}
_DELIVERY_MARKS = {"sent": "✅", "unreachable": "🚫", "failed": "⚠️"}
BUTTON_TEXT_LIMIT = 60


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


async def _leave_state(state: FSMContext, *keys: str) -> None:
    """Out of a /find step, keeping the last query (its list's page buttons still work)."""
    await state.set_state(None)
    data = await state.get_data()
    for key in keys:
        data.pop(key, None)
    await state.set_data(data)


# --- the list of hits -------------------------------------------------------------------------


def hit_label(t: Translator, hit: Hit, with_event: bool) -> str:
    name = hit.name or t("find-no-name")
    label = f"{_ICONS[hit.kind]} {name}"
    if hit.kind is not HitKind.REGISTRATION and hit.detail:
        label += f" — {hit.detail}"
    label += _STATUS_MARKS.get(hit.status, "")
    if with_event:
        label += f" · {hit.event_slug}"
    return label if len(label) <= BUTTON_TEXT_LIMIT else label[: BUTTON_TEXT_LIMIT - 1] + "…"


def results_keyboard(
    t: Translator, found: SearchPage, query: str, with_event: bool
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for hit in found.hits:
        kb.button(
            text=hit_label(t, hit, with_event),
            callback_data=AdminFindOpenCb(kind=hit.kind.value, id=hit.id),
        )
    navigation = []
    if found.page > 0:
        kb.button(text="◀", callback_data=AdminFindPageCb(page=found.page - 1, q=_digest(query)))
        navigation.append(1)
    if found.page + 1 < found.pages:
        kb.button(text="▶", callback_data=AdminFindPageCb(page=found.page + 1, q=_digest(query)))
        navigation.append(1)
    kb.adjust(*([1] * len(found.hits)), len(navigation) or 1)
    return kb.as_markup()


def results_text(t: Translator, found: SearchPage, query: str) -> str:
    text = t("find-results", value=escape(query), total=found.total)
    if found.pages > 1:
        text += f"\n{found.page + 1}/{found.pages}"
    return text


async def show_results(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    role: OrganizerRole,
) -> None:
    found = await search(session, text)
    if found is None:
        await bot.send_message(chat_id, t("find-too-short", value=escape(text)))
        return
    await state.update_data({QUERY_KEY: text})
    if not found.hits:
        await bot.send_message(chat_id, t("find-nothing", value=escape(text)))
        return
    if found.total == 1:
        [hit] = found.hits
        await send_card(bot, chat_id, t, session, catalog, role, hit.kind, hit.id)
        return
    await bot.send_message(
        chat_id,
        results_text(t, found, text),
        reply_markup=results_keyboard(t, found, text, len(list(catalog)) > 1),
    )


async def cmd_find(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    organizer_role: OrganizerRole,
) -> None:
    # An edit half done was dropped before this ran (handlers/admin/dialogues.py): its next
    # text will not land in that answer.
    if not command.args:
        await state.set_state(FindForm.query)
        await message.answer(t("find-ask"))
        return
    await show_results(
        bot,
        message.chat.id,
        command.args,
        state=state,
        t=t,
        session=session,
        catalog=catalog,
        role=organizer_role,
    )


async def on_menu(query: CallbackQuery, state: FSMContext, bot: Bot, t: Translator) -> None:
    await query.answer()
    await state.set_state(FindForm.query)
    await bot.send_message(query.from_user.id, t("find-ask"))


async def on_query(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    organizer_role: OrganizerRole,
) -> None:
    await state.set_state(None)
    await show_results(
        bot,
        message.chat.id,
        message.text or "",
        state=state,
        t=t,
        session=session,
        catalog=catalog,
        role=organizer_role,
    )


async def on_query_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("find-need-text"))


async def on_page(
    query: CallbackQuery,
    callback_data: AdminFindPageCb,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
) -> None:
    text = (await state.get_data()).get(QUERY_KEY)
    if not isinstance(text, str) or _digest(text) != callback_data.q:
        await query.answer(t("find-stale"), show_alert=True)
        return
    found = await search(session, text, callback_data.page)
    if found is None or not found.hits:
        await query.answer(t("find-stale"), show_alert=True)
        return
    await query.answer()
    markup = results_keyboard(t, found, text, len(list(catalog)) > 1)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(results_text(t, found, text), reply_markup=markup)
        except TelegramBadRequest as exc:  # the same page again, or the message is gone
            log.debug("could not show the page: %s", exc)


async def on_open(
    query: CallbackQuery,
    callback_data: AdminFindOpenCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    organizer_role: OrganizerRole,
) -> None:
    try:
        kind = HitKind(callback_data.kind)
    except ValueError:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await send_card(
        bot, query.from_user.id, t, session, catalog, organizer_role, kind, callback_data.id
    )


async def on_pupils(
    query: CallbackQuery,
    callback_data: AdminFindPupilsCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
) -> None:
    await query.answer()
    pupils, total = await class_pupils(
        session, callback_data.class_id, callback_data.page, PAGE_SIZE
    )
    if not pupils:
        await bot.send_message(query.from_user.id, t("find-class-no-pupils"))
        return
    kb = InlineKeyboardBuilder()
    for pupil in pupils:
        mark = " ⏳" if pupil.status != "active" else ""
        kb.button(
            text=f"🎒 {pupil.full_name}{mark}"[:BUTTON_TEXT_LIMIT],
            callback_data=AdminFindOpenCb(kind=HitKind.PUPIL.value, id=pupil.id),
        )
    pages = -(-total // PAGE_SIZE)
    navigation = 0
    for step, arrow in ((-1, "◀"), (1, "▶")):
        target = callback_data.page + step
        if 0 <= target < pages:
            kb.button(
                text=arrow,
                callback_data=AdminFindPupilsCb(class_id=callback_data.class_id, page=target),
            )
            navigation += 1
    kb.adjust(*([1] * len(pupils)), navigation or 1)
    text = t("find-class-pupils", total=total)
    if pages > 1:
        text += f"\n{callback_data.page + 1}/{pages}"
    await bot.send_message(query.from_user.id, text, reply_markup=kb.as_markup())


# --- cards ------------------------------------------------------------------------------------


async def send_card(
    bot: Bot,
    chat_id: int,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    role: OrganizerRole,
    kind: HitKind,
    item_id: int,
) -> None:
    changes = may_change(role)
    text: str | None = None
    markup: InlineKeyboardMarkup | None = None
    if kind is HitKind.REGISTRATION:
        card = await registration_card(session, catalog, item_id)
        if card is not None:
            text, markup = registration_text(t, card), registration_keyboard(t, card, changes)
    elif kind is HitKind.CLASS:
        found = await class_card(session, catalog, item_id)
        if found is not None:
            text, markup = class_text(t, found), class_keyboard(t, found)
    else:
        pupil = await pupil_card(session, catalog, item_id)
        if pupil is not None:
            text, markup = pupil_text(t, pupil), pupil_keyboard(t, pupil, changes)
    if text is None:
        await bot.send_message(chat_id, t("find-err-gone"))
        return
    await bot.send_message(chat_id, text, reply_markup=markup)


def _event_line(t: Translator, event: EventInfo) -> str:
    return f"<i>{escape(event.title(t.lang))}</i>"


def _telegram_line(t: Translator, user_id: int | None, username: str | None, reach: Reach) -> str:
    if user_id is None:
        return t("find-card-no-telegram")
    return t(
        "find-card-telegram",
        kind="username" if username else "id",
        username=escape(username or ""),
        user_id=str(user_id),  # a string: Fluent would group an int's digits
        status=reach.value,
    )


def _certificate_lines(t: Translator, certificate: CertificateState | None) -> list[str]:
    if certificate is None:
        return [t("find-card-no-certificate")]
    status = certificate.status.value
    if certificate.error == "unreachable":
        status = "blocked"
    lines = [t("find-card-certificate", number=escape(certificate.number), status=status)]
    if certificate.error and certificate.error != "unreachable":
        lines.append(t("find-card-certificate-error", reason=escape(certificate.error[:200])))
    if certificate.mail_status is not None:
        lines.append(t("find-card-certificate-mail", status=certificate.mail_status))
    return lines


def _reminder_label(t: Translator, kind_seconds: int | None, is_start: bool) -> str:
    if kind_seconds is not None:
        parts = duration_parts(timedelta(seconds=kind_seconds))
        duration = " ".join(t(f"duration-{unit}", **{unit: n}) for unit, n in parts)
        return t("admin-reminder-offset", duration=duration)
    return t("find-reminder-start") if is_start else t("find-reminder-link")


def _mark(status: str) -> str:
    """✅ sent, 🚫 unreachable, ⚠️ failed, ⏳ still waiting (queued, claimed)."""
    return _DELIVERY_MARKS.get(status, "⏳")


def _reminder_lines(t: Translator, card: RegistrationCard) -> list[str]:
    if not card.reminders:
        return [t("find-card-no-reminders")]
    lines = [t("find-card-reminders")]
    separator = t("admin-reminder-separator")
    for channel in ("telegram", "email"):
        items = [
            f"{_reminder_label(t, r.offset_seconds, r.is_start)} {_mark(r.status)}"
            for r in card.reminders
            if r.channel == channel
        ]
        if items:
            lines.append(t("find-card-reminder-line", channel=channel, value=separator.join(items)))
    return lines


def registration_text(t: Translator, card: RegistrationCard) -> str:
    row = card.row
    lines = [
        f"👤 <b>{escape(row.full_name or '')}</b>",
        _event_line(t, card.event),
        t("find-card-status", status=row.status),
        t(
            "find-card-registered",
            date=moment_label(t, row.created_at),
            source=row.source,
        ),
        "",
    ]
    answers = answers_of(row)
    for field in FIELD_ORDER:
        if field_applies(field, answers, card.event.hybrid) and answers.get(field) is not None:
            value = display_value(t, field, answers[field])
            lines.append(t("summary-line", label=field_label(t, field), value=value))
    if row.wants_to_speak:
        lines.append(t("find-card-speaker", status=row.speaker_status or "pending"))
    waiting = row.venue_waiting_since is not None
    if venue := venue_card_line(t, card.event.event, row.venue_id, waiting):  # issue 15
        lines.append(venue)
    lines += [
        "",
        _telegram_line(t, row.user_id, card.username, card.telegram),
    ]
    if row.email:
        lines.append(t("find-card-email", email=escape(row.email), status=card.email.value))
        if card.email is Reach.BOUNCED and row.email_error:
            lines.append(t("find-card-email-error", reason=escape(row.email_error[:200])))
        if row.user_id is not None:
            lines.append(t("find-card-deliver-via", via=row.deliver_via))
    lines.append("")
    if card.checked_in_at is not None:
        lines.append(
            t(
                "find-card-checked-in",
                date=moment_label(t, card.checked_in_at),
                method=card.checkin_method or "other",
            )
        )
    else:
        lines.append(t("find-card-not-checked-in"))
    lines += _certificate_lines(t, card.certificate)
    if card.certificate is not None and card.certificate.name != (row.full_name or ""):
        lines.append(t("find-card-certificate-name", name=escape(card.certificate.name)))
    lines += ["", *_reminder_lines(t, card)]
    return "\n".join(lines)


def registration_keyboard(
    t: Translator, card: RegistrationCard, changes: bool
) -> InlineKeyboardMarkup | None:
    if not changes:
        return None
    row = card.row
    kb = InlineKeyboardBuilder()

    def act(key: str, action: str) -> None:
        kb.button(
            text=t(key),
            callback_data=AdminFindActCb(kind=HitKind.REGISTRATION.value, id=row.id, action=action),
        )

    if card.event.event is not None:
        act("find-btn-edit", "edit")
        if card.active:
            act("find-btn-cancel", "cancel")
        elif card.cancelled:
            act("find-btn-restore", "restore")
        if card.active and card.event.event.venues:
            act("find-btn-venue", "venue")
        if card.active:
            if card.checked_in_at is None:
                act("find-btn-attended", "attend")
            else:
                act("find-btn-not-attended", "unattend")
        if card.certificate is not None:
            act("find-btn-resend", "resend")
    kb.button(
        text=t("find-btn-message"), callback_data=AdminMessagePersonCb(registration_id=row.id)
    )
    kb.adjust(1)
    return kb.as_markup()


def class_text(t: Translator, card: ClassCard) -> str:
    row = card.row
    lines = [
        f"🏫 <b>{escape(row.name)}</b>",
        _event_line(t, card.event),
        t("find-class-status", status=row.status),
        t("find-class-teacher", teacher=escape(row.teacher_name or t("find-no-name"))),
    ]
    if row.school:
        lines.append(
            t(
                "find-class-school",
                school=escape(row.school),
                city=escape(row.city or ""),
                country=escape(country_label(t, row.country)),
            )
        )
    if row.email:
        lines.append(t("summary-line", label=t("field-email"), value=escape(row.email)))
    if row.phone:
        lines.append(t("summary-line", label=t("field-phone"), value=escape(row.phone)))
    lines += [
        _telegram_line(t, row.teacher_id, card.username, card.telegram),
        "",
        t("find-class-roster", count=card.pupils, size=row.declared_size),
    ]
    if card.pupils_waiting:
        lines.append(t("find-class-waiting", pending=card.pupils_waiting))
    if row.group_chat_id is not None:
        lines.append(t("find-class-group", group=escape(row.group_title or str(row.group_chat_id))))
    else:
        lines.append(t("find-class-no-group"))
    if card.group_messages:
        lines.append(t("find-class-group-messages", count=card.group_messages))
    if card.checked_in_at is not None:
        lines.append(
            t("find-card-checked-in", date=moment_label(t, card.checked_in_at), method="class")
        )
    else:
        lines.append(t("find-card-not-checked-in"))
    lines += _certificate_lines(t, card.certificate)
    return "\n".join(lines)


def class_keyboard(t: Translator, card: ClassCard) -> InlineKeyboardMarkup | None:
    total = card.pupils + card.pupils_waiting
    if not total:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("find-btn-pupils", count=total),
        callback_data=AdminFindPupilsCb(class_id=card.row.id, page=0),
    )
    return kb.as_markup()


def pupil_text(t: Translator, card: PupilCard) -> str:
    school_class = card.school_class
    lines = [
        f"🎒 <b>{escape(card.row.full_name)}</b>",
        _event_line(t, card.event),
        t("find-pupil-status", status=card.row.status),
        t("find-pupil-class", class_name=escape(school_class.name)),
        t("find-class-teacher", teacher=escape(school_class.teacher_name or t("find-no-name"))),
    ]
    if school_class.school:
        lines.append(
            t(
                "find-class-school",
                school=escape(school_class.school),
                city=escape(school_class.city or ""),
                country=escape(country_label(t, school_class.country)),
            )
        )
    if card.row.user_id is not None:
        lines.append(_telegram_line(t, card.row.user_id, card.username, Reach.YES))
    if card.certificate_number is not None:
        lines.append(t("find-pupil-certificate", number=escape(card.certificate_number)))
    return "\n".join(lines)


def pupil_keyboard(t: Translator, card: PupilCard, changes: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("find-btn-class"),
        callback_data=AdminFindOpenCb(kind=HitKind.CLASS.value, id=card.school_class.id),
    )
    if changes:
        kb.button(
            text=t("find-btn-rename"),
            callback_data=AdminFindActCb(kind=HitKind.PUPIL.value, id=card.row.id, action="rename"),
        )
    kb.adjust(1)
    return kb.as_markup()


# --- changes ----------------------------------------------------------------------------------


def _changes(
    session: AsyncSession, catalog: EventCatalog, clock: Clock, actor: int
) -> OrganizerChanges:
    return OrganizerChanges(session, catalog, clock, actor)


def refusal_text(t: Translator, refusal: ChangeRefused) -> str:
    if refusal.moment is not None:
        return t(refusal.key, date=moment_label(t, refusal.moment))
    return t(refusal.key)


async def tell_participant(
    bot: Bot,
    i18n: I18n,
    session: AsyncSession,
    clock: Clock,
    row: Registration,
    text: Callable[[Translator], str],
) -> bool:
    """A message to the registration's own chat in its language; False when there is none the
    bot can reach."""
    if row.user_id is None:
        return False
    user = await session.get(User, row.user_id)
    if user is None or not user.is_reachable:
        return False
    try:
        await bot.send_message(row.user_id, text(i18n(user.language)))
    except TelegramForbiddenError:
        await UserRepository(session).mark_unreachable(row.user_id, clock.now())
        await session.commit()
        return False
    except TelegramBadRequest as exc:  # the chat is gone
        log.info("could not tell registration %s: %s", row.id, exc)
        return False
    return True


async def report_change(
    bot: Bot,
    chat_id: int,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    catalog: EventCatalog,
    mail_outbox: Any,
    done: Changed,
    text: Callable[[Translator], str],
    key: str,
) -> None:
    """After a change is stored: the person told in Telegram (their letter is queued already),
    those a seat it left went to told, and the organizer told who heard of it and how."""
    sent = False
    if done.told.telegram:
        sent = await tell_participant(bot, i18n, session, clock, done.row, text)
    if done.told.email and mail_outbox is not None:
        mail_outbox.wake()
    await send_seat_notices(bot, session_factory, catalog, clock, i18n, done.promoted)
    name = escape(done.row.full_name or "")
    await bot.send_message(chat_id, t(key, name=name, told=done.told.told(telegram_sent=sent)))


# --- the venue --------------------------------------------------------------------------------


def venue_choice(
    t: Translator, card: RegistrationCard, event: Event, seats: list[VenueSeats]
) -> tuple[str, InlineKeyboardMarkup]:
    """The venues with their seats counted now; a hybrid event's online participation."""
    row = card.row
    waiting = row.venue_waiting_since is not None
    offline = event.format is EventFormat.OFFLINE or row.participation_format == "offline"
    now = venue_card_line(t, event, row.venue_id, waiting) if offline else ""
    lines = [t("find-venue-choose", name=escape(row.full_name or ""))]
    if now:
        lines.append(now)
    elif not offline:
        lines.append(t("find-venue-now-online"))
    lines.append("")
    kb = InlineKeyboardBuilder()
    for count in seats:
        venue = count.venue
        lines.append(
            t(
                "venue-option",
                venue=escape(venue.name.get(t.lang)),
                address=escape(venue.address.get(t.lang)),
            )
        )
        if count.full:
            lines.append(t("venue-option-full"))
        elif count.free is not None:
            lines.append(t("venue-option-free", free=count.free, capacity=venue.capacity))
        kb.button(
            text=venue_button_label(t, venue, count),
            callback_data=AdminFindVenueCb(id=row.id, action="pick", venue=venue.id),
        )
    if event.format is EventFormat.HYBRID:
        kb.button(
            text=t("find-btn-venue-online"),
            callback_data=AdminFindVenueCb(id=row.id, action="online"),
        )
    kb.button(
        text=t("find-btn-back"),
        callback_data=AdminFindOpenCb(kind=HitKind.REGISTRATION.value, id=row.id),
    )
    kb.adjust(1)
    return "\n".join(lines), kb.as_markup()


def full_offer(
    t: Translator, registration_id: int, name: str, venue_id: str
) -> InlineKeyboardMarkup:
    """A full venue chosen: its waiting list, explicitly, or back to the venues."""
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("btn-venue-wait", venue=name),
        callback_data=AdminFindVenueCb(id=registration_id, action="wait", venue=venue_id),
    )
    kb.button(
        text=t("btn-venue-other"),
        callback_data=AdminFindActCb(
            kind=HitKind.REGISTRATION.value, id=registration_id, action="venue"
        ),
    )
    kb.adjust(1)
    return kb.as_markup()


async def on_venue(
    query: CallbackQuery,
    callback_data: AdminFindVenueCb,
    bot: Bot,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    settings: Settings,
    organizer_role: OrganizerRole,
    mail_outbox: Any = None,
) -> None:
    chat_id = query.from_user.id
    action, item_id = callback_data.action, callback_data.id
    if action not in ("pick", "wait", "online"):
        await query.answer(t("err-stale-button"), show_alert=True)
        return
    venue_id = callback_data.venue if action != "online" else None
    changes = _changes(session, catalog, clock, chat_id)
    try:
        if action == "pick":
            # A full venue (no seat, or people in line first) offers its waiting list.
            card = await registration_card(session, catalog, item_id)
            event = card.event.event if card is not None else None
            venue = event.venue_by_id(venue_id) if event is not None else None
            if card is None or event is None:
                raise ChangeRefused("find-err-gone")
            if venue is None:
                raise ChangeRefused("find-err-venue-gone")
            seats = await seat_counts(session, event, card.row.event_id)
            count = next((c for c in seats if c.venue.id == venue.id), None)
            if count is not None and count.full and card.row.venue_id != venue.id:
                await query.answer()
                name = venue.name.get(t.lang)
                await bot.send_message(
                    chat_id,
                    t("find-venue-full", venue=escape(name)),
                    reply_markup=full_offer(t, item_id, name, venue.id),
                )
                return
        done = await changes.change_venue(
            item_id, venue_id, accept_waiting=action == "wait", mail=settings.mail_enabled
        )
    except ChangeRefused as refusal:
        await query.answer(refusal_text(t, refusal), show_alert=True)
        return
    await query.answer()
    event = done.event
    await report_change(
        bot,
        chat_id,
        t,
        i18n,
        session,
        session_factory,
        clock,
        catalog,
        mail_outbox,
        done,
        lambda pt: venue_text(pt, event, done.row),
        "find-venue-changed",
    )
    await send_card(
        bot, chat_id, t, session, catalog, organizer_role, HitKind.REGISTRATION, item_id
    )


def fields_keyboard(
    t: Translator, registration_id: int, fields: list[Field]
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for field in fields:
        kb.button(
            text=t("btn-edit-field", field=field_label(t, field)),
            callback_data=AdminFindFieldCb(id=registration_id, field=field.value),
        )
    kb.button(
        text=t("find-btn-back"),
        callback_data=AdminFindOpenCb(kind=HitKind.REGISTRATION.value, id=registration_id),
    )
    kb.adjust(2)
    return kb.as_markup()


def choices_keyboard(t: Translator, registration_id: int, field: Field) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    options: list[tuple[str, str]]
    if field is Field.ROLE:
        options = [(t(f"role-{r.value}"), r.value) for r in Role]
    elif field is Field.FORMAT:
        options = [(t(f"format-{f.value}"), f.value) for f in ParticipationFormat]
    elif field is Field.WANTS_TO_SPEAK:
        options = [(t("answer-yes"), "yes"), (t("answer-no"), "no")]
    elif field is Field.COUNTRY:
        options = [(t(f"country-{code}"), code) for code in BUTTON_COUNTRIES]
    else:  # the phone: it may be removed
        options = [(t("find-btn-phone-clear"), "")]
    for text, value in options:
        kb.button(
            text=text,
            callback_data=AdminFindChoiceCb(id=registration_id, field=field.value, value=value),
        )
    kb.adjust(2)
    return kb.as_markup()


async def on_action(
    query: CallbackQuery,
    callback_data: AdminFindActCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    certificates: CertificateService,
    organizer_role: OrganizerRole,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    mail_outbox: Any = None,
) -> None:
    chat_id = query.from_user.id
    action, item_id = callback_data.action, callback_data.id
    changes = _changes(session, catalog, clock, chat_id)
    if callback_data.kind == HitKind.PUPIL.value and action == "rename":
        await query.answer()
        await state.set_state(FindEdit.pupil_name)
        await state.update_data({PUPIL_KEY: item_id})
        await bot.send_message(chat_id, t("find-pupil-ask-name"))
        return
    if callback_data.kind != HitKind.REGISTRATION.value:
        await query.answer(t("err-stale-button"))
        return
    try:
        if action == "edit":
            fields = await changes.editable_fields(item_id)
            await query.answer()
            card = await registration_card(session, catalog, item_id)
            name = escape(card.row.full_name or "") if card else ""
            await bot.send_message(
                chat_id,
                t("find-edit-choose", name=name),
                reply_markup=fields_keyboard(t, item_id, fields),
            )
            return
        if action == "cancel":
            card = await registration_card(session, catalog, item_id)
            if card is None or not card.active:
                raise ChangeRefused("find-err-not-active")
            await query.answer()
            kb = InlineKeyboardBuilder()
            kb.button(
                text=t("find-btn-cancel-yes"),
                callback_data=AdminFindActCb(
                    kind=callback_data.kind, id=item_id, action="cancel-yes"
                ),
            )
            kb.button(
                text=t("find-btn-back"),
                callback_data=AdminFindOpenCb(kind=callback_data.kind, id=item_id),
            )
            kb.adjust(1)
            told = await reach_of(session, card.row, mail=settings.mail_enabled)
            await bot.send_message(
                chat_id,
                t(
                    "find-cancel-confirm",
                    name=escape(card.row.full_name or ""),
                    event=escape(card.event.title(t.lang)),
                    via=told.told(telegram_sent=True),
                ),
                reply_markup=kb.as_markup(),
            )
            return
        if action in ("cancel-yes", "restore"):
            mail = settings.mail_enabled
            if action == "cancel-yes":
                done = await changes.cancel(item_id, mail=mail)
            else:
                done = await changes.restore(item_id, mail=mail)
            await query.answer()
            notice = "find-notice-cancelled" if action == "cancel-yes" else "find-notice-restored"
            key = "find-cancelled" if action == "cancel-yes" else "find-restored"
            await report_change(
                bot,
                chat_id,
                t,
                i18n,
                session,
                session_factory,
                clock,
                catalog,
                mail_outbox,
                done,
                lambda pt: pt(notice, event=escape(done.event.title.get(pt.lang))),
                key,
            )
        elif action == "venue":
            card = await registration_card(session, catalog, item_id)
            event = card.event.event if card is not None else None
            if card is None or event is None or not card.active or not event.venues:
                raise ChangeRefused("find-err-not-active")
            await query.answer()
            seats = await seat_counts(session, event, card.row.event_id)
            text, markup = venue_choice(t, card, event, seats)
            await bot.send_message(chat_id, text, reply_markup=markup)
            return
        elif action in ("attend", "unattend"):
            changed = await changes.set_attended(item_id, action == "attend")
            await query.answer()
            key = {
                ("attend", True): "find-attended",
                ("attend", False): "find-attended-already",
                ("unattend", True): "find-not-attended",
                ("unattend", False): "find-not-attended-already",
            }[(action, changed)]
            await bot.send_message(chat_id, t(key))
        elif action == "resend":
            await query.answer()
            outcome = await changes.resend_certificate(item_id, certificates)
            text = t("find-resent", number=escape(outcome.number), status=outcome.telegram)
            if outcome.email_queued:
                text += "\n" + t("find-resent-mail")
            await bot.send_message(chat_id, text)
            return
        else:
            await query.answer(t("err-stale-button"))
            return
    except ChangeRefused as refusal:
        await query.answer(refusal_text(t, refusal), show_alert=True)
        return
    await send_card(
        bot, chat_id, t, session, catalog, organizer_role, HitKind.REGISTRATION, item_id
    )


async def on_field(
    query: CallbackQuery,
    callback_data: AdminFindFieldCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
) -> None:
    chat_id = query.from_user.id
    changes = _changes(session, catalog, clock, chat_id)
    try:
        field = Field(callback_data.field)
        if field not in await changes.editable_fields(callback_data.id):
            raise ChangeRefused("find-err-field")
    except ValueError:
        await query.answer(t("err-stale-button"))
        return
    except ChangeRefused as refusal:
        await query.answer(refusal_text(t, refusal), show_alert=True)
        return
    await query.answer()
    card = await registration_card(session, catalog, callback_data.id)
    current = answers_of(card.row).get(field) if card else None
    shown = display_value(t, field, current) if current not in (None, "") else t("answer-not-given")
    if field in CHOICE_FIELDS:
        await bot.send_message(
            chat_id,
            t("find-edit-choose-value", field=field_label(t, field), value=shown),
            reply_markup=choices_keyboard(t, callback_data.id, field),
        )
        return
    await state.set_state(FindEdit.value)
    await state.update_data(
        {EDIT_KEY: {"id": callback_data.id, "field": field.value, "pending": {}}}
    )
    markup = None
    if field in (Field.COUNTRY, Field.PHONE):
        markup = choices_keyboard(t, callback_data.id, field)
    await bot.send_message(
        chat_id, t("find-edit-ask", field=field_label(t, field), value=shown), reply_markup=markup
    )


async def on_choice(
    query: CallbackQuery,
    callback_data: AdminFindChoiceCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    settings: Settings,
    organizer_role: OrganizerRole,
    mail_outbox: Any = None,
) -> None:
    chat_id = query.from_user.id
    try:
        field = Field(callback_data.field)
        value: Any
        if field is Field.COUNTRY:
            if callback_data.value not in BUTTON_COUNTRIES:
                raise ValueError(callback_data.value)
            value = callback_data.value
        elif field is Field.PHONE:
            if callback_data.value:
                raise ValueError(callback_data.value)
            value = ""
        else:
            value = parse_choice(field, callback_data.value)
    except ValueError:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    changes = _changes(session, catalog, clock, chat_id)
    try:
        if field is Field.WANTS_TO_SPEAK and value and await changes.needs_topic(callback_data.id):
            await state.set_state(FindEdit.value)
            await state.update_data(
                {
                    EDIT_KEY: {
                        "id": callback_data.id,
                        "field": Field.TALK_TOPIC.value,
                        "pending": {Field.WANTS_TO_SPEAK.value: True},
                    }
                }
            )
            await bot.send_message(chat_id, t("find-edit-ask-topic"))
            return
    except ChangeRefused as refusal:
        await bot.send_message(chat_id, refusal_text(t, refusal))
        return
    if await state.get_state() == FindEdit.value.state:
        await _leave_state(state, EDIT_KEY)
    await save_answers(
        bot,
        chat_id,
        t,
        session,
        catalog,
        clock,
        settings,
        organizer_role,
        mail_outbox,
        callback_data.id,
        {field: value},
    )


async def on_value(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    i18n: I18n,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    settings: Settings,
    organizer_role: OrganizerRole,
    mail_outbox: Any = None,
) -> None:
    editing = (await state.get_data()).get(EDIT_KEY)
    if not isinstance(editing, dict):
        await _leave_state(state, EDIT_KEY)
        await message.answer(t("find-stale"))
        return
    field = Field(editing["field"])
    try:
        value: Any = validate_text(field, message.text or "")
    except Invalid as problem:  # the form's own words for what is wrong
        await message.answer(t(problem.key, **problem.args_))
        return
    if field is Field.COUNTRY:
        value = canonical_country(value, known_names(i18n.all()))
    answers: dict[Field, Any] = {Field(k): v for k, v in editing.get("pending", {}).items()}
    answers[field] = value
    await _leave_state(state, EDIT_KEY)
    await save_answers(
        bot,
        message.chat.id,
        t,
        session,
        catalog,
        clock,
        settings,
        organizer_role,
        mail_outbox,
        int(editing["id"]),
        answers,
    )


async def save_answers(
    bot: Bot,
    chat_id: int,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    settings: Settings,
    role: OrganizerRole,
    mail_outbox: Any,
    registration_id: int,
    answers: dict[Field, Any],
) -> None:
    changes = _changes(session, catalog, clock, chat_id)
    before = await registration_card(session, catalog, registration_id)
    old_email = before.row.email_key if before else None
    try:
        await changes.edit(registration_id, answers, mail=settings.mail_enabled)
    except ChangeRefused as refusal:
        await bot.send_message(chat_id, refusal_text(t, refusal))
        return
    if mail_outbox is not None:
        mail_outbox.wake()
    labels = t("list-separator").join(field_label(t, f) for f in answers)
    lines = [t("find-edit-saved", field=labels)]
    after = await registration_card(session, catalog, registration_id)
    if after is not None:
        if Field.EMAIL in answers and after.row.email_key != old_email:
            lines.append(t("find-edit-email-unconfirmed"))
        certificate = after.certificate
        if certificate is not None and certificate.name != (after.row.full_name or ""):
            lines.append(t("find-edit-name-certificate", number=escape(certificate.number)))
    await bot.send_message(chat_id, "\n".join(lines))
    await send_card(bot, chat_id, t, session, catalog, role, HitKind.REGISTRATION, registration_id)


async def on_pupil_name(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    organizer_role: OrganizerRole,
) -> None:
    student_id = (await state.get_data()).get(PUPIL_KEY)
    if not isinstance(student_id, int):
        await _leave_state(state, PUPIL_KEY)
        await message.answer(t("find-stale"))
        return
    try:
        name = validate_text(Field.FULL_NAME, message.text or "")
    except Invalid as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    await _leave_state(state, PUPIL_KEY)
    try:
        student = await _changes(session, catalog, clock, message.chat.id).rename_pupil(
            student_id, name
        )
    except ChangeRefused as refusal:
        await message.answer(refusal_text(t, refusal))
        return
    await message.answer(t("find-pupil-renamed", name=escape(student.full_name)))
    await send_card(
        bot, message.chat.id, t, session, catalog, organizer_role, HitKind.PUPIL, student_id
    )


async def on_edit_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("find-need-value"))


# --- routers ----------------------------------------------------------------------------------


def create_router() -> Router:
    """Searching and reading cards: every organizer, read-only viewers included."""
    router = Router(name=__name__)
    router.message.register(cmd_find, Command("find"))
    router.callback_query.register(on_menu, AdminMenuCb.filter(F.action == "find"))
    router.message.register(on_query, FindForm.query, PLAIN_TEXT)
    router.message.register(on_query_not_text, FindForm.query, ~F.text)
    router.callback_query.register(on_page, AdminFindPageCb.filter())
    router.callback_query.register(on_open, AdminFindOpenCb.filter())
    router.callback_query.register(on_pupils, AdminFindPupilsCb.filter())
    router.callback_query.register(
        answer_stale, buttons_of(AdminFindPageCb, AdminFindOpenCb, AdminFindPupilsCb)
    )
    return router


def create_change_router() -> Router:
    """The card's changes: only organizers who may change things (a viewer's or stranger's
    forged button goes on to the refusals, handlers/admin/refusal.py)."""
    router = Router(name=f"{__name__}.changes")
    router.message.filter(IsOrganizer(changes=True))
    router.callback_query.filter(IsOrganizer(changes=True))
    router.callback_query.register(on_action, AdminFindActCb.filter())
    router.callback_query.register(on_field, AdminFindFieldCb.filter())
    router.callback_query.register(on_choice, AdminFindChoiceCb.filter())
    router.callback_query.register(on_venue, AdminFindVenueCb.filter())
    router.callback_query.register(
        answer_stale,
        buttons_of(AdminFindActCb, AdminFindFieldCb, AdminFindChoiceCb, AdminFindVenueCb),
    )
    router.message.register(on_value, FindEdit.value, PLAIN_TEXT)
    router.message.register(on_pupil_name, FindEdit.pupil_name, PLAIN_TEXT)
    router.message.register(
        on_edit_not_text, StateFilter(FindEdit.value, FindEdit.pupil_name), ~F.text
    )
    return router
