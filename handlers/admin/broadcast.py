"""/broadcast: event -> audience -> the message itself -> a preview exactly as recipients will
see it, with the count -> Send now, or Schedule for a time. Then one progress message, edited
every few seconds, with a Stop button, and a report at the end. The sending is
bot/services/delivery/broadcasts.py; who is in an audience, db/audiences.py; who of it can be
reached and why not, bot/services/delivery/audience_reach.py.

Audiences: the named ones (everyone, checked in or not, speakers, offline, online, those
registered as teachers, the teachers of registered classes, Russian or Chinese speakers), each
button with how many it reaches ("35 of 40" when some cannot be reached, the reasons shown once
it is chosen); an uploaded list of Telegram ids, addresses and @usernames (a .txt/.csv file or
pasted text: what matched and what did not is shown); one person, from the /find card's
"send a message" button (AdminMessagePersonCb).

A scheduled broadcast's time is typed as /event takes times (bot/services/events/time_input.py:
Beijing time for a Chinese organizer, Moscow time otherwise, or with its zone), no later than
LATEST_AFTER_END after the event's end (certificates, feedback, thanks; 2099 is a typo), shown
back in Moscow and Beijing time, listed at the top of /broadcast with a Cancel button until it
starts, and started by the scheduler (BroadcastService.start_due), which sends the organizer a
progress message then.

With e-mail on, the preview counts each channel (Telegram, e-mail: a letter carries the text,
a photo or a document, not a sticker or a voice message), the message's text and file are
kept for the letters, and the report counts the letters too."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import when_text
from bot.services.delivery.audience_list import (
    LIST_EXTENSIONS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    ListTooLong,
    RecipientList,
    decode_list,
    match_list,
    parse_list,
)
from bot.services.delivery.audience_reach import reach
from bot.services.delivery.broadcasts import (
    BroadcastService,
    MailPart,
    Progress,
    ProgressHook,
)
from bot.services.events.catalog import Event, EventCatalog
from bot.services.events.time_input import TimeInputError, read_moment
from db.audiences import LIST_KEYS, Audience
from db.models import Broadcast, EventRow, Registration, RegistrationStatus, User
from db.repositories import AuditRepository, EventRepository
from handlers.admin.broadcast_views import (
    NAMED_AUDIENCES,
    AdminUnscheduleCb,
    audience_keyboard,
    confirm_keyboard,
    list_text,
    person_preview_text,
    person_via,
    preview_text,
    progress_text,
    reach_text,
    report_text,
    scheduled_list,
    scheduled_text,
    stop_keyboard,
    too_late_text,
    unschedule_keyboard,
)
from handlers.admin.callbacks import (
    AdminAudienceCb,
    AdminConfirmCb,
    AdminMessagePersonCb,
    AdminStopCb,
)
from handlers.admin.common import events_not_over, register_event_action, title
from handlers.admin.settings import time_problem_text
from handlers.admin.venue_audiences import venue_audience_rows
from handlers.edits import drop_buttons

if TYPE_CHECKING:
    from bot.services.mailing.outbox import MailOutbox

log = logging.getLogger(__name__)

NOT_A_COMMAND = ~(F.text & F.text.startswith("/"))
# The latest a broadcast may be scheduled: this long after the event's end.
LATEST_AFTER_END = timedelta(days=30)


class BroadcastForm(StatesGroup):
    audience = State()
    upload = State()  # the uploaded list
    message = State()
    confirm = State()
    when = State()  # the time of a scheduled broadcast


# --- the progress message and the report -----------------------------------------------------


def progress_hook(
    bot: Bot, i18n: I18n, session_factory: async_sessionmaker[AsyncSession], rate: float
) -> ProgressHook:
    """Edits the organizer's progress message; sends the report when the broadcast ends; and
    for a scheduled broadcast that has just started, a new progress message."""

    async def report(broadcast: Broadcast, progress: Progress) -> None:
        async with session_factory() as session:
            author = await session.get(User, broadcast.author_id)
            stored = await session.get(Broadcast, broadcast.id)
        t = i18n(author.language if author else None)
        if progress.just_started:
            await _announce(bot, session_factory, t, broadcast, progress, rate)
            return
        message_id = stored.progress_message_id if stored else None
        if progress.done:
            if message_id:
                await _edit(bot, broadcast.author_id, message_id, progress_text(t, progress, rate))
            await bot.send_message(broadcast.author_id, report_text(t, progress))
        elif message_id:
            await _edit(
                bot,
                broadcast.author_id,
                message_id,
                progress_text(t, progress, rate),
                stop_keyboard(t, broadcast.id),
            )

    return report


async def _announce(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    t: Translator,
    broadcast: Broadcast,
    progress: Progress,
    rate: float,
) -> None:
    sent = await bot.send_message(
        broadcast.author_id,
        t("broadcast-scheduled-started") + "\n" + progress_text(t, progress, rate),
        reply_markup=stop_keyboard(t, broadcast.id),
    )
    async with session_factory() as session:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id)
            .values(progress_message_id=sent.message_id)
        )
        await session.commit()


async def _edit(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:  # "message is not modified" when nothing moved
        log.debug("progress edit skipped: %s", exc.message)


# --- choosing the audience -------------------------------------------------------------------


async def _event_id(session: AsyncSession, slug: str) -> int | None:
    row = await EventRepository(session).by_slug(slug)
    return row.id if row else None


async def ask_audience(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    event: Event,
    broadcasts: BroadcastService,
) -> None:
    event_id = await _event_id(session, event.slug)
    if event_id is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    waiting = await broadcasts.scheduled(event_id)
    if waiting:
        text, markup = scheduled_list(t, waiting)
        await bot.send_message(chat_id, text, reply_markup=markup)
    email_on = broadcasts.email_on
    reaches = {a: await reach(session, event_id, a, email_on=email_on) for a in NAMED_AUDIENCES}
    await state.clear()
    await state.set_state(BroadcastForm.audience)
    await state.set_data({"slug": event.slug, "event_id": event_id})
    keyboard = audience_keyboard(t, reaches, email_on=email_on)
    if event.venues:  # those at each venue and on its waiting list (issue 15)
        venue_rows = await venue_audience_rows(t, session, event, event_id, email_on=email_on)
        keyboard.inline_keyboard[-1:-1] = venue_rows
    await bot.send_message(
        chat_id,
        t("admin-broadcast-audience", event=title(t, event)) + "\n" + t("broadcast-audience-hint"),
        reply_markup=keyboard,
    )


async def on_audience(
    query: CallbackQuery,
    callback_data: AdminAudienceCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    broadcasts: BroadcastService,
) -> None:
    await query.answer()
    # A venue's audience carries its venue: "venue@<id>", "venue-waiting@<id>".
    name, _, venue_id = callback_data.audience.partition("@")
    try:
        audience = Audience(name)
    except ValueError:
        return
    params: dict[str, Any] = {"venue_id": venue_id} if venue_id else {}
    if audience is Audience.PERSON:
        return  # one person is chosen on their /find card
    await drop_buttons(query)
    if audience is Audience.LIST:
        await state.set_state(BroadcastForm.upload)
        text = t("broadcast-ask-list", max_kb=MAX_FILE_BYTES // 1024, max=MAX_ENTRIES)
        await bot.send_message(query.from_user.id, text)
        return
    data = await state.get_data()
    audience_reach = await reach(
        session, data["event_id"], audience, params, email_on=broadcasts.email_on
    )
    await state.update_data({"audience": audience.value, "params": params})
    await state.set_state(BroadcastForm.message)
    await bot.send_message(
        query.from_user.id,
        reach_text(t, audience_reach) + "\n\n" + t("admin-broadcast-ask-message"),
    )


async def _read_list(message: Message, bot: Bot, t: Translator) -> RecipientList | None:
    """The list from a document or pasted text; a refusal is explained and gives None."""
    document = message.document
    if document is None and not message.text:
        await message.answer(t("broadcast-list-bad-file", max_kb=MAX_FILE_BYTES // 1024))
        return None
    if document is not None:
        name = (document.file_name or "").lower()
        too_big = document.file_size is not None and document.file_size > MAX_FILE_BYTES
        if not name.endswith(LIST_EXTENSIONS) or too_big:
            await message.answer(t("broadcast-list-bad-file", max_kb=MAX_FILE_BYTES // 1024))
            return None
        buffer = await bot.download(document)
        text = decode_list(buffer.read() if buffer is not None else b"")
    else:
        text = message.text or ""
    try:
        entries = parse_list(text)
    except ListTooLong:
        await message.answer(t("broadcast-list-too-long", max=MAX_ENTRIES))
        return None
    if not entries.size:
        await message.answer(t("broadcast-list-empty"))
        return None
    return entries


async def on_list(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    broadcasts: BroadcastService,
) -> None:
    entries = await _read_list(message, bot, t)
    if entries is None:
        return
    data = await state.get_data()
    match = await match_list(session, data["event_id"], entries)
    if not match.registrations:
        await message.answer(list_text(t, entries, match) + "\n\n" + t("broadcast-list-none"))
        return
    params = entries.params()
    audience_reach = await reach(
        session, data["event_id"], Audience.LIST, params, email_on=broadcasts.email_on
    )
    await state.update_data({"audience": Audience.LIST.value, "params": params})
    await state.set_state(BroadcastForm.message)
    await message.answer(
        "\n\n".join(
            [
                list_text(t, entries, match),
                reach_text(t, audience_reach),
                t("admin-broadcast-ask-message"),
            ]
        )
    )


async def on_message_person(
    query: CallbackQuery,
    callback_data: AdminMessagePersonCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    broadcasts: BroadcastService,
) -> None:
    """ "Send this person a message" on a /find card: the dialogue with the audience fixed to
    that registration, by Telegram and/or e-mail as they can be reached."""
    await query.answer()
    chat_id = query.from_user.id
    registration = await session.get(Registration, callback_data.registration_id)
    if registration is None:
        await bot.send_message(chat_id, t("broadcast-person-unknown"))
        return
    if registration.status != RegistrationStatus.ACTIVE:
        await bot.send_message(chat_id, t("broadcast-person-not-active"))
        return
    row = await session.get(EventRow, registration.event_id)
    event = catalog.get(row.slug) if row else None
    if row is None or event is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    params = {"registration_id": registration.id}
    person = await reach(
        session, registration.event_id, Audience.PERSON, params, email_on=broadcasts.email_on
    )
    name = escape(registration.full_name or "—")
    if not person.reached:
        reason = next((r for r, _ in person.reasons()), "no-channel")
        await bot.send_message(chat_id, t("broadcast-person-unreachable", name=name, reason=reason))
        return
    await state.clear()
    await state.set_state(BroadcastForm.message)
    await state.set_data(
        {
            "slug": event.slug,
            "event_id": registration.event_id,
            "audience": Audience.PERSON.value,
            "params": params,
            "person_name": registration.full_name or "—",
        }
    )
    await bot.send_message(
        chat_id,
        t("broadcast-person", name=name, event=title(t, event), via=person_via(person))
        + "\n\n"
        + t("broadcast-person-ask-message", name=name),
    )


# --- the message, the preview, sending or scheduling -----------------------------------------


def mail_part(message: Message) -> MailPart:
    """What of the organizer's message a letter carries: the text or caption as Telegram HTML,
    the photo (its largest size) or the document."""
    text = message.html_text if (message.text or message.caption) else None
    if message.photo:
        return MailPart(text, message.photo[-1].file_id, "photo.jpg", "image/jpeg")
    if message.document is not None:
        document = message.document
        return MailPart(text, document.file_id, document.file_name, document.mime_type)
    return MailPart(text)


def _stored_mail(data: dict[str, Any]) -> MailPart:
    return MailPart(
        data.get("text_html"), data.get("file_id"), data.get("file_name"), data.get("file_type")
    )


async def on_message(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    broadcasts: BroadcastService,
) -> None:
    data = await state.get_data()
    audience = Audience(data["audience"])
    mail = mail_part(message)
    email_on = broadcasts.email_on
    audience_reach = await reach(
        session,
        data["event_id"],
        audience,
        data.get("params"),
        email_on=email_on,
        mail=not mail.empty,
    )
    person = data.get("person_name") if audience is Audience.PERSON else None
    # The preview is a copy made the same way recipients' copies will be.
    try:
        await bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    except TelegramBadRequest:
        key = "admin-broadcast-not-copyable" if person is None else "broadcast-person-not-copyable"
        await message.answer(t(key))
        return
    await state.update_data(
        {
            "source_message_id": message.message_id,
            "text_html": mail.text_html,
            "file_id": mail.file_id,
            "file_name": mail.file_name,
            "file_type": mail.file_type,
        }
    )
    await state.set_state(BroadcastForm.confirm)
    letter = not mail.empty
    if person is not None:
        text = person_preview_text(t, person, audience_reach, email_on=email_on, letter=letter)
    else:
        text = preview_text(t, audience, audience_reach, email_on=email_on, letter=letter)
    await message.answer(text, reply_markup=confirm_keyboard(t))


def _audit_details(data: dict[str, Any], broadcast: Broadcast) -> dict[str, Any]:
    """What the log keeps of a broadcast: not an uploaded list itself, only its size."""
    params = data.get("params") or {}
    details: dict[str, Any] = {"broadcast_id": broadcast.id, "audience": data["audience"]}
    if "registration_id" in params:
        details["registration_id"] = params["registration_id"]
    if data["audience"] == Audience.LIST.value:
        details["listed"] = sum(len(params.get(key, [])) for key in LIST_KEYS)
    return details


async def on_confirm(
    query: CallbackQuery,
    callback_data: AdminConfirmCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    clock: Clock,
    broadcasts: BroadcastService,
    mail_outbox: MailOutbox | None = None,
) -> None:
    await query.answer()
    await drop_buttons(query)
    data = await state.get_data()
    await state.clear()
    if not callback_data.yes:
        await bot.send_message(query.from_user.id, t("admin-cancelled"))
        return
    broadcast = await broadcasts.create(
        event_id=data["event_id"],
        author_id=query.from_user.id,
        audience=Audience(data["audience"]),
        source_chat_id=query.from_user.id,
        source_message_id=data["source_message_id"],
        mail=_stored_mail(data),
        params=data.get("params"),
    )
    if mail_outbox is not None:
        mail_outbox.wake()
    AuditRepository(session).record(
        query.from_user.id,
        "broadcast",
        clock.now(),
        event_id=data["event_id"],
        details={**_audit_details(data, broadcast), "total": broadcast.total},
    )
    await session.commit()
    progress = Progress(total=broadcast.total)
    sent = await bot.send_message(
        query.from_user.id,
        progress_text(t, progress, broadcasts.sender.rate),
        reply_markup=stop_keyboard(t, broadcast.id),
    )
    await broadcasts.set_progress_message(broadcast.id, sent.message_id)
    broadcasts.start(broadcast.id)


async def on_later(query: CallbackQuery, bot: Bot, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await drop_buttons(query)
    await state.set_state(BroadcastForm.when)
    await bot.send_message(query.from_user.id, t("broadcast-ask-time"))


def latest_schedule(event: Event) -> datetime:
    return event.ends_at + LATEST_AFTER_END


async def on_time(
    message: Message,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    broadcasts: BroadcastService,
) -> None:
    assert message.from_user is not None
    now = clock.now()
    try:
        moment = read_moment(message.text or "", lang=t.lang, now=now)
    except TimeInputError as exc:
        await message.answer(time_problem_text(t, exc.problem))
        return
    data = await state.get_data()
    if moment <= now:
        await message.answer(t("broadcast-time-past") + "\n" + when_text(t, moment))
        return
    event = catalog.get(data["slug"])
    if event is not None and moment > latest_schedule(event):
        latest = latest_schedule(event)
        await message.answer(too_late_text(t, moment, latest, LATEST_AFTER_END.days))
        return
    await state.clear()
    broadcast = await broadcasts.create(
        event_id=data["event_id"],
        author_id=message.from_user.id,
        audience=Audience(data["audience"]),
        source_chat_id=message.chat.id,
        source_message_id=data["source_message_id"],
        mail=_stored_mail(data),
        params=data.get("params"),
        scheduled_at=moment,
    )
    AuditRepository(session).record(
        message.from_user.id,
        "broadcast_scheduled",
        now,
        event_id=data["event_id"],
        details={**_audit_details(data, broadcast), "scheduled_at": moment.isoformat()},
    )
    await session.commit()
    await message.answer(
        scheduled_text(t, broadcast), reply_markup=unschedule_keyboard(t, broadcast.id)
    )


async def on_unschedule(
    query: CallbackQuery,
    callback_data: AdminUnscheduleCb,
    bot: Bot,
    t: Translator,
    session: AsyncSession,
    clock: Clock,
    broadcasts: BroadcastService,
) -> None:
    broadcast_id = callback_data.broadcast_id
    if not await broadcasts.unschedule(broadcast_id):
        await query.answer(t("broadcast-unschedule-late"), show_alert=True)
        return
    await query.answer()
    stored = await session.get(Broadcast, broadcast_id)
    AuditRepository(session).record(
        query.from_user.id,
        "broadcast_unscheduled",
        clock.now(),
        event_id=stored.event_id if stored else None,
        details={
            "broadcast_id": broadcast_id,
            "audience": stored.audience if stored else None,
            "scheduled_at": stored.scheduled_at.isoformat()
            if stored and stored.scheduled_at
            else None,
        },
    )
    await session.commit()
    await drop_buttons(query)
    await bot.send_message(query.from_user.id, t("broadcast-unscheduled"))


async def on_stop(
    query: CallbackQuery,
    callback_data: AdminStopCb,
    t: Translator,
    session: AsyncSession,
    clock: Clock,
    broadcasts: BroadcastService,
) -> None:
    await broadcasts.cancel(callback_data.broadcast_id)
    AuditRepository(session).record(
        query.from_user.id,
        "broadcast_stop",
        clock.now(),
        details={"broadcast_id": callback_data.broadcast_id},
    )
    await session.commit()
    await query.answer(t("admin-broadcast-stopping"))


async def on_not_sendable(message: Message, t: Translator) -> None:
    await message.answer(t("admin-use-buttons"))


async def broadcast_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await ask_audience(
        data["bot"],
        chat_id,
        data["state"],
        data["t"],
        data["session"],
        event,
        data["broadcasts"],
    )


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "broadcast", broadcast_action, events_not_over)
    router.callback_query.register(on_audience, BroadcastForm.audience, AdminAudienceCb.filter())
    router.callback_query.register(on_message_person, AdminMessagePersonCb.filter())
    # A document or pasted text: the list of recipients.
    router.message.register(on_list, BroadcastForm.upload, NOT_A_COMMAND)
    # Anything but a command is the message to send: text, photo, document, video...
    router.message.register(on_message, BroadcastForm.message, NOT_A_COMMAND)
    router.callback_query.register(
        on_confirm, BroadcastForm.confirm, AdminConfirmCb.filter(F.what == "broadcast")
    )
    router.callback_query.register(
        on_later, BroadcastForm.confirm, AdminConfirmCb.filter(F.what == "broadcast-later")
    )
    router.message.register(on_time, BroadcastForm.when, NOT_A_COMMAND)
    router.callback_query.register(on_unschedule, AdminUnscheduleCb.filter())
    router.callback_query.register(on_stop, AdminStopCb.filter())
    router.message.register(on_not_sendable, BroadcastForm.audience, NOT_A_COMMAND)
    router.message.register(on_not_sendable, BroadcastForm.confirm, NOT_A_COMMAND)
    return router
