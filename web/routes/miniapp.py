"""The registration form as a Telegram Mini App: `/app/e/<slug>`, opened by the event card's
button in the bot when PUBLIC_URL is https (Telegram opens only https Mini Apps).

The form, its rules and its texts are the event page's (web/routes/registration.py); the
person is the Telegram user who opened it, not a browser:

- Telegram opens the page with its launch parameters in the address's fragment,
  `#tgWebAppData=<init data>&tgWebAppVersion=...` (Mini Apps docs, "Launch Parameters"). The
  pages load nothing from other addresses, Telegram's own telegram-web-app.js included, so a
  small script of ours (web/static/miniapp.js) reads the fragment and puts the init data into
  the form's hidden `init_data` field. Without JavaScript, or outside Telegram, the page says
  to open it from the bot and links the ordinary web form.
- The POST checks the init data with the bot's token (aiogram's safe_parse_webapp_init_data:
  HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", token)) and its age (auth_date, a day at
  most), then registers that Telegram user with Channel.miniapp, under the chat form's rules
  (registered there already: the page says so).
- That signature stands in for the CSRF token (see web.csrf.signed_otherwise): Telegram's web
  client shows the page in a cross-site frame, where browsers send no SameSite cookie.
- The bot confirms in the chat with the chat form's own confirmation (`notify.registered`,
  given by the bot: web.context.Notify); the page says so and links the personal page.

The page's language comes from the address (`?hl=ru|zh`, which the bot writes from the chat's
language), because the cookie that remembers it elsewhere is not kept in that frame either."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web

from bot.i18n import LANGUAGES, Translator
from bot.services.events.catalog import Event, EventState
from bot.services.registration.form import CONSENT_VERSION, Field
from bot.services.registration.registrations import (
    AlreadyRegistered,
    Channel,
    EmailTaken,
    EventOver,
    RegistrationClosed,
    RegistrationService,
    UnknownEvent,
    VenueRefused,
)
from web.context import CONFIG, DEPS, SIGNED_POSTS
from web.errors import PageNotFound
from web.language import page_language
from web.render import OTHER_LANGUAGE, RENDERER, choose_language, html_response
from web.routes.events import event_summary, telegram_link
from web.routes.registration import HONEYPOT, FormReader, FormView, blank_form, event_of, plain
from web.security import MINIAPP_PREFIX

log = logging.getLogger(__name__)

FORM_PATH = MINIAPP_PREFIX + "e/{slug}"
INIT_DATA = "init_data"
LANGUAGE_PARAM = "hl"  # the bot writes it: handlers/views.py miniapp_url
# Telegram signs the init data when the Mini App opens; older than this, it is refused (the
# person opens the form again from the bot).
INIT_DATA_LIFETIME = timedelta(days=1)


def telegram_user_id(token: str, init_data: str, now: datetime) -> int:
    """The Telegram user Telegram signed this init data for. ValueError when it cannot be
    trusted: no bot token to check it with, a wrong signature, older than a day, no user."""
    if not token:
        raise ValueError("no BOT_TOKEN: init data cannot be checked")
    data = safe_parse_webapp_init_data(token, init_data)  # ValueError: a wrong signature
    if now - data.auth_date > INIT_DATA_LIFETIME:
        raise ValueError("init data signed more than a day ago")
    if data.user is None:
        raise ValueError("init data without a user")
    return data.user.id


def miniapp_form_view(t: Translator, event: Event) -> FormView:
    """The event page's form, with the bot's consent text: the person is in Telegram, where
    /delete_me (which it names) withdraws it."""
    return blank_form(t, event, consent="consent-text")


def miniapp_language(request: web.Request) -> str | None:
    chosen = request.query.get(LANGUAGE_PARAM)
    return chosen if chosen in LANGUAGES else page_language(request)


def page(
    request: web.Request, lang: str, event: Event, view: str, *, status: int = 200, **context: Any
) -> web.Response:
    """miniapp.html in `lang`, with the event's title and times (see the template for `view`)."""
    deps = request.app[DEPS]
    t = deps.i18n(lang)
    other = OTHER_LANGUAGE[lang]
    html = request.app[RENDERER].html(
        request,
        "miniapp.html",
        lang,
        event=event,
        view=view,
        times=event_summary(t, event)["times"],
        # The same address in the other language (miniapp.js keeps the init data meanwhile).
        language_href=f"{request.path}?{LANGUAGE_PARAM}={other}",
        telegram_link=telegram_link(deps.bot_username(), event.slug),
        form_action=f"{request.path}?{LANGUAGE_PARAM}={lang}",
        **context,
    )
    return html_response(html, status)


