"""`/me/<token>`: a registrant's personal page, reached by an unguessable token (only its hash
is stored; RegistrationService looks it up and compares it in constant time). Everything the
bot lets a participant do about their registration, through the same services: the answers
and their edit (the chat form's validators and error texts), cancel and restore, erase, the
calendar file, the meeting link from the moment /link shows it, the ticket for the door of an
offline venue (or the place on its waiting list), check-in, the certificate PDF,
the feedback, "Connect Telegram", where messages go (for a person reachable both in Telegram
and at a confirmed address, with e-mail on) and a new link.

The venue (an event with offline venues) is chosen in the edit form by the rules of the bot's
/edit, through the same service (RegistrationService.update_registration and
bot/services/venues/seats.py): each venue with its free seats counted for the page, a full
one's choice being its waiting list (said so), the venue one holds kept with its seat or place
in line, a seat taken meanwhile refused with the venues counted again. A seat given up goes to
the first in line, whose notice is queued with it (the bot's regular look sends it in Telegram,
the mail outbox by e-mail).

The page opens with its own token, or with an e-mailed link's (`<id>.<signature>`,
bot/services/registration/mail_links.py: signed under the web secret for the registration's
current token, so a new link ends the e-mailed ones too). A pending registration (made on the
web with e-mail on, its address not confirmed yet) shows only the confirmation: the event and a
Confirm button, since mail scanners open links and a GET confirms nothing; the button
(`POST /me/<token>/confirm`, an e-mailed link's token only: it proves the mailbox) makes it
active and queues "you are registered". An active registration whose address is not confirmed
shows the same button as a notice.

An unknown, revoked or erased token is a plain 404 that says nothing more. Every response
under /me/ is private: no referrer leaves it (the token is in the address), no search engine
keeps it, no cache stores it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.i18n import Translator
from bot.messages import attends_offline
from bot.services.certificates.attendance import CheckIn, check_in_registration, checked_in
from bot.services.certificates.feedback import RATINGS, feedback_of, save_comment, save_rating
from bot.services.certificates.issue import document_labels
from bot.services.events.catalog import EventFormat, EventState, Venue
from bot.services.events.timefmt import moment_args, span_args
from bot.services.registration.countries import (
    BUTTON_COUNTRIES,
    canonical_country,
    country_key,
    country_label,
    known_names,
)
from bot.services.registration.form import (
    FIELD_ORDER,
    OPTIONAL_FIELDS,
    VENUE,
    VENUE_WAIT,
    Field,
    Invalid,
    ParticipationFormat,
    Role,
    field_applies,
    parse_choice,
    validate_text,
    venue_applies,
)
from bot.services.registration.mail_links import is_signed
from bot.services.registration.registrations import (
    BY_ID,
    BY_TOKEN,
    EmailTaken,
    EventOver,
    FormIncomplete,
    RegistrationClosed,
    RegistrationError,
    RegistrationService,
    UserRegistration,
    VenueRefused,
    answers_of,
    token_params,
)
from bot.services.reminders.calendar import attendee_ics, offline_location
from bot.services.reminders.ledger import SHOWN, record_link_shown, shown_link
from bot.services.reminders.planner import link_release_at, link_released
from bot.services.reminders.runner import effective_link
from bot.services.venues.door import doors_close
from bot.services.venues.seats import seat_counts
from bot.services.venues.tickets import (
    holds_seat,
    is_waiting,
    issue_ticket,
    qr_svg_data_uri,
    shown_code,
    waiting_place,
)
from db.models import Attendance, Certificate, DeliverVia, Delivery, Feedback, Registration
from web.context import CONFIG, DEPS, REFILLED_POSTS
from web.errors import PageNotFound
from web.form_errors import web_error_key
from web.language import page_language
from web.render import RENDERER, html_response
from web.routes.registration import VENUE_INPUT, WAIT_PREFIX, VenueChoice, venue_choices
from web.routes.registration import label as choice_label

T = TypeVar("T")
# The token is in the address: nothing may carry it elsewhere or keep the page.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}
# What `?done=` may announce after an action (anything else is ignored): message, and whether
# it is good news.
DONE: dict[str, tuple[str, bool]] = {
    "saved": ("web-me-saved", True),
    "cancelled": ("web-me-cancelled", True),
    "restored": ("web-me-restored", True),
    "feedback": ("feedback-thanks", True),
    "confirmed": ("web-confirmed", True),
    "deliver-via": ("web-me-deliver-via-saved", True),
    **{f"checkin-{r.value}": (f"checkin-{r.value}", r is CheckIn.DONE) for r in CheckIn},
}
# A rule that refused "restore", as the page says it.
REFUSALS: dict[type[RegistrationError], str] = {
    EmailTaken: "web-me-email-taken",
    RegistrationClosed: "err-registration-closed-short",
    EventOver: "web-state-over",
}
CHECKIN_METHOD = "web"
COMMENT_FIELD_LIMIT = 2000


class TokenUnknown(PageNotFound):
    """Unknown, revoked or erased: the ordinary 404 page, with the private headers."""

    def __init__(self) -> None:
        super().__init__()
        self.headers.update(PRIVATE_HEADERS)


@dataclass(frozen=True)
class Problem:
    """A message with its arguments: a refused answer, or a refused action."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Extras:
    """What the page shows besides the registration: its certificate's number (the same row,
    so the same number, as the bot's), the rating given for it, whether the person checked
    in, and the meeting link last recorded as shown to them (the ledger's, for corrections)."""

    certificate_number: str | None
    rating: int | None
    checked_in: bool
    shown_link: str | None = None


