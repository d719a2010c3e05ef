"""The registration form on the event page (`POST /e/<slug>`) and "I lost my link" (`/lost`).

The same rules and texts as the chat form: the validators of bot/services/registration/form.py,
the questions, labels and error messages of registration.ftl, and one `register()` for every
channel. The form is one page that works without JavaScript; a refused field is shown next to
the field with everything typed kept.

After registering, the browser is sent (303, post/redirect/get) straight to the personal page
`/me/<token>?welcome=1`, which says "you are registered" and has the times, the calendar file
and everything else. The token is returned only once, and the page's own address is the one
place it has to go: no cookie carries it, nothing stores it, and the personal page is never
cached or indexed and sends no referrer. A reload or the back button cannot register twice
(the same address is refused, see EmailTaken).

With e-mail on (the app has a mail outbox) anyone could type someone else's address, so the
page after the form never shows the personal link: the registration is pending and the link
travels in the confirmation letter (double opt-in, web/routes/personal.py). The browser goes
to `/e/<slug>/check-mail` ("check your mail"), and so it does when the address is registered
for the event already (its owner is sent the link instead of a copy being made) and when a
bot fills the honeypot: nothing tells one case from another. "I lost my link" then queues the
link to every registration of the address, and answers the same whether there is one or not."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from bot.i18n import I18n, Translator
from bot.services.events.catalog import Event, EventFormat, EventState
from bot.services.registration.access import new_secret
from bot.services.registration.countries import (
    BUTTON_COUNTRIES,
    canonical_country,
    country_key,
    known_names,
)
from bot.services.registration.form import (
    CONSENT_VERSION,
    LIMITS,
    VENUE,
    VENUE_WAIT,
    Field,
    Invalid,
    ParticipationFormat,
    Role,
    parse_choice,
    validate_email,
    validate_text,
    venue_applies,
)
from bot.services.registration.registrations import (
    EmailTaken,
    EventOver,
    RegistrationClosed,
    RegistrationService,
    UnknownEvent,
    VenueRefused,
    WebRegistrations,
)
from bot.services.venues.seats import VenueSeats, seat_counts
from db.models import EventRow
from web.context import DEPS, REFILLED_POSTS
from web.errors import PageNotFound
from web.form_errors import web_error_key
from web.language import page_language
from web.render import RENDERER, render_page
from web.routes.events import contact_lines, event_context

log = logging.getLogger(__name__)

# The form's inputs that are not a Field of the chat form.
COUNTRY_OTHER = "country_other"  # the text of "another country"
OTHER = "other"  # the "another country" radio button
CONSENT = "consent"
# Hidden from people by CSS; a bot that fills every input fills it too.
HONEYPOT = "homepage"
TEXT_INPUTS = (
    Field.FULL_NAME,
    Field.CITY,
    Field.ORGANIZATION,
    Field.TALK_TOPIC,
    Field.EMAIL,
    Field.PHONE,
)
# The venue's radio buttons (an event with venues): the venue's id, or for a full venue
# `wait:<id>`, "put me on its waiting list" (issue 15).
VENUE_INPUT = "venue"
WAIT_PREFIX = "wait:"
KEPT_INPUTS = (
    *(f.value for f in Field),
    COUNTRY_OTHER,
    CONSENT,
    VENUE_INPUT,
)
# The bot's messages carry Telegram's HTML (<b>…</b>); the pages escape everything, so the tags
# go (they are ours: no visitor's text passes through here).
TELEGRAM_TAG = re.compile(r"</?(?:b|i|u|s|code)>")
# The bot's buttons start with an emoji ("✅ Даю согласие"); a form's labels go without.
LEADING_SYMBOLS = re.compile(r"^[^\w«“(]+")


def plain(text: str) -> str:
    return TELEGRAM_TAG.sub("", text)


def label(text: str) -> str:
    return LEADING_SYMBOLS.sub("", text).strip()


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class VenueChoice:
    """A venue's radio button: its value (the id, or `wait:<id>` for a full venue, whose
    button says it joins the waiting list), name, address and seats."""

    value: str
    name: str
    address: str
    seats: str


def venue_choices(t: Translator, event: Event, seats: list[VenueSeats] | None) -> list[VenueChoice]:
    """The event's venues with the seats counted now (None: not counted)."""
    out = []
    for venue in event.venues:
        count = next((s for s in seats or [] if s.venue.id == venue.id), None)
        value, note = venue.id, ""
        if count is not None and count.full:
            value, note = f"{WAIT_PREFIX}{venue.id}", t("web-venue-wait-option")
        elif count is not None and count.free is not None:
            note = t("venue-option-free", free=count.free, capacity=venue.capacity)
        out.append(VenueChoice(value, venue.name.get(t.lang), venue.address.get(t.lang), note))
    return out


