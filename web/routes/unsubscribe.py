"""`/unsubscribe/<token>`: the one-click unsubscribe of the e-mails (RFC 8058), the address in
their List-Unsubscribe header and footer. It mutes reminders and broadcasts by e-mail
(registration.email_muted); the letters with the meeting link, corrections and the certificate
still come.

A POST mutes: a mail provider's "Unsubscribe" button posts `List-Unsubscribe=One-Click` with no
cookie and no form token, so the signed token in the address is the whole authority
(bot/services/registration/mail_links.py, UNSUBSCRIBE: it cannot open the personal page, and a
page token cannot unsubscribe). A GET changes nothing (mail scanners open links): it shows the
question with a button that posts. A token that is malformed, forged, or signed for an older
personal link is the ordinary 404 page.

`/unsubscribe/class/<token>` does the same for a class's letters (classes.email_muted), signed
for a class (bot/services/mailing/links.py, CLASS_UNSUBSCRIBE)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES
from bot.services.mailing.links import CLASS_UNSUBSCRIBE
from bot.services.registration import mail_links
from db.models import Registration, SchoolClass
from web.context import CONFIG, DEPS, SIGNED_POSTS
from web.language import page_language
from web.render import RENDERER, html_response
from web.routes.personal import TokenUnknown, private

PATH = "/unsubscribe/{token}"
CLASS_PATH = "/unsubscribe/class/{token}"


async def _registration(request: web.Request, session: AsyncSession) -> Registration:
    token = request.match_info["token"]
    registration_id = mail_links.registration_id(token)
    registration = (
        None if registration_id is None else await session.get(Registration, registration_id)
    )
    if (
        registration is None
        or registration.erased_at is not None
        or not mail_links.verify(
            request.app[CONFIG].secret,
            mail_links.UNSUBSCRIBE,
            token,
            registration.access_token_hash,
        )
    ):
        raise TokenUnknown()
    return registration


async def _class(request: web.Request, session: AsyncSession) -> SchoolClass:
    token = request.match_info["token"]
    class_id = mail_links.registration_id(token)  # the id in `<id>.<signature>`
    school_class = None if class_id is None else await session.get(SchoolClass, class_id)
    if school_class is None or not mail_links.verify(
        request.app[CONFIG].secret, CLASS_UNSUBSCRIBE, token, school_class.access_token_hash
    ):
        raise TokenUnknown()
    return school_class


def _page(
    request: web.Request, recipient: Registration | SchoolClass, *, done: bool
) -> web.Response:
    # A mail provider's POST has no language of its own: the person's (the class's).
    lang = page_language(request) or recipient.language
    lang = lang if lang in LANGUAGES else "ru"
    html = request.app[RENDERER].html(
        request, "unsubscribe.html", lang, done=done, action=request.path
    )
    return private(html_response(html))


async def unsubscribe_page(request: web.Request) -> web.StreamResponse:
    async with request.app[DEPS].session_factory() as session:
        registration = await _registration(request, session)
    return _page(request, registration, done=registration.email_muted)


async def unsubscribe(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    async with deps.session_factory() as session:
        registration = await _registration(request, session)
        if not registration.email_muted:
            registration.email_muted = True
            registration.updated_at = deps.clock.now()
            await session.commit()
    return _page(request, registration, done=True)


async def class_unsubscribe_page(request: web.Request) -> web.StreamResponse:
    async with request.app[DEPS].session_factory() as session:
        school_class = await _class(request, session)
    return _page(request, school_class, done=school_class.email_muted)


async def class_unsubscribe(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    async with deps.session_factory() as session:
        school_class = await _class(request, session)
        if not school_class.email_muted:
            school_class.email_muted = True
            school_class.updated_at = deps.clock.now()
            await session.commit()
    return _page(request, school_class, done=True)


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, unsubscribe_page, name="unsubscribe")
    app.router.add_post(PATH, unsubscribe)
    app.router.add_get(CLASS_PATH, class_unsubscribe_page, name="class_unsubscribe")
    app.router.add_post(CLASS_PATH, class_unsubscribe)
    # Authorised by its signed token, not the CSRF token (web/csrf.py, signed_otherwise).
    app[SIGNED_POSTS].update((PATH, CLASS_PATH))