SHOWN_ROW = aliased(Delivery)


def _page_query(by: Any) -> Any:
    return (
        by.add_columns(Certificate.number, Feedback.rating, Attendance.id, SHOWN_ROW.link)
        .outerjoin(Certificate, Certificate.registration_id == Registration.id)
        .outerjoin(Feedback, Feedback.certificate_id == Certificate.id)
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .outerjoin(
            SHOWN_ROW,
            and_(SHOWN_ROW.registration_id == Registration.id, SHOWN_ROW.kind == SHOWN),
        )
    )


# The page's one query: the registration a token names (with its event's row), its
# certificate's number, the rating, the check-in and the link shown. Built once, like BY_TOKEN;
# by the id for an e-mailed link's token.
PAGE_QUERY = _page_query(BY_TOKEN)
PAGE_QUERY_BY_ID = _page_query(BY_ID)


@dataclass
class Visit:
    """One request to a personal page: the registration its token opens, and how to act on it;
    `extras` when the page was read with the registration (the page itself)."""

    request: web.Request
    session: AsyncSession
    service: RegistrationService
    reg: UserRegistration
    token: str
    extras: Extras | None = None

    @cached_property
    def lang(self) -> str:
        # The visitor's choice, else the browser's, else the language they registered in.
        return page_language(self.request) or self.reg.row.language

    @property
    def t(self) -> Translator:
        return self.request.app[DEPS].i18n(self.lang)

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        return self.request.app[RENDERER].kept(key, make)

    @property
    def home(self) -> str:
        return f"/me/{self.token}"

    @property
    def signed(self) -> bool:
        """Opened through an e-mailed link: whoever holds it reads that mailbox."""
        return is_signed(self.token)

    @property
    def mail_on(self) -> bool:
        return self.request.app[DEPS].mail is not None


class ConfirmFirst(web.HTTPSeeOther):
    """A pending registration's page is its confirmation: its actions wait for it."""

    def __init__(self, home: str) -> None:
        super().__init__(home, headers=PRIVATE_HEADERS)


@asynccontextmanager
async def visit(request: web.Request, *, pending_ok: bool = False) -> AsyncIterator[Visit]:
    """The registration the address's token opens, for an action; a pending one goes back to
    its confirmation unless the action is for it too (`pending_ok`)."""
    deps = request.app[DEPS]
    token = request.match_info["token"]
    async with deps.session_factory() as session:
        service = RegistrationService(session, deps.catalog, deps.clock)
        reg = await service.registration_by_token(token, request.app[CONFIG].secret)
        if reg is None:
            raise TokenUnknown()
        v = Visit(request, session, service, reg, token)
        if reg.pending and not pending_ok:
            raise ConfirmFirst(v.home)
        yield v


