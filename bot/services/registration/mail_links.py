"""The links that e-mails carry: to the personal page, and the one-click unsubscribe.

The personal page's token is stored only as a digest (access.py), so a reminder written days
later cannot repeat it. An e-mail's link is instead `<registration id>.<signature>`: an HMAC,
under the web secret (WEB_SECRET, or derived from BOT_TOKEN: the same on every replica), of
the registration's id and its current token digest. Nobody can make one without the secret;
a link reissued on the personal page (a new digest) ends the old token and every e-mailed
link with it; and the page looks it up by the id, then compares the signature in constant
time. The unsubscribe link is signed the same way for another purpose, so the one cannot be
used as the other. Pure functions; RegistrationService resolves them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

SEPARATOR = "."
# 18 bytes of HMAC-SHA256: 24 URL-safe characters, 144 bits.
SIGNATURE_BYTES = 18
SHAPE = re.compile(r"(?P<id>[1-9][0-9]{0,17})\.(?P<signature>[A-Za-z0-9_-]{24})")

PAGE = "page"
UNSUBSCRIBE = "unsubscribe"


def _signature(secret: bytes, purpose: str, registration_id: int, token_digest: str) -> str:
    message = f"{purpose}|{registration_id}|{token_digest}".encode()
    mac = hmac.new(secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(mac).decode("ascii")


def sign(secret: bytes, purpose: str, registration_id: int, token_digest: str) -> str:
    """The token of an e-mailed link: `<id>.<signature>`."""
    signature = _signature(secret, purpose, registration_id, token_digest)
    return f"{registration_id}{SEPARATOR}{signature}"


def is_signed(token: str) -> bool:
    """Whether `token` has the shape of an e-mailed link (a personal-page token never has the
    dot: token_urlsafe uses only [A-Za-z0-9_-])."""
    return SHAPE.fullmatch(token) is not None


def registration_id(token: str) -> int | None:
    found = SHAPE.fullmatch(token)
    return int(found["id"]) if found else None


def verify(secret: bytes, purpose: str, token: str, token_digest: str | None) -> bool:
    """Whether `token` was signed for this purpose and the registration's current digest."""
    found = SHAPE.fullmatch(token)
    if found is None or token_digest is None:
        return False
    expected = _signature(secret, purpose, int(found["id"]), token_digest)
    return hmac.compare_digest(found["signature"], expected)