async def counted_seats(request: web.Request, event: Event) -> list[VenueSeats] | None:
    """The event's venues with their seats, for the form (None: an event without venues)."""
    if not event.venues:
        return None
    async with request.app[DEPS].session_factory() as session:
        event_id = await session.scalar(select(EventRow.id).where(EventRow.slug == event.slug))
        return None if event_id is None else await seat_counts(session, event, event_id)


async def seated_form(request: web.Request, event: Event) -> FormView:
    """A blank form whose venues show their free seats (the event page's GET)."""
    return blank_form(page_translator(request), event, seats=await counted_seats(request, event))


@dataclass
class FormView:
    """What the form shows: the typed values (kept as typed) and each input's error."""

    hybrid: bool
    roles: list[Choice]
    formats: list[Choice]
    countries: list[Choice]
    speak: list[Choice]
    hints: dict[str, str]
    consent_title: str
    consent_text: list[str]
    optional_label: str
    consent_label: str
    submit_label: str
    consent_version: str = CONSENT_VERSION
    venues: list[VenueChoice] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Shown again after a refusal for its CSRF token (web/csrf.py): the form says so.
    expired: bool = False

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def anchor(self, name: str) -> str:
        """The id of the input a refused field's message links to: a group's first choice."""
        first = {
            Field.COUNTRY.value: self.countries,
            Field.ROLE.value: self.roles,
            Field.FORMAT.value: self.formats,
            Field.WANTS_TO_SPEAK.value: self.speak,
        }.get(name)
        if name == VENUE_INPUT and self.venues:
            return f"{name}-{self.venues[0].value}"
        return f"{name}-{first[0].value}" if first else name


def hint(t: Translator, item: Field) -> str:
    """The chat form's question, which says what the answer should be (and its length)."""
    key = f"ask-{item.value.replace('_', '-')}"
    if item in LIMITS:
        low, high = LIMITS[item]
        return t(key, min=low, max=high)
    return t(key)


def blank_form(
    t: Translator,
    event: Event,
    consent: str = "web-consent-text",
    seats: list[VenueSeats] | None = None,
) -> FormView:
    # The bot's consent with the personal page's erase button where it names /delete_me; the
    # Mini App, in Telegram, keeps the bot's own (miniapp.py). One consent version for both.
    consent_title, _, consent_text = plain(t(consent)).partition("\n")
    return FormView(
        hybrid=event.format is EventFormat.HYBRID,
        roles=[Choice(r.value, t(f"role-{r.value}")) for r in Role],
        formats=[Choice(f.value, label(t(f"format-{f.value}"))) for f in ParticipationFormat],
        countries=[Choice(code, t(country_key(code))) for code in BUTTON_COUNTRIES],
        speak=[Choice("yes", label(t("btn-speak-yes"))), Choice("no", label(t("btn-speak-no")))],
        venues=venue_choices(t, event, seats),
        hints={
            **{f.value: hint(t, f) for f in Field if f is not Field.PHONE},
            VENUE_INPUT: t("web-venue-hint"),
            Field.PHONE.value: t("web-form-phone-hint"),
            Field.TALK_TOPIC.value: f"{hint(t, Field.TALK_TOPIC)} {t('web-form-topic-hint')}",
        },
        consent_title=consent_title.strip(),
        consent_text=[p.strip() for p in consent_text.split("\n\n") if p.strip()],
        optional_label=t("web-form-optional"),
        # The bot's buttons: "Даю согласие" is the words the consent text names.
        consent_label=label(t("btn-consent-accept")),
        submit_label=label(t("btn-register")),
    )


