"""What the bot shows: texts and keyboards as pure functions of a translator and data.

User-supplied text is escaped here, once, right before it goes into HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.events.catalog import Event, EventFormat
from bot.services.events.timefmt import span_args
from bot.services.registration.countries import BUTTON_COUNTRIES, country_key, country_label
from bot.services.registration.form import (
    FIELD_ORDER,
    LIMITS,
    VENUE,
    VENUE_WAIT,
    Field,
    ParticipationFormat,
    Role,
    chosen_venue,
    field_applies,
    venue_applies,
)
from handlers.callbacks import (
    ChoiceCb,
    ClassStartCb,
    ConfirmCb,
    ConsentCb,
    EditFieldCb,
    EventCb,
    LanguageCb,
    MenuCb,
    PickCb,
    RegisterCb,
    SummaryCb,
)
from handlers.venue_views import venue_card_lines, venue_value


def time_span(t: Translator, event: Event) -> str:
    return t("time-span", **span_args(event.starts_at, event.ends_at, t.lang))


def event_card(t: Translator, event: Event) -> str:
    lines = [
        f"<b>{escape(event.title.get(t.lang))}</b>",
        "",
        escape(event.description.get(t.lang)),
        "",
        time_span(t, event),
        t("event-format", format=event.format.value),
        *venue_card_lines(t, event),
    ]
    return "\n".join(lines)


def contacts_text(t: Translator, event: Event | None) -> str:
    if event is None:
        return t("contacts-none")
    c = event.contacts
    lines = [t("contacts-title", event=escape(event.title.get(t.lang)))]
    for key, value in (
        ("contacts-email", c.email),
        ("contacts-phone", c.phone),
        ("contacts-telegram", c.telegram),
        ("contacts-whatsapp", c.whatsapp),
        ("contacts-wechat", c.wechat),
        ("contacts-website", c.website),
    ):
        if value:
            lines.append(t(key, value=escape(value)))
    return "\n".join(lines)


def field_label(t: Translator, field: Field) -> str:
    return t(f"field-{field.value.replace('_', '-')}")


def display_value(t: Translator, field: Field, value: Any) -> str:
    if field is Field.ROLE:
        return t(f"role-{value}")
    if field is Field.FORMAT:
        return t(f"format-{value}")
    if field is Field.WANTS_TO_SPEAK:
        return t("answer-yes") if value else t("answer-no")
    if field is Field.PHONE and not value:
        return t("answer-not-given")
    if field is Field.COUNTRY:
        return escape(country_label(t, value))
    return escape(str(value))


def answers_lines(t: Translator, event: Event, answers: dict[str, Any]) -> list[str]:
    hybrid = event.format is EventFormat.HYBRID
    lines = []
    for field in FIELD_ORDER:
        if field_applies(field, answers, hybrid) and field in answers:
            value = display_value(t, field, answers[field])
            lines.append(t("summary-line", label=field_label(t, field), value=value))
        if field is Field.FORMAT:  # the venue follows the format (issue 15)
            lines += venue_lines(t, event, answers)
    return lines


def venue_lines(t: Translator, event: Event, answers: dict[str, Any]) -> list[str]:
    hybrid = event.format is EventFormat.HYBRID
    venue_id = chosen_venue(answers, has_venues=bool(event.venues), hybrid=hybrid)
    if venue_id is None:
        return []
    value = venue_value(t, event, venue_id, bool(answers.get(VENUE_WAIT)))
    return [t("summary-line", label=t("field-venue"), value=value)]


def summary_text(t: Translator, event: Event, answers: dict[str, Any], editing: bool) -> str:
    lines = [
        t("summary-title-edit" if editing else "summary-title"),
        f"<i>{escape(event.title.get(t.lang))}</i>",
        "",
        *answers_lines(t, event, answers),
        "",
        t("summary-hint-edit" if editing else "summary-hint"),
    ]
    return "\n".join(lines)


def registration_text(t: Translator, event: Event, answers: dict[str, Any], active: bool) -> str:
    """A saved registration as the participant sees it in /me."""
    lines = [
        f"<b>{escape(event.title.get(t.lang))}</b>",
        time_span(t, event),
        t("reg-status", status=t("status-active") if active else t("status-cancelled")),
    ]
    if active:
        lines += ["", *answers_lines(t, event, answers)]
    return "\n".join(lines)


def summary_keyboard(t: Translator, event: Event, answers: dict[str, Any]) -> InlineKeyboardMarkup:
    hybrid = event.format is EventFormat.HYBRID
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn-confirm"), callback_data=SummaryCb(action="confirm"))
    fields = [f for f in FIELD_ORDER if field_applies(f, answers, hybrid)]
    labels = [(field_label(t, f), f.value) for f in fields]
    if venue_applies(answers, has_venues=bool(event.venues), hybrid=hybrid):
        # The venue's button follows the format's (or the role's, without a format question).
        after = Field.FORMAT if hybrid else Field.ROLE
        labels.insert(fields.index(after) + 1, (t("field-venue"), VENUE))
    for label, name in labels:
        kb.button(text=t("btn-edit-field", field=label), callback_data=EditFieldCb(field=name))
    kb.button(text=t("btn-cancel-form"), callback_data=SummaryCb(action="cancel"))
    kb.adjust(1, *([2] * ((len(labels) + 1) // 2)), 1)
    return kb.as_markup()


def question_text(t: Translator, field: Field, event: Event) -> str:
    key = f"ask-{field.value.replace('_', '-')}"
    if field in LIMITS:
        low, high = LIMITS[field]
        return t(key, min=low, max=high)
    return t(key)


def question_keyboard(
    t: Translator, field: Field, skippable_phone: bool = True
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if field is Field.ROLE:
        for role in Role:
            kb.button(text=t(f"role-{role.value}"), callback_data=ChoiceCb(field=field, value=role))
        kb.adjust(2)
        return kb.as_markup()
    if field is Field.FORMAT:
        for fmt in ParticipationFormat:
            kb.button(text=t(f"format-{fmt.value}"), callback_data=ChoiceCb(field=field, value=fmt))
        kb.adjust(2)
        return kb.as_markup()
    if field is Field.WANTS_TO_SPEAK:
        kb.button(text=t("btn-speak-yes"), callback_data=ChoiceCb(field=field, value="yes"))
        kb.button(text=t("btn-speak-no"), callback_data=ChoiceCb(field=field, value="no"))
        kb.adjust(1)
        return kb.as_markup()
    if field is Field.COUNTRY:
        # The two countries most participants come from; anything else is typed.
        for code in BUTTON_COUNTRIES:
            kb.button(text=t(country_key(code)), callback_data=ChoiceCb(field=field, value=code))
        kb.adjust(2)
        return kb.as_markup()
    if field is Field.PHONE:
        # request_contact only works on a reply keyboard, so this step uses one.
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=t("btn-share-phone"), request_contact=True)],
                [KeyboardButton(text=t("btn-skip"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
            input_field_placeholder=t("phone-placeholder"),
        )
    return None


def consent_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn-consent-accept"), callback_data=ConsentCb(accept=True))
    kb.button(text=t("btn-consent-decline"), callback_data=ConsentCb(accept=False))
    kb.adjust(1)
    return kb.as_markup()


def language_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text="🇷🇺 Русский", callback_data=LanguageCb(code="ru"))
    kb.button(text="🇨🇳 中文", callback_data=LanguageCb(code="zh"))
    kb.adjust(2)
    return kb.as_markup()


def miniapp_url(public_url: str, slug: str, lang: str) -> str:
    """The event's form as a Mini App (web/routes/miniapp.py serves it), in the chat's language:
    in Telegram's web client the page cannot remember a language of its own."""
    return f"{public_url}/app/e/{slug}?hl={lang}"


