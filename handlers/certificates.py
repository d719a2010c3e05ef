"""/certificate (my certificate again, same number), /verify <number> (anyone), and the
two-question feedback that follows a certificate."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.services.certificates.documents import event_date
from bot.services.certificates.feedback import RATINGS, save_comment, save_rating
from bot.services.certificates.issue import AfterSend, CertificateService
from bot.services.events.catalog import EventCatalog
from db.models import Certificate, EventRow
from handlers.callbacks import FeedbackCb
from handlers.edits import drop_buttons
from handlers.filters import PLAIN_TEXT


class FeedbackForm(StatesGroup):
    comment = State()


def rating_keyboard(t: Translator, certificate_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for rating in range(1, 6):
        kb.button(
            text="⭐" * rating,
            callback_data=FeedbackCb(certificate_id=certificate_id, rating=rating),
        )
    kb.adjust(5)
    return kb.as_markup()


def skip_keyboard(t: Translator, certificate_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn-skip"), callback_data=FeedbackCb(certificate_id=certificate_id, rating=0))
    return kb.as_markup()


def feedback_question(
    bot: Bot, i18n: I18n, session_factory: async_sessionmaker[AsyncSession]
) -> AfterSend:
    async def ask(certificate: Certificate) -> None:
        if certificate.registration_id is None or certificate.recipient_id is None:
            return  # a teacher's class PDF: no questionnaire
        t = i18n(certificate.language)
        await bot.send_message(
            certificate.recipient_id,
            t("feedback-ask-rating"),
            reply_markup=rating_keyboard(t, certificate.id),
        )

    return ask


async def cmd_certificate(
    message: Message,
    bot: Bot,
    t: Translator,
    catalog: EventCatalog,
    certificates: CertificateService,
) -> None:
    mine = await certificates.of_user(message.chat.id)
    if not mine:
        await message.answer(t("certificate-none"))
        return
    slugs = await _slugs(certificates, mine)
    for certificate in mine:
        event = catalog.get(slugs.get(certificate.event_id, ""))
        if event is None:
            continue
        document = await certificates.document(event, certificate, t)
        await bot.send_document(
            message.chat.id,
            BufferedInputFile(document.data, filename=document.filename),
            caption=document.caption,
        )


async def _slugs(certificates: CertificateService, rows: list[Certificate]) -> dict[int, str]:
    async with certificates.session_factory() as session:
        result = await session.execute(
            select(EventRow.id, EventRow.slug).where(EventRow.id.in_({c.event_id for c in rows}))
        )
        return {int(event_id): str(slug) for event_id, slug in result.all()}


async def cmd_verify(
    message: Message,
    command: CommandObject,
    t: Translator,
    catalog: EventCatalog,
    certificates: CertificateService,
) -> None:
    typed = (command.args or "").strip()
    if not typed:
        await message.answer(t("verify-usage"))
        return
    found = await certificates.verify(typed)
    event = catalog.get(found.event_slug) if found else None
    if found is None or event is None:
        await message.answer(t("verify-not-found", number=escape(typed[:40])))
        return
    await message.answer(
        t(
            "verify-found",
            number=escape(found.number),
            name=escape(found.name),
            event=escape(event.title.get(t.lang)),
            # As on the certificate: «3 сентября 2025 г.» (Moscow), 2025年9月3日 (Beijing).
            date=event_date(event.starts_at).get(t.lang),
        )
    )


async def on_rating(
    query: CallbackQuery,
    callback_data: FeedbackCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    certificate = await session.get(Certificate, callback_data.certificate_id)
    if certificate is None or certificate.recipient_id != query.from_user.id:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await drop_buttons(query)
    if callback_data.rating == 0:  # skipping the comment
        await state.clear()
        await bot.send_message(query.from_user.id, t("feedback-thanks"))
        return
    if callback_data.rating not in RATINGS:
        return
    await save_rating(session, clock, certificate, callback_data.rating)
    await state.set_state(FeedbackForm.comment)
    await state.set_data({"certificate_id": certificate.id})
    await bot.send_message(
        query.from_user.id, t("feedback-ask-comment"), reply_markup=skip_keyboard(t, certificate.id)
    )


async def on_comment(
    message: Message, state: FSMContext, t: Translator, session: AsyncSession
) -> None:
    data = await state.get_data()
    certificate_id = data.get("certificate_id")
    if isinstance(certificate_id, int):
        await save_comment(session, certificate_id, message.text or "")
    await state.clear()
    await message.answer(t("feedback-thanks"))


async def on_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("err-need-text"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_certificate, Command("certificate"))
    router.message.register(cmd_verify, Command("verify"))
    router.callback_query.register(on_rating, FeedbackCb.filter())
    router.message.register(on_comment, FeedbackForm.comment, PLAIN_TEXT)
    router.message.register(on_not_text, FeedbackForm.comment, ~F.text)
    return router
