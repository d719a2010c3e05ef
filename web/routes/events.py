"""`/`: the events open for registration (and the most relevant other one, as the bot's
catalog decides); `/e/<slug>`: one event, with where to register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.i18n import Translator
from bot.services.events.catalog import Contacts, Event, EventFormat
from bot.services.events.timefmt import moment_args, span_args
from bot.services.venues.seats import VenueSeats
from web.context import DEPS
from web.errors import PageNotFound
from web.language import page_language
from web.render import Same, render_page, render_shared_page


@dataclass(frozen=True)
class ContactLine:
    label: str
    value: str
    href: str = ""


def contact_lines(t: Translator, contacts: Contacts) -> list[ContactLine]:
    """The organizers' contacts with the bot's labels ("E-mail:", "电子邮箱："): each label is
    its `contacts-*` message with an empty value, so the page shows the value as a link."""
    lines = []
    for kind in ("email", "phone", "telegram", "whatsapp", "wechat", "website"):
        value = getattr(contacts, kind)
        if not value:
            continue
        label = t(f"contacts-{kind}", value="").strip()
        # "E-mail: x" but "电子邮箱：x": the full-width colon carries its own space.
        label += "" if label.endswith("：") else " "
        # Only e-mail becomes a link: the pages link to nothing outside (the website and the
        # messengers are shown as text to copy).
        href = f"mailto:{quote(value, safe='@.+-_')}" if kind == "email" else ""
        lines.append(ContactLine(label, value, href))
    return lines


def event_summary(t: Translator, event: Event) -> dict[str, str]:
    return {
        "times": t("time-span", **span_args(event.starts_at, event.ends_at, t.lang)),
        "format": t("event-format", format=event.format.value),
    }


async def events_page(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    lang = page_language(request) or "ru"  # unknown: render_page shows the language choice
    t = deps.i18n(lang)
    now = deps.clock.now()
    shown = deps.catalog.open(now)
    relevant = deps.catalog.most_relevant(now)
    if relevant is not None and relevant not in shown:
        shown.append(relevant)
    items: list[dict[str, Any]] = [
        {"event": e, "state": e.state(now).value, "running": running(e, now), **event_summary(t, e)}
        for e in shown
    ]
    return render_page(request, "events.html", events=items, any_open=bool(deps.catalog.open(now)))


def running(event: Event, now: datetime) -> bool:
    """The conference is on now: a visitor coming late sees it (registration may still be open
    beside it)."""
    return event.starts_at <= now < event.ends_at


def telegram_link(username: str | None, slug: str) -> str:
    """The bot's deep link that opens the registration for this event, when the bot is known."""
    return f"https://t.me/{username}?start={slug}" if username else ""


async def event_page(request: web.Request) -> web.StreamResponse:
    """The event with its blank form: the same page for every visitor but for the CSRF token,
    so it is drawn once per language for what it shows (web.render.Renderer.shared_html)."""
    deps = request.app[DEPS]
    event = deps.catalog.get(request.match_info["slug"])
    if event is None:
        raise PageNotFound()
    # The venues' free seats (issue 15), counted once for this page: in the list of venues
    # and in the form.
    from web.routes.registration import blank_form, counted_seats, page_translator

    seats = await counted_seats(request, event) if event.venues else None
    now = deps.clock.now()
    key = (
        Same(event),
        event.state(now),
        running(event, now),
        deps.bot_username(),
        None if seats is None else tuple((s.venue.id, s.taken, s.waiting) for s in seats),
    )

    def context() -> dict[str, Any]:
        page = event_context(request, event, seats)
        if event.venues:
            page["form"] = blank_form(page_translator(request), event, seats=seats)
        return page

    return render_shared_page(request, "event.html", key, context)


@dataclass(frozen=True)
class VenueLine:
    """A venue as the event page lists it: name, address and, when counted, its seats."""

    name: str
    address: str
    seats: str


def venue_lines(t: Translator, event: Event, seats: list[VenueSeats] | None) -> list[VenueLine]:
    """The event's venues with free seats or "full: waiting list" (seats None: not counted)."""
    lines = []
    for venue in event.venues:
        count = next((s for s in seats or [] if s.venue.id == venue.id), None)
        note = ""
        if count is not None and count.full:
            note = t("venue-option-full")
        elif count is not None and count.free is not None:
            note = t("venue-option-free", free=count.free, capacity=venue.capacity)
        lines.append(VenueLine(venue.name.get(t.lang), venue.address.get(t.lang), note))
    return lines


def event_context(
    request: web.Request, event: Event, seats: list[VenueSeats] | None = None
) -> dict[str, Any]:
    """What event.html shows of the event (the registration form's POST shows it again, with
    the seats counted for its form)."""
    deps = request.app[DEPS]
    lang = page_language(request) or "ru"
    t = deps.i18n(lang)
    summary = event_summary(t, event)
    offline = event.format is not EventFormat.ONLINE
    return {
        "event": event,
        "state": event.state(deps.clock.now()).value,
        "running": running(event, deps.clock.now()),
        "organizer": t("web-event-organizer", organizer=event.organizer.get(lang))
        if event.organizer
        else "",
        # An event with venues lists them; the one venue text is then only a fallback.
        "venues": venue_lines(t, event, seats) if offline else [],
        "venue": t("event-venue", venue=event.venue.get(lang))
        if event.venue and not event.venues
        else "",
        "deadline": t("time-moment", **moment_args(event.deadline, lang)),
        "contacts": contact_lines(t, event.contacts),
        "telegram_link": telegram_link(deps.bot_username(), event.slug),
        "times": summary["times"],
        "format": summary["format"],
    }


def setup(app: web.Application) -> None:
    app.router.add_get("/", events_page, name="events")
    app.router.add_get("/e/{slug}", event_page, name="event")