def register_keyboard(t: Translator, event: Event, public_url: str | None) -> InlineKeyboardMarkup:
    """The event card's buttons. With an https PUBLIC_URL, "Register" opens the web form as a
    Mini App (Telegram opens only https ones: web/routes/miniapp.py) and the chat form stays
    one button below; otherwise "Register" starts the chat form."""
    kb = InlineKeyboardBuilder()
    rows = [1, 1, 2]
    if public_url is not None and public_url.startswith("https://"):
        form = WebAppInfo(url=miniapp_url(public_url, event.slug, t.lang))
        kb.button(text=t("btn-register"), web_app=form)
        kb.button(text=t("btn-register-in-chat"), callback_data=RegisterCb(slug=event.slug))
        rows = [1, *rows]
    else:
        kb.button(text=t("btn-register"), callback_data=RegisterCb(slug=event.slug))
    kb.button(text=t("btn-register-class"), callback_data=ClassStartCb(slug=event.slug))
    kb.button(text=t("btn-language"), callback_data=MenuCb(action="language"))
    kb.button(text=t("btn-contacts"), callback_data=MenuCb(action="contacts"))
    kb.adjust(*rows)
    return kb.as_markup()


BUTTON_TITLE_LIMIT = 60
_QUOTES = (("«", "»"), ("“", "”"))


def shorten(text: str, limit: int) -> str:
    """`text` if it fits, else cut at a word boundary and marked with "…"; a quote opened in
    the kept part and closed in the cut one is dropped with what follows it."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    for opening, closing in _QUOTES:
        if cut.count(opening) > cut.count(closing):
            cut = cut[: cut.rfind(opening)]
    return cut.rstrip(" ,;:—–-") + "…"


def button_title(t: Translator, event: Event, limit: int = BUTTON_TITLE_LIMIT) -> str:
    """An event on a button: its short title, shortened if even that is too long."""
    return shorten(event.short_name(t.lang), limit)


def events_keyboard(t: Translator, events: list[Event]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for event in events:
        kb.button(text=button_title(t, event), callback_data=EventCb(slug=event.slug))
    kb.adjust(1)
    return kb.as_markup()


MENU_ACTIONS = ("me", "link", "edit", "mute", "unregister", "language", "contacts", "help")


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for action in MENU_ACTIONS:
        kb.button(text=t(f"btn-menu-{action}"), callback_data=MenuCb(action=action))
    kb.adjust(2)
    return kb.as_markup()


def pick_keyboard(t: Translator, action: str, events: list[Event]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for event in events:
        kb.button(text=button_title(t, event), callback_data=PickCb(action=action, slug=event.slug))
    kb.adjust(1)
    return kb.as_markup()


def confirm_keyboard(t: Translator, action: str, slug: str = "-") -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t(f"btn-{action}-yes"), callback_data=ConfirmCb(action=action, slug=slug, yes=True)
    )
    kb.button(text=t("btn-keep"), callback_data=ConfirmCb(action=action, slug=slug, yes=False))
    kb.adjust(1)
    return kb.as_markup()
