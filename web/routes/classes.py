"""A teacher registers a class on the web page (`/e/<slug>/class`), and the class page
(`/class/<token>`).

The same rules and texts as the bot's class form (handlers/classes.py): the teacher's details
checked by the participant form's validators, the class name and size by ClassService's, the
roster parsed by bot/services/classes/roster.py from pasted text or an uploaded .txt, .csv or
.xlsx file, with the same messages for every refused row. One page for the form; a second one
shows the roster as it was understood (names, repeats, blank rows, the header skipped) before
anything is saved. That page carries the form again in hidden fields, the roster as the names
it found, one a line: confirming parses them again with the same rules, so nothing on it is
trusted, and there is nothing to sign or to keep on the server between the two steps.

After registering, the browser is sent (303) to the class page `/class/<token>?welcome=1`.
Its token is returned once and only its hash is stored (the personal page's pattern), and
every response under /class/ is private (no referrer, not indexed, not cached). The class page
shows the class and its roster, replaces the roster (the same preview) while registration is
open, gives the bot's two links (pupils ask to join, and the teacher approves or declines
each request here, which the bot then tells the pupil in the chat; the class's Telegram group
is bound for the reminders), the calendar file, cancels, checks the class in during the
event, after it hands out the letter of thanks and all the class's certificates as one ZIP,
and erases the teacher's data and the roster by the rule of /delete_me."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import I18n, Translator
from bot.services.certificates.attendance import CheckIn, check_in_class_page, class_checked_in
from bot.services.certificates.issue import (
    ClassPages,
    class_certificate,
    class_documents,
    class_pages,
    document_labels,
)
from bot.services.classes.classes import (
    MAX_STUDENTS,
    ClassError,
    ClassService,
    JoinDecision,
    RosterChange,
    TeacherDetails,
    group_link,
    pupil_link,
    validate_class_name,
    validate_size,
)
from bot.services.classes.roster import (
    MAX_FILE_BYTES,
    Roster,
    RosterError,
    check_roster_file,
    format_rows,
    parse_roster_file,
    parse_roster_text,
)
from bot.services.classes.roster_removals import replace_roster
from bot.services.events.catalog import Event, EventFormat, EventState
from bot.services.events.timefmt import moment_args, span_args
from bot.services.mailing.links import CLASS_PAGE
from bot.services.registration import mail_links
from bot.services.registration.access import new_secret
from bot.services.registration.countries import (
    BUTTON_COUNTRIES,
    canonical_country,
    country_key,
    country_label,
    known_names,
)
from bot.services.registration.form import CONSENT_VERSION, Field, Invalid, validate_text
from bot.services.registration.registrations import EventOver, RegistrationClosed, UnknownEvent
from bot.services.reminders.calendar import attendee_ics, offline_location
from bot.services.reminders.planner import link_release_at, link_released
from bot.services.reminders.runner import effective_link
from db.models import RegistrationStatus, SchoolClass, StudentStatus
from web.context import BACKGROUND, CONFIG, DEPS, Background
from web.errors import PageNotFound
from web.language import page_language
from web.render import RENDERER, html_response, render_page
from web.routes.personal import PRIVATE_HEADERS, attachment, private, see_other
from web.routes.registration import (
    COUNTRY_OTHER,
    HONEYPOT,
    OTHER,
    Choice,
    event_of,
    label,
    page_translator,
    plain,
    refused,
)

# The form's inputs, as the bot's class form names its answers (handlers/classes.py).
TEXT_INPUTS = ("teacher_name", "city", "school", "email", "phone", "class_name", "size")
KEPT_INPUTS = (*TEXT_INPUTS, "country", COUNTRY_OTHER, "roster", "consent")
ROSTER_FILE = "roster_file"
# Teacher details checked by the participant form's rules (school = organization), as in the bot.
DETAIL_FIELDS = {
    "teacher_name": Field.FULL_NAME,
    "city": Field.CITY,
    "school": Field.ORGANIZATION,
    "email": Field.EMAIL,
}
# What `?done=` may announce on the class page (anything else is ignored).
DONE = {
    "replaced": "classes-replaced",
    "cancelled": "classes-cancelled",
    "email-confirmed": "class-mail-confirmed",
    **{f"checkin-{r.value}": f"checkin-{r.value}" for r in CheckIn},
}
# A pupil's request decided on the class page: the bot's words to the teacher.
DECISIONS = {"approve": "class-join-approved-teacher", "decline": "class-join-declined-teacher"}


# --- the form -----------------------------------------------------------------------------


@dataclass
class ClassFormView:
    """What the class form shows: the typed values (kept as typed) and each input's error;
    the names and methods text_input and radio_group of form_fields.html use."""

    countries: list[Choice]
    hints: dict[str, str]
    consent_title: str
    consent_text: list[str]
    consent_label: str
    optional_label: str
    consent_version: str = CONSENT_VERSION
    max_students: int = MAX_STUDENTS
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # A file was chosen and something else was refused: the browser does not keep it.
    file_dropped: bool = False

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def anchor(self, name: str) -> str:
        return f"country-{self.countries[0].value}" if name == "country" else name


def blank_class_form(t: Translator) -> ClassFormView:
    # The bot's consent for the class, with the class page's erase button where the bot names
    # /delete_me (a web teacher has no chat to send it from); one consent version for both.
    consent_title, _, consent_text = plain(t("web-class-consent-text")).partition("\n")
    return ClassFormView(
        countries=[Choice(code, t(country_key(code))) for code in BUTTON_COUNTRIES],
        hints={
            "teacher_name": t("class-ask-teacher-name"),
            "country": t("class-ask-country"),
            "city": t("class-ask-city"),
            "school": t("class-ask-school"),
            "email": t("class-ask-email"),
            "phone": t("web-form-phone-hint"),
            "class_name": t("class-ask-class-name"),
            "size": t("class-ask-size", max=MAX_STUDENTS),
            "roster": t("web-class-roster-hint"),
            ROSTER_FILE: t("web-class-roster-file-hint", max_mb=MAX_FILE_BYTES / 2**20),
        },
        consent_title=consent_title.strip(),
        consent_text=[p.strip() for p in consent_text.split("\n\n") if p.strip()],
        consent_label=label(t("class-btn-accept")),
        optional_label=t("web-form-optional"),
    )


@dataclass(frozen=True)
class ClassAnswers:
    teacher: TeacherDetails
    name: str
    size: int
    roster: Roster


class ClassFormReader:
    """Reads a posted class form with the bot's rules: the answers, or each refused input's
    message (the bot's texts)."""

    def __init__(self, t: Translator, i18n: I18n, posted: MultiDictProxy[Any]) -> None:
        self.t = t
        self.i18n = i18n
        self.posted = posted
        self.values = {name: _text(posted.get(name)) for name in KEPT_INPUTS}
        self.errors: dict[str, str] = {}

    def read(self, *, consent: bool = True) -> ClassAnswers | None:
        details = {name: self._detail(name, item) for name, item in DETAIL_FIELDS.items()}
        country = self._country()
        phone = self._phone()
        name = self._checked("class_name", validate_class_name)
        size = self._checked("size", validate_size)
        roster = read_roster(self.t, self.posted, self.errors)
        if consent and self.values["consent"] != "yes":
            self.errors["consent"] = self.t("web-form-consent-required")
        if self.errors:
            return None
        assert name is not None and size is not None and roster is not None
        teacher = TeacherDetails(
            name=details["teacher_name"] or "",
            country=country or "",
            city=details["city"] or "",
            school=details["school"] or "",
            email=details["email"] or "",
            phone=phone,
        )
        return ClassAnswers(teacher, name, size, roster)

    def _detail(self, name: str, item: Field) -> str | None:
        raw = self.values[name]
        if not raw.strip():
            self.errors[name] = self.t("web-form-required")
            return None
        try:
            return validate_text(item, raw)
        except Invalid as problem:
            self.errors[name] = self.t(problem.key, **problem.args_)
            return None

    def _country(self) -> str | None:
        chosen = self.values["country"]
        if chosen in BUTTON_COUNTRIES:
            return chosen  # the code, as the bot's class form stores it
        if chosen != OTHER and not self.values[COUNTRY_OTHER].strip():
            self.errors["country"] = self.t("web-form-choose")
            return None
        typed = self._detail(COUNTRY_OTHER, Field.COUNTRY)
        return canonical_country(typed, known_names(self.i18n.all())) if typed else None

    def _phone(self) -> str:
        raw = self.values["phone"]
        if not raw.strip():
            return ""  # optional, as the bot's "Skip"
        try:
            return validate_text(Field.PHONE, raw)
        except Invalid:
            self.errors["phone"] = self.t("web-form-phone-invalid")
            return ""

    def _checked(self, name: str, check: Any) -> Any:
        try:
            return check(self.values[name])
        except ClassError as problem:
            self.errors[name] = self.t(problem.key, **problem.args_)
            return None


def read_roster(
    t: Translator, posted: MultiDictProxy[Any], errors: dict[str, str]
) -> Roster | None:
    """The roster from the uploaded file if one was chosen, else from the pasted text; a
    refusal is the bot's message for it (with the other bad rows), next to the input."""
    upload = posted.get(ROSTER_FILE)
    from_file = isinstance(upload, FileField) and bool(upload.filename)
    where = ROSTER_FILE if from_file else "roster"
    try:
        if isinstance(upload, FileField) and upload.filename:
            data = upload.file.read(MAX_FILE_BYTES + 1)
            check_roster_file(upload.filename, len(data))
            return parse_roster_file(upload.filename, data)
        text = _text(posted.get("roster"))
        if not text.strip():
            errors["roster"] = t("web-class-roster-required")
            return None
        return parse_roster_text(text)
    except RosterError as problem:
        message = t(problem.key, **problem.args_)
        others = problem.bad_rows[1:]
        if others:
            more = format_rows(others, lang=t.lang)
            message += " " + t("roster-more-bad-rows", count=len(others), rows=more)
        errors[where] = message
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class RosterPreview:
    """The roster as it was understood, said with the bot's messages."""

    names: tuple[str, ...]
    count: str
    duplicates: list[str]
    empty: str
    header: str


def roster_preview(t: Translator, roster: Roster) -> RosterPreview:
    def rows(numbers: tuple[int, ...]) -> str:
        return format_rows(numbers, lang=t.lang)

    empty, header = roster.empty_rows, roster.header_rows
    return RosterPreview(
        names=roster.names,
        count=t("web-class-preview-count", count=roster.count),
        duplicates=[
            label(t("roster-duplicate-line", name=d.name, rows=rows(d.rows)))
            for d in roster.duplicates
        ],
        empty=t("roster-empty-rows-line", count=len(empty), rows=rows(empty))
        if empty
        else t("web-class-preview-no-blank"),
        header=t("roster-header-line", count=len(header), rows=rows(header)) if header else "",
    )


@dataclass(frozen=True)
class ReplacementView:
    """What a new roster changes on the class page, in the bot's words (handlers/class_manage.py):
    (heading, names) groups; the pupils who joined by the link and would go; whether the
    "replace but keep them" button fits."""

    groups: list[tuple[str, list[str]]]
    joined: tuple[str, list[str]] | None
    keep_hint: str
    offer_keep: bool


def replacement_view(t: Translator, change: RosterChange) -> ReplacementView:
    groups: list[tuple[str, list[str]]] = [
        (plain(t("classes-replace-changes", count=change.current)), [])
    ]
    if change.same_pupils:
        groups.append((t("classes-replace-same"), []))
    if change.added:
        groups.append(
            (label(t("classes-replace-added", count=len(change.added))), list(change.added))
        )
    if change.removed:
        removed = t("classes-replace-removed", count=len(change.removed))
        groups.append((label(removed), list(change.removed)))
    if change.pending:
        groups.append((label(t("classes-replace-pending", count=change.pending)), []))
    names = [name for _, name in change.joined_dropped]
    joined = (label(t("classes-replace-joined", count=len(names))), names) if names else None
    offer_keep = change.offer_keep
    return ReplacementView(
        groups=groups,
        joined=joined,
        keep_hint=t("classes-replace-keep-hint") if offer_keep else "",
        offer_keep=offer_keep,
    )


def _student_ids(value: str) -> list[int]:
    """The pupils a preview named as going ("12,15"); anything else in the field is ignored."""
    return [int(part) for part in value.split(",") if part.isascii() and part.isdigit()]


def class_form_page(
    request: web.Request, event: Event, form: ClassFormView, status: int = 200
) -> web.Response:
    return render_page(request, "class_form.html", status=status, event=event, form=form)


def open_or_refused(request: web.Request, event: Event) -> web.Response | None:
    state = event.state(request.app[DEPS].clock.now())
    return None if state is EventState.OPEN else refused(request, event, state)


async def class_form(request: web.Request) -> web.StreamResponse:
    event = event_of(request)
    return open_or_refused(request, event) or class_form_page(
        request, event, blank_class_form(page_translator(request))
    )


def form_again(
    request: web.Request, event: Event, reader: ClassFormReader, *, status: int = 400
) -> web.Response:
    view = blank_class_form(reader.t)
    view.values, view.errors = reader.values, reader.errors
    upload = reader.posted.get(ROSTER_FILE)
    view.file_dropped = isinstance(upload, FileField) and bool(upload.filename)
    return class_form_page(request, event, view, status)


async def class_preview(request: web.Request) -> web.StreamResponse:
    """The form sent: refused inputs next to their fields, or the roster as understood."""
    event = event_of(request)
    if (closed := open_or_refused(request, event)) is not None:
        return closed
    t = page_translator(request)
    posted = await request.post()
    if _text(posted.get(HONEYPOT)):
        # A bot: it is shown what a person would be (an address that opens nothing), and
        # nothing is saved.
        raise web.HTTPSeeOther(f"/class/{new_secret()}?welcome=1")
    reader = ClassFormReader(t, request.app[DEPS].i18n, posted)
    answers = reader.read()
    if answers is None:
        return form_again(request, event, reader)
    values = {**reader.values, "roster": "\n".join(answers.roster.names)}
    return render_page(
        request,
        "class_preview.html",
        event=event,
        action=f"/e/{event.slug}/class/confirm",
        values=values,
        summary=summary_rows(t, answers),
        preview=roster_preview(t, answers.roster),
        hidden=[*KEPT_INPUTS],
    )


def summary_rows(t: Translator, a: ClassAnswers) -> list[tuple[str, str]]:
    """The class's details as the bot's summary lists them (the template escapes them)."""
    teacher = a.teacher
    return [
        (t("web-class-field-teacher-name"), teacher.name),
        (t("field-country"), country_label(t, teacher.country)),
        (t("field-city"), teacher.city),
        (t("web-class-field-school"), teacher.school),
        (t("field-email"), teacher.email),
        (t("field-phone"), teacher.phone or t("answer-not-given")),
        (t("web-class-field-class-name"), a.name),
        (t("web-class-field-size"), str(a.size)),
    ]


async def class_confirm(request: web.Request) -> web.StreamResponse:
    """The preview confirmed ("register") or sent back to the form ("change"). Everything is
    checked again: the hidden fields came back from the browser."""
    deps = request.app[DEPS]
    event = event_of(request)
    if (closed := open_or_refused(request, event)) is not None:
        return closed
    t = page_translator(request)
    posted = await request.post()
    reader = ClassFormReader(t, deps.i18n, posted)
    if _text(posted.get("action")) == "back":
        view = blank_class_form(t)
        view.values = reader.values
        return class_form_page(request, event, view)
    answers = reader.read()
    if answers is None:
        return form_again(request, event, reader)
    async with deps.session_factory() as session:
        service = ClassService(session, deps.catalog, deps.clock)
        try:
            if await service.registered_on_web(event.slug, answers.teacher.email, answers.name):
                return render_page(
                    request,
                    "registration_refused.html",
                    status=409,
                    event=event,
                    title="web-class-taken-title",
                    text="web-class-taken-text",
                    contacts=[],
                    organizer_emails=[],
                )
            _, token = await service.create_on_web(
                slug=event.slug,
                teacher=answers.teacher,
                name=answers.name,
                declared_size=answers.size,
                students=answers.roster.names,
                language=t.lang,
                consent_at=deps.clock.now(),
            )
        except RegistrationClosed:
            return refused(request, event, EventState.CLOSED)
        except EventOver:
            return refused(request, event, EventState.OVER)
        except UnknownEvent:
            raise PageNotFound() from None
        except ClassError as problem:  # the roster's size, checked again by the service
            reader.errors["roster"] = t(problem.key, **problem.args_)
            return form_again(request, event, reader)
    if deps.mail is not None:
        deps.mail.wake()  # the address's confirmation (bot/services/mailing/class_mail.py)
    raise web.HTTPSeeOther(f"/class/{token}?welcome=1")


# --- the class page -----------------------------------------------------------------------


class ClassTokenUnknown(PageNotFound):
    """Unknown or revoked: the ordinary 404 page, with the private headers."""

    def __init__(self) -> None:
        super().__init__()
        self.headers.update(PRIVATE_HEADERS)


@dataclass
class ClassVisit:
    """One request to a class page: the class its token opens, and its event."""

    request: web.Request
    session: AsyncSession
    service: ClassService
    school_class: SchoolClass
    event: Event
    token: str
    # Opened by the link e-mailed to the class's address (`<id>.<signature>`), which alone
    # confirms that address (the page's own token proves no mailbox).
    signed: bool = False

    @property
    def lang(self) -> str:
        return page_language(self.request) or self.school_class.language

    @property
    def t(self) -> Translator:
        return self.request.app[DEPS].i18n(self.lang)

    @property
    def home(self) -> str:
        return f"/class/{self.token}"

    @property
    def active(self) -> bool:
        return self.school_class.status == RegistrationStatus.ACTIVE

    @property
    def now(self) -> datetime:
        return self.request.app[DEPS].clock.now()

    @property
    def editable(self) -> bool:
        return self.active and self.event.state(self.now) is EventState.OPEN


@asynccontextmanager
async def class_visit(request: web.Request) -> AsyncIterator[ClassVisit]:
    deps = request.app[DEPS]
    token = request.match_info["token"]
    signed = mail_links.is_signed(token)
    async with deps.session_factory() as session:
        service = ClassService(session, deps.catalog, deps.clock)
        school_class = (
            await _by_signed_token(request, session, token)
            if signed
            else await service.by_token(token)
        )
        event = deps.catalog.get(await service.slug_of(school_class)) if school_class else None
        if school_class is None or event is None:
            raise ClassTokenUnknown()
        yield ClassVisit(request, session, service, school_class, event, token, signed)


async def _by_signed_token(
    request: web.Request, session: AsyncSession, token: str
) -> SchoolClass | None:
    """The class an e-mailed link opens: signed under the web secret for the class page and
    the class's current token digest (bot/services/mailing/links.py); a new link on the page
    ends it."""
    class_id = mail_links.registration_id(token)  # the id in `<id>.<signature>`
    school_class = None if class_id is None else await session.get(SchoolClass, class_id)
    if school_class is None or not mail_links.verify(
        request.app[CONFIG].secret, CLASS_PAGE, token, school_class.access_token_hash
    ):
        return None
    await session.refresh(school_class, ["students"])
    return school_class


def class_html(v: ClassVisit, template: str, *, status: int = 200, **context: Any) -> web.Response:
    html = v.request.app[RENDERER].html(v.request, template, v.lang, **context)
    return private(html_response(html, status))


def class_meeting(v: ClassVisit) -> dict[str, Any] | None:
    """The meeting block by the rule of /link (the personal page's): the link, ID and passcode
    from the moment the bot would show them; nothing for a cancelled class or a past event."""
    event = v.event
    if not v.active or event.state(v.now) is EventState.OVER:
        return None
    release = link_release_at(event)
    released = link_released(event, v.now)
    return {
        # As the class's calendar file: online unless the whole event is in person.
        "venue": offline_location(event, None, v.lang)
        if event.format is EventFormat.OFFLINE
        else "",
        "released": released,
        "link": effective_link(event) if released else "",
        "id": event.meeting.id if released else "",
        "passcode": event.meeting.passcode if released else "",
        "release": v.t("time-moment", **moment_args(release, v.lang)) if release else "",
    }


@dataclass(frozen=True)
class ClassTelegram:
    """The bot's two links for the class (handlers/classes.py gives a teacher the same): the
    group link while the class is active and the event to come, the pupils' link while
    registration is open (the bot takes requests only then). `available` is False without a
    bot (no username yet, or no BOT_TOKEN)."""

    available: bool
    group_link: str = ""
    group_title: str = ""
    pupil_link: str = ""


def class_telegram(v: ClassVisit) -> ClassTelegram | None:
    c = v.school_class
    if not v.active or v.event.state(v.now) is EventState.OVER:
        return None
    username = v.request.app[DEPS].bot_username()
    if not username:
        return ClassTelegram(available=False)
    return ClassTelegram(
        available=True,
        group_link=group_link(username, c.code),
        group_title=(c.group_title or "") if c.group_chat_id is not None else "",
        pupil_link=pupil_link(username, c.code) if v.editable else "",
    )


async def render_class_page(
    v: ClassVisit,
    *,
    status: int = 200,
    roster_values: dict[str, str] | None = None,
    roster_errors: dict[str, str] | None = None,
    notice: str = "",
    notice_bad: bool = False,
    new_link: str = "",
) -> web.Response:
    t, c = v.t, v.school_class
    done = DONE.get(v.request.query.get("done", ""))
    if not notice and done is not None:
        count = len(v.service.active_students(c))
        notice = t(done, count=count, class_name=c.name)
    certificate = await class_certificate(v.request.app[DEPS].session_factory, c.id)
    form = blank_class_form(t)
    form.values, form.errors = roster_values or {}, roster_errors or {}
    return class_html(
        v,
        "class_page.html",
        status=status,
        event=v.event,
        school_class=c,
        home=v.home,
        active=v.active,
        welcome=v.request.query.get("welcome") == "1" and v.active,
        notice=notice,
        status_bad=notice_bad,
        new_link=new_link,
        times=t("time-span", **span_args(v.event.starts_at, v.event.ends_at, v.lang)),
        status_text=t("web-class-status", status="active" if v.active else "cancelled"),
        details=details_rows(t, c),
        students=[s.full_name for s in c.students if s.status == StudentStatus.ACTIVE],
        requests=[s for s in c.students if s.status == StudentStatus.PENDING],
        # The bot's buttons for a request, without their emoji.
        decide_labels=(label(t("class-join-approve")), label(t("class-join-decline"))),
        telegram=class_telegram(v),
        calendar=v.active and v.event.state(v.now) is not EventState.OVER,
        editable=v.editable,
        edit_open=bool(roster_errors),
        form=form,
        meeting=class_meeting(v),
        checkin_open=v.active and v.event.checkin_open(v.now),
        checked_in=await class_checked_in(v.session, c.id),
        can_cancel=v.active and v.event.state(v.now) is not EventState.OVER,
        certificate=certificate,
        can_download=certificate is not None and v.request.app[DEPS].render_certificate is not None,
        # The address to confirm: with the button (an e-mailed link), or where the letter went.
        confirm_address=confirm_address_state(v),
    )


def confirm_address_state(v: ClassVisit) -> str:
    """ "button" (opened from the letter), "sent" (the letter is on its way) or "" (confirmed,
    no address, or e-mail off)."""
    c = v.school_class
    if v.request.app[DEPS].mail is None or c.email is None or not v.active:
        return ""
    if c.email_confirmed_at is not None or c.email_bounced_at is not None:
        return ""
    return "button" if v.signed else "sent"


async def confirm_email(request: web.Request) -> web.StreamResponse:
    """The Confirm button of the page opened from the class's letter: the address is
    confirmed, and the class's letters go to it from now on. Pressed twice, nothing more."""
    async with class_visit(request) as v:
        c = v.school_class
        if not v.signed or c.email is None:
            return see_other(v.home)
        if c.email_confirmed_at is None:
            c.email_confirmed_at = v.now
            c.updated_at = v.now
            await v.session.commit()
        return see_other(f"{v.home}?done=email-confirmed")


def details_rows(t: Translator, c: SchoolClass) -> list[tuple[str, str]]:
    return [
        (t("web-class-field-class-name"), c.name),
        (t("web-class-field-size"), str(c.declared_size)),
        (t("web-class-field-teacher-name"), c.teacher_name or ""),
        (t("web-class-field-school"), c.school or ""),
        (t("field-city"), c.city or ""),
        (t("field-country"), country_label(t, c.country)),
        (t("field-email"), c.email or ""),
        (t("field-phone"), c.phone or t("answer-not-given")),
    ]


async def class_page(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        return await render_class_page(v)


async def roster_preview_page(request: web.Request) -> web.StreamResponse:
    """A new roster sent from the class page: refused next to the input, or its preview."""
    posted = await request.post()
    async with class_visit(request) as v:
        if not v.editable:
            return await render_class_page(
                v, status=409, notice=v.t("web-class-edit-closed"), notice_bad=True
            )
        errors: dict[str, str] = {}
        roster = read_roster(v.t, posted, errors)
        if roster is None:
            values = {"roster": _text(posted.get("roster"))}
            return await render_class_page(
                v, status=400, roster_values=values, roster_errors=errors
            )
        # As in the bot: who is added, who goes; pupils who joined by the link go only if the
        # page named them ("drop"), and the teacher may keep them instead.
        change = v.service.roster_change(v.school_class, roster.names)
        drop = ",".join(str(student_id) for student_id, _ in change.joined_dropped)
        return class_html(
            v,
            "class_preview.html",
            event=v.event,
            action=f"{v.home}/roster/confirm",
            values={"roster": "\n".join(roster.names), "drop": drop},
            summary=[],
            preview=roster_preview(v.t, roster),
            replacement=replacement_view(v.t, change),
            keep_label=label(v.t("classes-replace-btn-keep")),
            hidden=["roster", "drop"],
            home=v.home,
        )


async def roster_confirm(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    async with class_visit(request) as v:
        if _text(posted.get("action")) == "back":
            values = {"roster": _text(posted.get("roster"))}
            return await render_class_page(v, roster_values=values, roster_errors={})
        try:
            await v.service.check_editable(v.school_class)
        except (ClassError, RegistrationClosed, EventOver):
            return await render_class_page(
                v, status=409, notice=v.t("web-class-edit-closed"), notice_bad=True
            )
        errors: dict[str, str] = {}
        roster = read_roster(v.t, posted, errors)
        if roster is None:
            values = {"roster": _text(posted.get("roster"))}
            return await render_class_page(
                v, status=400, roster_values=values, roster_errors=errors
            )
        keep = _text(posted.get("action")) == "keep"
        drop = [] if keep else _student_ids(_text(posted.get("drop")))
        try:
            replaced = await replace_roster(v.service, v.school_class, roster.names, drop)
        except ClassError as problem:
            errors["roster"] = v.t(problem.key, **problem.args_)
            return await render_class_page(v, status=400, roster_errors=errors)
        for removal in replaced.removed:  # told as the bot's /classes tells them
            tell_pupil(request.app, removal)
        return see_other(f"{v.home}?done=replaced")


async def confirm_cancel(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        if not v.active:
            return see_other(v.home)
        return class_html(
            v,
            "confirm.html",
            keep="web-class-keep",
            home=v.home,
            action="cancel",
            title="web-class-cancel-title",
            text=v.t(
                "web-class-cancel-text",
                class_name=v.school_class.name,
                event=v.event.title.get(v.lang),
            ),
            yes="web-class-cancel-yes",
        )


async def cancel(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        if v.active and v.event.state(v.now) is not EventState.OVER:
            await v.service.cancel(v.school_class)
            return see_other(f"{v.home}?done=cancelled")
        return see_other(v.home)


async def decide_request(request: web.Request) -> web.StreamResponse:
    """A pupil's request to join (sent through the bot's pupil link) approved or declined, as
    the teacher of a bot class does in the chat; the bot tells the pupil as it does then."""
    posted = await request.post()
    decision = _text(posted.get("decision"))
    async with class_visit(request) as v:
        raw_id = request.match_info["student"]
        if not v.active or decision not in DECISIONS or not (raw_id.isascii() and raw_id.isdigit()):
            return see_other(v.home)
        try:
            decided = await v.service.decide_join_in_class(
                v.school_class, int(raw_id), approve=decision == "approve"
            )
        except ClassError as problem:
            return await render_class_page(v, status=409, notice=v.t(problem.key), notice_bad=True)
        tell_pupil(request.app, decided)
        return await render_class_page(v, notice=v.t(DECISIONS[decision], name=decided.name))


def tell_pupil(app: web.Application, decision: JoinDecision) -> None:
    """The decision in the pupil's chat, sent by the bot in the background: the page does not
    wait for Telegram (paced, perhaps out of reach) and the decision is saved whatever
    happens to the message. Without a bot nothing is sent, and a message Telegram refused is
    not sent again: opening the class link again, the pupil approved is told they are on
    the roster (class-join-already); the one declined finds no request and may ask again."""
    notify = app[DEPS].notify
    if notify is not None and decision.user_id is not None:
        app[BACKGROUND].start(notify.join_decided(decision), "telling a pupil of a decision")


async def confirm_erase(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        return class_html(
            v,
            "confirm.html",
            keep="web-class-keep",
            home=v.home,
            action="erase",
            title="web-class-erase-title",
            text=v.t("web-class-erase-text", class_name=v.school_class.name),
            yes="web-class-erase-yes",
        )


async def erase(request: web.Request) -> web.StreamResponse:
    """The rule of /delete_me for this class: the teacher's details and the roster go, the
    class stays as an anonymous count, and this page's token stops working (a second post
    finds nothing: the 404 page)."""
    async with class_visit(request) as v:
        lang = v.lang
        await v.service.erase(v.school_class)
        html = request.app[RENDERER].html(request, "class_erased.html", lang)
        return private(html_response(html))


async def calendar(request: web.Request) -> web.StreamResponse:
    """The class's calendar file: the personal page's, with "the link is on the class page"
    (a class is online unless the whole event is in person)."""
    async with class_visit(request) as v:
        event, t = v.event, v.t
        data = attendee_ics(
            event,
            lang=v.lang,
            offline=event.format is EventFormat.OFFLINE,
            venue_id=None,  # a class chooses no venue
            link=effective_link(event),
            now=v.now,
            note=t("web-class-calendar-description"),
            online_location=t("web-class-calendar-location-online"),
        )
        filename = f"{event.slug}.ics"
        return download(data, "text/calendar", filename, filename, charset="utf-8")


async def check_in(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        result = await check_in_class_page(
            v.session, request.app[DEPS].clock, v.event, v.school_class
        )
        return see_other(f"{v.home}?done=checkin-{result.value}")


# --- the certificates ---------------------------------------------------------------------


async def class_certificate_files(
    v: ClassVisit,
) -> tuple[Any, ClassPages, Any]:
    deps = v.request.app[DEPS]
    render = deps.render_certificate
    certificate = await class_certificate(deps.session_factory, v.school_class.id)
    pages = await class_pages(deps.session_factory, v.school_class.id)
    if certificate is None or pages is None or render is None:
        raise ClassTokenUnknown()
    return certificate, pages, render


def download(
    data: bytes, content_type: str, filename: str, ascii_name: str, charset: str | None = None
) -> web.Response:
    return private(
        web.Response(
            body=data,
            content_type=content_type,
            charset=charset,
            headers={
                "Content-Disposition": attachment(filename, ascii_name),
                "Cache-Control": "no-store",
            },
        )
    )


async def certificates_zip(request: web.Request) -> web.StreamResponse:
    """The letter of thanks and every pupil's certificate, one PDF each, in one ZIP."""
    async with class_visit(request) as v:
        certificate, pages, render = await class_certificate_files(v)
        files = await class_documents(render, v.event, certificate, pages, v.t)
        buffer = io.BytesIO()
        # PDFs are compressed already: stored as they are, the ZIP is made at once.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in files:
                archive.writestr(name, data)
        name = v.t("web-class-certificates-file-name", number=certificate.number)
        return download(
            buffer.getvalue(),
            "application/zip",
            f"{name}.zip",
            f"class-certificates-{certificate.number}.zip",
        )


async def letter_pdf(request: web.Request) -> web.StreamResponse:
    async with class_visit(request) as v:
        certificate, pages, render = await class_certificate_files(v)
        data = await render(v.event, certificate, ClassPages(pages.class_name, pages.school, []))
        _, filename = document_labels(v.t, certificate, pages.class_name)
        return download(data, "application/pdf", filename, f"letter-{certificate.number}.pdf")


async def new_link(request: web.Request) -> web.StreamResponse:
    """Revoke the token and issue another: the page shows the new link once."""
    async with class_visit(request) as v:
        v.token = await v.service.issue_access_token(v.school_class)
        return await render_class_page(v, new_link=f"{request.app[CONFIG].public_url}{v.home}")


async def _finish_background(app: web.Application) -> None:
    await app[BACKGROUND].drain()


def setup(app: web.Application) -> None:
    # The pupils' messages go out in the background (tell_pupil); the app's cleanup waits
    # for them, before the bot's session closes (bot/app.py, bot/webhook.py).
    app[BACKGROUND] = Background()
    app.on_cleanup.append(_finish_background)
    app.router.add_get("/e/{slug}/class", class_form, name="class_form")
    app.router.add_post("/e/{slug}/class", class_preview)
    app.router.add_post("/e/{slug}/class/confirm", class_confirm)
    app.router.add_get("/class/{token}", class_page, name="class_page")
    app.router.add_post("/class/{token}/roster", roster_preview_page)
    app.router.add_post("/class/{token}/roster/confirm", roster_confirm)
    app.router.add_get("/class/{token}/cancel", confirm_cancel)
    app.router.add_post("/class/{token}/cancel", cancel)
    app.router.add_post("/class/{token}/checkin", check_in)
    app.router.add_post("/class/{token}/confirm-email", confirm_email)
    app.router.add_post("/class/{token}/requests/{student}", decide_request)
    app.router.add_get("/class/{token}/erase", confirm_erase)
    app.router.add_post("/class/{token}/erase", erase)
    app.router.add_get("/class/{token}/calendar.ics", calendar)
    app.router.add_get("/class/{token}/certificates.zip", certificates_zip)
    app.router.add_get("/class/{token}/letter.pdf", letter_pdf)
    app.router.add_post("/class/{token}/new-link", new_link)