@asynccontextmanager
async def page_visit(request: web.Request) -> AsyncIterator[Visit]:
    """`visit` for showing the page: the registration, its event, certificate, feedback,
    check-in and the link shown in one query (one round trip to the database instead of
    five)."""
    deps = request.app[DEPS]
    token = request.match_info["token"]
    params = token_params(token, signed_ok=True)
    if params is None:
        raise TokenUnknown()
    query = PAGE_QUERY_BY_ID if is_signed(token) else PAGE_QUERY
    async with deps.session_factory() as session:
        service = RegistrationService(session, deps.catalog, deps.clock)
        found = (await session.execute(query, params)).first()
        secret = request.app[CONFIG].secret
        reg = None if found is None else service.opened_by(token, found[0], secret)
        if found is None or reg is None:
            raise TokenUnknown()
        columns: tuple[Any, ...] = tuple(found)
        number, rating, attendance, shown = columns[1:]
        extras = Extras(number, rating, checked_in=attendance is not None, shown_link=shown)
        yield Visit(request, session, service, reg, token, extras)


def private(response: web.Response) -> web.Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def see_other(location: str) -> web.Response:
    return private(web.Response(status=303, headers={"Location": location}))


def page(v: Visit, template: str, *, status: int = 200, **context: Any) -> web.Response:
    html = v.request.app[RENDERER].html(v.request, template, v.lang, **context)
    return private(html_response(html, status))


# --- the page ---------------------------------------------------------------------------------


def display_value(t: Translator, name: Field, value: Any) -> str:
    """An answer as the bot shows it in /me (not escaped: the template does that)."""
    if name is Field.ROLE:
        return t(f"role-{value}")
    if name is Field.FORMAT:
        return choice_label(t(f"format-{value}"))
    if name is Field.WANTS_TO_SPEAK:
        return t("answer-yes") if value else t("answer-no")
    if name is Field.PHONE and not value:
        return t("answer-not-given")
    if name is Field.COUNTRY:
        return country_label(t, value)
    return str(value)


def field_label(t: Translator, name: Field) -> str:
    return t(f"field-{name.value.replace('_', '-')}")


def answer_rows(t: Translator, reg: UserRegistration) -> list[tuple[str, str]]:
    answers = answers_of(reg.row)
    hybrid = reg.event.format is EventFormat.HYBRID
    rows = [
        (field_label(t, name), display_value(t, name, answers[name]))
        for name in FIELD_ORDER
        if field_applies(name, answers, hybrid) and name in answers
    ]
    venue = held_venue(reg)
    if venue is not None:
        name = venue.name.get(t.lang)
        waiting = reg.row.venue_waiting_since is not None
        rows.append((t("field-venue"), t("venue-value-waiting", venue=name) if waiting else name))
    return rows


def held_venue(reg: UserRegistration) -> Venue | None:
    """The venue the person comes to (a seat or a place in line), if any."""
    if not attends_offline(reg.event, reg.row.participation_format):
        return None
    return reg.event.venue_by_id(reg.row.venue_id)


def form_values(t: Translator, reg: UserRegistration) -> dict[str, str]:
    """The saved answers as the edit form's inputs show them."""
    answers = answers_of(reg.row)
    values = {name: "" if value is None else str(value) for name, value in answers.items()}
    values[Field.COUNTRY] = country_label(t, reg.row.country)
    values[Field.WANTS_TO_SPEAK] = "yes" if reg.row.wants_to_speak else "no"
    venue = held_venue(reg)
    values[VENUE_INPUT] = venue.id if venue is not None else ""
    return values


async def venue_options(v: Visit) -> list[VenueChoice]:
    """The edit form's venues with their seats counted now (none for an event without venues):
    as the registration form shows them, except the venue the person holds, which keeps their
    seat or place in line and says so."""
    event, row, t = v.reg.event, v.reg.row, v.t
    if not event.venues:
        return []
    seats = await seat_counts(v.session, event, row.event_id)
    held = held_venue(v.reg)
    choices = []
    for choice in venue_choices(t, event, seats):
        if held is not None and choice.value.removeprefix(WAIT_PREFIX) == held.id:
            key = "web-me-venue-held-waiting" if row.venue_waiting_since else "web-me-venue-held"
            choice = VenueChoice(held.id, choice.name, choice.address, t(key))
        choices.append(choice)
    return choices


def meeting(v: Visit) -> dict[str, Any] | None:
    """The meeting block, by the rule of /link: the link, ID and passcode from the moment the
    bot would show them (bot.services.reminders.planner.link_released), the venue for those
    who come in person; nothing for a cancelled registration or a past event."""
    event, now, t = v.reg.event, v.request.app[DEPS].clock.now(), v.t
    if not v.reg.active or event.state(now) is EventState.OVER:
        return None
    release = link_release_at(event)
    released = link_released(event, now)
    venue = ""
    if attends_offline(event, v.reg.row.participation_format):
        # Where they come: the venue chosen, as the calendar file and the ticket say; a place
        # in its line is no seat yet, and says so.
        venue = offline_location(event, v.reg.row.venue_id, v.lang)
        if is_waiting(v.reg.row):
            venue = t("venue-value-waiting", venue=venue)
    return {
        "venue": venue,
        "released": released,
        "link": effective_link(event) if released else "",
        "id": event.meeting.id if released else "",
        "passcode": event.meeting.passcode if released else "",
        "release": v.kept(
            ("time-moment", release, v.lang),
            lambda: t("time-moment", **moment_args(release, v.lang)),
        )
        if release
        else "",
    }


