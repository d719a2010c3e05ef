"""/certificates: preview one, send to everyone still missing one (with a report), and correct
a name (the certificate keeps its number and goes out again)."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.certificates.issue import CertificateService
from bot.services.delivery.pacing import Stats
from bot.services.events.catalog import Event, EventCatalog
from bot.services.registration.form import Field, Invalid, validate_text
from db.models import Certificate
from db.repositories import AuditRepository, EventRepository
from handlers.admin.callbacks import AdminCertCb
from handlers.admin.common import register_event_action, title
from handlers.filters import PLAIN_TEXT


class FixName(StatesGroup):
    number = State()
    name = State()


def actions_keyboard(t: Translator, event: Event) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in ("preview", "send", "fix"):
        kb.button(
            text=t(f"admin-cert-{action}"),
            callback_data=AdminCertCb(action=action, slug=event.slug),
        )
    kb.adjust(1)
    return kb.as_markup()


async def show_actions(
    bot: Bot,
    chat_id: int,
    t: Translator,
    session: AsyncSession,
    event: Event,
    certificates: CertificateService,
) -> None:
    row = await EventRepository(session).by_slug(event.slug)
    eligible = 0
    if row is not None:
        # A class gets one certificate (its letter of thanks with its pupils' pages): counted
        # as one, beside the participants.
        people = await certificates.eligible_registrations(session, event, row.id)
        classes = await certificates.eligible_classes(session, event, row.id)
        eligible = len(people) + len(classes)
    await bot.send_message(
        chat_id,
        t(
            "admin-cert-summary",
            event=title(t, event),
            eligible=eligible,
            attendance=str(event.require_attendance).lower(),
        ),
        reply_markup=actions_keyboard(t, event),
    )


async def on_action(
    query: CallbackQuery,
    callback_data: AdminCertCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    certificates: CertificateService,
) -> None:
    event = catalog.get(callback_data.slug)
    if event is None:
        await query.answer(t("err-unknown-event"), show_alert=True)
        return
    await query.answer()
    chat_id = query.from_user.id
    row = await EventRepository(session).by_slug(event.slug)
    if callback_data.action == "preview":
        sample = Certificate(
            number="NP00-0000-PREV",
            full_name=t("admin-cert-sample-name"),
            language=t.lang,
            event_id=row.id if row else 0,
        )
        document = await certificates.document(event, sample, t)
        await bot.send_document(
            chat_id,
            BufferedInputFile(document.data, filename=document.filename),
            caption=t("admin-cert-preview-caption"),
        )
    elif callback_data.action == "send":
        AuditRepository(session).record(
            chat_id, "certificates_send", clock.now(), event_id=row.id if row else None
        )
        await session.commit()
        issued = await certificates.issue_missing(event)
        await bot.send_message(chat_id, t("admin-cert-sending", issued=issued))
        stats = await certificates.deliver_pending(event, Stats())
        await bot.send_message(
            chat_id,
            t(
                "admin-cert-report",
                sent=stats.sent,
                unreachable=stats.unreachable,
                failed=stats.failed,
            ),
        )
    else:
        await state.set_state(FixName.number)
        await state.set_data({"slug": event.slug})
        await bot.send_message(chat_id, t("admin-cert-ask-number"))


async def on_number(
    message: Message, state: FSMContext, t: Translator, certificates: CertificateService
) -> None:
    found = await certificates.by_number(message.text or "")
    if found is None:
        await message.answer(t("verify-not-found", number=escape((message.text or "")[:40])))
        return
    await state.update_data({"number": found[0].number})
    await state.set_state(FixName.name)
    await message.answer(t("admin-cert-ask-name", name=escape(found[0].full_name)))


async def on_name(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    catalog: EventCatalog,
    clock: Clock,
    certificates: CertificateService,
) -> None:
    try:
        name = validate_text(Field.FULL_NAME, message.text or "")
    except Invalid as problem:
        await message.answer(t(problem.key, **problem.args_))
        return
    data = await state.get_data()
    await state.clear()
    certificate = await certificates.correct_name(data["number"], name)
    event = catalog.get(data["slug"])
    if certificate is None or event is None:
        await message.answer(t("err-generic"))
        return
    AuditRepository(session).record(
        message.chat.id,
        "certificate_reissue",
        clock.now(),
        event_id=certificate.event_id,
        # Ids only: the log keeps no personal data (/audit shows the current name by the id).
        details=reissue_details(certificate),
    )
    await session.commit()
    stats = await certificates.deliver_pending(event, Stats())
    await message.answer(t("admin-cert-reissued", number=certificate.number, sent=stats.sent))


def reissue_details(certificate: Certificate) -> dict[str, Any]:
    """What the log keeps of a corrected certificate: its number and whose it is, by id."""
    details: dict[str, Any] = {"number": certificate.number}
    if certificate.registration_id is not None:
        details["registration_id"] = certificate.registration_id
    if certificate.class_id is not None:
        details["class_id"] = certificate.class_id
    return details


async def certificates_action(event: Event, chat_id: int, data: dict[str, Any]) -> None:
    await show_actions(
        data["bot"], chat_id, data["t"], data["session"], event, data["certificates"]
    )


def create_router() -> Router:
    router = Router(name=__name__)
    register_event_action(router, "certificates", certificates_action)
    router.callback_query.register(on_action, AdminCertCb.filter())
    router.message.register(on_number, FixName.number, PLAIN_TEXT)
    router.message.register(on_name, FixName.name, PLAIN_TEXT)
    return router