class FormReader:
    """Reads a posted form with the chat form's validators: the answers for `register()`, or
    each refused input's message."""

    def __init__(self, t: Translator, i18n: I18n, event: Event, posted: MultiDictProxy[Any]):
        self.t = t
        self.i18n = i18n
        self.event = event
        self.values = {name: _text(posted.get(name)) for name in KEPT_INPUTS}
        self.errors: dict[str, str] = {}
        self.answers: dict[str, Any] = {}

    def read(self) -> dict[str, Any] | None:
        self._text(Field.FULL_NAME)
        self._country()
        self._text(Field.CITY)
        self._text(Field.ORGANIZATION)
        self._choice(Field.ROLE)
        if self.event.format is EventFormat.HYBRID:
            self._choice(Field.FORMAT)
        self._venue()
        self._choice(Field.WANTS_TO_SPEAK)
        if self.answers.get(Field.WANTS_TO_SPEAK):
            self._text(Field.TALK_TOPIC)
        self._text(Field.EMAIL)
        self._phone()
        if self.values[CONSENT] != "yes":
            self.errors[CONSENT] = self.t("web-form-consent-required")
        return None if self.errors else self.answers

    def _refuse(self, name: str, problem: Invalid) -> None:
        self.errors[name] = self.t(web_error_key(problem.key), **problem.args_)

    def _text(self, item: Field, name: str | None = None) -> str | None:
        name = name or item.value
        raw = self.values[name]
        if not raw.strip():
            self.errors[name] = self.t("web-form-required")
            return None
        try:
            value = validate_text(item, raw)
        except Invalid as problem:
            self._refuse(name, problem)
            return None
        if name == item.value:
            self.answers[item.value] = value
        return value

    def _country(self) -> None:
        chosen = self.values[Field.COUNTRY]
        if chosen in BUTTON_COUNTRIES:
            self.answers[Field.COUNTRY] = chosen  # the code, as the bot's buttons store it
            return
        if chosen != OTHER and not self.values[COUNTRY_OTHER].strip():
            self.errors[Field.COUNTRY] = self.t("web-form-choose")
            return
        # "Other" (or a name typed without choosing it): kept as the bot keeps typed names,
        # "россия" becoming RU like the button.
        typed = self._text(Field.COUNTRY, COUNTRY_OTHER)
        if typed is not None:
            self.answers[Field.COUNTRY] = canonical_country(typed, known_names(self.i18n.all()))

    def _choice(self, item: Field) -> None:
        try:
            self.answers[item.value] = parse_choice(item, self.values[item.value])
        except ValueError:
            self.errors[item.value] = self.t("web-form-choose")

    def _venue(self) -> None:
        """The venue, for those who come in person to an event with venues: a venue's id, or
        `wait:<id>` (its waiting list, chosen on a full venue's button)."""
        hybrid = self.event.format is EventFormat.HYBRID
        if not venue_applies(self.answers, has_venues=bool(self.event.venues), hybrid=hybrid):
            return
        raw = self.values[VENUE_INPUT]
        wait = raw.startswith(WAIT_PREFIX)
        venue = self.event.venue_by_id(raw.removeprefix(WAIT_PREFIX))
        if venue is None:
            self.errors[VENUE_INPUT] = self.t("web-err-venue-choose")
            return
        self.answers[VENUE] = venue.id
        self.answers[VENUE_WAIT] = wait

    def _phone(self) -> None:
        raw = self.values[Field.PHONE]
        if not raw.strip():
            self.answers[Field.PHONE] = ""  # optional: answered with nothing
            return
        try:
            self.answers[Field.PHONE] = validate_text(Field.PHONE, raw)
        except Invalid:
            # The bot's message speaks of its "Skip" button; the page's of an empty field.
            self.errors[Field.PHONE] = self.t("web-form-phone-invalid")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def page_translator(request: web.Request) -> Translator:
    return request.app[DEPS].i18n(page_language(request) or "ru")