async def ticket_of(v: Visit) -> dict[str, Any] | None:
    """The ticket for the door of the registration's venue, as /ticket gives it (issued on the
    first look), or its place on the venue's waiting list; None for everyone else (online, no
    venue, cancelled, the doors closed). No query for them: the page stays one query."""
    row, event = v.reg.row, v.reg.event
    venue = event.venue_by_id(row.venue_id)
    if venue is None or not v.reg.active or v.request.app[DEPS].clock.now() >= doors_close(event):
        return None
    place = {"venue": venue.name.get(v.lang), "address": venue.address.get(v.lang)}
    if holds_seat(row):
        code = await issue_ticket(v.session, row)
        return {**place, "waiting": False, "code": shown_code(code), "qr": qr_svg_data_uri(code)}
    if is_waiting(row):
        return {**place, "waiting": True, "position": await waiting_place(v.session, row)}
    return None


async def certificate_of(session: AsyncSession, registration_id: int) -> Certificate | None:
    """The registration's certificate (the same row, so the same number, as the bot's)."""
    return await session.scalar(
        select(Certificate).where(Certificate.registration_id == registration_id)
    )


async def extras_of(v: Visit) -> Extras:
    if v.extras is not None:
        return v.extras
    certificate = await certificate_of(v.session, v.reg.row.id)
    feedback = await feedback_of(v.session, certificate.id) if certificate else None
    return Extras(
        certificate_number=certificate.number if certificate else None,
        rating=feedback.rating if feedback else None,
        checked_in=await checked_in(v.session, v.reg.row.id),
        shown_link=await shown_link(v.session, v.reg.row.id),
    )


def chooses_channels(v: Visit) -> bool:
    """Reachable both ways, so the person chooses where messages go: e-mail on, a Telegram chat
    bound, a confirmed address that has not bounced."""
    row = v.reg.row
    return (
        v.mail_on
        and v.reg.active
        and row.user_id is not None
        and row.email is not None
        and row.email_confirmed_at is not None
        and row.email_bounced_at is None
    )


def telegram_state(v: Visit) -> str:
    if v.reg.row.user_id is not None:
        return "connected"
    return "available" if v.request.app[DEPS].bot_username() else "unavailable"


async def render_personal(
    v: Visit,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
    notice: Problem | None = None,
    notice_good: bool = True,
    feedback_error: bool = False,
    new_link: str = "",
    edit_open: bool = False,
) -> web.Response:
    deps = v.request.app[DEPS]
    now = deps.clock.now()
    event, row, t = v.reg.event, v.reg.row, v.t
    state = event.state(now)
    done = DONE.get(v.request.query.get("done", ""))
    if notice is None and done is not None:
        notice, notice_good = Problem(done[0]), done[1]
    extras = await extras_of(v)
    hybrid = event.format is EventFormat.HYBRID
    meeting_block = meeting(v)
    ticket = await ticket_of(v)
    unconfirmed = (
        v.mail_on and v.reg.active and row.email_key is not None and not row.email_confirmed_at
    )
    editable = v.reg.active and state is not EventState.OVER
    response = page(
        v,
        "personal.html",
        status=status,
        event=event,
        row=row,
        active=v.reg.active,
        home=v.home,
        welcome=v.request.query.get("welcome") == "1" and v.reg.active,
        notice=notice,
        notice_good=notice_good,
        new_link=new_link,
        times=v.kept(
            ("time-span", event.starts_at, event.ends_at, v.lang),
            lambda: t("time-span", **span_args(event.starts_at, event.ends_at, v.lang)),
        ),
        status_text=t(
            "reg-status", status=t(f"status-{'active' if v.reg.active else 'cancelled'}")
        ),
        answers=answer_rows(t, v.reg),
        editable=editable,
        edit_open=edit_open or bool(errors),
        values=values or form_values(t, v.reg),
        errors=errors or {},
        fields=v.kept(("edit-fields", v.lang, hybrid), lambda: form_fields(t, hybrid)),
        venues=await venue_options(v) if editable else [],
        # Where the venue's choice goes in the form: after the format (or after the role).
        venue_after=Field.FORMAT.value if hybrid else Field.ROLE.value,
        meeting=meeting_block,
        ticket=ticket,
        # The address to confirm: with the button (an e-mailed link), or where the link is.
        confirm_address=("button" if v.signed else "sent") if unconfirmed else "",
        checkin_open=v.reg.active and event.checkin_open(now),
        checked_in=extras.checked_in,
        certificate_number=extras.certificate_number,
        rating=extras.rating,
        feedback_error=feedback_error,
        telegram=telegram_state(v),
        # Where messages go, for a person reachable both ways; "" hides the form.
        deliver_via=row.deliver_via if chooses_channels(v) else "",
        deliver_via_choices=[c.value for c in DeliverVia],
        can_cancel=v.reg.active and state is not EventState.OVER,
        can_restore=not v.reg.active and state is EventState.OPEN,
    )
    shown = meeting_block["link"] if meeting_block else ""
    if shown and shown != extras.shown_link:
        # As /link in the chat: a later change of link is sent to them as a correction.
        await record_link_shown(
            v.session, registration_id=row.id, event_id=row.event_id, link=shown, now=now
        )
        await v.session.commit()
    return response


