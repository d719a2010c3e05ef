"""Every error as a page in the page's language with a link home, never a traceback: the
refusals of web/errors.py, aiohttp's own (404, 405, 413...) and unexpected failures (500, logged
with a request id that the page shows, and without personal data)."""

from __future__ import annotations

import logging
import secrets
import traceback

from aiohttp import web
from aiohttp.typedefs import Handler

from web.context import CONFIG, REQUEST_ID
from web.errors import PageError
from web.language import page_language
from web.render import RENDERER, choose_language, html_response

log = logging.getLogger(__name__)

# aiohttp's errors that have a page of their own; any other 4xx gets the generic one.
KNOWN_STATUSES = frozenset({403, 404, 405, 413, 429, 500})
# Headers of aiohttp's error worth keeping on our page (405 says which methods are allowed).
KEPT_HEADERS = ("Allow", "Retry-After")


def error_page(
    request: web.Request, status: int, args: dict[str, object] | None = None
) -> web.Response:
    known = status if status in KNOWN_STATUSES else 400
    title, text = f"web-error-{known}-title", f"web-error-{known}-text"
    args = {
        **(args or {}),
        "request_id": request.get(REQUEST_ID, "-"),
        "max_mb": _megabytes(request.app[CONFIG].max_body),
    }
    lang = page_language(request)
    if lang is None:
        return choose_language(request, status=status, error=(title, text), error_args=args)
    renderer = request.app[RENDERER]
    html = renderer.html(
        request, "error.html", lang, status=status, title=title, text=text, args=args
    )
    return html_response(html, status)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def _where(exc: BaseException) -> str:
    """Where it failed (file, line, function): enough to find the bug, and unlike the message
    never somebody's data (a database error quotes the values it was given)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_ID] = secrets.token_hex(4)
    try:
        return await handler(request)
    except PageError as exc:
        response = error_page(request, exc.status, exc.args_for_text)
        response.headers.update(exc.headers)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:  # a redirect: as a response, so that it gets the security headers
            return web.Response(status=exc.status, headers=exc.headers)
        response = error_page(request, exc.status)
        for name in KEPT_HEADERS:
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception as exc:
        resource = request.match_info.route.resource
        log.error(
            "request %s: %s %s failed: %s at %s",
            request[REQUEST_ID],
            request.method,
            # The route's pattern (/e/{slug}), not the path: a path may carry a personal token.
            resource.canonical if resource is not None else "?",
            type(exc).__name__,
            _where(exc),
        )
        return error_page(request, 500)