def message(
    request: web.Request, lang: str, event: Event, title: str, *, status: int, **text: str
) -> web.Response:
    """A refusal or a rule on the Mini App's page: `text` (a message) or `text_plain`."""
    return page(
        request,
        lang,
        event,
        "message",
        status=status,
        title=title,
        text=text.get("text", ""),
        text_plain=text.get("text_plain", ""),
    )


def state_message(request: web.Request, lang: str, event: Event, state: EventState) -> web.Response:
    closed = state is EventState.CLOSED
    return message(
        request,
        lang,
        event,
        f"web-state-{state.value}",
        status=409,
        text="web-register-closed" if closed else "web-register-over",
    )


def form_page(
    request: web.Request,
    lang: str,
    event: Event,
    form: FormView,
    *,
    init_data: str = "",
    status: int = 200,
) -> web.Response:
    """The form: blank (the script brings the init data), or sent back with refused fields and
    the init data the server has checked already (shown at once, script or not)."""
    return page(
        request,
        lang,
        event,
        "form",
        status=status,
        form=form,
        init_data=init_data,
        signed=bool(init_data),
    )


async def miniapp_form(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    event = event_of(request)
    lang = miniapp_language(request)
    if lang is None:
        return choose_language(request)
    state = event.state(deps.clock.now())
    if state is not EventState.OPEN:
        return state_message(request, lang, event, state)
    return form_page(request, lang, event, miniapp_form_view(deps.i18n(lang), event))


async def miniapp_register(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    event = event_of(request)
    lang = miniapp_language(request) or "ru"
    t = deps.i18n(lang)
    posted = await request.post()
    init_data = posted.get(INIT_DATA)
    if not isinstance(init_data, str) or not init_data.strip():
        # Sent without Telegram's data: no JavaScript, or not opened from the bot.
        return page(request, lang, event, "outside", status=400)
    try:
        user_id = telegram_user_id(request.app[CONFIG].bot_token, init_data, deps.clock.now())
    except ValueError as problem:
        log.info("Mini App form for %s refused: %s", event.slug, problem)
        return message(
            request, lang, event, "miniapp-refused-title", status=403, text="miniapp-refused-text"
        )
    state = event.state(deps.clock.now())
    if state is not EventState.OPEN:
        return state_message(request, lang, event, state)
    if isinstance(posted.get(HONEYPOT), str) and posted.get(HONEYPOT):
        # A bot: thanked like a person, and nothing is saved (as on the event page).
        log.info("Mini App form for %s: honeypot filled, nothing saved", event.slug)
        return page(request, lang, event, "done", personal_link="")
    reader = FormReader(t, deps.i18n, event, posted)
    answers = reader.read()
    if answers is None:
        form = miniapp_form_view(t, event)
        form.values, form.errors = reader.values, reader.errors
        return form_page(request, lang, event, form, init_data=init_data, status=400)
    answers |= {"consent_at": deps.clock.now().isoformat(), "consent_version": CONSENT_VERSION}
    title = event.title.get(lang)
    mail = deps.mail
    async with deps.session_factory() as session:
        service = RegistrationService(session, deps.catalog, deps.clock)
        try:
            # With e-mail on, the address is confirmed by e-mail as in the chat (the
            # registration is active at once: Telegram vouches for the person).
            registration = await service.register(
                event.slug, answers, lang, channel=Channel.miniapp(user_id), mail=mail is not None
            )
        except AlreadyRegistered:
            # The bot's text (it names /me and /edit: the person is in the bot).
            text = plain(t("err-already-registered", event=title))
            return message(
                request, lang, event, "miniapp-already-title", status=409, text_plain=text
            )
        except EmailTaken:
            # As the chat form does: the address is asked for again, everything else kept.
            form = miniapp_form_view(t, event)
            form.values = reader.values
            form.errors = {Field.EMAIL.value: plain(t("err-email-taken", event=title))}
            return form_page(request, lang, event, form, init_data=init_data, status=409)
        except VenueRefused:
            # The last seat went to someone faster: the venue is asked again.
            form = miniapp_form_view(t, event)
            form.values = reader.values
            form.errors = {"venue": t("web-err-venue-full")}
            return form_page(request, lang, event, form, init_data=init_data, status=409)
        except RegistrationClosed:
            return state_message(request, lang, event, EventState.CLOSED)
        except EventOver:
            return state_message(request, lang, event, EventState.OVER)
        except UnknownEvent:
            raise PageNotFound() from None
    if mail is not None:
        mail.wake()
    if deps.notify is not None:
        await deps.notify.registered(user_id, registration)
    assert registration.access_token is not None  # a Mini App registration always gets one
    return page(request, lang, event, "done", personal_link=f"/me/{registration.access_token}")


def setup(app: web.Application) -> None:
    app.router.add_get(FORM_PATH, miniapp_form, name="miniapp")
    app.router.add_post(FORM_PATH, miniapp_register)
    app[SIGNED_POSTS].add(FORM_PATH)