def confirm_page(v: Visit) -> web.Response:
    """A pending registration's page: the event and the Confirm button (a GET confirms
    nothing: mail scanners open links)."""
    return page(v, "confirm_email.html", event=v.reg.event, home=v.home)


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # text | email | tel | select | radio
    options: list[tuple[str, str]] = field(default_factory=list)
    optional: bool = False
    autocomplete: str = ""


AUTOCOMPLETE = {
    Field.FULL_NAME: "name",
    Field.COUNTRY: "country-name",
    Field.CITY: "address-level2",
    Field.ORGANIZATION: "organization",
    Field.EMAIL: "email",
    Field.PHONE: "tel",
}


def form_fields(t: Translator, hybrid: bool) -> list[FormField]:
    """The edit form's fields in the chat form's order, with the chat's labels and choices."""
    out = []
    for name in FIELD_ORDER:
        if name is Field.FORMAT and not hybrid:
            continue
        label = field_label(t, name)
        if name is Field.ROLE:
            options = [(r.value, t(f"role-{r.value}")) for r in Role]
            out.append(FormField(name, label, "select", options))
        elif name is Field.FORMAT:
            # The registration form's words, without the chat buttons' emoji.
            options = [(f.value, choice_label(t(f"format-{f.value}"))) for f in ParticipationFormat]
            out.append(FormField(name, label, "radio", options))
        elif name is Field.WANTS_TO_SPEAK:
            options = [
                ("yes", choice_label(t("btn-speak-yes"))),
                ("no", choice_label(t("btn-speak-no"))),
            ]
            out.append(FormField(name, label, "radio", options))
        else:
            kind = {Field.EMAIL: "email", Field.PHONE: "tel"}.get(name, "text")
            # Typed countries are kept as typed; the form suggests the coded ones.
            options = [(t(country_key(c)), "") for c in BUTTON_COUNTRIES]
            out.append(
                FormField(
                    name,
                    label,
                    kind,
                    options if name is Field.COUNTRY else [],
                    optional=name in OPTIONAL_FIELDS,
                    autocomplete=AUTOCOMPLETE.get(name, "off"),
                )
            )
    return out


def read_answers(
    v: Visit, form: MultiDictProxy[Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, Problem]]:
    """The edit form checked by the chat form's rules: the answers, what was typed (to show it
    again), and a problem per refused field (the chat's error message)."""
    hybrid = v.reg.event.format is EventFormat.HYBRID
    names = known_names(v.request.app[DEPS].i18n.all())
    answers: dict[str, Any] = {}
    typed: dict[str, str] = {}
    errors: dict[str, Problem] = {}
    for name in FIELD_ORDER:
        raw = form.get(name.value)
        typed[name] = raw if isinstance(raw, str) else ""
        if not field_applies(name, answers, hybrid):
            continue
        try:
            answers[name] = read_answer(name, typed[name], names)
        except Invalid as problem:
            errors[name] = Problem(web_error_key(problem.key), problem.args_)
        except ValueError:
            errors[name] = Problem("web-me-choose")
            # An unanswered "speak?" leaves the topic out rather than refusing it too.
            answers.setdefault(name, False if name is Field.WANTS_TO_SPEAK else "")
    read_venue(v, form, answers, typed, errors)
    return answers, typed, errors


def read_venue(
    v: Visit,
    form: MultiDictProxy[Any],
    answers: dict[str, Any],
    typed: dict[str, str],
    errors: dict[str, Problem],
) -> None:
    """The venue, for those who come in person to an event with venues: a venue's id, or
    `wait:<id>` (a full venue's waiting list). A form without the venue (an event without
    venues, a page from before) keeps the one held."""
    event = v.reg.event
    raw = form.get(VENUE_INPUT)
    if not isinstance(raw, str):
        return
    typed[VENUE_INPUT] = raw
    hybrid = event.format is EventFormat.HYBRID
    if not venue_applies(answers, has_venues=bool(event.venues), hybrid=hybrid):
        return
    venue = event.venue_by_id(raw.removeprefix(WAIT_PREFIX))
    if venue is None:
        errors[VENUE_INPUT] = Problem("web-err-venue-choose")
        return
    answers[VENUE] = venue.id
    # The venue held is kept as it is (a seat, or the place in line); another one is a seat
    # if one is free, its waiting list only when chosen as such.
    answers[VENUE_WAIT] = raw.startswith(WAIT_PREFIX) or venue.id == v.reg.row.venue_id


def read_answer(name: Field, raw: str, country_names: dict[str, str]) -> Any:
    if name in (Field.ROLE, Field.FORMAT, Field.WANTS_TO_SPEAK):
        return parse_choice(name, raw)
    if name is Field.PHONE and not raw.strip():
        return ""  # optional: empty is "not given", as the chat's "Skip"
    value = validate_text(name, raw)
    if name is Field.COUNTRY:
        # "россия" typed is the same country as the Россия / 俄罗斯 suggestion.
        return canonical_country(value, country_names)
    return value


async def personal_page(request: web.Request) -> web.StreamResponse:
    async with page_visit(request) as v:
        if v.reg.pending:
            return confirm_page(v)
        return await render_personal(v)


async def confirm_address(request: web.Request) -> web.StreamResponse:
    """The Confirm button: the address is confirmed (a pending registration becomes active)
    and, with e-mail on, "you are registered" is queued; pressed twice, nothing more happens.
    Only an e-mailed link's token confirms: the page's own token proves no mailbox."""
    mail = request.app[DEPS].mail
    async with visit(request, pending_ok=True) as v:
        if not v.signed:
            return see_other(v.home)
        if await v.service.confirm_email(v.reg, mail=mail is not None) and mail is not None:
            mail.wake()
        if v.reg.active and v.reg.row.email_confirmed_at is not None:
            return see_other(f"{v.home}?done=confirmed")
        return see_other(v.home)


def edit_closed(v: Visit) -> Problem | None:
    """Why answers can no longer be changed (a form opened before), or None: the registration
    was cancelled meanwhile (another tab, the bot, an organizer), or the event is over."""
    if not v.reg.active:
        return Problem("web-me-edit-cancelled")
    if v.reg.event.state(v.request.app[DEPS].clock.now()) is EventState.OVER:
        return Problem("web-me-edit-closed")
    return None


async def save_answers(request: web.Request, *, token_refused: bool = False) -> web.StreamResponse:
    """`token_refused`: the form came without a valid CSRF token (opened long ago, in another
    browser, or forged elsewhere; web/csrf.py): the page again with the answers as typed, the
    form open and a new token, nothing saved (403)."""
    form = await request.post()
    async with visit(request) as v:
        closed = edit_closed(v)
        if closed is not None:
            return await render_personal(v, status=409, notice=closed)
        answers, typed, errors = read_answers(v, form)
        if token_refused:
            notice = Problem("web-me-edit-expired")
            return await render_personal(
                v, status=403, values=typed, notice=notice, notice_good=False, edit_open=True
            )
        status = 400
        if not errors:
            mail = v.request.app[DEPS].mail
            try:
                await v.service.update_registration(v.reg, answers, mail=mail is not None)
                if mail is not None:
                    # A changed address: its confirmation; a seat given up: the letter of
                    # whoever it went to.
                    mail.wake()
                return see_other(f"{v.home}?done=saved")
            except EmailTaken:
                await v.session.refresh(v.reg.row)
                errors[Field.EMAIL] = Problem("web-me-email-taken")
            except FormIncomplete:
                # "Offline" chosen at an event with venues, and no venue with it.
                errors[VENUE_INPUT] = Problem("web-err-venue-choose")
            except VenueRefused as refused:
                # The last seat went to someone faster (the venues are counted again), or the
                # venue left the events file.
                await v.session.refresh(v.reg.row)
                key = "web-err-venue-full" if refused.venue is not None else "web-err-venue-choose"
                errors[VENUE_INPUT], status = Problem(key), 409
        return await render_personal(
            v, status=status, values=typed, errors=errors, notice=Problem("web-me-fix-errors")
        )


