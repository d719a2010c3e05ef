"""The page's language: the `lang` cookie, else the browser's Accept-Language, else the visitor
chooses (a page of its own; the choice is remembered in the cookie)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.i18n import LANGUAGES
from web.context import CONFIG

LANG_COOKIE = "lang"
LANG_PARAM = "lang"
# A year: the choice outlives a browser restart, and the switch on every page changes it.
LANG_COOKIE_AGE = 365 * 24 * 3600
HTML_LANG = {"ru": "ru", "zh": "zh-CN"}


def accepted_language(header: str) -> str | None:
    """The language the browser prefers most among ours: zh* is Chinese, ru* Russian; None when
    it names neither (an English browser, say: the visitor chooses)."""
    candidates: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        quality = _quality(params)
        if lang in LANGUAGES and quality > 0:
            # Higher quality wins; among equals, the one named first.
            candidates.append((quality, -position, lang))
    return max(candidates)[2] if candidates else None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def page_language(request: web.Request) -> str | None:
    """The cookie if it names one of our languages, else Accept-Language, else None."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return accepted_language(request.headers.get("Accept-Language", ""))


def switch_target(request: web.Request) -> str:
    """Where `?lang=` sends the visitor back to: the same path and query, without `lang`. A
    page drawn in reply to a form (a refused edit, at /me/<token>/edit) has an address that
    takes no GET: the switch goes to the page the form is on, one step up."""
    query = request.rel_url.query.copy()
    query.popall(LANG_PARAM, None)
    url = request.rel_url.with_query(query)
    if isinstance(request.match_info.http_exception, web.HTTPMethodNotAllowed):
        url = url.with_path(url.path.rsplit("/", 1)[0] or "/")
    return str(url)


@web.middleware
async def language_switch(request: web.Request, handler: Handler) -> web.StreamResponse:
    """GET any page with `?lang=ru|zh`: remember the choice and show the same page again."""
    chosen = request.rel_url.query.get(LANG_PARAM)
    if request.method != "GET" or chosen is None:
        return await handler(request)
    response = web.Response(status=303, headers={"Location": switch_target(request)})
    if chosen in LANGUAGES:
        remember_language(response, chosen, secure=request.app[CONFIG].secure_cookies)
    return response


def remember_language(response: web.StreamResponse, lang: str, *, secure: bool) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )
