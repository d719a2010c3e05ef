"""CSRF protection for the pages' forms: a signed double-submit token.

Every browser gets a random key in a cookie; its forms carry HMAC(server secret, key) in a
hidden field. A forged page on another site can make the browser send the cookie but cannot
read it, so it cannot compute the field; a token copied from another browser belongs to another
key. Nothing is stored on the server, so any replica checks any form (the secret is the same
on all: WEB_SECRET, or derived from BOT_TOKEN)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

from web.context import CONFIG, EXEMPT_POSTS, REFILLED_POSTS, SIGNED_POSTS
from web.errors import FormRefused

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A key made for this request, to be set as the cookie.
_NEW_KEY = web.RequestKey("web_new_csrf_key", str)
# This request's token, once made: a page with several forms signs the key once.
_TOKEN = web.RequestKey("web_csrf_token", str)


def sign(secret: bytes, browser_key: str) -> str:
    return hmac.new(secret, browser_key.encode(), hashlib.sha256).hexdigest()


def token_valid(secret: bytes, browser_key: str | None, token: str | None) -> bool:
    """Whether a form's token was made for this browser's key (constant-time comparison)."""
    if not browser_key or not token:
        return False
    return hmac.compare_digest(sign(secret, browser_key), token)


def csrf_token(request: web.Request) -> str:
    """The token for this browser's forms (templates put it in a hidden `csrf_token` field); a
    browser without a key gets one, sent as a cookie with this response."""
    token = request.get(_TOKEN)
    if token is None:
        key = request.cookies.get(CSRF_COOKIE) or request.get(_NEW_KEY)
        if not key:
            key = request[_NEW_KEY] = secrets.token_urlsafe(32)
        token = request[_TOKEN] = sign(request.app[CONFIG].secret, key)
    return token


def is_form_post(request: web.Request) -> bool:
    """A POST (PUT, DELETE...) to one of the pages' routes: not Telegram's webhook (exempt),
    and not an address without such a route (that is a 404 or 405 page, not a refused form)."""
    return (
        request.method not in SAFE_METHODS
        and request.match_info.http_exception is None
        and request.path not in request.app[EXEMPT_POSTS]
    )


def signed_otherwise(request: web.Request) -> bool:
    """A form that carries a signature of its own instead of the token: the Mini App's, signed
    by Telegram. Telegram's web client shows that page in a cross-site frame, where browsers
    send no SameSite cookie, so the token could never match there; a forged page elsewhere
    cannot sign a person's init data either (see web/routes/miniapp.py)."""
    resource = request.match_info.route.resource
    return resource is not None and resource.canonical in request.app[SIGNED_POSTS]


async def form_token_valid(request: web.Request) -> bool:
    """Whether the posted form carries this browser's token. The body is read here; the
    handler's own `await request.post()` gets the same parsed form again."""
    form = await request.post()
    token = form.get(CSRF_FIELD)
    return token_valid(
        request.app[CONFIG].secret,
        request.cookies.get(CSRF_COOKIE),
        token if isinstance(token, str) else None,
    )


def refill_of(request: web.Request) -> Handler | None:
    """What shows this route's form again with the posted values, if it has one."""
    resource = request.match_info.route.resource
    return None if resource is None else request.app[REFILLED_POSTS].get(resource.canonical)


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST (PUT, DELETE...) to the pages needs the token, so no form can forget it. A
    form without a valid one is refused (403); where its route has a refill, the refusal is
    the form again, with what was typed and a new token."""
    needs_token = is_form_post(request) and not signed_otherwise(request)
    if needs_token and not await form_token_valid(request):
        refill = refill_of(request)
        if refill is None:
            raise FormRefused()
        handler = refill
    response = await handler(request)
    new_key = request.get(_NEW_KEY)
    if new_key and not response.prepared:
        response.set_cookie(
            CSRF_COOKIE,
            new_key,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.app[CONFIG].secure_cookies,
        )
    return response
