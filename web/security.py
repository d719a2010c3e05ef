"""Security headers on every response. A route may set its own before they are added (they are
defaults): the personal page will send `Referrer-Policy: no-referrer`, and the Mini App page,
which Telegram shows in a frame, will replace `X-Frame-Options` and `frame-ancestors`."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

# Everything from our own address: no CDN, fonts or scripts from elsewhere (Google is blocked
# in China), and no inline script (an injected one would not run).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
