"""The registration form: one question at a time, buttons where the answer is a choice,
a consent step, a summary with per-field edit, and saving.

Every state has a handler for a good answer and one for anything else, which explains what is
expected and asks again: nothing the user sends goes unanswered."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import I18n, Translator
from bot.messages import attends_offline, venue_block
from bot.services.delivery.seat_notices import SeatNotices
from bot.services.events.catalog import Event, EventCatalog, EventFormat
from bot.services.registration.countries import (
    BUTTON_COUNTRIES,
    canonical_country,
    known_names,
)
from bot.services.registration.form import (
    CHOICE_FIELDS,
    CONSENT_VERSION,
    FIELD_ORDER,
    VENUE,
    VENUE_WAIT,
    Field,
    Invalid,
    ParticipationFormat,
    Role,
    apply_answer,
    next_field,
    parse_choice,
    validate_phone,
    validate_text,
)
from bot.services.registration.registrations import (
    Channel,
    EmailTaken,
    RegistrationService,
    UnknownEvent,
    UserRegistration,
    VenueRefused,
    answers_of,
    venue_missing,
)
from bot.services.reminders.runner import ReminderService
from bot.services.venues.seats import Promoted, VenueSeats, seat_counts
from bot.settings import Settings
from db.models import EventRow
from handlers import classes as class_form
from handlers import venue_views, views
from handlers.callbacks import ChoiceCb, ConsentCb, EditFieldCb, RegisterCb, SummaryCb
from handlers.confirmation import announce_registration
from handlers.edits import drop_buttons, replace_text
from handlers.filters import PLAIN_TEXT

if TYPE_CHECKING:
    from bot.services.mailing.outbox import MailOutbox


class RegistrationForm(StatesGroup):
    full_name = State()
    country = State()
    city = State()
    organization = State()
    role = State()
    participation_format = State()
    wants_to_speak = State()
    talk_topic = State()
    email = State()
    phone = State()
    # An event with venues: who comes in person chooses one (after the format question).
    venue = State()
    consent = State()
    summary = State()


STATE_OF: dict[Field, State] = {field: getattr(RegistrationForm, field.value) for field in Field}
FIELD_OF: dict[str, Field] = {str(state.state): field for field, state in STATE_OF.items()}
TEXT_STATES = [STATE_OF[f] for f in Field if f not in CHOICE_FIELDS and f is not Field.PHONE]
CHOICE_STATES = [STATE_OF[f] for f in CHOICE_FIELDS]
MODE_NEW = "new"
MODE_EDIT = "edit"


def in_a_form(state_name: str | None) -> bool:
    """In the participant form or the class form: a side trip returns to the question."""
    return is_form_state(state_name) or class_form.is_class_state(state_name)


def is_form_state(state_name: str | None) -> bool:
    return bool(state_name) and str(state_name).startswith(f"{RegistrationForm.__name__}:")


# --- moving through the form -------------------------------------------------------------


async def _form(state: FSMContext, catalog: EventCatalog) -> tuple[dict[str, Any], Event]:
    data = await state.get_data()
    event = catalog.get(data.get("slug", ""))
    if event is None:
        await state.clear()
        raise UnknownEvent()
    return data, event


async def ask(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, event: Event, field: Field
) -> None:
    await state.set_state(STATE_OF[field])
    await bot.send_message(
        chat_id,
        views.question_text(t, field, event),
        reply_markup=views.question_keyboard(t, field),
    )


async def ask_venue(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    event: Event,
    session: AsyncSession,
) -> None:
    """The venue question: each venue with its address and its free seats, or that it is full
    and has a waiting list (counted now, wherever the question is asked again from: a stale
    button, /help, a language switch...)."""
    await state.set_state(RegistrationForm.venue)
    seats = await _seats(session, event)
    await bot.send_message(
        chat_id,
        venue_views.venue_question(t, event, seats),
        reply_markup=venue_views.venue_keyboard(t, event, seats),
    )


async def _seats(session: AsyncSession, event: Event) -> list[VenueSeats] | None:
    event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == event.slug))
    if event_id is None:
        return None
    counts = await seat_counts(session, event, event_id)
    await session.commit()  # a read: nothing held while the chat waits
    return counts


async def show_consent(bot: Bot, chat_id: int, state: FSMContext, t: Translator) -> None:
    await state.set_state(RegistrationForm.consent)
    await bot.send_message(chat_id, t("consent-text"), reply_markup=views.consent_keyboard(t))


async def show_summary(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, event: Event, data: dict[str, Any]
) -> None:
    await state.set_state(RegistrationForm.summary)
    answers = data["answers"]
    await bot.send_message(
        chat_id,
        views.summary_text(t, event, answers, editing=data.get("mode") == MODE_EDIT),
        reply_markup=views.summary_keyboard(t, event, answers),
    )


async def advance(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    *,
    session: AsyncSession,
) -> None:
    """Ask the next unanswered question; when none is left, consent (new forms), then the
    summary. Editing a field from the summary pops its answer, so this same walk returns to the
    summary afterwards, asking the talk topic on the way if "I want to speak" became yes."""
    data, event = await _form(state, catalog)
    field = next_field(data["answers"], event.format is EventFormat.HYBRID)
    if venue_missing(event, data["answers"]) and (
        field is None or FIELD_ORDER.index(field) > FIELD_ORDER.index(Field.FORMAT)
    ):
        await ask_venue(bot, chat_id, state, t, event, session)
    elif field is not None:
        await ask(bot, chat_id, state, t, event, field)
    elif data.get("mode") == MODE_NEW and "consent_at" not in data["answers"]:
        await show_consent(bot, chat_id, state, t)
    else:
        await show_summary(bot, chat_id, state, t, event, data)


async def repeat_step(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    *,
    session: AsyncSession,
) -> None:
    """Show the current step again (after a language switch, a stray input, /start mid-form)."""
    name = await state.get_state()
    data, event = await _form(state, catalog)
    if name in FIELD_OF:
        await ask(bot, chat_id, state, t, event, FIELD_OF[name])
    elif name == RegistrationForm.venue.state:
        await ask_venue(bot, chat_id, state, t, event, session)
    elif name == RegistrationForm.consent.state:
        await show_consent(bot, chat_id, state, t)
    else:
        await show_summary(bot, chat_id, state, t, event, data)


async def start_form(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    event: Event,
    *,
    answers: dict[str, Any] | None = None,
    mode: str = MODE_NEW,
    session: AsyncSession,
) -> None:
    await state.clear()
    await state.set_data({"slug": event.slug, "mode": mode, "answers": answers or {}})
    if mode == MODE_NEW:
        await bot.send_message(chat_id, t("form-intro", event=escape(event.title.get(t.lang))))
    await advance(bot, chat_id, state, t, catalog, session=session)


async def store_answer(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    field: Field,
    value: Any,
    *,
    session: AsyncSession,
) -> None:
    data = await state.get_data()
    data["answers"] = apply_answer(data.get("answers", {}), field, value)
    await state.set_data(data)
    await advance(bot, chat_id, state, t, catalog, session=session)


async def explain_and_repeat(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    key: str,
    *,
    session: AsyncSession,
    **args: Any,
) -> None:
    await bot.send_message(chat_id, t(key, **args))
    await repeat_step(bot, chat_id, state, t, catalog, session=session)


# --- handlers ---------------------------------------------------------------------------


async def on_register(
    query: CallbackQuery,
    callback_data: RegisterCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    registrations: RegistrationService,
    session: AsyncSession,
) -> None:
    if in_a_form(await state.get_state()):
        # A second tap (or an old card's button) while a form is open: restarting would throw
        # the answers away and ask the first question twice. The pending question stays.
        await query.answer(t("form-in-progress"))
        return
    await query.answer()
    user_id = query.from_user.id
    event = await registrations.ensure_can_register(user_id, callback_data.slug)
    previous = await registrations.find(user_id, event.slug)
    # Someone who cancelled and comes back gets their old answers to confirm or change.
    if previous is not None and previous.row.full_name is not None:
        answers = answers_of(previous.row)
        await state.clear()
        await state.set_data({"slug": event.slug, "mode": MODE_NEW, "answers": answers})
        # The answers come with the words that announce them; consent and the summary with
        # its edit buttons follow.
        lines = [t("form-welcome-back"), "", *views.answers_lines(t, event, answers)]
        await bot.send_message(user_id, "\n".join(lines))
        await advance(bot, user_id, state, t, catalog, session=session)
        return
    await start_form(bot, user_id, state, t, catalog, event, session=session)


async def on_text_answer(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    field = FIELD_OF[str(await state.get_state())]
    try:
        value = validate_text(field, message.text or "")
    except Invalid as problem:
        await explain_and_repeat(
            bot, message.chat.id, state, t, catalog, problem.key, **problem.args_, session=session
        )
        return
    if field is Field.COUNTRY:
        # "россия" typed is the same country as the Россия / 俄罗斯 button.
        value = canonical_country(value, known_names(i18n.all()))
    await store_answer(bot, message.chat.id, state, t, catalog, field, value, session=session)


def _choice_labels(t: Translator, field: Field) -> dict[str, str]:
    """Button labels of a choice question, so typing "Учитель" works as well as tapping it."""
    if field is Field.ROLE:
        return {t(f"role-{r.value}").casefold(): r.value for r in Role}
    if field is Field.FORMAT:
        return {t(f"format-{f.value}").casefold(): f.value for f in ParticipationFormat}
    return {
        t("btn-speak-yes").casefold(): "yes",
        t("btn-speak-no").casefold(): "no",
        t("answer-yes").casefold(): "yes",
        t("answer-no").casefold(): "no",
    }


async def on_choice_typed(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    field = FIELD_OF[str(await state.get_state())]
    raw = _choice_labels(t, field).get((message.text or "").strip().casefold())
    if raw is None:
        await explain_and_repeat(
            bot, message.chat.id, state, t, catalog, "err-use-buttons", session=session
        )
        return
    value = parse_choice(field, raw)
    await store_answer(bot, message.chat.id, state, t, catalog, field, value, session=session)


async def on_choice(
    query: CallbackQuery,
    callback_data: ChoiceCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    field = FIELD_OF[str(await state.get_state())]
    if callback_data.field != field.value:
        # A button from an earlier question of this form.
        await query.answer(t("err-stale-button"))
        await repeat_step(bot, query.from_user.id, state, t, catalog, session=session)
        return
    try:
        if field is Field.COUNTRY:
            if callback_data.value not in BUTTON_COUNTRIES:
                raise ValueError(callback_data.value)
            value: Any = callback_data.value  # the code: shown in each reader's language
        else:
            value = parse_choice(field, callback_data.value)
    except ValueError:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await _mark_answered(query, t, field, value)
    await store_answer(bot, query.from_user.id, state, t, catalog, field, value, session=session)


async def _mark_answered(query: CallbackQuery, t: Translator, field: Field, value: Any) -> None:
    """Replace the question's buttons by the answer, so the chat reads as a record."""
    message = query.message
    if isinstance(message, Message) and message.text is not None:
        answer = views.display_value(t, field, value)
        await replace_text(message, f"{escape(message.text)}\n\n<b>→ {answer}</b>")