# --- cancel, restore, erase ----------------------------------------------------------------


async def confirm_cancel(request: web.Request) -> web.StreamResponse:
    async with visit(request) as v:
        if not v.reg.active:
            return see_other(v.home)
        return page(
            v,
            "confirm.html",
            keep="web-me-keep",
            home=v.home,
            action="cancel",
            title="web-me-cancel-title",
            text=v.t("web-me-cancel-text", event=v.reg.event.title.get(v.lang)),
            yes="web-me-cancel-yes",
        )


async def cancel(request: web.Request) -> web.StreamResponse:
    async with visit(request) as v:
        now = v.request.app[DEPS].clock.now()
        if v.reg.active and v.reg.event.state(now) is not EventState.OVER:
            await v.service.cancel_registration(v.reg)
            return see_other(f"{v.home}?done=cancelled")
        return see_other(v.home)


async def restore(request: web.Request) -> web.StreamResponse:
    async with visit(request) as v:
        if v.reg.active:
            return see_other(v.home)
        try:
            await v.service.restore_registration(v.reg)
        except RegistrationError as refused:
            await v.session.refresh(v.reg.row)
            key = REFUSALS.get(type(refused), refused.key)
            return await render_personal(v, status=409, notice=Problem(key), notice_good=False)
        return see_other(f"{v.home}?done=restored")


async def confirm_erase(request: web.Request) -> web.StreamResponse:
    async with visit(request, pending_ok=True) as v:
        return page(
            v,
            "confirm.html",
            keep="web-me-keep",
            home=v.home,
            action="erase",
            title="web-me-erase-title",
            text=v.t("web-me-erase-text"),
            yes="web-me-erase-yes",
        )


async def erase(request: web.Request) -> web.StreamResponse:
    """The rule of /delete_me for this registration: it stays as an anonymous count, its token
    and bind code stop working."""
    async with visit(request, pending_ok=True) as v:
        lang = v.lang
        await v.service.erase_registration(v.reg)
        renderer = request.app[RENDERER]
        return private(html_response(renderer.html(request, "personal_erased.html", lang)))


# --- the calendar, check-in, the certificate, feedback ----------------------------------------


async def calendar(request: web.Request) -> web.StreamResponse:
    async with visit(request) as v:
        if not v.reg.active:
            # A cancelled registration has no event to add: its page says so, and offers the
            # restore while registration is open.
            return see_other(v.home)
        event, t, now = v.reg.event, v.t, v.request.app[DEPS].clock.now()
        # As the bot's calendar file: the link in it only once the bot would show it.
        data = attendee_ics(
            event,
            lang=v.lang,
            offline=attends_offline(event, v.reg.row.participation_format),
            venue_id=v.reg.row.venue_id,
            link=effective_link(event),
            now=now,
            note=t("web-me-calendar-description"),
            online_location=t("web-me-calendar-location-online"),
        )
        return private(
            web.Response(
                body=data,
                content_type="text/calendar",
                charset="utf-8",
                headers={
                    "Content-Disposition": attachment(f"{event.slug}.ics", f"{event.slug}.ics"),
                    "Cache-Control": "no-store",
                },
            )
        )


async def check_in(request: web.Request) -> web.StreamResponse:
    async with visit(request) as v:
        result = await check_in_registration(
            v.session, v.request.app[DEPS].clock, v.reg.event, v.reg.row, CHECKIN_METHOD
        )
        return see_other(f"{v.home}?done=checkin-{result.value}")


