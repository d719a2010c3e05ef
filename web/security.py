"""Security headers on every response. A route may set its own before they are added (they are
defaults): the personal page sends `Referrer-Policy: no-referrer`. The Mini App's pages
(/app/...), which Telegram's web clients show in a frame, may be framed by those clients and
nobody else: `frame-ancestors` names them, and `X-Frame-Options` (which cannot name anyone)
is left out there."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

# Everything from our own address: no CDN, fonts or scripts from elsewhere (Google is blocked
# in China), and no inline script (an injected one would not run).
SOURCES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
]
CONTENT_SECURITY_POLICY = "; ".join([*SOURCES, "frame-ancestors 'none'"])
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}

# The Mini App's pages (web/routes/miniapp.py). Telegram's apps for phones and computers open
# a Mini App in a webview of their own (no frame); its web clients (web.telegram.org, with
# its /k/ and /a/ versions, and their older addresses) put it in an iframe.
MINIAPP_PREFIX = "/app/"
TELEGRAM_WEB_CLIENTS = (
    "https://web.telegram.org",
    "https://webk.telegram.org",
    "https://webz.telegram.org",
)
MINIAPP_HEADERS = {
    **{name: value for name, value in SECURITY_HEADERS.items() if name != "X-Frame-Options"},
    "Content-Security-Policy": "; ".join(
        [*SOURCES, "frame-ancestors " + " ".join(TELEGRAM_WEB_CLIENTS)]
    ),
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    # By path, not by route: the Mini App's error pages (a refused signature, a 404) are shown
    # in the same frame.
    miniapp = request.path.startswith(MINIAPP_PREFIX)
    for name, value in (MINIAPP_HEADERS if miniapp else SECURITY_HEADERS).items():
        response.headers.setdefault(name, value)
    return response