async def on_phone_contact(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await explain_and_repeat(
            bot, message.chat.id, state, t, catalog, "err-phone-not-own", session=session
        )
        return
    try:
        phone = validate_phone(
            contact.phone_number
            if contact.phone_number.startswith("+")
            else f"+{contact.phone_number}"
        )
    except Invalid as problem:
        await explain_and_repeat(
            bot, message.chat.id, state, t, catalog, problem.key, session=session
        )
        return
    await _phone_done(message, bot, state, t, catalog, phone, session)


async def on_phone_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    text = (message.text or "").strip()
    skip_labels = {tr("btn-skip").casefold() for tr in i18n.all()}
    if text.casefold() in skip_labels:
        await _phone_done(message, bot, state, t, catalog, "", session)
        return
    try:
        phone = validate_phone(text)
    except Invalid as problem:
        await explain_and_repeat(
            bot, message.chat.id, state, t, catalog, problem.key, session=session
        )
        return
    await _phone_done(message, bot, state, t, catalog, phone, session)


async def _phone_done(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    phone: str,
    session: AsyncSession,
) -> None:
    # The reply keyboard with "share my number" must go away before the next step.
    text = t("phone-saved", phone=escape(phone)) if phone else t("phone-skipped")
    await message.answer(text, reply_markup=ReplyKeyboardRemove())
    await store_answer(bot, message.chat.id, state, t, catalog, Field.PHONE, phone, session=session)


async def on_consent(
    query: CallbackQuery,
    callback_data: ConsentCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    session: AsyncSession,
) -> None:
    await query.answer()
    await drop_buttons(query)
    choice = t("btn-consent-accept" if callback_data.accept else "btn-consent-decline")
    await bot.send_message(query.from_user.id, f"<b>→ {choice}</b>")
    if not callback_data.accept:
        await state.clear()
        await bot.send_message(query.from_user.id, t("consent-declined"))
        return
    data = await state.get_data()
    data["answers"] = {
        **data["answers"],
        "consent_at": clock.now().isoformat(),
        "consent_version": CONSENT_VERSION,
    }
    await state.set_data(data)
    await advance(bot, query.from_user.id, state, t, catalog, session=session)


async def on_edit_field(
    query: CallbackQuery,
    callback_data: EditFieldCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    data = await state.get_data()
    answers = dict(data["answers"])
    if callback_data.field == VENUE:
        await query.answer()
        await drop_buttons(query)
        # The seat (or place in line) held before the edit: choosing it again keeps it.
        if data.get("mode") == MODE_EDIT:
            data.setdefault("held_venue", answers.get(VENUE))
            data.setdefault("held_waiting", bool(answers.get(VENUE_WAIT)))
        answers.pop(VENUE, None)
        answers.pop(VENUE_WAIT, None)
        data["answers"] = answers
        await state.set_data(data)
        await advance(bot, query.from_user.id, state, t, catalog, session=session)
        return
    try:
        field = Field(callback_data.field)
    except ValueError:
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    await drop_buttons(query)
    answers.pop(field.value, None)
    data["answers"] = answers
    await state.set_data(data)
    await advance(bot, query.from_user.id, state, t, catalog, session=session)


async def on_summary_action(
    query: CallbackQuery,
    callback_data: SummaryCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    clock: Clock,
    registrations: RegistrationService,
    reminders: ReminderService,
    settings: Settings,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    mail_outbox: MailOutbox | None = None,
) -> None:
    user_id = query.from_user.id
    data, event = await _form(state, catalog)
    if callback_data.action == "cancel":
        await query.answer()
        await state.clear()
        await drop_buttons(query)
        await bot.send_message(user_id, t("form-cancelled"))
        return
    if callback_data.action != "confirm":
        await query.answer(t("err-stale-button"))
        return
    await query.answer()
    # A second tap on Confirm cannot register twice: updates of one chat are handled one at
    # a time (event isolation) and the database holds one row per user and event.
    await drop_buttons(query)
    # With e-mail on, the address given (or changed) is confirmed by e-mail: the letter is
    # queued with the registration, and the outbox sends it at its next look.
    mail = settings.mail_enabled
    try:
        if data.get("mode") == MODE_EDIT:
            saved = await registrations.update(user_id, event.slug, data["answers"], mail=mail)
            wake(mail_outbox)
            await state.clear()
            text = edit_saved_text(t, saved)
            await bot.send_message(user_id, text, reply_markup=views.main_menu(t))
            await send_seat_notices(bot, session_factory, catalog, clock, i18n, saved.promoted)
            return
        reg = await registrations.register(
            event.slug, data["answers"], t.lang, channel=Channel.bot(user_id), mail=mail
        )
    except EmailTaken:
        await _ask_another_email(bot, user_id, state, t, catalog, event, data, session=session)
        return
    except VenueRefused as refused:
        await _ask_venue_again(bot, user_id, state, t, catalog, data, refused, session)
        return
    wake(mail_outbox)
    await state.clear()
    await announce_registration(bot, user_id, t, reg, clock, reminders)


def wake(mail_outbox: MailOutbox | None) -> None:
    """A confirmation letter may have been queued: the outbox sends it now, not at its next
    look (None: e-mail off)."""
    if mail_outbox is not None:
        mail_outbox.wake()


def edit_saved_text(t: Translator, reg: UserRegistration) -> str:
    """ "Saved", and where the person comes now (the venue, or its waiting list)."""
    row, event = reg.row, reg.event
    if not attends_offline(event, row.participation_format) or not event.venue_by_id(row.venue_id):
        return t("edit-saved")
    block = venue_block(t, event, row.venue_id, waiting=row.venue_waiting_since is not None)
    return f"{t('edit-saved')}\n\n{block}"


async def _ask_venue_again(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    data: dict[str, Any],
    refused: VenueRefused,
    session: AsyncSession,
) -> None:
    """The venue filled up between the question and Confirm (or left the events file): say so
    and ask it again, every other answer kept."""
    answers = dict(data["answers"])
    answers.pop(VENUE, None)
    answers.pop(VENUE_WAIT, None)
    await state.set_data({**data, "answers": answers})
    if refused.venue is not None:
        name = escape(refused.venue.name.get(t.lang))
        await bot.send_message(chat_id, t("err-venue-full", venue=name))
    else:
        await bot.send_message(chat_id, t("err-venue-gone"))
    await advance(bot, chat_id, state, t, catalog, session=session)


async def _ask_another_email(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    event: Event,
    data: dict[str, Any],
    session: AsyncSession,
) -> None:
    """The address is registered for this event already (often on the web page by the same
    person): say so and how to connect that registration, and ask for the address again with
    every other answer kept. The summary follows as after any edit."""
    answers = dict(data["answers"])
    answers.pop(Field.EMAIL.value, None)
    await state.set_data({**data, "answers": answers})
    await bot.send_message(chat_id, t("err-email-taken", event=escape(event.title.get(t.lang))))
    await advance(bot, chat_id, state, t, catalog, session=session)


async def on_venue(
    query: CallbackQuery,
    callback_data: venue_views.VenueCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    """A venue picked (a full one offers its waiting list, explicitly, or another venue), its
    waiting list accepted, another venue wanted, or online instead (a hybrid event)."""
    user_id = query.from_user.id
    data, event = await _form(state, catalog)
    action = callback_data.action
    venue = event.venue_by_id(callback_data.venue)
    online = action == "online" and event.format is EventFormat.HYBRID
    known = online or action == "other" or (action in ("pick", "wait") and venue is not None)
    if not known:
        await query.answer(t("err-stale-button"))
        await ask_venue(bot, user_id, state, t, event, session)
        return
    await query.answer()
    await drop_buttons(query)
    if action == "other":
        await ask_venue(bot, user_id, state, t, event, session)
        return
    answers = dict(data["answers"])
    answers.pop(VENUE, None)
    answers.pop(VENUE_WAIT, None)
    if online:
        answers = apply_answer(answers, Field.FORMAT, ParticipationFormat.ONLINE.value)
        await bot.send_message(user_id, f"<b>→ {t('format-online')}</b>")
    else:
        assert venue is not None
        # Editing, the venue one holds already keeps its seat (or place in line): the count,
        # which includes that seat, is not asked.
        kept = data.get("held_venue") == venue.id
        if action == "pick" and not kept:
            seats = await _seats(session, event)
            count = next((s for s in seats or [] if s.venue.id == venue.id), None)
            if count is not None and count.full:
                text, keyboard = venue_views.full_offer(t, event, venue)
                await bot.send_message(user_id, text, reply_markup=keyboard)
                return
        waiting = action == "wait" or (kept and bool(data.get("held_waiting")))
        answers[VENUE], answers[VENUE_WAIT] = venue.id, waiting
        shown = venue_views.venue_value(t, event, venue.id, waiting)
        await bot.send_message(user_id, f"<b>→ {shown}</b>")
    data["answers"] = answers
    await state.set_data(data)
    await advance(bot, user_id, state, t, catalog, session=session)


async def send_seat_notices(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    catalog: EventCatalog,
    clock: Clock,
    i18n: I18n,
    promoted: Sequence[Promoted],
) -> None:
    """Tell those a freed seat went to, now (their notices were queued with the promotion;
    the scheduler's look sends any left)."""
    if promoted:
        notices = SeatNotices(
            bot=bot, session_factory=session_factory, catalog=catalog, clock=clock, i18n=i18n
        )
        await notices.send(p.registration_id for p in promoted)


async def on_non_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    await explain_and_repeat(
        bot, message.chat.id, state, t, catalog, "err-need-text", session=session
    )


async def on_use_buttons(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    await explain_and_repeat(
        bot, message.chat.id, state, t, catalog, "err-use-buttons", session=session
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_register, RegisterCb.filter())
    router.message.register(on_text_answer, StateFilter(*TEXT_STATES), PLAIN_TEXT)
    router.message.register(on_choice_typed, StateFilter(*CHOICE_STATES), PLAIN_TEXT)
    router.callback_query.register(
        on_choice, StateFilter(*CHOICE_STATES, RegistrationForm.country), ChoiceCb.filter()
    )
    router.message.register(on_phone_contact, RegistrationForm.phone, F.contact)
    router.message.register(on_phone_text, RegistrationForm.phone, PLAIN_TEXT)
    router.callback_query.register(on_consent, RegistrationForm.consent, ConsentCb.filter())
    router.callback_query.register(on_venue, RegistrationForm.venue, venue_views.VenueCb.filter())
    router.callback_query.register(on_edit_field, RegistrationForm.summary, EditFieldCb.filter())
    router.callback_query.register(on_summary_action, RegistrationForm.summary, SummaryCb.filter())
    router.message.register(
        on_use_buttons,
        StateFilter(RegistrationForm.consent, RegistrationForm.venue, RegistrationForm.summary),
        PLAIN_TEXT,
    )
    # Stickers, photos, voice... anywhere in the form: a hint, then the question again.
    router.message.register(on_non_text, StateFilter(RegistrationForm), ~F.text)
    return router


async def resume_if_in_form(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    catalog: EventCatalog,
    session: AsyncSession,
) -> None:
    """After a side trip (/help, /me, a language switch) mid-form, ask the pending question
    again so the user knows the form is still waiting (the venue question with its seats
    counted: hence the session)."""
    current = await state.get_state()
    if is_form_state(current):
        await repeat_step(bot, chat_id, state, t, catalog, session=session)
    elif class_form.is_class_state(current):
        await class_form.repeat_step(bot, chat_id, state, t)