# Anything but letters, digits and a few safe signs becomes "_" in the plain file name.
UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str, ascii_fallback: str) -> str:
    """Content-Disposition for a download: the plain name for old clients and the localised
    one in RFC 5987 encoding (Сертификат-NP25-0001-ABCD.pdf, 参会证书-NP25-0001-ABCD.pdf)."""
    plain = UNSAFE_IN_FILENAME.sub("_", ascii_fallback)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def certificate_pdf(request: web.Request) -> web.StreamResponse:
    render = request.app[DEPS].render_certificate
    async with visit(request) as v:
        certificate = await certificate_of(v.session, v.reg.row.id)
        if certificate is None or render is None:
            raise TokenUnknown()
        # The bot's renderer on the bot's row: the same document and number as in Telegram.
        data = await render(v.reg.event, certificate, None)
        _, filename = document_labels(v.t, certificate)
        return private(
            web.Response(
                body=data,
                content_type="application/pdf",
                headers={
                    "Content-Disposition": attachment(
                        filename, f"certificate-{certificate.number}.pdf"
                    ),
                    "Cache-Control": "no-store",
                },
            )
        )


async def feedback(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    async with visit(request) as v:
        certificate = await certificate_of(v.session, v.reg.row.id)
        if certificate is None:
            return see_other(v.home)
        raw = form.get("rating")
        rating = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
        if rating not in RATINGS:
            return await render_personal(v, status=400, feedback_error=True)
        await save_rating(v.session, v.request.app[DEPS].clock, certificate, rating)
        comment = form.get("comment")
        if isinstance(comment, str) and comment.strip():
            await save_comment(v.session, certificate.id, comment[:COMMENT_FIELD_LIMIT])
        return see_other(f"{v.home}?done=feedback")


# --- Telegram, where messages go, and a new link -------------------------------------------


async def connect_telegram(request: web.Request) -> web.StreamResponse:
    """A fresh one-time code per click, straight into the bot: t.me/<bot>?start=bind-<code>
    (the bot's /start binds the registration to the chat that opens it)."""
    username = request.app[DEPS].bot_username()
    async with visit(request) as v:
        if v.reg.row.user_id is not None or not username:
            return see_other(v.home)
        code = await v.service.issue_bind_code(v.reg.row)
        return see_other(f"https://t.me/{username}?start=bind-{code}")


async def deliver_via(request: web.Request) -> web.StreamResponse:
    """Both, Telegram only or e-mail only: saved for a person reachable both ways (the
    reminder runner and the certificates honour it; never nobody: a channel that stops
    working gives way to the other)."""
    form = await request.post()
    async with visit(request) as v:
        if not chooses_channels(v):
            return see_other(v.home)
        raw = form.get("deliver_via")
        choices = {c.value: c for c in DeliverVia}
        if not isinstance(raw, str) or raw not in choices:
            return await render_personal(
                v, status=400, notice=Problem("web-me-choose"), notice_good=False
            )
        row = v.reg.row
        if row.deliver_via != choices[raw]:
            row.deliver_via = choices[raw]
            row.updated_at = v.request.app[DEPS].clock.now()
            await v.session.commit()
        return see_other(f"{v.home}?done=deliver-via")


async def new_link(request: web.Request) -> web.StreamResponse:
    """Revoke the token and issue another: the page shows the new link once (only its hash is
    stored), and its forms already use it."""
    async with visit(request) as v:
        v.token = await v.service.issue_access_token(v.reg.row)
        link = f"{request.app[CONFIG].public_url}{v.home}"
        return await render_personal(v, new_link=link)


def setup(app: web.Application) -> None:
    app.router.add_get("/me/{token}", personal_page, name="personal")
    app.router.add_post("/me/{token}/confirm", confirm_address)
    app.router.add_post("/me/{token}/edit", save_answers)
    app[REFILLED_POSTS]["/me/{token}/edit"] = partial(save_answers, token_refused=True)
    app.router.add_get("/me/{token}/cancel", confirm_cancel)
    app.router.add_post("/me/{token}/cancel", cancel)
    app.router.add_post("/me/{token}/restore", restore)
    app.router.add_get("/me/{token}/erase", confirm_erase)
    app.router.add_post("/me/{token}/erase", erase)
    app.router.add_get("/me/{token}/calendar.ics", calendar)
    app.router.add_post("/me/{token}/checkin", check_in)
    app.router.add_get("/me/{token}/certificate.pdf", certificate_pdf)
    app.router.add_post("/me/{token}/feedback", feedback)
    app.router.add_get("/me/{token}/telegram", connect_telegram)
    app.router.add_post("/me/{token}/deliver-via", deliver_via)
    app.router.add_post("/me/{token}/new-link", new_link)
