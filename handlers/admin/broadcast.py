"""/broadcast: event -> audience -> the message itself -> a preview exactly as recipients will
see it, with the count -> Confirm. Then one progress message, edited every few seconds, with a
Stop button, and a report at the end. The sending is bot/services/delivery/broadcasts.py.

With e-mail on, the preview counts each channel (Telegram, e-mail: a letter carries the text,
a photo or a document, not a sticker or a voice message), the message's text and file are
kept for the letters, and the report counts the letters too."""

from __future__ import annotations

import logging
from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.delivery.broadcasts import (
    BroadcastService,
    ChannelCounts,
    EmailProgress,
    MailPart,
    Progress,
    ProgressHook,
    channel_counts,
)
from bot.services.events.catalog import Event
from db.audiences import Audience
from db.models import Broadcast, User
from db.repositories import AuditRepository, EventRepository
from handlers.admin.callbacks import (
    AdminAudienceCb,
    AdminConfirmCb,
    AdminStopCb,
)
from handlers.admin.common import events_not_over, register_event_action, title
from handlers.edits import drop_buttons

if TYPE_CHECKING:
    from bot.services.mailing.outbox import MailOutbox

log = logging.getLogger(__name__)


class BroadcastForm(StatesGroup):
    audience = State()
    message = State()
    confirm = State()


# --- views -----------------------------------------------------------------------------------


def audience_keyboard(
    t: Translator, counts: dict[Audience, ChannelCounts], *, email_on: bool = False
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for audience, count in counts.items():
        text = (
            t(
                "admin-audience-channels",
                audience=audience.value,
                telegram=count.telegram,
                by_email=count.email,
            )
            if email_on
            else t("admin-audience", audience=audience.value, count=count.telegram)
        )
        kb.button(text=text, callback_data=AdminAudienceCb(audience=audience.value))
    kb.adjust(1)
    return kb.as_markup()


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("admin-broadcast-send"), callback_data=AdminConfirmCb(what="broadcast", yes=True)
    )
    kb.button(text=t("admin-cancel"), callback_data=AdminConfirmCb(what="broadcast", yes=False))
    kb.adjust(1)
    return kb.as_markup()


def stop_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("admin-broadcast-stop"), callback_data=AdminStopCb(broadcast_id=broadcast_id))
    return kb.as_markup()


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = width if total == 0 else round(width * done / total)
    return "▓" * filled + "░" * (width - filled)


def progress_text(t: Translator, progress: Progress, rate: float) -> str:
    lines = [
        t("admin-progress", sent=progress.sent, total=progress.total),
        progress_bar(progress.handled, progress.total),
        t(
            "admin-progress-details",
            unreachable=progress.unreachable,
            failed=progress.failed,
            seconds=round(progress.seconds_left(rate)),
        ),
    ]
    if progress.email is not None:
        letters = progress.email
        lines.append(t("admin-progress-email", sent=letters.sent, total=letters.total))
    return "\n".join(lines)


def email_report(t: Translator, letters: EmailProgress) -> list[str]:
    return [
        t("admin-report-email-head"),
        t(
            "admin-report-email",
            sent=letters.sent,
            bounced=letters.bounced,
            failed=letters.failed,
            waiting=letters.waiting,
        ),
    ]


def report_text(t: Translator, progress: Progress) -> str:
    head = "admin-report-cancelled" if progress.cancelled else "admin-report"
    lines = [t(head)]
    if progress.email is not None:
        lines.append(t("admin-report-telegram-head"))
    lines += [
        t("admin-report-sent", count=progress.sent, total=progress.total),
        t("admin-report-unreachable", count=progress.unreachable),
        t("admin-report-failed", count=progress.failed),
    ]
    lines += [f"• {escape(reason)}: {count}" for reason, count in sorted(progress.errors.items())]
    pending = progress.total - progress.handled
    if pending:
        lines.append(t("admin-report-not-sent", count=pending))
    if progress.email is not None:
        lines += email_report(t, progress.email)
    return "\n".join(lines)


def progress_hook(
    bot: Bot, i18n: I18n, session_factory: async_sessionmaker[AsyncSession], rate: float
) -> ProgressHook:
    """Edits the organizer's progress message; sends the report when the broadcast ends."""

    async def report(broadcast: Broadcast, progress: Progress) -> None:
        async with session_factory() as session:
            author = await session.get(User, broadcast.author_id)
            stored = await session.get(Broadcast, broadcast.id)
        t = i18n(author.language if author else None)
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


async def _edit(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:  # "message is not modified" when nothing moved
        log.debug("progress edit skipped: %s", exc.message)


# --- the dialogue ----------------------------------------------------------------------------


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
    *,
    email_on: bool = False,
) -> None:
    event_id = await _event_id(session, event.slug)
    if event_id is None:
        await bot.send_message(chat_id, t("err-unknown-event"))
        return
    counts = {a: await channel_counts(session, event_id, a, email_on=email_on) for a in Audience}
    await state.clear()
    await state.set_state(BroadcastForm.audience)
    await state.set_data({"slug": event.slug, "event_id": event_id})
    await bot.send_message(
        chat_id,
        t("admin-broadcast-audience", event=title(t, event)),
        reply_markup=audience_keyboard(t, counts, email_on=email_on),
    )


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


async def on_audience(
    query: CallbackQuery,
    callback_data: AdminAudienceCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
) -> None:
    await query.answer()
    try:
        audience = Audience(callback_data.audience)
    except ValueError:
        return
    await drop_buttons(query)
    await state.update_data({"audience": audience.value})
    await state.set_state(BroadcastForm.message)
    await bot.send_message(query.from_user.id, t("admin-broadcast-ask-message"))


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
    counts = await channel_counts(
        session, data["event_id"], audience, email_on=email_on, mail=not mail.empty
    )
    # The preview is a copy made the same way recipients' copies will be.
    try:
        await bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    except TelegramBadRequest:
        await message.answer(t("admin-broadcast-not-copyable"))
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
    if email_on:
        text = t(
            "admin-broadcast-preview-channels", telegram=counts.telegram, by_email=counts.email
        )
        if mail.empty:
            text += "\n" + t("admin-broadcast-no-email")
    else:
        text = t("admin-broadcast-preview", count=counts.telegram, audience=audience.value)
    await message.answer(text, reply_markup=confirm_keyboard(t))


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
        mail=MailPart(
            data.get("text_html"), data.get("file_id"), data.get("file_name"), data.get("file_type")
        ),
    )
    if mail_outbox is not None:
        mail_outbox.wake()
    AuditRepository(session).record(
        query.from_user.id,
        "broadcast",
        clock.now(),
        event_id=data["event_id"],
        details={
            "broadcast_id": broadcast.id,
            "audience": data["audience"],
            "total": broadcast.total,
        },
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
        email_on=data["broadcasts"].email_on,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "broadcast", broadcast_action, events_not_over)
    router.callback_query.register(on_audience, BroadcastForm.audience, AdminAudienceCb.filter())
    # Anything but a command is the message to send: text, photo, document, video...
    router.message.register(on_message, BroadcastForm.message, ~(F.text & F.text.startswith("/")))
    router.callback_query.register(
        on_confirm, BroadcastForm.confirm, AdminConfirmCb.filter(F.what == "broadcast")
    )
    router.callback_query.register(on_stop, AdminStopCb.filter())
    router.message.register(
        on_not_sendable, BroadcastForm.audience, ~(F.text & F.text.startswith("/"))
    )
    router.message.register(
        on_not_sendable, BroadcastForm.confirm, ~(F.text & F.text.startswith("/"))
    )
    return router