def event_of(request: web.Request) -> Event:
    event = request.app[DEPS].catalog.get(request.match_info["slug"])
    if event is None:
        raise PageNotFound()
    return event


async def register(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    event = event_of(request)
    t = page_translator(request)
    state = event.state(deps.clock.now())
    if state is not EventState.OPEN:
        return refused(request, event, state)
    posted = await request.post()
    mail = deps.mail
    if _text(posted.get(HONEYPOT)):
        # A bot: it is thanked like a person and nothing is saved.
        log.info("web registration for %s: honeypot filled, nothing saved", event.slug)
        if mail is not None:
            raise web.HTTPSeeOther(check_mail_address(event))
        raise web.HTTPSeeOther(welcome_address(new_secret()))
    reader = FormReader(t, deps.i18n, event, posted)
    answers = reader.read()
    if answers is None:
        seats = await counted_seats(request, event)
        view = blank_form(t, event, seats=seats)
        view.values, view.errors = reader.values, reader.errors
        context = event_context(request, event, seats)
        return render_page(request, "event.html", status=400, form=view, **context)
    answers |= {"consent_at": deps.clock.now().isoformat(), "consent_version": CONSENT_VERSION}
    try:
        # Written together with the other forms posted meanwhile (group commit).
        registration = await request.app[WEB_REGISTRATIONS].register(event.slug, answers, t.lang)
    except EmailTaken:
        if mail is not None:
            # The address's owner is sent the link (queued with the batch); the visitor sees
            # what a new address gets.
            mail.wake()
            raise web.HTTPSeeOther(check_mail_address(event)) from None
        return email_taken(request, event)
    except VenueRefused:
        # The last seat went to someone faster: the form again, everything kept, the venues
        # counted now (the full one offers its waiting list).
        seats = await counted_seats(request, event)
        view = blank_form(t, event, seats=seats)
        view.values = reader.values
        view.errors = {VENUE_INPUT: t("web-err-venue-full")}
        context = event_context(request, event, seats)
        return render_page(request, "event.html", status=409, form=view, **context)
    except RegistrationClosed:
        return refused(request, event, EventState.CLOSED)
    except EventOver:
        return refused(request, event, EventState.OVER)
    except UnknownEvent:
        raise PageNotFound() from None
    if mail is not None:
        mail.wake()  # the confirmation, queued with the registration
        raise web.HTTPSeeOther(check_mail_address(event))
    assert registration.access_token is not None  # a web registration always gets one
    raise web.HTTPSeeOther(welcome_address(registration.access_token))


async def refill(request: web.Request) -> web.StreamResponse:
    """The form refused for its CSRF token (opened long ago, or in another browser, or forged
    elsewhere): shown again with what was typed and a new token, nothing saved (403). The
    consent is asked again: a forged post cannot have it ticked for anyone."""
    deps = request.app[DEPS]
    event = event_of(request)
    state = event.state(deps.clock.now())
    if state is not EventState.OPEN:
        return refused(request, event, state)
    t = page_translator(request)
    reader = FormReader(t, deps.i18n, event, await request.post())
    seats = await counted_seats(request, event)
    view = blank_form(t, event, seats=seats)
    view.values = {k: v for k, v in reader.values.items() if k != CONSENT}
    view.expired = True
    context = event_context(request, event, seats)
    return render_page(request, "event.html", status=403, form=view, **context)


def welcome_address(token: str) -> str:
    """The personal page, with its "you are registered" banner (web/routes/personal.py)."""
    return f"/me/{token}?welcome=1"


def check_mail_address(event: Event) -> str:
    return f"/e/{event.slug}/check-mail"


async def check_mail(request: web.Request) -> web.StreamResponse:
    """After the form with e-mail on: "check your mail", whatever happened to the form."""
    if request.app[DEPS].mail is None:
        raise PageNotFound()
    event = event_of(request)
    t = page_translator(request)
    return render_page(
        request, "check_mail.html", event=event, contacts=contact_lines(t, event.contacts)
    )


def refused(request: web.Request, event: Event, state: EventState) -> web.Response:
    """Registration closed, or the event over, by the time the form came back."""
    text = "web-register-closed" if state is EventState.CLOSED else "web-register-over"
    return render_page(
        request,
        "registration_refused.html",
        status=409,
        event=event,
        title="web-state-" + state.value,
        text=text,
        contacts=[],
        organizer_emails=[],
    )


def email_taken(request: web.Request, event: Event) -> web.Response:
    """The address is registered for the event already: no copy, and never that registration's
    link (anyone can type an address); how its owner gets the link instead."""
    t = page_translator(request)
    return render_page(
        request,
        "registration_refused.html",
        status=409,
        event=event,
        title="web-taken-title",
        text="web-taken-text",
        contacts=contact_lines(t, event.contacts),
        organizer_emails=[],
    )


# --- "I lost my link" ------------------------------------------------------------------------


def organizer_emails(request: web.Request) -> list[str]:
    """The organizers' addresses of the events people can register for now (and the most
    relevant other one): whom to write to about a lost link."""
    deps = request.app[DEPS]
    now = deps.clock.now()
    events = deps.catalog.open(now)
    relevant = deps.catalog.most_relevant(now)
    if relevant is not None:
        events.append(relevant)
    return list(dict.fromkeys(e.contacts.email for e in events if e.contacts.email))


def lost_page(
    request: web.Request, *, status: int = 200, email: str = "", error: str = "", sent: bool = False
) -> web.Response:
    return render_page(
        request,
        "lost.html",
        status=status,
        email=email,
        error=error,
        sent=sent,
        mail=request.app[DEPS].mail is not None,
        organizer_emails=organizer_emails(request),
    )


async def lost_form(request: web.Request) -> web.StreamResponse:
    return lost_page(request)


async def lost_post(request: web.Request) -> web.StreamResponse:
    """The same answer whether or not the address is registered: nobody learns who is. With
    e-mail on, the link goes to every registration of the address (an unconfirmed one gets
    its confirmation instead: the outbox decides); without, nothing is looked up."""
    t = page_translator(request)
    typed = _text((await request.post()).get("email"))
    if not typed.strip():
        return lost_page(request, status=400, email=typed, error=t("web-form-required"))
    try:
        validate_email(typed)
    except Invalid as problem:
        return lost_page(request, status=400, email=typed, error=t(problem.key, **problem.args_))
    deps = request.app[DEPS]
    if deps.mail is not None:
        async with deps.session_factory() as session:
            service = RegistrationService(session, deps.catalog, deps.clock)
            if await service.send_lost_links(typed):
                deps.mail.wake()
    return lost_page(request, sent=True)


WEB_REGISTRATIONS = web.AppKey("web_registrations", WebRegistrations)


async def _finish_writing(app: web.Application) -> None:
    await app[WEB_REGISTRATIONS].close()


def setup(app: web.Application) -> None:
    # event.html shows a blank form when a page other than the form's POST renders it.
    app[RENDERER].globals["blank_registration_form"] = blank_form
    # link_help.html points to the bot's /me only when there is a bot to ask.
    app[RENDERER].globals["bot_known"] = lambda: app[DEPS].bot_username() is not None
    deps = app[DEPS]
    app[WEB_REGISTRATIONS] = WebRegistrations(
        deps.session_factory, deps.catalog, deps.clock, mail=deps.mail is not None
    )
    app.on_cleanup.append(_finish_writing)
    app.router.add_post("/e/{slug}", register, name="register")
    app[REFILLED_POSTS]["/e/{slug}"] = refill
    app.router.add_get("/e/{slug}/check-mail", check_mail, name="check_mail")
    app.router.add_get("/lost", lost_form, name="lost")
    app.router.add_post("/lost", lost_post)
